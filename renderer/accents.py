"""TeX text-mode escapes to Unicode: accents, special letters, escaped specials, dashes, quotes.

Only for text outside math (arxiv_text mode and the plain-text twin). Accent forms follow
https://arxiv.org/edit-user/tex-accents.php: ``\\"o``, ``\\"{o}``, ``{\\"o}``, ``{\\"{o}}``,
letter-named accents with a space (``\\c c``, ``\\v s``), dotless ``\\i`` under an accent.
"""

import re
import unicodedata

ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}  # fmt: skip

LETTERS = {
    "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å",
    "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}  # fmt: skip

_BASE = r"\\[ij](?![A-Za-z])|[A-Za-z]"
_LETTER_NAMES = "|".join(sorted(LETTERS, key=len, reverse=True))
# One pass, left to right. A \\ pair is matched first so that \\"o stays a line break + "o.
# Every alternative starts with a backslash or a brace: the lookahead lets the engine reject
# all other positions at once instead of trying each alternative there (4x faster on abstracts).
_STAGE_A = re.compile(
    r"(?=[\\{])(?:"
    r"(?P<pair>\\\\)"
    r"|(?P<open>\{\s*)?\\(?:(?P<sym>['`^\"~=.])|(?P<let>[uvHckrdb])(?=[\s{]))\s*"
    rf"(?:\{{\s*(?P<b1>{_BASE})\s*\}}|(?P<b2>{_BASE}))(?(open)\s*\}})"
    rf"|(?P<open2>\{{\s*)?\\(?P<name>{_LETTER_NAMES})(?![A-Za-z])"
    r"(?(open2)\s*\}|(?:\{\}|[ \t]+)?))"
)

# Every alternative starts with a literal character, so the engine skips ahead to the next of
# those (a charset prefix) instead of trying each alternative at every position: keep it so.
_STAGE_B = re.compile(
    r"\\\\|\\(?P<esc>[%&#_$\{\} ])|-(?P<dash>--?)|``|''"
    r"|\\(?P<word>ldots|dots|LaTeX|TeX|textendash|textemdash)(?![A-Za-z])(?:\{\})?"
)
_WORDS = {"ldots": "…", "dots": "…", "LaTeX": "LaTeX", "TeX": "TeX", "textendash": "–"}
_WORDS["textemdash"] = "—"


def _stage_a(m: re.Match) -> str:
    if m.group("pair"):
        return m.group(0)
    if m.group("name"):
        return LETTERS[m.group("name")]
    base = m.group("b1") or m.group("b2")
    if base.startswith("\\"):
        base = base[1]  # a dotless \i or \j under an accent is plain i or j
    return base + ACCENTS[m.group("sym") or m.group("let")]


def _stage_b(m: re.Match) -> str:
    text = m.group(0)
    if m.group("esc"):
        return m.group("esc")
    if m.group("dash"):
        return "—" if len(text) == 3 else "–"
    if m.group("word"):
        return _WORDS[m.group("word")]
    return {"``": "“", "''": "”"}.get(text, text)


def convert_accents(text: str) -> str:
    """Accents and special letters to Unicode (NFC); everything else unchanged."""
    if "\\" not in text:
        return unicodedata.normalize("NFC", text)  # every accent and letter needs a backslash
    return unicodedata.normalize("NFC", _STAGE_A.sub(_stage_a, text))


def convert_specials(text: str) -> str:
    """Escaped specials (\\% \\& \\# \\_ \\$ \\{ \\}), dashes, TeX quotes and \\ldots to Unicode."""
    return _STAGE_B.sub(_stage_b, text)


def unescape_url(url: str) -> str:
    """Only the escaped specials, for URLs (a -- in a URL is not a dash)."""
    return re.sub(r"\\([%&#_$~])", r"\1", url)
