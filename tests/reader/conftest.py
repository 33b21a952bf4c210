"""Fixtures shared by the reader tests."""

import pytest


@pytest.fixture
def enqueued(monkeypatch):
    """Record background paper fetches instead of running them (no network in tests)."""
    calls = []
    from reader import tasks

    monkeypatch.setattr(
        tasks.paper_fetch_task, "apply_async", lambda args, **kw: calls.append(args[0])
    )
    return calls
