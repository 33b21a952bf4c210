"""Per-client rate limits shared by demo runs and paper FAQs: the client's address, a counter.

Neutral ground so that `reader` and `demos` can both use it without importing each other.
Counts live in the Django cache (the database cache by default, Redis when REDIS_CACHE_URL is
set), so every web process shares them.
"""

import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


class RateLimited(Exception):
    """A client (or the deployment) went over a per-minute limit; retry after `retry_after` s."""

    def __init__(self, retry_after: int, what: str = "requests"):
        self.retry_after = retry_after
        super().__init__(f"too many {what}; retry in {retry_after} s")


def client_address(request: HttpRequest) -> str:
    """The client's address, for the per-client rate limits.

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


def window_count(*, scope: str, key: str) -> tuple[int, int]:
    """Count one hit for `key` in the current one-minute window: (count, seconds left)."""
    window = int(time.time() // 60)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # never store raw addresses
    name = f"{scope}:rate:{digest}:{window}"
    cache.add(name, 0, timeout=120)
    try:
        count = cache.incr(name)
    except ValueError:  # evicted between add and incr
        cache.set(name, 1, timeout=120)
        count = 1
    return count, 60 - int(time.time()) % 60


def rate_limit_hit(*, scope: str, client: str, limit: int) -> None:
    """Count one new job for `client` in a fixed one-minute window; raise when over `limit`."""
    if not client or limit <= 0:
        return
    count, left = window_count(scope=scope, key=client)
    if count > limit:
        raise RateLimited(retry_after=left, what=f"{scope} requests")
