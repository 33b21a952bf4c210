"""URL converters: arXiv ids (new and old style, optional vN, comma lists) and category expressions.

A category expression is Cool Papers' grammar: ``cs.AI`` (one), ``cs.AI,cs.CL`` (union) and
``cs.AI+cs.LG-cs.CY`` (union minus). Codes themselves contain hyphens (``hep-th``,
``cond-mat.stat-mech``), so the expression is read by matching the longest known code at each
position rather than by splitting on ``-``.
"""

from dataclasses import dataclass, field

from reader.arxiv import NEW_ID_PATTERN, OLD_ID_PATTERN, VERSION_PATTERN
from reader.taxonomy import ALIASES, all_categories, archive_of

_ID = rf"(?:{NEW_ID_PATTERN}|{OLD_ID_PATTERN})(?:{VERSION_PATTERN})?"
# Loose on purpose (any digits after the dot, uppercase archives): the view normalises the id
# and answers a clear 404 for one that only looks like an id.
_LOOSE_ID = r"(?:\d{4}\.\d{1,6}|[A-Za-z]+(?:-[A-Za-z]+)*(?:\.[A-Za-z]{2})?/\d{5,8})(?:v\d+)?"

CATEGORY_CODES: frozenset[str] = frozenset(code for code, _name, _group in all_categories())
ARCHIVES: frozenset[str] = frozenset(archive_of(code) for code in CATEGORY_CODES)
# Longest first, so "cond-mat.stat-mech" wins over "cond-mat" at the same position.
_KNOWN = sorted(CATEGORY_CODES | ARCHIVES | set(ALIASES), key=len, reverse=True)
_KNOWN_LOWER = {code.lower(): code for code in _KNOWN}


@dataclass(frozen=True)
class CategoryExpr:
    """A parsed category expression: included and excluded canonical codes, plus its text."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    text: str = field(default="", compare=False)

    def __str__(self) -> str:
        return self.text


def _expand(code: str) -> list[str]:
    """Canonical category codes for a code, an alias or a whole archive (``cs``)."""
    code = ALIASES.get(code, code)
    if code in ARCHIVES and "." not in code:
        members = sorted(c for c in CATEGORY_CODES if archive_of(c) == code)
        return members or [code]
    return [code]


def parse_category_expr(text: str) -> CategoryExpr:
    """Parse ``a,b+c-d`` into a CategoryExpr; ValueError names the unknown part."""
    include: list[str] = []
    exclude: list[str] = []
    pos, sign = 0, "+"
    lowered = text.lower()
    while pos < len(text):
        code = next((c for c in _KNOWN if lowered.startswith(c.lower(), pos)), None)
        end = pos + len(code) if code else pos
        if code is None or (end < len(text) and text[end] not in ",+-"):
            raise ValueError(f"unknown category at {text[pos:]!r}")
        (include if sign == "+" else exclude).extend(_expand(_KNOWN_LOWER[code.lower()]))
        if end == len(text):
            break
        sign = "-" if text[end] == "-" else "+"
        pos = end + 1
        if pos == len(text):
            raise ValueError("category expression ends with an operator")
    if not include:
        raise ValueError("no category to include")
    dedup = tuple(dict.fromkeys(c for c in include if c not in exclude))
    if not dedup:
        raise ValueError("every included category is also excluded")
    return CategoryExpr(include=dedup, exclude=tuple(dict.fromkeys(exclude)), text=text)


class CategoryExprConverter:
    """``cs.AI``, ``cs.AI,cs.CL``, ``cs.AI+cs.LG-cs.CY``; unknown codes do not match."""

    regex = r"[A-Za-z][A-Za-z.\-]*(?:[,+][A-Za-z][A-Za-z.\-]*)*"

    def to_python(self, value: str) -> CategoryExpr:
        return parse_category_expr(value)  # ValueError: Django tries the next pattern

    def to_url(self, value: CategoryExpr | str) -> str:
        return str(value)


class ArxivIdListConverter:
    """One or more id-shaped strings separated by commas (normalised later, in the view)."""

    regex = rf"{_LOOSE_ID}(?:,{_LOOSE_ID})*"

    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: list[str] | str) -> str:
        return value if isinstance(value, str) else ",".join(value)


STRICT_ID_REGEX = _ID
