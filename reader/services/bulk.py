"""Raw batched writes for the paper tables (the ingest hot path).

Django's ``bulk_create``/``bulk_update`` spend most of their time preparing values field by
field; the snapshot import needs thousands of rows a second, so this module adapts the values
once and hands whole batches to the driver's ``executemany``. Same SQL on SQLite and
PostgreSQL; conflicts on the unique keys are ignored (``ON CONFLICT DO NOTHING``).
"""

import json
from collections.abc import Sequence
from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from reader.models import ListingEntry, Paper, PaperVersion

JSON_FIELDS = {"authors", "categories"}
PAPER_COLUMNS = (
    "arxiv_id", "latest_version", "title", "abstract", "authors", "authors_text",
    "primary_category", "categories", "first_published", "updated", "announce_date", "comment",
    "journal_ref", "doi", "license", "title_html", "title_plain", "abstract_html",
    "abstract_plain", "renderer_version", "source_hash", "note", "note_html", "stars",
    "created_at", "modified_at",
)  # fmt: skip
UPDATE_COLUMNS = tuple(
    c for c in PAPER_COLUMNS if c not in {"arxiv_id", "note", "note_html", "stars", "created_at"}
)


def _adapt(value, ops=None):
    if isinstance(value, date):  # datetime is a date too
        ops = ops or connection.ops
        if isinstance(value, datetime):
            return ops.adapt_datetimefield_value(value)
        return ops.adapt_datefield_value(value)
    return value


def _placeholder(column: str) -> str:
    # psycopg sends str as text; jsonb columns need an explicit cast.
    return "%s::jsonb" if column in JSON_FIELDS and connection.vendor == "postgresql" else "%s"


def _row(values: dict, columns: Sequence[str], ops) -> list:
    return [json.dumps(values[c]) if c in JSON_FIELDS else _adapt(values[c], ops) for c in columns]


def papers_insert(rows: list[dict]) -> dict[str, int]:
    """Insert new papers (dicts with PAPER_COLUMNS but timestamps); return {arxiv_id: pk}."""
    if not rows:
        return {}
    now = timezone.now()
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in PAPER_COLUMNS)
    marks = ", ".join(_placeholder(c) for c in PAPER_COLUMNS)
    sql = (
        f"INSERT INTO {q(Paper._meta.db_table)} ({columns}) VALUES ({marks}) "
        f"ON CONFLICT ({q('arxiv_id')}) DO NOTHING"
    )
    defaults = {"note": "", "note_html": "", "stars": 0, "created_at": now, "modified_at": now}
    with connection.cursor() as cursor:
        ops = connection.ops
        cursor.executemany(sql, [_row({**defaults, **r}, PAPER_COLUMNS, ops) for r in rows])
    ids = [r["arxiv_id"] for r in rows]
    return dict(Paper.objects.filter(arxiv_id__in=ids).values_list("arxiv_id", "pk"))


def papers_update(rows: list[dict]) -> None:
    """Update changed papers in place (dicts with ``pk`` and the UPDATE_COLUMNS but modified_at)."""
    if not rows:
        return
    now = timezone.now()
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(c)} = {_placeholder(c)}" for c in UPDATE_COLUMNS)
    sql = f"UPDATE {q(Paper._meta.db_table)} SET {sets} WHERE {q('id')} = %s"
    ops = connection.ops
    params = [[*_row({**r, "modified_at": now}, UPDATE_COLUMNS, ops), r["pk"]] for r in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _insert_ignore(
    model, columns: Sequence[str], conflict: Sequence[str], rows: list[tuple]
) -> None:
    if not rows:
        return
    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(q(c) for c in conflict)}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        ops = connection.ops
        cursor.executemany(sql, [[_adapt(v, ops) for v in row] for row in rows])


def versions_insert(rows: list[tuple[int, int, datetime | None, str]]) -> None:
    """Insert (paper_id, version, submitted, size) rows; existing versions are kept."""
    _insert_ignore(
        PaperVersion,
        ("paper_id", "version", "submitted", "size", "comment"),
        ("paper_id", "version"),
        [(*row, "") for row in rows],
    )


def listings_insert(rows: list[tuple[int, str, date, str, int]]) -> None:
    """Insert (paper_id, category, issue_date, section, position) rows, ignoring duplicates."""
    _insert_ignore(
        ListingEntry,
        ("paper_id", "category", "issue_date", "section", "position"),
        ("paper_id", "category", "issue_date"),
        rows,
    )
