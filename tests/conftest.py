"""Shared test fixtures: the ../shared corpora, CI strictness, marker-based skips, Chromium."""

import os
from pathlib import Path

import pytest

from tests.replay import Replay

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("READER_SHARED_DIR", REPO_ROOT.parent / "shared")).resolve()
IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Skip on a laptop; under CI=true a missing prerequisite is a failure, never a skip."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def shared_path(relpath: str) -> Path:
    """Path of a third-party corpus file under ../shared, skipping (or failing in CI) if absent."""
    path = SHARED_DIR / relpath
    if not path.exists():
        skip_or_fail(f"shared corpus not found: {path}")
    return path


@pytest.fixture
def shared_file():
    """Fixture form of shared_path(relpath)."""
    return shared_path


_LOOPBACK = ("127.", "::1", "localhost")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests never reach the internet: only loopback and Unix sockets may connect."""
    import socket

    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else ""
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(_LOOPBACK):
            raise RuntimeError(f"network access blocked in tests: {address!r}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True)
def _page_cache_per_test():
    """Each test starts with an empty page cache: the locmem cache outlives the test database,
    whose rows (and data versions) are rolled back after every test."""
    from django.conf import settings

    if not settings.configured:
        yield
        return
    from django.core.cache import caches

    from reader.page_cache import clear_local

    if "pages" in settings.CACHES:
        caches["pages"].clear()
    else:
        caches["default"].clear()
    clear_local()
    yield


def _skip_gpu_without_cuda(items) -> None:
    """GPU tests skip (visibly) where CUDA is absent, CI included: CI machines have no GPU."""
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items:
        return
    import torch

    if not torch.cuda.is_available():
        skip = pytest.mark.skip(reason="needs CUDA (run `make gpu-test` on a GPU machine)")
        for item in gpu_items:
            item.add_marker(skip)


# ---- one headless Chromium per session, shared by every browser test ----

CHROMIUM = Path(os.environ.get("READER_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = REPO_ROOT / "artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright's sync API keeps an event loop in the test thread; the ORM calls the tests make
# there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium chromium-driver)")
    if not (REPO_ROOT / "static/vendor/mathjax/tex-chtml.js").exists():
        skip_or_fail("static/vendor/mathjax/ is missing (run `make assets`)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _services_configured() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get(
        "CELERY_BROKER_URL", ""
    ).startswith(("redis", "amqp"))


def pytest_collection_modifyitems(config, items):
    """GPU skips; in CI's embedded-default tier the services tests are deselected, not
    skipped: they run (and must pass) in the PostgreSQL + Redis tier, where the URLs are set."""
    _skip_gpu_without_cuda(items)
    if not IN_CI or _services_configured():
        return
    kept = [item for item in items if not item.get_closest_marker("services")]
    deselected = [item for item in items if item.get_closest_marker("services")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture
def replay():
    """start(script) runs a Replay server; all are shut down after the test."""
    servers = []

    def start(script):
        server = Replay(script)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
