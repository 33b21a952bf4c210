"""Citation downloads served over HTTP: .bib/.ris/.json, ?format=, unAPI, headers and errors.

Each served file goes back through a real parser (bibtexparser, rispy, the CSL-JSON schema).
"""

import json
import xml.etree.ElementTree as ET
from datetime import UTC, date
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
from lxml import etree
from pylatexenc.latex2text import LatexNodes2Text

from reader import zotero
from reader.models import Paper
from reader.zotero import rdf as zotero_rdf
from reader.zotero.selectors import paper_citation_data
from tests.factories import papers_create
from tests.reader.zotero_samples import CASES, ingest_samples

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).parent / "fixtures" / "zotero" / "csl-data.json"
TYPES = {
    "bib": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "json": "application/vnd.citationstyles.csl+json; charset=utf-8",
}
DAY = date(2025, 11, 21)  # EntryFactory's announcement day


@pytest.fixture
def samples(db):
    return ingest_samples()


@pytest.fixture(scope="module")
def csl_validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def _names(paper: Paper) -> list[str]:
    out = []
    for a in paper.authors:
        parts = zotero.split_name(a["name"])
        out.append(f"{parts[0]}, {parts[1]}" if parts else a["name"])
    return out


def _v1(paper: Paper) -> date:
    return paper.first_published.astimezone(UTC).date()


def _doi(paper: Paper) -> str:
    return paper.doi or f"10.48550/arXiv.{paper.arxiv_id}"


def get_ok(client, url: str, ext: str, filename: str):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == TYPES[ext]
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    return response.content.decode("utf-8")


# ---- one paper ----


@pytest.mark.corpus
@pytest.mark.parametrize("arxiv_id", list(CASES), ids=list(CASES.values()))
def test_bib_round_trips_through_bibtexparser(client, samples, arxiv_id):
    paper = samples[arxiv_id]
    stem = arxiv_id.replace("/", "_")
    text = get_ok(client, f"/arxiv/{arxiv_id}.bib", "bib", f"{stem}.bib")
    # Accents become {\'e} macros (safe for classic BibTeX); only $math$ is copied verbatim.
    assert "".join(text.split("$")[::2]).isascii()
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    (entry,) = library.entries
    assert entry.entry_type == "misc"
    f = {k: v.value for k, v in entry.fields_dict.items()}
    assert list(f) == ["title", "author", "year", "eprint", "archivePrefix", "primaryClass",
                       "doi", "url"]  # fmt: skip
    assert f["eprint"] == arxiv_id and f["archivePrefix"] == "arXiv"
    assert f["primaryClass"] == paper.primary_category
    assert f["year"] == str(_v1(paper).year)
    assert f["doi"] == _doi(paper) and f["url"] == f"https://arxiv.org/abs/{arxiv_id}"
    decode = LatexNodes2Text().latex_to_text
    assert [decode(n).strip() for n in f["author"].split(" and ")] == _names(paper)
    if "$" in paper.title_plain:  # math is kept verbatim for LaTeX
        math = paper.title_plain[paper.title_plain.index("$") :].split("$")[1]
        assert f"${math}$" in f["title"]
    else:
        assert decode(f["title"]) == paper.title_plain
    # The key is stable: the same request gives the same file.
    assert client.get(f"/arxiv/{arxiv_id}.bib").content.decode() == text


@pytest.mark.corpus
@pytest.mark.parametrize("arxiv_id", list(CASES), ids=list(CASES.values()))
def test_ris_round_trips_through_rispy(client, samples, arxiv_id):
    paper = samples[arxiv_id]
    stem = arxiv_id.replace("/", "_")
    (entry,) = rispy.loads(get_ok(client, f"/arxiv/{arxiv_id}.ris", "ris", f"{stem}.ris"))
    expected = {
        "type_of_reference": "RPRT",
        "title": " ".join(paper.title_plain.split()),
        "authors": _names(paper),
        "year": str(_v1(paper).year),
        "date": _v1(paper).strftime("%Y/%m/%d"),
        "abstract": " ".join(paper.abstract_plain.split()),
        "publisher": "arXiv",
        "issn": f"arXiv:{arxiv_id}",
        "type_of_work": "Preprint",
        "doi": _doi(paper),
        "urls": [f"https://arxiv.org/abs/{arxiv_id}"],
        "file_attachments1": f"https://arxiv.org/pdf/{arxiv_id}v{paper.latest_version}",
        "language": "en",
    }
    if paper.comment:
        expected["notes"] = ["Comment: " + " ".join(paper.comment.split())]
    assert entry == expected


@pytest.mark.corpus
@pytest.mark.parametrize("arxiv_id", list(CASES), ids=list(CASES.values()))
def test_csl_json_validates_against_the_schema(client, samples, csl_validator, arxiv_id):
    paper = samples[arxiv_id]
    stem = arxiv_id.replace("/", "_")
    items = json.loads(get_ok(client, f"/arxiv/{arxiv_id}.json", "json", f"{stem}.json"))
    assert [e.message for e in csl_validator.iter_errors(items)] == []
    (item,) = items
    v1 = _v1(paper)
    assert item["type"] == "article" and item["title"] == " ".join(paper.title_plain.split())
    assert item["issued"] == {"date-parts": [[v1.year, v1.month, v1.day]]}
    assert item["DOI"] == _doi(paper) and item["number"] == f"arXiv:{arxiv_id}"
    assert item["URL"] == f"https://arxiv.org/abs/{arxiv_id}" and item["publisher"] == "arXiv"
    names = [
        f"{a['family']}, {a['given']}" if "family" in a else a["literal"] for a in item["author"]
    ]
    assert names == _names(paper)


@pytest.mark.corpus
def test_version_suffix_and_subject_class_are_accepted(client, samples):
    plain = client.get("/arxiv/gr-qc/0103067.bib").content
    assert client.get("/arxiv/gr-qc/0103067v1.bib").content == plain
    assert client.get("/arxiv/2405.13786v1.ris").status_code == 200
    # math.GT/0309136 is stored as math/0309136: the subject class is dropped, then not found.
    assert client.get("/arxiv/math.GT/0309136.bib").status_code == 404


# ---- several papers ----


@pytest.mark.corpus
def test_multi_id_downloads_keep_the_order(client, samples, csl_validator):
    ids = ",".join(CASES)
    name = "2405.13786_and_7_more"
    library = bibtexparser.parse_string(get_ok(client, f"/arxiv/{ids}.bib", "bib", name + ".bib"))
    assert [e["eprint"] for e in library.entries] == list(CASES)
    assert len({e.key for e in library.entries}) == len(CASES)
    entries = rispy.loads(get_ok(client, f"/arxiv/{ids}.ris", "ris", name + ".ris"))
    assert [e["issn"] for e in entries] == [f"arXiv:{i}" for i in CASES]
    items = json.loads(get_ok(client, f"/arxiv/{ids}.json", "json", name + ".json"))
    assert csl_validator.is_valid(items) and len(items) == len(CASES)
    # The multi-id page's ?format= gives the same files.
    assert client.get(f"/arxiv/{ids}?format=bib").content.decode() == zotero.to_bibtex(
        [paper_citation_data(paper=samples[i]) for i in CASES]
    )


def test_listing_format_exports_the_whole_day(client, csl_validator):
    papers_create(30, listing_category="cs.LG")  # more than one page of 25
    text = get_ok(client, f"/arxiv/cs.LG?format=bib&date={DAY}", "bib", f"cs.LG_{DAY}.bib")
    assert len(bibtexparser.parse_string(text).entries) == 30
    ris = get_ok(client, "/arxiv/cs.LG?format=ris&page=2", "ris", f"cs.LG_{DAY}.ris")
    assert len(rispy.loads(ris)) == 30
    items = json.loads(get_ok(client, "/arxiv/cs.LG?format=csl", "json", f"cs.LG_{DAY}.json"))
    assert csl_validator.is_valid(items) and len(items) == 30


def test_search_format_exports_the_result_page(client):
    papers_create(11, title="Kernel methods")
    papers_create(19, title="Spline methods")
    text = get_ok(client, "/search?q=kernel&format=ris", "ris", "search_page1.ris")
    assert len(rispy.loads(text)) == client.get("/search?q=kernel").context["results"].total == 11
    page2 = get_ok(client, "/search?q=methods&format=bib&page=2", "bib", "search_page2.bib")
    assert len(bibtexparser.parse_string(page2).entries) == 5


def test_download_reads_in_constant_queries(client, django_assert_max_num_queries):
    papers = papers_create(60, listing_category="cs.LG")
    ids = ",".join(p.arxiv_id for p in papers)
    with django_assert_max_num_queries(3):
        assert client.get(f"/arxiv/{ids}.bib").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/arxiv/cs.LG?format=csl").status_code == 200


# ---- errors: 404 and 400, never 500 ----


@pytest.mark.parametrize(
    "url",
    [
        "/arxiv/0013.00001.bib",  # month 13
        "/arxiv/9999.99999.ris",
        "/arxiv/0701.12345.json",  # 2007 ids have four digits
        "/arxiv/hep-th/9913001.bib",
        "/arxiv/hep-th/0000000.bib",
        "/arxiv/not-an-id.bib",
        "/arxiv/2511.00001.xml",
        "/arxiv/2511.00001.bib",  # valid, but not in the database
        "/arxiv/2511.00001,2511.00002.ris",
    ],
)
def test_bad_or_unknown_ids_are_404(client, url):
    assert client.get(url).status_code == 404


def test_unknown_formats_are_400_everywhere(client):
    (paper,) = papers_create(1, listing_category="cs.LG")
    for url in [
        f"/arxiv/{paper.arxiv_id}?format=xml",
        f"/arxiv/{paper.arxiv_id},{paper.arxiv_id}?format=endnote",
        "/arxiv/cs.LG?format=mods",
        "/search?q=topic&format=json",
    ]:
        response = client.get(url)
        assert response.status_code == 400, url
        assert "bib, ris, csl" in response.content.decode()
    too_many = ",".join(f"2511.{n:05d}" for n in range(1, 202))
    assert client.get(f"/arxiv/{too_many}.bib").status_code == 400
    assert client.post(f"/arxiv/{paper.arxiv_id}.bib").status_code == 405


# ---- unAPI ----

Z = zotero_rdf.NS["z"]


def rdf_items(content: bytes) -> list:
    """The item nodes (bib:Article) of a Zotero RDF document, parsed with lxml."""
    root = etree.fromstring(content)
    assert root.tag == "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"
    return root.findall(f"{{{zotero_rdf.NS['bib']}}}Article")


def test_unapi_endpoint_follows_the_spec(client):
    (paper,) = papers_create(1, listing_category="cs.LG")
    response = client.get("/unapi")
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)
    assert root.tag == "formats" and root.get("id") is None
    # rdf_zotero first: Zotero's unAPI translator prefers it to everything else it knows.
    formats = [
        ("rdf_zotero", "application/rdf+xml"),
        ("ris", "application/x-research-info-systems"),
        ("bibtex", "application/x-bibtex"),
    ]
    assert [(f.get("name"), f.get("type")) for f in root] == formats
    response = client.get(f"/unapi?id={paper.arxiv_id}")
    assert response.status_code == 300
    root = ET.fromstring(response.content)
    assert root.get("id") == paper.arxiv_id
    assert [(f.get("name"), f.get("type")) for f in root] == formats
    rdf = client.get(f"/unapi?id={paper.arxiv_id}&format=rdf_zotero")
    assert rdf.status_code == 200
    assert rdf["Content-Type"] == "application/rdf+xml; charset=utf-8"
    assert rdf["Content-Disposition"] == f'inline; filename="{paper.arxiv_id}.rdf"'
    item = rdf_items(rdf.content)[0]
    assert item.findtext(f"{{{Z}}}itemType") == "preprint"
    assert item.findtext(f"{{{Z}}}archiveID") == f"arXiv:{paper.arxiv_id}"
    ris = client.get(f"/unapi?id={paper.arxiv_id}&format=ris")
    assert ris.status_code == 200 and ris["Content-Type"] == TYPES["ris"]
    assert rispy.loads(ris.content.decode())[0]["issn"] == f"arXiv:{paper.arxiv_id}"
    bib = client.get(f"/unapi?id=arXiv:{paper.arxiv_id}&format=bibtex")
    assert bibtexparser.parse_string(bib.content.decode()).entries[0]["eprint"] == paper.arxiv_id
    assert client.get(f"/unapi?id={paper.arxiv_id}&format=mods").status_code == 406
    assert client.get("/unapi?id=2511.99999&format=rdf_zotero").status_code == 404
    assert client.get("/unapi?id=2511.99999&format=ris").status_code == 404
    assert client.get("/unapi?id=nonsense&format=ris").status_code == 404
    assert client.get("/unapi?format=ris").status_code == 400
