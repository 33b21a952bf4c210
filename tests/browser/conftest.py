"""Pages for browser tests against the live server (the `browser` fixture is in tests/conftest.py)."""

import re

import pytest

from tests.conftest import ARTIFACTS


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
