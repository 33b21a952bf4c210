"""RIS records (rispy's writer) for ``.ris`` downloads."""

from collections.abc import Iterable, Mapping

import rispy

from reader.zotero.highwire import PUBLISHER, citation_doi
from reader.zotero.names import clean, last_first

__all__ = ["to_ris"]


class _RisWriter(rispy.RisWriter):
    """rispy's writer without the "1." counter line it puts before each record."""

    def set_header(self, count: int) -> str:
        return ""


def _ris_entry(d: Mapping) -> dict:
    # TY RPRT: RIS has no preprint type; Zotero's RIS import maps RPRT to a report with
    # PB -> institution, SN -> report number, M3 -> report type.
    entry = {
        "type_of_reference": "RPRT",
        "title": clean(d["title"]),
        "authors": [last_first(a) for a in d["authors"]],
        "year": f"{d['date'].year:04d}",
        "date": d["date"].strftime("%Y/%m/%d"),
        "abstract": clean(d.get("abstract")),
        "publisher": PUBLISHER,
        "issn": f"arXiv:{d['arxiv_id']}",  # rispy names SN "issn"
        "type_of_work": "Preprint",  # M3
        "doi": citation_doi(d),
        "urls": [d["abs_url"]],
        "file_attachments1": d["pdf_url"],  # L1 -> PDF attachment on import
        "language": "en",
        "notes": [f"Comment: {clean(d['comment'])}"] if clean(d.get("comment")) else [],
    }
    return {k: v for k, v in entry.items() if v}


def to_ris(items: Iterable[Mapping]) -> str:
    """RIS records (TY RPRT) for the papers, in order."""
    return rispy.dumps([_ris_entry(d) for d in items], implementation=_RisWriter)
