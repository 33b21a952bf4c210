"""Every file under ../shared/arxiv-samples/A through the parsers; API values checked by hand.

Expected values were read off the raw files (and the counts off SOURCES.md); the files are
read in place and never copied into the repository. OAI, Kaggle and listing: *_oai.py.
"""

import json

import pytest

from reader.arxiv import (
    ArxivApiError,
    OaiError,
    parse_any,
    parse_listing,
    parse_snapshot_line,
)
from tests.conftest import shared_path
from tests.reader.arxiv_samples import (
    API,
    ENTRY_KEYS,
    by_id,
    load,
    names,
    sample_files,
    utc,
)

pytestmark = pytest.mark.corpus


# ---- every file ----


@pytest.mark.parametrize("relpath", sample_files())
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
        # A saved /list/<cat>/new page: parse_any hands it to parse_listing.
        assert parse_any(data).kind == "listing"
        assert parse_any(data).entries == parse_listing(data).entries
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
