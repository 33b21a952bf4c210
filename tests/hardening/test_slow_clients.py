"""The production server (gunicorn.conf.py) keeps serving readers while slow clients trickle
request bodies, and cuts off a body that stops arriving (issue 19.2). Raw sockets throughout.
"""

import os
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from tests.conftest import REPO_ROOT
from tests.hardening.rawhttp import raw_request

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SLOW_CLIENTS = 8
BODY_READ_TIMEOUT = 3
GET_DEMOS = "GET /demos/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close"


def _database_url() -> str:
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture
def production_server(tmp_path):
    """gunicorn -c gunicorn.conf.py on a free loopback port, DEBUG off; yields (url, log)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reader.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": _database_url(),
        "READER_DATA_DIR": str(tmp_path),
        "BIND": f"127.0.0.1:{port}",
        "BODY_READ_TIMEOUT": str(BODY_READ_TIMEOUT),
        "WEB_ACCESS_LOG": "",
        "PYTHONWARNINGS": "ignore",
    }
    log = tmp_path / "gunicorn.log"
    gunicorn = str(REPO_ROOT / ".venv" / "bin" / "gunicorn")
    if not os.path.exists(gunicorn):
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [gunicorn, "-c", "gunicorn.conf.py"], cwd=REPO_ROOT, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                if raw_request(url, GET_DEMOS)[0]:
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield url, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _slow_post(url: str) -> socket.socket:
    """Headers and 2 bytes of a 100-byte form body, then nothing."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    sock.sendall(
        b"POST /demos/diffusion.few_step_samplers/runs/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nse"
    )
    return sock


def test_slow_clients_do_not_delay_readers_and_are_cut_off(production_server):
    url, log = production_server
    slow = [_slow_post(url) for _ in range(SLOW_CLIENTS)]
    try:
        time.sleep(0.5)
        timings = []
        for _ in range(6):
            started = time.perf_counter()
            status, _ = raw_request(url, GET_DEMOS, timeout=10)
            timings.append(time.perf_counter() - started)
            assert status == 200
            time.sleep(0.2)
        # Blocked readers wait for gunicorn's worker timeout (the sync workers took 37.5 s);
        # the bound leaves room for a loaded CI machine. The 1-second figure is measured by
        # bench/bench_slow_clients.py, not here.
        assert max(timings) < 3.0, timings
        # A body that stopped arriving is answered 400 after BODY_READ_TIMEOUT, not held on to.
        slow[0].settimeout(BODY_READ_TIMEOUT + 15)
        answer = slow[0].recv(200)
        assert answer.startswith(b"HTTP/1.1 400"), answer
    finally:
        for sock in slow:
            sock.close()
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    assert "unreadable body" in text
