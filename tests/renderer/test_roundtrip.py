"""TeX round trip: the text MathJax reads from each .math element is the source TeX, exactly."""

import json
import re
from pathlib import Path

import pytest
from lxml import etree

import renderer
from renderer.arxiv_text import paragraphs, segments
from tests.conftest import shared_path
from tests.renderer.oracle import math_items, strip_delimiters

CASES = json.loads((Path(__file__).parent / "cases.json").read_text(encoding="utf-8"))
RENDER = {
    "markdown": renderer.render_markdown,
    "tex_text": renderer.render_tex_text,
    "tex_title": renderer.render_tex_title,
}


def expected_tex(mode: str, source: str) -> list[str]:
    """The formulas in `source`, found independently of the HTML: the scanner's pieces."""
    if mode == "markdown":
        from renderer.markdown import parser

        out = []
        for tok in parser().parse(source):
            for t in [tok, *(tok.children or [])]:
                if t.type.startswith("math") or t.type == "amsmath":
                    # $-forms and blocks are stripped (dollarmath's rule); the rest is verbatim
                    strip = t.markup in ("$", "$$") or t.type == "math_block"
                    out.append(t.content.strip() if strip else t.content)
        return out
    paras = [source] if mode == "tex_title" else paragraphs(source)
    return [
        text.strip() if markup in ("$", "$$") else text
        for p in paras
        for kind, text, markup in segments(p.strip())
        if kind != "text"
    ]


def assert_round_trip(mode: str, source: str) -> int:
    html = RENDER[mode](source)
    items = math_items(html)
    got = [strip_delimiters(text) for _, text in items]
    want = [t for t in expected_tex(mode, source) if t in got or not _literal(t)]
    assert got == want, source
    assert all(tex in source for tex in got)  # verbatim substrings of the source, too
    assert "&amp;lt;" not in html and "&amp;amp;" not in html  # escaped exactly once
    return len(got)


def _literal(tex: str) -> bool:
    """Formulas the renderer deliberately shows as text (they contain their own closer)."""
    from renderer.math import mathjax_safe

    return not (mathjax_safe(tex, "\\)") and mathjax_safe(tex, "\\]"))


@pytest.mark.parametrize("case", [c for c in CASES if c["mode"] in RENDER], ids=lambda c: c["name"])
def test_golden_round_trip(case):
    assert_round_trip(case["mode"], case["input"])


def test_round_trip_covers_awkward_characters():
    tex = "a<b>c & d \" ' \\\\ _ * ` \\{ \\} \\% é 日本 \\\\"
    html = renderer.render_markdown(f"\\({tex}\\)")
    assert [strip_delimiters(t) for _, t in math_items(html)] == [tex]
    assert "<" not in html.split('"math inline">', 1)[1].split("</span>")[0]


def _abstracts() -> list[str]:
    base = "arxiv-samples/A/"
    texts = []
    for name in ("api", "oai-pmh"):
        folder = shared_path(base + name)
        for path in sorted(folder.glob("*.xml")):
            tree = etree.parse(str(path))
            for el in tree.iter():
                local = etree.QName(el).localname if isinstance(el.tag, str) else ""
                if local in ("summary", "abstract", "title") and el.text:
                    texts.append(el.text)
    for path in sorted(shared_path(base + "kaggle").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            texts += [record["abstract"], record["title"]]
    return texts


@pytest.mark.corpus
def test_every_sample_abstract_round_trips():
    texts = _abstracts()
    assert len(texts) > 300
    formulas = sum(assert_round_trip("tex_text", t) for t in texts)
    assert formulas > 50  # the samples do contain math; a scanner that finds none must fail


@pytest.mark.corpus
def test_sample_abstracts_have_no_leftover_accent_escapes():
    for text in _abstracts():
        plain = renderer.tex_plain_text(text)
        outside_math = re.sub(r"\$[^$]*\$", "", plain)
        assert not re.search(r"\\[\"'`^~=.][A-Za-z{]", outside_math), plain
