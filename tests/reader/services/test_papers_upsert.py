"""papers_upsert: idempotent, newer version wins, history extends, TeX accents to Unicode."""

from datetime import UTC, date, datetime

import pytest

from reader import arxiv
from reader.models import ListingEntry, Paper, PaperVersion
from reader.services import papers_upsert

pytestmark = pytest.mark.django_db


def make_entry(**overrides) -> dict:
    entry = arxiv.new_entry()
    entry.update(
        arxiv_id="2401.06769",
        version=1,
        title="Diffusion with $\\alpha$-stable noise",
        abstract="We study $x_t$ for M\\\"uller's sampler.\n\nSecond paragraph.",
        authors=[
            {"name": 'J\\"org M\\"uller', "affiliation": "ETH"},
            {"name": "A. B{\\'e}r", "affiliation": None},
        ],
        primary_category="cs.LG",
        categories=["cs.LG", "stat.ML", "math.IT"],
        published=datetime(2024, 1, 12, 18, 0, tzinfo=UTC),
        updated=datetime(2024, 1, 12, 18, 0, tzinfo=UTC),
        versions=[
            {"version": 1, "date": datetime(2024, 1, 12, 18, 0, tzinfo=UTC), "size": "120kb"}
        ],
        doi="10.1000/xyz",
    )
    entry.update(overrides)
    return entry


def test_new_paper_is_stored_with_unicode_names_and_merged_alias_categories():
    counts = papers_upsert([make_entry()])
    assert counts == {"new": 1}
    paper = Paper.objects.get(arxiv_id="2401.06769")
    assert [a["name"] for a in paper.authors] == ["Jörg Müller", "A. Bér"]
    assert paper.authors[0]["affiliation"] == "ETH"
    assert paper.authors_text == "Jörg Müller, A. Bér"
    assert paper.categories == ["cs.LG", "stat.ML", "cs.IT"]  # math.IT merged into cs.IT
    assert paper.title_html and "math" in paper.title_html
    assert paper.renderer_version
    assert list(paper.versions.values_list("version", "size")) == [(1, "120kb")]


def test_same_data_twice_changes_nothing():
    papers_upsert([make_entry()])
    before = Paper.objects.get().modified_at
    counts = papers_upsert([make_entry()])
    assert counts == {"unchanged": 1}
    assert Paper.objects.count() == 1
    assert PaperVersion.objects.count() == 1
    assert Paper.objects.get().modified_at == before


def test_newer_version_replaces_metadata_and_extends_history():
    papers_upsert([make_entry()])
    v2 = make_entry(
        version=2,
        title="Better title",
        updated=datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
        versions=[{"version": 2, "date": datetime(2024, 3, 1, 12, 0, tzinfo=UTC), "size": None}],
    )
    assert papers_upsert([v2]) == {"updated": 1}
    paper = Paper.objects.get()
    assert (paper.latest_version, paper.title) == (2, "Better title")
    assert list(paper.versions.values_list("version", flat=True)) == [1, 2]
    assert paper.first_published == datetime(2024, 1, 12, 18, 0, tzinfo=UTC)


def test_older_version_never_overwrites_newer():
    papers_upsert([make_entry(version=3, title="v3 title")])
    counts = papers_upsert([make_entry(version=1, title="v1 title")])
    assert counts == {"skipped": 1}
    paper = Paper.objects.get()
    assert (paper.latest_version, paper.title) == (3, "v3 title")


def test_source_lacking_a_field_does_not_erase_it():
    papers_upsert([make_entry()])
    papers_upsert([make_entry(doi=None, published=None)])
    paper = Paper.objects.get()
    assert paper.doi == "10.1000/xyz"
    assert paper.first_published is not None


def test_listing_entries_inferred_from_submission_date():
    papers_upsert([make_entry()])
    # Friday 2024-01-12 13:00 ET (before cut-off) -> announced Sunday 14th -> listed Monday 15th.
    rows = set(ListingEntry.objects.values_list("category", "issue_date", "section"))
    assert rows == {
        ("cs.LG", date(2024, 1, 15), "new"),
        ("stat.ML", date(2024, 1, 15), "cross"),
        ("cs.IT", date(2024, 1, 15), "cross"),
    }


def test_feed_entries_use_the_announcement_and_section():
    entry = make_entry(announce_type="replace-cross", announce_date=date(2024, 2, 2))
    papers_upsert([entry], listing_category="math.NA")
    rows = list(ListingEntry.objects.values_list("category", "issue_date", "section"))
    assert rows == [("math.NA", date(2024, 2, 2), "replace")]


def test_duplicate_ids_in_one_batch_keep_the_newest():
    counts = papers_upsert([make_entry(version=2, title="two"), make_entry(version=1, title="one")])
    assert counts == {"new": 1}
    assert Paper.objects.get().title == "two"
