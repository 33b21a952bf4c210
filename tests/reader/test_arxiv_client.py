"""reader.arxiv.client against `responses` stubs: retries, Retry-After, paging, politeness."""

from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from reader.arxiv import ArxivApiError, ArxivParseError, ArxivUnavailable
from reader.arxiv.client import ArxivClient, SpacingLimiter, parse_retry_after

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
API = "https://export.arxiv.test/api/query"
OAI = "https://oaipmh.arxiv.test/oai"
RSS = "https://rss.arxiv.test/rss"
UA = "paper-reader-tests/0.1 (mailto:tests@example.org)"
NOW = 1_790_000_000.0


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class Recorder:
    """A slot that records entries/exits and a fake sleep that records waits."""

    def __init__(self):
        self.events: list[str] = []
        self.sleeps: list[float] = []

    @contextmanager
    def slot(self):
        self.events.append("enter")
        yield
        self.events.append("exit")

    def sleep(self, seconds: float) -> None:
        self.events.append(f"sleep {seconds:g}")
        self.sleeps.append(seconds)


@pytest.fixture
def rec():
    return Recorder()


@pytest.fixture
def client(rec):
    return ArxivClient(
        API,
        OAI,
        RSS,
        UA,
        slot=rec.slot,
        timeout=12,
        max_retries=4,
        sleep=rec.sleep,
        clock=lambda: NOW,
        rng=lambda: 0.5,
    )


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def params(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


# ---- transport ----


def test_user_agent_timeout_and_slot_on_every_request(client, rec, rsps):
    rsps.get(API, body=fixture("api_query_page1.xml"))
    rsps.get(API, body=fixture("api_query_page2.xml"))
    pages = list(client.api_query("cat:cs.LG", max_results=10, page_size=2))
    assert len(pages) == 2
    for call in rsps.calls:
        assert call.request.headers["User-Agent"] == UA
        assert call.request.req_kwargs["timeout"] == 12
    assert rec.events == ["enter", "exit", "enter", "exit"]


def test_503_retry_after_seconds_is_honoured_outside_the_slot(client, rec, rsps):
    rsps.get(API, status=503, headers={"Retry-After": "7"}, body=fixture("unavailable_503.html"))
    rsps.get(API, body=fixture("api_query_page2.xml"))
    (page,) = client.api_ids(["cs/0503050v1"])
    assert page[2].entries[0]["arxiv_id"] == "cs/0503050"
    assert rec.sleeps == [7.0]
    # The wait happens between slots, never while holding one.
    assert rec.events == ["enter", "exit", "sleep 7", "enter", "exit"]


def test_503_retry_after_http_date(client, rec, rsps):
    when = format_datetime(datetime.fromtimestamp(NOW + 42, tz=UTC), usegmt=True)
    rsps.get(OAI, status=503, headers={"Retry-After": when})
    rsps.get(OAI, body=fixture("oai_page2.xml"))
    list(client.oai_list_records("cs:cs:LG"))
    assert rec.sleeps == [42.0]


def test_retry_after_too_long_is_left_to_the_caller(client, rec, rsps):
    rsps.get(API, status=503, headers={"Retry-After": "3600"})
    with pytest.raises(ArxivUnavailable) as info:
        list(client.api_ids(["2401.00001"]))
    assert info.value.retry_after == 3600.0
    assert rec.sleeps == []


def test_dropped_connection_and_timeout_are_retried_with_backoff(client, rec, rsps):
    rsps.get(API, body=requests.ConnectionError("connection reset by peer"))
    rsps.get(API, body=requests.Timeout("read timed out"))
    rsps.get(API, body=requests.exceptions.ChunkedEncodingError("connection broken mid-body"))
    rsps.get(API, status=502)
    rsps.get(API, body=fixture("api_query_page2.xml"))
    (page,) = client.api_ids(["cs/0503050"])
    assert page[2].entries
    # backoff * 2**attempt + backoff * jitter(0.5)
    assert rec.sleeps == [4.5, 7.5, 13.5, 25.5]


def test_gives_up_with_arxiv_unavailable(client, rec, rsps):
    for _ in range(5):
        rsps.get(API, status=503)
    with pytest.raises(ArxivUnavailable, match="HTTP 503 after 5 attempts"):
        list(client.api_ids(["2401.00001"]))
    assert rec.sleeps == [4.5, 7.5, 13.5, 25.5]


def test_api_error_feed_names_the_query(client, rsps):
    body = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns="http://www.w3.org/2005/Atom">
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry><id>https://arxiv.org/api/errors#incorrect_id_format_for_2401.1</id><title>Error</title>
  <summary>incorrect id format for 2401.1</summary></entry></feed>"""
    rsps.get(API, status=400, body=body)
    with pytest.raises(ArxivApiError, match=r"id_list=2401\.00001.*incorrect id format") as info:
        list(client.api_ids(["2401.00001"]))
    assert info.value.reason == "incorrect_id_format_for_2401.1"


def test_html_instead_of_xml_is_a_parse_error(client, rsps):
    rsps.get(API, body=fixture("unavailable_503.html"), content_type="text/html")
    with pytest.raises(ArxivParseError, match="HTML page"):
        list(client.api_ids(["2401.00001"]))


def test_plain_400_without_error_feed(client, rsps):
    rsps.get(API, status=400, body=b"Bad Request")
    with pytest.raises(ArxivApiError, match="HTTP 400"):
        list(client.api_query("ti:x", max_results=5))


# ---- API paging ----


def test_api_ids_batches_and_encodes_old_style_ids(client, rsps):
    rsps.get(API, body=fixture("api_query_page1.xml"))
    rsps.get(API, body=fixture("api_query_page2.xml"))
    ids = ["2611.00001v2", "arXiv:2611.00002", "hep-th/9901001v2", "2611.00002"]
    pages = list(client.api_ids(ids, batch=2))
    assert [p[0] for p in pages] == [
        "api id_list 2611.00001v2 .. 2611.00002 (2 ids)",
        "api id_list hep-th/9901001v2",
    ]
    first, second = (params(c) for c in rsps.calls)
    assert first["id_list"] == ["2611.00001v2,2611.00002"] and first["max_results"] == ["2"]
    assert second["id_list"] == ["hep-th/9901001v2"]
    assert "id_list=hep-th%2F9901001v2" in rsps.calls[1].request.url


def test_api_query_follows_start_until_total(client, rsps):
    rsps.get(API, body=fixture("api_query_page1.xml"))
    rsps.get(API, body=fixture("api_query_page2.xml"))
    pages = list(client.api_query("cat:cs.LG AND ti:diffusion", max_results=50, page_size=2))
    assert [params(c)["start"] for c in rsps.calls] == [["0"], ["2"]]
    assert params(rsps.calls[0])["search_query"] == ["cat:cs.LG AND ti:diffusion"]
    assert [len(p[2].entries) for p in pages] == [2, 1]
    assert pages[1][0] == "api query 'cat:cs.LG AND ti:diffusion' start=2"


def test_api_query_retries_a_sporadically_empty_page(client, rsps):
    rsps.get(API, body=fixture("api_query_page1.xml"))
    rsps.get(API, body=fixture("api_empty_page.xml"))
    rsps.get(API, body=fixture("api_query_page2.xml"))
    pages = list(client.api_query("cat:cs.LG", max_results=50, page_size=2))
    assert [len(p[2].entries) for p in pages] == [2, 1]
    assert len(rsps.calls) == 3


def test_api_query_stops_at_max_results(client, rsps):
    rsps.get(API, body=fixture("api_query_page1.xml"))
    pages = list(client.api_query("cat:cs.LG", max_results=2, page_size=100))
    assert len(pages) == 1 and params(rsps.calls[0])["max_results"] == ["2"]


# ---- OAI-PMH ----


def test_oai_follows_resumption_token_with_only_verb_and_token(client, rsps):
    rsps.get(OAI, body=fixture("oai_page1.xml"))
    rsps.get(OAI, body=fixture("oai_page2.xml"))
    pages = list(client.oai_list_records("cs:cs:LG", "2026-11-20"))
    first, second = (params(c) for c in rsps.calls)
    assert first == {
        "verb": ["ListRecords"],
        "metadataPrefix": ["arXivRaw"],
        "set": ["cs:cs:LG"],
        "from": ["2026-11-20"],
    }
    assert second == {
        "verb": ["ListRecords"],
        "resumptionToken": ["verb%3DListRecords%26set%3Dcs%3Acs%3ALG%26skip%3D1"],
    }
    assert [p[0] for p in pages] == [
        "oai ListRecords arXivRaw set=cs:cs:LG from=2026-11-20 page 1",
        "oai ListRecords arXivRaw set=cs:cs:LG from=2026-11-20 page 2",
    ]
    assert [e["arxiv_id"] for p in pages for e in p[2].entries] == ["2611.00001", "math/0309136"]


def test_oai_no_records_match_is_one_empty_page(client, rsps):
    rsps.get(
        OAI,
        body=(
            b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-24T00:00:00Z'
            b'</responseDate><error code="noRecordsMatch">none</error></OAI-PMH>'
        ),
    )
    (page,) = client.oai_list_records(None, None)
    assert page[2].entries == [] and page[2].response_date is not None
    assert "set" not in params(rsps.calls[0]) and "from" not in params(rsps.calls[0])


def test_oai_repeated_token_stops_the_loop(client, rsps):
    rsps.get(OAI, body=fixture("oai_page1.xml"))
    rsps.get(OAI, body=fixture("oai_page1.xml"))
    with pytest.raises(ArxivParseError, match="repeated"):
        list(client.oai_list_records("cs:cs:LG"))


# ---- RSS ----


def test_feed_url_and_result(client, rsps):
    rsps.get(f"{RSS}/cs.LG+stat.ML", body=fixture("rss_cs.LG.xml"))
    ((label, raw, result),) = client.feed(["cs.LG", "stat.ML"])
    assert label == "rss cs.LG+stat.ML"
    assert raw == fixture("rss_cs.LG.xml")
    assert result.kind == "rss" and len(result.entries) == 4


# ---- helpers ----


def test_spacing_limiter_spaces_requests_from_the_end_of_the_last():
    now = [100.0]
    waits = []

    def sleep(s):
        waits.append(s)
        now[0] += s

    limiter = SpacingLimiter(3.0, clock=lambda: now[0], sleep=sleep)
    with limiter():
        now[0] += 1.0  # the request takes 1 s
    now[0] += 0.5
    with limiter():
        pass
    assert waits == [2.5]


def test_default_slot_is_a_shared_spacing_limiter():
    a = ArxivClient(API, OAI, RSS, UA)
    b = ArxivClient(API, OAI, RSS, UA)
    assert isinstance(a.slot, SpacingLimiter) and a.slot is b.slot


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        (format_datetime(datetime.fromtimestamp(NOW - 5, tz=UTC), usegmt=True), 0.0),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, now=NOW) == expected


def test_user_agent_is_required():
    with pytest.raises(ValueError, match="User-Agent"):
        ArxivClient(API, OAI, RSS, " ")


def test_oai_from_datetime_is_sent_as_a_day(client, rsps):
    rsps.get(OAI, body=fixture("oai_page2.xml"))
    list(client.oai_list_records("math", datetime(2026, 11, 20, 23, 59, tzinfo=UTC)))
    assert params(rsps.calls[0])["from"] == ["2026-11-20"]
