"""SQLite: the per-row full-text update trigger also stands aside during a bulk write.

A render chunk rewrites the indexed columns of a thousand rows. Through the per-row trigger
its FTS5 upkeep cost about 90 µs a paper; one ``'delete'`` of the old entries and one
``INSERT ... SELECT`` of the new ones per chunk cost about 30 (``bulk.papers_set_columns``).
The trigger is the same as migration 0004's, with the insert trigger's ``WHEN`` clause.
PostgreSQL keeps its per-row ``search_vector`` trigger: nothing to change there.
"""

from importlib import import_module

from django.db import migrations

SEARCH = import_module("reader.migrations.0004_search_bulk")
COLS, NEW, OLD = SEARCH.COLS, SEARCH.NEW, SEARCH.OLD
BODY = f"""INSERT INTO reader_paper_fts(reader_paper_fts, rowid, {COLS}) VALUES ('delete', {OLD});
      INSERT INTO reader_paper_fts(rowid, {COLS}) VALUES ({NEW}); END"""
FORWARD = [
    "DROP TRIGGER reader_paper_fts_au",
    f"""CREATE TRIGGER reader_paper_fts_au AFTER UPDATE OF {COLS}, renderer_version
      ON reader_paper WHEN NOT EXISTS (SELECT 1 FROM reader_fts_bulk) BEGIN
      {BODY}""",
]
BACKWARD = [
    "DROP TRIGGER reader_paper_fts_au",
    f"""CREATE TRIGGER reader_paper_fts_au AFTER UPDATE OF {COLS}, renderer_version
      ON reader_paper BEGIN
      {BODY}""",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("reader", "0010_page_version")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
