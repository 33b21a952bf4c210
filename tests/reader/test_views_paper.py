"""Paper pages: one id (new, versioned, old style), several ids, missing ids, related papers."""

import re
from datetime import UTC, datetime

import pytest

from reader.models import PaperRequest
from reader.services import papers_upsert
from tests.factories import EntryFactory, papers_create

pytestmark = pytest.mark.django_db


def test_paper_page_shows_everything(client):
    entry = EntryFactory(
        arxiv_id="2511.13720",
        version=2,
        comment="ICLR 2026",
        journal_ref="J. Test 1 (2026)",
        doi="10.1000/xyz",
        categories=["cs.LG", "stat.ML"],
        versions=[
            {"version": 1, "date": datetime(2025, 11, 17, tzinfo=UTC), "size": "1 MB"},
            {"version": 2, "date": datetime(2025, 11, 19, tzinfo=UTC), "size": "2 MB"},
        ],
    )
    papers_upsert([entry], listing_category="cs.LG")
    html = client.get("/arxiv/2511.13720").content.decode()
    for needle in [
        '<h1 class="paper-title mathjax_ignore tex2jax_ignore notranslate">',
        "Ada Lovelace",
        "Émile Borel",
        'href="/arxiv/stat.ML"',
        "ICLR 2026",
        "J. Test 1 (2026)",
        'href="https://doi.org/10.1000/xyz"',
        "https://arxiv.org/abs/2511.13720",
        "https://arxiv.org/pdf/2511.13720v2",
        ">v1</a>",
        ">v2</a>",
        "2 MB",
        '<div class="abstract mathjax_ignore tex2jax_ignore notranslate">',
        'data-related-url="/arxiv/2511.13720/related?fragment=1"',
        "<header",
        "<main",
        "<footer",
        "static/js/mathjax-config.js",
        "static/vendor/mathjax/tex-chtml.js",
    ]:
        assert needle in html, needle
    # Load order: config, MathJax, math.js, then the clipboard helper before the two scripts
    # that use it (reader.js, zotero.js); deferred, none inline.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all(" defer " in s + " " and "src=" in s for s in scripts)
    order = [re.search(r'src="([^"]+)"', s).group(1).rsplit("/", 1)[-1] for s in scripts]
    assert order[:6] == [
        "mathjax-config.js", "tex-chtml.js", "math.js", "clipboard.js", "reader.js", "zotero.js",
    ]  # fmt: skip


def test_note_is_rendered_markdown(client):
    papers_create(1, arxiv_id="2511.00001", note="**Key idea:** $x^2$")
    html = client.get("/arxiv/2511.00001").content.decode()
    assert '<div class="markdown mathjax_ignore tex2jax_ignore notranslate">' in html
    assert "<strong>Key idea:</strong>" in html


def test_version_suffix_and_old_style_ids(client):
    papers_create(1, arxiv_id="2511.00002", version=3)
    response = client.get("/arxiv/2511.00002v1")
    assert response.status_code == 200
    assert "You asked for v1" in response.content.decode()
    papers_create(1, arxiv_id="hep-th/9901001")
    assert client.get("/arxiv/hep-th/9901001").status_code == 200
    assert client.get("/arxiv/hep-th/9901001v2").status_code == 200


def test_padding_variants_redirect_to_the_canonical_id(client):
    response = client.get("/arxiv/1406.02661")
    assert response.status_code == 301
    assert response["Location"] == "/arxiv/1406.2661"
    assert client.get("/arxiv/2401.6769")["Location"] == "/arxiv/2401.06769"


@pytest.mark.parametrize(
    "url", ["/arxiv/1313.00001", "/arxiv/2511.000001", "/arxiv/hep-th/9913001"]
)
def test_invalid_ids_are_404_with_a_message(client, url, enqueued):
    response = client.get(url)
    assert response.status_code == 404
    assert "Not an arXiv id" in response.content.decode()
    assert enqueued == []


def test_missing_id_answers_pending_at_once_and_enqueues(
    client, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/arxiv/2511.99999")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="5">' in html
    assert "being retrieved" in html
    assert enqueued == ["2511.99999"]
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/arxiv/2511.99999")
    assert enqueued == ["2511.99999"]  # one fetch per id, however often it is asked for


def test_id_arxiv_does_not_know_is_404(client):
    PaperRequest.objects.create(
        arxiv_id="2511.99998", status="not_found", requested_at=datetime.now(UTC)
    )
    response = client.get("/arxiv/2511.99998")
    assert response.status_code == 404
    assert "No such paper on arXiv" in response.content.decode()


def test_broken_queue_is_503_not_500(client, monkeypatch):
    from reader import services

    def boom(**kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(services, "paper_request", boom)
    response = client.get("/arxiv/2511.99997")
    assert response.status_code == 503
    assert "unavailable" in response.content.decode()


def test_multi_id_page_in_order_with_missing_ones(client, enqueued):
    a, b = papers_create(2)
    response = client.get(f"/arxiv/{b.arxiv_id},2511.99996,{a.arxiv_id}")
    html = response.content.decode()
    assert response.status_code == 200
    ids = re.findall(r'<article class="paper[^"]*" id="([^"]+)"', html)
    assert ids == [b.arxiv_id, "2511.99996", a.arxiv_id]
    assert "Being retrieved" in html and 'http-equiv="refresh"' in html


def test_multi_id_page_with_all_present_does_not_refresh(client):
    a, b = papers_create(2)
    html = client.get(f"/arxiv/{a.arxiv_id},{b.arxiv_id}").content.decode()
    assert 'http-equiv="refresh"' not in html


def test_too_many_ids(client):
    ids = ",".join(f"2511.{n:05d}" for n in range(1, 202))
    assert client.get(f"/arxiv/{ids}").status_code == 400


def test_long_author_lists_collapse_without_js(client):
    authors = [{"name": f"Author {i}"} for i in range(45)]
    papers_create(1, arxiv_id="2511.00003", authors=authors)
    html = client.get("/arxiv/2511.00003").content.decode()
    assert '<details class="more-authors"><summary>et al. (35 more)</summary>' in html
    short = papers_create(1, authors=authors[:40])[0]
    assert "more-authors" not in client.get(f"/arxiv/{short.arxiv_id}").content.decode()


def test_demo_panel_lists_registered_demos(client):
    """The panel comes from the demos app's {% demo_panel %} tag, from the real catalogue."""
    papers_create(1, arxiv_id="2312.00094")  # AMED: the primary paper of D1
    html = client.get("/arxiv/2312.00094").content.decode()
    assert 'href="/demos/diffusion.few_step_samplers/"' in html
    assert 'action="/demos/diffusion.few_step_samplers/runs/"' in html
    assert 'name="csrfmiddlewaretoken"' in html and 'name="paper" value="2312.00094"' in html
    papers_create(1, arxiv_id="2511.00004")  # no demo names this paper
    assert "demos-panel" not in client.get("/arxiv/2511.00004").content.decode()


def test_related_papers_share_keywords(client):
    base = dict(abstract="Wasserstein gradient flows for sampling Langevin diffusions.")
    target, sibling = papers_create(2, title="Wasserstein gradient flows", **base)
    papers_create(3, title="Graph neural networks", abstract="Message passing on graphs.")
    response = client.get(f"/arxiv/{target.arxiv_id}/related")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/arxiv/{sibling.arxiv_id}"' in html
    assert f'href="/arxiv/{target.arxiv_id}"' in html  # the heading links back, the list does not
    assert html.count(f'/arxiv/{target.arxiv_id}"') == 1
    fragment = client.get(f"/arxiv/{target.arxiv_id}/related?fragment=1").content.decode()
    assert "<html" not in fragment and "wasserstein" in fragment


def test_related_for_a_missing_paper_is_404(client):
    assert client.get("/arxiv/2511.99995/related").status_code == 404
