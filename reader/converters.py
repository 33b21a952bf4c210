"""URL converters: arXiv ids (new and old style, optional vN, comma lists) and category expressions.

The category-expression grammar itself (``CategoryExpr``) lives with the taxonomy.
"""

from reader.arxiv import NEW_ID_PATTERN, OLD_ID_PATTERN, VERSION_PATTERN
from reader.taxonomy import CategoryExpr, parse_category_expr

_ID = rf"(?:{NEW_ID_PATTERN}|{OLD_ID_PATTERN})(?:{VERSION_PATTERN})?"
# Loose on purpose (any digits after the dot, uppercase archives): the view normalises the id
# and answers a clear 404 for one that only looks like an id.
_LOOSE_ID = r"(?:\d{4}\.\d{1,6}|[A-Za-z]+(?:-[A-Za-z]+)*(?:\.[A-Za-z]{2})?/\d{5,8})(?:v\d+)?"


class CategoryExprConverter:
    """``cs.AI``, ``cs.AI,cs.CL``, ``cs.AI+cs.LG-cs.CY``; unknown codes do not match."""

    regex = r"[A-Za-z][A-Za-z.\-]*(?:[,+][A-Za-z][A-Za-z.\-]*)*"

    def to_python(self, value: str) -> CategoryExpr:
        return parse_category_expr(value)  # ValueError: Django tries the next pattern

    def to_url(self, value: CategoryExpr | str) -> str:
        return str(value)


MAX_IDS = 200  # the most ids one /arxiv/<ids> URL may name (page or download)


class ArxivIdListConverter:
    """One or more id-shaped strings separated by commas (normalised later, in the view)."""

    regex = rf"{_LOOSE_ID}(?:,{_LOOSE_ID})*"

    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: list[str] | str) -> str:
        return value if isinstance(value, str) else ",".join(value)


STRICT_ID_REGEX = _ID
