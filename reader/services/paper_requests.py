"""On-demand fetch of a paper a reader asked for: enqueue once, fetch in the background."""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from reader.models import Paper, PaperRequest

logger = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=10)


def paper_request(*, arxiv_id: str) -> PaperRequest:
    """Record that a reader wants ``arxiv_id`` and enqueue its fetch once (low priority).

    A pending request younger than RETRY_AFTER is not enqueued again; a failed or stale one is.
    """
    from reader.tasks import paper_fetch_task

    now = timezone.now()
    try:
        with transaction.atomic():
            request, created = PaperRequest.objects.get_or_create(
                arxiv_id=arxiv_id, defaults={"requested_at": now}
            )
    except IntegrityError:  # a concurrent request won the race
        return PaperRequest.objects.get(arxiv_id=arxiv_id)
    stale = request.status == "failed" or (
        request.status == "pending" and now - request.requested_at > RETRY_AFTER
    )
    if created or stale:
        PaperRequest.objects.filter(pk=request.pk).update(
            status="pending", requested_at=now, error=""
        )
        request.status = "pending"
        # Low priority: on Redis 9 is the lowest step (0 is highest); the filesystem transport
        # and RabbitMQ queues without x-max-priority ignore it and keep FIFO order.
        transaction.on_commit(
            lambda: paper_fetch_task.apply_async(args=[arxiv_id], priority=9, queue="default")
        )
    return request


def paper_fetch(*, arxiv_id: str, client=None) -> str:
    """Fetch one paper through the API; mark the request found, not found or failed."""
    from reader.services.ingest import papers_ingest_ids

    report = papers_ingest_ids(ids=[arxiv_id], client=client)
    found = Paper.objects.filter(arxiv_id=arxiv_id).exists()
    status = "found" if found else ("failed" if report.failures else "not_found")
    error = "; ".join(f"{label}: {msg}" for label, msg in report.failures)
    if found:
        PaperRequest.objects.filter(arxiv_id=arxiv_id).delete()
    else:
        PaperRequest.objects.filter(arxiv_id=arxiv_id).update(
            status=status, error=error[:2000], finished_at=timezone.now()
        )
    logger.info("paper fetch %s: %s", arxiv_id, status)
    return status
