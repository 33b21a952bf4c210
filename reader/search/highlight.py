"""Search-hit highlighting: escape first, then mark (the query is never trusted as HTML)."""

import html
import re

_TAG_RE = re.compile(r"(<[^>]*>)")


def _word_pattern(words: list[str]) -> re.Pattern | None:
    words = [w for w in words if w]
    if not words:
        return None
    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alts})\w*", re.IGNORECASE)


def highlight_text(text: str, words: list[str]) -> str:
    """HTML for plain ``text``: every piece escaped, matches wrapped in <mark>."""
    pattern = _word_pattern(words)
    if pattern is None:
        return html.escape(text, quote=False)
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[pos : m.start()], quote=False))
        out.append("<mark>" + html.escape(m.group(0), quote=False) + "</mark>")
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def highlight_html(fragment: str, words: list[str]) -> str:
    """Mark ``words`` in sanitised renderer HTML, outside math; tags pass through unchanged."""
    if _word_pattern(words) is None:
        return fragment
    out, math_tag, depth = [], None, 0
    for piece in _TAG_RE.split(fragment):
        if piece.startswith("<"):
            name = piece[1:].split(None, 1)[0].strip("/>").lower() if len(piece) > 2 else ""
            if math_tag is None and re.search(r'\bclass="[^"]*\bmath\b', piece):
                math_tag, depth = name, 1
            elif math_tag and name == math_tag:
                depth += -1 if piece.startswith("</") else 1
                if depth == 0:
                    math_tag = None
            out.append(piece)
        elif math_tag or not piece:
            out.append(piece)
        else:
            # The renderer's text is escaped HTML: unescape, then escape again while marking.
            out.append(highlight_text(html.unescape(piece), words))
    return "".join(out)
