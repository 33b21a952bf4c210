"""reader.arxiv parsers on our own fixtures: API Atom, OAI-PMH, Kaggle lines, hostile input."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from reader.arxiv import (
    ArxivApiError,
    ArxivParseError,
    OaiError,
    new_entry,
    parse_any,
    parse_api,
    parse_oai,
    parse_snapshot_line,
)
from reader.arxiv_base import (
    _FLAT_SPLIT,
    _PARSER,
    _split_nested,
    collapse_ws,
    normalize_abstract,
    parse_datetime,
    split_authors,
)

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
REPO = Path(__file__).resolve().parents[2]
ENTRY_KEYS = set(new_entry())


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# ---- API Atom ----


def test_api_page_fields():
    result = parse_any(fixture("api_query_page1.xml"))
    assert result.kind == "api"
    assert (result.total_results, result.start_index) == (3, 0)
    assert result.response_date == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    first, second = result.entries
    assert set(first) == ENTRY_KEYS
    assert first["arxiv_id"] == "2611.00001" and first["version"] == 2
    assert first["abstract"] == "First line wrapped.\n\nSecond paragraph."
    assert first["authors"] == [{"name": "Ada Lovelace", "affiliation": "Analytical Engine Ltd"}]
    assert first["doi"] == "10.1000/one"
    assert first["dois"] == ["10.1000/one", "10.1000/one-erratum"]
    assert [v["version"] for v in first["versions"]] == [1, 2]
    assert first["versions"][1]["date"] == first["updated"]
    # A title that is the string "0" survives (test for None, not falsiness).
    assert second["title"] == "0"
    # Primary first even when the <category> list puts it second.
    assert second["categories"] == ["cs.LG", "stat.ML"]
    assert second["versions"] == [{"version": 1, "date": second["published"], "size": None}]


def test_api_error_entry_raises_with_reason():
    body = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns="http://www.w3.org/2005/Atom">
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry><id>http://arxiv.org/api/errors#max_results_too_large</id><title>Error</title>
  <summary>max_results must not exceed 2000</summary></entry>
</feed>"""
    with pytest.raises(ArxivApiError, match="max_results must not exceed 2000") as info:
        parse_api(body)
    assert info.value.reason == "max_results_too_large"


def test_api_entry_with_bad_id_is_a_parse_error():
    body = fixture("api_query_page2.xml").replace(b"cs/0503050v1", b"not-an-id")
    with pytest.raises(ArxivParseError, match="API entry id"):
        parse_api(body)


# ---- OAI-PMH ----


def test_oai_page_with_token_and_deleted_record():
    result = parse_oai(fixture("oai_page1.xml"))
    assert result.kind == "oai"
    assert result.resumption_token == "verb%3DListRecords%26set%3Dcs%3Acs%3ALG%26skip%3D1"
    assert result.deleted == ["2611.00099"]
    (entry,) = result.entries
    assert entry["version"] == 2
    assert [v["version"] for v in entry["versions"]] == [1, 2]  # sorted although v2 came first
    assert entry["versions"][0]["size"] == "10kb"
    assert entry["published"] == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert entry["updated"] == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert entry["categories"] == ["cs.LG", "stat.ML"]
    assert entry["authors"] == [
        {"name": "Ada Lovelace", "affiliation": "Analytical Engine Ltd, London"},
        {"name": "Charles Babbage", "affiliation": None},
    ]


def test_same_paper_from_api_and_oai_has_the_same_text():
    api = parse_api(fixture("api_query_page1.xml")).entries[0]
    oai = parse_oai(fixture("oai_page1.xml")).entries[0]
    for key in (
        "arxiv_id",
        "version",
        "title",
        "abstract",
        "published",
        "updated",
        "primary_category",
    ):
        assert api[key] == oai[key], key


def test_oai_last_page_has_no_token():
    result = parse_oai(fixture("oai_page2.xml"))
    assert result.resumption_token is None
    assert result.entries[0]["arxiv_id"] == "math/0309136"
    assert result.entries[0]["primary_category"] == "math.GT"


def test_oai_error_codes():
    template = (
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-24T00:00:00Z'
        '</responseDate><error code="{code}">{msg}</error></OAI-PMH>'
    )
    empty = parse_oai(template.format(code="noRecordsMatch", msg="nothing").encode())
    assert empty.entries == [] and empty.response_date is not None
    with pytest.raises(OaiError) as info:
        parse_oai(template.format(code="badArgument", msg="extra arg").encode())
    assert (info.value.code, info.value.message) == ("badArgument", "extra arg")


def test_oai_dc_is_refused_clearly():
    body = fixture("oai_page2.xml").replace(
        b"http://arxiv.org/OAI/arXivRaw/", b"http://www.openarchives.org/OAI/2.0/oai_dc/"
    )
    with pytest.raises(ArxivParseError, match="unsupported OAI metadata format"):
        parse_oai(body)


# ---- hostile and broken input ----


def test_billion_laughs_is_refused_without_expansion():
    with pytest.raises(ArxivParseError, match="DOCTYPE"):
        parse_any(fixture("billion_laughs.xml"))


def test_external_entity_is_refused_and_never_read():
    with pytest.raises(ArxivParseError, match="DOCTYPE") as info:
        parse_any(fixture("xxe_file.xml"))
    assert "root:" not in str(info.value)


def test_doctype_after_long_prefix_is_still_refused():
    # Past the cheap prefix scan, the parsed document's DTD is checked as well; entities stay
    # unexpanded either way (resolve_entities=False, no_network=True).
    body = fixture("xxe_file.xml").replace(b'<?xml version="1.0"?>', b"<!--" + b"x" * 5000 + b"-->")
    with pytest.raises(ArxivParseError):
        parse_any(body)


@pytest.mark.parametrize("cut", [10, 200, 600, -20])
def test_truncated_xml_is_a_parse_error(cut):
    with pytest.raises(ArxivParseError, match="malformed or truncated"):
        parse_any(fixture("oai_page1.xml")[:cut])


def test_html_error_page_is_named():
    with pytest.raises(ArxivParseError, match="HTML page.*503 Service Unavailable"):
        parse_any(fixture("unavailable_503.html"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<root/>", "not an arXiv response"),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "RSS 1.0"),
        (b"not xml at all", "malformed"),
    ],
)
def test_other_bad_bodies(body, message):
    with pytest.raises(ArxivParseError, match=message):
        parse_any(body)


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


def test_parser_itself_never_expands_entities():
    # Defence in depth: even without the DOCTYPE refusal, the lxml parser keeps &xxe; as an
    # unresolved reference and stops billion laughs instead of expanding it.
    tree = etree.fromstring(fixture("xxe_file.xml"), _PARSER)
    assert b"root:" not in etree.tostring(tree)
    try:
        laughs = etree.tostring(etree.fromstring(fixture("billion_laughs.xml"), _PARSER))
    except etree.XMLSyntaxError:
        laughs = b""
    assert len(laughs) < 10_000


def test_pure_modules_import_without_django():
    code = (
        "import sys; sys.modules['django'] = None\n"
        "import reader.arxiv, reader.arxiv_client\n"
        "assert 'reader.models' not in sys.modules and 'reader.services' not in sys.modules\n"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
