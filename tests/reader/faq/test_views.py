"""FAQ endpoints and pages: JSON polling, POST create/attach, refusals, the page section, cards."""

import json

import pytest
from django.test import Client

from reader import page_cache
from reader.faq import services
from reader.models import Paper, PaperFaq
from tests.factories import papers_create
from tests.llm_server import answer, error, words

pytestmark = pytest.mark.django_db

ANSWER = "### Method\n\nThey minimise $\\mathcal{L}(\\theta) = \\sum_i \\ell_i$.\n"


@pytest.fixture
def paper():
    return papers_create(arxiv_id="2511.13720")[0]


@pytest.fixture
def server(llm_server, llm_settings):
    srv = llm_server(default=answer(words(ANSWER)))
    llm_settings(srv)
    return srv


def _json(client, arxiv_id="2511.13720", lang="en"):
    response = client.get(f"/arxiv/{arxiv_id}/faq.json?lang={lang}")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"].startswith("max-age=0")
    return response.json()


def test_json_before_during_and_after(client, paper, server, django_capture_on_commit_callbacks):
    assert _json(client) == {
        "status": "none",
        "position": None,
        "progress": 0.0,
        "html": "",
        "truncated": False,
        "model": "test-model",
        "lang": "en",
    }
    other = papers_create()[0]
    services.faq_request(paper=other, lang="en")  # one job ahead
    response = client.post(
        "/arxiv/2511.13720/faq", {"lang": "en"}, headers={"Accept": "application/json"}
    )
    data = response.json()
    assert response.status_code == 200 and data["status"] == "queued" and data["position"] == 1
    faq = PaperFaq.objects.get(paper=paper)
    services.faq_generate(faq_id=faq.pk)
    data = _json(client)
    assert {k: data[k] for k in ("status", "position", "progress", "truncated", "model")} == {
        "status": "done",
        "position": None,
        "progress": 1.0,
        "truncated": False,
        "model": "test-model",
    }
    assert (
        '<span class="math inline">\\(\\mathcal{L}(\\theta) = \\sum_i \\ell_i\\)</span>'
        in (data["html"])
    )
    assert _json(client, lang="zh")["status"] == "none"  # each language on its own


def test_post_without_javascript_redirects_to_the_section(client, paper, server):
    response = client.post("/arxiv/2511.13720/faq", {"lang": "zh"})
    assert response.status_code == 302
    assert response["Location"] == "/arxiv/2511.13720?lang=zh#faq"
    page = client.get("/arxiv/2511.13720?lang=zh").content.decode()
    assert 'id="faq"' in page and "Pending: 0" in page and 'data-status="queued"' in page


def test_post_needs_csrf(paper, server):
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post("/arxiv/2511.13720/faq", {"lang": "en"}).status_code == 403
    csrf_client.get("/arxiv/2511.13720/faq.json")  # sets the cookie the inline panel reads
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(
        "/arxiv/2511.13720/faq",
        {"lang": "en"},
        headers={"Accept": "application/json", "X-CSRFToken": token},
    )
    assert response.status_code == 200 and response.json()["status"] == "queued"


@pytest.mark.parametrize(
    ("url", "form", "status", "needle"),
    [
        ("/arxiv/2511.13720/faq", {"lang": "fr"}, 400, "lang must be en or zh"),
        ("/arxiv/2511.99999/faq", {"lang": "en"}, 404, "has not been retrieved yet"),
        ("/arxiv/not-an-id/faq", {"lang": "en"}, 404, "not-an-id"),
    ],
)
def test_bad_requests_get_clear_messages(client, paper, server, url, form, status, needle):
    page = client.post(url, form)
    assert page.status_code == status and needle in page.content.decode()
    api = client.post(url, form, headers={"Accept": "application/json"})
    assert api.status_code == status and needle in api.json()["message"]


def test_json_for_unknown_paper_is_404(client, server):
    response = client.get("/arxiv/2511.99999/faq.json")
    assert response.status_code == 404 and "not been retrieved" in response.json()["error"]
    assert client.get("/arxiv/2511.13720/faq.json", {"lang": "xx"}).status_code == 404


def test_rate_limited_and_paused_answers(client, server, settings):
    settings.LLM_FAQS_PER_MINUTE = 1
    papers = papers_create(2)
    accept = {"Accept": "application/json"}
    assert (
        client.post(f"/arxiv/{papers[0].arxiv_id}/faq", {"lang": "en"}, headers=accept).status_code
        == 200
    )
    limited = client.post(f"/arxiv/{papers[1].arxiv_id}/faq", {"lang": "en"}, headers=accept)
    assert limited.status_code == 429 and 0 < int(limited["Retry-After"]) <= 60
    settings.LLM_FAQS_PER_MINUTE = 10
    settings.LLM_DAILY_TOKENS = 1
    PaperFaq.objects.update(status="done", prompt_tokens=5)
    services.PaperFaq.objects.update(started_at=services.timezone.now())
    paused = client.post(f"/arxiv/{papers[1].arxiv_id}/faq", {"lang": "en"})
    assert paused.status_code == 503 and "FAQ paused until tomorrow" in paused.content.decode()
    assert PaperFaq.objects.filter(paper=papers[1]).count() == 0
    assert _json(client, papers[1].arxiv_id)["status"] == "paused"
    page = client.get(f"/arxiv/{papers[1].arxiv_id}").content.decode()
    assert "FAQ paused until tomorrow." in page


def test_paper_page_section_states(client, paper, server):
    page = client.get("/arxiv/2511.13720").content.decode()
    assert 'id="faq"' in page and "Generate FAQ" in page and 'name="csrfmiddlewaretoken"' in page
    faq, _ = services.faq_request(paper=paper, lang="en")
    services.faq_generate(faq_id=faq.pk)
    page = client.get("/arxiv/2511.13720").content.decode()
    assert "Generate FAQ" not in page and "\\mathcal{L}" in page and "<h3>Method</h3>" in page
    assert 'class="faq-answer markdown mathjax_ignore tex2jax_ignore notranslate"' in page
    # A new version: the v1 answer stays readable, with an offer to generate for v2.
    Paper.objects.filter(pk=paper.pk).update(latest_version=2)
    page_cache.versions_bump([page_cache.paper_scope(paper.arxiv_id)])  # as an ingest of v2 does
    page = client.get("/arxiv/2511.13720").content.decode()
    assert "This answer is for v1" in page and "Generate for v2" in page and "<h3>Method" in page


def test_failed_and_truncated_states_on_the_page(client, paper, llm_server, llm_settings):
    llm_settings(llm_server([error(404, "nope"), answer(["short"], finish="length")]))
    faq, _ = services.faq_request(paper=paper, lang="en")
    services.faq_generate(faq_id=faq.pk)
    page = client.get("/arxiv/2511.13720").content.decode()
    assert "could not be generated: model &#x27;test-model&#x27; not found" in page
    assert "Try again" in page
    faq, _ = services.faq_request(paper=paper, lang="en")
    services.faq_generate(faq_id=faq.pk)
    page = client.get("/arxiv/2511.13720").content.decode()
    assert "cut short at the length limit" in page and _json(client)["truncated"] is True


def test_feature_off_no_section_no_button(client, paper, settings):
    settings.LLM_ENABLED = False
    assert 'id="faq"' not in client.get("/arxiv/2511.13720").content.decode()
    assert "data-faq-link" not in client.get("/arxiv/cs.LG").content.decode()
    assert _json(client)["status"] == "off"
    response = client.post("/arxiv/2511.13720/faq", {"lang": "en"})
    assert response.status_code == 503 and "FAQ is off" in response.content.decode()


def test_listing_cards_link_to_the_section(client, paper, server):
    page = client.get("/arxiv/cs.LG").content.decode()
    assert '<a class="faq-link" href="/arxiv/2511.13720#faq" data-faq-link' in page
    assert 'data-json-url="/arxiv/2511.13720/faq.json"' in page


def test_old_style_ids(client, server):
    papers_create(arxiv_id="hep-th/9901001")
    assert _json(client, "hep-th/9901001")["status"] == "none"
    response = client.post("/arxiv/hep-th/9901001/faq", {"lang": "en"})
    assert response["Location"] == "/arxiv/hep-th/9901001#faq"


def test_json_is_one_small_read(client, paper, server, django_assert_max_num_queries):
    faq, _ = services.faq_request(paper=paper, lang="en")
    services.faq_generate(faq_id=faq.pk)
    with django_assert_max_num_queries(4):
        data = json.loads(client.get("/arxiv/2511.13720/faq.json").content)
    assert data["status"] == "done"
