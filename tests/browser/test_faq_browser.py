"""The paper FAQ in Chromium: an answer streams in and typesets, a reload serves it from the
cache, the listing's [FAQ] opens it inline, and an answer made of XSS payloads runs nothing."""

import re
import threading

import pytest

from reader.faq import services
from reader.models import PaperFaq
from tests.factories import papers_create
from tests.llm_server import LlmServer, answer, words
from tests.renderer.xss_corpus import CONTEXTS, payloads

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = (
    "### What problem does it solve?\n\nIt bounds $\\|x\\|_2 \\le \\epsilon$ for every "
    "$a_{ij}$ and \\(b^2\\).\n\n### Method\n\n$$\\sum_{i<j} a_i b_j = \\int_0^1 f(t)\\,dt$$\n\n"
    "A literal `$not math$` stays code. More words follow here to make the stream "
    "long enough to watch.\n"
)
MATH_SPANS = 4


@pytest.fixture
def llm(settings):
    servers = []

    def start(**kwargs):
        server = LlmServer(**kwargs)
        servers.append(server)
        settings.LLM_BASE_URL = server.url
        settings.LLM_MODEL = "test-model"
        settings.LLM_ENABLED = True
        settings.LLM_DAILY_TOKENS = 0
        settings.LLM_REQUESTS_PER_MINUTE = 0
        return server

    yield start
    for server in servers:
        server.close()


def _typeset_count(page, scope: str) -> int:
    return page.locator(f"{scope} [data-faq-answer] mjx-container").count()


def test_answer_streams_in_typesets_and_reload_is_cached(page, live_server, llm, monkeypatch):
    from reader.faq.tasks import faq_generate_task

    server = llm(default=answer(words(ANSWER), delay=0.12))
    papers_create(arxiv_id="2511.13720")
    go = threading.Event()
    threads = []

    def fake_worker(*args, **kwargs):  # the llm-queue worker, as a thread of this process
        def work():
            go.wait(30)
            services.faq_generate(faq_id=kwargs["args"][0], worker="browser-test")

        threads.append(threading.Thread(target=work, daemon=True))
        threads[-1].start()

    monkeypatch.setattr(faq_generate_task, "apply_async", fake_worker)
    page.goto(f"{live_server.url}/arxiv/2511.13720")
    page.click("#faq [data-faq-form] button")
    expect(page.locator("#faq [data-faq-state]")).to_have_text(re.compile(r"^Pending: 0"))
    go.set()
    # Part of the answer is on the page while the model is still writing.
    expect(page.locator("#faq [data-faq-state]")).to_have_text(re.compile(r"Writing the answer"))
    page.wait_for_function(
        "() => document.querySelector('#faq [data-faq-answer]').textContent.length > 20"
    )
    partial = page.inner_text("#faq [data-faq-answer]")
    assert partial and PaperFaq.objects.get().status == "running"
    page.screenshot(path="artifacts/browser/faq-streaming.png")
    expect(page.locator("#faq")).to_have_attribute("data-status", "done", timeout=30_000)
    expect(page.locator("#faq [data-faq-answer] mjx-container")).to_have_count(MATH_SPANS)
    assert page.locator("#faq [data-faq-answer] code").inner_text() == "$not math$"
    assert "Method" in page.inner_text("#faq h3 >> nth=1")
    for t in threads:
        t.join(timeout=10)
    # Reload: the answer comes from the row, typeset at once, with no new model call.
    page.reload()
    expect(page.locator("#faq [data-faq-answer] mjx-container")).to_have_count(MATH_SPANS)
    assert page.locator("#faq [data-faq-form]").count() == 0
    assert len(server.requests) == 1
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("#faq").screenshot(path=f"artifacts/browser/faq-paper-{width}.png")
    assert page.console_errors == []


def test_listing_faq_button_opens_inline_and_generates(page, live_server, llm):
    llm(default=answer(words(ANSWER)))
    papers = papers_create(2, listing_category="cs.LG")
    done, _ = services.faq_request(paper=papers[0], lang="en")  # eager: generated on commit
    done.refresh_from_db()
    assert done.status == "done"
    page.goto(f"{live_server.url}/arxiv/cs.LG")
    first = f"article[data-id='{papers[0].arxiv_id}']"
    page.click(f"{first} [data-faq-link]")
    expect(page.locator(f"{first} .faq-inline [data-faq-answer] mjx-container")).to_have_count(
        MATH_SPANS
    )
    assert page.url.endswith("/arxiv/cs.LG")  # opened inline, not followed
    # The second paper has no answer yet: Generate (eager Celery answers during the POST).
    second = f"article[data-id='{papers[1].arxiv_id}']"
    page.click(f"{second} [data-faq-link]")
    page.click(f"{second} [data-faq-generate]")
    expect(page.locator(f"{second} .faq-inline")).to_have_attribute("data-status", "done")
    expect(page.locator(f"{second} .faq-inline mjx-container")).to_have_count(MATH_SPANS)
    # The language switch asks for the Chinese answer, which does not exist yet.
    page.click(f"{second} [data-faq-lang]")
    expect(page.locator(f"{second} .faq-inline")).to_have_attribute("data-status", "none")
    expect(page.locator(f"{second} [data-faq-generate]")).to_be_visible()
    page.click(f"{first} [data-faq-link]")
    expect(page.locator(f"{first} .faq-inline")).to_be_hidden()
    page.set_viewport_size({"width": 390, "height": 900})
    page.locator(second).screenshot(path="artifacts/browser/faq-inline-390.png")
    assert page.console_errors == []


def test_faq_link_works_without_javascript(browser, live_server, llm):
    llm(default=answer(words(ANSWER)))
    paper = papers_create(listing_category="cs.LG")[0]
    services.faq_request(paper=paper, lang="en")  # eager Celery: generated on commit
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/arxiv/cs.LG")
    page.click(f"article[data-id='{paper.arxiv_id}'] [data-faq-link]")
    assert page.url.endswith(f"/arxiv/{paper.arxiv_id}#faq")
    assert "What problem does it solve?" in page.inner_text("#faq")
    context.close()


HOOKS = """
window.__hits = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__hits.push(name + ': ' + String(args[0])); };
}
document.addEventListener('securitypolicyviolation', (e) => {
  window.__hits.push('CSP ' + e.violatedDirective + ' ' + e.blockedURI);
});
"""
FIRE_EVENTS = """() => {
  const names = ['mouseover', 'mouseenter', 'mousemove', 'focus', 'load', 'error',
                 'animationstart', 'toggle', 'pointerover'];
  for (const el of document.querySelectorAll('#faq *')) {
    for (const n of names) el.dispatchEvent(new Event(n));
  }
  return Array.from(document.querySelectorAll('script')).map((s) => s.getAttribute('src'));
}"""
XSS_CONTEXTS = ["paragraph", "link_destination", "dollar", "image_src", "autolink"]


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("context", XSS_CONTEXTS)
def test_answer_of_xss_payloads_runs_nothing(browser, live_server, llm, context):
    template = next(t for name, _mode, t in CONTEXTS if name == context)
    text = "\n\n".join(template.format(p=p) for p in payloads())
    llm(default=answer([text[i : i + 997] for i in range(0, len(text), 997)]))
    paper = papers_create()[0]
    faq, _ = services.faq_request(paper=paper, lang="en")  # eager Celery: generated on commit
    faq.refresh_from_db()
    assert faq.status == "done", faq.error
    page = browser.new_page()
    problems = []
    page.on("dialog", lambda d: (problems.append(f"dialog {d.message}"), d.dismiss()))
    base = live_server.url

    def route(r):
        if r.request.url.startswith(base):
            return r.continue_()
        problems.append(f"off-site request {r.request.url[:80]}")
        return r.abort()

    page.route("**/*", route)
    page.add_init_script(HOOKS)
    page.goto(f"{base}/arxiv/{paper.arxiv_id}", wait_until="load")
    page.evaluate("() => window.readerMath.ready")
    for src in page.evaluate(FIRE_EVENTS):
        if not (src or "").removeprefix(base).startswith("/static/"):
            problems.append(f"script src={src!r}")
    problems += page.evaluate("() => window.__hits")
    assert page.locator("#faq [data-faq-answer] img, #faq [data-faq-answer] script").count() == 0
    page.close()
    assert problems == []
