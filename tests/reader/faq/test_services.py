"""reader.faq.services: request/attach/cache, streaming into the row, limits, failures, sweeper."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reader.faq import selectors, services
from reader.models import Paper, PaperFaq
from reader.ratelimit import RateLimited
from tests.factories import papers_create
from tests.llm_server import answer, error, words

pytestmark = pytest.mark.django_db

ANSWER = (
    "### What problem does it solve?\n\nIt bounds $\\|x\\|_2 \\le \\epsilon$ for "
    "$a_{ij}$, see [the code](https://example.org/code).\n\n$$\\sum_{i<j} a_i b_j$$\n"
)


@pytest.fixture
def paper():
    return papers_create()[0]


@pytest.fixture
def server(llm_server, llm_settings):
    srv = llm_server(default=answer(words(ANSWER)))
    llm_settings(srv)
    return srv


def _request(paper, lang="en", client="1.2.3.4", capture=None):
    if capture is None:
        return services.faq_request(paper=paper, lang=lang, client=client)
    with capture(execute=True):
        return services.faq_request(paper=paper, lang=lang, client=client)


def test_request_queues_then_worker_streams_the_rendered_answer(
    paper, server, django_capture_on_commit_callbacks
):
    faq, created = _request(paper, capture=django_capture_on_commit_callbacks)
    assert created
    faq.refresh_from_db()
    assert faq.status == "done" and faq.markdown == ANSWER
    assert faq.html.count('class="math inline"') == 2 and 'class="math block"' in faq.html
    assert "\\(\\|x\\|_2 \\le \\epsilon\\)" in faq.html  # the TeX, escaped once
    assert '<a href="https://example.org/code" rel="noopener noreferrer nofollow">' in faq.html
    assert faq.prompt_tokens == 100 and faq.completion_tokens == len(words(ANSWER))
    assert faq.started_at and faq.first_token_at and faq.finished_at and faq.attempts == 1
    assert not faq.truncated and faq.finish_reason == "stop"
    body = server.requests[0][3]
    assert paper.title_plain in body["messages"][1]["content"]
    assert body["max_tokens"] == services.settings.LLM_MAX_TOKENS


def test_concurrent_clicks_attach_and_done_rows_are_served_to_everyone(
    paper, server, django_capture_on_commit_callbacks
):
    first, created = _request(paper, client="1.1.1.1")
    again, created_again = _request(paper, client="2.2.2.2")
    assert created and not created_again and again.pk == first.pk
    assert PaperFaq.objects.count() == 1
    services.faq_generate(faq_id=first.pk)
    cached, created_cached = _request(paper, client="3.3.3.3")
    assert cached.pk == first.pk and not created_cached and cached.status == "done"
    assert len(server.requests) == 1  # one model call for three readers


def test_languages_versions_and_prompt_versions_get_their_own_rows(paper, server, monkeypatch):
    en, _ = _request(paper)
    zh, _ = _request(paper, lang="zh")
    assert en.pk != zh.pk
    services.faq_generate(faq_id=zh.pk)
    assert (
        "中文" in server.requests[0][3]["messages"][0]["content"]
        or "简体中文" in (server.requests[0][3]["messages"][0]["content"])
    )
    services.faq_generate(faq_id=en.pk)
    Paper.objects.filter(pk=paper.pk).update(latest_version=2)
    paper.refresh_from_db()
    # Until v2's answer exists the v1 answer stays readable.
    assert selectors.faq_current(paper=paper, lang="en").pk == en.pk
    v2, created = _request(paper)
    assert created and v2.version == 2 and v2.pk != en.pk
    assert selectors.faq_current(paper=paper, lang="en").pk == v2.pk
    monkeypatch.setattr(services, "PROMPT_VERSION", 2)
    v2p2, created = _request(paper)
    assert created and v2p2.prompt_version == 2
    assert PaperFaq.objects.get(pk=en.pk).status == "done"


def test_daily_token_budget_pauses_and_queues_nothing(paper, server, settings):
    settings.LLM_DAILY_TOKENS = 50
    faq, _ = _request(paper)
    services.faq_generate(faq_id=faq.pk)  # 100 prompt + N answer tokens > 50
    other = papers_create()[0]
    with pytest.raises(services.FaqPaused, match="until tomorrow"):
        _request(other)
    assert PaperFaq.objects.filter(paper=other).count() == 0
    # Yesterday's tokens do not count.
    PaperFaq.objects.update(started_at=timezone.now() - timedelta(days=1))
    assert _request(other)[1]


def test_per_client_rate_limit_and_queue_cap(server, settings):
    settings.LLM_FAQS_PER_MINUTE = 2
    papers = papers_create(4)
    _request(papers[0], client="9.9.9.9")
    _request(papers[1], client="9.9.9.9")
    with pytest.raises(RateLimited) as info:
        _request(papers[2], client="9.9.9.9")
    assert 0 < info.value.retry_after <= 60
    settings.LLM_MAX_QUEUED = 2
    with pytest.raises(services.FaqQueueFull):
        _request(papers[3], client="8.8.8.8")


def test_feature_off_and_bad_language(paper, settings):
    settings.LLM_ENABLED = False
    with pytest.raises(services.FaqDisabled):
        _request(paper)
    settings.LLM_ENABLED = True
    with pytest.raises(ValueError, match="lang must be one of en, zh"):
        _request(paper, lang="fr")


def test_auth_failure_is_stored_with_an_operator_message(paper, llm_server, llm_settings):
    llm_settings(llm_server([error(401, "Invalid Authentication")]))
    faq, _ = _request(paper)
    faq = services.faq_generate(faq_id=faq.pk)
    assert faq.status == "failed" and "check LLM_API_KEY" in faq.error
    assert "Invalid Authentication" in faq.error
    # A failed answer is not cached: the next click queues a fresh one.
    fresh, created = _request(paper)
    assert created and fresh.pk != faq.pk


def test_truncated_answer_is_marked(paper, llm_server, llm_settings):
    llm_settings(llm_server([answer(["cut ", "off"], finish="length")]))
    faq, _ = _request(paper)
    faq = services.faq_generate(faq_id=faq.pk)
    assert faq.status == "done" and faq.truncated
    payload = selectors.faq_payload(paper=paper, faq=faq, lang="en")
    assert payload["truncated"] is True and payload["html"] == "<p>cut off</p>\n"


def test_retry_after_is_honoured_by_the_worker(paper, llm_server, llm_settings, monkeypatch):
    srv = llm_server([error(429, "busy", {"Retry-After": "0.2"}), answer(["fine"])])
    llm_settings(srv)
    faq, _ = _request(paper)
    faq = services.faq_generate(faq_id=faq.pk)
    assert faq.status == "done" and faq.markdown == "fine"
    assert srv.requests[1][0] - srv.requests[0][0] >= 0.2


def test_stream_writer_flushes_about_every_half_second(paper, server):
    faq, _ = _request(paper)
    PaperFaq.objects.filter(pk=faq.pk).update(status="running")
    now = [0.0]
    writer = services._StreamWriter(faq.pk, clock=lambda: now[0])
    writer.add("The bound $x_1")
    assert PaperFaq.objects.get(pk=faq.pk).markdown == ""  # not yet: 0 s since the start
    now[0] = 0.6
    writer.add("^2$ holds")
    row = PaperFaq.objects.get(pk=faq.pk)
    assert row.markdown == "The bound $x_1^2$ holds" and row.completion_tokens == 2
    assert row.html == '<p>The bound <span class="math inline">\\(x_1^2\\)</span> holds</p>\n'
    now[0] = 0.7
    writer.add(" too")
    assert PaperFaq.objects.get(pk=faq.pk).markdown.endswith("holds")
    assert selectors.faq_payload(paper=paper, faq=row, lang="en")["progress"] > 0


def test_poison_guard_fails_the_third_start(paper, server):
    faq, _ = _request(paper)
    PaperFaq.objects.filter(pk=faq.pk).update(attempts=2, status="running")
    faq = services.faq_generate(faq_id=faq.pk)
    assert faq.status == "failed" and "worker lost twice" in faq.error
    assert server.requests == []
    assert services.faq_generate(faq_id=faq.pk) is None  # a duplicate delivery is a no-op


def test_stale_sweeper(paper, server):
    stuck, _ = _request(paper)
    old = timezone.now() - timedelta(seconds=services.time_limits()[1] + 400)
    PaperFaq.objects.filter(pk=stuck.pk).update(status="running", started_at=old)
    forgotten, _ = _request(paper, lang="zh")
    PaperFaq.objects.filter(pk=forgotten.pk).update(created_at=timezone.now() - timedelta(days=2))
    fresh, _ = _request(papers_create()[0])
    assert services.faqs_fail_stale() == 2
    states = dict(PaperFaq.objects.values_list("pk", "status"))
    assert states == {stuck.pk: "failed", forgotten.pk: "failed", fresh.pk: "queued"}
    assert "worker lost" in PaperFaq.objects.get(pk=stuck.pk).error


def test_requests_per_minute_slot_waits_for_the_next_window(settings):
    from django.core.cache import cache

    settings.LLM_REQUESTS_PER_MINUTE = 2
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        cache.clear()  # the next minute's window

    for _ in range(3):
        with services.llm_slot(sleep=sleep):
            pass
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 60.1


def test_full_text_from_arxiv_html_through_the_polite_client(paper, server, settings, replay):
    page = (
        b"<html><body><nav>menu</nav><article><h1>Intro</h1><p>We prove "
        b'<math alttext="E=mc^2"><mi>E</mi></math> in full.</p>'
        + b"<p>"
        + b"filler " * 500
        + b"</p></article></body></html>"
    )
    arxiv = replay([(200, {"Content-Type": "text/html; charset=utf-8"}, page)])
    settings.ARXIV_HTML_URL = arxiv.url + "/html"
    settings.LLM_FULL_TEXT = True
    settings.LLM_FULL_TEXT_CHARS = 1000
    faq, _ = _request(paper)
    faq = services.faq_generate(faq_id=faq.pk)
    assert arxiv.requests[0][1] == f"/html/{paper.arxiv_id}v1"
    assert "paper-reader" in arxiv.requests[0][2]  # the polite client's User-Agent
    prompt = server.requests[0][3]["messages"][1]["content"]
    assert "We prove $E=mc^2$ in full." in prompt and "menu" not in prompt
    assert 900 < faq.full_text_chars <= 1010 and prompt.count("filler") < 200


def test_missing_html_version_falls_back_to_the_abstract(paper, server, settings, replay):
    arxiv = replay([(404, {"Content-Type": "text/html"}, b"no html")])
    settings.ARXIV_HTML_URL = arxiv.url + "/html"
    settings.LLM_FULL_TEXT = True
    faq, _ = _request(paper)
    faq = services.faq_generate(faq_id=faq.pk)
    assert faq.status == "done" and faq.full_text_chars == 0
    assert "Full text" not in server.requests[0][3]["messages"][1]["content"]


def test_pregenerate_queues_the_days_papers(server):
    listed = papers_create(3, listing_category="cs.LG")
    assert services.faqs_pregenerate(categories=["cs.LG"], langs=["en", "zh"]) == 6
    assert PaperFaq.objects.filter(status="queued").count() == 6
    assert {f.paper_id for f in PaperFaq.objects.all()} == {p.pk for p in listed}
    assert services.faqs_pregenerate(categories=["cs.LG"], langs=["en"]) == 0  # attached


def test_regenerate_replaces_the_answer(paper, server):
    faq, _ = _request(paper)
    services.faq_generate(faq_id=faq.pk)
    fresh = services.faq_regenerate(faq=PaperFaq.objects.get(pk=faq.pk))
    assert fresh.status == "queued" and not PaperFaq.objects.filter(pk=faq.pk).exists()


def test_a_failed_new_version_leaves_the_old_answer_readable(paper, llm_server, llm_settings):
    llm_settings(llm_server([answer(["old ", "answer"]), error(401, "key revoked")]))
    v1, _ = _request(paper)
    services.faq_generate(faq_id=v1.pk)
    Paper.objects.filter(pk=paper.pk).update(latest_version=2)
    paper.refresh_from_db()
    v2, _ = _request(paper)
    assert services.faq_generate(faq_id=v2.pk).status == "failed"
    shown = selectors.faq_current(paper=paper, lang="en")
    assert shown.pk == v1.pk
    payload = selectors.faq_payload(paper=paper, faq=shown, lang="en")
    assert payload["html"] == "<p>old answer</p>\n" and payload["current"] is False
    assert selectors.faq_current(paper=paper, lang="zh") is None
