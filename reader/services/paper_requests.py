"""On-demand fetch of a paper a reader asked for: one fetch at a time, failures remembered.

A reader's page attaches to the pending fetch instead of queueing another. A fetch that ends
without the paper is remembered with its reason (arXiv unreachable, rate limited, not found,
an unusable answer); the next automatic try waits for a back-off that grows with each failed
attempt (2, 4, 8 ... minutes, at most an hour), unless the reader presses "Try again".
"""

import logging
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from reader.models import Paper, PaperRequest

logger = logging.getLogger(__name__)

PENDING_LOST_AFTER = timedelta(minutes=10)  # a fetch pending this long was lost: queue again
BACKOFF_FIRST = timedelta(minutes=2)
BACKOFF_MAX = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """Wait before the next automatic try after ``attempts`` failed fetches (2 min doubling)."""
    return min(BACKOFF_FIRST * 2 ** max(0, attempts - 1), BACKOFF_MAX)


def _enqueue(arxiv_id: str) -> None:
    from reader.tasks import paper_fetch_task

    # Low priority: on Redis 9 is the lowest step (0 is highest); the filesystem transport
    # and RabbitMQ queues without x-max-priority ignore it and keep FIFO order.
    transaction.on_commit(
        lambda: paper_fetch_task.apply_async(args=[arxiv_id], priority=9, queue="default")
    )


def _due(request: PaperRequest, now, retry: bool) -> bool:
    if request.status == "pending":
        return now - request.requested_at > PENDING_LOST_AFTER
    next_try = request.next_try_at or (request.finished_at or request.requested_at) + backoff(
        max(1, request.attempts)
    )
    return retry or now >= next_try


def paper_request(*, arxiv_id: str, retry: bool = False) -> PaperRequest:
    """Record that a reader wants ``arxiv_id``; queue a fetch unless one is pending or backing off.

    ``retry`` (the reader's "Try again" button) skips the back-off of a failed fetch.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            request, created = PaperRequest.objects.get_or_create(
                arxiv_id=arxiv_id, defaults={"requested_at": now}
            )
    except IntegrityError:  # a concurrent request won the race
        return PaperRequest.objects.get(arxiv_id=arxiv_id)
    if created:
        _enqueue(arxiv_id)
        return request
    if not _due(request, now, retry):
        return request
    # Only the request that flips the row queues the fetch; concurrent ones attach to it.
    flipped = PaperRequest.objects.filter(
        pk=request.pk, status=request.status, requested_at=request.requested_at
    ).update(status="pending", requested_at=now)
    if flipped:
        _enqueue(arxiv_id)
    request.refresh_from_db()
    return request


def failure_reason(messages: list[str]) -> str:
    """The reason code for a failed fetch, from the ingest report's failure messages."""
    text = " ".join(messages)
    if re.search(r"HTTP 429|retry after", text):
        return "rate_limited"
    if "ArxivUnavailable" in text or re.search(r"Connection|Timeout|timed out", text):
        return "unreachable"
    return "error"


def paper_fetch(*, arxiv_id: str, client=None) -> str:
    """Fetch one paper through the API; on failure remember why and when to try again."""
    from reader.services.ingest import papers_ingest_ids

    report = papers_ingest_ids(ids=[arxiv_id], client=client)
    if Paper.objects.filter(arxiv_id=arxiv_id).exists():
        PaperRequest.objects.filter(arxiv_id=arxiv_id).delete()
        logger.info("paper fetch %s: found", arxiv_id)
        return "found"
    messages = [f"{label}: {msg}" for label, msg in report.failures]
    status = "failed" if messages else "not_found"
    reason = failure_reason(messages) if messages else "not_found"
    now = timezone.now()
    with transaction.atomic():
        PaperRequest.objects.filter(arxiv_id=arxiv_id).update(
            status=status,
            reason=reason,
            error="; ".join(messages)[:2000],
            finished_at=now,
            attempts=F("attempts") + 1,
        )
        request = PaperRequest.objects.filter(arxiv_id=arxiv_id).first()
        if request is not None:
            request.next_try_at = now + backoff(request.attempts)
            request.save(update_fields=["next_try_at"])
    logger.info("paper fetch %s: %s (%s)", arxiv_id, status, reason)
    return status
