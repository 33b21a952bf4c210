"""Demo D9's result: checks by size, the comparison table, the other tables and the plots."""

from typing import Any

from demos.base import Demo, Size, seed_check, table
from demos.common.env import env_record
from demos.common.timing import PhaseTimer
from demos.specs.diveq import SMOKE_MSE_RATIO, SMOKE_USED_RATIO
from demos.vq.diveq import ESTIMATORS


def checks(m: dict[str, Any], size: str) -> list[dict[str, Any]]:
    """Smoke: the relative claims; full: collapse, full codebook, MSE margin. Every seed."""
    seeds, runs, K = m["seeds"], m["runs"], m["dims"]["K"]
    ste, dv = runs["ste"], runs["diveq"]
    n = len(seeds)
    on = f"on seed {seeds[0]} (one per run at this size)" if n == 1 else f"on each of {n} seeds"
    if size == "smoke":
        return [
            seed_check(
                "diveq_uses_more_codes",
                f"DiVeQ uses at least {SMOKE_USED_RATIO:g}x as many codes as STE (K = {K}), {on}",
                f">= {SMOKE_USED_RATIO:g}x",
                {s: (f"{dv['used'][i]} vs {ste['used'][i]}",
                     dv["used"][i] >= SMOKE_USED_RATIO * ste["used"][i])
                 for i, s in enumerate(seeds)},
            ),
            seed_check(
                "diveq_lower_mse",
                f"DiVeQ's reconstruction MSE below {SMOKE_MSE_RATIO:g}x STE's, {on}",
                f"ratio < {SMOKE_MSE_RATIO:g}",
                {s: (round(dv["mse"][i] / ste["mse"][i], 3),
                     dv["mse"][i] < SMOKE_MSE_RATIO * ste["mse"][i]) for i, s in enumerate(seeds)},
            ),
        ]  # fmt: skip
    full = [r for r in ("diveq", "sf_diveq") if r in runs]
    return [
        seed_check(
            "ste_collapses", f"STE uses at most half of the K = {K} codes, on each of {n} seeds",
            "<= 0.5 K",
            {s: (ste["used"][i], ste["used"][i] <= 0.5 * K) for i, s in enumerate(seeds)},
        ),
        seed_check(
            "diveq_full_codebook",
            f"{' and '.join(ESTIMATORS[r] for r in full)} use at least 90 % of the K = {K} codes, "
            f"on each of {n} seeds",
            ">= 0.9 K",
            {s: (", ".join(str(runs[r]["used"][i]) for r in full),
                 all(runs[r]["used"][i] >= 0.9 * K for r in full)) for i, s in enumerate(seeds)},
        ),
        seed_check(
            "diveq_mse_full", f"DiVeQ's reconstruction MSE below 0.7x STE's, on each of {n} seeds",
            "ratio < 0.7",
            {s: (round(dv["mse"][i] / ste["mse"][i], 3), dv["mse"][i] < 0.7 * ste["mse"][i])
             for i, s in enumerate(seeds)},
        ),
    ]  # fmt: skip


def series(m: dict[str, Any]) -> dict[str, Any]:
    """Codes used during training, and final codes used and MSE per estimator (first seed)."""
    runs, K = m["runs"], m["dims"]["K"]
    curve = {ESTIMATORS[r]: {"x": run["curve"]["step"], "y": [u[0] for u in run["curve"]["used"]]}
             for r, run in runs.items()}  # fmt: skip
    steps = m["dims"]["steps"]
    curve[f"K = {K}"] = {"x": [0, steps], "y": [K, K]}
    names = [ESTIMATORS[r] for r in runs]
    return {
        "codes_used_during_training": _plot("line", "training step", "codes used (eval set)",
                                            curve),
        "codes_used": _plot("bar", "estimator", f"codes used of {K}",
                            {"codes used": {"x": names, "y": [r["used"][0] for r in runs.values()]}}),
        "reconstruction_mse": _plot("bar", "estimator", "MSE (sum over 32 dims)",
                                    {"MSE": {"x": names, "y": [r["mse"][0] for r in runs.values()]}}),
    }  # fmt: skip


def _plot(kind: str, x_label: str, y_label: str, lines: dict) -> dict[str, Any]:
    """A `series` entry (design/demos.md §2.5)."""
    return {"kind": kind, "x_label": x_label, "y_label": y_label, "lines": lines}


def tables(m: dict[str, Any]) -> dict[str, Any]:
    """The comparison table first, then every estimator on every seed, then k-means."""
    seeds, runs, lloyd, dims = m["seeds"], m["runs"], m["lloyd"], m["dims"]
    K, ste = dims["K"], runs["ste"]
    rows = []
    for r, run in runs.items():
        ratio = run["mse"][0] / ste["mse"][0]
        paper = "1" if r == "ste" else ("below 1 (better)" if r != "diveq_replace" else None)
        used = "full codebook" if r == "sf_diveq" else None
        rows.append([ESTIMATORS[r], used, f"{run['used'][0]} / {K}", paper, round(ratio, 3)])
    comparison = table(
        f"The paper's statements beside this run (seed {seeds[0]}, K = {K}, {dims['steps']} "
        "steps)",
        ["estimator", "paper: codes used", "ours: codes used", "paper: error vs STE",
         "ours: MSE / MSE(STE)"],
        rows,
        "Source: arXiv:2509.26469, abstract (DiVeQ and SF-DiVeQ beat STE and other estimators; "
        "SF-DiVeQ uses the full codebook). The paper reports image and audio metrics, so the "
        "scale-free column is the ratio to STE; empty cells: the paper gives no statement.",
    )  # fmt: skip
    per_seed = table(
        "Every estimator on every seed (eval set, hard nearest codeword)",
        ["estimator", "seed", "codes used", "perplexity", "reconstruction MSE",
         "latent distortion"],
        [[ESTIMATORS[r], s, run["used"][i], round(run["perplexity"][i], 1),
          round(run["mse"][i], 4), round(run["distortion"][i], 5)]
         for r, run in runs.items() for i, s in enumerate(seeds)],
    )  # fmt: skip
    dv = runs["diveq"]["distortion"]
    kmeans = table(
        f"k-means (Lloyd, {dims['lloyd_iters']} iterations) on DiVeQ's final latents vs DiVeQ's "
        "learned codebook",
        ["seed", "DiVeQ codebook distortion", "Lloyd distortion", "DiVeQ / Lloyd"],
        [[s, round(dv[i], 5), round(lloyd["distortion"][i], 5),
          round(dv[i] / lloyd["distortion"][i], 3)] for i, s in enumerate(seeds)],
        "Distortion = mean squared distance of a latent to its nearest codeword; Lloyd's is "
        "the reference a codebook fitted to the same latents reaches.",
    )  # fmt: skip
    return {"comparison": comparison, "seeds": per_seed, "kmeans": kmeans}


def result(
    demo: Demo, params: dict, preset: Size, dev: str, timer: PhaseTimer, m: dict[str, Any]
) -> dict[str, Any]:
    """Assemble summary, series, tables, checks and env from the measured quantities."""
    runs, ste = m["runs"], m["runs"]["ste"]
    summary: dict[str, Any] = {"K": m["dims"]["K"], "steps": m["dims"]["steps"]}
    for r, run in runs.items():
        summary |= {f"used_{r}": run["used"][0], f"perplexity_{r}": run["perplexity"][0],
                    f"mse_{r}": run["mse"][0]}  # fmt: skip
    summary["mse_ratio_diveq_ste"] = runs["diveq"]["mse"][0] / ste["mse"][0]
    summary["kmeans_distortion"] = m["lloyd"]["distortion"][0]
    env = env_record(device=dev, dtype="float32", seed=params["seed"], size=preset,
                     demo_version=demo.version, seeds=m["seeds"])  # fmt: skip
    return {
        "summary": summary,
        "series": series(m),
        "tables": tables(m),
        "timings": timer.as_dict(),
        "env": env,
        "checks": checks(m, preset.name),
    }
