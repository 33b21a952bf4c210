"""Shared data for the Zotero web tests: the arXiv sample files, chosen papers, HTML helpers."""

from datetime import UTC

import html5lib

from reader import zotero
from reader.models import Paper
from reader.services import papers_ingest_files
from tests.conftest import shared_path

SAMPLE_FILES = [
    "arxiv-samples/A/api/arxivpy-2026_q-testing_start0_max100.body.xml",
    "arxiv-samples/A/api/arxivpy-2016-oldformat_au-del_maestro.xml",
    "arxiv-samples/A/api/arxivpy-2026_id-quant-ph_0201082v1.body.xml",
    "arxiv-samples/A/oai-pmh/hepcrawl-2017_ListRecords_arXiv_set-physics-hep-ex.xml",
    "arxiv-samples/A/oai-pmh/saelim-2015_ListRecords_arXivRaw_from-2014-10-01.xml",
]
ZOTERO_PREFIXES = ("citation_", "DC.", "dc.", "dcterms.", "og:", "prism.", "z.", "eprints.")
# Papers from the samples covering the cases issue 5 names.
CASES = {
    "2405.13786": "non-ASCII names, journal DOI",
    "2202.06271": "non-ASCII names, no DOI",
    "2306.03845": "TeX title ($ω$Test), journal DOI",
    "1707.00874": "TeX title ($B-L$), no DOI (OAI-PMH arXiv format)",
    "0704.1586": "TeX title ($^{11}$Be), DOI (OAI-PMH arXivRaw)",
    "quant-ph/0201082": "old-style id, no DOI",
    "gr-qc/0103067": "old-style id, non-ASCII name, DOI",
    "cond-mat/0412498": "old-style id, DOI",
}


def ingest_samples() -> dict[str, Paper]:
    """Ingest every sample file; return the CASES papers by id (skips when ../shared is absent)."""
    report = papers_ingest_files(paths=[shared_path(p) for p in SAMPLE_FILES])
    assert report.ok, report.summary()
    papers = Paper.objects.in_bulk(list(CASES), field_name="arxiv_id")
    assert set(papers) == set(CASES)
    return papers


def parse(markup: bytes | str):
    """An html5lib tree (no namespaces) of a served page."""
    return html5lib.parse(markup, namespaceHTMLElements=False)


def head_metas(doc) -> list[tuple[str, str]]:
    """(name or property, content) of every <meta> in <head> that carries either, in order."""
    out = []
    for m in doc.findall("./head/meta"):
        key = m.get("name") or m.get("property")
        if key:
            out.append((key, m.get("content")))
    return out


def coins_titles(doc) -> list[str]:
    """The title attribute (the KEV, entities decoded) of every span.Z3988, in order."""
    return [s.get("title") for s in doc.iter("span") if "Z3988" in (s.get("class") or "").split()]


def clean(text: str) -> str:
    """Whitespace collapsed, as every export format writes it."""
    return " ".join(text.split())


def _last_first(name: str) -> str:
    parts = zotero.split_name(name)
    return f"{parts[0]}, {parts[1]}" if parts else name


def _v1(paper: Paper):
    return paper.first_published.astimezone(UTC).date()


def expected_head(paper: Paper) -> list[tuple[str, str]]:
    """The tag list of design/zotero.md §6 for one stored paper, in order."""
    title = clean(paper.title_plain)
    ident = paper.arxiv_id
    return [
        ("DC.type", "preprint"),
        ("og:type", "article"),
        ("og:title", title),
        ("citation_title", title),
        *[("citation_author", _last_first(a["name"])) for a in paper.authors],
        ("citation_publication_date", _v1(paper).strftime("%Y/%m/%d")),
        ("citation_abstract", clean(paper.abstract_plain)),
        ("citation_publisher", "arXiv"),
        ("citation_technical_report_number", f"arXiv:{ident}"),
        ("citation_doi", paper.doi or f"10.48550/arXiv.{ident}"),
        ("citation_arxiv_id", ident),
        ("citation_public_url", f"https://arxiv.org/abs/{ident}"),
        ("citation_pdf_url", f"https://arxiv.org/pdf/{ident}v{paper.latest_version}"),
        ("citation_language", "en"),
    ]


def expected_kev(paper: Paper) -> list[tuple[str, str]]:
    """Every KEV field of a paper's COinS span, in order."""
    return [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"),
        ("rft.type", "preprint"),
        ("rft.title", clean(paper.title_plain)),
        *[("rft.au", a["name"]) for a in paper.authors],
        ("rft.date", _v1(paper).isoformat()),
        ("rft.publisher", "arXiv"),
        ("rft.description", clean(paper.abstract_plain)),
        ("rft_id", "info:doi/" + (paper.doi or f"10.48550/arXiv.{paper.arxiv_id}")),
        ("rft_id", f"https://arxiv.org/abs/{paper.arxiv_id}"),
    ]


def zotero_metas(doc) -> list[tuple[str, str]]:
    """The head tags a Zotero translator reads (citation_*, DC.*, og:*, ...)."""
    return [(k, v) for k, v in head_metas(doc) if k.startswith(ZOTERO_PREFIXES)]
