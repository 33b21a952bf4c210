"""File downloads: the body and file name of a ``.bib``, ``.ris`` or ``.json`` export."""

import json
import re
from collections.abc import Iterable, Mapping

from reader.zotero.bibtex import to_bibtex
from reader.zotero.csl import to_csl_json
from reader.zotero.ris import to_ris

__all__ = ["EXPORT_FORMATS", "export_body", "export_filename"]

# format key (the ``?format=`` value) -> (Content-Type, file extension)
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "bib": ("application/x-bibtex", "bib"),
    "ris": ("application/x-research-info-systems", "ris"),
    "csl": ("application/vnd.citationstyles.csl+json", "json"),
}


def export_body(fmt: str, items: Iterable[Mapping]) -> str:
    """The text of a download in format ``fmt`` (a key of EXPORT_FORMATS)."""
    if fmt == "bib":
        return to_bibtex(items)
    if fmt == "ris":
        return to_ris(items)
    if fmt == "csl":
        return json.dumps(to_csl_json(items), ensure_ascii=False, indent=2) + "\n"
    raise ValueError(f"unknown export format {fmt!r}")


def export_filename(ids: list[str], ext: str) -> str:
    """Download file name for these arXiv ids ("hep-th/9901001" -> "hep-th_9901001.bib")."""
    if not ids:
        stem = "citations"
    elif len(ids) == 1:
        stem = ids[0]
    else:
        stem = f"{ids[0]}_and_{len(ids) - 1}_more"
    # "/" in old-style ids becomes "_"; anything else odd is dropped from the header value too.
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", stem)
    return f"{stem}.{ext.lstrip('.')}"
