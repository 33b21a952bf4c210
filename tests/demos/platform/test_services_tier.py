"""Services tier: a real Celery worker on Redis + PostgreSQL runs demos through the HTTP endpoints.

Run with DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://... (`make test-services`);
skipped otherwise (a failure under CI=true). Rows must be committed for the worker process to
see them, hence transactional_db.
"""

import os
import signal
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from demos.base import REGISTRY, _check_declaration
from demos.models import DemoRun
from tests.demos.platform.slow_demo import SLOW_KEY, SlowDemo
from tests.workers import celery_worker, purge_broker, require_services, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]

DEMO_KEY = "attention.kv_cache"  # a real catalogue demo; smoke takes well under a second
RUN_TIMEOUT = 240.0  # generous: shared CI CPUs, torch import in a fresh worker child
WORKER_DEMOS = "tests.demos.platform.worker_demos"  # registers SlowDemo inside the worker


@pytest.fixture
def services(transactional_db):
    require_services()
    purge_broker()
    yield
    purge_broker()


def _tail(path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _status(client: Client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return response.json()


def test_worker_runs_a_smoke_demo_end_to_end_over_http(services, tmp_path):
    client = Client()
    with celery_worker(queues="demos", log=tmp_path / "worker.log"):
        response = client.post(f"/demos/{DEMO_KEY}/runs/", {"seed": "3"})
        assert response.status_code == 303, response.content[:500]
        run_url = response["Location"]
        json_url = run_url.rstrip("/") + ".json"
        assert client.get(run_url).status_code == 200
        seen = set()

        def finished():
            data = _status(client, json_url)
            seen.add(data["status"])
            return data if data["finished"] else None

        try:
            data = wait_for(finished, timeout=RUN_TIMEOUT, interval=0.2, what="the run")
        except pytest.fail.Exception:
            pytest.fail(f"run not finished: {seen}\n{_tail(tmp_path / 'worker.log')}")
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert data["status"] == "succeeded", (data.get("error"), log[-3000:])
    assert {c["name"]: c["passed"] for c in data["result"]["checks"]}
    assert all(c["passed"] for c in data["result"]["checks"])
    assert data["progress"]["fraction"] == 1.0 and data["attempts"] == 1
    assert seen & {"queued", "running"}  # the page saw it live before it finished
    run = DemoRun.objects.get()
    assert run.worker.startswith("test-") and run.started_at and run.finished_at
    # A second identical request is served from the cache at once.
    again = client.post(f"/demos/{DEMO_KEY}/runs/", {"seed": "3"})
    assert again["Location"] == run_url and DemoRun.objects.count() == 1
    assert "Finished" in client.get(run_url).content.decode()


def test_sigkilled_worker_run_is_redelivered_and_finishes(services, tmp_path, monkeypatch):
    # kombu's Redis transport keeps a delivered, unacked message in an "unacked" hash and puts
    # it back once it is older than the visibility timeout (2 h in production, longer than any
    # hard limit). A worker runs that restore when it starts, then only every ~100 s, so the
    # test shortens the timeout and lets it pass before starting the second worker.
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "2")
    _check_declaration(SlowDemo)
    monkeypatch.setitem(REGISTRY, SLOW_KEY, SlowDemo)  # the web side must know it too
    client = Client()
    with celery_worker(queues="demos", log=tmp_path / "w1.log", include=WORKER_DEMOS) as worker:
        response = client.post(f"/demos/{SLOW_KEY}/runs/", {"steps": "40"})
        assert response.status_code == 303
        run = DemoRun.objects.get()
        wait_for(
            lambda: DemoRun.objects.filter(
                pk=run.pk, status="running", progress_done__gte=2
            ).exists(),
            timeout=RUN_TIMEOUT,
            interval=0.05,
            what="the worker to be mid-run",
        )
        os.killpg(worker.pid, signal.SIGKILL)  # parent and pool child together
        worker.wait(timeout=10)
    time.sleep(3)  # the unacked delivery is now past the 2 s visibility timeout
    run.refresh_from_db()
    assert run.status == "running" and run.attempts == 1 and run.finished_at is None
    assert 2 <= run.progress_done < run.progress_total
    dead_worker = run.worker

    with celery_worker(queues="demos", log=tmp_path / "w2.log", include=WORKER_DEMOS):
        wait_for(
            lambda: DemoRun.objects.filter(pk=run.pk, status__in=["succeeded", "failed"]).exists(),
            timeout=RUN_TIMEOUT + 30,
            interval=0.5,
            what="the redelivered run to finish",
        )
    run.refresh_from_db()
    log = (tmp_path / "w2.log").read_text(errors="replace")
    assert run.status == "succeeded", (run.error, log[-3000:])
    assert run.attempts == 2 and run.worker != dead_worker
    assert run.result["summary"] == {"steps": 40}


def test_concurrent_creates_make_exactly_one_run(services, monkeypatch):
    """Eight threads, eight connections, all past the lookup: the constraint picks one winner."""
    from demos import selectors
    from demos import services as demo_services
    from demos.tasks import demo_run_execute_task

    monkeypatch.setattr(demo_run_execute_task, "apply_async", lambda *a, **kw: None)
    real_lookup = selectors.demo_run_get_reusable
    local = threading.local()

    def lookup(**kw):
        # Every thread misses its first lookup, as if all clicked at the same instant.
        if not getattr(local, "missed", False):
            local.missed = True
            return None
        return real_lookup(**kw)

    monkeypatch.setattr(selectors, "demo_run_get_reusable", lookup)
    barrier = threading.Barrier(8)
    results, errors = [], []

    def click():
        try:
            barrier.wait(timeout=10)
            results.append(
                demo_services.demo_run_create(key=DEMO_KEY, size="smoke", params={"seed": 5})
            )
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len({run.pk for run, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert DemoRun.objects.count() == 1
