"""Search page and search feed (``/search?q=``, ``/search/feed?q=``)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from reader import selectors
from reader.feeds import SearchFeed
from reader.forms import SearchForm, form_errors
from reader.search import QueryError, parse_query
from reader.views.common import error_page, query_string
from reader.zotero import views as export_views


def _parse(request: HttpRequest) -> tuple[SearchForm, object, HttpResponse | None]:
    form = SearchForm(request.GET)
    if not form.is_valid():
        return (
            form,
            None,
            error_page(
                request, status=400, title="Bad search parameters", messages=form_errors(form)
            ),
        )
    if not form.cleaned_data["q"]:
        return form, None, None
    try:
        return form, parse_query(form.cleaned_data["q"]), None
    except QueryError as exc:
        return (
            form,
            None,
            error_page(request, status=400, title="Cannot search for that", messages=str(exc)),
        )


def search(request: HttpRequest) -> HttpResponse:
    """Ranked results with highlighted matches, 25 per page (empty query: the help page)."""
    form, parsed, problem = _parse(request)
    if problem:
        return problem
    context = {"form": form, "q": form.cleaned_data.get("q", ""), "results": None}
    if parsed is not None:
        sort, page = form.cleaned_data["sort"], form.cleaned_data["page"]
        results = selectors.paper_list_for_query(parsed=parsed, sort=sort, page=page)
        fmt = export_views.export_format(request)
        if fmt:  # ?format=bib|ris|csl: this result page as a citation file (Zotero issue)
            return export_views.export_response(fmt, results.papers, f"search_page{page}")
        q = form.cleaned_data["q"]
        context.update(
            results=results,
            sort=sort,
            offset=(page - 1) * selectors.PAGE_SIZE,
            prev_query=query_string(q=q, sort=sort, page=page - 1) if page > 1 else None,
            next_query=(
                query_string(q=q, sort=sort, page=page + 1) if page < results.pages else None
            ),
            sort_queries={s: query_string(q=q, sort=s) for s in selectors.SEARCH_SORTS},
            feed_query=query_string(q=q),
        )
    return render(request, "reader/search.html", context)


def search_feed(request: HttpRequest) -> HttpResponse:
    """Atom feed of the newest papers matching ``q`` (keyword monitoring)."""
    form, parsed, problem = _parse(request)
    if problem:
        return problem
    if parsed is None:
        return error_page(
            request,
            status=400,
            title="Empty query",
            messages="A search feed needs a query: /search/feed?q=diffusion",
        )
    return SearchFeed(parsed)(request)


def arxiv_search(request: HttpRequest) -> HttpResponse:
    """Cool Papers' ``/arxiv/search?query=`` (browser extension) mapped onto ``/search?q=``."""
    q = request.GET.get("query") or request.GET.get("q") or ""
    return redirect(reverse("reader:search") + query_string(q=q[:2000]))
