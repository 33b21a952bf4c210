"""`manage.py ingest_arxiv` against a loopback HTTP server replaying recorded responses."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from reader.models import HarvestState, ListingEntry, Paper
from tests.conftest import shared_path

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
INTERVAL = 0.5


def run_ingest(*args) -> str:
    out = StringIO()
    call_command("ingest_arxiv", *args, stdout=out, stderr=out, verbosity=0)
    return out.getvalue()


def gaps(server) -> list[float]:
    times = [t for t, _, _ in server.requests]
    return [b - a for a, b in zip(times, times[1:], strict=False)]


@pytest.mark.corpus
def test_ids_survive_503_retry_after_and_dropped_connection_with_spacing(replay):
    body = shared_path(
        "arxiv-samples/A/api/arxivpy-2026_id-quant-ph_0201082v1.body.xml"
    ).read_bytes()
    server = replay(
        [
            (503, {"Retry-After": "1", "Content-Type": "text/html"}, b"<html>busy</html>"),
            (200, {}, None),
            (200, {"Content-Type": "application/atom+xml"}, body),
        ]
    )
    with override_settings(
        ARXIV_API_URL=server.url + "/api/query", ARXIV_MIN_INTERVAL=INTERVAL, ARXIV_BACKOFF=0.2
    ):
        output = run_ingest("--ids", "quant-ph/0201082v1")
    assert "new 1 /" in output
    assert Paper.objects.filter(arxiv_id="quant-ph/0201082").exists()
    assert len(server.requests) == 3
    spacing = gaps(server)
    assert spacing[0] >= 1.0, spacing  # Retry-After honoured
    assert all(gap >= INTERVAL for gap in spacing), spacing  # global slot spacing
    assert all("paper-reader" in ua for _, _, ua in server.requests)
    assert "id_list=quant-ph%2F0201082v1" in server.requests[-1][1]


def test_query_pages_follow_start_and_are_spaced(replay):
    pages = [
        (FIXTURES / name).read_bytes() for name in ("api_query_page1.xml", "api_query_page2.xml")
    ]
    server = replay([(200, {}, pages[0]), (200, {}, pages[1])] + [(200, {}, pages[1])] * 3)
    with override_settings(ARXIV_API_URL=server.url + "/api/query", ARXIV_MIN_INTERVAL=INTERVAL):
        output = run_ingest("--query", "cat:cs.LG AND ti:diffusion", "--max", "4")
    assert "failed 0" in output
    assert Paper.objects.count() >= 2
    assert all(gap >= INTERVAL for gap in gaps(server))
    assert "start=0" in server.requests[0][1]


def test_oai_harvest_follows_token_and_continues_from_response_date(replay):
    pages = [(FIXTURES / name).read_bytes() for name in ("oai_page1.xml", "oai_page2.xml")]
    server = replay([(200, {}, pages[0]), (200, {}, pages[1])])
    with override_settings(ARXIV_OAI_URL=server.url + "/oai"):
        output = run_ingest("--category", "cs.LG", "--since", "2024-01-01")
    assert "failed 0" in output
    first, second = server.requests[0][1], server.requests[1][1]
    assert "from=2024-01-01" in first and "set=cs%3Acs%3ALG" in first
    assert "resumptionToken=" in second and "metadataPrefix" not in second
    state = HarvestState.objects.get(set_spec="cs:cs:LG")
    assert state.last_response_date is not None
    # A rerun without --since continues from the stored responseDate.
    server2 = replay([(200, {}, pages[1])])
    with override_settings(ARXIV_OAI_URL=server2.url + "/oai"):
        run_ingest("--category", "cs.LG")
    assert f"from={state.last_response_date.isoformat()}" in server2.requests[0][1]


def test_new_reads_the_feed_and_records_the_announcement(replay):
    server = replay(
        [(200, {"Content-Type": "application/rss+xml"}, (FIXTURES / "rss_cs.LG.xml").read_bytes())]
    )
    with override_settings(ARXIV_RSS_URL=server.url + "/rss"):
        output = run_ingest("--new", "cs.LG")
    assert "failed 0" in output
    assert server.requests[0][1].startswith("/rss/cs.LG")
    paper = Paper.objects.exclude(announce_date=None).first()
    assert paper is not None
    assert paper.listing_entries.filter(category="cs.LG").exists()


def test_server_error_page_fails_clearly_and_exits_nonzero(replay):
    html = (FIXTURES / "unavailable_503.html").read_bytes()
    server = replay([(200, {"Content-Type": "text/html"}, html)])
    with override_settings(ARXIV_API_URL=server.url + "/api/query"), pytest.raises(CommandError):
        run_ingest("--ids", "2401.06769")
    assert Paper.objects.count() == 0


@pytest.mark.corpus
def test_from_file_loads_samples_and_reports_bad_files(tmp_path):
    good = shared_path("arxiv-samples/A/oai-pmh/saelim-2015_GetRecord_arXivRaw_1302.2146.xml")
    bad = tmp_path / "truncated.xml"
    bad.write_bytes(good.read_bytes()[:300])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "ingest_arxiv", "--from-file", str(good), str(bad), stdout=out, stderr=out, verbosity=0
        )
    assert "new 1 /" in out.getvalue()
    assert f"FAILED {bad}" in out.getvalue()
    assert Paper.objects.filter(arxiv_id="1302.2146").exists()
    # Idempotent: the same file again changes nothing.
    out = StringIO()
    call_command("ingest_arxiv", "--from-file", str(good), stdout=out, verbosity=0)
    assert "new 0 / updated 0 / unchanged 1" in out.getvalue()


@pytest.mark.corpus
def test_from_file_reads_a_saved_listing_page():
    """A saved /list/cs.AI/new page is ingested like a feed (it used to name an internal
    function, parse_listing, as the way out)."""
    from tests.reader.arxiv_samples import LISTING

    output = run_ingest("--from-file", str(shared_path(LISTING)))
    assert "failed 0" in output and "new 0 /" not in output, output
    assert ListingEntry.objects.filter(category="cs.AI").exists()
    assert set(ListingEntry.objects.values_list("section", flat=True)) <= {
        "new",
        "cross",
        "replace",
    }
