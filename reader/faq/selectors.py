"""Reads for paper FAQs: the reusable answer, queue position, the polling payload, the budget."""

from datetime import UTC, date, datetime, time
from typing import Any

from django.conf import settings
from django.db.models import F, Max, Sum
from django.urls import reverse
from django.utils import timezone

from reader import page_cache
from reader.faq.prompt import LANG_NAMES, LANGS, PROMPT_VERSION
from reader.models import ListingEntry, Paper, PaperFaq

# The columns a poll needs (never the whole Markdown source).
_PAYLOAD_FIELDS = (
    "id",
    "paper_id",
    "version",
    "lang",
    "model",
    "prompt_version",
    "status",
    "html",
    "truncated",
    "finish_reason",
    "completion_tokens",
    "error",
    "created_at",
    "finished_at",
)


def faq_get(*, faq_id: int) -> PaperFaq | None:
    """One answer by primary key, or None."""
    return PaperFaq.objects.select_related("paper").filter(pk=faq_id).first()


def faq_get_reusable(
    *, paper: Paper, version: int, lang: str, model: str, prompt_version: int
) -> PaperFaq | None:
    """The queued, running or done answer for this exact key, or None."""
    return PaperFaq.objects.filter(
        paper=paper,
        version=version,
        lang=lang,
        model=model,
        prompt_version=prompt_version,
        status__in=PaperFaq.REUSABLE_STATUSES,
    ).first()


def faqs_queued_count() -> int:
    """Answers waiting for a worker."""
    return PaperFaq.objects.filter(status=PaperFaq.Status.QUEUED).count()


def faq_queue_position(*, faq: PaperFaq) -> int:
    """How many queued answers were created before this one (0: it is next)."""
    return PaperFaq.objects.filter(
        status=PaperFaq.Status.QUEUED, created_at__lt=faq.created_at
    ).count()


def faq_tokens_today(*, now: datetime | None = None) -> int:
    """Prompt + answer tokens of the answers started since midnight UTC (the daily budget)."""
    now = now or timezone.now()
    midnight = datetime.combine(now.astimezone(UTC).date(), time(), UTC)
    total = PaperFaq.objects.filter(started_at__gte=midnight).aggregate(
        n=Sum(F("prompt_tokens") + F("completion_tokens"))
    )["n"]
    return int(total or 0)


def faq_budget_spent() -> bool:
    """True when LLM_DAILY_TOKENS is set and today's answers used it up."""
    return bool(settings.LLM_DAILY_TOKENS) and faq_tokens_today() >= settings.LLM_DAILY_TOKENS


def faq_lang(raw: str | None) -> str:
    """A supported language code from a request parameter (English by default)."""
    return raw if raw in LANGS else "en"


def faq_current(*, paper: Paper, lang: str) -> PaperFaq | None:
    """The answer to show, in one query: this model and prompt on the latest version if it is
    queued, running or done; else the newest finished answer for an earlier version, model or
    prompt (it stays readable); else the newest failed attempt for the current key."""
    key = (paper.latest_version, settings.LLM_MODEL, PROMPT_VERSION)
    rows = list(
        PaperFaq.objects.filter(paper=paper, lang=lang)
        .order_by("-created_at")
        .only(*_PAYLOAD_FIELDS)[:20]
    )
    current = [r for r in rows if (r.version, r.model, r.prompt_version) == key]
    live = next((r for r in current if r.status in PaperFaq.REUSABLE_STATUSES), None)
    older = next((r for r in rows if r.status == PaperFaq.Status.DONE), None)
    return live or older or (current[0] if current else None)


def faq_payload(*, paper: Paper, faq: PaperFaq | None, lang: str) -> dict[str, Any]:
    """The polling JSON: {status, position, progress, html, truncated, model, ...}."""
    if faq is None:
        status = "off" if not settings.LLM_ENABLED else "none"
        if status == "none" and faq_budget_spent():
            status = "paused"
        return {
            "status": status,
            "position": None,
            "progress": 0.0,
            "html": "",
            "truncated": False,
            "model": settings.LLM_MODEL,
            "lang": lang,
        }
    current = (faq.version, faq.model, faq.prompt_version) == (
        paper.latest_version,
        settings.LLM_MODEL,
        PROMPT_VERSION,
    )
    progress = 1.0 if faq.status == PaperFaq.Status.DONE else 0.0
    if faq.status == PaperFaq.Status.RUNNING:
        progress = min(0.99, faq.completion_tokens / max(1, settings.LLM_MAX_TOKENS))
    return {
        "status": faq.status,
        "position": faq_queue_position(faq=faq) if faq.status == PaperFaq.Status.QUEUED else None,
        "progress": round(progress, 3),
        "tokens": faq.completion_tokens,
        "html": faq.html,
        "truncated": faq.truncated,
        "content_filter": faq.finish_reason == "content_filter",
        "model": faq.model,
        "lang": faq.lang,
        "version": faq.version,
        "current": current,
        "error": faq.error.strip().splitlines()[0] if faq.error.strip() else "",
        "finished_at": faq.finished_at.isoformat() if faq.finished_at else None,
    }


def faq_panel(*, paper: Paper, lang: str) -> dict[str, Any]:
    """Everything the paper page's FAQ section shows, for one language."""
    if not settings.LLM_ENABLED:
        return {"enabled": False}
    faq = faq_current(paper=paper, lang=lang)
    payload = faq_payload(paper=paper, faq=faq, lang=lang)
    if not (payload["status"] == PaperFaq.Status.DONE and payload["current"]):
        # A FAQ's state moves without a paper write (queued, running, the budget): a page
        # showing it is built per request. (Pages with the Generate form carry a CSRF token
        # and are never stored either.)
        page_cache.uncacheable()
    return {
        "enabled": True,
        "lang": lang,
        "answer_html": payload["html"],  # renderer output only (PaperFaq.html)
        "model_now": settings.LLM_MODEL,
        "latest_version": paper.latest_version,
        "langs": [(code, LANG_NAMES[code]) for code in LANGS],
        "faq": payload,
        "json_url": reverse("faq:json", kwargs={"arxiv_id": paper.arxiv_id}) + f"?lang={lang}",
        "post_url": reverse("faq:create", kwargs={"arxiv_id": paper.arxiv_id}),
    }


def faq_papers_for_day(*, categories: list[str], day: date | None = None) -> list[Paper]:
    """Papers listed in `categories` on `day` (the latest listed day when None)."""
    entries = ListingEntry.objects.filter(category__in=categories)
    if day is None:
        day = entries.aggregate(d=Max("issue_date"))["d"]
        if day is None:
            return []
    ids = entries.filter(issue_date=day).values("paper_id")
    return list(Paper.objects.filter(pk__in=ids).order_by("arxiv_id"))
