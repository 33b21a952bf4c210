"""Celery interface for FAQs: thin wrappers that call one service each.

faq_generate_task is routed to the `llm` queue (CELERY_TASK_ROUTES); its time limits come per
call from reader.faq.services.time_limits. It never retries by itself (the client already
retried); a lost worker's answer comes back through acks_late + reject_on_worker_lost, and the
poison guard fails it on the third start.
"""

import logging

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import TimeLimitExceeded

logger = logging.getLogger(__name__)


class FaqTask(DjangoTask):
    """Records a hard time-limit kill, which the killed pool child cannot record itself."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        if isinstance(exc, TimeLimitExceeded) and args:
            from reader.faq.services import faq_timed_out

            faq_timed_out(faq_id=int(args[0]))


@shared_task(
    base=FaqTask, bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def faq_generate_task(self, faq_id: int) -> None:
    """Generate one PaperFaq by id (the service records text, tokens, success and failure)."""
    from reader.faq.services import faq_generate

    logger.info("faq %s: start on %s", faq_id, self.request.hostname)
    faq_generate(faq_id=int(faq_id), worker=self.request.hostname or "")


@shared_task(ignore_result=True)
def faqs_fail_stale_task() -> int:
    """Beat job: fail answers whose worker vanished and queued ones nobody picked up."""
    from reader.faq.services import faqs_fail_stale

    return faqs_fail_stale()


@shared_task(ignore_result=True)
def faqs_pregenerate_task() -> int:
    """Beat job: queue the day's answers for LLM_PREGENERATE_CATEGORIES after the ingest."""
    from django.conf import settings

    from reader.faq.services import faqs_pregenerate

    return faqs_pregenerate(
        categories=settings.LLM_PREGENERATE_CATEGORIES, langs=settings.LLM_PREGENERATE_LANGS
    )
