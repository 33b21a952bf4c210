"""A real ``celery worker`` process for the services tier (PostgreSQL + Redis).

Used by tests marked ``services``: the worker runs against the pytest-django test database,
so tests using it need ``transactional_db`` (rows must be committed for another process).
"""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import REPO_ROOT, skip_or_fail


def require_services() -> tuple[str, str]:
    """The PostgreSQL and Redis URLs, or skip (fail under CI=true) when they are not set."""
    db_url = os.environ.get("DATABASE_URL", "")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not db_url.startswith("postgres") or not broker.startswith(("redis", "amqp")):
        skip_or_fail(
            "services tier needs DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://... "
            "(run `make test-services`)"
        )
    return db_url, broker


def _test_database_url(db_url: str) -> str:
    from django.db import connection

    parts = urlsplit(db_url)
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@contextmanager
def celery_worker(
    queues: str = "default,demos",
    log: Path | None = None,
    include: str = "",
    broker: str | None = None,
):
    """Start a real worker on ``queues`` against the test database; yield the Popen.

    ``include`` names extra modules the worker imports (Celery's ``--include``), e.g. a
    test-only demo registered by tests.demos.platform.worker_demos. ``broker`` overrides
    CELERY_BROKER_URL for the worker (the RabbitMQ test).
    """
    db_url, default_broker = require_services()
    broker = broker or default_broker
    from reader.celery import app

    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(db_url),
        "CELERY_BROKER_URL": broker,
        "DJANGO_SETTINGS_MODULE": "reader.settings_test",
        "READER_TEST_REAL_CELERY": "1",
    }
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "reader",
        "worker",
        "-Q",
        queues,
        "--pool=prefork",
        "--concurrency=1",
        "--prefetch-multiplier=1",
        "-n",
        name,
        "-l",
        "info",
    ]
    if include:
        cmd += ["--include", include]
    out = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    old_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield proc
    finally:
        app.conf.task_always_eager = old_eager
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if log:
            out.close()


def purge_broker() -> None:
    """Drop queued messages left by earlier runs (Redis lists named after the queues)."""
    from reader.celery import app

    with app.connection_for_write() as conn:
        for queue in ("default", "demos"):
            try:
                conn.default_channel.queue_purge(queue)
            except Exception:  # queue does not exist yet
                pass


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.25, what: str = "condition"):
    """Poll ``predicate`` until truthy; fail the test with ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
