"""Parser for the arXiv API (Atom, pre-2025 and 2026 wire formats) -> plain entry dicts.

Pure (stdlib + lxml). The parser walks an element's children once and dispatches on the
namespaced tag, so it neither depends on element order (which changed in the 2026 API) nor
pays for repeated XPath searches.
"""

from typing import Any

from lxml import etree

from reader.arxiv.base import (
    ArxivApiError,
    ArxivParseError,
    ParseResult,
    as_root,
    collapse_ws,
    entry_id,
    is_author_name,
    new_entry,
    normalize_abstract,
    optional_text,
    ordered_categories,
    parse_datetime,
    set_dois,
    to_int,
)

__all__ = ["ATOM", "ARXIV", "OPENSEARCH", "parse_api"]

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


def parse_api(data: bytes | etree._Element) -> ParseResult:
    """Parse an API query response; raise ArxivApiError for its error entry."""
    root = as_root(data)
    if root.tag != ATOM + "feed":
        raise ArxivParseError(f"not an arXiv API feed: root element {root.tag!r}")
    result = ParseResult(kind="api")
    query = None
    for child in root:
        tag = child.tag
        if tag == ATOM + "entry":
            result.entries.append(_api_entry(child, query))
        elif tag == OPENSEARCH + "totalResults":
            result.total_results = to_int(child.text)
        elif tag == OPENSEARCH + "startIndex":
            result.start_index = to_int(child.text)
        elif tag == ATOM + "updated":
            result.response_date = parse_datetime(child.text)
        elif tag == ATOM + "link":
            href = child.get("href") or ""
            query = href.partition("?")[2] or query
    return result


# Namespaced tag -> short name: one dict lookup per element instead of a chain of long
# string comparisons (and concatenations) is most of the parser's speed.
_API_TAGS = {
    **{
        ATOM + t: t
        for t in ("author", "category", "id", "title", "summary", "published", "updated")
    },
    **{ARXIV + t: t for t in ("primary_category", "comment", "journal_ref", "doi")},
}
_AUTHOR_TAGS = {ATOM + "name": "name", ARXIV + "affiliation": "affiliation"}


def _api_entry(el: etree._Element, query: str | None) -> dict[str, Any]:
    entry = new_entry()
    raw_id = summary = primary = None
    categories: list[str] = []
    for child in el:
        t = _API_TAGS.get(child.tag)
        if t is None:
            continue
        if t == "author":
            author = _api_author(child)
            if is_author_name(author["name"]):
                entry["authors"].append(author)
        elif t == "category":
            categories.append(child.get("term") or "")
        elif t == "id":
            raw_id = (child.text or "").strip()
        elif t == "title":
            entry["title"] = collapse_ws(child.text or "")
        elif t == "summary":
            summary = child.text or ""
        elif t == "published":
            entry["published"] = parse_datetime(child.text)
        elif t == "updated":
            entry["updated"] = parse_datetime(child.text)
        elif t == "primary_category":
            primary = child.get("term")
        elif t == "comment":
            entry["comment"] = optional_text(child.text)
        elif t == "journal_ref":
            entry["journal_ref"] = optional_text(child.text)
        else:  # doi
            set_dois(entry, child.text)
    if raw_id is None:
        raise ArxivParseError("API entry without <id>")
    if "/api/errors" in raw_id:
        # The error "paper" (HTTP 400 since 2025): never let it through as data.
        reason = raw_id.partition("#")[2] or None
        raise ArxivApiError(
            collapse_ws(summary) or reason or "unknown error", reason=reason, query=query
        )
    arxiv_id, version = entry_id(raw_id.rpartition("/abs/")[2], "API entry id")
    entry["arxiv_id"], entry["version"] = arxiv_id, version
    entry["abstract"] = normalize_abstract(summary)
    entry["primary_category"] = primary or (categories[0] if categories else None)
    entry["categories"] = ordered_categories(entry["primary_category"], categories)
    # The API knows only v1's date (published) and the returned version's date (updated).
    if entry["published"] is not None:
        entry["versions"].append({"version": 1, "date": entry["published"], "size": None})
    if version and version > 1:
        entry["versions"].append({"version": version, "date": entry["updated"], "size": None})
    return entry


def _api_author(el: etree._Element) -> dict[str, str | None]:
    name = None
    affiliations = []
    for child in el:
        t = _AUTHOR_TAGS.get(child.tag)
        if t == "name":
            name = collapse_ws(child.text or "")
        elif t == "affiliation":
            aff = collapse_ws(child.text)
            if aff:
                affiliations.append(aff)
    return {"name": name or "", "affiliation": "; ".join(affiliations) or None}
