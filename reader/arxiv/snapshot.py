"""Parser for the Kaggle ``arxiv-metadata-oai-snapshot`` JSON Lines dump, one line at a time.

Pure (stdlib + orjson, about 3x faster than json on these 1.5 KB lines). Fields mirror OAI
``arXivRaw``, and the same helpers normalise them, so a snapshot row and a later OAI harvest
of the same paper produce identical entries.
"""

from datetime import datetime
from typing import Any

import orjson

from reader.arxiv.base import (
    ArxivParseError,
    collapse_ws,
    entry_id,
    finish_versions,
    new_entry,
    normalize_abstract,
    optional_text,
    ordered_categories,
    parse_datetime,
    set_dois,
    split_authors,
    to_int,
)

__all__ = ["parse_snapshot_line"]


def parse_snapshot_line(line: str | bytes) -> dict[str, Any]:
    """Parse one line of arxiv-metadata-oai-snapshot.json into an entry dict."""
    try:
        obj = orjson.loads(line)
    except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArxivParseError(f"not JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise ArxivParseError("snapshot line is not a JSON object")
    if not obj.get("id") or not isinstance(obj["id"], str):
        raise ArxivParseError("snapshot line has no id")
    try:
        return _entry(obj)
    except (AttributeError, TypeError) as exc:
        # A field of the wrong JSON type (a number for a string, a string for a list...).
        raise ArxivParseError(f"snapshot {obj['id']}: malformed field: {exc}") from exc


def _entry(obj: dict[str, Any]) -> dict[str, Any]:
    entry = new_entry()
    entry["arxiv_id"] = entry_id(obj["id"], "snapshot id")[0]
    entry["title"] = collapse_ws(obj.get("title") or "")
    entry["abstract"] = normalize_abstract(obj.get("abstract") or "")
    # Names and affiliations from the raw string, exactly as arXivRaw gives them, so a
    # snapshot row and a later OAI harvest of the same paper compare equal.
    entry["authors"] = split_authors(obj.get("authors"))
    cats = (obj.get("categories") or "").split()
    entry["primary_category"] = cats[0] if cats else None
    entry["categories"] = ordered_categories(None, cats)
    entry["comment"] = optional_text(obj.get("comments"))
    entry["journal_ref"] = optional_text(obj.get("journal-ref"))
    set_dois(entry, obj.get("doi"))
    entry["license"] = optional_text(obj.get("license"))
    for v in obj.get("versions") or []:
        number = to_int(str(v.get("version", "")).lstrip("v"))
        if number is None:
            raise ArxivParseError(f"snapshot {obj['id']}: bad version {v!r}")
        date: datetime | None = parse_datetime(v.get("created"))
        entry["versions"].append({"version": number, "date": date, "size": v.get("size")})
    finish_versions(entry)
    return entry
