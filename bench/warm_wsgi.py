"""gunicorn entry for the page benchmark: the WSGI app with its URLconf imported up front.

With ``--preload`` the master imports this before forking, so the URLconf (which imports the
demo catalogue and torch, ~10 s) is loaded once instead of on each worker's first request.
"""

from django.urls import get_resolver

from reader.wsgi import application

get_resolver().url_patterns  # noqa: B018  (the import is the point)

__all__ = ["application"]
