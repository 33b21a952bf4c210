"""Listing and paper pages in headless Chromium: math, infinite scroll, filter, stars, errors."""

import re
import urllib.request
from datetime import date

import pytest
from django.db.models import Count

from reader.models import ListingEntry
from reader.services import papers_ingest_files
from tests.conftest import shared_path
from tests.factories import papers_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MATH_DAY = date(2025, 11, 21)
# Raw TeX that must not survive typesetting in visible text.
RAW_TEX = re.compile(r"\\\(|\\\[|\$[^$\s][^$]*\$")
SAMPLES = [
    "arxiv-samples/A/api/arxivpy-2026_q-testing_start0_max100.body.xml",
    "arxiv-samples/A/api/arxivpy-2016-oldformat_au-del_maestro.xml",
    "arxiv-samples/A/api/arxivpy-2026_id-quant-ph_0201082v1.body.xml",
]


def server_math_count(url: str) -> int:
    """How many .math elements the server emitted (counted in the raw HTML)."""
    html = urllib.request.urlopen(url).read().decode()
    return len(re.findall(r'class="math (?:inline|display|block|amsmath)', html))


def wait_typeset(page) -> None:
    page.wait_for_function("() => window.readerMath && window.MathJax && MathJax.startup")
    page.evaluate("() => window.readerMath.ready")
    page.evaluate("() => MathJax.startup.promise")


def raw_tex_left(page) -> list[str]:
    """Visible text of every rendered container that still looks like TeX source."""
    texts = page.eval_on_selector_all(".mathjax_ignore", "els => els.map(e => e.innerText)")
    return [t for t in texts if RAW_TEX.search(t)]


def assert_math_typeset(page, url: str) -> int:
    expected = server_math_count(url)
    wait_typeset(page)
    assert page.locator("mjx-container").count() == expected
    assert page.locator(".math").count() == expected
    assert raw_tex_left(page) == []
    return expected


@pytest.fixture
def sample_day(db):
    """Ingest the shared arXiv samples; return the (category, day) with the most papers."""
    report = papers_ingest_files(paths=[shared_path(p) for p in SAMPLES])
    assert report.ok, report.summary()
    row = (
        ListingEntry.objects.values("category", "issue_date")
        .annotate(n=Count("id"))
        .order_by("-n", "category")
        .first()
    )
    return row["category"], row["issue_date"]


@pytest.fixture
def math_day(db):
    """60 math-heavy synthetic papers announced in math.PR on one day."""
    return papers_create(
        60,
        listing_category="math.PR",
        primary_category="math.PR",
        categories=["math.PR"],
        announce_date=MATH_DAY,
    )


def test_listing_of_samples_typesets_every_formula(page, live_server, sample_day):
    category, day = sample_day
    url = f"{live_server.url}/arxiv/{category}?date={day:%Y-%m-%d}"
    page.goto(url)
    assert page.locator("article.paper").count() >= 1
    assert_math_typeset(page, url)
    assert page.console_errors == []


def test_scrolling_appends_and_typesets_the_next_batch(page, live_server, math_day):
    url = f"{live_server.url}/arxiv/math.PR?date={MATH_DAY:%Y-%m-%d}"
    page.goto(url)
    first = assert_math_typeset(page, url)
    assert first > 0 and page.locator("article.paper").count() == 25
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("() => document.querySelectorAll('article.paper').length === 50")
    wait_typeset(page)
    second = server_math_count(f"{url}&page=2&fragment=1")
    page.wait_for_function(
        f"() => document.querySelectorAll('mjx-container').length === {first + second}"
    )
    assert page.locator(".math").count() == first + second
    assert raw_tex_left(page) == []
    # Math in the new batch is protected from translators, its containers are not.
    assert page.locator("article.paper:nth-of-type(40) .math.notranslate").count() > 0
    assert page.locator("article.paper:nth-of-type(40) .abstract.notranslate").count() == 0
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("() => document.querySelectorAll('article.paper').length === 60")
    assert page.locator("[data-more]").count() == 0
    assert page.console_errors == []


def test_keyword_filter_hides_non_matching_papers(page, live_server, math_day):
    page.goto(f"{live_server.url}/arxiv/math.PR?date={MATH_DAY:%Y-%m-%d}")
    wait_typeset(page)
    page.click("[data-filter-details] summary")
    page.fill("#kw-include", "scaling laws")
    page.check("[data-kw-only]")
    page.click("[data-filter-form] button[type=submit]")
    cards = page.locator("article.paper")
    visible = page.locator("article.paper:not([hidden])")
    assert 0 < visible.count() < cards.count()
    for title in visible.locator(".paper-title").all_inner_texts():
        assert "scaling laws" in title.lower()
    assert page.locator("article.paper:not([hidden]) mark.kw").count() >= visible.count()
    # Highlighting never reaches into typeset math.
    assert page.locator("mjx-container mark, .math mark").count() == 0
    # Exclusion: hide the ones with "sparse" as well -> nothing left of the included set.
    page.fill("#kw-exclude", "sparse")
    page.click("[data-filter-form] button[type=submit]")
    assert page.locator("article.paper:not([hidden])").count() == 0
    page.click("[data-filter-clear]")
    assert page.locator("article.paper:not([hidden])").count() == cards.count()
    assert page.console_errors == []


def test_stars_survive_reload_and_export_exactly_the_starred(page, live_server, math_day):
    url = f"{live_server.url}/arxiv/math.PR?date={MATH_DAY:%Y-%m-%d}"
    page.goto(url)
    starred = [math_day[3].arxiv_id, math_day[0].arxiv_id]
    for arxiv_id in starred:
        page.click(f'article[data-id="{arxiv_id}"] [data-star]')
    page.reload()
    wait_typeset(page)
    pressed = page.eval_on_selector_all(
        '[data-star][aria-pressed="true"]', "els => els.map(b => b.closest('[data-id]').dataset.id)"
    )
    assert sorted(pressed) == sorted(starred)
    page.click("[data-stars-toggle]")
    href = page.get_attribute("[data-stars-export]", "href")
    assert href == "/arxiv/" + ",".join(starred)
    page.click("[data-stars-export]")
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    ids = page.eval_on_selector_all("article.paper", "els => els.map(e => e.dataset.id)")
    assert ids == starred
    # Keyboard: j moves to the first paper, s toggles its star.
    page.keyboard.press("j")
    page.keyboard.press("s")
    assert (
        page.get_attribute(f'article[data-id="{starred[0]}"] [data-star]', "aria-pressed")
        == "false"
    )
    assert page.console_errors == []


def test_paper_page_math_related_and_no_errors(page, live_server, math_day):
    paper = math_day[1]
    url = f"{live_server.url}/arxiv/{paper.arxiv_id}"
    page.goto(url)
    expected = server_math_count(url)
    page.wait_for_selector(".related-body")
    wait_typeset(page)
    related = server_math_count(f"{live_server.url}/arxiv/{paper.arxiv_id}/related?fragment=1")
    page.wait_for_function(
        f"() => document.querySelectorAll('mjx-container').length === {expected + related}"
    )
    assert raw_tex_left(page) == []
    assert page.locator(".related-list li").count() > 0
    assert page.console_errors == []


def test_phone_width_layout_does_not_scroll_sideways(page, live_server, math_day):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/arxiv/math.PR?date={MATH_DAY:%Y-%m-%d}")
    wait_typeset(page)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    assert page.console_errors == []
