"""Parser for arXiv's ``/list/<category>/new`` HTML page: the announcement date, section counts
and entries, used to check the RSS feed for staleness (design/arxiv.md §0, §4, §6).

Pure (stdlib + lxml.html). This markup is a web page, not an API, and may change without
notice; every lookup is by class name so that a layout change fails loudly (ArxivParseError)
rather than yielding half-filled entries.
"""

import re
from datetime import date, datetime
from typing import Any

from lxml import etree, html

from reader.arxiv.base import (
    ArxivParseError,
    ParseResult,
    category_of_entries,
    collapse_ws,
    is_author_name,
    new_entry,
    optional_text,
)
from reader.arxiv.ids import InvalidArxivId, normalize_id

__all__ = ["parse_listing"]

# arXiv serves UTF-8; saved excerpts may lack the meta charset, and libxml2 would guess latin-1.
_HTML_PARSER = html.HTMLParser(
    encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True
)
_HEADING = re.compile(r"Showing new listings for (\w+, \d{1,2} \w+ \d{4})")
_SECTION = re.compile(r"(New|Cross|Replacement) submissions \(showing (\d+) of (\d+) entries\)")
_SECTION_TYPES = {"New": "new", "Cross": "cross", "Replacement": "replace"}
_CATEGORY = re.compile(r"\(([a-z][a-z-]*(?:\.[A-Za-z-]+)?)\)")
_HTML_VERSION = re.compile(r"/html/[^\"'\s]*?v(\d+)$")


def parse_listing(data: bytes) -> ParseResult:
    """Parse a /list/<cat>/new page: entries with announce_type, the announcement date."""
    try:
        root = html.fromstring(data, parser=_HTML_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ArxivParseError(f"unreadable listing page: {exc}") from exc
    result = ParseResult(kind="listing")
    section = None
    for el in root.iter("h3", "dt"):
        if el.tag == "h3":
            text = collapse_ws(el.text_content()) or ""
            if m := _HEADING.search(text):
                result.announce_date = _listing_date(m.group(1))
            elif m := _SECTION.search(text):
                section = _SECTION_TYPES[m.group(1)]
                result.section_counts[section] = (int(m.group(2)), int(m.group(3)))
        elif section is not None:
            dd = el.getnext()
            if dd is None or dd.tag != "dd":
                raise ArxivParseError("listing entry <dt> without its <dd>")
            result.entries.append(_listing_entry(el, dd, section))
    if result.announce_date is None:
        raise ArxivParseError("not an arXiv listing page: no 'Showing new listings for' heading")
    totals = [total for _shown, total in result.section_counts.values()]
    result.total_results = sum(totals) if totals else None
    for position, entry in enumerate(result.entries):
        entry["announce_date"] = result.announce_date
        entry["position"] = position  # arXiv's order on the page, the listing's order here
    result.feed_category = category_of_entries(result.entries)  # a saved page names no URL
    return result


def _listing_date(text: str) -> date:
    try:
        return datetime.strptime(text, "%A, %d %B %Y").date()
    except ValueError as exc:
        raise ArxivParseError(f"unreadable listing date {text!r}") from exc


def _div(dd: etree._Element, cls: str) -> etree._Element | None:
    found = dd.find_class(cls)
    return found[0] if found else None


def _field(dd: etree._Element, cls: str) -> str | None:
    """Text of a 'list-<field>' div without its 'Title:'-style descriptor."""
    div = _div(dd, cls)
    if div is None:
        return None
    for descriptor in div.find_class("descriptor"):
        descriptor.drop_tree()
    return optional_text(div.text_content())


def _listing_entry(dt: etree._Element, dd: etree._Element, section: str) -> dict[str, Any]:
    entry = new_entry()
    link = next((a for a in dt.iter("a") if a.get("title") == "Abstract"), None)
    if link is None:
        raise ArxivParseError("listing entry without an abstract link")
    try:
        entry["arxiv_id"], _ = normalize_id(link.get("href") or link.text_content())
    except InvalidArxivId as exc:
        raise ArxivParseError(f"listing entry id: {exc}") from exc
    for a in dt.iter("a"):
        if m := _HTML_VERSION.search(a.get("href") or ""):
            entry["version"] = int(m.group(1))
            entry["versions"] = [{"version": entry["version"], "date": None, "size": None}]
    dt_text = dt.text_content()
    if section == "replace" and "cross-list from" in dt_text:
        section = "replace-cross"
    entry["announce_type"] = section
    title = _field(dd, "list-title")
    if title is None:
        raise ArxivParseError(f"listing entry {entry['arxiv_id']} without a title")
    entry["title"] = title
    authors = _div(dd, "list-authors")
    if authors is not None:
        names = (collapse_ws(a.text_content()) for a in authors.iter("a"))
        entry["authors"] = [{"name": n, "affiliation": None} for n in names if is_author_name(n)]
    entry["comment"] = _field(dd, "list-comments")
    entry["journal_ref"] = _field(dd, "list-journal-ref")
    subjects = _div(dd, "list-subjects")
    if subjects is not None:
        primary = subjects.find_class("primary-subject")
        primary_text = primary[0].text_content() if primary else ""
        cats = _CATEGORY.findall(subjects.text_content())
        found = _CATEGORY.findall(primary_text)
        entry["primary_category"] = found[0] if found else (cats[0] if cats else None)
        entry["categories"] = list(
            dict.fromkeys([entry["primary_category"], *cats] if cats else [])
        )
    abstract = dd.find(".//p")
    entry["abstract"] = collapse_ws(abstract.text_content()) if abstract is not None else None
    return entry
