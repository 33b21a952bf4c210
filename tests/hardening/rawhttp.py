"""A raw HTTP/1.1 client over a socket: requests no HTTP library would send."""

import logging
import socket
from contextlib import contextmanager
from io import StringIO
from urllib.parse import urlsplit


def raw_request(url: str, head: str, body: bytes = b"", timeout: float = 20) -> tuple[int, bytes]:
    """Send ``head`` (request line + headers, no blank line) and ``body``; return (status, raw)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head.rstrip("\r\n").encode("latin-1") + b"\r\n\r\n" + body)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


@contextmanager
def site_log():
    """Capture what the site's own console handler (settings.LOGGING) writes, filters included."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(type(f).__name__ == "ClientErrorsOneLine" for f in h.filters)
    ]
    assert handlers, "settings.LOGGING's console handler is not installed"
    buffer = StringIO()
    old = [h.setStream(buffer) for h in handlers]
    try:
        yield buffer
    finally:
        for h, stream in zip(handlers, old):
            h.setStream(stream)
