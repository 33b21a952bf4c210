"""Zotero markup in the live DOM (what the Connector reads) and the "Copy BibTeX" button."""

from urllib.parse import parse_qsl

import pytest

from reader.models import Paper
from tests.factories import papers_create
from tests.reader.zotero_samples import ZOTERO_PREFIXES, expected_head, expected_kev

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEAD_TAGS = """() => Array.from(document.querySelectorAll('html > head > meta'))
  .filter(m => m.name || m.getAttribute('property'))
  .map(m => [m.name || m.getAttribute('property'), m.content])"""


def test_paper_page_head_in_the_live_dom(page, live_server):
    (paper,) = papers_create(
        1, authors=[{"name": "Émile Borel"}, {"name": "The ATLAS Collaboration"}], doi="10.1/x"
    )
    paper = Paper.objects.get(pk=paper.pk)
    page.goto(f"{live_server.url}/arxiv/{paper.arxiv_id}")
    page.wait_for_load_state("load")
    tags = [tuple(t) for t in page.evaluate(HEAD_TAGS) if t[0].startswith(ZOTERO_PREFIXES)]
    assert tags == expected_head(paper)
    # What Embedded Metadata looks up (ends-with match, first wins), and what would outrank it.
    first = page.evaluate(
        "() => document.querySelector('html>head>meta[name$=\"citation_pdf_url\"]').content"
    )
    assert first == f"https://arxiv.org/pdf/{paper.arxiv_id}v1"
    assert page.locator("span.Z3988").count() == 0
    assert page.locator("abbr.unapi-id").count() == 0
    assert page.locator("link[rel=unapi-server]").count() == 0
    assert page.console_errors == []


def test_listing_coins_and_copy_bibtex(page, live_server):
    papers_create(3, listing_category="cs.LG")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/arxiv/cs.LG")
    ids = page.eval_on_selector_all("article.paper", "els => els.map(e => e.dataset.id)")
    kevs = page.eval_on_selector_all("span.Z3988", "els => els.map(e => e.title)")
    by_id = Paper.objects.in_bulk(ids, field_name="arxiv_id")
    assert [parse_qsl(k) for k in kevs] == [expected_kev(by_id[i]) for i in ids]
    button = page.locator(f'article[data-id="{ids[0]}"] [data-copy-bibtex]')
    button.click()
    page.wait_for_selector("[data-copy-bibtex][data-copied]")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith("@misc{") and f"eprint = {{{ids[0]}}}" in copied
    assert page.console_errors == []
