"""Which arXiv format a saved response is, and the parser for it (``parse_any``)."""

import re

from lxml import etree

from reader.arxiv.api import ATOM, OPENSEARCH, parse_api
from reader.arxiv.base import ArxivParseError, ParseResult, load_xml
from reader.arxiv.feeds import parse_atom_feed, parse_rss
from reader.arxiv.listing import parse_listing
from reader.arxiv.oai import OAI, parse_oai

__all__ = ["detect_format", "parse_any"]


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
