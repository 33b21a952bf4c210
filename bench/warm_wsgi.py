"""gunicorn entry for the page benchmark: the WSGI app, warmed, with per-request CPU time.

With ``--preload`` the master imports this before forking, so the URLconf (Django, the views
and the torch-free demo catalogue) is loaded once instead of on each worker's first request.
When BENCH_CPU_LOG is set, each request's CPU time (``time.process_time``; a sync worker runs
one request at a time) is appended there as "<epoch> <cpu ms>", from the call to the end of
the response's ``close()``: it includes what the app does after the last byte is sent (the
page cache writes its shared copy then), which gunicorn's request time does not. Unlike wall
time it does not grow when other processes compete for the two cores.
"""

import os
import time

from django.urls import get_resolver

from reader.wsgi import application as django_application

get_resolver().url_patterns  # noqa: B018  (the import is the point)

_LOG = os.environ.get("BENCH_CPU_LOG")
_files: dict[int, object] = {}


def _log_cpu(started: float) -> None:
    cpu_ms = (time.process_time() - started) * 1000
    pid = os.getpid()
    if pid not in _files:
        _files[pid] = open(f"{_LOG}.{pid}", "a", buffering=1)  # noqa: SIM115 (per worker)
    _files[pid].write(f"{time.time():.3f} {cpu_ms:.3f}\n")


class _Timed:
    """The app's response iterable; its CPU time is logged when the server closes it."""

    def __init__(self, result, started: float):
        self.result, self.started = result, started

    def __iter__(self):
        return iter(self.result)

    def close(self) -> None:
        try:
            if hasattr(self.result, "close"):
                self.result.close()
        finally:
            _log_cpu(self.started)


def application(environ, start_response):
    """The Django app, with the CPU time of the whole request logged (see module)."""
    if not _LOG:
        return django_application(environ, start_response)
    started = time.process_time()
    return _Timed(django_application(environ, start_response), started)
