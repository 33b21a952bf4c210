"""Reads behind the browsing pages: listing pages, days, home counts, related papers."""

from datetime import date

import pytest

from reader import selectors
from reader.converters import parse_category_expr
from tests.factories import papers_create

pytestmark = pytest.mark.django_db
DAY = date(2025, 11, 21)


def test_listing_pages_sections_and_neighbours():
    papers_create(30, announce_type="new")
    papers_create(10, announce_type="cross")
    papers_create(2, announce_date=date(2025, 11, 19))
    papers_create(1, announce_date=date(2025, 11, 24))
    expr = parse_category_expr("cs.LG")
    page2 = selectors.paper_list_for_issue(expr=expr, day=DAY, page=2)
    assert page2.total == 40 and page2.counts == {"new": 30, "cross": 10}
    assert page2.section_pages == {"new": 1, "cross": 2}
    assert page2.previous_section == "new"
    assert [s for s, _p in page2.items] == ["new"] * 5 + ["cross"] * 10
    assert not page2.has_next
    assert (page2.prev_day, page2.next_day) == (date(2025, 11, 19), date(2025, 11, 24))
    latest = selectors.paper_list_for_issue(expr=expr, day=None)
    assert latest.day == date(2025, 11, 24) and latest.total == 1


def test_listing_cards_load_only_shown_columns():
    papers_create(1)
    listing = selectors.paper_list_for_issue(expr=parse_category_expr("cs.LG"), day=DAY)
    paper = listing.items[0][1]
    deferred = paper.get_deferred_fields()
    assert {"title", "abstract", "note", "note_html", "source_hash"} <= deferred
    assert "abstract_html" not in deferred


def test_feed_list_skips_replacements():
    papers_create(2, announce_type="new")
    papers_create(1, announce_type="replace")
    day, papers = selectors.paper_list_for_feed(expr=parse_category_expr("cs.LG"))
    assert day == DAY and len(papers) == 2


def test_home_categories_counts_and_days():
    papers_create(3)
    papers_create(2, listing_category="cs.AI", primary_category="cs.AI", categories=["cs.AI"])
    papers_create(1, announce_date=date(2025, 11, 20))
    home = selectors.home_categories()
    assert home["latest"] == DAY
    cs = dict(home["groups"])["Computer Science"]
    counts = {c["code"]: c["count"] for c in cs}
    assert counts["cs.LG"] == 3 and counts["cs.AI"] == 2 and counts["cs.CL"] == 0
    assert home["days"] == [{"day": DAY, "count": 5}, {"day": date(2025, 11, 20), "count": 1}]


def test_paper_list_for_ids_and_get():
    a, b = papers_create(2)
    found = selectors.paper_list_for_ids(arxiv_ids=[a.arxiv_id, "2511.99999", b.arxiv_id])
    assert set(found) == {a.arxiv_id, b.arxiv_id}
    assert selectors.paper_get(arxiv_id=a.arxiv_id).pk == a.pk
    assert selectors.paper_get(arxiv_id="2511.99999") is None


def test_related_excludes_the_paper_itself():
    target, *others = papers_create(
        4, title="Wasserstein gradient flows", abstract="Langevin sampling with Wasserstein flows."
    )
    keywords, related = selectors.paper_related(paper=target)
    assert "wasserstein" in keywords
    assert {p.pk for p in related} == {p.pk for p in others}


def test_search_page_counts_pages():
    papers_create(30, title="Kernel methods")
    from reader.search import parse_query

    page = selectors.paper_list_for_query(parsed=parse_query("kernel"), page=2)
    assert (page.total, page.pages, len(page.papers)) == (30, 2, 5)
    assert "<mark>Kernel</mark>" in page.papers[0].title_html
