"""reader.arxiv.feeds and arxiv_listing: RSS 2.0 and Atom announcement feeds, the /list page."""

from datetime import UTC, date, datetime
from pathlib import Path

import feedparser
import pytest

from reader.arxiv import (
    ArxivParseError,
    new_entry,
    parse_any,
    parse_atom_feed,
    parse_listing,
    parse_rss,
)

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def by_id(result):
    return {e["arxiv_id"]: e for e in result.entries}


def test_rss_channel_and_items():
    result = parse_any(fixture("rss_cs.LG.xml"))
    assert result.kind == "rss"
    assert result.announce_date == date(2026, 11, 24)  # "Tue, 24 Nov 2026 00:00:00 -0500"
    assert result.feed_category == "cs.LG"
    assert result.response_date == datetime(2026, 11, 24, 5, 0, 11, tzinfo=UTC)
    assert [e["announce_type"] for e in result.entries] == [
        "new",
        "cross",
        "replace",
        "replace-cross",
    ]
    assert all(set(e) == set(new_entry()) for e in result.entries)
    assert all(e["announce_date"] == date(2026, 11, 24) for e in result.entries)
    assert all(e["published"] is None and e["updated"] is None for e in result.entries)


def test_rss_new_item():
    entry = by_id(parse_rss(fixture("rss_cs.LG.xml")))["2611.12345"]
    assert entry["version"] == 1
    assert entry["versions"] == [{"version": 1, "date": None, "size": None}]
    assert entry["title"] == 'Score Matching with $\\sigma$-Annealing for Gr\\"obner Bases'
    assert entry["abstract"] == (
        "We study $\\mathbb{E}[x]$ under annealing. It costs $35,000 to train.\n\n"
        "A second paragraph starts with indentation."
    )
    assert entry["primary_category"] == "cs.LG"
    assert entry["categories"] == ["cs.LG", "stat.ML"]
    assert entry["license"] == "http://creativecommons.org/licenses/by/4.0/"
    assert entry["authors"] == [
        {"name": "Ana Garc\\'ia", "affiliation": "MIT, CSAIL"},
        {"name": "Bo Li", "affiliation": None},
        {"name": "The ATLAS Collaboration", "affiliation": None},
    ]


def test_rss_cross_replace_and_old_style():
    entries = by_id(parse_rss(fixture("rss_cs.LG.xml")))
    cross = entries["2611.00007"]
    # A cross-list is primary elsewhere: the first listed category, not the feed's.
    assert (cross["primary_category"], cross["version"]) == ("math.OC", 2)
    assert [a["name"] for a in cross["authors"]] == ["Jean Dupont, Jr.", "Marie Curie"]
    replaced = entries["2203.01250"]
    assert replaced["version"] == 3
    assert replaced["doi"] == "10.5802/jep.257"
    assert replaced["journal_ref"].startswith("Journal de l'\\'Ecole polytechnique")
    old = entries["hep-th/9901001"]
    assert (old["version"], old["announce_type"], old["primary_category"]) == (
        2,
        "replace-cross",
        "hep-th",
    )


def test_rss_empty_day_still_reports_its_date():
    result = parse_rss(fixture("rss_empty_saturday.xml"))
    assert result.entries == []
    assert result.announce_date == date(2026, 11, 28)


def test_atom_feed():
    result = parse_any(fixture("atom_math.OC.xml"))
    assert result.kind == "atom-feed"
    assert result.feed_category == "math.OC"
    assert result.announce_date == date(2026, 11, 24)
    entries = by_id(result)
    replaced = entries["2203.01250"]
    assert (replaced["version"], replaced["announce_type"]) == (3, "replace-cross")
    assert replaced["primary_category"] == "math.AP"
    assert replaced["abstract"].startswith("We consider first order local minimization problems")
    assert "$\\min \\int_{\\mathbb{R}^N}f(u,\\nabla u)$" in replaced["abstract"]
    assert replaced["dois"] == ["10.5802/jep.257"]
    new = entries["2611.54321"]
    assert new["title"] == "A New Primal-Dual Method"
    # "new" in the math.OC feed means primary math.OC, whatever the listing order.
    assert new["primary_category"] == "math.OC"
    assert new["categories"] == ["math.OC", "math.NA"]
    assert new["authors"] == [
        {"name": "Li Wei", "affiliation": "Peking University"},
        {"name": "Sam O'Neil", "affiliation": None},
    ]


def test_multi_category_feed_has_no_single_feed_category():
    body = fixture("rss_cs.LG.xml").replace(b"rss/cs.LG", b"rss/cs.LG+stat.ML")
    result = parse_rss(body)
    assert result.feed_category is None
    # "new" matches two of the feed's categories here: fall back to the first listed.
    assert result.entries[0]["primary_category"] == "cs.LG"


def test_feed_item_without_usable_id_is_a_parse_error():
    body = fixture("rss_cs.LG.xml").replace(b"oai:arXiv.org:2611.12345v1", b"garbage")
    with pytest.raises(ArxivParseError, match="feed item id"):
        parse_rss(body)


def test_wrong_root_for_explicit_parsers():
    with pytest.raises(ArxivParseError, match="not an RSS 2.0 feed"):
        parse_rss(fixture("atom_math.OC.xml"))
    with pytest.raises(ArxivParseError, match="not an Atom feed"):
        parse_atom_feed(fixture("rss_cs.LG.xml"))


def test_fixtures_are_valid_feeds_for_an_independent_parser():
    # feedparser as a second opinion that the hand-written fixtures are well-formed feeds.
    for name, version in (("rss_cs.LG.xml", "rss20"), ("atom_math.OC.xml", "atom10")):
        parsed = feedparser.parse(fixture(name))
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        assert parsed.version == version
        assert len(parsed.entries) == len(parse_any(fixture(name)).entries)


# ---- listing page (hand-made broken variants; the real page is a corpus test) ----

LISTING = b"""<html><body><h3>Showing new listings for Tuesday, 24 November 2026</h3>
<h3>New submissions (showing 1 of 1 entries)</h3>
<dt><a href="/abs/2611.00001" title="Abstract" id="2611.00001">arXiv:2611.00001</a>
 [<a href="https://arxiv.org/html/2611.00001v1" title="View HTML">html</a>]</dt>
<dd><div class='meta'>
 <div class='list-title mathjax'><span class='descriptor'>Title:</span> A $\\lambda$ Title</div>
 <div class='list-authors'><a href="#">Ana Garc\xc3\xada</a>, <a href="#">Bo Li</a></div>
 <div class='list-subjects'><span class='descriptor'>Subjects:</span>
  <span class="primary-subject">Machine Learning (cs.LG)</span>; Machine Learning (stat.ML)</div>
 <p class='mathjax'>An abstract.</p></div></dd>
</body></html>"""


def test_listing_page_minimal():
    result = parse_listing(LISTING)
    assert result.announce_date == date(2026, 11, 24)
    (entry,) = result.entries
    assert entry["title"] == "A $\\lambda$ Title"
    assert [a["name"] for a in entry["authors"]] == ["Ana García", "Bo Li"]
    assert entry["categories"] == ["cs.LG", "stat.ML"]
    assert (entry["version"], entry["announce_type"]) == (1, "new")


def test_listing_page_without_heading_fails_loudly():
    with pytest.raises(ArxivParseError, match="no 'Showing new listings for' heading"):
        parse_listing(LISTING.replace(b"Showing new listings for", b"Listings"))
    with pytest.raises(ArxivParseError, match="without a title"):
        parse_listing(LISTING.replace(b"list-title", b"list-heading"))
    # parse_any reads a saved listing page (ingest_arxiv --from-file); other HTML is refused.
    assert parse_any(LISTING).entries == parse_listing(LISTING).entries
    with pytest.raises(ArxivParseError, match="HTML page instead of XML"):
        parse_any(b"<!doctype html><html><title>Oops</title><body>no</body></html>")


def test_the_parser_owns_positions_and_a_saved_feeds_category():
    """Services never recompute them: positions in feed order, the category from the entries
    when no link names it (a feed saved without its channel links)."""
    body = fixture("rss_cs.LG.xml")
    body = body.replace(b"<link>http://rss.arxiv.org/rss/cs.LG</link>", b"")
    body = body.replace(b'<atom:link href="https://rss.arxiv.org/rss/cs.LG" rel="self"', b"<x")
    result = parse_rss(body)
    assert [e["position"] for e in result.entries] == [0, 1, 2, 3]
    assert result.feed_category == "cs.LG"
