"""A stale RSS feed (its date does not advance when a newer announcement is due) falls back
to the /list/<cat>/new page; if that is old too, the category is reported stale."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.test import override_settings

from reader import tasks
from reader.arxiv.calendar import EASTERN, current_listing_date
from reader.models import FeedState, ListingEntry
from reader.services.ingest import IngestReport, papers_ingest_new
from tests.conftest import shared_path

FEED = (Path(__file__).parents[1] / "fixtures/arxiv/rss_cs.LG.xml").read_bytes()  # 24 Nov 2026
LISTING = "arxiv-samples/A/listing-html/polaris-2026-08-12_list-cs.AI-new_EXCERPT.html"


def eastern(*args) -> datetime:
    return datetime(*args, tzinfo=EASTERN)


@pytest.mark.parametrize(
    ("now", "listing_day"),
    [
        (eastern(2026, 11, 24, 19, 59), date(2026, 11, 24)),  # before Tuesday's announcement
        (eastern(2026, 11, 24, 20, 0), date(2026, 11, 25)),  # Tuesday 20:00 ET: Wednesday's
        (eastern(2026, 11, 27, 21, 0), date(2026, 11, 27)),  # no announcement on Friday
        (eastern(2026, 11, 28, 12, 0), date(2026, 11, 27)),  # nor on Saturday
        (eastern(2026, 11, 29, 20, 30), date(2026, 11, 30)),  # Sunday's is Monday's listing
        (datetime(2026, 11, 25, 1, 30, tzinfo=UTC), date(2026, 11, 25)),  # = Tue 20:30 ET
    ],
)
def test_current_listing_date_follows_the_announcement_calendar(now, listing_day):
    assert current_listing_date(now) == listing_day


def listing_page(day_text: str) -> bytes:
    page = shared_path(LISTING).read_text()
    return page.replace("Wednesday, 12 August 2026", day_text).encode()


@pytest.fixture
def arxiv_replay(replay):
    with override_settings(ARXIV_MIN_INTERVAL=0):
        yield replay


def ingest_with(server, now):
    with override_settings(ARXIV_RSS_URL=server.url + "/rss", ARXIV_LIST_URL=server.url + "/list"):
        return papers_ingest_new(categories=["cs.LG"], now=now)


@pytest.mark.django_db(transaction=True)
@pytest.mark.corpus
def test_stale_feed_falls_back_to_the_listing_page(arxiv_replay):
    first = arxiv_replay([(200, {}, FEED)])
    report = ingest_with(first, eastern(2026, 11, 24, 21, 0))
    assert report.ok and [path for _, path, _ in first.requests] == ["/rss/cs.LG"]
    assert FeedState.objects.get(category="cs.LG").announce_date == date(2026, 11, 24)

    # A day later the feed still shows the 24th, though the 26th's listing is due.
    fresh = listing_page("Thursday, 26 November 2026")
    second = arxiv_replay([(200, {}, FEED), (200, {"Content-Type": "text/html"}, fresh)])
    report = ingest_with(second, eastern(2026, 11, 25, 21, 0))
    assert report.ok, report.failures
    assert [path for _, path, _ in second.requests] == [
        "/rss/cs.LG",
        "/list/cs.LG/new?skip=0&show=2000",
    ]
    assert FeedState.objects.get(category="cs.LG").announce_date == date(2026, 11, 26)
    listed = ListingEntry.objects.filter(category="cs.LG", issue_date=date(2026, 11, 26))
    assert listed.count() == 6  # the six entries of the listing excerpt


@pytest.mark.django_db(transaction=True)
@pytest.mark.corpus
def test_feed_and_listing_both_old_is_reported_stale(arxiv_replay):
    FeedState.objects.create(category="cs.LG", announce_date=date(2026, 11, 24))
    old = listing_page("Tuesday, 24 November 2026")
    server = arxiv_replay([(200, {}, FEED), (200, {}, old)])
    report = ingest_with(server, eastern(2026, 11, 25, 21, 0))
    assert report.stale == ["cs.LG"]
    assert report.failures[0][0] == "feed cs.LG"
    assert (
        "stale: the feed and the listing page still show the 2026-11-24 announcement"
        in (report.failures[0][1])
    )
    assert FeedState.objects.get(category="cs.LG").announce_date == date(2026, 11, 24)


@pytest.mark.django_db(transaction=True)
def test_fresh_feed_needs_no_listing_page(arxiv_replay):
    FeedState.objects.create(category="cs.LG", announce_date=date(2026, 11, 23))
    server = arxiv_replay([(200, {}, FEED)])
    report = ingest_with(server, eastern(2026, 11, 24, 21, 0))
    assert report.ok and len(server.requests) == 1
    assert FeedState.objects.get(category="cs.LG").announce_date == date(2026, 11, 24)


def test_daily_task_fetches_stale_categories_again(monkeypatch):
    from reader.services import ingest

    calls, queued = [], []

    def fake_ingest(*, categories):
        calls.append(list(categories))
        report = IngestReport()
        report.stale = [c for c in categories if c == "cs.AI"]
        return report

    task = tasks.papers_ingest_new_task
    monkeypatch.setattr(ingest, "papers_ingest_new", fake_ingest)
    monkeypatch.setattr(task, "apply_async", lambda **kw: queued.append(kw))
    assert task.run(["cs.LG", "cs.AI"]).startswith("new 0 /")
    assert calls == [["cs.LG", "cs.AI"]]
    retry = {"kwargs": {"categories": ["cs.AI"], "attempt": 1}}
    assert queued == [{**retry, "countdown": ingest.STALE_FEED_RETRY_SECONDS}]
    task.run(["cs.LG"])  # nothing stale: done
    task.run(["cs.AI"], attempt=ingest.STALE_FEED_TRIES - 1)  # the last try: no more
    assert len(queued) == 1
