"""The abstract renderer's fast paths give exactly what the general code gives, on any input.

Each shortcut in renderer/arxiv_text.py and renderer/accents.py is checked against the
general form it replaces (markdown-it's own text rule, re.sub, the regex without a charset
prefix), on Hypothesis text biased towards the characters those paths branch on. The golden
test covers real abstracts; this covers the inputs the samples do not contain.
"""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

import renderer
from renderer import accents, arxiv_text
from renderer.math import backslash_inline, dollar_inline

ALPHABET = st.sampled_from(list("$\\()[]{}-`' \n\r\t\x00ax1é\u00a0\u2028\u3000"))
SNIPPETS = st.sampled_from(
    ["\\(", "\\)", "\\[", "\\]", "\\\\(", "$$", "\\emph{", "\\textbf {", "{}", "\\\"o", "---",
     "\\ldots", "\\%", "\r\n", "  \n  ", "https://a.org/x_(y).", "\\LaTeX{}"]
)  # fmt: skip
TEXT = st.lists(st.one_of(ALPHABET, SNIPPETS), max_size=60).map("".join)
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The expressions the fast paths replaced, kept here as the oracle.
OLD_STAGE_B = re.compile(
    r"\\\\|\\(?P<esc>[%&#_$\{\} ])|(?P<dash>---?)|``|''"
    r"|\\(?P<word>ldots|dots|LaTeX|TeX|textendash|textemdash)(?![A-Za-z])(?:\{\})?"
)


def _stock_scanner() -> MarkdownIt:
    md = MarkdownIt("zero")  # markdown-it's own text rule, as before the fast path
    md.inline.ruler.before("text", "math_inline", dollar_inline)
    md.inline.ruler.before("text", "math_backslash", backslash_inline)
    return md


STOCK = _stock_scanner()


def _stock_segments(text: str) -> list[tuple[str, str, str]]:
    if not text:
        return []
    out: list[tuple[str, str, str]] = []
    for tok in STOCK.parseInline(text, {})[0].children or []:
        if tok.type == "text" and out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + tok.content, "")
        elif tok.type == "text":
            out.append(("text", tok.content, ""))
        else:
            out.append((tok.type, tok.content, tok.markup))
    return out


@SETTINGS
@given(TEXT)
def test_segments_equal_the_stock_scanner(text):
    assert arxiv_text.segments(text) == _stock_segments(text)


@SETTINGS
@given(TEXT)
def test_join_space_equals_re_sub(text):
    assert arxiv_text._join_space(text) == re.sub(r"\s+", " ", text)


@SETTINGS
@given(TEXT)
def test_specials_equal_the_prefixless_expression(text):
    assert accents.convert_specials(text) == OLD_STAGE_B.sub(accents._stage_b, text)


@SETTINGS
@given(TEXT)
def test_macro_items_without_braces_pass_text_through(text):
    pieces = arxiv_text._accented(arxiv_text.segments(text), join_space=True)
    items = list(arxiv_text._macro_items(pieces))
    for kind, value in items:
        if kind == "text":
            assert value  # never an empty text item, as before
    texts = "".join(value for kind, value in items if kind == "text")
    if "{" not in text and "}" not in text:
        assert texts == "".join(t for k, t, _ in pieces if k == "text")


def test_fast_paths_are_taken():
    """Guard against the shortcuts silently switching off (then the bench goal is lost)."""
    assert arxiv_text._no_math("plain text with {braces} and \\emph{x}")
    assert not arxiv_text._no_math("a $x$ b")
    assert accents._STAGE_B.pattern.startswith("\\\\\\\\|")  # literal-first: charset prefix
    assert arxiv_text.segments("a\r\nb\x00") == [("text", "a\nb\ufffd", "")]


@SETTINGS
@given(TEXT)
def test_text_and_plain_in_one_scan_equal_the_two_functions(text):
    assert renderer.render_tex_text_and_plain(text) == (
        renderer.render_tex_text(text),
        renderer.tex_plain_text(text),
    )


@SETTINGS
@given(TEXT)
def test_title_and_plain_in_one_scan_equal_the_two_functions(text):
    assert renderer.render_tex_title_and_plain(text) == (
        renderer.render_tex_title(text),
        renderer.tex_plain_text(text),
    )


@pytest.mark.parametrize(
    "title", ["", "  ", "A  \\emph{b}\n  c", "one\n\ntwo", "x\r\ny", " lead $x$", "e\\ "]
)
def test_title_and_plain_at_the_edges(title):
    """Titles that are not one clean paragraph take the two-call path, with the same result."""
    assert renderer.render_tex_title_and_plain(title) == (
        renderer.render_tex_title(title),
        renderer.tex_plain_text(title),
    )


@SETTINGS
@given(TEXT)
def test_ascii_input_cleaning_equals_the_full_expression(text):
    assert renderer._clean_input(text) == renderer._INVALID.sub("", text)


@pytest.mark.parametrize("text", ["\\\t", "a \\ ", "\\\\\t", " x\\  \n", "  \\'e\\\n  next \\"])
def test_text_and_plain_at_a_final_backslash(text):
    """A backslash before the paragraph's trailing whitespace is TeX's control space."""
    assert renderer.render_tex_text_and_plain(text) == (
        renderer.render_tex_text(text),
        renderer.tex_plain_text(text),
    )
