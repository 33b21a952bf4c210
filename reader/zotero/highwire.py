"""Highwire ``citation_*``, Dublin Core and Open Graph tags for the paper page's <head>."""

from collections.abc import Mapping

from reader.zotero.names import clean, last_first

__all__ = ["ARXIV_DOI_PREFIX", "PUBLISHER", "citation_doi", "meta_pairs"]

PUBLISHER = "arXiv"
ARXIV_DOI_PREFIX = "10.48550/arXiv."


def citation_doi(d: Mapping) -> str:
    """The paper's own DOI, else the DataCite DOI arXiv registers for every paper."""
    return d.get("doi") or f"{ARXIV_DOI_PREFIX}{d['arxiv_id']}"


def meta_pairs(d: Mapping) -> list[tuple[str, str, str]]:
    """(attribute, key, content) triples for the paper page <head>, in design/zotero.md §6 order.

    ``attribute`` is "name" for Highwire/DC tags and "property" for Open Graph tags, so a
    template writes ``<meta {{ attr }}="{{ key }}" content="{{ value }}">``. Deliberately
    absent: citation_journal_title (forces journalArticle), any second date tag
    (citation_date would override), og:type=website (turns the item into a web page).
    """
    title = clean(d["title"])
    triples = [
        ("name", "DC.type", "preprint"),  # -> itemType preprint
        ("property", "og:type", "article"),
        ("property", "og:title", title),
        ("name", "citation_title", title),
    ]
    triples += [("name", "citation_author", last_first(a)) for a in d["authors"]]
    triples.append(("name", "citation_publication_date", d["date"].strftime("%Y/%m/%d")))
    if clean(d.get("abstract")):
        triples.append(("name", "citation_abstract", clean(d["abstract"])))
    triples += [
        ("name", "citation_publisher", PUBLISHER),  # -> repository
        ("name", "citation_technical_report_number", f"arXiv:{d['arxiv_id']}"),  # -> archiveID
        ("name", "citation_doi", citation_doi(d)),
        ("name", "citation_arxiv_id", d["arxiv_id"]),  # ignored by Zotero; Scholar parity
        ("name", "citation_public_url", d["abs_url"]),  # -> url
        ("name", "citation_pdf_url", d["pdf_url"]),  # -> "Full Text PDF" attachment
        ("name", "citation_language", "en"),
    ]
    return triples
