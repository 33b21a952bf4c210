"""Shared test fixtures: the ../shared corpora, CI strictness, and marker-based skips."""

import os
from pathlib import Path

import pytest

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


def pytest_collection_modifyitems(config, items):
    """GPU tests skip (visibly) where CUDA is absent, CI included: CI machines have no GPU."""
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if not gpu_items:
        return
    import torch

    if not torch.cuda.is_available():
        skip = pytest.mark.skip(reason="needs CUDA (run `make gpu-test` on a GPU machine)")
        for item in gpu_items:
            item.add_marker(skip)
