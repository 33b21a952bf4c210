"""Parsers for the arXiv API (Atom, pre-2025 and 2026 wire formats) and OAI-PMH (arXiv and
arXivRaw metadata formats), producing the plain entry dicts of ``arxiv_base.new_entry``.

Pure (stdlib + lxml). Each parser walks an element's children once and dispatches on the
namespaced tag, so it neither depends on element order (which changed in the 2026 API) nor
pays for repeated XPath searches.
"""

from typing import Any

from lxml import etree

from reader.arxiv_base import (
    ArxivApiError,
    ArxivParseError,
    OaiError,
    ParseResult,
    collapse_ws,
    entry_id,
    finish_versions,
    is_author_name,
    load_xml,
    new_entry,
    normalize_abstract,
    optional_text,
    ordered_categories,
    parse_datetime,
    set_dois,
    split_authors,
    to_int,
)

__all__ = ["parse_api", "parse_oai"]

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
RAW = "{http://arxiv.org/OAI/arXivRaw/}"
ARXIV_OAI = "{http://arxiv.org/OAI/arXiv/}"


def _root(data: bytes | etree._Element) -> etree._Element:
    return data if isinstance(data, etree._Element) else load_xml(data)


# ---- arXiv API (Atom) ----


def parse_api(data: bytes | etree._Element) -> ParseResult:
    """Parse an API query response; raise ArxivApiError for its error entry."""
    root = _root(data)
    if root.tag != ATOM + "feed":
        raise ArxivParseError(f"not an arXiv API feed: root element {root.tag!r}")
    result = ParseResult(kind="api")
    query = None
    for child in root:
        tag = child.tag
        if tag == ATOM + "entry":
            result.entries.append(_api_entry(child, query))
        elif tag == OPENSEARCH + "totalResults":
            result.total_results = to_int(child.text)
        elif tag == OPENSEARCH + "startIndex":
            result.start_index = to_int(child.text)
        elif tag == ATOM + "updated":
            result.response_date = parse_datetime(child.text)
        elif tag == ATOM + "link":
            href = child.get("href") or ""
            query = href.partition("?")[2] or query
    return result


# Namespaced tag -> short name: one dict lookup per element instead of a chain of long
# string comparisons (and concatenations) is most of the parser's speed.
_API_TAGS = {
    **{
        ATOM + t: t
        for t in ("author", "category", "id", "title", "summary", "published", "updated")
    },
    **{ARXIV + t: t for t in ("primary_category", "comment", "journal_ref", "doi")},
}
_AUTHOR_TAGS = {ATOM + "name": "name", ARXIV + "affiliation": "affiliation"}


def _api_entry(el: etree._Element, query: str | None) -> dict[str, Any]:
    entry = new_entry()
    raw_id = summary = primary = None
    categories: list[str] = []
    for child in el:
        t = _API_TAGS.get(child.tag)
        if t is None:
            continue
        if t == "author":
            author = _api_author(child)
            if is_author_name(author["name"]):
                entry["authors"].append(author)
        elif t == "category":
            categories.append(child.get("term") or "")
        elif t == "id":
            raw_id = (child.text or "").strip()
        elif t == "title":
            entry["title"] = collapse_ws(child.text or "")
        elif t == "summary":
            summary = child.text or ""
        elif t == "published":
            entry["published"] = parse_datetime(child.text)
        elif t == "updated":
            entry["updated"] = parse_datetime(child.text)
        elif t == "primary_category":
            primary = child.get("term")
        elif t == "comment":
            entry["comment"] = optional_text(child.text)
        elif t == "journal_ref":
            entry["journal_ref"] = optional_text(child.text)
        else:  # doi
            set_dois(entry, child.text)
    if raw_id is None:
        raise ArxivParseError("API entry without <id>")
    if "/api/errors" in raw_id:
        # The error "paper" (HTTP 400 since 2025): never let it through as data.
        reason = raw_id.partition("#")[2] or None
        raise ArxivApiError(
            collapse_ws(summary) or reason or "unknown error", reason=reason, query=query
        )
    arxiv_id, version = entry_id(raw_id.rpartition("/abs/")[2], "API entry id")
    entry["arxiv_id"], entry["version"] = arxiv_id, version
    entry["abstract"] = normalize_abstract(summary)
    entry["primary_category"] = primary or (categories[0] if categories else None)
    entry["categories"] = ordered_categories(entry["primary_category"], categories)
    # The API knows only v1's date (published) and the returned version's date (updated).
    if entry["published"] is not None:
        entry["versions"].append({"version": 1, "date": entry["published"], "size": None})
    if version and version > 1:
        entry["versions"].append({"version": version, "date": entry["updated"], "size": None})
    return entry


def _api_author(el: etree._Element) -> dict[str, str | None]:
    name = None
    affiliations = []
    for child in el:
        t = _AUTHOR_TAGS.get(child.tag)
        if t == "name":
            name = collapse_ws(child.text or "")
        elif t == "affiliation":
            aff = collapse_ws(child.text)
            if aff:
                affiliations.append(aff)
    return {"name": name or "", "affiliation": "; ".join(affiliations) or None}


# ---- OAI-PMH ----


def parse_oai(data: bytes | etree._Element) -> ParseResult:
    """Parse a ListRecords/GetRecord response (arXiv or arXivRaw); noRecordsMatch -> empty."""
    root = _root(data)
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
