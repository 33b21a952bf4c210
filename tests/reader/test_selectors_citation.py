"""reader.zotero.selectors and zotero_tags: the dict fed to reader.zotero, its v1-date fallbacks,
constant query counts, and tags that never query."""

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template

from reader import arxiv, selectors
from reader.models import Paper
from reader.services import papers_upsert
from reader.zotero.selectors import (
    citation_dict,
    paper_citation_data,
    papers_citation_data,
    papers_for_citation,
)
from tests.factories import papers_create

pytestmark = pytest.mark.django_db


def _entry(arxiv_id: str, **overrides) -> dict:
    entry = arxiv.new_entry()
    entry.update(
        arxiv_id=arxiv_id, version=2, title="Flows on $\\mathbb{R}^n$", abstract="Body\n text.",
        authors=[{"name": "Jörg M\\\"uller", "affiliation": "ETH"}, {"name": "  "}],
        primary_category="math.PR", categories=["math.PR", "cs.LG"], doi="10.1000/abc",
        published=datetime(2024, 1, 12, 23, 30, tzinfo=UTC),
        updated=datetime(2024, 2, 1, tzinfo=UTC), comment="9 pages", journal_ref="J. 1 (2024)",
        license="http://creativecommons.org/licenses/by/4.0/",
    )  # fmt: skip
    entry.update(overrides)
    return entry


def test_paper_citation_data_is_the_dict_zotero_expects():
    papers_upsert([_entry("2401.00001")])
    paper = Paper.objects.get(arxiv_id="2401.00001")
    assert paper_citation_data(paper=paper) == {
        "arxiv_id": "2401.00001",
        "version": 2,
        "title": paper.title_plain,
        "authors": ["Jörg Müller"],  # TeX accents already Unicode; blank names dropped
        "date": date(2024, 1, 12),  # v1's UTC day
        "updated": date(2024, 2, 1),
        "abstract": paper.abstract_plain,
        "doi": "10.1000/abc",
        "primary_category": "math.PR",
        "categories": ["math.PR", "cs.LG"],
        "comment": "9 pages",
        "journal_ref": "J. 1 (2024)",
        "abs_url": "https://arxiv.org/abs/2401.00001",
        "pdf_url": "https://arxiv.org/pdf/2401.00001v2",
        "license": "http://creativecommons.org/licenses/by/4.0/",
    }
    assert "$" in paper.title_plain  # the plain twin keeps the TeX math


def test_v1_date_falls_back_to_the_earliest_dated_version():
    history = [
        {"version": 1, "date": None, "size": None},
        {"version": 2, "date": datetime(2024, 3, 5, tzinfo=UTC), "size": None},
        {"version": 3, "date": datetime(2024, 4, 1, tzinfo=UTC), "size": None},
    ]
    papers_upsert([_entry("2401.00002", published=None, version=3, versions=history)])
    paper = Paper.objects.get(arxiv_id="2401.00002")
    assert paper.first_published is None
    assert paper_citation_data(paper=paper)["date"] == date(2024, 3, 5)
    # Without any dated version (an announcement feed entry): the announcement day.
    (fed,) = papers_create(1, published=None, updated=None)
    assert papers_citation_data(papers=[fed])[0]["date"] == date(2025, 11, 21)


def test_lists_cost_two_queries_even_from_card_rows(django_assert_num_queries):
    papers_create(40)
    cards = list(Paper.objects.only(*selectors.CARD_FIELDS))
    assert "title" in cards[0].get_deferred_fields()  # card rows never load the TeX source
    with django_assert_num_queries(1):  # one reload of the deferred columns, no v1 look-up
        data = papers_citation_data(papers=cards)
    assert [d["arxiv_id"] for d in data] == [p.arxiv_id for p in cards]
    assert all(d["abstract"] and d["title"] for d in data)
    with django_assert_num_queries(1):
        found = papers_for_citation(arxiv_ids=[cards[3].arxiv_id, "2511.99999", cards[1].arxiv_id])
    assert [p.arxiv_id for p in found] == [cards[3].arxiv_id, cards[1].arxiv_id]
    with django_assert_num_queries(0):
        papers_citation_data(papers=found)


def test_citation_dict_never_queries_even_for_deferred_columns(django_assert_num_queries):
    papers_create(1)
    (row,) = Paper.objects.only("id", "arxiv_id", "latest_version", "authors",
                                "primary_category", "categories", "title_plain")  # fmt: skip
    with django_assert_num_queries(0):
        data = citation_dict(row)
    assert data["abstract"] == "" and data["doi"] is None and data["title"] == row.title_plain


def test_tags_format_without_queries(django_assert_num_queries):
    (paper,) = papers_create(1, doi="10.1000/q&a")
    paper = Paper.objects.only(*selectors.CARD_FIELDS).get(pk=paper.pk)
    template = Template(
        "{% load zotero_tags %}{% coins paper %}|{% unapi_id paper %}|{% unapi_link %}|"
        "{% export_url paper.arxiv_id 'bib' %}|{% export_url ids 'json' %}"
    )
    with django_assert_num_queries(0):
        out = template.render(Context({"paper": paper, "ids": ["2401.00001", "hep-th/9901001"]}))
    coins, unapi_id, link, bib, multi = out.split("|")
    assert coins.startswith('<span class="Z3988" title="ctx_ver=Z39.88-2004&amp;rft_val_fmt=')
    assert "info%3Adoi%2F10.1000%2Fq%26a" in coins  # URL-encoded, then HTML-escaped once
    assert unapi_id == f'<abbr class="unapi-id" title="{paper.arxiv_id}"></abbr>'
    assert link == '<link rel="unapi-server" type="application/xml" title="unAPI" href="/unapi">'
    assert bib == f"/arxiv/{paper.arxiv_id}.bib"
    assert multi == "/arxiv/2401.00001,hep-th/9901001.json"
    paper.authors = []  # no author: no span at all (Zotero would go online to complete it)
    assert (
        Template("{% load zotero_tags %}{% coins paper %}").render(Context({"paper": paper})) == ""
    )


def test_citation_meta_takes_v1_from_the_loaded_history_without_queries(
    django_assert_num_queries,
):
    history = [{"version": 2, "date": datetime(2024, 3, 5, 23, tzinfo=UTC), "size": None}]
    papers_upsert([_entry("2401.00003", published=None, versions=history)])
    paper = Paper.objects.get(arxiv_id="2401.00003")
    versions = selectors.paper_versions(paper=paper)
    with django_assert_num_queries(0):
        out = Template("{% load zotero_tags %}{% citation_meta paper versions %}").render(
            Context({"paper": paper, "versions": versions})
        )
    assert '<meta name="citation_publication_date" content="2024/03/05">' in out
    assert '<meta property="og:type" content="article">' in out
    assert out.count("<meta ") == 14  # 13 fixed tags plus one author (the blank one dropped)
