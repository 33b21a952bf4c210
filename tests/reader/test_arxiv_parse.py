"""reader.arxiv parsers on our own fixtures: API Atom, OAI-PMH, hostile and broken input."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
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
)
from reader.arxiv.base import _PARSER

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
        "import reader.arxiv, reader.arxiv.client\n"
        "assert 'reader.models' not in sys.modules and 'reader.services' not in sys.modules\n"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


# ---- fuzz: bad input only ever raises the domain errors ----

_SEEDS = sorted(FIXTURES.glob("*.xml"))
_SNIPPETS = [
    b"<",
    b"&",
    b"</entry>",
    b"<entry>",
    b"</id>",
    b"v0",
    b"\xff",
    b"<![CDATA[x]]>",
    b"<!-- c -->",
    b"<?pi x?>",
    b'status="deleted"',
    b"</record>",
    b"<resumptionToken>",
]


@settings(max_examples=200, deadline=None)
@given(
    seed=st.sampled_from(_SEEDS),
    cuts=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 40), st.sampled_from(_SNIPPETS)),
        min_size=1,
        max_size=3,
    ),
)
def test_mutated_responses_raise_only_domain_errors(seed, cuts):
    data = bytearray(seed.read_bytes())
    for where, length, snippet in cuts:
        at = int(where * (len(data) - 1))
        data[at : at + length] = snippet
    try:
        parse_any(bytes(data))
    except (ArxivParseError, ArxivApiError, OaiError):
        pass
