"""Atom feeds: /arxiv/<cats>/feed and /search/feed?q=, valid Atom with plain-text fields."""

from xml.etree import ElementTree

import feedparser
import pytest

from tests.factories import papers_create

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{tag}") is not None
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def test_category_feed_has_the_latest_day(client):
    papers_create(2, announce_type="new")
    papers_create(1, announce_type="cross")
    papers_create(1, announce_type="replace")
    feed = parse(client.get("/arxiv/cs.LG/feed"))
    assert feed.version == "atom10"
    assert len(feed.entries) == 3
    entry = feed.entries[0]
    assert "\\" in entry.title and "<span" not in entry.title  # the plain twin, TeX kept
    assert "<span" not in entry.summary
    assert entry.link.startswith("http://testserver/arxiv/2511.")
    assert entry.id.startswith("https://arxiv.org/abs/")
    assert entry.author == "Ada Lovelace, Émile Borel"
    assert [t.term for t in entry.tags] == ["cs.LG"]


def test_feed_skips_a_day_of_replacements_only_and_names_its_sections(client):
    from datetime import date

    papers_create(2, announce_type="new")  # 2025-11-21
    papers_create(1, announce_type="replace", announce_date=date(2025, 11, 24))
    feed = parse(client.get("/arxiv/cs.LG/feed"))
    assert len(feed.entries) == 2
    assert feed.feed.subtitle == (
        "New papers and cross-lists in cs.LG, announced 2025-11-21 (replacements left out)"
    )


def test_union_minus_feed(client):
    papers_create(
        1, listing_category="cs.AI", primary_category="cs.AI", categories=["cs.AI", "cs.CY"]
    )
    papers_create(1, listing_category="cs.AI", primary_category="cs.AI", categories=["cs.AI"])
    assert len(parse(client.get("/arxiv/cs.AI-cs.CY/feed")).entries) == 1


def test_empty_feed_is_still_valid(client):
    assert parse(client.get("/arxiv/math.AG/feed")).entries == []


def test_search_feed_newest_first(client):
    papers = papers_create(3, title="Kernel methods")
    feed = parse(client.get("/search/feed?q=kernel"))
    assert [e.id.rsplit("/", 1)[1] for e in feed.entries] == [p.arxiv_id for p in papers]
    assert "kernel" in feed.feed.title


@pytest.mark.parametrize("query", ["", "q=", "q=-x", "q=" + "z" * 500])
def test_search_feed_rejects_bad_queries(client, query):
    assert client.get(f"/search/feed?{query}").status_code == 400
