"""Search page, home page, the "open" box and the catch-all 404."""

import re

import pytest

from tests.factories import papers_create

pytestmark = pytest.mark.django_db


def cards(response) -> list[str]:
    return re.findall(r'<article class="paper" id="([^"]+)"', response.content.decode())


def test_search_ranks_and_highlights_outside_math(client):
    papers_create(1, title="Diffusion samplers with $\\alpha$ steps", abstract="A diffusion note.")
    papers_create(1, title="Unrelated", abstract="Nothing here.")
    response = client.get("/search?q=diffusion")
    html = response.content.decode()
    assert response.status_code == 200
    assert len(cards(response)) == 1
    assert (
        '<mark>Diffusion</mark> samplers with <span class="math inline">\\(\\alpha\\)</span>'
        in html
    )
    assert "1 paper match" in html


def test_author_hits_are_marked(client):
    papers_create(1, authors=[{"name": "Tero Karras"}, {"name": "Jane Doe"}])
    html = client.get('/search?q=au:"Tero Karras"').content.decode()
    assert "<mark>Tero Karras</mark>" in html and "<mark>Jane Doe</mark>" not in html


def test_query_text_is_escaped_everywhere(client):
    papers_create(1, title="Scripts in titles")
    html = client.get('/search?q=<script>alert(1)</script>"><img src=x>').content.decode()
    assert "<script>alert" not in html and "<img src=x>" not in html


def test_pagination(client):
    papers_create(30, title="Kernel methods")
    first = client.get("/search?q=kernel")
    assert len(cards(first)) == 25
    assert 'rel="next" href="?q=kernel&amp;page=2"' in first.content.decode()
    second = client.get("/search?q=kernel&page=2")
    assert len(cards(second)) == 5
    assert 'rel="prev"' in second.content.decode()
    assert set(cards(first)).isdisjoint(cards(second))


def test_sort_by_time_and_stars(client):
    papers = papers_create(3, title="Kernel methods", stars=lambda i: [2, 7, 1][i])
    assert cards(client.get("/search?q=kernel&sort=time")) == [p.arxiv_id for p in papers]
    by_stars = cards(client.get("/search?q=kernel&sort=stars"))
    assert by_stars == [papers[1].arxiv_id, papers[0].arxiv_id, papers[2].arxiv_id]


@pytest.mark.parametrize(
    "query,status",
    [
        ("q=kernel&page=abc", 400),
        ("q=kernel&page=41", 400),
        ("q=kernel&sort=bogus", 400),
        ("q=" + "x" * 401, 400),
        ("q=" + "y" * 5000, 400),
        ("q=-only", 400),
        ("q=%22%22", 400),
    ],
)
def test_bad_search_parameters_are_400(client, query, status):
    response = client.get(f"/search?{query}")
    assert response.status_code == status
    assert "<h1>" in response.content.decode()


def test_empty_query_shows_the_syntax_help(client):
    html = client.get("/search").content.decode()
    assert "Query syntax" in html and "au:karras" in html


def test_no_results(client):
    response = client.get("/search?q=zzzqqq")
    assert response.status_code == 200 and "0 papers match" in response.content.decode()


def test_cool_papers_search_url_redirects(client):
    response = client.get("/arxiv/search?highlight=1&query=flow+matching")
    assert response.status_code == 302 and response["Location"] == "/search?q=flow+matching"


def test_home_lists_categories_with_counts_and_days(client, settings):
    settings.ARXIV_CATEGORIES = ["cs.LG", "cs.AI"]
    papers_create(3)
    html = client.get("/").content.decode()
    assert 'href="/arxiv/cs.LG"' in html and '<span class="count">3</span>' in html
    assert "Fri 2025-11-21</a> (3 papers)" in html
    assert 'href="/arxiv/cs.LG,cs.AI?date=2025-11-21"' in html
    assert 'href="/demos/"' in html and 'role="search"' in html
    assert '<label for="home-q">' in html


@pytest.mark.parametrize(
    "to,location",
    [
        ("cs.AI cs.LG", "/arxiv/cs.AI+cs.LG"),
        ("cs.AI+cs.LG-cs.CY", "/arxiv/cs.AI+cs.LG-cs.CY"),
        ("https://arxiv.org/abs/2511.13720v2", "/arxiv/2511.13720v2"),
        ("hep-th/9901001", "/arxiv/hep-th/9901001"),
    ],
)
def test_open_box_redirects(client, to, location):
    response = client.get("/go", {"to": to})
    assert response.status_code == 302 and response["Location"] == location


def test_open_box_rejects_nonsense(client):
    assert client.get("/go", {"to": "not a thing"}).status_code == 400


def test_unknown_arxiv_path_is_404(client):
    response = client.get("/arxiv/foo/bar/baz")
    assert response.status_code == 404
    assert "/arxiv/cs.AI+cs.LG-cs.CY" in response.content.decode()
