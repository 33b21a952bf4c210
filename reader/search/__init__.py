"""Full-text search: ``query`` (PURE query language), ``selectors`` (FTS5 / PostgreSQL) and
``highlight`` (PURE: marks the query's words in escaped text).

The namespace re-exports what callers use, so they write ``from reader import search``.
"""

from reader.search.query import (
    MAX_HITS,
    Clause,
    ParsedQuery,
    QueryError,
    fold,
    fts_expression,
    parse_query,
)
from reader.search.selectors import doc_freqs, search_ids, top_keywords

__all__ = [
    "MAX_HITS",
    "Clause",
    "ParsedQuery",
    "QueryError",
    "doc_freqs",
    "fold",
    "fts_expression",
    "parse_query",
    "search_ids",
    "top_keywords",
]
