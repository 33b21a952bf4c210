"""The demo rate limit and queue cap hold under real concurrent requests (issue 19.3).

Many threads POST at once to the threaded live server, each with its own parameters, as one
client. Before reader.ratelimit the database cache's read-then-write ``incr`` let 10-14 runs
through a limit of 10, and the queue cap, checked before the insert, reached 23 of 20.
Runs on SQLite here and on PostgreSQL (and the Redis cache) in the services tier.
"""

import os
import threading

import pytest
import requests
from django.core.management import call_command

from demos import services
from demos.models import DemoRun
from tests.demos.platform.conftest import FAKE_KEY
from tests.workers import require_services

THREADS = 16
CSRF = "c" * 32

TIERS = [
    pytest.param("database", id="database-cache"),
    pytest.param("services-database", id="postgresql", marks=pytest.mark.services),
    pytest.param("services-redis", id="postgresql-redis-cache", marks=pytest.mark.services),
]


@pytest.fixture
def tier(request, settings, transactional_db):
    """Production's cache for the tier: the database cache, or Redis for the services tier."""
    name = request.param
    if name.startswith("services"):
        require_services()
    if name == "services-redis":
        broker = os.environ["CELERY_BROKER_URL"]
        if not broker.startswith("redis"):
            pytest.skip("the Redis cache variant needs CELERY_BROKER_URL=redis://...")
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": broker}
        settings.CACHES = {"default": backend}
        from django.core.cache import cache

        cache.clear()
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "reader_cache",
            }
        }
        call_command("createcachetable", verbosity=0)
    return name


@pytest.fixture
def queued_only(monkeypatch):
    """Runs stay queued (no eager execution), so the queue cap sees every one of them."""
    monkeypatch.setattr(services, "_enqueue", lambda run: None)


def _burst(url: str, n: int = THREADS) -> list[int]:
    """n POSTs with distinct seeds released together; their status codes."""
    barrier = threading.Barrier(n)
    statuses: list[int] = [0] * n

    def post(i: int) -> None:
        data = {"size": "smoke", "seed": str(1000 + i), "csrfmiddlewaretoken": CSRF}
        barrier.wait()
        response = requests.post(
            f"{url}/demos/{FAKE_KEY}/runs/",
            data=data,
            cookies={"csrftoken": CSRF},
            headers={"Accept": "application/json"},
            allow_redirects=False,
            timeout=60,
        )
        statuses[i] = response.status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


@pytest.fixture
def one_window(monkeypatch):
    """Keep the burst inside one fixed one-minute window: a burst that straddles a minute
    boundary legitimately counts in two windows (up to twice the limit) on a loaded machine."""
    import types

    from reader import ratelimit

    middle = 1_700_000_000 - 1_700_000_000 % 60 + 30  # 30 s into a window
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: middle))


@pytest.mark.parametrize("tier", TIERS, indirect=True)
def test_rate_limit_holds_under_concurrent_requests(
    tier, live_server, settings, echo_demo, one_window
):
    settings.DEMOS_RUNS_PER_MINUTE = 10
    settings.DEMOS_MAX_QUEUED = 1000
    statuses = _burst(live_server.url)
    assert sorted(set(statuses)) == [303, 429], statuses
    assert statuses.count(303) == 10, statuses
    assert DemoRun.objects.filter(demo_key=FAKE_KEY).count() == 10


@pytest.mark.parametrize("tier", TIERS, indirect=True)
def test_queue_cap_holds_under_concurrent_requests(
    tier, live_server, settings, echo_demo, queued_only
):
    settings.DEMOS_RUNS_PER_MINUTE = 0  # no per-client limit: only the cap applies
    settings.DEMOS_MAX_QUEUED = 5
    statuses = _burst(live_server.url)
    assert statuses.count(303) == 5, statuses
    assert statuses.count(503) == THREADS - 5, statuses
    assert DemoRun.objects.filter(status=DemoRun.Status.QUEUED).count() == 5
