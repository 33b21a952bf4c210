"""Listing pages: /arxiv/<cats> with days, sections, set algebra, sorting, batches, bad params."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import papers_create

pytestmark = pytest.mark.django_db

DAY = date(2025, 11, 21)


def cards(response) -> list[str]:
    return re.findall(r'<article class="paper" id="([^"]+)"', response.content.decode())


def test_latest_day_with_sections_and_counts(client):
    papers_create(3, announce_type="new")
    papers_create(2, announce_type="cross")
    papers_create(1, announce_type="replace")
    papers_create(2, announce_date=date(2025, 11, 20))  # an older day
    response = client.get("/arxiv/cs.LG")
    html = response.content.decode()
    assert response.status_code == 200
    assert len(cards(response)) == 6
    assert 'New <span class="count">(3)</span>' in html
    assert 'Cross-lists <span class="count">(2)</span>' in html
    assert 'Replacements <span class="count">(1)</span>' in html
    assert 'rel="prev" href="?date=2025-11-20"' in html
    assert 'rel="next"' not in html
    assert (
        html.index('id="section-new"')
        < html.index('id="section-cross"')
        < html.index('id="section-replace"')
    )


def test_date_parameter_and_next_day_link(client):
    papers_create(2, announce_date=date(2025, 11, 20))
    papers_create(1)
    response = client.get("/arxiv/cs.LG?date=2025-11-20")
    assert len(cards(response)) == 2
    assert 'rel="next" href="?date=2025-11-21"' in response.content.decode()


def test_day_without_papers_is_friendly(client):
    papers_create(1)
    response = client.get("/arxiv/cs.LG?date=2024-01-01")
    assert response.status_code == 200
    assert "No papers for cs.LG on 2024-01-01" in response.content.decode()


def test_union_and_minus(client):
    lg = papers_create(2, listing_category="cs.LG", categories=["cs.LG"])
    ai = papers_create(1, listing_category="cs.AI", primary_category="cs.AI", categories=["cs.AI"])
    cy = papers_create(
        1, listing_category="cs.AI", primary_category="cs.AI", categories=["cs.AI", "cs.CY"]
    )
    union = set(cards(client.get("/arxiv/cs.AI,cs.LG")))
    assert union == {p.arxiv_id for p in lg + ai + cy}
    minus = set(cards(client.get("/arxiv/cs.AI+cs.LG-cs.CY")))
    assert minus == {p.arxiv_id for p in lg + ai}


def test_paper_in_two_categories_appears_once_in_its_best_section(client):
    (paper,) = papers_create(1, listing_category="cs.LG", categories=["cs.LG", "cs.AI"])
    papers_create(1, listing_category="cs.AI", arxiv_id=paper.arxiv_id, announce_type="cross")
    response = client.get("/arxiv/cs.LG,cs.AI")
    assert cards(response) == [paper.arxiv_id]
    assert 'data-section="new"' in response.content.decode()


def test_alias_and_archive(client):
    papers_create(1, listing_category="cs.IT", primary_category="cs.IT", categories=["cs.IT"])
    assert len(cards(client.get("/arxiv/math.IT"))) == 1
    assert len(cards(client.get("/arxiv/cs"))) == 1


def test_sort_by_stars(client):
    papers = papers_create(3, stars=lambda i: [1, 9, 5][i])
    order = cards(client.get("/arxiv/cs.LG?sort=stars"))
    assert order == [papers[1].arxiv_id, papers[2].arxiv_id, papers[0].arxiv_id]


def test_sort_by_time_newest_first(client):
    papers = papers_create(3)  # the factory publishes each paper a minute before the previous
    assert cards(client.get("/arxiv/cs.LG?sort=time")) == [p.arxiv_id for p in papers]


@pytest.mark.parametrize(
    "query", ["date=2025-13-45", "date=yesterday", "page=abc", "page=0", "sort=bogus", "page=99999"]
)
def test_bad_parameters_are_400_with_a_message(client, query):
    papers_create(1)
    response = client.get(f"/arxiv/cs.LG?{query}")
    assert response.status_code == 400
    assert "Bad listing parameters" in response.content.decode()


def test_first_25_then_fragments(client):
    papers = papers_create(60)
    first = client.get("/arxiv/cs.LG")
    html = first.content.decode()
    assert cards(first) == [p.arxiv_id for p in papers[:25]]
    # The "more" link works without JavaScript (a normal page) and carries the fragment URL.
    assert 'href="?date=2025-11-21&amp;page=2"' in html
    assert 'data-fragment-url="?date=2025-11-21&amp;page=2&amp;fragment=1"' in html
    second = client.get("/arxiv/cs.LG?date=2025-11-21&page=2&fragment=1")
    body = second.content.decode()
    assert "<html" not in body and "<article" in body
    assert cards(second) == [p.arxiv_id for p in papers[25:50]]
    assert 'id="section-new"' not in body  # the section began on page 1
    third = client.get("/arxiv/cs.LG?date=2025-11-21&page=3&fragment=1")
    assert cards(third) == [p.arxiv_id for p in papers[50:]]
    assert "data-more" not in third.content.decode()
    full_page_two = client.get("/arxiv/cs.LG?date=2025-11-21&page=2")
    assert "<html" in full_page_two.content.decode() and len(cards(full_page_two)) == 25


def test_page_past_the_end(client):
    papers_create(3)
    response = client.get("/arxiv/cs.LG?page=5")
    assert response.status_code == 200
    assert "past the end" in response.content.decode()


def test_rendered_containers_carry_mathjax_classes(client):
    papers_create(2)
    html = client.get("/arxiv/cs.LG").content.decode()
    assert html.count('class="abstract mathjax_ignore tex2jax_ignore notranslate"') == 2
    assert html.count('class="mathjax_ignore tex2jax_ignore notranslate" href=') == 2
    assert '<span class="math inline">' in html


def test_unknown_category_is_404_with_grammar(client):
    response = client.get("/arxiv/cs.XX")
    assert response.status_code == 404
    assert "neither a known category expression nor an arXiv id" in response.content.decode()


def test_category_without_any_listing(client):
    response = client.get("/arxiv/math.AG")
    assert response.status_code == 200
    assert "No announcements stored" in response.content.decode()


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_day(client):
    papers_create(30, listing_category="cs.AI", primary_category="cs.AI", categories=["cs.AI"])
    papers_create(500, listing_category="cs.LG")
    small = _count_queries(client, "/arxiv/cs.AI")
    large = _count_queries(client, "/arxiv/cs.LG")
    assert small == large
    assert large <= 9  # 7 for the page, 2 data-version reads of the page cache (a miss)
    # The same holds for a fragment and for a dated, starred, set-algebra page.
    assert _count_queries(client, "/arxiv/cs.AI?page=1&fragment=1") == _count_queries(
        client, "/arxiv/cs.LG?page=7&fragment=1"
    )
    assert _count_queries(client, "/arxiv/cs.AI+cs.CL-cs.CY?sort=stars&date=2025-11-21") == (
        _count_queries(client, "/arxiv/cs.LG+cs.CL-cs.CY?sort=stars&date=2025-11-21")
    )
