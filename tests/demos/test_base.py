"""The contract in demos/base.py: params validation, registration, result checks."""

import math

import pytest

from demos.base import (
    REGISTRY,
    Demo,
    DemoParamsInvalid,
    DuplicateDemoKey,
    InvalidDemo,
    InvalidResult,
    Param,
    Size,
    cache_key,
    canonical_params,
    check_result,
    register,
    table,
    validate_params,
)


class Toy(Demo):
    """A declaration-only demo for the validation tests (never registered)."""

    key = "toy.demo"
    title = "Toy"
    arxiv_ids = ("2312.00094",)
    params = (
        Param("seed", "int", 0, "Seed.", 0, 2**31 - 1),
        Param("rate", "float", 0.5, "Rate.", 0.0, 1.0),
        Param("mode", "choice", "a", "Mode.", choices=("a", "b", "16")),
        Param("flag", "bool", True, "Flag."),
        Param("width", "int", 8, "Width (full only).", 1, 64, sizes=("full",)),
    )
    sizes = {"smoke": Size("smoke", "cpu", 5.0), "full": Size("full", "cuda", 60.0)}


def test_defaults_fill_and_keys_sorted():
    assert validate_params(Toy, {}, "smoke") == {"flag": True, "mode": "a", "rate": 0.5, "seed": 0}
    assert list(validate_params(Toy, {}, "full")) == ["flag", "mode", "rate", "seed", "width"]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ({"seed": "7"}, {"seed": 7}),
        ({"seed": 7.0}, {"seed": 7}),
        ({"rate": "0.25"}, {"rate": 0.25}),
        ({"rate": 1}, {"rate": 1.0}),
        ({"flag": "false"}, {"flag": False}),
        ({"flag": "on"}, {"flag": True}),
        ({"mode": 16}, {"mode": "16"}),
        ({"mode": " b "}, {"mode": "b"}),
        ({"seed": ""}, {"seed": 0}),
    ],
    ids=[
        "int-str",
        "int-float",
        "float-str",
        "float-int",
        "bool-false",
        "bool-on",
        "choice-int",
        "choice-strip",
        "empty-default",
    ],
)
def test_coercion(raw, expected):
    out = validate_params(Toy, raw, "smoke")
    for name, value in expected.items():
        assert out[name] == value and type(out[name]) is type(value)


@pytest.mark.parametrize(
    "raw, field",
    [
        ({"seed": -1}, "seed"),
        ({"seed": "x"}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": True}, "seed"),
        ({"rate": "nan"}, "rate"),
        ({"rate": 2}, "rate"),
        ({"mode": "c"}, "mode"),
        ({"flag": "maybe"}, "flag"),
        ({"nope": 1}, "nope"),
        ({"width": 4}, "width"),
    ],
    ids=[
        "below-min",
        "not-int",
        "fractional",
        "bool-as-int",
        "nan",
        "above-max",
        "bad-choice",
        "bad-bool",
        "unknown",
        "not-offered",
    ],
)
def test_invalid_fields_reported(raw, field):
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(Toy, raw, "smoke")
    assert field in exc.value.errors and isinstance(exc.value, ValueError)


def test_all_errors_at_once_and_unknown_size():
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(Toy, {"seed": -1, "rate": 9, "mode": "z"}, "smoke")
    assert set(exc.value.errors) == {"seed", "rate", "mode"}
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(Toy, {}, "huge")
    assert "size" in exc.value.errors


def test_canonical_params_and_cache_key_ignore_omitted_defaults():
    assert canonical_params(Toy, {}, "smoke") == canonical_params(Toy, {"seed": "0"}, "smoke")
    assert cache_key(Toy, {}, "smoke") == cache_key(Toy, {"rate": 0.5}, "smoke")
    assert cache_key(Toy, {}, "smoke") != cache_key(Toy, {"seed": 1}, "smoke")
    assert cache_key(Toy, {}, "smoke") != cache_key(Toy, {}, "full")


def test_register_checks_declaration_and_duplicates():
    class Dup(Toy):
        key = "diffusion.few_step_samplers"

    import demos.catalog  # noqa: F401  registers the real demos

    with pytest.raises(DuplicateDemoKey):
        register(Dup)

    class BadKey(Toy):
        key = "NoFamily"

    class NoSeed(Toy):
        key = "toy.noseed"
        params = (Param("rate", "float", 0.5, "Rate.", 0.0, 1.0),)

    class BadDefault(Toy):
        key = "toy.baddefault"
        params = (*Toy.params, Param("x", "int", 100, "X.", 0, 10))

    class BadIds(Toy):
        key = "toy.badids"
        arxiv_ids = ("arXiv:2312.00094",)

    for cls in (BadKey, NoSeed, BadDefault, BadIds):
        with pytest.raises(InvalidDemo):
            register(cls)
        assert cls.key not in REGISTRY


def _result(**overrides):
    result = {
        "summary": {"a": 1.0, "b": "x", "c": None, "d": True},
        "series": {
            "p": {
                "kind": "line",
                "x_label": "x",
                "y_label": "y",
                "lines": {"l": {"x": [1, 2], "y": [3.0, 4.0]}},
            }
        },
        "tables": {
            "comparison": table("Paper beside ours", ["q", "paper", "ours"], [["a", "1.0", 1.0]])
        },
        "timings": {"total_s": 0.1},
        "env": {"torch": "2.13.0"},
        "checks": [{"name": "c", "claim": "c", "observed": 1.0, "threshold": "t", "passed": True}],
    }
    result.update(overrides)
    return result


def test_check_result_accepts_valid():
    check_result(_result())


@pytest.mark.parametrize(
    "overrides",
    [
        {"summary": {"a": math.nan}},
        {"summary": {"a": math.inf}},
        {"summary": {"a": [1, 2]}},
        {"summary": {1: 2}},
        {"env": {"x": object()}},
        {"checks": [{"name": "c", "claim": "c", "observed": 1, "passed": 1}]},
        {"checks": [{"name": "c", "passed": True}]},
        {"series": {"p": {"kind": "pie", "lines": {}}}},
        {"series": {"p": {"kind": "line", "lines": {"l": {"x": [1], "y": [1, 2]}}}}},
        {
            "series": {
                "p": {
                    "kind": "line",
                    "lines": {"l": {"x": list(range(2001)), "y": list(range(2001))}},
                }
            }
        },
        {"tables": {"comparison": table("t", ["a"], [["x" * 1_000_001]])}},
    ],
    ids=[
        "nan",
        "inf",
        "list-in-summary",
        "int-key",
        "object",
        "passed-not-bool",
        "check-fields",
        "plot-kind",
        "ragged-line",
        "too-many-points",
        "too-large",
    ],
)
def test_check_result_rejects(overrides):
    with pytest.raises(InvalidResult):
        check_result(_result(**overrides))


def test_check_result_rejects_tensor_and_missing_keys():
    import torch

    with pytest.raises(InvalidResult):
        check_result(_result(summary={"a": torch.tensor(1.0)}))
    bad = _result()
    del bad["env"]
    with pytest.raises(InvalidResult):
        check_result(bad)
