"""A demo run is not stuck behind failing paper fetches under `make run` (issue 18).

Real `celery worker` processes, started as `manage.py serve_all` starts them (one per queue
group), on the embedded default: kombu's filesystem broker in a temporary folder and the
SQLite test database. arXiv is a loopback port nobody listens on, so each paper fetch spends
tens of seconds retrying; the demo run must finish meanwhile.
"""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection
from kombu import Connection

from demos.models import DemoRun
from demos.tasks import demo_run_execute_task
from reader.management.commands.serve_all import WORKER_GROUPS, worker_commands
from reader.models import PaperRequest
from reader.tasks import paper_fetch_task
from tests.conftest import REPO_ROOT
from tests.workers import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DEMO_KEY = "attention.kv_cache"  # a real catalogue demo; smoke takes about a second


def _broker(folder: Path) -> Connection:
    queue = folder / "celery" / "queue"
    return Connection(
        "filesystem://localhost/",
        transport_options={
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "processed_folder": str(folder / "celery" / "processed"),
            "control_folder": str(folder / "celery" / "control"),
            "store_processed": False,
        },
    )


@pytest.fixture
def workers(tmp_path):
    """serve_all's workers against the test database; yields the data folder."""
    if connection.vendor != "sqlite":
        pytest.skip("the embedded default (SQLite + filesystem broker) is what make run uses")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reader.settings",
        "DJANGO_DEBUG": "1",
        "READER_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "CELERY_BROKER_URL": "filesystem://localhost/",
        "ARXIV_API_URL": f"http://127.0.0.1:{closed}/api/query",
        "ARXIV_BACKOFF": "4",  # 4 + 8 + 16 + 32 s of retries per fetch
        "ARXIV_MIN_INTERVAL": "0",
        "PYTHONWARNINGS": "ignore",
    }
    logs, procs = [], []
    for name, cmd in worker_commands(WORKER_GROUPS).items():
        log = tmp_path / f"{name.replace(' ', '-')}.log"
        logs.append(log)
        with open(log, "wb") as out:
            procs.append(
                subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            )
    try:
        wait_for(
            lambda: all(" ready." in log.read_text(errors="replace") for log in logs),
            timeout=180,
            what="both workers ready",
        )
        yield tmp_path, logs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def not_eager():
    """Tasks go to the real workers, not run in this process (tests run them eagerly)."""
    from reader.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = old


def test_demo_run_finishes_while_paper_fetches_retry(workers, not_eager):
    from django.utils import timezone

    folder, logs = workers
    ids = ["2511.13720", "2511.13721", "2511.13722"]
    for arxiv_id in ids:  # what paper_request records; the fetches are sent below
        PaperRequest.objects.create(arxiv_id=arxiv_id, requested_at=timezone.now())
    from demos.base import cache_key, validate_params
    from demos.catalog import get

    demo = get(DEMO_KEY)
    params = validate_params(demo, {}, "smoke")
    run = DemoRun.objects.create(
        demo_key=DEMO_KEY,
        demo_version=demo.version,
        size="smoke",
        params=params,
        cache_key=cache_key(demo, params, "smoke"),
    )
    with _broker(folder) as conn:
        for arxiv_id in ids:
            paper_fetch_task.apply_async(args=[arxiv_id], queue="default", connection=conn)
        started = time.monotonic()
        demo_run_execute_task.apply_async(args=[str(run.id)], queue="demos", connection=conn)
    wait_for(
        lambda: DemoRun.objects.get(pk=run.pk).is_finished,
        timeout=120,
        what="the demo run (logs: " + ", ".join(str(p) for p in logs) + ")",
    )
    took = time.monotonic() - started
    assert DemoRun.objects.get(pk=run.pk).status == DemoRun.Status.SUCCEEDED
    # The first fetch alone retries for 60 s; on one shared worker the run would wait 3x that.
    still_pending = PaperRequest.objects.filter(status="pending").count()
    assert still_pending >= 2, (took, still_pending)
    assert took < 55, took
