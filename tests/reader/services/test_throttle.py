"""The arXiv slot spaces requests across separate processes sharing one database."""

import os
import subprocess
import sys
import time

import pytest

from reader.models import ArxivThrottle
from reader.services import arxiv_slot_acquire, arxiv_slot_release
from tests.conftest import REPO_ROOT

INTERVAL = 0.4
WORKER = """
import os, sys, time, django
django.setup()
from reader.services import arxiv_slot
for _ in range(3):
    with arxiv_slot():
        start = time.time()
        time.sleep(0.05)  # the "request"
        print(start, time.time(), flush=True)
"""


@pytest.mark.slow
def test_three_processes_never_overlap_and_keep_the_interval(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reader.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "READER_DATA_DIR": str(tmp_path),
        "ARXIV_MIN_INTERVAL": str(INTERVAL),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO_ROOT, env=env, check=True
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    spans = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        spans += [tuple(map(float, line.split())) for line in out.split("\n") if line]
    spans.sort()
    assert len(spans) == 9
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start - end >= INTERVAL - 0.01, spans  # one at a time, interval after the end


@pytest.mark.django_db
def test_expired_lease_of_a_crashed_holder_is_taken_over(settings):
    settings.ARXIV_MIN_INTERVAL = 0.0
    settings.ARXIV_TIMEOUT = -29.9  # lease = timeout + 30 s = 0.1 s
    arxiv_slot_acquire(holder="crashed")
    started = time.monotonic()
    arxiv_slot_acquire(holder="next", sleep=lambda s: time.sleep(min(s, 0.05)))
    assert time.monotonic() - started < 5
    assert ArxivThrottle.objects.get(key="arxiv").holder == "next"
    arxiv_slot_release(holder="next")
    assert ArxivThrottle.objects.get(key="arxiv").holder == ""
