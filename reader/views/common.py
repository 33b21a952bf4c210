"""Helpers shared by the page views: error pages and query strings."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def error_page(
    request: HttpRequest, *, status: int, title: str, messages: list[str] | str = ()
) -> HttpResponse:
    """A friendly error page (400, 404, 503) with the reasons spelled out."""
    if isinstance(messages, str):
        messages = [messages]
    context = {"status": status, "title": title, "reasons": list(messages)}
    return render(request, "reader/error.html", context, status=status)


def query_string(**params) -> str:
    """``?a=1&b=2`` from the parameters that are set (None, "" and defaults left out)."""
    items = {k: v for k, v in params.items() if v not in (None, "", "default", "relevance", 1)}
    return "?" + urlencode(items) if items else "?"
