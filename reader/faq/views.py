"""FAQ endpoints: the polling JSON and the POST that creates or attaches to an answer.

Views parse the request, call one selector or service and map domain exceptions to answers
(400, 404, 429, 503); readers never see a stack trace. Without JavaScript the POST redirects
back to the paper page's #faq section, which shows the state and refreshes while it is live.
"""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from reader import selectors as reader_selectors
from reader.arxiv import InvalidArxivId, normalize_id
from reader.faq import selectors, services
from reader.models import Paper
from reader.ratelimit import RateLimited, client_address
from reader.views.common import error_page


def _paper(arxiv_id: str) -> tuple[Paper | None, str]:
    """The stored paper for an id in the URL, or None with the reason."""
    try:
        bare, _version = normalize_id(arxiv_id)
    except InvalidArxivId as exc:
        return None, str(exc)
    paper = reader_selectors.paper_get(arxiv_id=bare)
    return paper, "" if paper else f"{bare} has not been retrieved yet"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@ensure_csrf_cookie  # the listing's inline [FAQ] panel posts with the cookie's token
@require_GET
def faq_json(request: HttpRequest, arxiv_id: str) -> JsonResponse:
    """``/arxiv/<id>/faq.json?lang=en``: {status, position, progress, html, truncated, model}."""
    paper, problem = _paper(arxiv_id)
    if paper is None:
        return JsonResponse({"error": problem}, status=404)
    lang = selectors.faq_lang(request.GET.get("lang"))
    faq = selectors.faq_current(paper=paper, lang=lang)
    return JsonResponse(selectors.faq_payload(paper=paper, faq=faq, lang=lang))


def _refusal(request: HttpRequest, status: int, reason: str, message: str, retry: int = 0):
    if _wants_json(request):
        response = JsonResponse({"error": reason, "message": message}, status=status)
    else:
        response = error_page(request, status=status, title="FAQ not queued", messages=message)
    if retry:
        response["Retry-After"] = str(retry)
    return response


@require_POST
def faq_create(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """``POST /arxiv/<id>/faq`` (field ``lang``): create or attach, then the state (JSON) or
    a 303 back to the paper page's FAQ section."""
    paper, problem = _paper(arxiv_id)
    if paper is None:
        if _wants_json(request):
            return JsonResponse({"error": "not_found", "message": problem}, status=404)
        return error_page(request, status=404, title="No such paper", messages=problem)
    raw_lang = request.POST.get("lang", "en")
    if raw_lang not in ("en", "zh"):
        message = f"lang must be en or zh, not {raw_lang[:20]!r}"
        return _refusal(request, 400, "bad_lang", message)
    try:
        faq, _created = services.faq_request(
            paper=paper, lang=raw_lang, client=client_address(request)
        )
    except services.FaqDisabled as exc:
        return _refusal(request, 503, "off", str(exc))
    except services.FaqPaused:
        message = "FAQ paused until tomorrow: today's budget for the language model is spent."
        return _refusal(request, 503, "paused", message, retry=3600)
    except RateLimited as exc:
        message = f"Too many FAQ requests from your address; try again in {exc.retry_after} s."
        return _refusal(request, 429, "rate_limited", message, exc.retry_after)
    except services.FaqQueueFull:
        message = "The FAQ queue is full; try again in a minute."
        return _refusal(request, 503, "busy", message, retry=60)
    if _wants_json(request):
        return JsonResponse(selectors.faq_payload(paper=paper, faq=faq, lang=raw_lang))
    url = reverse("reader:papers", args=[paper.arxiv_id])
    query = "?" + urlencode({"lang": raw_lang}) if raw_lang != "en" else ""
    return redirect(f"{url}{query}#faq", permanent=False)
