"""Drop indexes that no query needs, so a bulk import writes fewer B-trees per row, and
compress large text with lz4 on PostgreSQL.

- PaperVersion.paper and ListingEntry.paper: their unique (paper, ...) indexes serve every
  lookup by paper.
- Paper.renderer_version: the stale-render query is a `!=`, which scans anyway.
- Paper.primary_category: kept, as a Meta index, without PostgreSQL's `_like` twin.

Raw SQL rather than AlterField: on SQLite, AlterField rebuilds the whole table, which would
copy every paper and drop the full-text triggers of migration 0004.
"""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = [
    "reader_listingentry_paper_id_3a8394cc",
    "reader_paperversion_paper_id_976b3d59",
    "reader_paper_renderer_version_81fe8f9d",
    "reader_paper_primary_category_480fc780",
]
PG_DROPPED = [  # PostgreSQL's varchar_pattern_ops twins, for LIKE 'x%' (no query uses one)
    "reader_paper_renderer_version_81fe8f9d_like",
    "reader_paper_primary_category_480fc780_like",
    "reader_paper_arxiv_id_1b99b725_like",
]
CREATED = "CREATE INDEX paper_primary_category ON reader_paper (primary_category)"
RESTORED = [
    "CREATE INDEX reader_listingentry_paper_id_3a8394cc ON reader_listingentry (paper_id)",
    "CREATE INDEX reader_paperversion_paper_id_976b3d59 ON reader_paperversion (paper_id)",
    "CREATE INDEX reader_paper_renderer_version_81fe8f9d ON reader_paper (renderer_version)",
    "CREATE INDEX reader_paper_primary_category_480fc780 ON reader_paper (primary_category)",
]
PG_RESTORED = [
    "CREATE INDEX reader_paper_renderer_version_81fe8f9d_like ON reader_paper "
    "(renderer_version varchar_pattern_ops)",
    "CREATE INDEX reader_paper_primary_category_480fc780_like ON reader_paper "
    "(primary_category varchar_pattern_ops)",
    "CREATE INDEX reader_paper_arxiv_id_1b99b725_like ON reader_paper "
    "(arxiv_id varchar_pattern_ops)",
]
# PostgreSQL compresses values of rows over ~2 KB; lz4 does it several times faster than the
# default pglz (PostgreSQL 14+ built with lz4; elsewhere the default stays).
LZ4_COLUMNS = ["title", "abstract", "title_html", "abstract_html", "abstract_plain"]


def _has_lz4(cursor) -> bool:
    cursor.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    row = cursor.fetchone()
    return bool(row and row[0])


def forward(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name in DROPPED + (PG_DROPPED if postgres else []):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute(CREATED)
    if postgres:
        with schema_editor.connection.cursor() as cursor:
            lz4 = _has_lz4(cursor)
        if lz4:
            sets = ", ".join(f"ALTER COLUMN {c} SET COMPRESSION lz4" for c in LZ4_COLUMNS)
            schema_editor.execute(f"ALTER TABLE reader_paper {sets}")


def backward(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute("DROP INDEX IF EXISTS paper_primary_category")
    for sql in RESTORED + (PG_RESTORED if postgres else []):
        schema_editor.execute(sql)
    if postgres:
        sets = ", ".join(f"ALTER COLUMN {c} SET COMPRESSION default" for c in LZ4_COLUMNS)
        schema_editor.execute(f"ALTER TABLE reader_paper {sets}")


class Migration(migrations.Migration):
    dependencies = [("reader", "0004_search_bulk")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AlterField(
                    model_name="listingentry",
                    name="paper",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="listing_entries",
                        to="reader.paper",
                    ),
                ),
                migrations.AlterField(
                    model_name="paper",
                    name="primary_category",
                    field=models.CharField(max_length=32),
                ),
                migrations.AlterField(
                    model_name="paper",
                    name="renderer_version",
                    field=models.CharField(blank=True, max_length=100),
                ),
                migrations.AlterField(
                    model_name="paperversion",
                    name="paper",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="versions",
                        to="reader.paper",
                    ),
                ),
                migrations.AddIndex(
                    model_name="paper",
                    index=models.Index(fields=["primary_category"], name="paper_primary_category"),
                ),
            ],
        )
    ]
