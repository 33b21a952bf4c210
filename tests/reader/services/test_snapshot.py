"""Kaggle snapshot import: streamed, idempotent, resumable, bad lines named and skipped."""

import gzip
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from reader import arxiv, search
from reader.models import ListingEntry, Paper, PaperVersion, SnapshotImport
from reader.services import bulk, papers_import_snapshot, snapshot
from reader.services.papers import papers_rerender_stale, papers_upsert
from tests.conftest import shared_path

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]

SAMPLE = "arxiv-samples/A/kaggle/kaggle-snapshot_lines001-100_0704.0001-0704.0100.jsonl"


def sample_lines() -> list[str]:
    return [line for line in shared_path(SAMPLE).read_text().splitlines() if line.strip()]


def test_sample_snapshot_imports_exact_values():
    report = papers_import_snapshot(path=shared_path(SAMPLE))
    assert report.ok, report.failures
    assert report.counts["new"] == 100
    paper = Paper.objects.get(arxiv_id="0704.0001")
    assert paper.title.startswith("Calculation of prompt diphoton production cross sections")
    assert [a["name"] for a in paper.authors][:2] == ["C. Balázs", "E. L. Berger"]
    assert paper.categories == ["hep-ph"]
    assert paper.latest_version == 2
    assert list(paper.versions.values_list("version", flat=True)) == [1, 2]
    assert paper.doi == "10.1103/PhysRevD.76.013009"


def test_second_import_changes_nothing():
    papers_import_snapshot(path=shared_path(SAMPLE))
    report = papers_import_snapshot(path=shared_path(SAMPLE))
    assert report.counts == {"unchanged": 100}


def test_interrupted_import_resumes_after_last_committed_batch(tmp_path):
    path = tmp_path / "snap.jsonl.gz"
    with gzip.open(path, "wt") as out:
        out.write("\n".join(sample_lines()) + "\n")
    first = papers_import_snapshot(path=path, batch_lines=30, stop_after_batches=2)
    assert first.counts["new"] == 60
    state = SnapshotImport.objects.get()
    assert (state.lines_done, state.finished) == (60, False)
    second = papers_import_snapshot(path=path, batch_lines=30)
    assert second.counts == {"new": 40}  # resumed: the first 60 were not read again
    assert Paper.objects.count() == 100
    assert SnapshotImport.objects.get().finished


def test_bad_lines_are_named_skipped_and_exit_nonzero(tmp_path):
    lines = sample_lines()[:3]
    no_id = json.dumps({k: v for k, v in json.loads(lines[2]).items() if k != "id"})
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([lines[0], "{not json", lines[1], no_id]) + "\n")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_arxiv_snapshot", str(path), stdout=out, stderr=err, verbosity=0)
    assert f"FAILED {path}:2" in err.getvalue()
    assert f"FAILED {path}:4" in err.getvalue()
    assert "new 2 /" in out.getvalue()
    assert Paper.objects.count() == 2


def test_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_arxiv_snapshot", "/nonexistent/snapshot.jsonl")


# ---- the worker pipeline writes exactly what the general upsert writes ----


def _tables() -> tuple[list, list, list]:
    """Every paper, version and listing row as plain values (no ids or write timestamps)."""
    paper_fields = [c for c in bulk.PAPER_COLUMNS if c not in ("created_at", "modified_at")]
    papers = list(Paper.objects.order_by("arxiv_id").values_list(*paper_fields))
    versions = list(
        PaperVersion.objects.order_by("paper__arxiv_id", "version").values_list(
            "paper__arxiv_id", "version", "submitted", "size"
        )
    )
    listings = list(
        ListingEntry.objects.order_by("paper__arxiv_id", "category", "issue_date").values_list(
            "paper__arxiv_id", "category", "issue_date", "section", "position"
        )
    )
    return papers, versions, listings


def _clear() -> None:
    Paper.objects.all().delete()
    SnapshotImport.objects.all().delete()


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_worker_pipeline_writes_what_papers_upsert_writes(workers):
    report = papers_import_snapshot(path=shared_path(SAMPLE), batch_lines=7, workers=workers)
    assert report.ok and report.counts == {"new": 100}
    piped = _tables()
    _clear()
    entries = [arxiv.parse_snapshot_line(line) for line in sample_lines()]
    assert papers_upsert(entries, render=False) == {"new": 100}
    assert _tables() == piped
    raw_versions = sum(len(json.loads(line)["versions"]) for line in sample_lines())
    assert len(piped[1]) == raw_versions == 175
    assert {row[0] for row in piped[2]} == {row[0] for row in piped[0]}  # every paper listed


def test_changed_metadata_updates_through_the_slim_pipeline(tmp_path):
    """Existing rows with other metadata are restored from their line and merged."""
    lines = sample_lines()[:10]
    papers_import_snapshot(path=shared_path(SAMPLE), workers=1)
    changed = []
    for i, line in enumerate(lines):
        obj = json.loads(line)
        if i % 2:
            obj["title"] = f"Retitled {i}"
        if i == 2:  # an older version (v1 of 3): never overwrites the newer one
            obj["title"] = "Stale title"
            obj["versions"] = obj["versions"][:1]
        changed.append(json.dumps(obj))
    path = tmp_path / "changed.jsonl"
    path.write_text("\n".join(changed) + "\n")
    report = papers_import_snapshot(path=path, workers=1)
    assert report.counts == {"updated": 5, "unchanged": 4, "skipped": 1}  # 1,3,5,7,9 / 0,4,6,8
    first = json.loads(lines[1])["id"]
    assert Paper.objects.get(arxiv_id=first).title == "Retitled 1"
    stale = Paper.objects.get(arxiv_id=json.loads(lines[2])["id"])
    original = " ".join(json.loads(lines[2])["title"].split())
    assert (stale.title, stale.latest_version) == (original, 3)


def test_worker_crash_names_the_batch_and_the_rest_imports(monkeypatch, tmp_path):
    lines = sample_lines()[:6]
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join(lines) + "\n")
    real = snapshot.prepare_batch

    def flaky(first_line, batch, render):
        if first_line == 3:
            raise RuntimeError("worker bug")
        return real(first_line, batch, render)

    monkeypatch.setattr(snapshot, "prepare_batch", flaky)
    report = papers_import_snapshot(path=path, batch_lines=2, workers=0)
    assert report.failures == [(f"{path}:lines 3-4", "RuntimeError: worker bug")]
    assert report.counts == {"new": 4}


# ---- the full-text index keeps up with bulk writes ----


def _search(query: str) -> list[str]:
    ids, _ = search.search_ids(search.parse_query(query))
    return list(Paper.objects.filter(pk__in=ids).values_list("arxiv_id", flat=True))


def test_bulk_import_is_searchable_by_title_at_once_and_by_abstract_once_rendered():
    papers_import_snapshot(path=shared_path(SAMPLE), workers=1)
    assert _search("diphoton") == ["0704.0001"]  # in the title
    assert _search("au:nadolsky") == ["0704.0001"]
    # The abstract is indexed from its rendered text, so it joins when the worker renders.
    assert _search("judicious") == []  # a word only in the abstract of 0704.0001
    papers_rerender_stale(progress=False)
    assert _search("judicious") == ["0704.0001"]
    assert _search("diphoton") == ["0704.0001"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite-only")
def test_sqlite_fts_index_matches_its_content_after_bulk_and_single_writes():
    papers_import_snapshot(path=shared_path(SAMPLE), batch_lines=9, workers=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reader_fts_bulk")
        assert cursor.fetchone() == (0,)  # the per-row trigger is back on
        # FTS5 compares its index with the content table, row by row.
        cursor.execute(
            "INSERT INTO reader_paper_fts(reader_paper_fts, rank) VALUES ('integrity-check', 1)"
        )
    _single_insert_is_indexed("Zygomorphic orchids")


def _single_insert_is_indexed(title: str) -> None:
    """A row written the ordinary way (one INSERT, the per-row trigger) is searchable."""
    Paper.objects.create(
        arxiv_id="2601.00001", title=title, title_plain=title, primary_category="cs.LG"
    )
    assert _search(title.split()[0]) == ["2601.00001"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite-only")
def test_a_failed_bulk_insert_leaves_the_trigger_on():
    with pytest.raises(DatabaseError), transaction.atomic():
        bulk.papers_insert([["too", "few", "values"]])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reader_fts_bulk")
        assert cursor.fetchone() == (0,)
    _single_insert_is_indexed("Quixotic lemmas")


@pytest.mark.django_db(transaction=True)
def test_import_outside_a_transaction_matches_papers_upsert():
    """Outside a test's transaction, batches commit one by one with their resume position."""
    report = papers_import_snapshot(path=shared_path(SAMPLE), batch_lines=9, workers=2)
    assert report.ok and report.counts == {"new": 100}
    state = SnapshotImport.objects.get()
    assert (state.lines_done, state.finished) == (100, True)
    piped = _tables()
    _clear()
    entries = [arxiv.parse_snapshot_line(line) for line in sample_lines()]
    papers_upsert(entries, render=False)
    assert _tables() == piped
