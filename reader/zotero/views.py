"""Citation downloads (BibTeX, RIS, CSL-JSON) and the unAPI endpoint, as thin views.

``export_response`` is also what the listing, search and multi-id views return for
``?format=bib|ris|csl``. Formatting lives in ``reader.zotero`` (formats) and ``reader.zotero.rdf``; reads
in ``reader.zotero.selectors``.
"""

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from reader import zotero
from reader.arxiv import InvalidArxivId, normalize_id
from reader.converters import MAX_IDS
from reader.zotero import rdf as zotero_rdf
from reader.zotero.selectors import MAX_EXPORT, papers_citation_data, papers_for_citation

if TYPE_CHECKING:
    from reader.models import Paper

__all__ = ["MAX_EXPORT", "export_format", "export_response", "ids_export", "ids_response", "unapi"]

EXT_FORMATS = {ext: fmt for fmt, (_type, ext) in zotero.EXPORT_FORMATS.items()}
# unAPI formats in the order listed: name -> (Content-Type, docs URL or None). Zotero's unAPI
# translator takes the first name it knows in its own order (rdf_zotero, ..., ris, ..., bibtex);
# only Zotero RDF carries the preprint type and the PDF attachment (RIS imports as a report).
UNAPI_FORMATS = {
    "rdf_zotero": (zotero_rdf.CONTENT_TYPE, None),
    "ris": (zotero.EXPORT_FORMATS["ris"][0], "https://en.wikipedia.org/wiki/RIS_(file_format)"),
    "bibtex": (zotero.EXPORT_FORMATS["bib"][0], "https://www.bibtex.org/Format/"),
}
UNAPI_EXPORTS = {"ris": "ris", "bibtex": "bib"}  # served as the matching download, inline


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def export_format(request: HttpRequest) -> str | None:
    """The ``?format=`` value of a page request, or None when the page itself is wanted."""
    return request.GET.get("format") or None


def export_response(
    fmt: str, papers: Sequence["Paper"], name: str | Sequence[str], *, attachment: bool = True
) -> HttpResponse:
    """A download of ``papers`` in ``fmt`` (bib, ris, csl), or 400 for an unknown format.

    ``name`` is the file name stem ("cs.AI_2025-11-21") or the list of arXiv ids it is built
    from ("hep-th/9901001" -> "hep-th_9901001.bib").
    """
    if fmt not in zotero.EXPORT_FORMATS:
        known = ", ".join(zotero.EXPORT_FORMATS)
        return _text(400, f"Unknown export format {fmt[:40]!r}: use one of {known}.")
    content_type, ext = zotero.EXPORT_FORMATS[fmt]
    body = zotero.export_body(fmt, papers_citation_data(papers=papers))
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    filename = zotero.export_filename([name] if isinstance(name, str) else list(name), ext)
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    return response


def _bare_ids(text: str) -> list[str] | HttpResponse:
    """Canonical bare ids of a comma list, or the 400/404 response that explains the problem."""
    raw = text.split(",")
    if len(raw) > MAX_IDS:
        return _text(400, f"At most {MAX_IDS} ids fit in one download; got {len(raw)}.")
    try:
        return list(dict.fromkeys(normalize_id(r)[0] for r in raw))
    except InvalidArxivId as exc:
        return _text(404, str(exc))


def ids_response(fmt: str, arxiv_ids: Sequence[str]) -> HttpResponse:
    """A download of the stored papers among canonical bare ``arxiv_ids`` (404 if none is)."""
    if fmt not in zotero.EXPORT_FORMATS:
        return export_response(fmt, [], arxiv_ids)  # the 400, before any query
    papers = papers_for_citation(arxiv_ids=arxiv_ids)
    if not papers:
        listed = ", ".join(arxiv_ids[:5])
        return _text(404, f"Not in this database yet: {listed}. Open /arxiv/{arxiv_ids[0]}.")
    return export_response(fmt, papers, arxiv_ids)


@require_safe
def ids_export(request: HttpRequest, ids: str, ext: str) -> HttpResponse:
    """``/arxiv/<id>.bib|.ris|.json`` and ``/arxiv/<id1>,<id2>.bib``: the papers' citations."""
    bare = _bare_ids(ids)
    if isinstance(bare, HttpResponse):
        return bare
    return ids_response(EXT_FORMATS[ext], bare)


def _formats_xml(arxiv_id: str | None) -> bytes:
    root = ET.Element("formats", {"id": arxiv_id} if arxiv_id else {})
    for name, (content_type, docs) in UNAPI_FORMATS.items():
        attrs = {"name": name, "type": content_type} | ({"docs": docs} if docs else {})
        ET.SubElement(root, "format", attrs)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _rdf_response(papers: Sequence["Paper"], arxiv_id: str) -> HttpResponse:
    body = zotero_rdf.to_zotero_rdf(papers_citation_data(papers=papers))
    response = HttpResponse(body, content_type=f"{zotero_rdf.CONTENT_TYPE}; charset=utf-8")
    filename = zotero.export_filename([arxiv_id], "rdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@require_safe
def unapi(request: HttpRequest) -> HttpResponse:
    """unAPI (unapi.info): the formats list, one id's formats (300), or one record.

    Records: ``rdf_zotero`` (a Zotero preprint with its PDF, what the Connector imports),
    ``ris`` and ``bibtex``.
    """
    arxiv_id, name = request.GET.get("id"), request.GET.get("format")
    if not arxiv_id:
        if name:
            return _text(400, "unAPI: a format needs an id.")
        return HttpResponse(_formats_xml(None), content_type="application/xml")
    try:
        bare = normalize_id(arxiv_id)[0]
    except InvalidArxivId as exc:
        return _text(404, str(exc))
    papers = papers_for_citation(arxiv_ids=[bare])
    if not papers:
        return _text(404, f"unAPI: no paper {bare} in this database.")
    if not name:
        # The spec answers "which formats for this id" with 300 Multiple Choices.
        return HttpResponse(_formats_xml(bare), status=300, content_type="application/xml")
    if name not in UNAPI_FORMATS:
        known = ", ".join(UNAPI_FORMATS)
        return _text(406, f"unAPI: unknown format {name[:40]!r}; use one of {known}.")
    if name == "rdf_zotero":
        return _rdf_response(papers, bare)
    return export_response(UNAPI_EXPORTS[name], papers, [bare], attachment=False)
