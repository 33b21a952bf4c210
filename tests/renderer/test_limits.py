"""Size caps and linear time: every math rule on the design's pathological patterns (§2.8)."""

import gc
import time

import pytest
from markdown_it import MarkdownIt

import renderer

# Patterns that make a naive (or the stock) rule rescan to the end for each opener.
PATTERNS = {
    "unmatched_dollar": "$a ",
    "unmatched_double_dollar": "$$a ",
    "unclosed_paren": "\\(a ",
    "unclosed_doubled_paren": "\\\\(a ",
    "unclosed_bracket_inline": "\\[a ",
    "unclosed_bracket_lines": "\\[\nx\n",
    "unclosed_equation_lines": "\\begin{equation}\n",
    "unclosed_equation_in_list": "- \\begin{equation}\n",
    "unclosed_equation_in_quote": "> \\begin{align}\n",
    "dollar_block_between_headings": "$$ x\n# h\n",
    "bracket_block_between_headings": "\\[ x\n# h\n",
    "dollar_block_in_quote": "> $$ x\n> # h\n",
    "blank_separated_dollar_blocks": "$$ x\n\n",
    "brackets": "[",
    "stars": "*",
    "backticks": "`",
    "angles": "<",
    "backslashes": "\\",
    "dollar_backslash": "$\\",
}
BARE = MarkdownIt("commonmark", {"html": False})


def _time(fn, text: str, repeat: int = 3) -> float:
    # The collector stays off while timing: inside the whole suite its heap is large, and a
    # full collection during one run (not the renderer's growth) once pushed a ratio past 8.
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            fn(text)
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best


def _doc(pattern: str, size: int) -> str:
    return (pattern * (size // len(pattern) + 1))[:size]


@pytest.mark.slow
@pytest.mark.parametrize("name", PATTERNS)
def test_doubling(name):
    """t(4n)/t(n) stays far from 16 (quadratic); markdown-it's own cost is the yardstick."""
    small, large = _doc(PATTERNS[name], 32_000), _doc(PATTERNS[name], 128_000)
    ratio = _time(renderer.render_markdown, large) / _time(renderer.render_markdown, small)
    assert ratio < 8, f"{name}: t(4n)/t(n) = {ratio:.1f}"


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in PATTERNS if "dollar" in n or "\\" in PATTERNS[n]])
def test_at_cap_costs_about_what_markdown_it_costs(name):
    """At the 256 KB cap the math rules stay within 3x bare markdown-it (+0.5 s) on the same
    input. A quadratic rule is 10-100x here; absolute times on a shared 2-core box swing by 2x,
    so markdown-it, timed interleaved with us, is the yardstick."""
    text = _doc(PATTERNS[name], renderer.MARKDOWN_MAX_BYTES - 16)
    ours, bare = [], []
    for _ in range(2):
        bare.append(_time(BARE.render, text, 1))
        ours.append(_time(renderer.render_markdown, text, 1))
    assert min(ours) < 3 * min(bare) + 0.5, f"{name}: {min(ours):.2f}s vs bare {min(bare):.2f}s"


@pytest.mark.slow
def test_issue_examples_under_one_second():
    """The issue's examples: 20,000 unmatched $ and 2,000 unclosed \\begin{equation}."""
    dollars = "x $a " * 20_000  # 20,000 openers that never close (100 KB)
    equations = "\\begin{equation}\nx = 1\n\n" * 2_000  # 50 KB
    for text in (dollars, equations):
        assert _time(renderer.render_markdown, text, 2) < 1.0


@pytest.mark.slow
def test_tex_text_linear():
    small, large = _doc("$a \\(b ", 4_000), _doc("$a \\(b ", 16_000)
    assert _time(renderer.render_tex_text, large) / _time(renderer.render_tex_text, small) < 8


def test_markdown_cap():
    renderer.render_markdown("x" * renderer.MARKDOWN_MAX_BYTES)
    with pytest.raises(renderer.RenderInputTooLarge, match="limit is 262,144 bytes"):
        renderer.render_markdown("x" * (renderer.MARKDOWN_MAX_BYTES + 1))
    with pytest.raises(ValueError):  # the cap counts UTF-8 bytes, not characters
        renderer.render_markdown("é" * (renderer.MARKDOWN_MAX_BYTES // 2 + 1))


def test_tex_text_cap():
    renderer.render_tex_text("x" * renderer.TEX_TEXT_MAX_BYTES)
    for fn in (renderer.render_tex_text, renderer.render_tex_title, renderer.tex_plain_text):
        with pytest.raises(renderer.RenderInputTooLarge):
            fn("x" * (renderer.TEX_TEXT_MAX_BYTES + 1))
    with pytest.raises(renderer.RenderInputTooLarge):
        renderer.tex_to_unicode("x" * (256 * 1024 + 1))
