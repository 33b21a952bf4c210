"""Template filters of demo pages: value formatting and which table cells stay on one line."""

import pytest

from demos.templatetags.demos_tags import demo_cell, demo_is_number, demo_labelled, demo_value


@pytest.mark.parametrize(
    "value,text",
    [(None, "—"), (True, "yes"), (12, "12"), (70272, "70,272"), (0.0619389, "0.06194"),
     (4.169e-07, "4.169e-07"), ("13.20", "13.20"), ([1, 2.5], "1, 2.5")],
    ids=["none", "bool", "small int", "large int", "float", "tiny float", "paper string", "list"],
)  # fmt: skip
def test_demo_value(value, text):
    assert demo_value(value) == text


def test_paper_numbers_keep_their_precision():
    assert demo_cell("13.20") == "13.20" and demo_cell(None) == "—"


@pytest.mark.parametrize(
    "value,numeric",
    [(1, True), (2.5, True), (True, False), ("7.59", False), (None, False)],
    ids=["int", "float", "bool", "paper string", "none"],
)  # fmt: skip
def test_numbers_stay_on_one_line(value, numeric):
    assert demo_is_number(value) is numeric


def test_demo_labelled_pairs_cells_with_their_columns():
    row = ["MHA", 70272, 0.5]
    assert demo_labelled(row, ["variant", "bytes", "ratio"]) == [
        ("variant", "MHA"),
        ("bytes", 70272),
        ("ratio", 0.5),
    ]
    # a ragged row (more cells than columns) keeps every cell, unlabelled
    assert demo_labelled(["a", 1], ["name"]) == [("name", "a"), ("", 1)]
