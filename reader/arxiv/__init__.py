"""The arXiv library: PURE (stdlib + lxml + requests), importable without Django.

What each module owns:

- ``ids``: arXiv identifiers (new and old style, versions), normalised once here; OAI sets.
- ``base``: errors, ``ParseResult`` and the entry dict, safe XML loading, text/author helpers.
- ``api``: the arXiv API's Atom responses (pre-2025 and 2026 wire formats).
- ``oai``: OAI-PMH responses (``arXiv`` and ``arXivRaw`` metadata formats).
- ``feeds``: the RSS and Atom announcement feeds (each entry's feed category and section).
- ``listing``: the ``/list/<cat>/new`` HTML page (each entry's section and position).
- ``snapshot``: lines of the Kaggle metadata snapshot (JSON Lines).
- ``formats``: which of the above a saved response is (``parse_any``).
- ``client``: polite HTTP (one connection, User-Agent, timeouts, Retry-After, back-off).
- ``calendar``: arXiv's announcement calendar (which listing day a submission lands in).

This package's namespace re-exports what the Django side uses (``from reader import arxiv``).
"""

from reader.arxiv.api import ATOM, OPENSEARCH, parse_api
from reader.arxiv.base import (
    ArxivApiError,
    ArxivParseError,
    ArxivUnavailable,
    OaiError,
    ParseResult,
    load_xml,
    new_entry,
)
from reader.arxiv.feeds import parse_atom_feed, parse_rss
from reader.arxiv.formats import detect_format, parse_any
from reader.arxiv.ids import (
    ID_PATTERN,
    NEW_ID_PATTERN,
    OLD_ID_PATTERN,
    VERSION_PATTERN,
    InvalidArxivId,
    normalize_id,
    oai_set_for_category,
    with_version,
)
from reader.arxiv.listing import parse_listing
from reader.arxiv.oai import OAI, parse_oai
from reader.arxiv.snapshot import parse_snapshot_line

__all__ = [
    "ATOM",
    "ID_PATTERN",
    "NEW_ID_PATTERN",
    "OAI",
    "OLD_ID_PATTERN",
    "OPENSEARCH",
    "VERSION_PATTERN",
    "ArxivApiError",
    "ArxivParseError",
    "ArxivUnavailable",
    "InvalidArxivId",
    "OaiError",
    "ParseResult",
    "detect_format",
    "load_xml",
    "new_entry",
    "normalize_id",
    "oai_set_for_category",
    "parse_any",
    "parse_api",
    "parse_atom_feed",
    "parse_listing",
    "parse_oai",
    "parse_rss",
    "parse_snapshot_line",
    "with_version",
]
