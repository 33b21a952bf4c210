"""Hypothesis properties: never raises under the cap, output parses, sanitising is idempotent."""

import html5lib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import renderer
from renderer.sanitize import sanitize
from tests.renderer.oracle import problems

# Text biased towards the characters the math and Markdown rules care about.
ALPHABET = st.sampled_from(list("$\\()[]{}_*`<>&\"'|#-~%^=.!:/ \n\tax1é日\u2028\x00"))
SNIPPETS = st.sampled_from(
    ["\\begin{equation}", "\\end{equation}", "$$", "\\(", "\\)", "\\[", "\\]", "\\\\(", "```",
     "\n\n", "\n> ", "\n- ", "| a |\n|---|\n", "[x](", "javascript:", "<script>", "\\emph{",
     "\\\"o", "{\\'e}", "--", "``", "''", "https://a.org/x_(y)."]
)  # fmt: skip
TEXT = st.lists(st.one_of(ALPHABET, SNIPPETS), max_size=80).map("".join)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_html(out: str) -> None:
    parser = html5lib.HTMLParser(strict=False)
    parser.parseFragment(out)
    # nh3 re-serialises with html5ever; html5lib must not find anything structural to repair
    assert not [e for e in parser.errors if e[1] not in ("unexpected-null-character",)], out
    assert sanitize(out) == out
    assert not problems(out)


@SETTINGS
@given(TEXT)
def test_markdown_properties(text):
    _check_html(renderer.render_markdown(text))


@SETTINGS
@given(TEXT)
def test_tex_text_properties(text):
    _check_html(renderer.render_tex_text(text))
    _check_html(renderer.render_tex_title(text))
    plain = renderer.tex_plain_text(text)
    for tag in ("<em>", "<strong>", "<code>", "<a ", "<span", "<p>"):
        assert tag not in plain or tag in " ".join(text.split())  # the twin never adds markup


@SETTINGS
@given(st.text(st.characters(exclude_categories=()), max_size=300))  # surrogates too
def test_arbitrary_unicode(text):
    _check_html(renderer.render_markdown(text))
    _check_html(renderer.render_tex_text(text))
    renderer.tex_to_unicode(text)
    renderer.tex_plain_text(text)


@SETTINGS
@given(TEXT)
def test_tex_to_unicode_keeps_math_verbatim(text):
    from renderer.arxiv_text import math_source, segments

    out = renderer.tex_to_unicode(text)
    for kind, tex, markup in segments(text):
        if kind != "text":
            assert math_source(tex, markup) in out
