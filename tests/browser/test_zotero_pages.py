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
    # unAPI (priority 300) outranks Embedded Metadata (320): one id, the paper itself
    ids = page.eval_on_selector_all("abbr.unapi-id", "els => els.map(e => e.title)")
    assert ids == [paper.arxiv_id]
    server = page.eval_on_selector("link[rel=unapi-server]", "e => e.href")
    rdf = page.request.get(f"{server}?id={ids[0]}&format=rdf_zotero").text()
    # the group author imports whole (a person with a surname only), the person split
    assert "<foaf:surname>The ATLAS Collaboration</foaf:surname>" in rdf
    assert "<foaf:surname>Borel</foaf:surname>" in rdf and "<foaf:givenName>Émile" in rdf
    assert rdf.count("<foaf:givenName>") == 1
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
