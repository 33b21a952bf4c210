"""Helpers for the per-demo smoke-claim tests: run a demo at smoke size on seeds 0-4, check it."""

from typing import Any

from demos.base import Demo, check_result, validate_params

SEEDS = range(5)  # the contract's seeds; never changed to make a claim pass


def run_smoke_seeds(demo: type[Demo], seeds=SEEDS) -> dict[int, dict[str, Any]]:
    """One smoke run per seed (the size pins its own CPU threads)."""
    return {s: demo().run(validate_params(demo, {"seed": s}, "smoke"), "smoke") for s in seeds}


def assert_valid_and_passed(result: dict[str, Any], tables: tuple[str, ...] = ()) -> None:
    """check_result holds, the comparison table and `tables` are there, every check passed."""
    check_result(result)
    assert {"comparison", *tables} <= set(result["tables"])
    failed = [c for c in result["checks"] if not c["passed"]]
    assert not failed, failed
