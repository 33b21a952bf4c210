"""Full-text indexes that keep up with a bulk import: the abstract is indexed at render time.

The abstract is indexed from its *rendered* plain text, so a row that a bulk import leaves
for the render worker (empty ``renderer_version``) is indexed by title and authors at once,
and the worker's render adds the abstract. Tokenising abstracts is the costliest part of the
index (``to_tsvector`` about 200 µs a paper on PostgreSQL, FTS5 about 50 µs); doing it at
import would do it twice, and the import could not keep its 5,000 papers/s.

SQLite: the FTS5 table's content is a view that hides unrendered abstracts, and the triggers
write the same values. The per-row insert trigger stands aside while ``reader_fts_bulk`` has
a row, so a bulk insert fills the index with one ``INSERT ... SELECT`` per batch (half the
cost); that row only ever exists inside the bulk writer's own transaction (services/bulk.py).

PostgreSQL: ``search_vector`` becomes a plain column kept by a trigger instead of a generated
column.
"""

from importlib import import_module

from django.db import migrations

COLS = "title_plain, abstract_plain, authors_text"
FTS_ABSTRACT = "CASE WHEN {row}renderer_version = '' THEN '' ELSE {row}abstract_plain END"
NEW = f"new.id, new.title_plain, {FTS_ABSTRACT.format(row='new.')}, new.authors_text"
OLD = f"old.id, old.title_plain, {FTS_ABSTRACT.format(row='old.')}, old.authors_text"
SQLITE_FORWARD = [
    "DROP TRIGGER reader_paper_fts_ai",
    "DROP TRIGGER reader_paper_fts_ad",
    "DROP TRIGGER reader_paper_fts_au",
    "DROP TABLE reader_paper_fts",
    "CREATE VIEW reader_paper_fts_source AS SELECT id, title_plain, "
    f"{FTS_ABSTRACT.format(row='')} AS abstract_plain, authors_text FROM reader_paper",
    f"CREATE VIRTUAL TABLE reader_paper_fts USING fts5({COLS}, "
    "content='reader_paper_fts_source', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TABLE reader_fts_bulk (active INTEGER NOT NULL)",
    f"""CREATE TRIGGER reader_paper_fts_ai AFTER INSERT ON reader_paper
      WHEN NOT EXISTS (SELECT 1 FROM reader_fts_bulk) BEGIN
      INSERT INTO reader_paper_fts(rowid, {COLS}) VALUES ({NEW}); END""",
    f"""CREATE TRIGGER reader_paper_fts_ad AFTER DELETE ON reader_paper BEGIN
      INSERT INTO reader_paper_fts(reader_paper_fts, rowid, {COLS}) VALUES ('delete', {OLD}); END""",
    f"""CREATE TRIGGER reader_paper_fts_au AFTER UPDATE OF {COLS}, renderer_version
      ON reader_paper BEGIN
      INSERT INTO reader_paper_fts(reader_paper_fts, rowid, {COLS}) VALUES ('delete', {OLD});
      INSERT INTO reader_paper_fts(rowid, {COLS}) VALUES ({NEW}); END""",
    "INSERT INTO reader_paper_fts(reader_paper_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER reader_paper_fts_ai",
    "DROP TRIGGER reader_paper_fts_ad",
    "DROP TRIGGER reader_paper_fts_au",
    "DROP TABLE reader_paper_fts",
    "DROP TABLE reader_fts_bulk",
    "DROP VIEW reader_paper_fts_source",
    *import_module("reader.migrations.0003_search").SQLITE_FORWARD,  # its index and triggers
]

PG_FUNCTION = """CREATE FUNCTION reader_paper_search_vector() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector('english'::regconfig, coalesce(NEW.title_plain, '')), 'A') ||
    CASE WHEN NEW.renderer_version <> ''
      THEN setweight(to_tsvector('english'::regconfig, coalesce(NEW.abstract_plain, '')), 'B')
      ELSE ''::tsvector END ||
    setweight(to_tsvector('simple'::regconfig, coalesce(NEW.authors_text, '')), 'C');
  RETURN NEW;
END $$"""
PG_FORWARD = [
    "DROP INDEX IF EXISTS reader_paper_search_gin",
    "ALTER TABLE reader_paper DROP COLUMN search_vector",
    "ALTER TABLE reader_paper ADD COLUMN search_vector tsvector",
    PG_FUNCTION,
    "CREATE TRIGGER reader_paper_search_vector BEFORE INSERT OR UPDATE OF "
    f"{COLS}, renderer_version ON reader_paper "
    "FOR EACH ROW EXECUTE FUNCTION reader_paper_search_vector()",
    "UPDATE reader_paper SET title_plain = title_plain",  # fire the trigger on existing rows
    "CREATE INDEX reader_paper_search_gin ON reader_paper USING GIN (search_vector)",
]
PG_VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, coalesce(title_plain, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(abstract_plain, '')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(authors_text, '')), 'C'))"
)
PG_BACKWARD = [
    "DROP TRIGGER reader_paper_search_vector ON reader_paper",
    "DROP FUNCTION reader_paper_search_vector()",
    "DROP INDEX reader_paper_search_gin",
    "ALTER TABLE reader_paper DROP COLUMN search_vector",
    f"ALTER TABLE reader_paper ADD COLUMN search_vector tsvector GENERATED ALWAYS AS {PG_VECTOR} "
    "STORED",
    "CREATE INDEX reader_paper_search_gin ON reader_paper USING GIN (search_vector)",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("reader", "0003_search")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        )
    ]
