"""SQLite-only machinery of the bulk writer: the FTS5 index kept in step by set statements
instead of its per-row triggers, and a connection tuned for a bulk import.

``reader.services.bulk`` calls these on SQLite; they touch no other database.
"""

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

logger = logging.getLogger(__name__)

# While this one-row table has a row, the per-row FTS insert and update triggers stand aside
# (migrations 0004 and 0011). The row lives only inside our transaction, so no other
# connection ever sees the triggers disabled.
SQLITE_FTS_BULK_TABLE = "reader_fts_bulk"
FTS_COLUMNS = "title_plain, abstract_plain, authors_text"
# An UPDATE of any of these changes what the index holds (the view hides unrendered abstracts).
FTS_SOURCE_COLUMNS = {"title_plain", "abstract_plain", "authors_text", "renderer_version"}


@contextmanager
def fts_triggers_off(cursor) -> Iterator[None]:
    """The per-row FTS insert and update triggers stand aside inside this block (the caller
    indexes the rows it writes; the flag row never outlives the caller's transaction)."""
    cursor.execute(f"INSERT INTO {SQLITE_FTS_BULK_TABLE} VALUES (1)")
    try:
        yield
    finally:
        cursor.execute(f"DELETE FROM {SQLITE_FTS_BULK_TABLE}")


def fts_rows(cursor, ids: list[int], *, delete: bool) -> None:
    """Drop (``delete``) or add the index entries of these rows, as the content view shows
    them now: called before and after an UPDATE, with the same transaction around both."""
    action = "'delete', " if delete else ""
    target = "reader_paper_fts, rowid" if delete else "rowid"
    for start in range(0, len(ids), 5000):  # under SQLite's parameter limit
        chunk = ids[start : start + 5000]
        marks = ", ".join(["%s"] * len(chunk))
        cursor.execute(
            f"INSERT INTO reader_paper_fts({target}, {FTS_COLUMNS}) SELECT {action}id, "
            f"{FTS_COLUMNS} FROM reader_paper_fts_source WHERE id IN ({marks})",
            chunk,
        )


BULK_CACHE_KIB = 262144  # 256 MiB of page cache while a bulk import writes


@contextmanager
def import_session(interval: float = 0.5) -> Iterator[None]:
    """SQLite: tune this connection for a bulk import, and checkpoint on a helper thread.

    A checkpoint copies the committed pages from the WAL into the database file and syncs
    it; by default the committing connection does that itself, inside the writer's loop.
    With its own connection the helper does it in parallel (SQLite releases the GIL), and
    PASSIVE checkpoints never block the writer or readers. A larger page cache keeps the
    index pages that million-row imports touch at random (listings by category and day)
    in memory; it is a fixed cap, so memory stays flat. Elsewhere: does nothing.
    """
    name = str(connection.settings_dict["NAME"])
    if (
        connection.vendor != "sqlite"
        or connection.is_in_memory_db()
        or connection.in_atomic_block  # inside a caller's transaction nothing commits early
    ):
        yield
        return
    stop = threading.Event()

    def checkpoint_until_stopped() -> None:
        db = sqlite3.connect(name, timeout=20)
        try:
            while not stop.wait(interval):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:  # try again next time; the WAL only grows meanwhile
                    logger.warning("background checkpoint failed", exc_info=True)
        finally:
            db.close()

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (cache_size,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    helper = threading.Thread(target=checkpoint_until_stopped, name="wal-checkpoint")
    helper.start()
    try:
        yield
    finally:
        stop.set()
        helper.join()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint=1000")  # SQLite's default
            cursor.execute(f"PRAGMA cache_size={int(cache_size)}")
