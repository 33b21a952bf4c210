"""CSL-JSON items for ``.json`` downloads (validated against the CSL schema in the tests)."""

from collections.abc import Iterable, Mapping
from datetime import date

from reader.zotero.bibtex import bibtex_keys
from reader.zotero.highwire import PUBLISHER, citation_doi
from reader.zotero.names import clean, split_name

__all__ = ["to_csl_json"]


def _csl_name(name: str) -> dict[str, str]:
    parts = split_name(name)
    return {"family": parts[0], "given": parts[1]} if parts else {"literal": clean(name)}


def to_csl_json(items: Iterable[Mapping]) -> list[dict]:
    """CSL-JSON items (type "article", CSL 1.0.2's preprint type) for the papers, in order."""
    items = list(items)
    out = []
    for key, d in zip(bibtex_keys(items), items, strict=True):
        day: date = d["date"]
        item = {
            "id": key,  # the BibTeX key, so pandoc citekeys match across formats
            "type": "article",
            "title": clean(d["title"]),
            "author": [_csl_name(a) for a in d["authors"]],
            "issued": {"date-parts": [[day.year, day.month, day.day]]},
            "abstract": clean(d.get("abstract")),
            "DOI": citation_doi(d),
            "URL": d["abs_url"],
            # Zotero maps preprint repository <-> publisher and archiveID <-> number.
            "publisher": PUBLISHER,
            "number": f"arXiv:{d['arxiv_id']}",
            "language": "en",
        }
        out.append({k: v for k, v in item.items() if v})
    return out
