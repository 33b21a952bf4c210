"""Ingest from arXiv (RSS/Atom feeds, OAI-PMH, API) and from saved files, page by page.

Each response page is applied in its own transaction (``papers_upsert``), so a failure leaves
the database as it was before that page; the failure is recorded with the page's label and the
run carries on with the rest.
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reader import arxiv
from reader.arxiv.calendar import current_listing_date
from reader.arxiv.client import ArxivClient
from reader.models import FeedState, HarvestState
from reader.services.papers import papers_upsert
from reader.services.throttle import arxiv_slot

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]


@dataclass
class IngestReport:
    """Counts (new/updated/unchanged/skipped) and failures (label, message) of one run."""

    counts: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)
    # --new: categories whose feed and listing page both still show an old announcement.
    stale: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures

    def fail(self, label: str, error: BaseException | str) -> None:
        """Record one failed page, file or line."""
        message = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else error
        logger.warning("ingest failure at %s: %s", label, message)
        self.failures.append((label, message))

    def summary(self) -> str:
        """The one-line summary printed at the end of a command."""
        c = self.counts
        return (
            f"new {c['new']} / updated {c['updated']} / unchanged {c['unchanged']} / "
            f"skipped {c['skipped']} / failed {len(self.failures)}"
        )


def arxiv_client() -> ArxivClient:
    """A client configured from settings that spaces requests through the global slot."""
    contact = settings.ARXIV_CONTACT or "no contact configured"
    user_agent = f"paper-reader/0.1 (arXiv metadata reader; {contact})"
    return ArxivClient(
        api_url=settings.ARXIV_API_URL,
        oai_url=settings.ARXIV_OAI_URL,
        rss_url=settings.ARXIV_RSS_URL,
        list_url=settings.ARXIV_LIST_URL,
        user_agent=user_agent,
        slot=arxiv_slot,
        timeout=settings.ARXIV_TIMEOUT,
        backoff=settings.ARXIV_BACKOFF,
    )


def _apply_pages(
    pages: Iterator,
    report: IngestReport,
    *,
    what: str,
    listing_category: str | None = None,
    progress: Progress | None = None,
) -> list:
    """Apply each (label, raw, ParseResult) page in its own transaction; return the results."""
    results, label = [], what
    while True:
        try:
            label, _raw, result = next(pages)
        except StopIteration:
            return results
        except Exception as exc:  # a page that could not be fetched or parsed stops paging
            report.fail(f"{what} after {label}", exc)
            return results
        try:
            # the parsers own the feed's category and each entry's position
            category = listing_category or result.feed_category
            report.counts.update(papers_upsert(result.entries, listing_category=category))
            results.append(result)
        except Exception as exc:
            report.fail(label, exc)
        if progress:
            progress(len(result.entries))


STALE_FEED_RETRY_SECONDS = 1800  # arXiv's feeds have lagged for hours: look again in 30 minutes
STALE_FEED_TRIES = 5


def papers_ingest_new_daily(*, categories: Iterable[str], attempt: int = 0) -> IngestReport:
    """The evening ingest of today's announcements (beat, Sunday to Thursday).

    Categories whose feed and listing are still stale are queued again half an hour later,
    up to STALE_FEED_TRIES times in all.
    """
    report = papers_ingest_new(categories=categories)
    logger.info("daily ingest: %s", report.summary())
    if report.stale and attempt + 1 < STALE_FEED_TRIES:
        from reader.tasks import papers_ingest_new_task  # services -> tasks -> services

        papers_ingest_new_task.apply_async(
            kwargs={"categories": report.stale, "attempt": attempt + 1},
            countdown=STALE_FEED_RETRY_SECONDS,
        )
    return report


def papers_ingest_new(
    *,
    categories: Iterable[str],
    client: ArxivClient | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> IngestReport:
    """Today's announcements (new, cross, replacements) from the RSS feed of each category.

    A feed still dated as on the last fetch although a newer announcement is due (arXiv's
    feeds have lagged for hours) is stale: the category's /list/<cat>/new page is read
    instead. If that is old too (a holiday, or arXiv is late), the category is reported in
    ``report.stale`` and as a failure, so the caller can try again later.
    """
    client, report = client or arxiv_client(), IngestReport()
    expected = current_listing_date(now or timezone.now())
    for category in categories:
        results = _apply_pages(
            client.feed(category),
            report,
            what=f"feed {category}",
            listing_category=category,
            progress=progress,
        )
        day = max((r.announce_date for r in results if r.announce_date), default=None)
        state = FeedState.objects.filter(category=category).first()
        if state and day and day <= state.announce_date < expected:
            logger.warning(
                "feed %s still at %s (due: %s): reading the listing", category, day, expected
            )
            listing = _apply_pages(
                client.listing_new(category),
                report,
                what=f"listing {category}",
                listing_category=category,
                progress=progress,
            )
            day = max([day, *(r.announce_date for r in listing if r.announce_date)])
            if day <= state.announce_date:
                report.stale.append(category)
                report.fail(
                    f"feed {category}",
                    f"stale: the feed and the listing page still show the {day} announcement "
                    f"(the {expected} one is due); a holiday, or arXiv is late: try again later",
                )
        if day and (state is None or day > state.announce_date):
            FeedState.objects.update_or_create(category=category, defaults={"announce_date": day})
    return report


def papers_ingest_oai(
    *,
    categories: Iterable[str],
    since: str | None = None,
    client: ArxivClient | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Incremental OAI-PMH harvest; continues from the last stored responseDate per set."""
    client, report = client or arxiv_client(), IngestReport()
    for category in list(categories) or [""]:
        set_spec = arxiv.oai_set_for_category(category) if category else None
        state, _ = HarvestState.objects.get_or_create(set_spec=set_spec or "")
        from_date = since or (
            state.last_response_date.isoformat() if state.last_response_date else None
        )
        failed_before = len(report.failures)
        results = _apply_pages(
            client.oai_list_records(set_spec, from_date),
            report,
            what=f"oai {set_spec or 'all'}",
            progress=progress,
        )
        if len(report.failures) == failed_before and results and results[0].response_date:
            with transaction.atomic():
                state.last_response_date = results[0].response_date.date()
                state.save(update_fields=["last_response_date", "updated_at"])
    return report


def papers_ingest_ids(
    *, ids: Iterable[str], client: ArxivClient | None = None, progress: Progress | None = None
) -> IngestReport:
    """Specific papers through the API, batched."""
    client, report = client or arxiv_client(), IngestReport()
    wanted = []
    for raw in ids:
        try:
            wanted.append(arxiv.with_version(*arxiv.normalize_id(raw)))
        except arxiv.InvalidArxivId as exc:
            report.fail(raw, exc)
    if wanted:
        _apply_pages(client.api_ids(wanted), report, what="api ids", progress=progress)
    return report


def papers_ingest_query(
    *,
    query: str,
    max_results: int = 100,
    client: ArxivClient | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """An API search, paged."""
    client, report = client or arxiv_client(), IngestReport()
    _apply_pages(
        client.api_query(query, max_results), report, what=f"query {query!r}", progress=progress
    )
    return report


def papers_ingest_files(
    *, paths: Iterable[str | Path], progress: Progress | None = None
) -> IngestReport:
    """Saved responses in any supported format, detected from the content; one page per file."""
    report = IngestReport()
    for path in paths:
        try:
            data = Path(path).read_bytes()
            result = arxiv.parse_any(data)
        except Exception as exc:
            report.fail(str(path), exc)
            continue
        _apply_pages(iter([(str(path), data, result)]), report, what=str(path), progress=progress)
    return report
