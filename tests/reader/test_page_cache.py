"""Page cache: hits skip the database, every write path makes the next request fresh, 304s.

Runs on SQLite here and on PostgreSQL in the services tier (the whole suite runs there);
the last test uses Redis as the page cache when the services are configured.
"""

import os
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reader import page_cache
from reader.models import PageVersion, Paper, PaperRequest
from reader.services import paper_note_set, papers_ingest_files, papers_upsert
from reader.services.papers import papers_render_ids
from tests.factories import EntryFactory, papers_create
from tests.workers import require_services

pytestmark = pytest.mark.django_db

RSS = Path(__file__).parent / "fixtures/arxiv/rss_cs.LG.xml"  # cs.LG, announced 2026-11-24
RSS_DAY = date(2026, 11, 24)
RSS_TITLE = "Score Matching with"


def _get(client, url, **headers):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    return response, len(ctx.captured_queries)


def _body(response) -> str:
    return response.content.decode()


@pytest.fixture
def day_of_papers():
    return papers_create(30, announce_date=RSS_DAY, title="Cached listing paper")


def test_second_request_is_a_hit_that_reads_only_the_versions(client, day_of_papers):
    first, misses = _get(client, "/arxiv/cs.LG")
    second, hits = _get(client, "/arxiv/cs.LG")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert misses >= 5 and hits == 1  # one indexed query: the entry's data versions
    # Another process (an empty local copy) finds the page in the shared cache.
    page_cache.clear_local()
    third, shared_hits = _get(client, "/arxiv/cs.LG")
    assert third.content == first.content and shared_hits == 1
    # A write that bypasses the services is not seen: the page really came from the cache.
    Paper.objects.update(title_html="Changed behind the cache's back")
    assert "behind the cache" not in _body(client.get("/arxiv/cs.LG"))


def test_ingest_makes_listing_feed_and_home_fresh_on_the_next_request(client, day_of_papers):
    urls = ["/arxiv/cs.LG", f"/arxiv/cs.LG?date={RSS_DAY}", "/arxiv/cs.LG/feed", "/"]
    before = {url: client.get(url) for url in urls}
    assert all(RSS_TITLE not in _body(r) for r in before.values())
    assert all(client.get(url).content == before[url].content for url in urls)  # cached
    report = papers_ingest_files(paths=[RSS])  # the real ingest path: parse, upsert, listings
    assert report.counts["new"] >= 3
    for url in urls[:3]:
        assert RSS_TITLE in _body(client.get(url)), url
    home = _body(client.get("/"))
    assert home != _body(before["/"])  # the day's counts changed


def test_ingest_on_a_new_day_moves_the_undated_listing(client, day_of_papers):
    assert "Cached listing paper" in _body(client.get("/arxiv/cs.LG"))
    papers_upsert(
        [EntryFactory(title="Next day's paper", announce_date=date(2026, 11, 25))],
        listing_category="cs.LG",
    )
    latest = _body(client.get("/arxiv/cs.LG"))
    assert "Next day" in latest and "Cached listing paper" not in latest
    # The older day gained a "next day" link, and its cached copy is not served.
    assert "2026-11-25" in _body(client.get(f"/arxiv/cs.LG?date={RSS_DAY}"))


def test_new_version_refreshes_paper_page_and_its_listings(client, day_of_papers):
    paper = day_of_papers[0]
    assert "Cached listing paper" in _body(client.get(f"/arxiv/{paper.arxiv_id}"))
    client.get("/arxiv/cs.LG")
    entry = EntryFactory(arxiv_id=paper.arxiv_id, version=2, title="Second version title")
    papers_upsert([entry])  # no listing category: the paper's existing days are looked up
    assert "Second version title" in _body(client.get(f"/arxiv/{paper.arxiv_id}"))
    assert "Second version title" in _body(client.get("/arxiv/cs.LG"))


def test_render_and_note_refresh_the_paper_page(client):
    entry = EntryFactory(title="Unrendered $x^2$ title", announce_date=RSS_DAY)
    papers_upsert([entry], listing_category="cs.LG", render=False)  # as the snapshot import
    url = f"/arxiv/{entry['arxiv_id']}"
    assert 'class="math inline"' not in _body(client.get(url))
    client.get("/arxiv/cs.LG")
    paper = Paper.objects.get(arxiv_id=entry["arxiv_id"])
    papers_render_ids([paper.pk], all_rows=True)  # what the rerender chunks run
    assert 'class="math inline"' in _body(client.get(url))
    assert 'class="math inline"' in _body(client.get("/arxiv/cs.LG"))
    paper_note_set(paper=Paper.objects.get(pk=paper.pk), note="A **fresh** note")
    assert "<strong>fresh</strong>" in _body(client.get(url))


def test_missing_papers_are_never_cached(client, day_of_papers, monkeypatch):
    from reader.views import paper as paper_views

    def pending(arxiv_id, retry=False):  # the fetch is queued, not run (no arXiv here)
        return PaperRequest(arxiv_id=arxiv_id, status="pending", requested_at=timezone.now())

    monkeypatch.setattr(paper_views, "_request_missing", pending)
    known = day_of_papers[0].arxiv_id
    for url in ["/arxiv/2511.99999", f"/arxiv/{known},2511.99998"]:
        client.get(url)
        assert client.get(url).status_code == 200
        assert _get(client, url)[1] > 1  # built again every time: the fetch state changes
    papers_upsert([EntryFactory(arxiv_id="2511.99998", title="Arrived meanwhile")])
    assert "Arrived meanwhile" in _body(client.get(f"/arxiv/{known},2511.99998"))


def test_etag_and_last_modified_revalidate_with_304(client, day_of_papers):
    url = f"/arxiv/{day_of_papers[0].arxiv_id}"
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert "no-cache" in first.headers["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert first.headers["Content-Security-Policy"]  # middleware headers on cached pages too
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).headers["Content-Security-Policy"]
    papers_upsert([EntryFactory(arxiv_id=day_of_papers[0].arxiv_id, version=2, title="New")])
    fresh = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag


def _close(response) -> None:
    """response.close() as Django's test client runs it: the test's connection stays open."""
    from django.core.signals import request_finished
    from django.db import close_old_connections

    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def test_the_shared_copy_is_written_after_the_response_is_sent(rf, day_of_papers):
    """A miss answers first and stores its page for the other processes on close()."""
    from reader.views import paper as paper_views

    view = page_cache.cached_page(paper_views.papers)
    shared = caches["pages" if "pages" in settings.CACHES else "default"]
    arxiv_id = day_of_papers[0].arxiv_id
    request = rf.get(f"/arxiv/{arxiv_id}")
    response = view(request, ids=[arxiv_id])
    key = page_cache._key(request)
    assert response.status_code == 200 and shared.get(key) is None  # not yet: still sending
    _close(response)  # what the WSGI server does after the last byte
    assert shared.get(key)["body"] == response.content
    # A miss answered 304 (the browser had the page, this server did not) stores it too.
    page_cache.clear_local()
    shared.clear()
    etag = response.headers["ETag"]
    not_modified = view(rf.get(f"/arxiv/{arxiv_id}", HTTP_IF_NONE_MATCH=etag), ids=[arxiv_id])
    assert not_modified.status_code == 304 and shared.get(key) is None
    _close(not_modified)
    assert shared.get(key)["body"] == response.content


def test_renderer_or_template_change_invalidates_everything(client, day_of_papers, monkeypatch):
    url = f"/arxiv/{day_of_papers[0].arxiv_id}"
    client.get(url)
    assert _get(client, url)[1] == 1
    monkeypatch.setattr(page_cache.renderer, "RENDERER_VERSION", "999+different")
    page_cache._code_digest.cache_clear()
    try:
        assert _get(client, url)[1] > 1  # a new key: built again
    finally:
        monkeypatch.undo()
        page_cache._code_digest.cache_clear()


def test_not_cached_for_sessions_posts_csrf_pages_and_errors(client, day_of_papers):
    url = f"/arxiv/{day_of_papers[0].arxiv_id}"
    client.cookies[settings.SESSION_COOKIE_NAME] = "someone"
    client.get(url)
    assert _get(client, url)[1] > 1
    del client.cookies[settings.SESSION_COOKIE_NAME]
    client.get("/arxiv/cs.LG?sort=bogus")
    assert _get(client, "/arxiv/cs.LG?sort=bogus")[0].status_code == 400
    # A paper with a live-demo panel carries a CSRF token (the Run form): one visitor's page.
    papers_upsert([EntryFactory(arxiv_id="2312.00094", title="AMED")], listing_category="cs.LG")
    client.get("/arxiv/2312.00094")
    response, queries = _get(client, "/arxiv/2312.00094")
    assert "csrfmiddlewaretoken" in _body(response) and queries > 1


def test_sort_and_filters_are_part_of_the_key(client):
    papers_create(3, announce_date=RSS_DAY, stars=lambda i: i + 1)
    by_time = _body(client.get("/arxiv/cs.LG?sort=time"))
    by_stars = _body(client.get("/arxiv/cs.LG?sort=stars"))
    assert by_time != by_stars
    assert _body(client.get("/arxiv/cs.LG?sort=stars")) == by_stars


def test_a_cache_outage_serves_pages_uncached(client, day_of_papers, monkeypatch):
    cache = caches["pages" if "pages" in settings.CACHES else "default"]

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    assert client.get("/arxiv/cs.LG").status_code == 200


def test_versions_are_bumped_in_the_writing_transaction(day_of_papers):
    before = dict(PageVersion.objects.values_list("scope", "token"))
    day = page_cache.day_scope(RSS_DAY)
    assert {page_cache.DAYS, day} <= set(before)
    papers_ingest_files(paths=[RSS])
    after = dict(PageVersion.objects.values_list("scope", "token"))
    assert after[day] != before[day] and after[page_cache.DAYS] != before[page_cache.DAYS]
    untouched = papers_create(1, announce_date=date(2026, 1, 5))[0]
    scope = page_cache.day_scope(date(2026, 1, 5))
    token = PageVersion.objects.get(scope=scope).token
    papers_upsert(
        [EntryFactory(title="Other day", announce_date=RSS_DAY)], listing_category="cs.LG"
    )
    assert PageVersion.objects.get(scope=scope).token == token, untouched  # other days kept


@pytest.mark.services
def test_redis_page_cache(client, day_of_papers, settings):
    _db, broker = require_services()
    url = os.environ.get("READER_TEST_REDIS_CACHE_URL") or broker
    if not url.startswith("redis"):
        pytest.skip("the broker is not Redis: set READER_TEST_REDIS_CACHE_URL")
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-pages-{os.getpid()}",
        },
    }
    caches["pages"].clear()
    try:
        first = client.get("/arxiv/cs.LG")
        assert _get(client, "/arxiv/cs.LG")[1] == 1
        papers_ingest_files(paths=[RSS])
        assert RSS_TITLE in _body(client.get("/arxiv/cs.LG"))
        assert first.status_code == 200
    finally:
        caches["pages"].clear()


def test_a_new_database_never_gets_the_old_ones_pages(client, day_of_papers):
    url = f"/arxiv/{day_of_papers[0].arxiv_id}"
    client.get(url)
    assert _get(client, url)[1] == 1
    assert PageVersion.objects.filter(scope=page_cache.EPOCH).exists()  # set by migration 0007
    # What a restored or re-created database looks like to a cache that outlived it.
    PageVersion.objects.filter(scope=page_cache.EPOCH).update(token=12345)
    assert _get(client, url)[1] > 1
