"""`arxiv_text` mode: arXiv titles, abstracts and author names (TeX-flavoured plain text).

Not Markdown: ``*``, ``_``, ``#``, backticks and ``<`` are literal. Math is found with the same
rules as `markdown` mode (dollarmath inline + our backslash rule) and kept verbatim; text outside
math gets TeX accents and escapes turned into Unicode, a few text macros (``\\emph`` …) and bare
http(s) URLs, and everything else is HTML-escaped (design/rendering.md §3).
"""

import re
from collections.abc import Iterable, Iterator
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

from .accents import convert_accents, convert_specials, unescape_url
from .math import _CLOSER, backslash_inline, dollar_inline, wrap_math

# Text macros we understand; the value is the HTML tag, or "" to keep only the argument.
MACROS = {
    "emph": "em", "textit": "em", "textsl": "em", "textbf": "strong", "texttt": "code",
    "textrm": "", "textsf": "", "textsc": "", "textup": "", "textnormal": "", "mbox": "",
    "text": "", "url": "",
}  # fmt: skip

_MACRO_TOKENS = re.compile(
    r"\\\\|\\[^A-Za-z]|\\(?P<macro>" + "|".join(MACROS) + r")\s*\{|\\[A-Za-z]+"
    r"|(?P<empty>\{\})|(?P<brace>[{}])"
)
_MATH_START = re.compile(r"[$\\]")
_URL = re.compile(r"https?://(?:[^\s<>\"{}\\]|\\[_%&#~$])+")
_URL_TRAIL = ".,;:!?'\""


def _plain_run(state: StateInline, silent: bool) -> bool:
    """The scanner's text rule: everything up to the next $ or backslash, where math can start.

    markdown-it's own text rule stops at every Markdown punctuation character, and each stop
    costs a pass over the rule chain; here only the two math rules can match anywhere.
    """
    m = _MATH_START.search(state.src, state.pos, state.posMax)
    end = m.start() if m else state.posMax
    if end == state.pos:
        return False
    if not silent:
        state.append_pending(state.src[state.pos : end])
    state.pos = end
    return True


@cache
def _scanner() -> MarkdownIt:
    """A parser that knows only text and the math rules: the shared math scanner."""
    md = MarkdownIt("zero")
    md.inline.ruler.at("text", _plain_run)
    md.inline.ruler.before("text", "math_inline", dollar_inline)
    md.inline.ruler.before("text", "math_backslash", backslash_inline)
    return md


def _no_math(text: str) -> bool:
    """True when neither math rule can match anywhere (no $, no \\( or \\[)."""
    return "$" not in text and "\\(" not in text and "\\[" not in text


def segments(text: str) -> list[tuple[str, str, str]]:
    """Split into ("text", s, "") and (math token type, tex, markup) pieces, in order."""
    if not text:
        return []
    if _no_math(text):
        # What the scanner would return: one text run of its normalised input (core rule
        # "normalize": line breaks to \n, NUL to U+FFFD).
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
        return [("text", text, "")]
    out: list[tuple[str, str, str]] = []
    for tok in _scanner().parseInline(text, {})[0].children or []:
        if tok.type == "text":
            if out and out[-1][0] == "text":
                out[-1] = ("text", out[-1][1] + tok.content, "")
            else:
                out.append(("text", tok.content, ""))
        else:
            out.append((tok.type, tok.content, tok.markup))
    return out


def math_source(content: str, markup: str) -> str:
    """The formula exactly as written, delimiters included."""
    return markup + content + _CLOSER[markup]


def _macro_items(pieces: list[tuple]) -> Iterator[tuple[str, str]]:
    """Walk text and math pieces, resolving \\emph{…}-style macros and their closing braces."""
    stack: list[str | None] = []
    for kind, text, markup in pieces:
        if kind != "text":
            yield ("math", (kind, text, markup))
            continue
        if "{" not in text and "}" not in text:
            if text:
                yield ("text", text)  # macros and braces all need a brace: nothing to resolve
            continue
        pos = 0
        for m in _MACRO_TOKENS.finditer(text):
            if m.group("macro") is None and m.group("brace") is None and not m.group("empty"):
                continue  # other control sequences are plain text here
            if m.start() > pos:
                yield ("text", text[pos : m.start()])
            pos = m.end()
            if m.group("empty"):
                continue  # {} only ends a control word in TeX: \LaTeX{} is "LaTeX"
            if m.group("macro"):
                stack.append(MACROS[m.group("macro")])
                yield ("open", stack[-1])
            elif m.group("brace") == "{":
                stack.append(None)
                yield ("text", "{")
            elif stack:
                tag = stack.pop()
                yield ("close", tag) if tag is not None else ("text", "}")
            else:
                yield ("text", "}")
        if pos < len(text):
            yield ("text", text[pos:])
    while stack:  # unbalanced: close what is still open
        tag = stack.pop()
        if tag is not None:
            yield ("close", tag)


def _split_urls(text: str) -> Iterator[tuple[bool, str]]:
    """(is_url, piece) pairs; trailing punctuation and unbalanced ) stay outside the URL."""
    pos = 0
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(_URL_TRAIL)
        while url.endswith(")") and url.count("(") < url.count(")"):
            url = url[:-1].rstrip(_URL_TRAIL)
        if m.start() > pos:
            yield False, text[pos : m.start()]
        yield True, url
        pos = m.start() + len(url)
    if pos < len(text):
        yield False, text[pos:]


def _text_html(text: str) -> str:
    out = []
    for is_url, piece in _split_urls(text):
        if is_url:
            url = escapeHtml(unescape_url(piece))
            out.append(f'<a href="{url}">{url}</a>')
        else:
            out.append(escapeHtml(convert_specials(piece)))
    return "".join(out)


def _text_plain(text: str) -> str:
    return "".join(
        unescape_url(piece) if is_url else convert_specials(piece)
        for is_url, piece in _split_urls(text)
    )


def _join_space(text: str) -> str:
    """re.sub(r"\\s+", " ", text) without a match object per gap (str.split's whitespace is \\s)."""
    words = text.split()
    if not words:
        return " " if text else ""
    joined = " ".join(words)
    if text[0].isspace():
        joined = " " + joined
    if text[-1].isspace():
        joined += " "
    return joined


def _accented(pieces: list[tuple[str, str, str]], join_space: bool) -> list[tuple]:
    """Whitespace-join (optionally) and convert accents in the text pieces."""
    out = []
    for kind, text, markup in pieces:
        if kind == "text":
            if join_space:
                text = _join_space(text)
            text = convert_accents(text)
        out.append((kind, text, markup))
    return out


def inline_html(text: str) -> str:
    """One run of arXiv text (a paragraph or a title) as inline HTML, before sanitising."""
    return _html_of(_macro_items(_accented(segments(text.strip()), join_space=True)))


def plain_text(text: str, join_space: bool) -> str:
    """Accents and escapes to Unicode, macros unwrapped, math verbatim; no HTML."""
    return _plain_of(_macro_items(_accented(segments(text), join_space)), join_space)


def paragraph_both(text: str) -> tuple[str, str]:
    """``(inline_html(text), plain_text(text, True).strip())``, scanning the paragraph once
    when it has no outer whitespace (then both scan the same text).

    With outer whitespace the plain twin scans the text as it is, as it always did: dollarmath
    reads the character before a ``$`` at position 0 as the text's last one, and a final
    backslash before whitespace is TeX's control space, so stripping first can change it.
    """
    stripped = text.strip()
    items = list(_macro_items(_accented(segments(stripped), join_space=True)))
    if stripped != text:
        return _html_of(items), plain_text(text, join_space=True).strip()
    return _html_of(items), _plain_of(items, join_space=True).strip()


def _html_of(items: Iterable[tuple[str, object]]) -> str:
    out = []
    for kind, value in items:
        if kind == "text":
            out.append(_text_html(value))
        elif kind == "open":
            out.append(f"<{value}>" if value else "")
        elif kind == "close":
            out.append(f"</{value}>" if value else "")
        else:
            mkind, tex, markup = value
            display = "display" if mkind == "math_inline_double" else "inline"
            tex = tex.strip() if markup in ("$", "$$") else tex
            out.append(wrap_math(tex, display, math_source(value[1], markup)))
    return "".join(out)


def _plain_of(items: Iterable[tuple[str, object]], join_space: bool) -> str:
    out = []
    for kind, value in items:
        if kind == "text":
            out.append(_text_plain(value))
        elif kind == "math":
            source = math_source(value[1], value[2])
            # Joining lines inside math is safe unless a % comment would swallow the rest.
            if join_space and not re.search(r"(?<!\\)%", source):
                source = re.sub(r"\s*\n\s*", " ", source)
            out.append(source)
    return "".join(out)


def paragraphs(text: str) -> list[str]:
    """Split an abstract into paragraphs: blank lines, or arXiv's newline + indent convention."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # Raw arXiv abstracts start a paragraph with an indented line; older API responses indent
    # every line, so indentation only counts when some continuation line is not indented.
    indent_breaks = any(ln.strip() and not ln[0].isspace() for ln in lines[1:])
    paras: list[list[str]] = [[]]
    for i, line in enumerate(lines):
        if not line.strip():
            paras.append([])
            continue
        if indent_breaks and i > 0 and line[0].isspace():
            paras.append([])
        paras[-1].append(line)
    return ["\n".join(p) for p in paras if p]
