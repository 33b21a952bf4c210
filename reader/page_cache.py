"""Whole-page cache for anonymous readers, invalidated precisely by data versions.

Listing, paper, multi-id, home and feed responses are stored in Django's cache (alias
``pages`` when configured, else ``default``) under the full URL, the renderer version and a
digest of the templates. Each entry remembers the data versions it was built from: the
selectors it read declare their scopes (``depends_on``), and the token of each scope is read
*before* its data, so a write that lands mid-render leaves a newer token and the entry is
never served. On every hit the tokens are read again (one indexed query on ``PageVersion``)
and the entry is used only if all still match. Services replace the tokens of what they
change (``versions_bump``) inside the same transaction as the write, so the very next
request after an ingest, a re-render or a note sees the new data. A renderer upgrade or a
template change yields new keys: everything is rebuilt.

Responses carry ``ETag`` (digest of the body) and ``Last-Modified`` (when it was built) with
``Cache-Control: no-cache``, so browsers revalidate and get 304 while nothing changed.
"""

import functools
import hashlib
import logging
import secrets
import time
import zlib
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

import renderer

logger = logging.getLogger(__name__)

DAYS = "days"
# Set once per database by migration 0007: a cache that outlives its database (Redis beside a
# restored or new one) never serves the old database's pages, although unset scopes read 0.
EPOCH = "epoch"
PAPER_BUCKETS = 65536  # a paper write invalidates its page and ~1/65536 of the others
_UNCACHEABLE = "-"  # collector marker: the page shows something no scope covers
_STORED_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language")
_collector: ContextVar[dict | None] = ContextVar("page_cache_collector", default=None)


def day_scope(day) -> str:
    """Scope of the papers listed on one announcement day (a date or an ISO string)."""
    return f"day:{str(day)[:10]}"


def paper_scope(arxiv_id: str) -> str:
    """Scope of one paper's page: a hash bucket of the bare id, so the table stays small."""
    return f"paper:{zlib.crc32(arxiv_id.encode()) % PAPER_BUCKETS}"


# ---- reads: declared by the selectors while a cached view runs ----


def _tokens(scopes: Iterable[str]) -> dict[str, int]:
    """Current token of each scope (0 for a scope that has none yet)."""
    scopes = list(scopes)
    found: dict[str, int] = {}
    from reader.models import PageVersion

    table = connection.ops.quote_name(PageVersion._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(scopes), 500):
            chunk = scopes[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT scope, token FROM {table} WHERE scope IN ({marks})", chunk)
            found.update(cursor.fetchall())
    return {s: found.get(s, 0) for s in scopes}


def depends_on(*scopes: str) -> None:
    """Record that the page being built reads data in these scopes (call before reading it)."""
    collected = _collector.get()
    if collected is None:
        return  # not inside a cached view: nothing to record
    new = [s for s in scopes if s not in collected]
    if new:
        if EPOCH not in collected:
            new.append(EPOCH)
        collected.update(_tokens(new))


def uncacheable() -> None:
    """The page being built shows state no scope covers (a paper still being fetched)."""
    collected = _collector.get()
    if collected is not None:
        collected[_UNCACHEABLE] = 1


# ---- writes: called by the services inside their transaction ----


def versions_bump(scopes: Iterable[str]) -> None:
    """Give each scope a new token, in the caller's transaction (cached pages go stale)."""
    from reader.models import PageVersion

    # Sorted, so two writers bumping overlapping scopes lock rows in the same order. A raw
    # upsert: a render chunk bumps about a thousand scopes, and Django's bulk_create built
    # model instances and SQL for them at a tenth of the chunk's cost.
    rows = [(s, secrets.randbits(62)) for s in sorted(set(scopes))]
    if not rows:
        return
    table = connection.ops.quote_name(PageVersion._meta.db_table)
    sql = (
        f"INSERT INTO {table} (scope, token) VALUES (%s, %s) "
        "ON CONFLICT (scope) DO UPDATE SET token = excluded.token"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# ---- the view wrapper ----


@functools.cache
def _code_digest() -> str:
    """Renderer version and template contents: a deploy that changes either gets new keys."""
    digest = hashlib.sha256(renderer.RENDERER_VERSION.encode())
    root = Path(settings.BASE_DIR)
    for folder in ("reader/templates", "demos/templates"):
        for path in sorted((root / folder).rglob("*.html")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _cache():
    return caches["pages" if "pages" in settings.CACHES else "default"]


# In front of the shared cache, each process keeps its recent pages: a database cache spends
# more on reading and decoding a 150 KB row than the rest of a hit. Safe because every entry
# is checked against the data versions in the database, wherever it was found.
_local = LocMemCache("reader-pages-local", {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 300}})


def clear_local() -> None:
    """Empty this process's copy (tests; the shared cache has its own clear())."""
    _local.clear()


def _fresh(entry: dict | None) -> bool:
    return entry is not None and _tokens(entry["deps"]) == entry["deps"]


def _lookup(key: str) -> dict | None:
    """A still-valid entry from this process's copy, else from the shared cache, else None."""
    local = _local.get(key)
    if _fresh(local):
        return local
    entry = _quietly(_cache().get, key)  # another process may have rebuilt it already
    if entry is None or (local is not None and entry["deps"] == local["deps"]):
        return None  # nothing there, or the copy just found stale
    if not _fresh(entry):
        return None
    _local.set(key, entry, settings.PAGE_CACHE_SECONDS)
    return entry


def _anonymous(request: HttpRequest) -> bool:
    # Cookies, not request.user: looking at the user would load the session on every hit.
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _key(request: HttpRequest) -> str:
    url = request.build_absolute_uri().encode("utf-8", "surrogateescape")
    # Settings that change what a page shows are part of the key: turning the FAQ on (or the
    # model) must not serve pages built without it.
    config = f"{getattr(settings, 'LLM_ENABLED', False)}:{getattr(settings, 'LLM_MODEL', '')}"
    return f"page:{_code_digest()}:{config}:{hashlib.sha256(url).hexdigest()}"


def _respond(request: HttpRequest, entry: dict, response: HttpResponse | None = None):
    if response is None:
        response = HttpResponse(entry["body"], status=entry["status"])
        for name, value in entry["headers"].items():
            response.headers[name] = value
    response.headers["ETag"] = entry["etag"]
    response.headers["Last-Modified"] = http_date(entry["built"])
    patch_cache_control(response, no_cache=True)
    return get_conditional_response(
        request, etag=entry["etag"], last_modified=entry["built"], response=response
    )


def _storable(request: HttpRequest, response: HttpResponse, collected: dict) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and bool(collected)
        and _UNCACHEABLE not in collected
        and not response.cookies
        # a page with a CSRF token (the demo Run form) belongs to one visitor
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def _quietly(fn: Callable, *args):
    """A cache outage must cost speed, never a 500."""
    try:
        return fn(*args)
    except Exception:
        logger.warning("page cache unavailable", exc_info=True)
        return None


def cached_page(view: Callable) -> Callable:
    """Serve the view's 200 responses for anonymous GETs from the page cache (see module)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        seconds = settings.PAGE_CACHE_SECONDS
        if request.method not in ("GET", "HEAD") or not seconds or not _anonymous(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        entry = _lookup(key)
        if entry is not None:
            return _respond(request, entry)
        collected: dict = {}
        reset = _collector.set(collected)
        try:
            response = view(request, *args, **kwargs)
        finally:
            _collector.reset(reset)
        if not _storable(request, response, collected):
            return response
        body = response.content
        entry = {
            "deps": collected,
            "body": body,
            "status": response.status_code,
            "headers": {h: response.headers[h] for h in _STORED_HEADERS if h in response.headers},
            "etag": '"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            "built": int(time.time()),
        }
        _local.set(key, entry, seconds)
        # The shared copy is written once the response has gone out (WSGI calls close() after
        # the last byte): on a database cache the write (COUNT(*), BEGIN IMMEDIATE, select,
        # insert) takes about 0.55 ms of CPU and waits for the lock while another worker
        # writes, and the reader who missed should not wait for it.
        answer = _respond(request, entry, response)  # the page, or a 304 built for it
        answer._resource_closers.append(lambda: _quietly(_cache().set, key, entry, seconds))
        return answer

    return wrapper
