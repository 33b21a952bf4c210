import pytest
from tests.factories import papers_create

pytestmark = pytest.mark.django_db


def test_smoke(client, settings, monkeypatch):
    settings.ROOT_URLCONF = "tests.reader.urls_tmp"
    import reader.selectors as s; monkeypatch.setattr(s, "paper_demos", lambda arxiv_id: [])
    papers_create(30)
    for url in ["/", "/arxiv/cs.LG", "/arxiv/cs.LG?page=2&fragment=1", "/arxiv/2511.20000", "/search?q=alpha",
                "/arxiv/cs.LG/feed", "/search/feed?q=alpha", "/arxiv/2511.20000/related", "/arxiv/2511.20000,2511.20001"]:
        r = client.get(url)
        print(url, r.status_code, len(r.content))
        assert r.status_code == 200, r.content[:3000]
    print(client.get("/arxiv/2511.20000").content.decode()[:6000])
