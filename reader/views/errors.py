"""Site error pages for Django's handler400/404/500, safe on requests whose body cannot be read.

Django's default handlers are wrapped in ``requires_csrf_token``, which reads ``request.POST``
again; on a body Django refuses (a non-UTF-8 form, a multipart body without a boundary) that
read raises once more inside the handler and turns a 400 into a chain of 500s. These views
never touch the body.
"""

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError

from reader.views.common import error_page

logger = logging.getLogger(__name__)

PLAIN_500 = "<!doctype html><title>Server error (500)</title><h1>Server error</h1>"


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: the request itself was malformed."""
    return error_page(
        request,
        status=400,
        title="Bad request",
        messages="The server could not read this request. Check the link or form and try again.",
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 on the site's own page (also used in debug by NotFoundPageMiddleware)."""
    detail = exception.args[0] if exception is not None and exception.args else None
    if isinstance(detail, str) and detail:  # a view's own message ("no such demo")
        message = f"{detail[:1].upper()}{detail[1:]}: nothing at {request.path}."
    else:  # an unknown path (Resolver404 carries a dict of the patterns tried)
        message = f"There is no page at {request.path}."
    return error_page(request, status=404, title="Page not found", messages=message)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 on the site's page, or a plain page if even the template fails."""
    try:
        return error_page(
            request,
            status=500,
            title="Server error",
            messages="Something went wrong on our side; it has been logged.",
        )
    except Exception:  # the template or database may be what failed
        logger.exception("the 500 page itself failed")
        return HttpResponseServerError(PLAIN_500)
