"""PURE arXiv module: id normalisation and parsers for every arXiv format -> plain dicts.

This is the public face the Django side imports (``from reader import arxiv``). The work is
split over ``arxiv_ids`` (identifiers, OAI sets), ``arxiv_base`` (errors, ParseResult, safe
XML, text and field helpers), ``arxiv_parse`` (API Atom, OAI-PMH), ``arxiv_snapshot``
(Kaggle JSON Lines), ``arxiv_feeds`` (RSS and Atom announcement feeds) and ``arxiv_listing``
(the /list/<cat>/new HTML page). No Django, no models, no HTTP (that is ``arxiv_client``).
"""

import re

from lxml import etree

from reader.arxiv_base import (
    ArxivApiError,
    ArxivParseError,
    ArxivUnavailable,
    OaiError,
    ParseResult,
    load_xml,
    new_entry,
)
from reader.arxiv_feeds import parse_atom_feed, parse_rss
from reader.arxiv_ids import (
    ID_PATTERN,
    NEW_ID_PATTERN,
    OLD_ID_PATTERN,
    VERSION_PATTERN,
    InvalidArxivId,
    normalize_id,
    oai_set_for_category,
)
from reader.arxiv_listing import parse_listing
from reader.arxiv_parse import ATOM, OAI, OPENSEARCH, parse_api, parse_oai
from reader.arxiv_snapshot import parse_snapshot_line

__all__ = [
    "ID_PATTERN",
    "NEW_ID_PATTERN",
    "OLD_ID_PATTERN",
    "VERSION_PATTERN",
    "ArxivApiError",
    "ArxivParseError",
    "ArxivUnavailable",
    "InvalidArxivId",
    "OaiError",
    "ParseResult",
    "detect_format",
    "new_entry",
    "normalize_id",
    "oai_set_for_category",
    "parse_any",
    "parse_api",
    "parse_atom_feed",
    "parse_listing",
    "parse_oai",
    "parse_rss",
    "parse_snapshot_line",
]


def detect_format(root: etree._Element) -> str:
    """Kind of a parsed response: 'api', 'atom-feed', 'oai' or 'rss' (ArxivParseError if none)."""
    tag = root.tag
    if tag == OAI + "OAI-PMH":
        return "oai"
    if tag == "rss":
        return "rss"
    if tag == ATOM + "feed":
        # API feeds always carry OpenSearch paging; announcement feeds never do, and their
        # entry ids are OAI identifiers rather than abs URLs.
        if root.find(OPENSEARCH + "totalResults") is not None:
            return "api"
        first_id = root.findtext(f"{ATOM}entry/{ATOM}id") or ""
        feed_id = root.findtext(ATOM + "id") or ""
        if first_id.startswith("oai:") or "rss.arxiv.org" in feed_id:
            return "atom-feed"
        return "api"
    if isinstance(tag, str) and tag.endswith("RDF"):
        raise ArxivParseError("pre-2024 RSS 1.0 (RDF) feeds are not supported")
    raise ArxivParseError(f"not an arXiv response: root element {tag!r}")


# A saved arXiv listing page: HTML whose headings say "Showing new listings for ...".
_LISTING_PAGE = re.compile(rb"<html[\s>].*?(?:list-title|Showing new listings for)", re.I | re.S)

_PARSERS = {"api": parse_api, "atom-feed": parse_atom_feed, "oai": parse_oai, "rss": parse_rss}


def parse_any(data: bytes) -> ParseResult:
    """Parse a saved response of any supported format, detected from its content: the XML
    formats, and saved ``/list/<cat>/new`` HTML pages."""
    if isinstance(data, bytes) and _LISTING_PAGE.search(data[:65536]):
        return parse_listing(data)
    root = load_xml(data)
    return _PARSERS[detect_format(root)](root)
