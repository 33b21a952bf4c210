"""The catalogue: every demo registered once, in order, with valid declarations and defaults."""

import ast
from pathlib import Path

import pytest

from demos import catalog
from demos.base import REGISTRY, SIZE_NAMES, validate_params

CATALOG_SRC = Path(catalog.__file__).read_text()


def test_every_imported_module_registers_one_demo_in_order():
    imported = [
        node.names[0].name
        for node in ast.parse(CATALOG_SRC).body
        if isinstance(node, ast.Import) and node.names[0].name.startswith("demos.")
    ]
    modules = [d.__module__ for d in catalog.all_demos()]
    assert modules == imported
    assert [d.key for d in catalog.all_demos()] == list(catalog.ORDER)
    assert set(catalog.ORDER) <= set(REGISTRY)


def test_get_unknown_key_lists_known():
    with pytest.raises(KeyError, match="diffusion.few_step_samplers"):
        catalog.get("nope.nothing")


@pytest.mark.parametrize("demo", catalog.all_demos(), ids=lambda d: d.key)
@pytest.mark.parametrize("size", SIZE_NAMES)
def test_defaults_validate(demo, size):
    params = validate_params(demo, {}, size)
    assert params["seed"] == 0
    assert demo.sizes[size].name == size
    assert demo.papers == demo.arxiv_ids and demo.version >= 1 and demo.description
    assert demo.sizes["smoke"].device == "cpu" and demo.sizes["smoke"].budget_s <= 5.0
    assert demo.sizes["full"].budget_s <= 60.0
