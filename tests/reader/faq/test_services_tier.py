"""Services tier: a real `llm`-queue Celery worker on Redis + PostgreSQL answers over HTTP.

Run with DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://... (`make test-services`);
skipped otherwise (a failure under CI=true). The loopback model server runs in this process;
the worker process reaches it through LLM_BASE_URL.
"""

import pytest
from django.test import Client

from reader.models import PaperFaq
from tests.factories import papers_create
from tests.llm_server import LlmServer, answer, words
from tests.workers import celery_worker, purge_broker, require_services, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]

ANSWER = "### Problem\n\nThey bound $\\|x\\|_2$ and \\(y^2\\) with care.\n" + "More text. " * 30


def _purge_llm() -> None:
    from reader.celery import app

    with app.connection_for_write() as conn:
        try:
            conn.default_channel.queue_purge("llm")
        except Exception:  # queue does not exist yet
            pass


@pytest.fixture
def services_env(transactional_db, settings, monkeypatch):
    require_services()
    purge_broker()
    _purge_llm()
    server = LlmServer(default=answer(words(ANSWER), delay=0.03))
    env = {
        "LLM_BASE_URL": server.url,
        "LLM_MODEL": "test-model",
        "LLM_API_KEY": "k",
        "LLM_DAILY_TOKENS": "0",
        "LLM_REQUESTS_PER_MINUTE": "0",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings.LLM_BASE_URL, settings.LLM_MODEL, settings.LLM_ENABLED = server.url, "test-model", True
    settings.LLM_DAILY_TOKENS = 0
    yield server
    server.close()
    purge_broker()
    _purge_llm()


def test_llm_worker_streams_an_answer_end_to_end_over_http(services_env, tmp_path):
    paper = papers_create(arxiv_id="2511.13720")[0]
    client = Client()
    with celery_worker(queues="llm", log=tmp_path / "worker.log"):
        response = client.post("/arxiv/2511.13720/faq", {"lang": "en"})
        assert response.status_code == 302 and response["Location"].endswith("#faq")
        # Three more readers click while it is queued or running: one row, one model call.
        for _ in range(3):
            assert client.post("/arxiv/2511.13720/faq", {"lang": "en"}).status_code == 302
        seen, partial = set(), []

        def finished():
            data = client.get("/arxiv/2511.13720/faq.json?lang=en").json()
            seen.add(data["status"])
            if data["status"] == "running" and data["html"]:
                partial.append(data["html"])
            return data if data["status"] in ("done", "failed") else None

        try:
            data = wait_for(finished, timeout=120, interval=0.1, what="the answer")
        except pytest.fail.Exception:
            log = (tmp_path / "worker.log").read_text(errors="replace")
            pytest.fail(f"answer not finished: {seen}\n{log[-3000:]}")
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert data["status"] == "done", (data, log[-3000:])
    assert data["html"].count('class="math inline"') == 2 and not data["truncated"]
    assert partial, f"never saw the answer grow (states seen: {seen})"  # streamed, not at once
    assert len(partial[0]) < len(data["html"])
    faq = PaperFaq.objects.get()
    assert faq.worker.startswith("test-") and faq.attempts == 1
    assert faq.completion_tokens == len(words(ANSWER)) and faq.prompt_tokens == 100
    assert len(services_env.requests) == 1 and PaperFaq.objects.count() == 1
    # Every later reader gets the cached answer at once.
    page = client.get("/arxiv/2511.13720").content.decode()
    assert "They bound" in page and paper.arxiv_id in page
