"""Shared pieces of the arXiv parsers: errors, ParseResult, the safe XML loader, text and
field helpers.

Pure (stdlib + lxml). The XML loader never expands entities, never touches the network and
rejects any DOCTYPE, so billion-laughs and external-entity payloads fail before they can do
anything. Text helpers normalise whitespace only; TeX (``$...$``, ``\\'e``) is kept verbatim
for the renderer.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import etree

from reader.arxiv.ids import InvalidArxivId, normalize_id

__all__ = [
    "category_of_entries",
    "as_root",
    "is_author_name",
    "ArxivApiError",
    "ArxivParseError",
    "ArxivUnavailable",
    "OaiError",
    "ParseResult",
    "collapse_ws",
    "entry_id",
    "finish_versions",
    "load_xml",
    "new_entry",
    "normalize_abstract",
    "optional_text",
    "ordered_categories",
    "parse_datetime",
    "set_dois",
    "split_authors",
    "split_dois",
    "to_int",
]


class ArxivParseError(ValueError):
    """Input is not a well-formed, safe arXiv response (truncated, HTML, DOCTYPE, bad JSON...)."""


class ArxivApiError(Exception):
    """The arXiv API answered with its error entry (id under /api/errors) instead of papers."""

    def __init__(self, detail: str, *, reason: str | None = None, query: str | None = None):
        self.detail = detail
        self.reason = reason
        self.query = query
        where = f" for query {query!r}" if query else ""
        super().__init__(f"arXiv API error{where}: {detail}")


class OaiError(Exception):
    """An OAI-PMH <error code="..."> response (noRecordsMatch is not raised: it is empty)."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(f"OAI-PMH error {code}: {message}")


class ArxivUnavailable(Exception):
    """arXiv answered 5xx/503 or the connection kept failing; try again later, never 'no data'."""

    def __init__(self, message: str = "arXiv unavailable", retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(
            message if retry_after is None else f"{message} (retry after {retry_after:g} s)"
        )


@dataclass
class ParseResult:
    """One parsed response page: entries as plain dicts plus paging and date metadata."""

    kind: str  # 'api', 'oai', 'rss', 'atom-feed' ('listing' from arxiv_listing.parse_listing)
    entries: list[dict[str, Any]] = field(default_factory=list)
    total_results: int | None = None
    start_index: int | None = None
    resumption_token: str | None = None
    response_date: datetime | None = None
    announce_date: date | None = None
    # OAI-PMH records with status="deleted" (bare ids); they carry no metadata.
    deleted: list[str] = field(default_factory=list)
    # Announcement feeds: the one category the feed is for (None for "cs.AI+q-bio.NC" feeds).
    feed_category: str | None = None
    # Listing pages only: section -> (shown, total) from "(showing X of Y entries)".
    section_counts: dict[str, tuple[int, int]] = field(default_factory=dict)


def new_entry() -> dict[str, Any]:
    """An entry dict with every key present, so all formats yield the same shape."""
    return {
        "arxiv_id": None,
        "version": None,
        "title": None,
        "abstract": None,
        "authors": [],
        "primary_category": None,
        "categories": [],
        "published": None,
        "updated": None,
        "versions": [],
        "comment": None,
        "journal_ref": None,
        "doi": None,
        "dois": [],
        "license": None,
        "announce_type": None,
        "announce_date": None,
        "position": None,  # order in an announcement feed or listing page
    }


# ---- safe XML ----

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype\s+html|<html[\s>])", re.IGNORECASE)
_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def as_root(data: bytes | etree._Element) -> etree._Element:
    """An element as given, or the root of bytes parsed by load_xml (every parser's entry)."""
    return data if isinstance(data, etree._Element) else load_xml(data)


def load_xml(data: bytes) -> etree._Element:
    """Parse bytes into an lxml root element, refusing HTML pages, DOCTYPEs and broken XML."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data.strip():
        raise ArxivParseError("empty response body")
    if _HTML_START.match(data[:2048]):
        m = _HTML_TITLE.search(data[:8192])
        title = collapse_ws(m.group(1).decode("utf-8", "replace")) if m else "no title"
        raise ArxivParseError(f"got an HTML page instead of XML ({title[:120]})")
    # A DOCTYPE has no business in arXiv responses; refusing it outright rules out entity
    # tricks even if a future lxml changes its defaults.
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in head:
        raise ArxivParseError("XML with a DOCTYPE/entity declaration is refused")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ArxivParseError(f"malformed or truncated XML: {exc}") from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise ArxivParseError("XML with a DOCTYPE/entity declaration is refused")
    return root


# ---- text ----

# A newline followed by indentation, or a blank line, starts a paragraph in arXiv abstracts.
_PARA_BREAK = re.compile(r"\n(?:[ \t]*\n)+|\n[ \t]+")


def is_author_name(name: str | None) -> bool:
    """True when a name holds a letter or digit: arXiv lists sometimes carry a lone ':' or ','."""
    return bool(name) and any(c.isalnum() for c in name)


def category_of_entries(entries: list[dict]) -> str | None:
    """The one category a feed or listing page lists, read from its entries: the category every
    entry carries, else the one primary category of its new papers (None when neither)."""
    if not entries:
        return None
    common = set.intersection(*(set(e["categories"]) for e in entries))
    if len(common) == 1:
        return common.pop()
    primaries = {e["primary_category"] for e in entries if e["announce_type"] in ("new", "replace")}
    return primaries.pop() if len(primaries) == 1 else None


def collapse_ws(text: str | None) -> str | None:
    """Strip and collapse all whitespace runs to one space (titles, names); None stays None."""
    if text is None:
        return None
    if text.isascii() and not _ASCII_WS_RUN.search(text):
        return text.strip()  # fast path: already single-spaced (most 2026 API text)
    # str.split() is several times faster than a \s+ regex and splits on the same characters.
    return " ".join(text.split())


# Anything str.split() would collapse in ASCII text, other than a lone space.
_ASCII_WS_RUN = re.compile("  |[\n\t\r\x0b\x0c\x1c\x1d\x1e\x1f]")


def normalize_abstract(text: str | None) -> str | None:
    """Join hard-wrapped lines; keep paragraphs (indented or blank-line starts) as '\\n\\n'."""
    if text is None:
        return None
    if "\n" not in text:
        return collapse_ws(text)
    text = text.strip()
    paragraphs = (" ".join(p.split()) for p in _PARA_BREAK.split(text.replace("\r\n", "\n")))
    return "\n\n".join(p for p in paragraphs if p)


def optional_text(text: str | None) -> str | None:
    """Collapse whitespace and map empty strings to None (comment, journal_ref, ...)."""
    text = collapse_ws(text)
    return text or None


_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
# arXiv's RFC 2822 dates are always "Mon, 2 Apr 2007 19:18:42 GMT"; parse those without email.utils.
_RFC2822_GMT = re.compile(
    r"(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT"
)


def parse_datetime(text: str | None) -> datetime | None:
    """Aware datetime from ISO 8601, RFC 2822 or YYYY-MM-DD (midnight UTC); None for blank."""
    if text is None:
        return None
    s = text.strip()
    if not s:
        return None
    try:
        if s[:4].isdigit():
            dt = datetime.fromisoformat(s)
        elif (m := _RFC2822_GMT.fullmatch(s)) and m.group(2) in _MONTHS:
            day, mon, year, hh, mm, ss = m.groups()
            return datetime(
                int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss), tzinfo=UTC
            )
        else:
            dt = parsedate_to_datetime(s)
    except (ValueError, TypeError) as exc:
        raise ArxivParseError(f"unreadable date {s!r}") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def split_dois(text: str | None) -> list[str]:
    """DOIs from a field that may hold several separated by spaces (arXivRaw, Kaggle)."""
    return text.split() if text else []


# ---- authors ----

_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


_FLAT_SPLIT = re.compile(r",|\s+and\s+(?=\S)", re.IGNORECASE)


def _split_top_level(text: str) -> list[str]:
    """Split on commas and the word 'and' outside parentheses/braces (affiliations, TeX)."""
    if "(" not in text and "{" not in text and "[" not in text:
        return _FLAT_SPLIT.split(text)  # no nesting: one C-level split does it
    return _split_nested(text)


def _split_nested(text: str) -> list[str]:
    """Character walk that tracks bracket depth (the general case of _split_top_level)."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth = max(0, depth - 1)
        elif depth == 0:
            if c == ",":
                parts.append(text[start:i])
                start = i + 1
            elif c == " ":
                m = _AND.match(text, i)
                if m and m.end() < n:
                    parts.append(text[start:i])
                    start = i = m.end()
                    continue
        i += 1
    parts.append(text[start:])
    return parts


def split_authors(text: str | None) -> list[dict[str, str | None]]:
    """Authors from arXiv's one-string form ('A, B (MIT), and C') -> [{'name', 'affiliation'}]."""
    text = collapse_ws(text)
    if not text:
        return []
    text, legend = _pop_legend(text)
    authors: list[dict[str, str | None]] = []
    for part in _split_top_level(text):
        name = part.strip()
        if not is_author_name(name) or _ET_AL.fullmatch(name):
            continue
        if name.lower() in _SUFFIXES and authors:
            # "John Smith, Jr." is one author, not two.
            authors[-1]["name"] = f"{authors[-1]['name']}, {name}"
            continue
        affiliation = None
        if name.endswith(")") and "(" in name:
            cut = _trailing_group_start(name)
            if cut > 0:
                affiliation = name[cut + 1 : -1].strip() or None
                name = name[:cut].strip()
        if affiliation and legend and _REFS.fullmatch(affiliation):
            # "(1 and 2)" points into the "((1) X, (2) Y)" legend at the end.
            refs = [legend.get(n) for n in re.findall(r"\d+", affiliation)]
            affiliation = "; ".join(r for r in refs if r) or affiliation
        authors.append({"name": name, "affiliation": affiliation})
    return authors


_ET_AL = re.compile(r"et\.? al\.?", re.IGNORECASE)
_REFS = re.compile(r"\d+(?:\s*(?:,|and|&)\s*\d+)*")
_LEGEND_ITEM = re.compile(r"\s*\((\d+)\)\s*")


def _pop_legend(text: str) -> tuple[str, dict[str, str]]:
    """Split off a trailing numbered affiliation legend '((1) MIT, (2) CERN)', if any."""
    if not text.endswith(")"):
        return text, {}
    cut = _trailing_group_start(text)
    inner = text[cut + 1 : -1] if cut > 0 else ""
    if not re.match(r"\(\d+\)", inner):
        return text, {}
    parts = _LEGEND_ITEM.split(inner)[1:]  # ['1', 'MIT, ', '2', 'CERN']
    legend = {
        parts[i]: parts[i + 1].strip().rstrip(",;").strip() for i in range(0, len(parts) - 1, 2)
    }
    return text[:cut].strip(), legend


def _trailing_group_start(name: str) -> int:
    """Index of the '(' that opens the parenthesised group ending the string, or -1."""
    depth = 0
    for i in range(len(name) - 1, -1, -1):
        if name[i] == ")":
            depth += 1
        elif name[i] == "(":
            depth -= 1
            if depth == 0:
                return i
    return -1


# ---- entry fields shared by the parsers ----


def entry_id(text: str | None, where: str) -> tuple[str, int | None]:
    """normalize_id, but a bad id inside a response is that response's parse error."""
    try:
        return normalize_id(text or "")
    except InvalidArxivId as exc:
        raise ArxivParseError(f"{where}: {exc}") from exc


def to_int(text: str | None) -> int | None:
    """int of a numeric attribute or text; None when blank or not a number."""
    try:
        return int(text) if text is not None and text.strip() else None
    except ValueError:
        return None


def ordered_categories(primary: str | None, others: list[str]) -> list[str]:
    """Primary first, then the rest in source order, without duplicates."""
    seen: dict[str, None] = {}
    if primary:
        seen[primary] = None
    for c in others:
        if c:
            seen.setdefault(c, None)
    return list(seen)


def set_dois(entry: dict[str, Any], text: str | None) -> None:
    """Fill `dois` (all, space-separated in the source) and `doi` (the first)."""
    entry["dois"] = split_dois(text)
    entry["doi"] = entry["dois"][0] if entry["dois"] else None


def finish_versions(entry: dict[str, Any]) -> None:
    """Sort the history; v1 gives `published`, the latest gives `version` and `updated`."""
    versions = sorted(entry["versions"], key=lambda v: v["version"])
    entry["versions"] = versions
    if versions:
        entry["version"] = versions[-1]["version"]
        entry["published"] = versions[0]["date"] if versions[0]["version"] == 1 else None
        entry["updated"] = versions[-1]["date"]
