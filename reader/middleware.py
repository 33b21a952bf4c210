"""Response headers and request checks every page shares.

- Content-Security-Policy: scripts only from our own origin, never inline (the last XSS layer).
- Unreadable request bodies are answered 400 with the site's page and one log line.
- Every 404 uses the site's page, in debug too (Django's debug 404 page otherwise).
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve

logger = logging.getLogger("reader.request")

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# What Django raises while reading a body it refuses: a form in another charset than UTF-8,
# multipart without a boundary, too many fields or bytes, a client that went away or fell
# silent mid-body (UnreadablePostError, a socket timeout: both OSError).
BODY_ERRORS = (BadRequest, MultiPartParserError, SuspiciousOperation, OSError)


class ContentSecurityPolicyMiddleware:
    """Adds the CSP header to every HTML response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response


class RequestBodyMiddleware:
    """Reads a POST body once, up front, and answers 400 when Django cannot parse it.

    Django raises on every read of such a body, and the CSRF check (also inside Django's
    400/500 handlers) reads it again, so without this one bad request logs a chain of
    tracebacks and answers 500. Placed before CsrfViewMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 - parsing is the point
            except BODY_ERRORS as exc:
                from reader.views.errors import bad_request

                logger.warning(
                    "400 %s %s: unreadable body (%s: %s)",
                    request.method,
                    request.path,
                    type(exc).__name__,
                    exc,
                )
                response = bad_request(request, exc)
                # This line says why; Django's own "Bad Request: /path" would be a second.
                response._has_been_logged = True
                return response
        return self.get_response(request)


class NotFoundPageMiddleware:
    """The site's 404 page for views that raise Http404 and, in debug, for unknown paths.

    With DEBUG off Django's handler404 (reader.views.errors.page_not_found) already answers;
    with it on Django shows its technical page, which a reader of `make run` should not meet.
    Placed after CommonMiddleware, whose APPEND_SLASH redirect still sees these 404s.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG:
            try:
                resolve(request.path_info)
            except Resolver404:
                from reader.views.errors import page_not_found

                return page_not_found(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        """Http404 from a view: the site's page, with the view's message when it gave one."""
        if isinstance(exception, Http404):
            from reader.views.errors import page_not_found

            return page_not_found(request, exception)
        return None
