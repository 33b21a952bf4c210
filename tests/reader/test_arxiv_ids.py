"""reader.arxiv.ids: id normalisation, URL-converter patterns and OAI set names."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.arxiv import (
    ID_PATTERN,
    NEW_ID_PATTERN,
    OLD_ID_PATTERN,
    InvalidArxivId,
    normalize_id,
    oai_set_for_category,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2511.13720", ("2511.13720", None)),
        ("2511.13720v3", ("2511.13720", 3)),
        ("arXiv:2511.13720", ("2511.13720", None)),
        ("ARXIV:2511.13720v12", ("2511.13720", 12)),
        ("  2511.13720v1\n", ("2511.13720", 1)),
        ("https://arxiv.org/abs/2511.13720", ("2511.13720", None)),
        ("http://arxiv.org/abs/2511.13720v2", ("2511.13720", 2)),
        ("https://arxiv.org/pdf/2511.13720v2", ("2511.13720", 2)),
        ("https://arxiv.org/pdf/2511.13720v2.pdf", ("2511.13720", 2)),
        ("https://export.arxiv.org/abs/2511.13720/", ("2511.13720", None)),
        ("https://www.arxiv.org/abs/2511.13720?context=cs#x", ("2511.13720", None)),
        ("arxiv.org/abs/hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("oai:arXiv.org:2203.01250v3", ("2203.01250", 3)),
        ("/abs/2608.09949", ("2608.09949", None)),
        ("pdf/hep-th/9901001v1", ("hep-th/9901001", 1)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("math.GT/0309136", ("math/0309136", None)),
        ("cond-mat/0607501v2", ("cond-mat/0607501", 2)),
        ("quant-ph/0201082v1", ("quant-ph/0201082", 1)),
        ("https://arxiv.org/abs/math.GT/0309136v1", ("math/0309136", 1)),
        # Padding variants: 4 digits after the dot up to 1412, 5 from 1501.
        ("1406.02661", ("1406.2661", None)),
        ("2401.6769", ("2401.06769", None)),
        ("2401.6769v2", ("2401.06769", 2)),
        ("0704.0001", ("0704.0001", None)),
        ("1412.9999", ("1412.9999", None)),
        ("1501.00001", ("1501.00001", None)),
    ],
)
def test_normalize_id_accepts(text, expected):
    assert normalize_id(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("abc", "not an arXiv id"),
        ("0000.0000", "no such arXiv month"),
        ("2413.00001", "no such arXiv month"),
        ("0612.0001", "new ids start at 0704"),
        ("1406.12345", "4 digits"),
        ("2401.123456", "not an arXiv id"),
        ("2401.00000", "5 digits"),
        ("2401.00001v0", "versions start at v1"),
        ("hep-th/9901001v", "not an arXiv id"),
        ("hep-th/0801001", "no such old-style arXiv month"),
        ("hep-th/9913001", "no such old-style arXiv month"),
        ("hep-th/9901000", "start at 001"),
        ("hep_th/9901001", "old-style ids look like"),
        ("https://example.org/abs/2401.00001", "not an arXiv id"),
    ],
)
def test_normalize_id_rejects_with_clear_message(text, fragment):
    with pytest.raises(InvalidArxivId, match=re.escape(fragment)):
        normalize_id(text)


def test_invalid_id_is_a_value_error():
    assert issubclass(InvalidArxivId, ValueError)
    with pytest.raises(ValueError):
        normalize_id(None)  # type: ignore[arg-type]


@given(
    yymm=st.integers(min_value=704, max_value=9912).filter(lambda v: 1 <= v % 100 <= 12),
    number=st.integers(min_value=1, max_value=9999),
    version=st.none() | st.integers(min_value=1, max_value=99),
)
def test_normalize_id_is_idempotent_and_canonical(yymm, number, version):
    width = 4 if yymm <= 1412 else 5
    text = f"{yymm:04d}.{number:0{width}d}" + (f"v{version}" if version else "")
    bare, v = normalize_id(text)
    assert v == version
    assert normalize_id(bare) == (bare, None)
    assert re.fullmatch(NEW_ID_PATTERN, bare)
    assert len(bare.partition(".")[2]) == width


def test_patterns_are_group_free_and_match_both_styles():
    for pattern in (NEW_ID_PATTERN, OLD_ID_PATTERN, ID_PATTERN):
        assert re.compile(pattern).groups == 0
    assert re.fullmatch(ID_PATTERN, "2401.00001v2")
    assert re.fullmatch(ID_PATTERN, "hep-th/9901001")
    assert re.fullmatch(ID_PATTERN, "math.GT/0309136v1")
    assert not re.fullmatch(ID_PATTERN, "cs.AI")
    assert not re.fullmatch(ID_PATTERN, "cs.AI+cs.LG")


@pytest.mark.parametrize(
    ("category", "set_spec"),
    [
        ("cs.LG", "cs:cs:LG"),
        ("cs.AI", "cs:cs:AI"),
        ("math.NA", "math:math:NA"),
        ("stat.ML", "stat:stat:ML"),
        ("q-bio.NC", "q-bio:q-bio:NC"),
        ("eess.SY", "eess:eess:SY"),
        ("econ.GN", "econ:econ:GN"),
        ("hep-th", "physics:hep-th"),
        ("hep-ex", "physics:hep-ex"),
        ("astro-ph.CO", "physics:astro-ph"),
        ("cond-mat.str-el", "physics:cond-mat"),
        ("physics.optics", "physics:physics"),
        ("quant-ph", "physics:quant-ph"),
        ("math-ph", "physics:math-ph"),
        ("cs", "cs"),
        ("math", "math"),
    ],
)
def test_oai_set_for_category(category, set_spec):
    assert oai_set_for_category(category) == set_spec


@pytest.mark.parametrize("bad", ["", "CS.LG", "cs.LG; drop", "cs/LG"])
def test_oai_set_for_category_rejects_garbage(bad):
    with pytest.raises(ValueError):
        oai_set_for_category(bad)
