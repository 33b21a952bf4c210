"""Kaggle snapshot import: streamed, idempotent, resumable, bad lines named and skipped."""

import gzip
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reader.models import Paper, SnapshotImport
from reader.services import papers_import_snapshot
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
