"""Thin Celery wrappers around reader services (ids and JSON scalars only)."""

import logging

import requests
from celery import shared_task

from reader.arxiv import ArxivUnavailable

logger = logging.getLogger(__name__)


STALE_FEED_RETRY_SECONDS = 1800


@shared_task(
    bind=True,
    autoretry_for=(requests.ConnectionError, requests.Timeout, ArxivUnavailable),
    retry_backoff=60,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=5,
)
def papers_ingest_new_task(self, categories: list[str] | None = None) -> str:
    """Ingest today's announcements for ``categories`` (default: ARXIV_CATEGORIES); stale
    feeds are fetched again half an hour later."""
    from django.conf import settings

    from reader.services import papers_ingest_new

    report = papers_ingest_new(categories=categories or settings.ARXIV_CATEGORIES)
    logger.info("daily ingest: %s", report.summary())
    if report.stale and self.request.retries < self.max_retries:
        raise self.retry(args=[report.stale], countdown=STALE_FEED_RETRY_SECONDS)
    return report.summary()


RENDER_CHUNK = 1000


@shared_task
def papers_rerender_stale_task() -> int:
    """Queue the papers whose stored renderer version is outdated, in chunks, so that every
    worker on the default queue renders a share (a snapshot import leaves millions)."""
    from reader.services.papers import papers_stale_ids

    ids = papers_stale_ids()
    for start in range(0, len(ids), RENDER_CHUNK):
        papers_render_ids_task.delay(ids[start : start + RENDER_CHUNK])
    return len(ids)


@shared_task(acks_late=True)
def papers_render_ids_task(ids: list[int]) -> int:
    """Render one chunk of stale papers (rows rendered meanwhile are skipped)."""
    from reader.services.papers import papers_render_ids

    return papers_render_ids(ids)


@shared_task
def paper_fetch_task(arxiv_id: str) -> str:
    """Fetch one missing paper that a reader asked for (one try: the client retries transient
    errors itself, and a failure is remembered with its back-off on the PaperRequest row)."""
    from reader.services import paper_fetch

    return paper_fetch(arxiv_id=arxiv_id)


@shared_task
def papers_ingest_files_task(paths: list[str]) -> str:
    """Ingest saved arXiv responses (files readable by the worker) in the background."""
    from reader.services import papers_ingest_files

    report = papers_ingest_files(paths=paths)
    logger.info("file ingest: %s", report.summary())
    return report.summary()
