"""Production web server settings: `make serve-prod` (gunicorn -c gunicorn.conf.py).

Threaded workers (gthread): a client that sends its headers or body slowly holds one thread,
not a whole worker, and gunicorn's own poller waits for headers without holding any. A body
that stops arriving is cut off after BODY_READ_TIMEOUT seconds of silence (400). 8 slow
clients trickling bodies leave the other threads serving readers at full speed
(bench/bench_slow_clients.py; numbers in README "Deployment"). In front of the internet, still
put a buffering reverse proxy (docs/deployment.md): it absorbs slow clients entirely.

Every value can be set from the environment.
"""

import os

wsgi_app = "reader.wsgi:application"
bind = os.environ.get("BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "16"))
# The arbiter restarts a worker whose main loop is silent this long; gthread's loop stays
# responsive while threads wait on clients, so this only catches a truly stuck worker.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Request line and headers: gunicorn's limits, stated here so they are visible.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Recycle workers now and then (slow leaks); jitter keeps them from restarting together.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
control_socket_disable = True

BODY_READ_TIMEOUT = float(os.environ.get("BODY_READ_TIMEOUT", "10"))


def pre_request(worker, req):
    """Bound each read of the request body: a client silent that long gets a 400 and is closed.

    The socket is blocking in the worker thread (no timeout); Django then sees the timeout as
    an unreadable body (reader.middleware.RequestBodyMiddleware answers 400). gthread sets the
    socket back to non-blocking when the connection returns to its poller.
    """
    sock = getattr(req.unreader, "sock", None)
    if sock is not None:
        sock.settimeout(BODY_READ_TIMEOUT)
