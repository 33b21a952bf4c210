"""Citation metadata for Zotero: paper-page meta tags, COinS, BibTeX, RIS and CSL-JSON.

Pure: every function takes the plain dict built by ``selectors.paper_citation_data`` (keys
``arxiv_id, version, title, authors, date, updated, abstract, doi, primary_category,
categories, comment, journal_ref, abs_url, pdf_url, license``) and returns strings or plain
data; nothing here knows about models, requests or templates. The exact tag set follows
``design/zotero.md`` (what Zotero's generic translators read).
"""

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from urllib.parse import urlencode

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import RULE_DICT, UnicodeToLatexConversionRule, UnicodeToLatexEncoder

__all__ = [
    "EXPORT_FORMATS",
    "bibtex_key",
    "bibtex_keys",
    "citation_doi",
    "coins_kev",
    "export_body",
    "export_filename",
    "latex_escape",
    "meta_pairs",
    "split_name",
    "to_bibtex",
    "to_csl_json",
    "to_ris",
]

# format key (the ``?format=`` value) -> (Content-Type, file extension)
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "bib": ("application/x-bibtex", "bib"),
    "ris": ("application/x-research-info-systems", "ris"),
    "csl": ("application/vnd.citationstyles.csl+json", "json"),
}

PUBLISHER = "arXiv"
ARXIV_DOI_PREFIX = "10.48550/arXiv."

# Name particles that belong to the family name ("Ludwig van Beethoven", "Herbert Van de
# Sompel", "Dario Di Nucci"); lower-case ones always do when a given name stays before them.
_PARTICLES = frozenset(
    "van von der den de del della des di da du dos das do le la ter ten zu ibn bin al el".split()
)
# Capitalised, only these count, and only when every word between them and the last word is a
# particle too ("Van de Sompel", "Di Nucci", "Le Gall"). "Bin", "Al", "El", "Do" stay out:
# capitalised, they are as often given or family names (Chinese, Arabic, Korean, Vietnamese).
_CAPITAL_PARTICLES = frozenset(
    "Van Von Der Den De Del Della Des Di Da Du Dos Das La Le Ter Ten Zu".split()
)
# A capitalised particle before one of these family names is a given or middle name: Vietnamese
# "Anh Van Nguyen" (middle name Van), Chinese "Yi Da Xu". Common romanised family names only.
_ASIAN_FAMILY = frozenset(
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly dinh truong lam mai "
    "trinh cao luong ta "
    "zhang wang li liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng "
    "liang xie song tang deng han feng cao peng zeng xiao tian dong pan yuan cai jiang yu ye "
    "cheng wei su lu ding ren yao shen zhong cui tan fan liao shi jin jia xia fu fang zou xiong "
    "bai meng qin qiu hou yin xue yan duan lei long tao mao hao gu gong shao wan qian lai kong "
    "xiang chang wen kang".split()
)
# Vietnamese names written family-first keep the family name first: "Nguyen Van Anh".
_VIETNAMESE_MIDDLE = frozenset({"van", "thi", "văn", "thị"})
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
# Words that mark a group author; such names are kept whole rather than split.
_GROUP_WORDS = frozenset(
    "collaboration collaborations consortium team group project committee initiative network "
    "survey observatory experiment organization organisation association society institute "
    "university laboratory alliance members partnership council foundation others".split()
)
_NOT_A_PERSON = re.compile(r"[\d,;()\[\]&@/:]")


def _clean(text: str | None) -> str:
    """Collapse whitespace: every target format here is single-line per field (RIS, KEV)."""
    return " ".join((text or "").split())


def split_name(name: str) -> tuple[str, str] | None:
    """(family, given) for a personal display name, or None when it does not split safely."""
    tokens = _clean(name).split(" ")
    if len(tokens) < 2 or _NOT_A_PERSON.search(name):
        return None
    lowered = [t.lower() for t in tokens]
    if lowered[0] == "the" or any(t in _GROUP_WORDS or t in ("and", "et") for t in lowered):
        return None
    if tokens[0] in _PARTICLES or (lowered[-1] in _SUFFIXES and len(tokens) == 2):
        return None  # "da Silva", "Smith Jr.": no given name to split off
    suffix = ""
    if lowered[-1] in _SUFFIXES:
        # "Martin Luther King Jr." -> family "King Jr." (how BibTeX and Zotero both read it)
        suffix, tokens, lowered = " " + tokens[-1], tokens[:-1], lowered[:-1]
    if len(tokens) >= 3 and lowered[0] in _ASIAN_FAMILY and lowered[1] in _VIETNAMESE_MIDDLE:
        if lowered[-1] not in _ASIAN_FAMILY:  # "Nguyen Van Anh": family first
            return tokens[0] + suffix, " ".join(tokens[1:])
    start = _family_start(tokens, lowered)
    return " ".join(tokens[start:]) + suffix, " ".join(tokens[:start])


def _family_start(tokens: list[str], lowered: list[str]) -> int:
    """Index of the family name's first word: the first particle after a given name, else last."""
    n = len(tokens)
    for i in range(1, n - 1):
        if tokens[i] in _PARTICLES:
            return i
        if (
            tokens[i] in _CAPITAL_PARTICLES
            and all(t in _PARTICLES for t in lowered[i : n - 1])
            and lowered[-1] not in _ASIAN_FAMILY
        ):
            return i
    return n - 1


def _last_first(name: str) -> str:
    """Return "Family, Given" when the name splits, else the name as given (Highwire, RIS)."""
    parts = split_name(name)
    return f"{parts[0]}, {parts[1]}" if parts else _clean(name)


def citation_doi(d: Mapping) -> str:
    """The paper's own DOI, else the DataCite DOI arXiv registers for every paper."""
    return d.get("doi") or f"{ARXIV_DOI_PREFIX}{d['arxiv_id']}"


def meta_pairs(d: Mapping) -> list[tuple[str, str, str]]:
    """(attribute, key, content) triples for the paper page <head>, in design/zotero.md §6 order.

    ``attribute`` is "name" for Highwire/DC tags and "property" for Open Graph tags, so a
    template writes ``<meta {{ attr }}="{{ key }}" content="{{ value }}">``. Deliberately
    absent: citation_journal_title (forces journalArticle), any second date tag
    (citation_date would override), og:type=website (turns the item into a web page).
    """
    title = _clean(d["title"])
    triples = [
        ("name", "DC.type", "preprint"),  # -> itemType preprint
        ("property", "og:type", "article"),
        ("property", "og:title", title),
        ("name", "citation_title", title),
    ]
    triples += [("name", "citation_author", _last_first(a)) for a in d["authors"]]
    triples.append(("name", "citation_publication_date", d["date"].strftime("%Y/%m/%d")))
    if _clean(d.get("abstract")):
        triples.append(("name", "citation_abstract", _clean(d["abstract"])))
    triples += [
        ("name", "citation_publisher", PUBLISHER),  # -> repository
        ("name", "citation_technical_report_number", f"arXiv:{d['arxiv_id']}"),  # -> archiveID
        ("name", "citation_doi", citation_doi(d)),
        ("name", "citation_arxiv_id", d["arxiv_id"]),  # ignored by Zotero; Scholar parity
        ("name", "citation_public_url", d["abs_url"]),  # -> url
        ("name", "citation_pdf_url", d["pdf_url"]),  # -> "Full Text PDF" attachment
        ("name", "citation_language", "en"),
    ]
    return triples


_KEV_UNSAFE = re.compile(rb"[^A-Za-z0-9_.~-]")


def _kev_quote(text: str, safe: str = "", encoding=None, errors=None) -> str:
    """``urllib.parse.quote(text, safe="")``, byte for byte, without its per-byte Python loop.

    COinS spans carry whole abstracts, and on a listing page stdlib quoting of them was a
    quarter of the page's CPU time; only the unsafe bytes go through Python here.
    """
    data = text.encode(encoding or "utf-8", errors or "strict")
    return _KEV_UNSAFE.sub(lambda m: b"%%%02X" % m.group()[0], data).decode("ascii")


def coins_kev(d: Mapping) -> str:
    """Dublin Core KEV for a COinS span's title attribute (URL-encoded, not yet HTML-escaped)."""
    pairs = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"),
        ("rft.type", "preprint"),  # mtx:dc alone would give a web page
        ("rft.title", _clean(d["title"])),
    ]
    # COinS needs at least one author, or Zotero runs network look-ups to "complete" the item.
    pairs += [("rft.au", _clean(a)) for a in d["authors"]]
    pairs += [("rft.date", d["date"].isoformat()), ("rft.publisher", PUBLISHER)]
    if _clean(d.get("abstract")):
        pairs.append(("rft.description", _clean(d["abstract"])))
    # rft_id=info:doi/, not rft.identifier=urn:doi: (Zotero would store "doi:10...").
    pairs += [("rft_id", f"info:doi/{citation_doi(d)}"), ("rft_id", d["abs_url"])]
    return urlencode(pairs, quote_via=_kev_quote)


# ---- RIS ----


class _RisWriter(rispy.RisWriter):
    """rispy's writer without the "1." counter line it puts before each record."""

    def set_header(self, count: int) -> str:
        return ""


def _ris_entry(d: Mapping) -> dict:
    # TY RPRT: RIS has no preprint type; Zotero's RIS import maps RPRT to a report with
    # PB -> institution, SN -> report number, M3 -> report type.
    entry = {
        "type_of_reference": "RPRT",
        "title": _clean(d["title"]),
        "authors": [_last_first(a) for a in d["authors"]],
        "year": f"{d['date'].year:04d}",
        "date": d["date"].strftime("%Y/%m/%d"),
        "abstract": _clean(d.get("abstract")),
        "publisher": PUBLISHER,
        "issn": f"arXiv:{d['arxiv_id']}",  # rispy names SN "issn"
        "type_of_work": "Preprint",  # M3
        "doi": citation_doi(d),
        "urls": [d["abs_url"]],
        "file_attachments1": d["pdf_url"],  # L1 -> PDF attachment on import
        "language": "en",
        "notes": [f"Comment: {_clean(d['comment'])}"] if _clean(d.get("comment")) else [],
    }
    return {k: v for k, v in entry.items() if v}


def to_ris(items: Iterable[Mapping]) -> str:
    """RIS records (TY RPRT) for the papers, in order."""
    return rispy.dumps([_ris_entry(d) for d in items], implementation=_RisWriter)


# ---- CSL-JSON ----


def _csl_name(name: str) -> dict[str, str]:
    parts = split_name(name)
    return {"family": parts[0], "given": parts[1]} if parts else {"literal": _clean(name)}


def to_csl_json(items: Iterable[Mapping]) -> list[dict]:
    """CSL-JSON items (type "article", CSL 1.0.2's preprint type) for the papers, in order."""
    items = list(items)
    out = []
    for key, d in zip(bibtex_keys(items), items, strict=True):
        day: date = d["date"]
        item = {
            "id": key,  # the BibTeX key, so pandoc citekeys match across formats
            "type": "article",
            "title": _clean(d["title"]),
            "author": [_csl_name(a) for a in d["authors"]],
            "issued": {"date-parts": [[day.year, day.month, day.day]]},
            "abstract": _clean(d.get("abstract")),
            "DOI": citation_doi(d),
            "URL": d["abs_url"],
            # Zotero maps preprint repository <-> publisher and archiveID <-> number.
            "publisher": PUBLISHER,
            "number": f"arXiv:{d['arxiv_id']}",
            "language": "en",
        }
        out.append({k: v for k, v in item.items() if v})
    return out


# ---- BibTeX ----

# Math is copied verbatim, all else is text to encode; "\$" in the text is a literal dollar.
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
    first = _clean(d["authors"][0]) if d["authors"] else ""
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
    return "{" + latex_escape(_clean(name)) + "}"  # braces: BibTeX keeps a group name whole


def to_bibtex(items: Iterable[Mapping]) -> str:
    """arXiv-style @misc entries (eprint, archivePrefix, primaryClass, doi, url) for the papers."""
    items = list(items)
    entries = []
    for key, d in zip(bibtex_keys(items), items, strict=True):
        fields = [
            ("title", latex_escape(_clean(d["title"]))),
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


# ---- file exports ----


def export_body(fmt: str, items: Iterable[Mapping]) -> str:
    """The text of a download in format ``fmt`` (a key of EXPORT_FORMATS)."""
    if fmt == "bib":
        return to_bibtex(items)
    if fmt == "ris":
        return to_ris(items)
    if fmt == "csl":
        return json.dumps(to_csl_json(items), ensure_ascii=False, indent=2) + "\n"
    raise ValueError(f"unknown export format {fmt!r}")


def export_filename(ids: list[str], ext: str) -> str:
    """Download file name for these arXiv ids ("hep-th/9901001" -> "hep-th_9901001.bib")."""
    if not ids:
        stem = "citations"
    elif len(ids) == 1:
        stem = ids[0]
    else:
        stem = f"{ids[0]}_and_{len(ids) - 1}_more"
    # "/" in old-style ids becomes "_"; anything else odd is dropped from the header value too.
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", stem)
    return f"{stem}.{ext.lstrip('.')}"
