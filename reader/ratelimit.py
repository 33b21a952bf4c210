"""Atomic rate limits and capacity checks shared by every process (web servers, workers).

A fixed-window counter per (scope, client): ``hit`` adds one and says whether the limit is
passed, in one atomic step on every backend, so concurrent requests can never slip past it
(a cache's ``incr`` on the database cache is a read then a write, and let 14 of 10 through).

- Redis (``CACHES["default"]`` is Django's RedisCache, i.e. ``REDIS_CACHE_URL`` is set):
  ``INCR`` + ``EXPIRE NX`` in one pipeline.
- Otherwise the database: one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` statement on
  the ``RateCounter`` row (SQLite >= 3.35 and PostgreSQL).

``exclusive(name)`` serialises check-then-insert sequences (a queue cap): a transaction that
holds a PostgreSQL advisory lock, or SQLite's write lock (settings use IMMEDIATE transactions).

Usage::

    decision = ratelimit.hit("faq", ratelimit.client_address(request), limit=5, window_s=60)
    if not decision.allowed:
        return 429 with Retry-After: decision.retry_after
"""

import hashlib
import ipaddress
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"


def client_address(request) -> str:
    """The client's address, for per-client limits.

    Behind N trusted proxies (TRUSTED_PROXY_COUNT) REMOTE_ADDR is the nearest proxy's address
    for everyone, so the client is the address N entries from the right of X-Forwarded-For:
    the one our outermost proxy saw. Entries left of it come from the client and are ignored
    (anyone can send them). A header too short or not an address falls back to REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if not hops:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < hops:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:
        return remote


@dataclass(frozen=True)
class Decision:
    """The outcome of one ``hit``: the count in this window and the seconds until it ends."""

    allowed: bool
    count: int
    limit: int
    retry_after: int


def _key(scope: str, client: str, window: int) -> str:
    digest = hashlib.sha256(client.encode()).hexdigest()[:32]  # never store raw addresses
    return f"rl:{scope}:{digest}:{window}"


def _count_redis(key: str, ttl: int) -> int:
    from django.core.cache import cache

    client = cache._cache.get_client(key, write=True)  # Django's RedisCache keeps redis-py here
    pipe = client.pipeline(transaction=True)
    pipe.incr(key)
    pipe.expire(key, ttl, nx=True)
    return int(pipe.execute()[0])


def _count_database(key: str, ttl: int) -> int:
    from reader.models import RateCounter

    q = connection.ops.quote_name
    table, k, n, exp = q(RateCounter._meta.db_table), q("key"), q("count"), q("expires_at")
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({k}, {n}, {exp}) VALUES (%s, 1, %s) "
            f"ON CONFLICT ({k}) DO UPDATE SET {n} = {table}.{n} + 1 RETURNING {n}",
            [key, now + timedelta(seconds=ttl)],
        )
        count = cursor.fetchone()[0]
    if count == 1:  # a new window for this client: drop the windows that have ended
        RateCounter.objects.filter(expires_at__lt=now).delete()
    return count


def _uses_redis() -> bool:
    return settings.CACHES["default"]["BACKEND"] == REDIS_BACKEND


def hit(scope: str, client: str, *, limit: int, window_s: int = 60) -> Decision:
    """Count one event for ``client`` in the current window of ``scope``; atomic everywhere.

    ``limit <= 0`` or an empty client means no limit (nothing is counted).
    """
    now = time.time()
    retry_after = max(1, window_s - int(now) % window_s)
    if limit <= 0 or not client:
        return Decision(True, 0, limit, retry_after)
    key = _key(scope, client, int(now // window_s))
    ttl = 2 * window_s
    count = _count_redis(key, ttl) if _uses_redis() else _count_database(key, ttl)
    return Decision(count <= limit, count, limit, retry_after)


class RateLimited(Exception):
    """A client went over a per-minute limit; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int, what: str = "requests"):
        self.retry_after = retry_after
        super().__init__(f"too many {what}; retry in {retry_after} s")


def window_count(*, scope: str, key: str) -> tuple[int, int]:
    """Count one hit for ``key`` in the current one-minute window: (count, seconds left)."""
    decision = hit(scope, key, limit=2**31, window_s=60)
    return decision.count, decision.retry_after


def rate_limit_hit(*, scope: str, client: str, limit: int) -> None:
    """Count one event for ``client`` in a one-minute window; raise RateLimited over ``limit``."""
    decision = hit(scope, client, limit=limit, window_s=60)
    if not decision.allowed:
        raise RateLimited(retry_after=decision.retry_after, what=f"{scope} requests")


def _lock_id(name: str) -> int:
    """A stable signed 64-bit id for a PostgreSQL advisory lock."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def exclusive(name: str) -> Iterator[None]:
    """A transaction that no other ``exclusive(name)`` runs beside, in any process."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(name)])
        # SQLite: the settings' IMMEDIATE transactions take the database's write lock at BEGIN.
        yield
