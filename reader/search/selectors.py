"""Full-text search against the database: SQLite FTS5 or PostgreSQL, and related-paper counts.

Ranking (BM25 / ts_rank) runs over the RANK_WINDOW most recently added matching papers: a word
found in most of the database would otherwise cost a ranking pass over every paper. The query
language itself is ``reader.search.query`` (pure).
"""

import math

from django.db import connection

from reader.search.query import (
    MAX_HITS,
    RANK_WINDOW,
    ParsedQuery,
    common_cap,
    fts_expression,
    keyword_counts,
    pg_condition,
    pg_tsquery,
)

_ORDER_SQLITE = {
    "relevance": "bm25(reader_paper_fts, 5.0, 1.0, 3.0)",
    "time": "p.first_published DESC",
    "stars": "p.stars DESC, bm25(reader_paper_fts, 5.0, 1.0, 3.0)",
}


def _sqlite_search(expr: str, sort: str, limit: int, offset: int, exclude_id: int | None):
    with connection.cursor() as cur:
        # Walking the doclist in rowid order is cheap; scoring every match is not.
        cur.execute(
            "SELECT rowid FROM reader_paper_fts WHERE reader_paper_fts MATCH %s "
            f"ORDER BY rowid DESC LIMIT 1 OFFSET {RANK_WINDOW - 1}",
            [expr],
        )
        floor = (cur.fetchone() or [0])[0]
        where = "reader_paper_fts MATCH %s AND reader_paper_fts.rowid >= %s"
        params: list = [expr, floor]
        if exclude_id:
            where += " AND reader_paper_fts.rowid != %s"
            params.append(exclude_id)
        join = (
            "" if sort == "relevance" else " JOIN reader_paper p ON p.id = reader_paper_fts.rowid"
        )
        cur.execute(
            f"SELECT reader_paper_fts.rowid FROM reader_paper_fts{join} WHERE {where} "
            f"ORDER BY {_ORDER_SQLITE[sort]} LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
        ids = [row[0] for row in cur.fetchall()]
        cur.execute(
            f"SELECT count(*) FROM (SELECT rowid FROM reader_paper_fts WHERE "
            f"reader_paper_fts MATCH %s LIMIT {MAX_HITS})",
            [expr],
        )
        total = cur.fetchone()[0]
    return ids, total


def _pg_search(parsed: ParsedQuery, sort: str, limit: int, offset: int, exclude_id):
    cond, params = pg_condition(parsed)
    if exclude_id:
        cond += " AND id != %s"
        params.append(exclude_id)
    tsquery = pg_tsquery(parsed)
    rank = "ts_rank(search_vector, to_tsquery('english'::regconfig, %s)) DESC"
    if sort == "time" or not tsquery:
        order, order_params = "first_published DESC NULLS LAST, id DESC", []
    elif sort == "stars":
        order, order_params = f"stars DESC, {rank}", [tsquery]
    else:
        order, order_params = rank, [tsquery]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id FROM (SELECT id, search_vector, stars, first_published FROM reader_paper "
            f"WHERE {cond} ORDER BY id DESC LIMIT {RANK_WINDOW}) window_ "
            f"ORDER BY {order} LIMIT %s OFFSET %s",
            [*params, *order_params, limit, offset],
        )
        ids = [row[0] for row in cur.fetchall()]
        cur.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM reader_paper WHERE {cond} LIMIT {MAX_HITS}) s",
            params,
        )
        total = cur.fetchone()[0]
    return ids, total


def search_ids(
    parsed: ParsedQuery,
    *,
    sort: str = "relevance",
    limit: int = 25,
    offset: int = 0,
    exclude_id: int | None = None,
) -> tuple[list[int], int]:
    """Paper primary keys for one page of results, and the hit count (capped at MAX_HITS)."""
    limit = max(0, min(limit, MAX_HITS - offset))
    if connection.vendor == "postgresql":
        return _pg_search(parsed, sort, limit, offset, exclude_id)
    return _sqlite_search(fts_expression(parsed), sort, limit, offset, exclude_id)


def doc_freqs(words: list[str]) -> tuple[dict[str, int], int]:
    """Number of papers containing each word, and the number of papers."""
    if not words:
        return {}, 0
    if connection.vendor == "postgresql":
        # The GIN index answers each word; the english configuration may stem or drop it.
        match = "search_vector @@ plainto_tsquery('english'::regconfig, %s)"
        source = "reader_paper"
    else:
        # Counting a word's doclist is fast (fts5vocab would recount the whole index).
        match, source = "reader_paper_fts MATCH %s", "reader_paper_fts"
        words_sql = ['"' + w + '"' for w in words]
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM reader_paper")
        total = cur.fetchone()[0]
        # Capped: a word in more than COMMON_SHARE of all papers is no keyword anyway.
        cap = common_cap(total)
        freqs = {}
        for word, arg in zip(words, words_sql if source != "reader_paper" else words):
            cur.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {match} LIMIT {cap}) s", [arg]
            )
            freqs[word] = cur.fetchone()[0]
        return freqs, total


def top_keywords(title: str, abstract: str, *, count: int = 10) -> list[str]:
    """The paper's ``count`` words with the highest TF-IDF (words no other paper has are skipped)."""
    tf = keyword_counts(title, abstract)
    candidates = [w for w, _ in tf.most_common(25)]
    df, total = doc_freqs(candidates)
    cap = common_cap(total)
    scored = [
        (tf[w] * math.log((total + 1) / (df[w] + 1)), w)
        for w in candidates
        # A word only this paper has finds nothing; one most papers have finds everything.
        if 2 <= df.get(w, 0) < cap
    ]
    return [w for _, w in sorted(scored, reverse=True)[:count]]
