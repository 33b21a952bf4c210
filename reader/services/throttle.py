"""The global arXiv request slot: one request at a time, >= ARXIV_MIN_INTERVAL s apart.

State lives in the single ``ArxivThrottle`` row, so the limit holds across processes and
machines that share the database. No transaction is held across a sleep or an HTTP call, and
a crashed holder's lease simply expires.
"""

import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reader.models import ArxivThrottle

logger = logging.getLogger(__name__)


def _locked_row() -> ArxivThrottle:
    row, _ = ArxivThrottle.objects.select_for_update().get_or_create(key="arxiv")
    return row


def arxiv_slot_acquire(*, holder: str, sleep=time.sleep) -> None:
    """Block until this holder owns the arXiv request lease."""
    lease = timedelta(seconds=settings.ARXIV_TIMEOUT + 30)
    while True:
        with transaction.atomic():
            row = _locked_row()
            now = timezone.now()
            lease_free = not row.holder or (row.lease_until is not None and row.lease_until <= now)
            time_free = row.next_free_at is None or row.next_free_at <= now
            if lease_free and time_free:
                row.holder, row.lease_until = holder, now + lease
                row.save(update_fields=["holder", "lease_until"])
                return
            waits = [0.05]
            if not time_free:
                waits.append((row.next_free_at - now).total_seconds())
        sleep(min(max(waits), 1.0))


def arxiv_slot_release(*, holder: str) -> None:
    """Release the lease and set the next free time to now + interval + jitter."""
    interval = settings.ARXIV_MIN_INTERVAL
    with transaction.atomic():
        row = _locked_row()
        if row.holder and row.holder != holder:
            logger.warning("arXiv slot released by %s but held by %s", holder, row.holder)
            return
        jitter = random.uniform(0, 0.25) if interval else 0.0
        row.holder, row.lease_until = "", None
        row.next_free_at = timezone.now() + timedelta(seconds=interval + jitter)
        row.save(update_fields=["holder", "lease_until", "next_free_at"])


@contextmanager
def arxiv_slot() -> Iterator[None]:
    """Context manager around one request to arXiv (the client's ``slot`` factory)."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    arxiv_slot_acquire(holder=holder)
    try:
        yield
    finally:
        arxiv_slot_release(holder=holder)
