"""Drop indexes that no query needs, so a bulk import writes fewer B-trees per row.

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
    "reader_paper_renderer_version_81fe8f9d_like",
    "reader_paper_primary_category_480fc780",
    "reader_paper_primary_category_480fc780_like",
]
FORWARD = [f"DROP INDEX IF EXISTS {name}" for name in DROPPED] + [
    "CREATE INDEX paper_primary_category ON reader_paper (primary_category)"
]
BACKWARD = [
    "DROP INDEX IF EXISTS paper_primary_category",
    "CREATE INDEX reader_listingentry_paper_id_3a8394cc ON reader_listingentry (paper_id)",
    "CREATE INDEX reader_paperversion_paper_id_976b3d59 ON reader_paperversion (paper_id)",
    "CREATE INDEX reader_paper_renderer_version_81fe8f9d ON reader_paper (renderer_version)",
    "CREATE INDEX reader_paper_primary_category_480fc780 ON reader_paper (primary_category)",
]


class Migration(migrations.Migration):
    dependencies = [("reader", "0004_search_bulk")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
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
