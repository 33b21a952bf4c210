"""BibTeX entries (arXiv-style ``@misc``) written with bibtexparser, LaTeX-escaped by pylatexenc."""

import re
import unicodedata
from collections.abc import Iterable, Mapping

import bibtexparser
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import RULE_DICT, UnicodeToLatexConversionRule, UnicodeToLatexEncoder

from reader.zotero.highwire import citation_doi
from reader.zotero.names import clean, split_name

__all__ = ["bibtex_key", "bibtex_keys", "latex_escape", "to_bibtex"]


_MATH = re.compile(r"\\\$|\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)
_LATEX = UnicodeToLatexEncoder(
    # BibTeX counts every brace, escaped or not, so "\{" would unbalance a field.
    conversion_rules=[
        UnicodeToLatexConversionRule(
            RULE_DICT, {ord("{"): r"\textbraceleft", ord("}"): r"\textbraceright"}
        ),
        "defaults",
    ],
    replacement_latex_protection="braces-almost-all",  # {\"u}: BibTeX's special-character form
    unknown_char_policy="keep",  # scripts without a LaTeX macro (CJK, ...) stay UTF-8
    unknown_char_warning=False,
)
_FOLD = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_STOPWORDS = frozenset("a an the on of in for and to with from by at via is are do does".split())


def latex_escape(text: str) -> str:
    """Plain text as a LaTeX-safe BibTeX value: specials and accents encoded, $math$ kept."""
    out, pos = [], 0
    for m in _MATH.finditer(text):
        seg = m.group()
        # Unbalanced braces inside math would break the BibTeX field: encode it as text.
        verbatim = seg == "\\$" or seg.count("{") == seg.count("}") and _braces_nest(seg)
        out += [_LATEX.unicode_to_latex(text[pos : m.start()])]
        out += [seg if verbatim else _LATEX.unicode_to_latex(seg)]
        pos = m.end()
    out.append(_LATEX.unicode_to_latex(text[pos:]))
    return "".join(out)


def _braces_nest(tex: str) -> bool:
    depth = 0
    for ch in tex:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _ascii(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text`` (accents folded, the rest dropped)."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    return re.sub(r"[^a-z0-9]", "", folded)


def bibtex_key(d: Mapping) -> str:
    """Citation key: first author's family name, v1 year, first significant title word."""
    first = clean(d["authors"][0]) if d["authors"] else ""
    parts = split_name(first)
    if parts:
        name = _ascii(parts[0])
    else:  # group author: "The ATLAS Collaboration" -> "atlas"
        name = next((w for w in map(_ascii, first.split()) if w and w not in _STOPWORDS), "")
    words = map(_ascii, re.split(r"[\s\-/]+", _MATH.sub(" ", d["title"])))
    word = next((w for w in words if w and w not in _STOPWORDS), "")
    return f"{name or 'anon'}{d['date'].year}{word}"


def bibtex_keys(items: list[Mapping]) -> list[str]:
    """bibtex_key for each paper, with b, c, ... appended to repeats so keys stay unique."""
    seen: dict[str, int] = {}
    keys = []
    for d in items:
        key = bibtex_key(d)
        seen[key] = n = seen.get(key, 0) + 1
        keys.append(key if n == 1 else key + (chr(ord("a") + n - 1) if n <= 26 else str(n)))
    return keys


def _bib_name(name: str) -> str:
    parts = split_name(name)
    if parts:
        return f"{latex_escape(parts[0])}, {latex_escape(parts[1])}"
    return "{" + latex_escape(clean(name)) + "}"  # braces: BibTeX keeps a group name whole


def to_bibtex(items: Iterable[Mapping]) -> str:
    """arXiv-style @misc entries (eprint, archivePrefix, primaryClass, doi, url) for the papers."""
    items = list(items)
    entries = []
    for key, d in zip(bibtex_keys(items), items, strict=True):
        fields = [
            ("title", latex_escape(clean(d["title"]))),
            ("author", " and ".join(_bib_name(a) for a in d["authors"])),
            ("year", f"{d['date'].year:04d}"),
            ("eprint", d["arxiv_id"]),
            ("archivePrefix", "arXiv"),
            ("primaryClass", d["primary_category"]),
            ("doi", citation_doi(d)),
            ("url", d["abs_url"]),
        ]
        entries.append(Entry("misc", key, [Field(k, v) for k, v in fields if v]))
    layout = bibtexparser.BibtexFormat()
    layout.indent = "  "
    layout.block_separator = "\n"
    return bibtexparser.write_string(bibtexparser.Library(entries), bibtex_format=layout)
