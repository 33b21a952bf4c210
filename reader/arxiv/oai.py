"""Parser for OAI-PMH responses (arXiv and arXivRaw metadata formats) -> plain entry dicts.

Pure (stdlib + lxml); one pass over each element's children, dispatching on the namespaced tag.
"""

from typing import Any

from lxml import etree

from reader.arxiv.base import (
    ArxivParseError,
    OaiError,
    ParseResult,
    as_root,
    collapse_ws,
    entry_id,
    finish_versions,
    is_author_name,
    new_entry,
    normalize_abstract,
    optional_text,
    ordered_categories,
    parse_datetime,
    set_dois,
    split_authors,
    to_int,
)

__all__ = ["OAI", "parse_oai"]

OAI = "{http://www.openarchives.org/OAI/2.0/}"
RAW = "{http://arxiv.org/OAI/arXivRaw/}"
ARXIV_OAI = "{http://arxiv.org/OAI/arXiv/}"


def parse_oai(data: bytes | etree._Element) -> ParseResult:
    """Parse a ListRecords/GetRecord response (arXiv or arXivRaw); noRecordsMatch -> empty."""
    root = as_root(data)
    if root.tag != OAI + "OAI-PMH":
        raise ArxivParseError(f"not an OAI-PMH response: root element {root.tag!r}")
    result = ParseResult(kind="oai")
    for child in root:
        tag = child.tag
        if tag == OAI + "responseDate":
            result.response_date = parse_datetime(child.text)
        elif tag == OAI + "error":
            code = child.get("code") or "unknown"
            if code == "noRecordsMatch":
                return result  # an incremental harvest with nothing new is normal
            raise OaiError(code, collapse_ws(child.text) or "")
        elif tag in (OAI + "ListRecords", OAI + "GetRecord"):
            _oai_records(child, result)
        elif isinstance(tag, str) and tag.startswith(OAI) and tag != OAI + "request":
            raise ArxivParseError(f"unsupported OAI-PMH verb response <{tag[len(OAI) :]}>")
    return result


_RECORD, _HEADER, _METADATA = OAI + "record", OAI + "header", OAI + "metadata"
_TOKEN, _IDENTIFIER = OAI + "resumptionToken", OAI + "identifier"


def _oai_records(container: etree._Element, result: ParseResult) -> None:
    for child in container:
        tag = child.tag
        if tag == _RECORD:
            header = metadata = None
            for part in child:
                if part.tag == _HEADER:
                    header = part
                elif part.tag == _METADATA:
                    metadata = part
            if header is not None and header.get("status") == "deleted":
                ident = header.findtext(_IDENTIFIER) or ""
                result.deleted.append(entry_id(ident, "deleted record")[0])
                continue
            if metadata is None or len(metadata) == 0:
                raise ArxivParseError("OAI record without metadata")
            result.entries.append(_oai_metadata(metadata[0]))
        elif tag == _TOKEN:
            result.resumption_token = (child.text or "").strip() or None
            result.total_results = to_int(child.get("completeListSize"))
            result.start_index = to_int(child.get("cursor"))


def _oai_metadata(meta: etree._Element) -> dict[str, Any]:
    if meta.tag == RAW + "arXivRaw":
        return _arxiv_raw(meta)
    if meta.tag == ARXIV_OAI + "arXiv":
        return _arxiv_oai(meta)
    raise ArxivParseError(f"unsupported OAI metadata format {meta.tag!r} (use arXiv or arXivRaw)")


_COMMON = ("title", "abstract", "categories", "comments", "journal-ref", "doi", "license")
_RAW_TAGS = {RAW + t: t for t in ("id", "version", "authors", *_COMMON)}
_ARXIV_OAI_TAGS = {ARXIV_OAI + t: t for t in ("id", "created", "updated", "authors", *_COMMON)}


def _fill_common(entry: dict[str, Any], local: str, child: etree._Element) -> None:
    """Fields arXivRaw and arXiv share (same local names)."""
    if local == "title":
        entry["title"] = collapse_ws(child.text or "")
    elif local == "abstract":
        entry["abstract"] = normalize_abstract(child.text or "")
    elif local == "categories":
        cats = (child.text or "").split()
        entry["primary_category"] = cats[0] if cats else None
        entry["categories"] = ordered_categories(None, cats)
    elif local == "comments":
        entry["comment"] = optional_text(child.text)
    elif local == "journal-ref":
        entry["journal_ref"] = optional_text(child.text)
    elif local == "doi":
        set_dois(entry, child.text)
    elif local == "license":
        entry["license"] = optional_text(child.text)


def _arxiv_raw(meta: etree._Element) -> dict[str, Any]:
    entry = new_entry()
    raw_id = None
    for child in meta:
        t = _RAW_TAGS.get(child.tag)
        if t is None:
            continue  # submitter, proxy, report-no, msc-class, acm-class: not stored
        if t == "id":
            raw_id = child.text
        elif t == "version":
            entry["versions"].append(_raw_version(child))
        elif t == "authors":
            entry["authors"] = split_authors(child.text)
        else:
            _fill_common(entry, t, child)
    entry["arxiv_id"] = entry_id(raw_id, "arXivRaw id")[0]
    finish_versions(entry)
    return entry


def _raw_version(el: etree._Element) -> dict[str, Any]:
    label = el.get("version") or ""
    number = to_int(label.lstrip("v"))
    if number is None:
        raise ArxivParseError(f"arXivRaw version label {label!r}")
    date = size = None
    for child in el:
        if child.tag == _RAW_DATE:
            date = parse_datetime(child.text)
        elif child.tag == _RAW_SIZE:
            size = optional_text(child.text)
    return {"version": number, "date": date, "size": size}


_RAW_DATE, _RAW_SIZE = RAW + "date", RAW + "size"


def _arxiv_oai(meta: etree._Element) -> dict[str, Any]:
    entry = new_entry()
    raw_id = created = updated = None
    author_tag = ARXIV_OAI + "author"
    for child in meta:
        t = _ARXIV_OAI_TAGS.get(child.tag)
        if t is None:
            continue
        if t == "id":
            raw_id = child.text
        elif t == "created":
            created = parse_datetime(child.text)
        elif t == "updated":
            updated = parse_datetime(child.text)
        elif t == "authors":
            authors = (_oai_author(a) for a in child if a.tag == author_tag)
            entry["authors"] = [a for a in authors if is_author_name(a["name"])]
        else:
            _fill_common(entry, t, child)
    entry["arxiv_id"] = entry_id(raw_id, "arXiv record id")[0]
    # The arXiv format has dates only: created is v1; `updated` is the latest version's date
    # but its number is not given, so `version` stays None unless there was no update.
    entry["published"] = created
    entry["updated"] = updated or created
    if created is not None:
        entry["versions"] = [{"version": 1, "date": created, "size": None}]
    if updated is None and created is not None:
        entry["version"] = 1
    return entry


def _oai_author(el: etree._Element) -> dict[str, str | None]:
    parts: dict[str, str] = {}
    affiliations = []
    for child in el:
        local = child.tag[len(ARXIV_OAI) :]
        text = collapse_ws(child.text) or ""
        if local == "affiliation":
            if text:
                affiliations.append(text)
        elif text:
            parts[local] = text
    name = " ".join(
        p for p in (parts.get("forenames"), parts.get("keyname"), parts.get("suffix")) if p
    )
    return {"name": name, "affiliation": "; ".join(affiliations) or None}
