"""The result half of the demo contract: the JSON-safe result dict and its validation.

``check_result`` enforces design/demos.md §2.5: summary scalars, plots, the ``tables`` with
the required comparison table (the paper's numbers beside ours), timings, env and checks; a
statistical check lists every seed's value (``seed_check``). Standard library only.
"""

import json
import math
from collections.abc import Mapping
from typing import Any

RESULT_KEYS = ("summary", "series", "tables", "timings", "env", "checks")
PLOT_KINDS = ("line", "loglog", "scatter", "bar")
MAX_RESULT_BYTES = 1_000_000
MAX_PLOTS = 20
MAX_POINTS_PER_LINE = 2000
MAX_TABLES = 20
MAX_TABLE_ROWS = 500
MAX_TABLE_COLUMNS = 24
COMPARISON = "comparison"  # the table every demo returns: the paper's numbers beside ours


class InvalidResult(ValueError):
    """A run() result that is not JSON-safe, too large, or missing contract keys."""


def _check_json_safe(value: Any, path: str) -> None:
    """Only dict (str keys), list, str, int, float (finite), bool and None are allowed."""
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidResult(f"{path}: non-finite float {value!r}; report None instead")
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_json_safe(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for k, item in value.items():
            if not isinstance(k, str):
                raise InvalidResult(f"{path}: non-string key {k!r}")
            _check_json_safe(item, f"{path}.{k}")
        return
    raise InvalidResult(f"{path}: {type(value).__name__} is not JSON-safe (use .item()/.tolist())")


def check_result(result: Any) -> None:
    """Validate a run() result against design/demos.md §2.5; raise InvalidResult if it breaks it."""
    if not isinstance(result, dict):
        raise InvalidResult("result must be a dict")
    _check_json_safe(result, "result")
    missing = [k for k in RESULT_KEYS if k not in result]
    if missing:
        raise InvalidResult(f"missing keys: {missing}")
    for name, value in result["summary"].items():
        if isinstance(value, (dict, list)):
            raise InvalidResult(f"summary.{name} must be a scalar")
    series = result["series"]
    if len(series) > MAX_PLOTS:
        raise InvalidResult(f"{len(series)} plots > {MAX_PLOTS}")
    for name, plot in series.items():
        if plot.get("kind") not in PLOT_KINDS or not isinstance(plot.get("lines"), dict):
            raise InvalidResult(f"series.{name}: needs kind in {PLOT_KINDS} and a lines dict")
        for label, line in plot["lines"].items():
            x, y = line.get("x"), line.get("y")
            if not isinstance(x, list) or not isinstance(y, list) or len(x) != len(y):
                raise InvalidResult(f"series.{name}.{label}: x and y lists of equal length")
            if len(x) > MAX_POINTS_PER_LINE:
                raise InvalidResult(f"series.{name}.{label}: {len(x)} > {MAX_POINTS_PER_LINE}")
    tables = result["tables"]
    if not isinstance(tables, dict) or COMPARISON not in tables:
        raise InvalidResult(f"tables must be a dict holding a {COMPARISON!r} table")
    if len(tables) > MAX_TABLES:
        raise InvalidResult(f"{len(tables)} tables > {MAX_TABLES}")
    for name, tab in tables.items():
        _check_table(tab, f"tables.{name}")
    for i, check in enumerate(result["checks"]):
        _check_check(check, f"checks[{i}]")
    size = len(json.dumps(result, allow_nan=False, separators=(",", ":")).encode())
    if size >= MAX_RESULT_BYTES:
        raise InvalidResult(f"result is {size} bytes as JSON (limit {MAX_RESULT_BYTES})")


def _check_table(tab: Any, path: str) -> None:
    """A table is {"title": str, "columns": [str], "rows": [[scalar]], "notes": str}."""
    if not isinstance(tab, dict) or not isinstance(tab.get("title"), str):
        raise InvalidResult(f"{path}: needs a title")
    columns, rows = tab.get("columns"), tab.get("rows")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise InvalidResult(f"{path}.columns: a list of strings")
    if not 0 < len(columns) <= MAX_TABLE_COLUMNS:
        raise InvalidResult(f"{path}.columns: 1 to {MAX_TABLE_COLUMNS} columns")
    if not isinstance(rows, list) or len(rows) > MAX_TABLE_ROWS:
        raise InvalidResult(f"{path}.rows: a list of at most {MAX_TABLE_ROWS} rows")
    for r, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(columns):
            raise InvalidResult(f"{path}.rows[{r}]: {len(columns)} cells expected")
        if any(isinstance(cell, (dict, list)) for cell in row):
            raise InvalidResult(f"{path}.rows[{r}]: cells must be scalars")
    if not isinstance(tab.get("notes", ""), str):
        raise InvalidResult(f"{path}.notes: a string")


def _check_check(check: Any, path: str) -> None:
    """A check has name, claim, observed, passed; per-seed checks list every seed's value."""
    if not isinstance(check, dict) or not {"name", "claim", "observed", "passed"} <= set(check):
        raise InvalidResult(f"{path} needs name, claim, observed, passed")
    if not isinstance(check["passed"], bool):
        raise InvalidResult(f"{path}.passed must be a bool")
    seeds = check.get("seeds")
    if seeds is None:
        return
    if not isinstance(seeds, list) or not seeds:
        raise InvalidResult(f"{path}.seeds: a non-empty list")
    for j, entry in enumerate(seeds):
        if not isinstance(entry, dict) or not {"seed", "observed", "passed"} <= set(entry):
            raise InvalidResult(f"{path}.seeds[{j}] needs seed, observed, passed")
    if check["passed"] != all(entry["passed"] is True for entry in seeds):
        raise InvalidResult(f"{path}.passed must be true exactly when every seed passed")


def table(title: str, columns: list[str], rows: list[list[Any]], notes: str = "") -> dict[str, Any]:
    """A result table (design/demos.md §2.5 `tables`): scalar cells, one list per row."""
    return {
        "title": title,
        "columns": list(columns),
        "rows": [list(r) for r in rows],
        "notes": notes,
    }


def seed_check(
    name: str,
    claim: str,
    threshold: str,
    per_seed: Mapping[int, tuple[Any, bool]],
    observed: Any = None,
) -> dict[str, Any]:
    """A claim evaluated on several seeds in one run: it holds only if it holds on every seed.

    `per_seed` maps each seed to (observed value, passed); `observed` summarises them (default:
    the value of the first failing seed, else of the first seed).
    """
    seeds = [{"seed": s, "observed": v, "passed": bool(ok)} for s, (v, ok) in per_seed.items()]
    if observed is None:
        worst = next((e for e in seeds if not e["passed"]), seeds[0])
        observed = worst["observed"]
    passed = all(e["passed"] for e in seeds)
    return {
        "name": name,
        "claim": claim,
        "observed": observed,
        "threshold": threshold,
        "passed": passed,
        "seeds": seeds,
    }
