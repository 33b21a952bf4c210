"""Every recorded arXiv response in ../shared/arxiv-samples/A through the ingest service."""

from datetime import UTC, datetime

import pytest

from reader.models import Paper
from reader.services import papers_ingest_files
from tests.conftest import shared_path

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]


def sample_files() -> list:
    root = shared_path("arxiv-samples/A")
    return sorted([*root.glob("api/*.xml"), *root.glob("oai-pmh/*.xml")])


def test_all_samples_ingest_with_only_the_error_responses_failing():
    files = sample_files()
    assert len(files) == 13  # 8 API bodies (.json twins hold the same bytes), 5 OAI-PMH
    report = papers_ingest_files(paths=files)
    failed = sorted(label.rsplit("/", 1)[1] for label, _ in report.failures)
    assert failed == [
        "arxivpy-2026_ERROR-400_id-abc.body.xml",
        "saelim-2015_ERROR_badResumptionToken.xml",
    ]
    api_error = next(msg for label, msg in report.failures if "ERROR-400" in label)
    assert "ArxivApiError" in api_error and "abc" in api_error
    assert not Paper.objects.filter(arxiv_id__contains="api/errors").exists()
    # Ingesting everything again changes nothing.
    again = papers_ingest_files(paths=files)
    assert again.counts["new"] == 0 and again.counts["updated"] == 0


def test_arxivraw_record_exact_values():
    papers_ingest_files(
        paths=[shared_path("arxiv-samples/A/oai-pmh/saelim-2015_GetRecord_arXivRaw_1302.2146.xml")]
    )
    paper = Paper.objects.get(arxiv_id="1302.2146")
    assert paper.title == "The Same-Sign Dilepton Signature of RPV/MFV SUSY"
    assert [a["name"] for a in paper.authors] == [
        "Joshua Berger",
        "Maxim Perelstein",
        "Michael Saelim",
        "Philip Tanedo",
    ]
    assert paper.categories == ["hep-ph", "hep-ex"]
    assert paper.primary_category == "hep-ph"
    assert paper.latest_version == 2
    assert list(paper.versions.values_list("version", "submitted", "size")) == [
        (1, datetime(2013, 2, 8, 21, 0, 1, tzinfo=UTC), "853kb"),
        (2, datetime(2013, 4, 2, 1, 50, 8, tzinfo=UTC), "849kb"),
    ]
    assert paper.comment == "18 pages, 6 figures; v2: References added"
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert paper.abstract.startswith("The lack of observation of superpartners")
    assert "95% confidence" in paper.abstract_plain


def test_oai_arxiv_format_primary_is_first_category():
    papers_ingest_files(
        paths=[
            shared_path(
                "arxiv-samples/A/oai-pmh/hepcrawl-2017_ListRecords_arXiv_set-physics-hep-ex.xml"
            )
        ]
    )
    paper = Paper.objects.get(arxiv_id="1706.05371")
    assert paper.primary_category == "physics.ins-det"
    assert paper.categories == ["physics.ins-det", "hep-ex"]
    assert [a["name"] for a in paper.authors][:3] == [
        "Tyler Anderson",
        "Jacob Cutter",
        "Navneet Dhaliwal",
    ]
    assert len(paper.authors) == 13
    assert (
        paper.title
        == "Evaluation of Silicon Photomultipliers for use as Photosensors in Liquid Xenon Detectors"
    )


def test_old_style_id_from_api():
    papers_ingest_files(
        paths=[shared_path("arxiv-samples/A/api/arxivpy-2026_id-quant-ph_0201082v1.body.xml")]
    )
    paper = Paper.objects.get(arxiv_id="quant-ph/0201082")
    assert paper.primary_category == "quant-ph"
    assert paper.latest_version >= 1
    assert paper.authors


def test_empty_result_and_no_records_match_are_empty_successes():
    report = papers_ingest_files(
        paths=[
            shared_path("arxiv-samples/A/api/arxivpy-2026_empty_id-0000.0000.body.xml"),
            shared_path("arxiv-samples/A/oai-pmh/saelim-2015_ERROR_noRecordsMatch.xml"),
        ]
    )
    assert report.ok and not report.counts
    assert Paper.objects.count() == 0


def test_saved_feed_file_lists_papers_under_its_category_in_feed_order():
    from pathlib import Path

    from reader.models import ListingEntry

    feed = Path(__file__).parent.parent / "fixtures" / "arxiv" / "rss_cs.LG.xml"
    report = papers_ingest_files(paths=[feed])
    assert report.ok, report.failures
    rows = list(
        ListingEntry.objects.filter(category="cs.LG")
        .order_by("position")
        .values_list("paper__arxiv_id", "section")
    )
    assert rows[:4] == [
        ("2611.12345", "new"),
        ("2611.00007", "cross"),
        ("2203.01250", "replace"),
        ("hep-th/9901001", "replace"),
    ]
