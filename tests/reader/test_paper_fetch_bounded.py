"""A paper we do not have: one fetch at a time, a failure remembered with its reason and shown,
a back-off before the next automatic try, a "Try again" button (issue 18, reliability).

arXiv is a loopback server (tests.replay) or a loopback port nobody listens on.
"""

import re
import socket
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from reader.models import PaperRequest
from reader.services.paper_requests import backoff, paper_request

pytestmark = pytest.mark.django_db

ID = "2511.13720"
EMPTY_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <title>arXiv Query: id_list=2511.13720</title><id>http://arxiv.org/api/x</id>
  <updated>2025-11-20T00:00:00-05:00</updated>
  <opensearch:totalResults>0</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>
</feed>"""


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening: arXiv unreachable."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _open(client, capture):
    with capture(execute=True):
        return client.get(f"/arxiv/{ID}")


def test_arxiv_unreachable_is_remembered_and_shown_without_reloading(
    client, closed_port, django_capture_on_commit_callbacks
):
    with override_settings(
        ARXIV_API_URL=f"http://127.0.0.1:{closed_port}/api/query", ARXIV_BACKOFF=0.01
    ):
        first = _open(client, django_capture_on_commit_callbacks)  # the eager fetch fails
    assert "being retrieved" in first.content.decode()
    row = PaperRequest.objects.get(arxiv_id=ID)
    assert (row.status, row.reason, row.attempts) == ("failed", "unreachable", 1)
    assert "ConnectionError" in row.error
    assert row.next_try_at - row.finished_at == backoff(1) == timedelta(minutes=2)
    page = client.get(f"/arxiv/{ID}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Retrieving this paper from arXiv failed: arXiv could not be reached." in html
    assert "Tried 1 time." in html and "Try again now" in html
    assert 'http-equiv="refresh"' not in html  # reloading would not help
    assert "being retrieved" not in html


def test_reloads_attach_to_the_pending_fetch(client, enqueued, django_capture_on_commit_callbacks):
    for _ in range(3):
        html = _open(client, django_capture_on_commit_callbacks).content.decode()
        assert '<meta http-equiv="refresh" content="5">' in html
    assert enqueued == [ID]
    # A pending fetch that never finished (a lost task) is queued again after 10 minutes.
    PaperRequest.objects.update(requested_at=timezone.now() - timedelta(minutes=11))
    _open(client, django_capture_on_commit_callbacks)
    assert enqueued == [ID, ID]


def test_failed_fetch_waits_for_its_back_off(client, enqueued, django_capture_on_commit_callbacks):
    now = timezone.now()
    PaperRequest.objects.create(
        arxiv_id=ID,
        status="failed",
        reason="rate_limited",
        attempts=2,
        requested_at=now,
        finished_at=now,
        next_try_at=now + backoff(2),
    )
    html = _open(client, django_capture_on_commit_callbacks).content.decode()
    assert "rate limited" in html and "Tried 2 times." in html
    assert enqueued == []
    PaperRequest.objects.update(next_try_at=now - timedelta(seconds=1))
    html = _open(client, django_capture_on_commit_callbacks).content.decode()
    assert enqueued == [ID]
    assert "being retrieved" in html


def test_back_off_grows_to_an_hour():
    assert [backoff(n).total_seconds() / 60 for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]


def test_try_again_button_skips_the_back_off_and_is_rate_limited(
    client, enqueued, django_capture_on_commit_callbacks
):
    now = timezone.now()
    PaperRequest.objects.create(
        arxiv_id=ID, status="failed", reason="unreachable", attempts=1, requested_at=now,
        finished_at=now, next_try_at=now + timedelta(minutes=2),
    )  # fmt: skip
    html = client.get(f"/arxiv/{ID}").content.decode()
    assert re.search(r'<form method="post" action="/arxiv/2511.13720">', html)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/arxiv/{ID}")
    assert response.status_code == 303 and response["Location"] == f"/arxiv/{ID}"
    assert enqueued == [ID]
    # Pressing again while it is pending attaches to the same fetch.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/arxiv/{ID}")
    assert enqueued == [ID]
    statuses = [client.post(f"/arxiv/{ID}").status_code for _ in range(6)]
    assert statuses[-1] == 429


@pytest.mark.parametrize(
    "script,reason,status",
    [
        ([(200, {"Content-Type": "application/atom+xml"}, EMPTY_FEED)], "not_found", "not_found"),
        ([(429, {"Retry-After": "3600"}, b"slow down")], "rate_limited", "failed"),
        ([(500, {}, b"oops")] * 5, "unreachable", "failed"),
    ],
    ids=["not-found", "rate-limited", "server-error"],
)
def test_fetch_failures_are_classified(client, replay, script, reason, status):
    server = replay(script)
    with override_settings(ARXIV_API_URL=server.url + "/api/query", ARXIV_BACKOFF=0.01):
        paper_request(arxiv_id=ID)
        from reader.services import paper_fetch

        assert paper_fetch(arxiv_id=ID) == status
    row = PaperRequest.objects.get(arxiv_id=ID)
    assert (row.status, row.reason, row.attempts) == (status, reason, 1)
    expected = 404 if status == "not_found" else 200
    assert client.get(f"/arxiv/{ID}").status_code == expected
