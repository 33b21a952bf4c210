"""Full-text search index: SQLite FTS5 table + triggers, or a PostgreSQL tsvector column + GIN.

The PostgreSQL column is generated and stored by the database, so Django never reads or
writes it (it is not a model field); reader/search.py queries it by name.
"""

from django.db import migrations

PG_VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, coalesce(title_plain, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(abstract_plain, '')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(authors_text, '')), 'C'))"
)
COLS = "title_plain, abstract_plain, authors_text"
SQLITE_FORWARD = [
    # External content: the index stores no second copy of the text; triggers keep it in step.
    f"CREATE VIRTUAL TABLE reader_paper_fts USING fts5({COLS}, content='reader_paper', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER reader_paper_fts_ai AFTER INSERT ON reader_paper BEGIN
      INSERT INTO reader_paper_fts(rowid, {COLS})
      VALUES (new.id, new.title_plain, new.abstract_plain, new.authors_text); END""",
    f"""CREATE TRIGGER reader_paper_fts_ad AFTER DELETE ON reader_paper BEGIN
      INSERT INTO reader_paper_fts(reader_paper_fts, rowid, {COLS})
      VALUES ('delete', old.id, old.title_plain, old.abstract_plain, old.authors_text); END""",
    f"""CREATE TRIGGER reader_paper_fts_au AFTER UPDATE OF {COLS} ON reader_paper BEGIN
      INSERT INTO reader_paper_fts(reader_paper_fts, rowid, {COLS})
      VALUES ('delete', old.id, old.title_plain, old.abstract_plain, old.authors_text);
      INSERT INTO reader_paper_fts(rowid, {COLS})
      VALUES (new.id, new.title_plain, new.abstract_plain, new.authors_text); END""",
    "INSERT INTO reader_paper_fts(reader_paper_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS reader_paper_fts_ai",
    "DROP TRIGGER IF EXISTS reader_paper_fts_ad",
    "DROP TRIGGER IF EXISTS reader_paper_fts_au",
    "DROP TABLE IF EXISTS reader_paper_fts_vocab",
    "DROP TABLE IF EXISTS reader_paper_fts",
]
PG_FORWARD = [
    f"ALTER TABLE reader_paper ADD COLUMN search_vector tsvector "
    f"GENERATED ALWAYS AS {PG_VECTOR} STORED",
    "CREATE INDEX reader_paper_search_gin ON reader_paper USING GIN (search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS reader_paper_search_gin",
    "ALTER TABLE reader_paper DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("reader", "0002_seed_taxonomy")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        )
    ]
