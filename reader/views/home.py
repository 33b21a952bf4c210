"""Home page and the "open" box (an id or a category expression typed into a form)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from reader import selectors
from reader.arxiv import InvalidArxivId, normalize_id, with_version
from reader.taxonomy import parse_category_expr
from reader.views.common import error_page


def home(request: HttpRequest) -> HttpResponse:
    """Categories grouped by archive with the latest day's counts, recent days, search box."""
    context = selectors.home_categories()
    # Recent days link to the union of the categories this site ingests.
    context["site_cats"] = ",".join(settings.ARXIV_CATEGORIES)
    return render(request, "reader/home.html", context)


def go(request: HttpRequest) -> HttpResponse:
    """Redirect ``?to=cs.AI+cs.LG`` or ``?to=2511.13720`` to its page."""
    text = request.GET.get("to", "").strip()[:500]
    try:
        return redirect(reverse("reader:papers", args=[with_version(*normalize_id(text))]))
    except InvalidArxivId:
        pass
    try:
        expr = parse_category_expr(text.replace(" ", "+"))
    except ValueError as exc:
        return error_page(
            request,
            status=400,
            title="Nothing to open",
            messages=[
                f"{text!r} is neither an arXiv id nor a category expression ({exc}).",
                "Try cs.LG, cs.AI,cs.CL, cs.AI+cs.LG-cs.CY or 2511.13720.",
            ],
        )
    return redirect(reverse("reader:listing", args=[expr.text]))


def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    """404 for ``/arxiv/<anything else>`` with the URL grammar spelled out."""
    return error_page(
        request,
        status=404,
        title="Not a category or an arXiv id",
        messages=[
            f"{rest!r} is neither a known category expression nor an arXiv id.",
            "Categories: /arxiv/cs.LG, /arxiv/cs.AI,cs.CL, /arxiv/cs.AI+cs.LG-cs.CY. "
            "Papers: /arxiv/2511.13720, /arxiv/hep-th/9901001, /arxiv/1706.03762,2511.13720.",
        ],
    )
