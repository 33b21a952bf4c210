"""Zotero markup on served pages: paper-page head tags, COinS on lists, unAPI hooks (issue 5).

Pages are parsed with html5lib; expected values are built here from the stored rows, so the
test does not reuse the code it checks. Downloads are in test_zotero_downloads.py.
"""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest
import rispy
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from reader import arxiv, page_cache
from reader.arxiv.calendar import issue_date_for
from reader.models import Paper
from reader.services import papers_upsert
from reader.zotero import rdf as zotero_rdf
from tests.factories import papers_create
from tests.reader.zotero_samples import (
    CASES,
    clean,
    coins_titles,
    expected_head,
    expected_kev,
    ingest_samples,
    parse,
    zotero_metas,
)

pytestmark = pytest.mark.django_db

RDF_NS = zotero_rdf.NS  # the namespaces the unAPI answers are written in

DATE_TAGS = {
    "citation_publication_date", "citation_date", "citation_cover_date", "citation_online_date",
    "citation_year", "DC.date", "dc.date", "dcterms.date", "prism.publicationDate",
}  # fmt: skip


@pytest.fixture
def samples(db):
    return ingest_samples()


def cards(doc) -> list:
    """Paper cards of a list page (placeholders for missing papers excluded)."""
    return [
        a for a in doc.iter("article")
        if "paper" in (a.get("class") or "").split() and a.get("data-missing") is None
    ]  # fmt: skip


def assert_list_page(doc, by_id: dict[str, Paper]) -> list[str]:
    """One COinS span and one unAPI id per card, each exactly its paper's; no head tags."""
    ids = [c.get("data-id") for c in cards(doc)]
    assert len(ids) >= 2
    spans = coins_titles(doc)
    assert len(spans) == len(ids)
    for ident, kev in zip(ids, spans, strict=True):
        assert parse_qsl(kev, strict_parsing=True) == expected_kev(by_id[ident]), ident
    assert zotero_metas(doc) == []  # no citation_*, DC.type or og:type on list pages
    unapi_ids = [a.get("title") for a in doc.iter("abbr") if a.get("class") == "unapi-id"]
    assert unapi_ids == ids
    links = [link.get("href") for link in doc.findall("./head/link[@rel='unapi-server']")]
    assert links == ["http://testserver/unapi"]  # absolute: the translator appends "?id="
    return ids


# ---- paper page ----


@pytest.mark.corpus
@pytest.mark.parametrize("arxiv_id", list(CASES), ids=list(CASES.values()))
def test_paper_page_head_has_exactly_the_zotero_tags(client, samples, arxiv_id):
    paper = samples[arxiv_id]
    response = client.get(f"/arxiv/{arxiv_id}")
    assert response.status_code == 200
    doc = parse(response.content)
    got = zotero_metas(doc)
    assert got == expected_head(paper)
    keys = [k for k, _v in got]
    assert [k for k in keys if k in DATE_TAGS] == ["citation_publication_date"]
    assert dict(got)["og:type"] == "article" and "citation_journal_title" not in keys
    # COinS would outrank the head tags and lose the PDF: none here. unAPI outranks both and
    # serves Zotero RDF (preprint, archive ID, DOI, PDF, group authors whole): exactly one id.
    assert coins_titles(doc) == []
    ids = [a.get("title") for a in doc.iter("abbr") if "unapi-id" in (a.get("class") or "")]
    assert ids == [arxiv_id]
    assert len(doc.findall("./head/link[@rel='unapi-server']")) == 1
    # The tags sit in <head>, not in the body (the Connector reads html>head>meta).
    assert [m for m in doc.find("body").iter("meta")] == []


@pytest.mark.corpus
def test_paper_page_literal_values_for_hard_cases(client, samples):
    def metas(arxiv_id):
        return zotero_metas(parse(client.get(f"/arxiv/{arxiv_id}").content))

    got = metas("2405.13786")
    assert [v for k, v in got if k == "citation_author"] == [
        "Ramírez, Aurora", "Berrios, Mario", "Romero, José Raúl", "Feldt, Robert",
    ]  # fmt: skip
    assert ("citation_publication_date", "2024/05/22") in got
    assert ("citation_doi", "10.1109/ICSTW58534.2023.00023") in got
    got = dict(metas("2306.03845"))
    assert got["citation_title"] == "$ω$Test: WebView-Oriented Testing for Android Applications"
    got = dict(metas("quant-ph/0201082"))
    assert got["citation_technical_report_number"] == "arXiv:quant-ph/0201082"
    assert got["citation_doi"] == "10.48550/arXiv.quant-ph/0201082"
    assert got["citation_pdf_url"] == "https://arxiv.org/pdf/quant-ph/0201082v1"
    assert got["citation_author"] == "Blaha, Stephen"
    got = [v for k, v in metas("gr-qc/0103067") if k == "citation_author"]
    assert got == ["Haugan, Mark P.", "Lämmerzahl, C."]


def test_paper_page_escapes_markup_and_takes_v1_date_from_history(client):
    entry = arxiv.new_entry()
    entry.update(
        arxiv_id="2511.00042", version=2, title='Why "<b>bold</b>" & 100% fail: $a<b$',
        abstract="x < y & \"z\"\n\n<script>alert(1)</script>", primary_category="cs.LG",
        authors=[{"name": "Seán O'Brien", "affiliation": None}], categories=["cs.LG"],
        published=None, updated=datetime(2025, 3, 2, 12, tzinfo=UTC),
        versions=[{"version": 2, "date": datetime(2025, 3, 2, 12, tzinfo=UTC), "size": None},
                  {"version": 1, "date": None, "size": None},
                  {"version": 3, "date": datetime(2025, 4, 1, tzinfo=UTC), "size": None}],
    )  # fmt: skip
    papers_upsert([entry])
    paper = Paper.objects.get(arxiv_id="2511.00042")
    assert paper.first_published is None
    doc = parse(client.get("/arxiv/2511.00042").content)
    got = dict(zotero_metas(doc))
    assert got["citation_title"] == clean(paper.title_plain)
    assert "<b>" in got["citation_title"]  # text, not markup: the parser saw no element
    head = doc.find("./head")
    assert list(head.iter("b")) == [] and all(s.get("src") for s in head.iter("script"))
    assert got["citation_author"] == "O'Brien, Seán"
    assert got["citation_publication_date"] == "2025/03/02"  # earliest dated version


# ---- list pages ----


@pytest.mark.corpus
@pytest.mark.parametrize("arxiv_id", list(CASES), ids=list(CASES.values()))
def test_listing_day_has_one_exact_coins_span_per_paper(client, samples, arxiv_id):
    paper = samples[arxiv_id]
    day = issue_date_for(paper.first_published)
    response = client.get(f"/arxiv/{paper.primary_category}?date={day.isoformat()}")
    doc = parse(response.content)
    by_id = Paper.objects.in_bulk(field_name="arxiv_id")
    if len(cards(doc)) < 2:  # a day with one paper: add a neighbour so the pick list shows
        papers_create(1, listing_category=paper.primary_category, announce_date=day)
        doc = parse(client.get(f"/arxiv/{paper.primary_category}?date={day}").content)
        by_id = Paper.objects.in_bulk(field_name="arxiv_id")
    assert arxiv_id in assert_list_page(doc, by_id)
    # The KEV is HTML-escaped exactly once: "&amp;" in the source, "&" after parsing.
    raw = response.content.decode()
    assert "&amp;rft.type=preprint&amp;" in raw and "&amp;amp;" not in raw


@pytest.mark.corpus
def test_search_page_has_one_coins_span_per_result(client, samples):
    doc = parse(client.get("/search?q=testing").content)
    ids = assert_list_page(doc, Paper.objects.in_bulk(field_name="arxiv_id"))
    assert len(ids) == 25  # a full page


@pytest.mark.corpus
def test_multi_id_page_has_one_coins_span_per_paper_in_order(client, samples):
    doc = parse(client.get("/arxiv/" + ",".join(CASES)).content)
    assert assert_list_page(doc, samples) == list(CASES)


def test_coins_survive_quotes_angle_brackets_and_ampersands(client):
    nasty = 'Why "<b>bold</b>" & 100% fail: $a<b$ #1'
    papers_create(1, arxiv_id="2511.00043", title=nasty, abstract="x < y & \"z\" ; a=b",
                  authors=[{"name": "Seán O'Brien & Co"}, {"name": "李 雷"}], doi="10.1/a&b")  # fmt: skip
    papers_create(1, arxiv_id="2511.00044")
    response = client.get("/arxiv/2511.00043,2511.00044")
    doc = parse(response.content)
    by_id = Paper.objects.in_bulk(field_name="arxiv_id")
    assert assert_list_page(doc, by_id) == ["2511.00043", "2511.00044"]
    kev = dict(parse_qsl(coins_titles(doc)[0]))
    assert kev["rft.title"] == nasty and kev["rft_id"] == "https://arxiv.org/abs/2511.00043"
    assert [b for b in doc.iter("b")] == []  # the title attribute stayed an attribute


@pytest.mark.corpus
def test_unapi_ids_on_a_list_page_resolve_to_ris_with_the_pdf(client, samples):
    doc = parse(client.get("/arxiv/" + ",".join(CASES)).content)
    server = doc.find("./head/link[@rel='unapi-server']").get("href")
    for abbr in [a for a in doc.iter("abbr") if a.get("class") == "unapi-id"]:
        # What Zotero's unAPI translator requests: <server>?id=<title>&format=<name>.
        response = client.get(f"{server}?id={abbr.get('title')}&format=ris")
        assert response.status_code == 200
        (entry,) = rispy.loads(response.content.decode())
        paper = samples[abbr.get("title")]
        assert entry["file_attachments1"] == paper.pdf_url
        assert entry["issn"] == f"arXiv:{paper.arxiv_id}"


@pytest.mark.corpus
def test_unapi_ids_on_a_list_page_resolve_to_zotero_rdf_preprints(client, samples):
    """What the Connector imports on a multi-select: rdf_zotero, the first format it knows."""
    doc = parse(client.get("/arxiv/" + ",".join(CASES)).content)
    server = doc.find("./head/link[@rel='unapi-server']").get("href")
    formats = ET.fromstring(client.get(server).content)  # the translator's first request
    assert formats[0].get("name") == "rdf_zotero"
    abbrs = [a for a in doc.iter("abbr") if a.get("class") == "unapi-id"]
    assert len(abbrs) == len(CASES)
    for abbr in abbrs:
        paper = samples[abbr.get("title")]
        response = client.get(f"{server}?id={abbr.get('title')}&format=rdf_zotero")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/rdf+xml; charset=utf-8"
        (item,) = etree.fromstring(response.content).xpath("bib:Article", namespaces=RDF_NS)

        def one(path, node=item):
            (value,) = node.xpath(path, namespaces=RDF_NS)
            return value

        assert one("z:itemType/text()") == "preprint"
        assert one("dc:title/text()") == clean(paper.title_plain)
        people = item.xpath("bib:authors/rdf:Seq/rdf:li/foaf:Person", namespaces=RDF_NS)
        names = [
            ", ".join(p.xpath("foaf:surname/text()|foaf:givenName/text()", namespaces=RDF_NS))
            for p in people
        ]
        assert names == [v for k, v in expected_head(paper) if k == "citation_author"]
        v1 = paper.first_published.astimezone(UTC).date()
        assert one("dc:date/text()") == v1.isoformat()
        assert one("dc:publisher/text()") == "arXiv"
        assert one("z:archiveID/text()") == f"arXiv:{paper.arxiv_id}"
        doi = paper.doi or f"10.48550/arXiv.{paper.arxiv_id}"
        assert one("dc:identifier[not(*)]/text()") == f"DOI {doi}"
        assert one("dc:identifier/dcterms:URI/rdf:value/text()") == paper.abs_url
        att = one("link:link/z:Attachment")
        assert one("dc:title/text()", att) == "Full Text PDF"
        assert one("link:type/text()", att) == "application/pdf"
        assert one("dc:identifier/dcterms:URI/rdf:value/text()", att) == paper.pdf_url
        assert one("z:path/@rdf:resource", att) == paper.pdf_url
        assert paper.pdf_url == f"https://arxiv.org/pdf/{paper.arxiv_id}v{paper.latest_version}"


def test_list_pages_cost_no_query_per_paper(client):
    papers_create(30, listing_category="cs.LG", doi="10.1000/x")
    with CaptureQueriesContext(connection) as ctx:
        doc = parse(client.get("/arxiv/cs.LG").content)
    assert len(coins_titles(doc)) == 25
    sql = [q["sql"] for q in ctx.captured_queries]
    # A deferred column read per card would show up as a one-row query by primary key.
    assert not [s for s in sql if 'WHERE "reader_paper"."id" = ' in s]
    assert not [s for s in sql if "reader_paperversion" in s]
    with_page2 = client.get("/arxiv/cs.LG?page=2&fragment=1")
    assert len(coins_titles(parse(with_page2.content))) == 5


def unapi_ids(doc) -> list[str]:
    return [a.get("title") for a in doc.iter("abbr") if a.get("class") == "unapi-id"]


def test_a_long_day_offers_every_paper_to_the_connector_in_constant_queries(client):
    """Cards load 25 at a time, but the first response names every paper of the day once."""
    day = papers_create(60, listing_category="cs.LG")
    everyone = sorted(p.arxiv_id for p in day)
    for url in ("/arxiv/cs.LG", "/arxiv/cs.LG?page=2", "/arxiv/cs.LG?sort=stars"):
        ids = unapi_ids(parse(client.get(url).content))
        assert sorted(ids) == everyone, url  # each paper once: cards plus the hidden rest
    assert unapi_ids(parse(client.get("/arxiv/cs.LG?page=2&fragment=1").content)) == []
    papers_create(400, listing_category="cs.LG", announce_date=day[0].announce_date)
    page_cache.clear_local()  # measure two builds, not a check of the stale cached copy
    caches["default"].clear()
    with CaptureQueriesContext(connection) as big:
        assert len(unapi_ids(parse(client.get("/arxiv/cs.LG").content))) == 460
    with CaptureQueriesContext(connection) as small:
        client.get("/arxiv/cs.AI+cs.LG")
    assert len(big.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize(
    "page_url", ["/arxiv/cs.LG?sort=time", "/search?q=methods", "/arxiv/{ids}"]
)
def test_every_export_link_on_a_page_downloads(client, page_url):
    papers = papers_create(3, title="Kernel methods")
    url = page_url.format(ids=",".join(p.arxiv_id for p in papers[:2]))
    doc = parse(client.get(url).content)
    hrefs = [
        a.get("href")
        for p in doc.iter("p")
        if (p.get("class") or "") in ("page-exports", "cite-links")
        for a in p.iter("a")
    ]
    assert len(hrefs) == 3 + 3 * len(cards(doc))  # the page's three, then three per card
    for href in hrefs:
        response = client.get(url.split("?")[0] + href if href.startswith("?") else href)
        assert response.status_code == 200, href
        assert response["Content-Disposition"].startswith("attachment; filename=")
    buttons = [b.get("data-copy-bibtex") for b in doc.iter("button") if b.get("data-copy-bibtex")]
    assert buttons == [f"/arxiv/{c.get('data-id')}.bib" for c in cards(doc)]


def test_paper_page_cite_section_links_download(client):
    (paper,) = papers_create(1)
    doc = parse(client.get(f"/arxiv/{paper.arxiv_id}").content)
    section = next(s for s in doc.iter("section") if s.get("id") == "cite")
    hrefs = [a.get("href") for a in section.iter("a")]
    assert hrefs == [f"/arxiv/{paper.arxiv_id}.{ext}" for ext in ("bib", "ris", "json")]
    for href in hrefs:
        assert client.get(href).status_code == 200
    (button,) = [b for b in section.iter("button")]
    assert button.get("data-copy-bibtex") == hrefs[0] and button.get("hidden") is not None
