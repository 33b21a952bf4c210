"""Category expressions and id lists in URLs."""

import pytest
from django.urls import resolve

from reader.taxonomy import parse_category_expr


@pytest.mark.parametrize(
    "text,include,exclude",
    [
        ("cs.AI", ("cs.AI",), ()),
        ("cs.AI,cs.CL", ("cs.AI", "cs.CL"), ()),
        ("cs.AI+cs.LG-cs.CY-econ.GN", ("cs.AI", "cs.LG"), ("cs.CY", "econ.GN")),
        ("hep-th-hep-ph", ("hep-th",), ("hep-ph",)),
        ("cond-mat.stat-mech+quant-ph", ("cond-mat.stat-mech", "quant-ph"), ()),
        ("math.IT", ("cs.IT",), ()),
        ("CS.ai", ("cs.AI",), ()),
    ],
)
def test_parse_category_expr(text, include, exclude):
    expr = parse_category_expr(text)
    assert (expr.include, expr.exclude) == (include, exclude)


def test_archive_expands():
    assert "q-bio.NC" in parse_category_expr("q-bio").include


@pytest.mark.parametrize(
    "text", ["cs.XX", "cs.AI+", "-cs.AI", "cs.AI-cs.AI", "cs.AI++cs.LG", "search"]
)
def test_bad_expressions(text):
    with pytest.raises(ValueError):
        parse_category_expr(text)


@pytest.mark.parametrize(
    "path,name",
    [
        ("/arxiv/cs.LG", "listing"),
        ("/arxiv/cs.AI+cs.LG-cs.CY", "listing"),
        ("/arxiv/q-bio/feed", "listing_feed"),
        ("/arxiv/2511.13720", "papers"),
        ("/arxiv/2511.13720v2", "papers"),
        ("/arxiv/hep-th/9901001", "papers"),
        ("/arxiv/math.GT/0309136v1", "papers"),
        ("/arxiv/2511.13720,1706.03762,hep-th/9901001", "papers"),
        ("/arxiv/2511.13720/related", "related"),
        ("/arxiv/search", "arxiv_search"),
        ("/arxiv/nonsense", "unknown"),
    ],
)
def test_url_grammar(path, name):
    assert resolve(path).url_name == name
