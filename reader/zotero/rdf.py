"""Zotero RDF for the unAPI endpoint: each paper as a Zotero *preprint* with arXiv's PDF attached.

Pure: ``to_zotero_rdf`` takes the plain dicts that ``reader.zotero`` documents (built by
``reader.zotero.selectors.papers_citation_data``) and returns an RDF/XML string built with lxml, so
every text value is escaped by the serializer. Nothing here knows about models or requests.

Why: for ``format=rdf_zotero`` Zotero's unAPI translator (``unAPI.js``) imports the record
with its RDF import translator (``RDF.js``, id 5e3ad958-ac79-463d-812b-a86a9235c28f). RIS, the
only other format it would pick from us, has no preprint type, so the Connector saved a
*report*. What ``RDF.js`` reads from each element written below:

* ``z:itemType`` "preprint": the item type (it wins over any ``rdf:type``). Its presence also
  marks the file as Zotero RDF, where ``dc:description`` would become Extra, hence
  ``dcterms:abstract`` for the abstract.
* ``dc:title``; ``dc:date``; ``dc:language``.
* ``bib:authors`` holding an ``rdf:Seq`` of ``foaf:Person`` (``foaf:surname``,
  ``foaf:givenName``); a person with no given name is imported as a single-field name, which is
  how group authors ("The ATLAS Collaboration") are written.
* ``dc:publisher`` "arXiv": ``publisher``, which Zotero stores as *repository* on a preprint.
* ``z:archiveID`` "arXiv:<id>": every ``z:<field>`` is copied onto the item as is.
* ``dc:identifier`` "DOI 10....": the DOI; ``dc:identifier`` holding a ``dcterms:URI`` with
  an ``rdf:value``: the URL.
* ``link:link`` to a ``z:Attachment`` with ``dc:title`` "Full Text PDF", ``link:type``
  application/pdf (its MIME type), the PDF URL as its ``dc:identifier`` URI (its url) and as
  ``z:path`` (its path, what Zotero's own RDF export writes). A web translator's attachment
  path becomes its url, so the Connector downloads the PDF from arxiv.org.
"""

import re
from collections.abc import Iterable, Mapping

from lxml import etree

from reader.zotero.highwire import PUBLISHER, citation_doi
from reader.zotero.names import split_name

__all__ = ["CONTENT_TYPE", "NS", "PDF_TITLE", "to_zotero_rdf"]

CONTENT_TYPE = "application/rdf+xml"
PDF_TITLE = "Full Text PDF"  # the title Zotero gives a PDF found through citation_pdf_url
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "z": "http://www.zotero.org/namespaces/export#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "bib": "http://purl.org/net/biblio#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "link": "http://purl.org/rss/1.0/modules/link/",
}
_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot carry at all (lxml refuses them); whitespace is collapsed anyway.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _q(name: str) -> str:
    """Clark notation for a prefixed name: "dc:title" -> "{http://purl.org/dc/elements/1.1/}title"."""
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _clean(text: str | None) -> str:
    """One line of XML-safe text (every field here is single-line, as in the other formats)."""
    return " ".join(_NOT_XML.sub("", text or "").split())


def _sub(parent, name: str, text: str | None = None, attrs: Mapping[str, str] | None = None):
    """A child element ``name`` ("dc:title") with text and prefixed attributes."""
    node = etree.SubElement(parent, _q(name), {_q(k): v for k, v in (attrs or {}).items()})
    if text is not None:
        node.text = text
    return node


def _uri(parent, url: str) -> None:
    """``<dc:identifier><dcterms:URI><rdf:value>url</rdf:value></dcterms:URI></dc:identifier>``."""
    _sub(_sub(_sub(parent, "dc:identifier"), "dcterms:URI"), "rdf:value", url)


def _person(seq, name: str) -> None:
    person = _sub(_sub(seq, "rdf:li"), "foaf:Person")
    parts = split_name(name)
    if parts:
        _sub(person, "foaf:surname", _clean(parts[0]))
        _sub(person, "foaf:givenName", _clean(parts[1]))
    else:  # group author or unsplittable name: one field, kept whole
        _sub(person, "foaf:surname", _clean(name))


def _item(root, d: Mapping) -> None:
    item = _sub(root, "bib:Article", attrs={"rdf:about": d["abs_url"]})
    _sub(item, "z:itemType", "preprint")
    _sub(item, "dc:title", _clean(d["title"]))
    names = [a for a in d["authors"] if _clean(a)]
    if names:
        seq = _sub(_sub(item, "bib:authors"), "rdf:Seq")
        for name in names:
            _person(seq, name)
    _sub(item, "dc:date", d["date"].isoformat())
    if _clean(d.get("abstract")):
        _sub(item, "dcterms:abstract", _clean(d["abstract"]))
    _sub(item, "dc:publisher", PUBLISHER)  # -> repository
    _sub(item, "z:archiveID", f"arXiv:{d['arxiv_id']}")
    _sub(item, "dc:identifier", f"DOI {citation_doi(d)}")
    _uri(item, d["abs_url"])
    _sub(item, "dc:language", "en")
    pdf = _sub(_sub(item, "link:link"), "z:Attachment")
    _sub(pdf, "dc:title", PDF_TITLE)
    _sub(pdf, "link:type", "application/pdf")
    _uri(pdf, d["pdf_url"])
    _sub(pdf, "z:path", attrs={"rdf:resource": d["pdf_url"]})


def to_zotero_rdf(items: Iterable[Mapping]) -> str:
    """An RDF/XML document (with its XML declaration) holding one preprint per paper, in order."""
    root = etree.Element(_q("rdf:RDF"), nsmap=NS)
    for d in items:
        _item(root, d)
    return _DECLARATION + etree.tostring(root, encoding="unicode", pretty_print=True)
