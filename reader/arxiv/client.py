"""Polite HTTP client for arXiv's API, OAI-PMH and RSS endpoints (pure: requests, no Django).

Every request runs inside ``slot()``, a context manager supplied by the caller: the Django side
passes its database-backed global limiter, scripts get ``SpacingLimiter`` (one request at a
time, 3 s apart, this process only). One ``requests.Session`` keeps one connection; each call
has a timeout and a descriptive User-Agent. 503 honours Retry-After; connection errors,
timeouts and other 5xx are retried with exponential back-off and jitter, then raise
``ArxivUnavailable``. Methods are generators of ``(page_label, raw_bytes, ParseResult)`` so the
caller can apply each page in its own transaction and name the page that failed.
"""

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter

from reader.arxiv import (
    ArxivApiError,
    ArxivParseError,
    ArxivUnavailable,
    OaiError,
    ParseResult,
    normalize_id,
    parse_api,
    parse_listing,
    parse_oai,
    parse_rss,
)
from reader.arxiv.ids import with_version

__all__ = ["API_MAX_REACHABLE", "ArxivClient", "Page", "SpacingLimiter", "parse_retry_after"]

logger = logging.getLogger(__name__)

Page = tuple[str, bytes, ParseResult]
# A connection dropped mid-body surfaces as ChunkedEncodingError, not ConnectionError.
_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
# The API refuses start+max_results beyond 30000 (user manual §3.1.1).
API_MAX_REACHABLE = 30000


class SpacingLimiter:
    """In-process limiter: one request at a time, the next one `interval` s after the last ended."""

    def __init__(
        self,
        interval: float = 3.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_free = 0.0

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            wait = self._next_free - self._clock()
            if wait > 0:
                self._sleep(wait)
            try:
                yield
            finally:
                self._next_free = self._clock() + self.interval


_default_limiter = SpacingLimiter()


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class ArxivClient:
    """HTTP access to arXiv's API, OAI-PMH and RSS feeds, one polite request at a time."""

    def __init__(
        self,
        api_url: str,
        oai_url: str,
        rss_url: str,
        user_agent: str,
        slot: Callable[[], AbstractContextManager] | None = None,
        timeout: float = 30,
        max_retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        *,
        backoff: float = 3.0,
        max_retry_after: float = 600.0,
        empty_page_retries: int = 3,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
        list_url: str = "https://arxiv.org/list",
    ):
        if not user_agent or not user_agent.strip():
            raise ValueError("arXiv asks for a descriptive User-Agent (name, URL or e-mail)")
        self.api_url = api_url
        self.oai_url = oai_url
        self.rss_url = rss_url.rstrip("/")
        self.list_url = list_url.rstrip("/")
        self.user_agent = user_agent
        self.slot = slot or _default_limiter
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.empty_page_retries = empty_page_retries
        self.clock = clock
        self.rng = rng
        if session is None:
            session = requests.Session()
            # One connection at a time (arXiv terms of use); no urllib3-level retries.
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        session.headers["User-Agent"] = user_agent
        self.session = session
        self.last_response: requests.Response | None = None

    # ---- transport ----

    def get(self, url: str, params: dict[str, str | int] | None = None) -> requests.Response:
        """GET through the slot with retries; returns any non-5xx response (4xx included)."""
        last_error = "no attempt made"
        for attempt in range(self.max_retries + 1):
            retry_after = None
            try:
                with self.slot():
                    resp = self.session.get(
                        url,
                        params=params,
                        timeout=self.timeout,
                        headers={"User-Agent": self.user_agent},
                    )
            except _TRANSIENT as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            else:
                if resp.status_code < 500 and resp.status_code != 429:
                    self.last_response = resp
                    return resp
                retry_after = parse_retry_after(resp.headers.get("Retry-After"), self.clock())
                last_error = f"HTTP {resp.status_code}"
                if retry_after is not None and retry_after > self.max_retry_after:
                    # Too long to sleep inside one command: let the caller reschedule.
                    raise ArxivUnavailable(f"{url}: {last_error}", retry_after=retry_after)
            if attempt == self.max_retries:
                raise ArxivUnavailable(
                    f"{url}: {last_error} after {attempt + 1} attempts", retry_after=retry_after
                )
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            logger.warning("arXiv request failed (%s); retrying in %.1f s", last_error, delay)
            self.sleep(delay)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        """Exponential back-off with full jitter on top: 3, 6, 12, 24 s (+ up to one base)."""
        return self.backoff * (2**attempt) + self.backoff * self.rng()

    # ---- API ----

    def api_ids(self, ids: Iterable[str], batch: int = 100) -> Iterator[Page]:
        """Fetch papers by id through the API's id_list, `batch` ids per request."""
        wanted = []
        for raw in ids:
            wanted.append(with_version(*normalize_id(raw)))
        wanted = list(dict.fromkeys(wanted))
        for i in range(0, len(wanted), batch):
            chunk = wanted[i : i + batch]
            label = f"api id_list {chunk[0]}" + (
                f" .. {chunk[-1]} ({len(chunk)} ids)" if len(chunk) > 1 else ""
            )
            params = {"id_list": ",".join(chunk), "start": 0, "max_results": len(chunk)}
            raw, result = self._api_page(params, label)
            # Bad or unknown ids are dropped silently by arXiv (design/arxiv.md §3).
            got = {e["arxiv_id"] for e in result.entries}
            missing = [w for w in chunk if normalize_id(w)[0] not in got]
            if missing:
                logger.warning("%s: arXiv returned nothing for %s", label, ", ".join(missing))
            yield label, raw, result

    def api_query(
        self,
        query: str,
        max_results: int,
        page_size: int = 100,
        *,
        sort_by: str = "submittedDate",
        sort_order: str = "descending",
    ) -> Iterator[Page]:
        """Run an API search, paged, up to max_results entries (capped at 30000 reachable)."""
        limit = min(max_results, API_MAX_REACHABLE)
        start = 0
        while start < limit:
            n = min(page_size, limit - start)
            params = {
                "search_query": query,
                "start": start,
                "max_results": n,
                "sortBy": sort_by,
                "sortOrder": sort_order,
            }
            label = f"api query {query!r} start={start}"
            raw, result = self._api_page(params, label)
            for _ in range(self.empty_page_retries):
                # Sporadically empty pages mid-walk are a known API quirk; retry them.
                if result.entries or result.total_results is None or start >= result.total_results:
                    break
                raw, result = self._api_page(params, label)
            yield label, raw, result
            if not result.entries:
                if result.total_results is not None and start < result.total_results:
                    raise ArxivUnavailable(f"{label}: page still empty after retries")
                return
            start += len(result.entries)  # fewer than asked is possible; never skip any
            if result.total_results is not None and start >= result.total_results:
                return

    def _api_page(self, params: dict[str, str | int], label: str) -> tuple[bytes, ParseResult]:
        query = params.get("search_query") or f"id_list={params.get('id_list')}"
        resp = self.get(self.api_url, params)
        try:
            result = parse_api(resp.content)
        except ArxivApiError as exc:
            raise ArxivApiError(exc.detail, reason=exc.reason, query=str(query)) from None
        except ArxivParseError:
            if resp.status_code >= 400:
                raise ArxivApiError(f"HTTP {resp.status_code}", query=str(query)) from None
            raise
        if resp.status_code >= 400:
            raise ArxivApiError(f"HTTP {resp.status_code} ({label})", query=str(query))
        return resp.content, result

    # ---- OAI-PMH ----

    def oai_list_records(
        self,
        set_spec: str | None = None,
        from_date: date | str | None = None,
        metadata_prefix: str = "arXivRaw",
    ) -> Iterator[Page]:
        """Harvest ListRecords, following resumption tokens until the list is complete."""
        params: dict[str, str | int] = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
        if set_spec:
            params["set"] = set_spec
        if from_date:
            if isinstance(from_date, datetime):
                from_date = from_date.date()  # OAI granularity is YYYY-MM-DD; more is badArgument
            params["from"] = from_date.isoformat() if isinstance(from_date, date) else from_date
        label = f"oai ListRecords {metadata_prefix} set={set_spec or '*'} from={params.get('from', '*')}"
        seen_tokens: set[str] = set()
        page = 1
        while True:
            resp = self.get(self.oai_url, params)
            try:
                result = parse_oai(resp.content)
            except ArxivParseError:
                if resp.status_code >= 400:
                    raise OaiError(f"HTTP {resp.status_code}", f"{label} page {page}") from None
                raise
            yield f"{label} page {page}", resp.content, result
            token = result.resumption_token
            if not token:
                return
            if token in seen_tokens:
                raise ArxivParseError(f"{label}: resumptionToken {token!r} repeated")
            seen_tokens.add(token)
            # The token is exclusive: any other argument besides verb gets badArgument.
            params = {"verb": "ListRecords", "resumptionToken": token}
            page += 1

    # ---- RSS ----

    def listing_new(self, category: str) -> Iterator[Page]:
        """The /list/<category>/new page, all of it (the fallback for a stale RSS feed)."""
        url = f"{self.list_url}/{category}/new"
        resp = self.get(url, params={"skip": 0, "show": 2000})
        if resp.status_code >= 400:
            raise ArxivApiError(f"HTTP {resp.status_code}", query=f"list/{category}/new")
        yield f"listing {category}", resp.content, parse_listing(resp.content)

    def feed(self, category: str | Iterable[str]) -> Iterator[Page]:
        """Today's announcements for a category (or several, joined by '+') from the RSS feed."""
        cats = [category] if isinstance(category, str) else list(category)
        expr = "+".join(cats)
        url = f"{self.rss_url}/{expr}"
        resp = self.get(url)
        try:
            result = parse_rss(resp.content)
        except ArxivParseError:
            if resp.status_code >= 400:
                raise ArxivApiError(f"HTTP {resp.status_code}", query=expr) from None
            raise
        if resp.status_code >= 400:
            raise ArxivApiError(f"HTTP {resp.status_code}", query=expr)
        yield f"rss {expr}", resp.content, result
