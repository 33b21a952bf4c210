"""Thin Celery wrappers around reader services (ids and JSON scalars only)."""

import logging

import requests
from celery import shared_task

from reader.arxiv import ArxivUnavailable

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(requests.ConnectionError, requests.Timeout, ArxivUnavailable),
    retry_backoff=60,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=5,
)
def papers_ingest_new_task(categories: list[str] | None = None, attempt: int = 0) -> str:
    """Ingest today's announcements (default: ARXIV_CATEGORIES); stale feeds come back later."""
    from django.conf import settings

    from reader.services.ingest import papers_ingest_new_daily

    categories = categories or settings.ARXIV_CATEGORIES
    return papers_ingest_new_daily(categories=categories, attempt=attempt).summary()


@shared_task
def papers_rerender_stale_task() -> int:
    """Queue the outdated renders in chunks, one task each, so every worker renders a share."""
    from reader.services.papers import papers_rerender_stale

    return papers_rerender_stale(render_chunk=papers_render_ids_task.delay, progress=False)


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
