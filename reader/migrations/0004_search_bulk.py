"""Full-text index maintenance that keeps up with a bulk import.

SQLite: the per-row FTS insert trigger stands aside while ``reader_fts_bulk`` has a row, so a
bulk insert can fill the index with one ``INSERT ... SELECT`` per batch (half the cost). The
row only ever exists inside the bulk writer's own transaction (reader/services/bulk.py).

PostgreSQL: ``search_vector`` becomes a plain column kept by a trigger instead of a generated
column. The abstract is indexed from the *rendered* plain text, so a row the bulk import
leaves for the render worker (empty ``renderer_version``) is indexed by title and authors
only, and the worker's render adds the abstract. A generated column computed the costliest
part (``to_tsvector`` over the abstract, about 200 µs a paper) twice: at import, then again
at render.
"""

from django.db import migrations

COLS = "title_plain, abstract_plain, authors_text"
SQLITE_INSERT_TRIGGER = f"""CREATE TRIGGER reader_paper_fts_ai AFTER INSERT ON reader_paper
  WHEN NOT EXISTS (SELECT 1 FROM reader_fts_bulk) BEGIN
  INSERT INTO reader_paper_fts(rowid, {COLS})
  VALUES (new.id, new.title_plain, new.abstract_plain, new.authors_text); END"""
SQLITE_FORWARD = [
    "CREATE TABLE reader_fts_bulk (active INTEGER NOT NULL)",
    "DROP TRIGGER reader_paper_fts_ai",
    SQLITE_INSERT_TRIGGER,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER reader_paper_fts_ai",
    SQLITE_INSERT_TRIGGER.replace("\n  WHEN NOT EXISTS (SELECT 1 FROM reader_fts_bulk)", ""),
    "DROP TABLE reader_fts_bulk",
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
