"""Daily listing for a category expression: first 25 papers, then HTML fragments of 25."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reader import selectors
from reader.forms import ListingForm, form_errors
from reader.taxonomy import CategoryExpr
from reader.views.common import error_page, query_string
from reader.zotero import views as export_views


def listing(request: HttpRequest, cats: CategoryExpr) -> HttpResponse:
    """``/arxiv/<cats>[?date=&sort=&page=&fragment=1]``."""
    form = ListingForm(request.GET)
    if not form.is_valid():
        return error_page(
            request, status=400, title="Bad listing parameters", messages=form_errors(form)
        )
    params = form.cleaned_data
    fmt = export_views.export_format(request)
    if fmt:  # ?format=bib|ris|csl: the whole day as a citation file (Zotero issue)
        day, papers = selectors.paper_list_for_issue_export(expr=cats, day=params["date"])
        return export_views.export_response(fmt, papers, f"{cats.text}_{day}")
    fragment = params["fragment"]
    result = selectors.paper_list_for_issue(
        expr=cats,
        day=params["date"],
        sort=params["sort"],
        page=params["page"],
        neighbours=not fragment,
    )
    context = _listing_context(cats, result, params)
    template = "reader/_listing_batch.html" if fragment else "reader/listing.html"
    return render(request, template, context)


def _listing_context(cats: CategoryExpr, result: selectors.Listing, params: dict) -> dict:
    """Template context of a listing page or fragment: cards, paging and section links."""
    day = result.day.isoformat() if result.day else None
    return {
        "cats": cats,
        "fragment": params["fragment"],
        "listing": result,
        "sort": params["sort"],
        "rows": _rows(result),
        "first_index": (result.page - 1) * selectors.PAGE_SIZE,
        "shown": min(result.total, result.page * selectors.PAGE_SIZE),
        "next_query": query_string(date=day, sort=params["sort"], page=result.page + 1),
        "sort_queries": {s: query_string(date=day, sort=s) for s in selectors.SORTS},
        "section_titles": selectors.SECTION_TITLES,
        "section_links": [
            (
                s,
                selectors.SECTION_TITLES[s],
                result.counts[s],
                query_string(date=day, sort=params["sort"], page=result.section_pages[s]),
            )
            for s in selectors.SECTIONS
            if s in result.counts
        ],
    }


def _rows(result: selectors.Listing) -> list[dict]:
    """Cards with a flag where a new section starts (the template prints its heading)."""
    rows, previous = [], result.previous_section
    for section, paper in result.items:
        rows.append({"section": section, "paper": paper, "starts": section != previous})
        previous = section
    return rows
