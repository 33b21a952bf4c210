"""Requests Django refuses get a 400 with the site's page and one log line (issue 19.1, 19.6).

Sent over a raw socket to the live server, as an attacker would send them.
"""

import pytest

from tests.hardening.rawhttp import raw_request, site_log

pytestmark = pytest.mark.django_db(transaction=True)

CSRF = "a" * 32
PATHS = ["/", "/search", "/admin/login/", "/demos/diffusion.few_step_samplers/runs/", "/nope/"]


def _post(url: str, path: str, content_type: str, body: bytes, host: str = "127.0.0.1"):
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
        f"Cookie: csrftoken={CSRF}\r\nContent-Length: {len(body)}\r\nConnection: close"
    )
    return raw_request(url, head, body)


def _one_warning(log: str) -> None:
    lines = [line for line in log.splitlines() if line.strip()]
    assert "Traceback" not in log, log
    assert len(lines) == 1, log
    assert " WARNING " in lines[0], lines[0]


@pytest.mark.parametrize("charset", ["latin-1", "utf-16"])
@pytest.mark.parametrize("path", PATHS)
def test_form_in_another_charset_is_400_with_site_page(live_server, path, charset):
    with site_log() as log:
        status, raw = _post(
            live_server.url,
            path,
            f"application/x-www-form-urlencoded; charset={charset}",
            b"q=1&csrfmiddlewaretoken=" + CSRF.encode(),
        )
    assert status == 400, raw[:300]
    assert b"Bad request" in raw and b'class="site-header"' in raw
    _one_warning(log.getvalue())


@pytest.mark.parametrize("path", ["/nope/", "/", "/search"])
def test_multipart_without_boundary_is_400(live_server, path):
    with site_log() as log:
        status, raw = _post(live_server.url, path, "multipart/form-data", b"abc")
    assert status == 400, raw[:300]
    assert b'class="site-header"' in raw
    _one_warning(log.getvalue())


def test_too_many_fields_is_one_warning(live_server, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"f{i}=1" for i in range(50)).encode()
    with site_log() as log:
        status, _ = _post(live_server.url, "/search", "application/x-www-form-urlencoded", body)
    assert status == 400
    _one_warning(log.getvalue())


def test_body_too_big_is_one_warning(live_server, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = b"q=" + b"x" * 500
    with site_log() as log:
        status, _ = _post(live_server.url, "/search", "application/x-www-form-urlencoded", body)
    assert status == 400
    _one_warning(log.getvalue())


def test_disallowed_host_is_one_warning(live_server):
    head = "GET / HTTP/1.1\r\nHost: evil.example.org\r\nConnection: close"
    with site_log() as log:
        status, _ = raw_request(live_server.url, head)
    assert status == 400
    _one_warning(log.getvalue())
    assert "evil.example.org" in log.getvalue()
