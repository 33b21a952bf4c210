"""Demo D12's result: slopes, checks, plots and tables from the coordinate check and LR transfer."""

import statistics
from typing import Any

from demos.base import Demo, Size, seed_check, table
from demos.common.metrics import loglog_slope
from demos.optim.mup import RULE_LABELS, RULES

LAYERS = ("h1", "h2", "h3", "output")
CLAIM_STEP = 1  # the claims read the change after one step (later steps saturate under SP)
# Slope thresholds, set after measuring seeds 0-9 at smoke (docs/demos.md): SP 0.67 to 0.81,
# muP -0.27 to -0.15 (a finite-width decline towards its limit), spectral -0.08 to 0.00.
SP_MIN, FLAT_MAX = 0.5, {"mup": 0.35, "spectral": 0.2}
MUP_SHIFT_MAX, SP_SHIFT_MIN = 2.0, 4.0  # full-size transfer thresholds (not measured: no GPU)
PAPER_SLOPE = {"sp": "1", "mup": "0", "spectral": "0"}
PAPER_SOURCE = {
    "sp": "implied by 2203.03466, Table 3 (SP)",
    "mup": "implied by 2203.03466, Table 3",
    "spectral": "implied by 2310.17813",
}


def slopes(coord: dict, seeds: list[int], layer: str, step: int) -> dict[str, dict[int, float]]:
    """Fitted log-log slope of RMS(change of `layer` after `step` steps) vs width, per rule/seed."""
    out = {}
    for rule, by_width in coord.items():
        widths = sorted(by_width)
        out[rule] = {
            s: loglog_slope(widths, [by_width[w]["change"][step][layer][j].item() for w in widths])
            for j, s in enumerate(seeds)
        }
    return out


def best_lr_shift(curves: dict[int, list[float | None]], lrs: list[float]) -> float | None:
    """Largest over smallest best learning rate across widths (1 = perfect transfer)."""
    best = []
    for losses in curves.values():
        finite = [(v, lr) for v, lr in zip(losses, lrs) if v is not None]
        if not finite:
            return None
        best.append(min(finite)[1])
    return max(best) / min(best)


def _mean(coord_w: dict, step: int | None, layer: str) -> float:
    """Seed-mean RMS of a layer's activation (step None) or of its change after `step` steps."""
    values = coord_w["init"][layer] if step is None else coord_w["change"][step][layer]
    return values.mean().item()


def _plot(title: str, x_label: str, y_label: str, lines: dict) -> dict[str, Any]:
    """A log-log `series` entry (design/demos.md §2.5) with its caption."""
    return {"kind": "loglog", "title": title, "x_label": x_label, "y_label": y_label,
            "lines": lines}  # fmt: skip


def _series(coord: dict, transfer: dict, dims: dict) -> dict[str, Any]:
    """Coordinate-check plots (the claim's layer across rules, then one per rule) and LR curves."""
    widths = list(dims["widths"])
    last = max(dims["record_steps"])
    x_label = "width n (hidden units)"

    def line(rule: str, step: int | None, layer: str) -> dict[str, list]:
        return {"x": widths, "y": [_mean(coord[rule][w], step, layer) for w in widths]}

    series = {
        "last_hidden_change": _plot(
            "Last hidden layer: RMS of one step's change against width (the claim)", x_label,
            "RMS change of h3 after step 1", {RULE_LABELS[r]: line(r, 1, "h3") for r in RULES}),
    }  # fmt: skip
    for rule in RULES:
        lines = {f"{layer}, change after step 1": line(rule, 1, layer) for layer in LAYERS}
        lines[f"h3, change after step {last}"] = line(rule, last, "h3")
        lines["h3 at init (the activation itself)"] = line(rule, None, "h3")
        series[f"coord_{rule}"] = _plot(
            f"Coordinate check, {RULE_LABELS[rule]}", x_label, "RMS over units and inputs", lines
        )
    for rule, curves in transfer.items():
        lrs = list(dims["transfer_lrs_spectral" if rule == "spectral" else "transfer_lrs"])
        lines = {}
        for width, losses in curves.items():
            pts = [(lr, v) for lr, v in zip(lrs, losses) if v is not None]
            lines[f"n = {width}"] = {"x": [p[0] for p in pts], "y": [p[1] for p in pts]}
        series[f"transfer_{rule}"] = _plot(
            f"Learning-rate transfer, {RULE_LABELS[rule]}", "learning rate",
            "eval MSE after training", lines,
        )  # fmt: skip
    return series


def _checks(per_rule: dict[str, dict[int, float]], shifts: dict[str, float | None]) -> list:
    """The claims: SP's slope >= SP_MIN, muP's and spectral's |slope| <= FLAT_MAX; transfer."""
    at = "after one step"
    checks = [
        seed_check("slope_sp", f"SP + Adam: the last hidden layer's change ({at}) grows with "
                   "width", f"log-log slope >= {SP_MIN} on every seed",
                   {s: (round(v, 3), v >= SP_MIN) for s, v in per_rule["sp"].items()}),
    ]  # fmt: skip
    for rule in ("mup", "spectral"):
        checks.append(
            seed_check(f"slope_{rule}", f"{RULE_LABELS[rule]}: the last hidden layer's change "
                       f"({at}) is flat in width",
                       f"|log-log slope| <= {FLAT_MAX[rule]} on every seed",
                       {s: (round(v, 3), abs(v) <= FLAT_MAX[rule]) for s, v in per_rule[rule].items()})
        )  # fmt: skip
    if shifts:
        mup, sp = shifts.get("mup"), shifts.get("sp")
        checks.append({"name": "transfer_mup", "claim": "muP: the best learning rate transfers "
                       "across widths", "observed": mup, "threshold": f"shift <= {MUP_SHIFT_MAX}x",
                       "passed": mup is not None and mup <= MUP_SHIFT_MAX})  # fmt: skip
        checks.append({"name": "transfer_sp", "claim": "SP: the best learning rate drifts with "
                       "width", "observed": sp, "threshold": f"shift >= {SP_SHIFT_MIN}x",
                       "passed": sp is not None and sp >= SP_SHIFT_MIN})  # fmt: skip
    return checks


def _comparison(per_rule: dict, shifts: dict[str, float | None]) -> dict[str, Any]:
    """Paper's (implied) exponents and transfer behaviour beside our fitted slopes and shifts."""
    rows = []
    for rule in RULES:
        vals = list(per_rule[rule].values())
        rows.append([RULE_LABELS[rule], "slope of dh3 vs width", PAPER_SLOPE[rule],
                     round(statistics.mean(vals), 2), f"{min(vals):.2f} to {max(vals):.2f}",
                     PAPER_SOURCE[rule]])  # fmt: skip
    paper_shift = {"sp": "drifts", "mup": "stable", "spectral": "not reported"}
    fig1 = "2203.03466, Figure 1 (a plot)"
    for rule in RULES:
        ours = shifts.get(rule) if shifts else None
        shown = (round(ours, 2) if ours else None) if shifts else "full size only"
        rows.append([RULE_LABELS[rule], "best-LR shift across widths", paper_shift[rule], shown,
                     "", fig1 if rule != "spectral" else "-"])  # fmt: skip
    return table(
        "Paper vs ours: slopes and LR transfer",
        ["rule", "quantity", "paper", "ours (mean)", "ours (seed range)", "source"],
        rows,
        "Slope: least-squares fit of log RMS(change of the last hidden layer h3 after one step) "
        "against log width, one per seed (each seed averages 4 models at smoke, 2 at full). The "
        "paper prints no slope: 1 and 0 are what its scalings imply. Best-LR shift: largest over "
        "smallest best learning rate across widths 128-2048 (full size; 8 rates a factor 2 apart).",
    )


def _rms_table(coord: dict, dims: dict) -> dict[str, Any]:
    """Seed-mean RMS of h3 at init and of its change per step, by rule and width."""
    rows = []
    for rule in RULES:
        for w in dims["widths"]:
            c = coord[rule][w]
            rows.append([RULE_LABELS[rule], w, round(_mean(c, None, "h3"), 4),
                         *[round(_mean(c, t, "h3"), 4) for t in dims["record_steps"]]])  # fmt: skip
    cols = ["rule", "width", "RMS h3 at init"]
    cols += [f"RMS change of h3, step {t}" for t in dims["record_steps"]]
    return table("Ours: the last hidden layer by width (mean over seeds)", cols, rows)


def assemble(
    demo: Demo, params: dict, preset: Size, coord: dict, transfer: dict, seeds: list[int],
    timings: dict, env: dict,
) -> dict[str, Any]:  # fmt: skip
    """The result dict (design/demos.md §2.5) of one D12 run."""
    dims = preset.dims
    per_rule = slopes(coord, seeds, "h3", CLAIM_STEP)
    shifts = {}
    for rule, curves in transfer.items():
        lrs = list(dims["transfer_lrs_spectral" if rule == "spectral" else "transfer_lrs"])
        shifts[rule] = best_lr_shift(curves, lrs)
    summary: dict[str, Any] = {}
    for rule in RULES:
        vals = list(per_rule[rule].values())
        summary[f"slope_{rule}_mean"] = statistics.mean(vals)
        summary[f"slope_{rule}_min"], summary[f"slope_{rule}_max"] = min(vals), max(vals)
        for layer in ("h1", "h2", "output"):
            layer_slopes = slopes({rule: coord[rule]}, seeds, layer, CLAIM_STEP)[rule].values()
            summary[f"slope_{rule}_{layer}_mean"] = statistics.mean(layer_slopes)
        for w in (dims["widths"][0], dims["widths"][-1]):
            summary[f"rms_change_h3_{rule}_n{w}"] = _mean(coord[rule][w], CLAIM_STEP, "h3")
    for rule, shift in shifts.items():
        summary[f"best_lr_shift_{rule}"] = shift
    summary["seeds"] = len(seeds)
    return {
        "summary": summary,
        "series": _series(coord, transfer, dims),
        "tables": {
            "comparison": _comparison(per_rule, shifts),
            "h3_by_width": _rms_table(coord, dims),
        },
        "timings": timings,
        "env": env,
        "checks": _checks(per_rule, shifts),
    }
