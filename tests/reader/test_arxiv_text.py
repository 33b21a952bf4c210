"""reader.arxiv text helpers and Kaggle snapshot lines: whitespace, authors, dates, fuzzing."""

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.arxiv import ArxivParseError, new_entry, parse_snapshot_line
from reader.arxiv.base import (
    _FLAT_SPLIT,
    _split_nested,
    collapse_ws,
    normalize_abstract,
    parse_datetime,
    split_authors,
)

ENTRY_KEYS = set(new_entry())


# ---- Kaggle snapshot lines ----

LINE = {
    "id": "0704.0002",
    "authors": "Ileana Streinu and Louis Theran",
    "title": "Sparsity-certifying Graph\n  Decompositions",
    "comments": None,
    "journal-ref": None,
    "doi": "10.1/a 10.1/b",
    "categories": "math.CO cs.CG",
    "license": "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
    "abstract": "  We describe $(k,\\ell)$.\n  New paragraph.\n",
    "versions": [
        {"version": "v2", "created": "Sat, 13 Dec 2008 17:26:00 GMT"},
        {"version": "v1", "created": "Sat, 31 Mar 2007 02:26:18 GMT"},
    ],
    "update_date": "2008-12-13",
    "authors_parsed": [["Streinu", "Ileana", ""], ["Theran", "Louis", ""]],
}


def test_snapshot_line():
    entry = parse_snapshot_line(json.dumps(LINE))
    assert set(entry) == ENTRY_KEYS
    assert entry["arxiv_id"] == "0704.0002" and entry["version"] == 2
    assert entry["title"] == "Sparsity-certifying Graph Decompositions"
    assert entry["abstract"] == "We describe $(k,\\ell)$.\n\nNew paragraph."
    assert entry["categories"] == ["math.CO", "cs.CG"] and entry["primary_category"] == "math.CO"
    assert entry["doi"] == "10.1/a" and entry["dois"] == ["10.1/a", "10.1/b"]
    assert entry["published"] == datetime(2007, 3, 31, 2, 26, 18, tzinfo=UTC)
    assert entry["updated"] == datetime(2008, 12, 13, 17, 26, tzinfo=UTC)
    assert parse_snapshot_line(json.dumps(LINE).encode()) == entry


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"title": "no id"}', "no id"),
        ('{"id": ""}', "no id"),
        ('{"id": "garbage"}', "snapshot id"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_bad_snapshot_lines(line, message):
    with pytest.raises(ArxivParseError, match=message):
        parse_snapshot_line(line)


# ---- text helpers ----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  One\ntwo\n  Three\n", "One two\n\nThree"),
        ("One\n\n\nTwo", "One\n\nTwo"),
        ("It costs $35,000 and $x^2$.", "It costs $35,000 and $x^2$."),
        ("Keep \\'e and \\\"o", "Keep \\'e and \\\"o"),
        ("", ""),
    ],
)
def test_normalize_abstract(text, expected):
    assert normalize_abstract(text) == expected


@pytest.mark.parametrize(
    ("text", "names", "affiliations"),
    [
        (
            "D.V. Shetty, S.J. Yennello, and G.A. Souliotis",
            ["D.V. Shetty", "S.J. Yennello", "G.A. Souliotis"],
            [None] * 3,
        ),
        (
            "Valeria M. Rosa and Patricio S. letelier",
            ["Valeria M. Rosa", "Patricio S. letelier"],
            [None] * 2,
        ),
        ("C. Bal\\'azs, E. L. Berger", ["C. Bal\\'azs", "E. L. Berger"], [None] * 2),
        (
            "V.N. Tolstoy (INP, Moscow State University)",
            ["V.N. Tolstoy"],
            ["INP, Moscow State University"],
        ),
        (
            "A. Author (Dept. of Physics and Astronomy)",
            ["A. Author"],
            ["Dept. of Physics and Astronomy"],
        ),
        ("John Smith, Jr., Jane Roe", ["John Smith, Jr.", "Jane Roe"], [None] * 2),
        (
            "The BABAR Collaboration, B. Aubert, et al",
            ["The BABAR Collaboration", "B. Aubert"],
            [None] * 2,
        ),
        ("Anderson Silva and Andy Sandberg", ["Anderson Silva", "Andy Sandberg"], [None] * 2),
        (
            "Arthur Jaffe (1) and Gordon Ritter (1) ((1) Harvard University)",
            ["Arthur Jaffe", "Gordon Ritter"],
            ["Harvard University"] * 2,
        ),
        (
            "A. Mishchenko (1 and 2) and N. Nagaosa (1, 3) ((1) CREST, Japan, (2) Kurchatov, (3) Tokyo)",
            ["A. Mishchenko", "N. Nagaosa"],
            ["CREST, Japan; Kurchatov", "CREST, Japan; Tokyo"],
        ),
        ("", [], []),
    ],
)
def test_split_authors(text, names, affiliations):
    authors = split_authors(text)
    assert [a["name"] for a in authors] == names
    assert [a["affiliation"] for a in authors] == affiliations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-02-24T15:05:19Z", datetime(2022, 2, 24, 15, 5, 19, tzinfo=UTC)),
        ("Mon, 2 Apr 2007 19:18:42 GMT", datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)),
        ("2017-06-16", datetime(2017, 6, 16, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_parse_datetime(text, expected):
    assert parse_datetime(text) == expected


def test_parse_datetime_rejects_garbage():
    with pytest.raises(ArxivParseError, match="unreadable date"):
        parse_datetime("yesterday")


@given(st.text())
def test_collapse_ws_fast_path_agrees_with_split(text):
    assert collapse_ws(text) == " ".join(text.split())


@given(st.text())
def test_normalize_abstract_is_idempotent(text):
    once = normalize_abstract(text)
    assert normalize_abstract(once) == once


@given(st.text(alphabet=st.sampled_from(list("ab nd,AND)}]\n\t.")), max_size=40))
def test_flat_author_split_agrees_with_the_bracket_walk(text):
    flat = collapse_ws(text)
    assert _FLAT_SPLIT.split(flat) == _split_nested(flat)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(fields=st.dictionaries(st.sampled_from(sorted(LINE)), _JSON, max_size=6))
def test_snapshot_lines_with_wrong_types_raise_only_parse_errors(fields):
    obj = {**LINE, **fields}
    try:
        parse_snapshot_line(json.dumps(obj))
    except ArxivParseError:
        pass
