"""Parsers for arXiv's announcement feeds (rss.arxiv.org, since 2024): RSS 2.0 and Atom.

Pure (stdlib + lxml). Written from arXiv's rss/atom specification pages and the feed
service's serializer (design/arxiv.md §4); no real capture exists yet. The feeds carry no
paper dates, only the announcement date, and no primary-category marker: `new`/`replace`
items are primary in the requested category, otherwise the first listed category is taken
(the service lists the stored categories, which arXiv keeps primary first).
"""

import re
from datetime import date
from typing import Any

from lxml import etree

from reader.arxiv.base import (
    ArxivParseError,
    ParseResult,
    as_root,
    category_of_entries,
    collapse_ws,
    is_author_name,
    new_entry,
    normalize_abstract,
    optional_text,
    parse_datetime,
    set_dois,
    split_authors,
)
from reader.arxiv.ids import InvalidArxivId, normalize_id

__all__ = ["parse_atom_feed", "parse_rss"]

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
ANNOUNCE_TYPES = frozenset({"new", "cross", "replace", "replace-cross"})

# "arXiv:2203.01250v3 Announce Type: replace-cross \nAbstract: ..." (serializer.py L115-116).
_DESCRIPTION = re.compile(
    r"\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s?)?(?P<abstract>.*)",
    re.DOTALL,
)


def _announce_day(text: str | None) -> date | None:
    """The announcement date as printed (in its own ET offset, not converted to UTC)."""
    dt = parse_datetime(text)
    return dt.date() if dt is not None else None


def _feed_categories(url: str | None) -> list[str]:
    """Categories requested, from the feed's own URL (…/rss/cs.AI+q-bio.NC)."""
    if not url:
        return []
    tail = url.rstrip("/").rpartition("/")[2].partition("?")[0]
    return [c for c in tail.split("+") if c and c not in ("rss", "atom")]


def _finish(
    entry: dict[str, Any], ident: str | None, description: str, feed_cats: list[str]
) -> None:
    """Fill id/version, announce type and abstract from the guid/id and the description."""
    m = _DESCRIPTION.match(description or "")
    if m:
        entry["abstract"] = normalize_abstract(m.group("abstract"))
        entry["announce_type"] = entry["announce_type"] or m.group("type")
        ident = ident or m.group("id")
    else:
        entry["abstract"] = normalize_abstract(description)
    try:
        entry["arxiv_id"], entry["version"] = normalize_id(ident or "")
    except InvalidArxivId as exc:
        raise ArxivParseError(f"feed item id: {exc}") from exc
    if entry["announce_type"] not in ANNOUNCE_TYPES:
        entry["announce_type"] = None
    if entry["version"] is not None:
        entry["versions"] = [{"version": entry["version"], "date": None, "size": None}]
    cats = entry["categories"]
    lower = {c.lower(): c for c in cats}
    primary = cats[0] if cats else None
    if entry["announce_type"] in ("new", "replace"):
        hits = [lower[c.lower()] for c in feed_cats if c.lower() in lower]
        if len(hits) == 1:
            primary = hits[0]
    entry["primary_category"] = primary
    if primary:
        entry["categories"] = [primary] + [c for c in cats if c != primary]


def _common(entry: dict[str, Any], tag: str, child: etree._Element) -> bool:
    """Elements RSS items and Atom entries share; returns False if the tag was not one."""
    if tag == ARXIV + "announce_type":
        entry["announce_type"] = collapse_ws(child.text)
    elif tag == DC + "creator":
        entry["authors"] = split_authors(child.text)
    elif tag == DC + "rights":
        entry["license"] = optional_text(child.text)
    elif tag in (ARXIV + "DOI", ARXIV + "doi"):
        set_dois(entry, child.text)
    elif tag in (ARXIV + "journal_reference", ARXIV + "journal_ref"):
        entry["journal_ref"] = optional_text(child.text)
    else:
        return False
    return True


def _own_category_and_positions(result: ParseResult, feed_cats: list[str]) -> ParseResult:
    """Each entry's position in the feed; the feed's category when no URL names it (a saved
    feed without its link): the category every entry carries, else the one primary of new
    papers. A URL naming several categories ("cs.LG+stat.ML") keeps None."""
    for position, entry in enumerate(result.entries):
        entry["position"] = position
    if not feed_cats:
        result.feed_category = category_of_entries(result.entries)
    return result


# ---- RSS 2.0 ----


def parse_rss(data: bytes | etree._Element) -> ParseResult:
    """Parse an rss.arxiv.org RSS 2.0 feed; the channel pubDate is the announcement date."""
    root = as_root(data)
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise ArxivParseError(f"not an RSS 2.0 feed: root element {root.tag!r}")
    result = ParseResult(kind="rss")
    feed_url = channel.findtext("link")
    self_link = channel.find(ATOM + "link")
    if self_link is not None and self_link.get("href"):
        feed_url = self_link.get("href")
    feed_cats = _feed_categories(feed_url)
    result.feed_category = feed_cats[0] if len(feed_cats) == 1 else None
    for child in channel:
        if child.tag == "pubDate":
            result.announce_date = _announce_day(child.text)
        elif child.tag == "lastBuildDate":
            result.response_date = parse_datetime(child.text)
        elif child.tag == "item":
            result.entries.append(_rss_item(child, feed_cats))
    for entry in result.entries:
        entry["announce_date"] = entry["announce_date"] or result.announce_date
    return _own_category_and_positions(result, feed_cats)


def _rss_item(item: etree._Element, feed_cats: list[str]) -> dict[str, Any]:
    entry = new_entry()
    guid = link = None
    description = ""
    for child in item:
        tag = child.tag
        if tag == "title":
            entry["title"] = collapse_ws(child.text or "")
        elif tag == "description":
            description = child.text or ""
        elif tag == "guid":
            guid = collapse_ws(child.text)
        elif tag == "link":
            link = collapse_ws(child.text)
        elif tag == "category":
            cat = collapse_ws(child.text)
            if cat and cat not in entry["categories"]:
                entry["categories"].append(cat)
        elif tag == "pubDate":
            entry["announce_date"] = _announce_day(child.text)
        else:
            _common(entry, tag, child)
    # The guid carries the version; the link does not (rss_specifications.md).
    _finish(entry, guid or link, description, feed_cats)
    return entry


# ---- Atom 1.0 announcement feed ----


def parse_atom_feed(data: bytes | etree._Element) -> ParseResult:
    """Parse an rss.arxiv.org Atom feed; entry <published> is the announcement date."""
    root = as_root(data)
    if root.tag != ATOM + "feed":
        raise ArxivParseError(f"not an Atom feed: root element {root.tag!r}")
    result = ParseResult(kind="atom-feed")
    feed_url = None
    for child in root:
        tag = child.tag
        if tag == ATOM + "updated":
            result.response_date = parse_datetime(child.text)
        elif tag == ATOM + "link" and child.get("rel", "alternate") == "self":
            feed_url = child.get("href")
        elif tag == ATOM + "id" and feed_url is None:
            feed_url = child.text
    feed_cats = _feed_categories(feed_url)
    result.feed_category = feed_cats[0] if len(feed_cats) == 1 else None
    for child in root.iterchildren(ATOM + "entry"):
        result.entries.append(_atom_entry(child, feed_cats))
    # No channel date in Atom: every entry carries the same announcement day.
    days = [e["announce_date"] for e in result.entries if e["announce_date"]]
    result.announce_date = max(days) if days else None
    return _own_category_and_positions(result, feed_cats)


def _atom_entry(el: etree._Element, feed_cats: list[str]) -> dict[str, Any]:
    entry = new_entry()
    ident = None
    summary = ""
    for child in el:
        tag = child.tag
        if tag == ATOM + "id":
            ident = collapse_ws(child.text)
        elif tag == ATOM + "title":
            entry["title"] = collapse_ws(child.text or "")
        elif tag == ATOM + "summary":
            summary = child.text or ""
        elif tag == ATOM + "category":
            cat = child.get("term")
            if cat and cat not in entry["categories"]:
                entry["categories"].append(cat)
        elif tag == ATOM + "published":
            entry["announce_date"] = _announce_day(child.text)
        elif tag == ATOM + "author":
            # Not emitted by arXiv (it uses dc:creator) but valid Atom; accept it.
            name = collapse_ws(child.findtext(ATOM + "name"))
            if is_author_name(name):
                entry["authors"].append({"name": name, "affiliation": None})
        else:
            _common(entry, tag, child)
    _finish(entry, ident, summary, feed_cats)
    return entry
