"""upsert_plan: the pure half of every ingest write sorts items into new / unchanged / skipped /
changed and builds each paper's version and listing rows once, without touching the database.

No test here has database access (no django_db mark): a query would fail it."""

from datetime import UTC, date, datetime

from reader.services.plan import SOURCE_FIELDS, entries_prepare, source_hash, upsert_plan
from tests.reader.services.test_papers_upsert import make_entry

ID = "2401.06769"


def stored(item: dict, pk: int = 7, **changes) -> dict:
    """The stored row `_existing_rows` would return for a prepared item (with changes)."""
    fields = {**item["fields"], **changes}
    row = {k: fields[k] for k in SOURCE_FIELDS}
    return {"pk": pk, "source_hash": source_hash(fields), "announce_date": None, **row}


def test_new_paper_gets_insert_params_and_rows_keyed_by_id():
    prepared = entries_prepare([make_entry()])
    plan = upsert_plan(prepared, {})
    assert plan.new_ids == [ID] and len(plan.new_params) == 1
    assert plan.counts() == {"new": 1}
    assert plan.categories == {"cs.LG", "stat.ML", "cs.IT"}
    assert [v[0] for _, v in plan.versions] == [1]
    days = sorted({(cat, day, section) for _, (cat, day, section, _pos) in plan.listings})
    assert days == [("cs.IT", "2024-01-15", "cross"), ("cs.LG", "2024-01-15", "new"),
                    ("stat.ML", "2024-01-15", "cross")]  # fmt: skip


def test_identical_metadata_is_unchanged_and_writes_no_rows():
    prepared = entries_prepare([make_entry()])
    plan = upsert_plan(prepared, {ID: stored(prepared[ID])})
    assert plan.counts() == {"unchanged": 1}
    assert plan.changed == [] and plan.versions == [] and plan.listings == []


def test_unchanged_paper_in_a_feed_is_listed_on_the_feed_day():
    entry = make_entry(announce_type="new", announce_date=date(2024, 1, 16), position=3)
    prepared = entries_prepare([entry])
    plan = upsert_plan(prepared, {ID: stored(prepared[ID])}, listing_category="cs.LG")
    assert plan.counts() == {"unchanged": 1}
    assert plan.listings == [(ID, ("cs.LG", "2024-01-16", "new", 3))]


def test_older_version_is_skipped_and_keeps_the_stored_fields():
    prepared = entries_prepare([make_entry()])
    newer = stored(prepared[ID], latest_version=3, title="Version three")
    plan = upsert_plan(prepared, {ID: newer})
    assert plan.counts() == {"skipped": 1} and plan.changed == []
    assert 3 in {v[0] for _, v in plan.versions}  # rows follow the stored (newer) fields


def test_newer_version_changes_the_row_and_extends_the_history():
    v2 = make_entry(
        version=2,
        title="Diffusion, revised",
        updated=datetime(2024, 3, 4, 18, tzinfo=UTC),
        versions=[
            {"version": 1, "date": datetime(2024, 1, 12, 18, tzinfo=UTC), "size": "120kb"},
            {"version": 2, "date": datetime(2024, 3, 4, 18, tzinfo=UTC), "size": "130kb"},
        ],
    )
    v1 = entries_prepare([make_entry()])[ID]
    prepared = entries_prepare([v2])
    plan = upsert_plan(prepared, {ID: stored(v1, pk=42)})
    assert plan.counts() == {"updated": 1}
    (row,) = plan.changed
    assert row["pk"] == 42 and row["title"] == "Diffusion, revised" and row["latest_version"] == 2
    assert sorted(v[0] for _, v in plan.versions) == [1, 2]
    assert ("cs.LG", "2024-03-05", "replace", 0) in [r for _, r in plan.listings]
