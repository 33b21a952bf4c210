"""Golden cases (tests/renderer/cases.json): exact output for every mode, plus the guards."""

import json
from pathlib import Path

import pytest

import renderer

CASES = json.loads((Path(__file__).parent / "cases.json").read_text(encoding="utf-8"))
MODES = {
    "markdown": renderer.render_markdown,
    "tex_text": renderer.render_tex_text,
    "tex_title": renderer.render_tex_title,
    "plain_text": renderer.tex_plain_text,
    "to_unicode": renderer.tex_to_unicode,
}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_case(case):
    assert MODES[case["mode"]](case["input"]) == case["expected_output"]


def test_no_case_is_ignored_and_names_are_unique():
    assert not [c["name"] for c in CASES if c.get("ignore")]
    assert len({c["name"] for c in CASES}) == len(CASES)
    assert {c["mode"] for c in CASES} == set(MODES)


def test_html_outputs_are_sanitiser_fixed_points():
    from renderer.sanitize import sanitize

    for case in CASES:
        if case["mode"] in ("markdown", "tex_text", "tex_title"):
            assert sanitize(case["expected_output"]) == case["expected_output"], case["name"]
