"""reader.zotero.rdf: the Zotero RDF that unAPI serves, parsed back with lxml.

``zotero_record`` below reads a document the way Zotero's RDF import translator (``RDF.js``)
does for the elements we write: ``z:itemType``, ``dc:title``, ``bib:authors`` -> ``rdf:Seq`` ->
``foaf:Person`` (``foaf:surname``/``foaf:givenName``), ``dc:date``, ``dcterms:abstract``,
``dc:publisher``, ``z:*`` fields, ``dc:identifier`` ("DOI ..." strings and ``dcterms:URI``
values) and ``link:link`` -> ``z:Attachment``. Namespace URIs are written out here, not
imported, so a typo in the module cannot hide behind the test. Inputs are the papers of
tests/reader/fixtures/zotero/papers.json (an old-style id, papers with and without a DOI,
non-ASCII names, a group author).
"""

import datetime as dt
import json
from pathlib import Path

import pytest
from lxml import etree

from reader.zotero import rdf as zotero_rdf

FIXTURES = Path(__file__).parent / "fixtures" / "zotero"
RDF = zotero_rdf.NS["rdf"]
NS = zotero_rdf.NS  # the namespaces the module writes (asserted below against the root)


def _load_papers() -> dict[str, dict]:
    papers = json.loads((FIXTURES / "papers.json").read_text(encoding="utf-8"))
    for p in papers:
        p["date"] = dt.date.fromisoformat(p["date"])
        p["updated"] = p["updated"] and dt.date.fromisoformat(p["updated"])
    return {p["arxiv_id"]: p for p in papers}


PAPERS = _load_papers()


def parse(text: str) -> etree._Element:
    """The rdf:RDF root of a served document (bytes: it carries an encoding declaration)."""
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    root = etree.fromstring(text.encode("utf-8"))
    assert root.tag == f"{{{RDF}}}RDF"
    return root


def _texts(node, path: str) -> list[str]:
    return [e.text for e in node.xpath(path, namespaces=NS)]


def _one(node, path: str) -> str | None:
    values = _texts(node, path)
    assert len(values) <= 1, (path, values)
    return values[0] if values else None


def zotero_record(item) -> dict:
    """What Zotero's RDF import takes from one item node (for the elements written here)."""
    creators = []
    for person in item.xpath("bib:authors/rdf:Seq/rdf:li/foaf:Person", namespaces=NS):
        creators.append((_one(person, "foaf:surname"), _one(person, "foaf:givenName")))
    attachments = []
    for att in item.xpath("link:link/z:Attachment", namespaces=NS):
        attachments.append(
            {
                "title": _one(att, "dc:title"),
                "mimeType": _one(att, "link:type"),
                "url": _one(att, "dc:identifier/dcterms:URI/rdf:value"),
                "path": att.find("z:path", NS).get(f"{{{RDF}}}resource"),
            }
        )
    ids = _texts(item, "dc:identifier[not(*)]")
    return {
        "about": item.get(f"{{{RDF}}}about"),
        "itemType": _one(item, "z:itemType"),
        "title": _one(item, "dc:title"),
        "creators": creators,
        "date": _one(item, "dc:date"),
        "abstractNote": _one(item, "dcterms:abstract"),
        "publisher": _one(item, "dc:publisher"),
        "archiveID": _one(item, "z:archiveID"),
        "DOI": [i.removeprefix("DOI ") for i in ids if i.startswith("DOI ")],
        "url": _texts(item, "dc:identifier/dcterms:URI/rdf:value"),
        "language": _one(item, "dc:language"),
        "attachments": attachments,
    }


def items_of(text: str) -> list:
    return parse(text).xpath("bib:Article", namespaces=NS)


def pdf(url: str) -> list[dict]:
    return [{"title": "Full Text PDF", "mimeType": "application/pdf", "url": url, "path": url}]


# ---- exact records ----


def test_hard_paper_non_ascii_names_group_author_and_own_doi():
    (item,) = items_of(zotero_rdf.to_zotero_rdf([PAPERS["2511.13720"]]))
    assert zotero_record(item) == {
        "about": "https://arxiv.org/abs/2511.13720",
        "itemType": "preprint",
        "title": (
            "On $\\alpha$-stable laws & 100% {robust} #1 estimators: "
            "Müller's test at $O(n^{-1/2})$ rates"
        ),
        "creators": [
            ("Müller", "Jörg"),
            ("LeCun", "Y."),
            ("Ñúñez-García", "José"),
            ("van der Berg", "Pieter"),
            ("Żółć", "Łukasz"),
            ("Kierkegaard", "Søren"),
            ("The Pierre Auger Collaboration", None),  # single field: no given name
        ],
        "date": "2025-11-17",
        "abstractNote": (
            "We study $\\alpha$-stable laws when 50% of the data & the rest are {heavy}-tailed."
        ),
        "publisher": "arXiv",
        "archiveID": "arXiv:2511.13720",
        "DOI": ["10.1103/PhysRevD.112.012345"],
        "url": ["https://arxiv.org/abs/2511.13720"],
        "language": "en",
        "attachments": pdf("https://arxiv.org/pdf/2511.13720v3"),
    }


def test_old_style_id_without_doi_gets_the_arxiv_doi():
    (item,) = items_of(zotero_rdf.to_zotero_rdf([PAPERS["quant-ph/0201082"]]))
    record = zotero_record(item)
    assert record["itemType"] == "preprint"
    assert record["creators"] == [("Blaha", "Stephen")]
    assert record["date"] == "2002-01-18"
    assert record["archiveID"] == "arXiv:quant-ph/0201082"
    assert record["DOI"] == ["10.48550/arXiv.quant-ph/0201082"]
    assert record["url"] == ["https://arxiv.org/abs/quant-ph/0201082"]
    assert record["attachments"] == pdf("https://arxiv.org/pdf/quant-ph/0201082v1")


def test_group_only_author_with_journal_doi():
    (item,) = items_of(zotero_rdf.to_zotero_rdf([PAPERS["1207.7214"]]))
    record = zotero_record(item)
    assert record["creators"] == [("The ATLAS Collaboration", None)]
    (person,) = item.xpath("bib:authors/rdf:Seq/rdf:li/foaf:Person", namespaces=NS)
    assert [etree.QName(c).localname for c in person] == ["surname"]
    assert record["DOI"] == ["10.1016/j.physletb.2012.08.020"]
    assert record["attachments"] == pdf("https://arxiv.org/pdf/1207.7214v2")


def test_new_style_id_without_doi_keeps_author_order():
    (item,) = items_of(zotero_rdf.to_zotero_rdf([PAPERS["1706.03762"]]))
    record = zotero_record(item)
    assert record["title"] == "Attention Is All You Need"
    assert record["creators"] == [
        ("Vaswani", "Ashish"),
        ("Shazeer", "Noam"),
        ("Parmar", "Niki"),
        ("Uszkoreit", "Jakob"),
        ("Jones", "Llion"),
        ("Gomez", "Aidan N."),
        ("Kaiser", "Lukasz"),
        ("Polosukhin", "Illia"),
    ]
    assert record["DOI"] == ["10.48550/arXiv.1706.03762"]
    assert record["archiveID"] == "arXiv:1706.03762"
    assert record["attachments"] == pdf("https://arxiv.org/pdf/1706.03762v7")


# ---- document structure ----


def test_several_papers_one_item_each_in_order_with_one_pdf_each():
    order = ["quant-ph/0201082", "2511.13720", "1706.03762", "1207.7214"]
    root = parse(zotero_rdf.to_zotero_rdf([PAPERS[i] for i in order]))
    items = root.xpath("bib:Article", namespaces=NS)
    assert len(root) == len(items) == 4  # nothing else at the top level
    assert [zotero_record(i)["archiveID"] for i in items] == [f"arXiv:{i}" for i in order]
    assert [len(zotero_record(i)["attachments"]) for i in items] == [1, 1, 1, 1]


def test_namespaces_are_zoteros_own():
    root = parse(zotero_rdf.to_zotero_rdf([PAPERS["1706.03762"]]))
    assert root.nsmap == NS


def test_only_items_and_attachments_carry_a_title():
    # RDF.js imports every untitled node it meets as nothing; a titled one would become an item.
    root = parse(zotero_rdf.to_zotero_rdf(PAPERS.values()))
    owners = {etree.QName(t.getparent()).localname for t in root.iter(f"{{{NS['dc']}}}title")}
    assert owners == {"Article", "Attachment"}
    # dc:description would land in Extra in Zotero RDF; the abstract is dcterms:abstract.
    assert root.xpath("//dc:description", namespaces=NS) == []


def test_empty_abstract_and_no_authors_are_left_out():
    paper = dict(PAPERS["1706.03762"], abstract="  ", authors=[" "])
    (item,) = items_of(zotero_rdf.to_zotero_rdf([paper]))
    assert item.xpath("dcterms:abstract|bib:authors", namespaces=NS) == []
    assert zotero_record(item)["itemType"] == "preprint"


def test_whitespace_is_collapsed():
    paper = dict(PAPERS["1706.03762"], title="Attention\n  Is\tAll", abstract="a\n\nb ")
    paper["authors"] = ["  Ashish\n Vaswani "]
    record = zotero_record(items_of(zotero_rdf.to_zotero_rdf([paper]))[0])
    assert (record["title"], record["abstractNote"]) == ("Attention Is All", "a b")
    assert record["creators"] == [("Vaswani", "Ashish")]


# ---- hostile text ----

NASTY = "x < y && z > 1 ]]> <z:itemType>report</z:itemType> \"quoted\" 'single' <![CDATA[c]]>"


@pytest.mark.parametrize("field", ["title", "abstract"])
def test_markup_in_text_round_trips_as_text(field):
    paper = dict(PAPERS["2511.13720"], **{field: NASTY})
    text = zotero_rdf.to_zotero_rdf([paper])
    (item,) = items_of(text)
    record = zotero_record(item)
    assert record["title" if field == "title" else "abstractNote"] == NASTY
    assert record["itemType"] == "preprint"  # the injected element stayed text
    assert len(item.xpath("z:itemType", namespaces=NS)) == 1
    assert "]]>" not in text.replace("]]&gt;", "")


def test_markup_in_names_and_urls_round_trips():
    paper = dict(PAPERS["1706.03762"], authors=["Ann <b> Bee", "R&D ]]> Group"])
    paper["pdf_url"] = 'https://arxiv.org/pdf/1706.03762v7?a=1&b="2"<'
    record = zotero_record(items_of(zotero_rdf.to_zotero_rdf([paper]))[0])
    assert record["creators"] == [("Bee", "Ann <b>"), ("R&D ]]> Group", None)]
    assert record["attachments"] == pdf(paper["pdf_url"])


def test_characters_xml_cannot_carry_are_dropped():
    paper = dict(PAPERS["1706.03762"], title="A\x00B\x1bC\x08D\ufffeE", abstract="ok\x0c fine")
    record = zotero_record(items_of(zotero_rdf.to_zotero_rdf([paper]))[0])
    assert (record["title"], record["abstractNote"]) == ("ABCDE", "ok fine")
