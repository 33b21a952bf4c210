"""On-demand fetch: enqueue once, then found / not found / failed; beat and task wiring."""

from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings

from reader import arxiv, tasks
from reader.models import Paper, PaperRequest
from reader.services import paper_fetch, paper_request

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent.parent / "fixtures" / "arxiv"


class FakeClient:
    """Stands in for ArxivClient.api_ids: returns a recorded page or raises."""

    def __init__(self, body: bytes | None = None, error: Exception | None = None):
        self.body, self.error, self.calls = body, error, []

    def api_ids(self, ids, batch=100):
        self.calls.append(list(ids))
        if self.error:
            raise self.error
        yield "api id_list", self.body, arxiv.parse_any(self.body)


def test_request_enqueues_once_and_fetch_finds_the_paper(
    django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(tasks.paper_fetch_task, "apply_async", lambda **kw: sent.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        first = paper_request(arxiv_id="2401.00001")
    with django_capture_on_commit_callbacks(execute=True):
        second = paper_request(arxiv_id="2401.00001")
    assert first.status == second.status == "pending"
    assert len(sent) == 1 and sent[0]["args"] == ["2401.00001"] and sent[0]["queue"] == "default"


def test_fetch_marks_not_found_when_arxiv_returns_nothing():
    PaperRequest.objects.create(arxiv_id="2401.99999", requested_at="2026-01-01T00:00Z")
    empty = (FIXTURES / "api_empty_page.xml").read_bytes()
    assert paper_fetch(arxiv_id="2401.99999", client=FakeClient(body=empty)) == "not_found"
    assert PaperRequest.objects.get().status == "not_found"


def test_fetch_marks_failed_on_network_error():
    PaperRequest.objects.create(arxiv_id="2401.99998", requested_at="2026-01-01T00:00Z")
    client = FakeClient(error=arxiv.ArxivUnavailable("HTTP 503"))
    assert paper_fetch(arxiv_id="2401.99998", client=client) == "failed"
    request = PaperRequest.objects.get()
    assert request.status == "failed" and "ArxivUnavailable" in request.error
    assert not Paper.objects.exists()


def test_daily_ingest_runs_after_each_announcement_on_the_default_queue():
    entry = settings.CELERY_BEAT_SCHEDULE["papers-ingest-daily"]
    assert entry["task"] == "reader.tasks.papers_ingest_new_task"
    assert entry["schedule"] == crontab(minute=45, hour=20, day_of_week="0-4")
    assert settings.CELERY_TIMEZONE == "America/New_York"
    assert tasks.papers_ingest_new_task.name in {
        e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()
    }
    # Only the demo and FAQ runners have queues of their own; ingest stays on `default`.
    assert settings.CELERY_TASK_ROUTES == {
        "demos.tasks.demo_run_execute_task": {"queue": "demos"},
        "reader.faq.tasks.faq_generate_task": {"queue": "llm"},
    }
    assert tasks.papers_ingest_new_task.max_retries == 5


def test_fetch_stores_the_paper_and_clears_the_request():
    body = (FIXTURES / "api_query_page1.xml").read_bytes()
    wanted = arxiv.parse_any(body).entries[0]["arxiv_id"]
    PaperRequest.objects.create(arxiv_id=wanted, requested_at="2026-01-01T00:00Z")
    client = FakeClient(body=body)
    assert paper_fetch(arxiv_id=wanted, client=client) == "found"
    assert client.calls == [[wanted]]
    assert Paper.objects.filter(arxiv_id=wanted).exists()
    assert not PaperRequest.objects.exists()
