"""Raw batched writes for the paper tables (the ingest hot path).

Django's ``bulk_create``/``bulk_update`` spend most of their time preparing values field by
field; the snapshot import needs thousands of rows a second, so values are adapted once (by
``paper_params``, which may run in a worker process) and whole batches go to the database:

- PostgreSQL: ``COPY`` of the papers checked to be new straight into the table; the version
  and listing rows, and papers that a concurrent writer added meanwhile, go through ``COPY``
  into a temporary staging table and one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``;
- SQLite: the driver's ``executemany``, with the full-text index filled by one
  ``INSERT ... SELECT`` per batch from its content view instead of by its per-row trigger
  (about half the cost; migration 0004); a batch UPDATE of the indexed columns (a render
  chunk) likewise replaces their index entries in two statements (a third; migration 0011).

Conflicts on the unique keys are ignored, so a concurrent writer never fails a batch.
"""

import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

import orjson
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from reader.models import Category, ListingEntry, Paper, PaperVersion
from reader.services import sqlite_bulk
from reader.taxonomy import archive_of

logger = logging.getLogger(__name__)

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
VERSION_COLUMNS = ("paper_id", "version", "submitted", "size", "comment")
LISTING_COLUMNS = ("paper_id", "category", "issue_date", "section", "position")


def adapt(value, ops=None):
    """A date/datetime as the database driver wants it (other values unchanged)."""
    if isinstance(value, date):  # datetime is a date too
        ops = ops or connection.ops
        if isinstance(value, datetime):
            return ops.adapt_datetimefield_value(value)
        return ops.adapt_datefield_value(value)
    return value


def _sqlite_datetime(value: datetime | None) -> str | None:
    # Django's SQLite adapter (make_naive in UTC, then str) without its per-call overhead:
    # the snapshot import adapts four datetimes a paper.
    if value is None or value.tzinfo is None:
        return adapt(value)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def iso_or_none(value: date | None) -> str | None:
    """ISO 8601 text: how SQLite stores a date, and what PostgreSQL's COPY reads."""
    return None if value is None else value.isoformat()


def datetime_adapter() -> Callable[[datetime | None], object]:
    """The fastest correct adapter of aware datetimes for the current database (plain text,
    which also crosses a process boundary faster than datetime objects)."""
    if connection.vendor == "sqlite" and settings.USE_TZ:
        return _sqlite_datetime
    if connection.vendor == "postgresql":
        return iso_or_none  # every prepared row reaches PostgreSQL through COPY
    return connection.ops.adapt_datetimefield_value


def _placeholder(column: str) -> str:
    # psycopg sends str as text; jsonb columns need an explicit cast.
    return "%s::jsonb" if column in JSON_FIELDS and connection.vendor == "postgresql" else "%s"


def _params(values: dict, columns: Sequence[str], ops) -> list:
    return [json.dumps(values[c]) if c in JSON_FIELDS else adapt(values[c], ops) for c in columns]


DATETIME_COLUMNS = ("first_published", "updated", "created_at", "modified_at")


def paper_params(row: dict, now: datetime | None = None, to_db=None) -> list:
    """Insert parameters for one new paper, in PAPER_COLUMNS order (needs no connection).

    ``to_db`` is ``datetime_adapter()``, looked up once by callers that loop.
    """
    now = now or timezone.now()
    values = {"note": "", "note_html": "", "stars": 0, "created_at": now, "modified_at": now}
    values.update(row)
    to_db = to_db or datetime_adapter()
    for column in DATETIME_COLUMNS:
        values[column] = to_db(values[column])
    values["announce_date"] = iso_or_none(values["announce_date"])
    for column in JSON_FIELDS:
        values[column] = orjson.dumps(values[column]).decode()
    return [values[c] for c in PAPER_COLUMNS]


def papers_insert(params: list[list]) -> dict[str, int]:
    """Insert new papers (``paper_params`` lists); return {arxiv_id: pk} for all of them.

    Must run inside a transaction (the staging table and the FTS switch are per transaction).
    """
    if not params:
        return {}
    if connection.vendor == "postgresql":
        returned = _pg_copy_new(Paper, PAPER_COLUMNS, ("arxiv_id",), params, ("arxiv_id", "id"))
        pks = dict(returned or [])  # None: all were copied, looked up below
    else:
        pks = _sqlite_papers_insert(params)
    missing = [p[0] for p in params if p[0] not in pks]
    if missing:
        pks |= dict(papers_lookup(missing, ("arxiv_id", "id")))
    return pks


def papers_lookup(arxiv_ids: list[str], columns: Sequence[str]) -> list[tuple]:
    """``columns`` of the stored papers among ``arxiv_ids`` (plain column values).

    One array parameter on PostgreSQL (planning a 2,000-item IN list costs more than the
    lookup); without the ORM, which doubles the time per row.
    """
    if not arxiv_ids:
        return []
    q = connection.ops.quote_name
    select = f"SELECT {', '.join(q(c) for c in columns)} FROM {q(Paper._meta.db_table)}"
    rows = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{select} WHERE {q('arxiv_id')} = ANY(%s)", [arxiv_ids])
            return cursor.fetchall()
        for start in range(0, len(arxiv_ids), 5000):  # under SQLite's parameter limit
            chunk = arxiv_ids[start : start + 5000]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"{select} WHERE {q('arxiv_id')} IN ({marks})", chunk)
            rows += cursor.fetchall()
    return rows


def _sqlite_papers_insert(params: list[list]) -> dict[str, int]:
    q = connection.ops.quote_name
    table = q(Paper._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in PAPER_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(PAPER_COLUMNS))}) ON CONFLICT ({q('arxiv_id')}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        (before,) = cursor.fetchone()
        with sqlite_bulk.fts_triggers_off(cursor):
            cursor.executemany(sql, params)
        # AUTOINCREMENT ids only grow, so the new rows are exactly those above `before`.
        cursor.execute(
            f"INSERT INTO reader_paper_fts(rowid, {sqlite_bulk.FTS_COLUMNS}) "
            f"SELECT id, {sqlite_bulk.FTS_COLUMNS} FROM reader_paper_fts_source WHERE id > %s",
            [before],
        )
        cursor.execute(f"SELECT max(id) FROM {table}")
        (after,) = cursor.fetchone()
    if after - before == len(params):
        # No row was skipped, and ids were handed out in order: before+1, before+2, ...
        return {p[0]: pk for pk, p in enumerate(params, before + 1)}
    return {}  # the caller looks the ids up


def _pg_copy_new(model, columns, conflict, rows, returning=()) -> list[tuple] | None:
    """COPY rows the caller knows to be new straight into the table; if a concurrent writer
    added one meanwhile, go through staging instead (which returns ``returning``)."""
    try:
        with transaction.atomic():  # a savepoint: only this attempt fails on a conflict
            _pg_copy(model, columns, rows)
        return None
    except IntegrityError:
        return _pg_copy_insert(model, columns, conflict, rows, returning)


def _pg_copy(model, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """COPY rows straight into a table (rows the caller knows to be new)."""
    q = connection.ops.quote_name
    cols = ", ".join(q(c) for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {q(model._meta.db_table)} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _pg_copy_insert(
    model,
    columns: Sequence[str],
    conflict: Sequence[str],
    rows: Sequence[Sequence],
    returning: Sequence[str] = (),
) -> list[tuple]:
    """COPY rows into a per-transaction staging table, then INSERT them ignoring conflicts."""
    q = connection.ops.quote_name
    table = model._meta.db_table
    stage = q(f"{table}_stage")
    cols = ", ".join(q(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
            f"SELECT {cols} FROM {q(table)} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {stage}")  # a failed earlier batch may have left rows
        with cursor.cursor.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        sql = (
            f"INSERT INTO {q(table)} ({cols}) SELECT {cols} FROM {stage} "
            f"ON CONFLICT ({', '.join(q(c) for c in conflict)}) DO NOTHING"
        )
        if returning:
            cursor.execute(f"{sql} RETURNING {', '.join(q(c) for c in returning)}")
            return cursor.fetchall()
        cursor.execute(sql)
    return []


def relax_durability() -> None:
    """Within the current transaction, let COMMIT return before its WAL reaches the disk.

    For bulk imports only: the import's resume position commits in the same transaction, so
    a crash can lose only the last few batches, and the resume writes them again.
    (SQLite in WAL mode with synchronous=NORMAL already commits without a sync.)
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def papers_update(rows: list[dict]) -> None:
    """Update changed papers in place (dicts with ``pk`` and the UPDATE_COLUMNS but modified_at)."""
    if not rows:
        return
    now = timezone.now()
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(c)} = {_placeholder(c)}" for c in UPDATE_COLUMNS)
    sql = f"UPDATE {q(Paper._meta.db_table)} SET {sets} WHERE {q('id')} = %s"
    ops = connection.ops
    params = [[*_params({**r, "modified_at": now}, UPDATE_COLUMNS, ops), r["pk"]] for r in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def papers_set_columns(
    columns: Sequence[str], rows: list[Sequence], *, unchanged: Sequence[str] = ()
) -> None:
    """UPDATE text columns of papers by primary key, one executemany of (*values, pk, *unchanged).

    A row is written only while its ``unchanged`` columns still hold the given values (a
    render computed from a source that an ingest has replaced since is dropped). For
    re-rendering: Django's bulk_update builds a CASE expression per row and field and took
    85 % of a render chunk's time.
    """
    if not rows:
        return
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(c)} = %s" for c in columns)
    where = " AND ".join([f"{q('id')} = %s", *(f"{q(c)} = %s" for c in unchanged)])
    sql = f"UPDATE {q(Paper._meta.db_table)} SET {sets} WHERE {where}"
    reindex = connection.vendor == "sqlite" and sqlite_bulk.FTS_SOURCE_COLUMNS.intersection(columns)
    # One savepoint: the index entries are dropped, the rows written and indexed again, or
    # nothing happens at all.
    with transaction.atomic(), connection.cursor() as cursor:
        if not reindex:
            cursor.executemany(sql, rows)
            return
        # FTS5 upkeep row by row (the trigger) cost three times these two statements; rows
        # the guard leaves unchanged are dropped and added back as they are.
        ids = [row[len(columns)] for row in rows]
        sqlite_bulk.fts_rows(cursor, ids, delete=True)
        with sqlite_bulk.fts_triggers_off(cursor):
            cursor.executemany(sql, rows)
        sqlite_bulk.fts_rows(cursor, ids, delete=False)


def _insert_ignore(
    model, columns: Sequence[str], conflict: Sequence[str], rows: list[Sequence], new: bool
) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        if new:  # rows of papers inserted in this transaction: nothing to conflict with
            _pg_copy_new(model, columns, conflict, rows)
        else:
            _pg_copy_insert(model, columns, conflict, rows)
        return
    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(q(c) for c in conflict)}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def versions_insert(rows: list[Sequence], *, new: bool = False) -> None:
    """Insert (paper_id, version, submitted, size) rows, dates adapted; existing ones are kept.

    ``new``: the rows belong to papers inserted in this transaction (a faster path).
    """
    rows = [(*r, "") for r in rows]
    _insert_ignore(PaperVersion, VERSION_COLUMNS, ("paper_id", "version"), rows, new)


def listings_insert(rows: list[Sequence], *, new: bool = False) -> None:
    """Insert (paper_id, category, issue_date, section, position) rows, dates adapted."""
    conflict = ("paper_id", "category", "issue_date")
    _insert_ignore(ListingEntry, LISTING_COLUMNS, conflict, rows, new)


def categories_ensure(codes: set[str]) -> None:
    """Create a placeholder row for every category code not known yet (aliases are merged)."""
    if not codes:
        return
    known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
    Category.objects.bulk_create(
        [Category(code=c, name=c, archive=archive_of(c)) for c in sorted(codes - known) if c],
        ignore_conflicts=True,
    )


def plan_apply(plan, pks: dict[str, int]) -> None:
    """Write an upsert plan (``plan.UpsertPlan``): categories, inserts, updates, then the
    version and listing rows of every paper it touched (``pks``: stored papers' keys)."""
    categories_ensure(plan.categories)
    pks = pks | papers_insert(plan.new_params)
    papers_update(plan.changed)
    new_ids = set(plan.new_ids)
    for rows, insert in ((plan.versions, versions_insert), (plan.listings, listings_insert)):
        insert([(pks[a], *row) for a, row in rows if a in new_ids], new=True)
        insert([(pks[a], *row) for a, row in rows if a not in new_ids])
