"""Corpus tests, continued: OAI-PMH, Kaggle snapshot and listing samples, checked by hand.

Expected values were read off the raw files under ../shared/arxiv-samples/A.
"""

from datetime import date

import pytest

from reader.arxiv import (
    OaiError,
    parse_listing,
    parse_snapshot_line,
)
from tests.conftest import shared_path
from tests.reader.arxiv_samples import (
    KAGGLE,
    LISTING,
    OAI,
    by_id,
    load,
    names,
    utc,
)

pytestmark = pytest.mark.corpus


# ---- OAI-PMH ----


def test_oai_arxivraw_list_records():
    result = load(f"{OAI}/saelim-2015_ListRecords_arXivRaw_from-2014-10-01.xml")
    assert result.kind == "oai"
    assert result.resumption_token == "726959|1001"
    assert (result.total_results, result.start_index) == (58011, 0)
    assert result.response_date == utc(2015, 1, 6, 20, 49, 59)
    entries = by_id(result)
    assert list(entries) == [
        "0704.0471",
        "0704.0716",
        "0704.0874",
        "0704.1109",
        "0704.1114",
        "0704.1586",
    ]

    shetty = entries["0704.0471"]
    assert names(shetty) == ["D.V. Shetty", "S.J. Yennello", "G.A. Souliotis"]
    assert shetty["dois"] == ["10.1103/PhysRevC.76.024606", "10.1103/PhysRevC.76.039902"]
    assert shetty["doi"] == "10.1103/PhysRevC.76.024606"
    assert shetty["journal_ref"] == "Phys.Rev.C76:024606,2007; Erratum-ibid.C76:039902,2007"
    assert shetty["categories"] == ["nucl-ex", "nucl-th"]
    assert shetty["title"] == (
        "Density dependence of the symmetry energy and the nuclear equation of state: "
        "A Dynamical and Statistical model perspective"
    )
    assert 'an extremely " stiff " and " soft " form' in shetty["abstract"]
    assert (shetty["version"], shetty["license"]) == (1, None)

    richard = entries["0704.0716"]
    assert richard["versions"] == [
        {"version": 1, "date": utc(2007, 4, 5, 12, 45, 3), "size": "43kb"},
        {"version": 2, "date": utc(2007, 9, 28, 15, 13, 43), "size": "48kb"},
        {"version": 3, "date": utc(2008, 2, 29, 16, 5, 39), "size": "48kb"},
        {"version": 4, "date": utc(2008, 11, 14, 9, 7, 25), "size": "49kb"},
    ]
    assert (richard["version"], richard["published"], richard["updated"]) == (
        4,
        utc(2007, 4, 5, 12, 45, 3),
        utc(2008, 11, 14, 9, 7, 25),
    )
    assert richard["categories"] == ["math-ph", "math.MP"]
    assert richard["license"] == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert richard["comment"] == (
        "54 pages, 2 figures; v2 updated and slightly expanded; v3 changes in some proofs; "
        "v4 slightly expanded"
    )

    summers = entries["0704.1586"]
    assert names(summers) == ["N.C. Summers", "F.M. Nunes"]
    assert summers["dois"] == ["10.1103/PhysRevC.76.014611", "10.1103/PhysRev.C77.049901"]
    assert (
        summers["title"]
        == "Core excitation in the elastic scattering and breakup of $^{11}$Be on protons"
    )


def test_oai_arxivraw_get_record():
    (e,) = load(f"{OAI}/saelim-2015_GetRecord_arXivRaw_1302.2146.xml").entries
    assert e["arxiv_id"] == "1302.2146"
    assert names(e) == ["Joshua Berger", "Maxim Perelstein", "Michael Saelim", "Philip Tanedo"]
    assert e["versions"] == [
        {"version": 1, "date": utc(2013, 2, 8, 21, 0, 1), "size": "853kb"},
        {"version": 2, "date": utc(2013, 4, 2, 1, 50, 8), "size": "849kb"},
    ]
    assert e["categories"] == ["hep-ph", "hep-ex"]
    assert e["comment"] == "18 pages, 6 figures; v2: References added"


def test_oai_arxiv_format_cross_listed_primary():
    result = load(f"{OAI}/hepcrawl-2017_ListRecords_arXiv_set-physics-hep-ex.xml")
    assert result.resumption_token is None
    entries = by_id(result)
    assert list(entries) == ["1706.05371", "1706.09418", "1707.00874"]
    sipm = entries["1706.05371"]
    # The first record of a physics:hep-ex harvest is primary physics.ins-det.
    assert (sipm["primary_category"], sipm["categories"]) == (
        "physics.ins-det",
        ["physics.ins-det", "hep-ex"],
    )
    assert len(sipm["authors"]) == 13
    assert (names(sipm)[0], names(sipm)[-1]) == ("Tyler Anderson", "Mani Tripathi")
    assert (sipm["published"], sipm["updated"]) == (utc(2017, 6, 16), utc(2017, 12, 12))
    assert sipm["version"] is None  # the arXiv format gives dates, not version numbers
    rpv = entries["1706.09418"]
    assert rpv["doi"] == "10.1140/epjc/s10052-017-5414-4"
    assert rpv["journal_ref"] == "Eur. Phys. J. C (2017) 77:856"
    assert names(rpv)[2] == "Manuel E. Krauss"
    bl = entries["1707.00874"]
    assert bl["categories"] == ["hep-ph", "astro-ph.CO", "hep-ex"]
    assert (
        bl["title"]
        == "Implications of right-handed neutrinos in $B-L$ extended standard model with scalar dark matter"
    )


def test_oai_no_records_match_is_empty():
    result = load(f"{OAI}/saelim-2015_ERROR_noRecordsMatch.xml")
    assert (result.kind, result.entries, result.resumption_token) == ("oai", [], None)
    assert result.response_date == utc(2015, 6, 23, 13, 28, 30)


def test_oai_bad_resumption_token_raises():
    with pytest.raises(OaiError, match="illegal for this repository") as info:
        load(f"{OAI}/saelim-2015_ERROR_badResumptionToken.xml")
    assert info.value.code == "badResumptionToken"


# ---- Kaggle snapshot ----


def test_kaggle_snapshot_lines():
    lines = shared_path(KAGGLE).read_bytes().splitlines()
    entries = [parse_snapshot_line(line) for line in lines]
    assert [e["arxiv_id"] for e in entries] == [f"0704.{n:04d}" for n in range(1, 101)]
    assert sum(len(e["versions"]) > 1 for e in entries) == 49
    assert max(e["version"] for e in entries) == 5
    assert sum(e["license"] is None for e in entries) == 87
    first = entries[0]
    assert names(first) == ["C. Bal\\'azs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert (
        first["title"]
        == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert first["versions"] == [
        {"version": 1, "date": utc(2007, 4, 2, 19, 18, 42), "size": None},
        {"version": 2, "date": utc(2007, 7, 24, 20, 10, 27), "size": None},
    ]
    assert (first["doi"], first["categories"]) == ("10.1103/PhysRevD.76.013009", ["hep-ph"])
    by = {e["arxiv_id"]: e for e in entries}
    assert "Neal J. Evans II" in names(by["0704.0009"])
    assert names(by["0704.0020"]) == ["The BABAR Collaboration", "B. Aubert"]  # "et al" dropped
    assert [a["affiliation"] for a in by["0704.0052"]["authors"]] == ["Harvard University"] * 2
    assert by["0704.0044"]["authors"][0] == {"name": "A. A. Schekochihin", "affiliation": "Oxford"}


# ---- listing page ----


def test_listing_new_page():
    path = shared_path(LISTING)
    result = parse_listing(path.read_bytes())
    assert result.kind == "listing"
    # "Showing new listings for Wednesday, 12 August 2026" (the Tuesday 20:00 ET announcement).
    assert result.announce_date == date(2026, 8, 12)
    assert result.section_counts == {"new": (2, 2), "cross": (2, 2), "replace": (2, 2)}
    assert result.total_results == 6
    entries = by_id(result)
    assert list(entries) == [
        "2608.09949",
        "2608.09967",
        "2505.11635",
        "2607.28646",
        "2112.07752",
        "2505.23399",
    ]
    assert [e["announce_type"] for e in result.entries] == [
        "new",
        "new",
        "cross",
        "cross",
        "replace",
        "replace",
    ]
    first = entries["2608.09949"]
    assert first["title"] == "Closed-Loop LLM Co-Pilots for Digital Agriculture"
    assert names(first) == ["Serge Kernbach"]
    assert (first["primary_category"], first["categories"]) == (
        "cs.AI",
        ["cs.AI", "physics.bio-ph"],
    )
    assert first["version"] == 1 and first["announce_date"] == date(2026, 8, 12)
    cross = entries["2607.28646"]
    assert cross["title"].startswith(
        '"YES! YES! I absolutely love this insight!" Affirmative Narration'
    )
    assert cross["primary_category"] == "cs.HC"
    assert cross["journal_ref"] == "2026 Narrative Inquiry 23 (2)"
    assert cross["comment"] == "In review for a special issue of Narrative Inquiry"
    assert cross["version"] is None  # no HTML link to read a version from
    assert entries["2112.07752"]["version"] == 5
    assert names(entries["2505.23399"])[0] == "Jusheng Zhang"
