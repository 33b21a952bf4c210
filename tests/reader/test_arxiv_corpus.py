"""Every file under ../shared/arxiv-samples/A through the parsers, with hand-checked values.

Expected values were read off the raw files (and the counts off SOURCES.md); the files are
read in place and never copied into the repository.
"""

import json
from datetime import UTC, date, datetime

import pytest

from reader.arxiv import (
    ArxivApiError,
    ArxivParseError,
    OaiError,
    new_entry,
    parse_any,
    parse_listing,
    parse_snapshot_line,
)
from tests.conftest import SHARED_DIR, shared_path

pytestmark = pytest.mark.corpus

SAMPLES = "arxiv-samples/A"
API = f"{SAMPLES}/api"
OAI = f"{SAMPLES}/oai-pmh"
KAGGLE = f"{SAMPLES}/kaggle/kaggle-snapshot_lines001-100_0704.0001-0704.0100.jsonl"
ENTRY_KEYS = set(new_entry())


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def load(relpath: str):
    return parse_any(shared_path(relpath).read_bytes())


def by_id(result) -> dict:
    return {e["arxiv_id"]: e for e in result.entries}


def names(entry) -> list[str]:
    return [a["name"] for a in entry["authors"]]


def _sample_files() -> list[str]:
    root = SHARED_DIR / SAMPLES
    files = sorted(str(p.relative_to(SHARED_DIR)) for p in root.rglob("*") if p.is_file())
    return files or ["<arxiv-samples/A missing>"]


# ---- every file ----


@pytest.mark.parametrize("relpath", _sample_files())
def test_every_sample_file_goes_through_the_parsers(relpath):
    path = shared_path(relpath)
    data = path.read_bytes()
    name = path.name
    if name.endswith(".jsonl"):
        entries = [parse_snapshot_line(line) for line in data.splitlines() if line.strip()]
        assert entries and all(set(e) == ENTRY_KEYS for e in entries)
    elif name.endswith(".json"):
        # arxiv.py recording: body is the HTTP body decoded as latin-1; the .body.xml beside it
        # holds the same bytes.
        record = json.loads(data)
        body = record["body"].encode("latin-1")
        assert body == path.with_name(name[: -len(".json")] + ".body.xml").read_bytes()
        if record["status_code"] == 400:
            with pytest.raises(ArxivApiError):
                parse_any(body)
        else:
            assert record["status_code"] == 200
            assert parse_any(body).kind == "api"
    elif name.endswith(".html"):
        # A web page, not an API response: parse_any refuses it, parse_listing reads it.
        with pytest.raises(ArxivParseError, match="HTML page.*parse_listing"):
            parse_any(data)
        assert parse_listing(data).entries
    elif name.endswith(".xml"):
        if "ERROR-400" in name:
            with pytest.raises(ArxivApiError):
                parse_any(data)
        elif "badResumptionToken" in name:
            with pytest.raises(OaiError):
                parse_any(data)
        else:
            result = parse_any(data)
            assert result.kind in ("api", "oai")
            assert all(set(e) == ENTRY_KEYS for e in result.entries)
            assert all(e["arxiv_id"] and e["title"] is not None for e in result.entries)
    else:
        pytest.fail(f"no parser covers {relpath}")


# ---- API, pre-2025 wire format ----


def test_api_oldformat_id_list_v2():
    result = load(f"{API}/arxivpy-2016-oldformat_id_list-1111.2011v2.xml")
    assert (result.kind, result.total_results, result.start_index) == ("api", 1, 0)
    (e,) = result.entries
    assert (e["arxiv_id"], e["version"]) == ("1111.2011", 2)
    assert e["title"] == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert names(e) == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert e["published"] == utc(2011, 11, 8, 18, 48, 36)
    assert e["updated"] == utc(2012, 4, 2, 12, 38, 54)
    assert e["versions"] == [
        {"version": 1, "date": utc(2011, 11, 8, 18, 48, 36), "size": None},
        {"version": 2, "date": utc(2012, 4, 2, 12, 38, 54), "size": None},
    ]
    assert e["doi"] == "10.1103/PhysRevB.85.115117"
    assert e["journal_ref"] == "Phys. Rev. B 85, 115117 (2012)"
    assert e["comment"] == "8 pages, 3 figures. Published version"
    assert e["primary_category"] == "cond-mat.str-el"
    assert e["categories"] == ["cond-mat.str-el", "cond-mat.stat-mech"]
    # Hard wraps and the 2 leading spaces are gone; one paragraph.
    assert e["abstract"].startswith(
        "Theoretical description of anisotropic systems, such as layered superconductors"
    )
    assert "\n" not in e["abstract"]
    assert e["abstract"].endswith("the theory describing a single node.")


def test_api_oldformat_search_with_old_style_ids():
    result = load(f"{API}/arxivpy-2016-oldformat_au-del_maestro.xml")
    assert (len(result.entries), result.total_results) == (10, 31)
    assert {"cond-mat/0412498", "cond-mat/0607501"} <= set(by_id(result))
    assert sum(e["version"] >= 2 for e in result.entries) == 4
    assert all(e["doi"] and e["journal_ref"] and e["comment"] for e in result.entries)
    e = by_id(result)["cond-mat/0607501"]
    assert e["version"] == 2
    assert e["title"] == (
        "A striped supersolid phase and the search for deconfined quantum criticality in "
        "hard-core bosons on the triangular lattice"
    )
    assert names(e) == ["R. G. Melko", "A. Del Maestro", "A. A. Burkov"]
    assert e["doi"] == "10.1103/PhysRevB.74.214517"
    assert e["journal_ref"] == "Phys. Rev. B 74, 214517 (2006)"
    assert (e["published"], e["updated"]) == (
        utc(2006, 7, 19, 20, 12, 54),
        utc(2006, 11, 6, 19, 33, 40),
    )
    assert e["categories"] == ["cond-mat.str-el"]


# ---- API, 2026 wire format ----


def test_api_error_feed_is_rejected():
    with pytest.raises(ArxivApiError, match="incorrect id format for abc") as info:
        load(f"{API}/arxivpy-2026_ERROR-400_id-abc.body.xml")
    assert info.value.reason == "incorrect_id_format_for_abc"


def test_api_empty_result_is_empty():
    result = load(f"{API}/arxivpy-2026_empty_id-0000.0000.body.xml")
    assert (result.kind, result.entries, result.total_results) == ("api", [], 0)


def test_api_old_style_id_with_version():
    (e,) = load(f"{API}/arxivpy-2026_id-quant-ph_0201082v1.body.xml").entries
    assert (e["arxiv_id"], e["version"]) == ("quant-ph/0201082", 1)
    assert e["title"] == (
        "Quantum Computers and Quantum Computer Languages: Quantum Assembly Language and "
        "Quantum C Language"
    )
    assert e["authors"] == [{"name": "Stephen Blaha", "affiliation": None}]
    assert (e["primary_category"], e["categories"]) == ("quant-ph", ["quant-ph", "cs.PL"])
    assert e["comment"] == "32 pages"
    assert e["published"] == e["updated"] == utc(2002, 1, 18, 15, 8, 5)
    assert e["abstract"].startswith("We show a representation of Quantum Computers")
    assert (e["doi"], e["journal_ref"], e["license"]) == (None, None, None)


def test_api_2026_max100_counts_match_sources_md():
    result = load(f"{API}/arxivpy-2026_q-testing_start0_max100.body.xml")
    entries = result.entries
    assert (len(entries), result.total_results) == (100, 214881)
    assert sum(e["version"] >= 2 for e in entries) == 36
    assert sum(e["doi"] is not None for e in entries) == 32
    assert sum(e["journal_ref"] is not None for e in entries) == 18
    assert sum(e["comment"] is not None for e in entries) == 97
    assert sum(a["affiliation"] is not None for e in entries for a in e["authors"]) == 2
    assert sum(len(e["categories"]) > 1 for e in entries) == 46
    assert sum(not a["name"].isascii() for e in entries for a in e["authors"]) == 17
    assert sum("$" in e["abstract"] for e in entries) == 12
    assert [e["arxiv_id"] for e in entries if "/" in e["arxiv_id"]] == [
        "cs/0503050",
        "hep-ph/0301050",
        "gr-qc/0103067",
    ]


def test_api_2026_hand_checked_entries():
    entries = by_id(load(f"{API}/arxivpy-2026_q-testing_start0_max100.body.xml"))
    anarchy = entries["hep-ph/0301050"]
    assert anarchy["title"] == "Statistical Test of Anarchy"
    assert names(anarchy) == ["Andre de Gouvea", "Hitoshi Murayama"]
    assert anarchy["version"] == 2
    assert (anarchy["published"], anarchy["updated"]) == (
        utc(2003, 1, 8, 20, 15, 43),
        utc(2003, 6, 30, 3, 20, 20),
    )
    assert anarchy["doi"] == "10.1016/j.physletb.2003.08.045"
    assert anarchy["journal_ref"] == "Phys.Lett.B573:94-100,2003"
    assert anarchy["abstract"].startswith('"Anarchy" is the hypothesis')
    algebraic = entries["0804.0970"]
    assert algebraic["authors"] == [
        {"name": "Marie-Claude Gaudel", "affiliation": "LRI"},
        {"name": "Pascale Le Gall", "affiliation": "IBISC"},
    ]
    omega = next(e for e in entries.values() if e["title"].startswith("$"))
    assert omega["title"] == "$ω$Test: WebView-Oriented Testing for Android Applications"
    # An indented line in the 2026 format starts a paragraph, as in the raw metadata.
    white_box = entries["cs/0503050"]
    first, second = white_box["abstract"].split("\n\n")
    assert first.startswith("A systematic, language-independent method")
    assert second.startswith("The number of independent paths equals")


def test_api_2026_pagination_matches_the_big_page():
    big = [
        e["arxiv_id"] for e in load(f"{API}/arxivpy-2026_q-testing_start0_max100.body.xml").entries
    ]
    page1 = load(f"{API}/arxivpy-2026_q-testing_start0_max10.body.xml")
    page2 = load(f"{API}/arxivpy-2026_q-testing_start10_max10.body.xml")
    assert (page1.start_index, page2.start_index) == (0, 10)
    assert [e["arxiv_id"] for e in page1.entries + page2.entries] == big[:20]


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
    path = shared_path(f"{SAMPLES}/listing-html/polaris-2026-08-12_list-cs.AI-new_EXCERPT.html")
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
