"""Writes for paper FAQs: request (cache, attach, limits, enqueue), generate, fail, sweep.

The flow mirrors the demo runs (design/architecture.md §3.3): a click becomes at most one
PaperFaq per (paper, version, lang, model, prompt version); the Celery task on the `llm` queue
only calls faq_generate, which streams the answer into the row about every 0.5 s, rendered by
the renderer each time, so a poll is one indexed read.
"""

import logging
import time
import traceback
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from reader.faq import selectors
from reader.faq.client import Completion, LlmClient, LlmConfig, LlmError
from reader.faq.prompt import LANGS, PROMPT_VERSION, build_messages, html_to_text
from reader.faq.render import render_answer
from reader.models import Paper, PaperFaq
from reader.ratelimit import rate_limit_hit, window_count
from renderer import RENDERER_VERSION

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # the third start of the same answer is refused (poison guard)
FLUSH_INTERVAL_S = 0.5
STALE_MARGIN_S = 300
QUEUED_MAX_AGE = timedelta(days=1)
TRACEBACK_LINES = 20


class FaqDisabled(Exception):
    """LLM_BASE_URL / LLM_MODEL are not set: the feature is off."""


class FaqPaused(Exception):
    """The deployment spent LLM_DAILY_TOKENS today: nothing is queued until tomorrow (UTC)."""


class FaqQueueFull(Exception):
    """LLM_MAX_QUEUED answers are already waiting (503)."""


def time_limits() -> tuple[int, int]:
    """(soft, hard) Celery time limits: every retry's timeout plus a 5 tokens/s answer."""
    soft = int(60 + settings.LLM_TIMEOUT * (settings.LLM_MAX_RETRIES + 1))
    soft += settings.LLM_MAX_TOKENS // 5
    return soft, soft + 30


def llm_client(**kwargs: Any) -> LlmClient:
    """A client configured from settings, its requests spaced across the deployment."""
    if not settings.LLM_ENABLED:
        raise FaqDisabled("the FAQ is off: set LLM_BASE_URL and LLM_MODEL")
    config = LlmConfig(
        base_url=settings.LLM_BASE_URL,
        model=settings.LLM_MODEL,
        api_key=settings.LLM_API_KEY,
        timeout=settings.LLM_TIMEOUT,
        max_retries=settings.LLM_MAX_RETRIES,
        stream=settings.LLM_STREAM,
        stream_usage=settings.LLM_STREAM_USAGE,
    )
    return LlmClient(config, slot=llm_slot, **kwargs)


@contextmanager
def llm_slot(sleep=time.sleep):
    """Wait for a request slot under LLM_REQUESTS_PER_MINUTE (a counter shared in the cache)."""
    limit = settings.LLM_REQUESTS_PER_MINUTE
    while limit > 0:
        count, left = window_count(scope="llm", key="deployment")
        if count <= limit:
            break
        logger.info("LLM requests per minute reached (%d); waiting %d s", limit, left)
        sleep(left + 0.05)
    yield


def _enqueue(faq: PaperFaq) -> None:
    """Send the answer to the llm queue once the surrounding transaction commits."""
    from reader.faq.tasks import faq_generate_task

    soft, hard = time_limits()
    faq_generate_task.apply_async_on_commit(
        args=[faq.pk], queue="llm", soft_time_limit=soft, time_limit=hard
    )


def faq_request(
    *, paper: Paper, lang: str, client: str = "", enqueue: bool = True
) -> tuple[PaperFaq, bool]:
    """Return (faq, created): the live or finished answer for the paper's latest version, or a
    new queued one. Raises ValueError (lang), FaqDisabled, FaqPaused, RateLimited, FaqQueueFull.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    if not settings.LLM_ENABLED:
        raise FaqDisabled("the FAQ is off: set LLM_BASE_URL and LLM_MODEL")
    key = {
        "paper": paper,
        "version": paper.latest_version,
        "lang": lang,
        "model": settings.LLM_MODEL,
        "prompt_version": PROMPT_VERSION,
    }
    existing = selectors.faq_get_reusable(**key)
    if existing is not None:
        return existing, False
    if settings.LLM_DAILY_TOKENS and selectors.faq_tokens_today() >= settings.LLM_DAILY_TOKENS:
        raise FaqPaused("FAQ paused until tomorrow: today's token budget is spent")
    rate_limit_hit(scope="faq", client=client, limit=settings.LLM_FAQS_PER_MINUTE)
    if selectors.faqs_queued_count() >= settings.LLM_MAX_QUEUED:
        raise FaqQueueFull("the FAQ queue is full")
    faq = PaperFaq(**key)
    faq.full_clean(validate_constraints=False)  # the constraint itself settles races below
    try:
        with transaction.atomic():
            faq.save(force_insert=True)
            if enqueue:
                _enqueue(faq)
    except IntegrityError:
        winner = selectors.faq_get_reusable(**key)
        if winner is None:
            raise
        return winner, False
    logger.info("faq %s queued (%s v%s %s)", faq.pk, paper.arxiv_id, faq.version, lang)
    return faq, True


def faq_regenerate(*, faq: PaperFaq) -> PaperFaq:
    """Admin: drop this answer and queue a fresh one for the same key (no limits applied)."""
    key = {
        "paper_id": faq.paper_id,
        "version": faq.version,
        "lang": faq.lang,
        "model": faq.model,
        "prompt_version": faq.prompt_version,
    }
    with transaction.atomic():
        PaperFaq.objects.filter(pk=faq.pk).delete()
        fresh = PaperFaq(**key)
        fresh.save(force_insert=True)
        _enqueue(fresh)
    return fresh


class _StreamWriter:
    """Collects streamed pieces; writes text + rendered HTML to the row every FLUSH_INTERVAL_S."""

    def __init__(self, faq_id: int, clock=time.monotonic):
        self.faq_id = faq_id
        self.clock = clock
        self.parts: list[str] = []
        self.chunks = 0
        self.last_flush = clock()
        self.first_token_at = None

    def add(self, delta: str) -> None:
        self.parts.append(delta)
        self.chunks += 1
        if self.first_token_at is None:
            self.first_token_at = timezone.now()
        if self.clock() - self.last_flush >= FLUSH_INTERVAL_S:
            self.flush()

    def restart(self) -> None:
        self.parts.clear()
        self.chunks = 0
        self.flush()

    def flush(self) -> None:
        self.last_flush = self.clock()
        text = "".join(self.parts)
        self.parts[:] = [text] if text else []
        PaperFaq.objects.filter(pk=self.faq_id, status=PaperFaq.Status.RUNNING).update(
            markdown=text,
            html=render_answer(text),
            completion_tokens=self.chunks,
            first_token_at=self.first_token_at,
            updated_at=timezone.now(),
        )


def _start(*, faq_id: int, worker: str) -> PaperFaq | None:
    """Mark the answer running and count the attempt; None when there is nothing to do."""
    with transaction.atomic():
        faq = PaperFaq.objects.select_for_update().filter(pk=faq_id).first()
        if faq is None or faq.status not in PaperFaq.ACTIVE_STATUSES:
            logger.info("faq %s: nothing to do (%s)", faq_id, faq and faq.status)
            return None
        faq.attempts += 1
        faq.status = PaperFaq.Status.RUNNING
        faq.started_at = timezone.now()
        faq.worker = worker[:200]
        faq.markdown = faq.html = ""
        faq.save(
            update_fields=["attempts", "status", "started_at", "worker", "markdown", "html"]
            + ["updated_at"]
        )
    return faq


def _full_text(paper: Paper, version: int) -> str:
    """The paper's text from arXiv's HTML version (polite client), '' when there is none."""
    from reader.arxiv import ArxivUnavailable
    from reader.services.ingest import arxiv_client

    url = f"{settings.ARXIV_HTML_URL.rstrip('/')}/{paper.arxiv_id}v{version}"
    try:
        response = arxiv_client().get(url)
    except ArxivUnavailable as exc:
        logger.warning("faq full text for %s unavailable: %s", paper.arxiv_id, exc)
        return ""
    if response.status_code != 200 or "html" not in response.headers.get("Content-Type", ""):
        logger.info("faq: no HTML version of %s (HTTP %s)", paper.arxiv_id, response.status_code)
        return ""
    return html_to_text(response.content, budget=settings.LLM_FULL_TEXT_CHARS)


def faq_messages(*, paper: Paper, version: int, lang: str) -> tuple[list[dict], int]:
    """The prompt messages for one answer and the number of full-text characters in them."""
    text = _full_text(paper, version) if settings.LLM_FULL_TEXT else ""
    messages = build_messages(
        title=paper.title_plain or paper.title,
        authors=[a.get("name", "") if isinstance(a, dict) else str(a) for a in paper.authors],
        abstract=paper.abstract_plain or paper.abstract,
        categories=list(paper.categories or [paper.primary_category]),
        arxiv_id=paper.arxiv_id,
        version=version,
        lang=lang,
        full_text=text,
    )
    return messages, len(text)


def faq_generate(
    *, faq_id: int, worker: str = "", client: LlmClient | None = None
) -> PaperFaq | None:
    """Stream the answer for a queued (or redelivered) FAQ into its row; store result or error."""
    faq = _start(faq_id=faq_id, worker=worker)
    if faq is None:
        return None
    if faq.attempts > MAX_ATTEMPTS:
        # An answer that killed its worker twice would otherwise loop forever (acks_late).
        return faq_fail(faq=faq, error=f"worker lost twice on this answer (attempt {faq.attempts})")
    writer = _StreamWriter(faq.pk)
    try:
        messages, full_chars = faq_messages(paper=faq.paper, version=faq.version, lang=faq.lang)
        client = client or llm_client()
        result = client.complete(
            messages,
            max_tokens=settings.LLM_MAX_TOKENS,
            on_delta=writer.add,
            on_restart=writer.restart,
        )
    except SoftTimeLimitExceeded:
        return faq_fail(faq=faq, error=f"timed out after {time_limits()[0]} s")
    except (LlmError, FaqDisabled) as exc:
        return faq_fail(faq=faq, error=str(exc), completion_tokens=writer.chunks)
    except Exception as exc:
        tail = traceback.format_exc().strip().splitlines()[-TRACEBACK_LINES:]
        return faq_fail(faq=faq, error=f"{type(exc).__name__}: {exc}\n" + "\n".join(tail))
    return _finish(faq, result, messages, full_chars, writer)


def _finish(faq: PaperFaq, result: Completion, messages, full_chars: int, writer) -> PaperFaq:
    prompt_tokens = result.prompt_tokens or sum(len(m["content"]) for m in messages) // 4
    now = timezone.now()
    PaperFaq.objects.filter(pk=faq.pk, status=PaperFaq.Status.RUNNING).update(
        status=PaperFaq.Status.DONE,
        markdown=result.text,
        html=render_answer(result.text),
        renderer_version=RENDERER_VERSION,
        finish_reason=result.finish_reason[:32],
        truncated=result.truncated,
        prompt_tokens=prompt_tokens,
        completion_tokens=result.completion_tokens,
        full_text_chars=full_chars,
        first_token_at=writer.first_token_at or now,
        finished_at=now,
        updated_at=now,
    )
    logger.info(
        "faq %s done: %d tokens, finish %s", faq.pk, result.completion_tokens, result.finish_reason
    )
    return selectors.faq_get(faq_id=faq.pk)


def faq_fail(*, faq: PaperFaq, error: str, completion_tokens: int | None = None) -> PaperFaq:
    """Mark a queued or running answer failed with `error` (the first line is shown)."""
    now = timezone.now()
    fields: dict[str, Any] = {"status": PaperFaq.Status.FAILED, "error": error}
    if completion_tokens is not None:
        fields["completion_tokens"] = completion_tokens
    PaperFaq.objects.filter(pk=faq.pk, status__in=PaperFaq.ACTIVE_STATUSES).update(
        **fields, finished_at=now, updated_at=now
    )
    logger.warning("faq %s failed: %s", faq.pk, error.splitlines()[0] if error else "")
    faq.refresh_from_db()
    return faq


def faq_timed_out(*, faq_id: int) -> PaperFaq | None:
    """Fail an answer whose pool child was killed at the hard time limit (called by the task)."""
    faq = selectors.faq_get(faq_id=faq_id)
    if faq is None:
        return None
    return faq_fail(faq=faq, error=f"timed out: stopped at the hard limit of {time_limits()[1]} s")


def faqs_fail_stale(*, now: Any | None = None) -> int:
    """Fail running answers past their hard limit plus a margin, and queued ones over a day old."""
    now = now or timezone.now()
    hard = time_limits()[1] + STALE_MARGIN_S
    count = PaperFaq.objects.filter(
        status=PaperFaq.Status.RUNNING, started_at__lt=now - timedelta(seconds=hard)
    ).update(
        status=PaperFaq.Status.FAILED,
        error=f"worker lost: no answer {hard} s after it started",
        finished_at=now,
        updated_at=now,
    )
    count += PaperFaq.objects.filter(
        status=PaperFaq.Status.QUEUED, created_at__lt=now - QUEUED_MAX_AGE
    ).update(
        status=PaperFaq.Status.FAILED,
        error="never started: no worker picked this answer up within a day",
        finished_at=now,
        updated_at=now,
    )
    if count:
        logger.warning("failed %d stale FAQ answers", count)
    return count


def faqs_pregenerate(*, categories: list[str], day: Any | None = None, langs: list[str]) -> int:
    """Queue answers for the papers listed in `categories` on `day` (latest day when None)."""
    count = 0
    for paper in selectors.faq_papers_for_day(categories=categories, day=day):
        for lang in langs:
            try:
                _faq, created = faq_request(paper=paper, lang=lang)
            except (FaqPaused, FaqQueueFull) as exc:
                logger.warning("faq pre-generation stopped after %d: %s", count, exc)
                return count
            count += created
    return count
