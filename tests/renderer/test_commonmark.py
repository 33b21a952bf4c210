"""CommonMark 0.31.2 spec and the markdown-it-py fixtures, with and without our math rules."""

import json

import pytest
from markdown_it import MarkdownIt
from markdown_it.utils import read_fixture_file

from renderer.markdown import base_parser, parser
from renderer.math import math_plugin
from tests.conftest import shared_path

pytestmark = pytest.mark.corpus

# markdown-it-py 4.3.0's own known differences from spec.json (design/rendering.md §8).
LIBRARY_DEVIATIONS = [218, 239, 240]
# The only example our math rules change: example 12, the backslash-escape list, contains
# `\[\\\]`, which the inline \[…\] rule reads as display math (design §2.5, §6).
MATH_DEVIATIONS = [12]


@pytest.fixture(scope="module")
def spec():
    return json.loads(shared_path("md-corpora/A/commonmark/spec-0.31.2.json").read_text())


def test_spec_has_652_examples(spec):
    assert len(spec) == 652


def test_library_canary(spec):
    md = MarkdownIt("commonmark")
    assert [e["example"] for e in spec if md.render(e["markdown"]) != e["html"]] == (
        LIBRARY_DEVIATIONS
    )


def test_reference_html_with_math_rules(spec):
    """Spec HTML (which assumes raw HTML on) is reproduced except for the pinned list."""
    md = MarkdownIt("commonmark")
    math_plugin(md)
    failing = [e["example"] for e in spec if md.render(e["markdown"]) != e["html"]]
    assert failing == sorted(LIBRARY_DEVIATIONS + MATH_DEVIATIONS)


def test_math_rules_change_only_pinned_examples(spec):
    """Our parser (raw HTML off, tables, strikethrough) with vs without the math rules."""
    plain, ours = base_parser(), parser()
    changed = [
        e["example"] for e in spec if plain.render(e["markdown"]) != ours.render(e["markdown"])
    ]
    assert changed == MATH_DEVIATIONS


def test_example_12_without_inline_brackets(spec):
    """Turning the inline \\[…\\] rule off per source restores example 12."""
    example = next(e for e in spec if e["example"] == 12)
    assert parser(False).render(example["markdown"]) == base_parser().render(example["markdown"])


def test_example_12_exact_output(spec):
    example = next(e for e in spec if e["example"] == 12)
    assert parser().render(example["markdown"]) == (
        "<p>!&quot;#$%&amp;'()*+,-./:;&lt;=&gt;?@"
        '<span class="math display">\\[\\\\\\]</span>^_`{|}~</p>\n'
    )


def _fixture_parser(name: str) -> MarkdownIt:
    """The configuration each markdown-it-py fixture file is written for (md-corpora SOURCES)."""
    md = MarkdownIt("commonmark", {"xhtmlOut": False} if name == "xss" else None)
    if name == "fatal":
        md.enable("replacements").options["typographer"] = True
    if name in ("strikethrough", "tables"):
        md.enable({"strikethrough": "strikethrough", "tables": "table"}[name])
    if name in ("commonmark_extras", "xss"):
        md.options["langPrefix"] = ""
    return md


FIXTURE_FILES = [
    "commonmark_extras", "fatal", "issue-fixes", "normalize", "proto", "strikethrough", "tables",
    "xss",
]  # fmt: skip


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_markdown_it_fixtures_unchanged_by_math_rules(name):
    """Every case still gives markdown-it's expected HTML once our math rules are installed."""
    cases = read_fixture_file(shared_path(f"md-corpora/A/markdown-it-py/{name}.md"))
    assert cases
    failing = []
    for line, title, source, expected in cases:
        md = _fixture_parser(name)
        math_plugin(md)
        if md.render(source).rstrip() != expected.rstrip():
            failing.append((line, title))
    assert failing == []


def test_fatal_cases_render_through_full_pipeline():
    from renderer import render_markdown

    for _, _, source, _ in read_fixture_file(shared_path("md-corpora/A/markdown-it-py/fatal.md")):
        render_markdown(source)
