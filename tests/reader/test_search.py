"""The query language, the FTS5 expression, ranking, and highlighting (escape, then mark)."""

import pytest
from django.db import connection

from reader import search
from reader.search import QueryError, highlight, parse_query
from tests.factories import papers_create


def test_parse_words_phrases_fields_negation_prefix_or():
    parsed = parse_query(
        'diffusion "flow matching" au:"Tero Karras" ti:gan -survey transform* a OR b'
    )
    got = [(c.words, c.field, c.negate, c.prefix, c.either) for c in parsed.clauses]
    assert got == [
        (("diffusion",), None, False, False, False),
        (("flow", "matching"), None, False, False, False),
        (("tero", "karras"), "authors", False, False, False),
        (("gan",), "title", False, False, False),
        (("survey",), None, True, False, False),
        (("transform",), None, False, True, False),
        (("a",), None, False, False, False),
        (("b",), None, False, False, True),
    ]


def test_fts_expression_quotes_every_token():
    expr = search.fts_expression(parse_query('x au:smith "a b" -c d* e OR f'))
    assert expr == (
        '(("x") AND (authors_text : "smith") AND ("a b") AND ("d" *) AND ("e" OR "f")) NOT "c"'
    )


@pytest.mark.parametrize(
    "text", ['"unclosed', "NEAR(a b)", "a AND OR NOT b", "col:x", "^a", "a:b:c", "x' OR 1=1 --"]
)
def test_fts_syntax_in_user_text_is_only_text(text):
    parsed = parse_query(text)
    expr = search.fts_expression(parsed)
    # Every token sits inside double quotes; nothing else from the user reaches FTS5.
    outside = expr
    for clause in parsed.clauses:
        outside = outside.replace('"' + " ".join(clause.words) + '"', "")
    assert set(outside) <= set("() ANDORTauthors_tile:bcp*")


@pytest.mark.parametrize("text", ["", "   ", "-only -negative", "+++ ---", "x" * 401])
def test_unsearchable_queries_raise_a_readable_error(text):
    with pytest.raises(QueryError):
        parse_query(text)


def test_accents_fold():
    assert parse_query("Schrödinger").clauses[0].words == ("schrodinger",)


def test_highlight_text_escapes_then_marks():
    out = highlight.highlight_text("<b>Diffusion</b> & diffusions", ["diffusion"])
    assert out == "&lt;b&gt;<mark>Diffusion</mark>&lt;/b&gt; &amp; <mark>diffusions</mark>"


def test_highlight_html_skips_math_and_keeps_tags():
    html = (
        'alpha <span class="math inline">\\(\\alpha &lt; 1\\)</span> and '
        '<em>alpha</em> &amp; x<a href="https://alpha.org">alpha</a>'
    )
    out = highlight.highlight_html(html, ["alpha"])
    assert out == (
        '<mark>alpha</mark> <span class="math inline">\\(\\alpha &lt; 1\\)</span> and '
        '<em><mark>alpha</mark></em> &amp; x<a href="https://alpha.org"><mark>alpha</mark></a>'
    )


def test_highlight_cannot_inject_markup():
    assert highlight.highlight_html("a &lt;script&gt; b", ["script"]) == (
        "a &lt;<mark>script</mark>&gt; b"
    )
    out = highlight.highlight_html("a &lt;script&gt; b", ["<script>"])
    assert out == "a <mark>&lt;script&gt;</mark> b"


def test_keywords_drop_math_stopwords_and_rare_words(db):
    papers_create(3, title="Wasserstein flows", abstract="Langevin sampling with Wasserstein flows")
    words = search.top_keywords(
        "Wasserstein flows for $\\alpha$", "We propose Langevin sampling; uniqueword appears."
    )
    assert "wasserstein" in words and "langevin" in words
    assert "uniqueword" not in words and "alpha" not in words and "propose" not in words


@pytest.mark.django_db
class TestRanking:
    def test_title_match_ranks_above_abstract_match(self):
        body, title = papers_create(2, title="Something else", abstract="About kernels.")
        from reader.models import Paper

        Paper.objects.filter(pk=title.pk).update(title_plain="Kernels everywhere")
        ids, total = search.search_ids(parse_query("kernels"))
        assert ids == [title.pk, body.pk] and total == 2

    def test_phrase_author_exclusion_and_or(self):
        a = papers_create(1, title="Flow matching for images", authors=[{"name": "Tero Karras"}])[0]
        b = papers_create(1, title="Matching flow of rivers", authors=[{"name": "Jane Doe"}])[0]
        run = lambda q: set(search.search_ids(parse_query(q))[0])  # noqa: E731
        assert run('"flow matching"') == {a.pk}
        assert run("flow matching") == {a.pk, b.pk}
        assert run('au:"tero karras"') == {a.pk} == run("au:karras")
        assert run("flow -rivers") == {a.pk}
        assert run("images OR rivers") == {a.pk, b.pk}
        assert run("ti:karras") == set()

    def test_index_follows_updates_and_deletes(self):
        (paper,) = papers_create(1, title="Original words")
        from reader.models import Paper

        Paper.objects.filter(pk=paper.pk).update(title_plain="Replacement vocabulary")
        assert search.search_ids(parse_query("original"))[0] == []
        assert search.search_ids(parse_query("replacement"))[0] == [paper.pk]
        Paper.objects.filter(pk=paper.pk).delete()
        assert search.search_ids(parse_query("replacement"))[0] == []

    def test_accented_text_matches_plain_query(self):
        (paper,) = papers_create(1, title='Schr\\"odinger bridges')
        assert search.search_ids(parse_query("Schrödinger"))[0] == [paper.pk]
        if (
            connection.vendor == "sqlite"
        ):  # FTS5 folds accents; PostgreSQL's english config does not
            assert search.search_ids(parse_query("schrodinger"))[0] == [paper.pk]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 triggers are SQLite-only")
def test_fts_triggers_survive_the_migrations():
    """A later migration that rebuilds reader_paper on SQLite drops its triggers: re-add them."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'reader_paper'"
        )
        names = {row[0] for row in cur.fetchall()}
    assert {"reader_paper_fts_ai", "reader_paper_fts_ad", "reader_paper_fts_au"} <= names
