"""Playwright driving Debian's Chromium (never a downloaded browser) against the live server."""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, skip_or_fail

CHROMIUM = Path(os.environ.get("READER_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = REPO_ROOT / "artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright's sync API keeps an event loop in the test thread; the ORM calls the tests make
# there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium chromium-driver)")
    if not (REPO_ROOT / "static/vendor/mathjax/tex-chtml.js").exists():
        skip_or_fail("static/vendor/mathjax/ is missing (run `make assets`)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh page that blocks off-site requests, records console errors and ends screenshot."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    origin = live_server.url
    # Everything must come from our own server: MathJax is local, never a CDN.
    page.route(
        re.compile(r"^https?://(?!" + re.escape(origin.split("://", 1)[1]) + ")"),
        lambda route: (errors.append(f"off-site request: {route.request.url}"), route.abort()),
    )
    page.console_errors = errors
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
