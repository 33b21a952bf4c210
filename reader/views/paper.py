"""Paper pages: one id, several ids, related papers; missing ids are fetched in the background."""

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from reader import ratelimit, selectors, services
from reader.arxiv import InvalidArxivId, normalize_id
from reader.converters import MAX_IDS
from reader.faq.selectors import faq_lang, faq_panel
from reader.models import PaperRequest
from reader.views.common import error_page
from reader.zotero import views as export_views

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 5
RETRIES_PER_MINUTE = 5  # "Try again" presses per client


def _request_missing(arxiv_id: str, retry: bool = False) -> PaperRequest | None:
    """Ask for a missing paper; its request row (status, reason, next try), None when the
    fetch queue is unavailable."""
    try:
        return services.paper_request(arxiv_id=arxiv_id, retry=retry)
    except Exception:  # a broker outage must not turn a page view into a 500
        logger.exception("paper request for %s could not be queued", arxiv_id)
        return None


def _state(request_row: PaperRequest | None) -> str:
    return request_row.status if request_row is not None else "unavailable"


def _normalize(raw_ids: list[str]) -> tuple[list[tuple[str, int | None]], str | None]:
    """Normalised (id, version) pairs, or an error message naming the bad id."""
    out = []
    for raw in raw_ids:
        try:
            out.append(normalize_id(raw))
        except InvalidArxivId as exc:
            return [], str(exc)
    return out, None


def papers(request: HttpRequest, ids: list[str]) -> HttpResponse:
    """``/arxiv/<id>`` (paper page) or ``/arxiv/<id1>,<id2>,...`` (several papers)."""
    if len(ids) > MAX_IDS:
        return error_page(
            request,
            status=400,
            title="Too many ids",
            messages=f"At most {MAX_IDS} ids fit on one page; got {len(ids)}.",
        )
    pairs, problem = _normalize(ids)
    if problem:
        return error_page(request, status=404, title="Not an arXiv id", messages=problem)
    canonical = ",".join(bare + (f"v{v}" if v else "") for bare, v in pairs)
    fmt = export_views.export_format(request)
    if fmt:  # ?format=bib|ris|csl: the stored papers as a citation file (Zotero issue)
        return export_views.ids_response(fmt, list(dict.fromkeys(b for b, _v in pairs)))
    if canonical != ",".join(ids):
        return redirect(reverse("reader:papers", args=[canonical]), permanent=True)
    if request.method == "POST":  # the "Try again" button of a failed fetch
        return _retry(request, pairs[0][0] if len(pairs) == 1 else None)
    if len(pairs) == 1:
        return _paper_page(request, *pairs[0])
    return _multi_page(request, list(dict.fromkeys(bare for bare, _v in pairs)))


def _retry(request: HttpRequest, arxiv_id: str | None) -> HttpResponse:
    """Queue a failed fetch again now (rate-limited per client), then show the page."""
    if arxiv_id is None or selectors.paper_get(arxiv_id=arxiv_id) is not None:
        return redirect(request.path, permanent=False)
    client = ratelimit.client_address(request)
    decision = ratelimit.hit("paper-retry", client, limit=RETRIES_PER_MINUTE, window_s=60)
    if not decision.allowed:
        response = error_page(
            request,
            status=429,
            title="Too many tries",
            messages=f"Please wait {decision.retry_after} s before trying again.",
        )
        response["Retry-After"] = str(decision.retry_after)
        return response
    _request_missing(arxiv_id, retry=True)
    response = HttpResponse(status=303)
    response["Location"] = request.path
    return response


def _paper_page(request: HttpRequest, arxiv_id: str, version: int | None) -> HttpResponse:
    paper = selectors.paper_get(arxiv_id=arxiv_id)
    if paper is None:
        request_row = _request_missing(arxiv_id)
        state = _state(request_row)
        if state == "not_found":
            return error_page(
                request,
                status=404,
                title="No such paper on arXiv",
                messages=f"arXiv has no paper with id {arxiv_id}.",
            )
        context = {
            "arxiv_id": arxiv_id,
            "state": state,
            "request_row": request_row,
            # A failed fetch waits for its back-off or the button: reloading would not help.
            "refresh": None if state == "failed" else REFRESH_SECONDS,
        }
        return render(
            request, "reader/pending.html", context, status=503 if state == "unavailable" else 200
        )
    context = {
        "paper": paper,
        "asked_version": version,
        "versions": selectors.paper_versions(paper=paper),
        "faq": faq_panel(paper=paper, lang=faq_lang(request.GET.get("lang"))),
    }
    return render(request, "reader/paper.html", context)


def _multi_page(request: HttpRequest, arxiv_ids: list[str]) -> HttpResponse:
    found = selectors.paper_list_for_ids(arxiv_ids=arxiv_ids)
    rows = []
    for arxiv_id in arxiv_ids:
        paper = found.get(arxiv_id)
        request_row = None if paper else _request_missing(arxiv_id)
        rows.append(
            {
                "arxiv_id": arxiv_id,
                "paper": paper,
                "state": None if paper else _state(request_row),
                "request_row": request_row,
            }
        )
    pending = any(r["state"] in ("pending", "unavailable") for r in rows)
    context = {
        "rows": rows,
        "count": len(found),
        "refresh": REFRESH_SECONDS if pending else None,
        "ids": ",".join(arxiv_ids),
    }
    return render(request, "reader/multi.html", context)


def related(request: HttpRequest, ids: list[str]) -> HttpResponse:
    """``/arxiv/<id>/related``: the paper's TF-IDF keywords as a BM25 query (no arXiv call)."""
    pairs, problem = _normalize(ids)
    if problem or len(pairs) != 1:
        return error_page(
            request,
            status=404,
            title="Not an arXiv id",
            messages=problem or "Related papers are for one paper at a time.",
        )
    paper = selectors.paper_get(arxiv_id=pairs[0][0])
    if paper is None:
        return error_page(
            request,
            status=404,
            title="Paper not in the database",
            messages=f"{pairs[0][0]} has not been retrieved yet.",
        )
    keywords, found = selectors.paper_related(paper=paper)
    context = {
        "paper": paper,
        "keywords": keywords,
        "related": found,
        "query": " OR ".join(keywords),
    }
    fragment = request.GET.get("fragment") == "1"
    return render(request, "reader/_related.html" if fragment else "reader/related.html", context)
