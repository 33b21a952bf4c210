"""What a new reader meets, in Chromium at 1280 and 390 px (issue 18, small things): plurals,
no emoji-font glyphs, a favicon, the site's 404 page in debug, a failed paper fetch, human
labels on the demo form. Screenshots under artifacts/browser/rough-edges/.
"""

import re
import uuid

import pytest
from django.utils import timezone

from reader.models import PaperRequest
from tests.conftest import ARTIFACTS
from tests.factories import papers_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "rough-edges"
# Emoji blocks (e.g. U+1F552 🕒): they need an emoji font the machine may not have.
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u26ff\u2700-\u27bf\ufe0f]")
TEXT_SYMBOLS = {"★", "☆"}  # U+2605/2606 have text glyphs in the usual fonts (DejaVu)


def visit(browser, url: str, name: str) -> tuple[str, list[str]]:
    """Open ``url`` at 1280 and 390 px; screenshots; (visible text, console errors)."""
    errors: list[str] = []
    text = ""
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(url, wait_until="networkidle")
        text = page.inner_text("body")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        context.close()
    return text, errors


def test_one_paper_reads_singular_and_no_emoji(browser, live_server):
    papers_create(1)
    home, home_errors = visit(browser, live_server.url + "/", "home")
    listing, listing_errors = visit(browser, live_server.url + "/arxiv/cs.LG", "listing")
    assert "(1 paper)" in home and "1 papers" not in home
    assert "1 paper:" in listing and "1 papers" not in listing
    assert "time" in listing
    for text in (home, listing):
        assert [c for c in EMOJI.findall(text) if c not in TEXT_SYMBOLS] == []
    # The favicon is served: no 404 in the console (it was the only browser error).
    assert home_errors == [] and listing_errors == []


def test_favicon_ico_is_served(browser, live_server):
    context = browser.new_context()
    response = context.request.get(live_server.url + "/favicon.ico")
    assert response.status == 200 and response.url.endswith("/static/favicon.svg")
    assert b"<svg" in response.body()
    context.close()


@pytest.mark.parametrize(
    "path",
    ["/demos/nope/", f"/demos/runs/{uuid.UUID(int=7)}/", "/no/such/page", "/arxiv/cs.LG/x/y"],
)
def test_every_404_is_the_site_page_in_debug(browser, live_server, settings, path):
    settings.DEBUG = True
    text, _ = visit(browser, live_server.url + path, "404-" + re.sub(r"\W+", "_", path))
    assert "Paper reader" in text  # the site's header
    assert "Using the URLconf" not in text and "Django" not in text


def test_failed_fetch_page_says_why_and_offers_try_again(browser, live_server):
    now = timezone.now()
    PaperRequest.objects.create(
        arxiv_id="2511.13720", status="failed", reason="unreachable", attempts=2,
        requested_at=now, finished_at=now, next_try_at=now + timezone.timedelta(minutes=4),
    )  # fmt: skip
    text, _ = visit(browser, live_server.url + "/arxiv/2511.13720", "fetch-failed")
    assert "failed: arXiv could not be reached" in text
    assert "Tried 2 times." in text and "Try again now" in text
    assert "reloads every" not in text


def test_demo_form_shows_labels_with_names(browser, live_server):
    text, errors = visit(
        browser, live_server.url + "/demos/diffusion.few_step_samplers/", "demo-form"
    )
    assert "Dpmpp schedule dpmpp_schedule" in text
    assert "Seed seed" in text
    assert errors == []
