"""Demo D6's result: checks, the comparison table, the other tables and the plots."""

import math
from typing import Any

import torch

from demos.base import Demo, Size, seed_check, table
from demos.common.env import env_record
from demos.common.timing import PhaseTimer
from demos.optim.newton_schulz import BAND, CUBIC, QUINTIC, phi

MUON_DOC = "Muon code (K. Jordan), docstring"


def checks(m: dict[str, Any], dims: dict) -> list[dict[str, Any]]:
    """The claims of the spec, evaluated on every seed of the run."""
    k, per = m["steps"], m["per_seed"]
    n = len(per)
    out = [
        seed_check(
            "ns5_in_band",
            f"Quintic NS{k} (bf16) on a Gaussian matrix of aspect {m['aspect']:.3g} (>= 4/3 for "
            f"the claim): every singular value in [0.5, 1.5], on each of {n} seeds",
            "all in [0.5, 1.5]",
            {s: (f"[{o['quintic_bf16']['min']:.3f}, {o['quintic_bf16']['max']:.3f}]",
                 BAND[0] <= o["quintic_bf16"]["min"] and o["quintic_bf16"]["max"] <= BAND[1])
             for s, o in per.items()},
        ),
        seed_check(
            "square_mostly_in_band",
            f"Square {dims['square']} x {dims['square']} Gaussian, quintic NS{k} (bf16): >= 95 % "
            f"of singular values in [0.5, 1.5] (sigma_min shown), on each of {n} seeds",
            ">= 95 %",
            {s: (f"{o['square_bf16']['inside']:.1%} inside, sigma_min "
                 f"{o['square_bf16']['min']:.3f}", o["square_bf16"]["inside"] >= 0.95)
             for s, o in per.items()},
        ),
        seed_check(
            "cubic_not_converged",
            f"Cubic NS{k} (fp32): largest singular value < 0.6 (not converged), on each of {n} "
            "seeds",
            "< 0.6",
            {s: (round(o["cubic_fp32"]["max"], 4), o["cubic_fp32"]["max"] < 0.6)
             for s, o in per.items()},
        ),
        seed_check(
            "bf16_matches_fp32",
            f"Quintic NS{k}: sigma_min and sigma_max in bf16 within 0.02 of fp32, on each of {n} "
            "seeds",
            "<= 0.02",
            {s: (round(_extreme_gap(o), 4), _extreme_gap(o) <= 0.02) for s, o in per.items()},
        ),
        {
            "name": "ns_is_scalar_map",
            "claim": f"Float64 NS{k} = U phi^{k}(S / ||G||_F) V^T from the SVD (each step maps "
            "every singular value by phi)",
            "observed": m["exact_err"],
            "threshold": "< 1e-10",
            "passed": m["exact_err"] < 1e-10,
        },
    ]  # fmt: skip
    if "speedup_min" in dims:
        t = m["timing"]
        out.append({
            "name": "ns5_faster_than_svd",
            "claim": f"NS{k} (bf16) on {t['shape']} at least {dims['speedup_min']:g}x faster than "
            "torch.linalg.svd (fp32)",
            "observed": round(t["speedup"], 2),
            "threshold": f">= {dims['speedup_min']:g}x",
            "passed": t["speedup"] >= dims["speedup_min"],
        })  # fmt: skip
    return out


def _extreme_gap(o: dict[str, Any]) -> float:
    """Largest difference between the bf16 and fp32 extremes (sigma_min, sigma_max)."""
    b, f = o["quintic_bf16"], o["quintic_fp32"]
    return max(abs(b["min"] - f["min"]), abs(b["max"] - f["max"]))


def _hist(s: torch.Tensor, bins: int) -> dict[str, list]:
    """A histogram line over [0, 1.5]: bin centres and counts."""
    counts = torch.histc(s.double(), bins=bins, min=0.0, max=1.5)
    width = 1.5 / bins
    return {"x": [round((i + 0.5) * width, 4) for i in range(bins)], "y": counts.tolist()}


def series(m: dict[str, Any], dims: dict) -> dict[str, Any]:
    """Singular-value histograms, the step trace, the scalar map phi^k, and the timing bars."""
    k, bins = m["steps"], dims["hist_bins"]
    wide = {f"{meth} NS{st} bf16": _hist(spec["s"], bins)
            for mat, meth, st, dt, spec, _ in m["grid"] if mat == "wide" and dt == "bf16"}  # fmt: skip
    first = next(iter(m["per_seed"].values()))
    square = {f"square, quintic NS{k} bf16": _hist(first["square_bf16"]["s"], bins),
              f"wide, quintic NS{k} bf16": _hist(first["quintic_bf16"]["s"], bins)}  # fmt: skip
    trace = {name: {"x": list(range(1, len(d) + 1)), "y": d} for name, d in m["trace"].items()}
    xs = torch.logspace(-3, 0, 120, dtype=torch.float64)
    maps = {}
    for name, coeffs in (("quintic", QUINTIC), ("cubic", CUBIC)):
        for st in (k, 2 * k):
            y = xs.clone()
            for _ in range(st):
                y = phi(y, coeffs)
            maps[f"{name}, {st} steps"] = {"x": xs.tolist(), "y": y.abs().clamp_min(1e-6).tolist()}
    maps["U V^T (= 1)"] = {"x": [1e-3, 1.0], "y": [1.0, 1.0]}
    t = m["timing"]
    bars = {"median time": {"x": [f"NS{k} bf16", "SVD fp32"],
                            "y": [t["ns_s"] * 1e3, t["svd_s"] * 1e3]}}  # fmt: skip
    sv = "singular value (bin centre)"
    return {
        "singular_values_wide": _plot("line", sv, "count", wide),
        "singular_values_square": _plot("line", sv, "count", square),
        "distance_vs_steps": _plot("line", "Newton-Schulz step", "distance to U V^T (relative)",
                                   trace),
        "phi_map": _plot("loglog", "input singular value s of G / ||G||_F",
                         "phi^k(s)", maps),
        "time_vs_svd": _plot("bar", f"method ({t['shape']})", "median time (ms)", bars),
    }  # fmt: skip


def _plot(kind: str, x_label: str, y_label: str, lines: dict) -> dict[str, Any]:
    """A `series` entry (design/demos.md §2.5)."""
    return {"kind": kind, "x_label": x_label, "y_label": y_label, "lines": lines}


def tables(demo: Demo, m: dict[str, Any], dims: dict, dev: str) -> dict[str, Any]:
    """The comparison table first, then the per-seed, grid and timing tables."""
    k, per = m["steps"], m["per_seed"]
    lo = min(o["quintic_bf16"]["min"] for o in per.values())
    hi = max(o["quintic_bf16"]["max"] for o in per.values())
    sq_in = min(o["square_bf16"]["inside"] for o in per.values())
    sq_min = min(o["square_bf16"]["min"] for o in per.values())
    rows_n = dims["rows"]
    shape = f"{rows_n} x {round(m['aspect'] * rows_n)}"
    t = m["timing"]
    comparison = table(
        "The Muon code's and Moonlight's statements beside our measurements",
        ["quantity", "paper / code", "source", "ours"],
        [
            [f"singular values after quintic NS{k}, wide Gaussian",
             "roughly Uniform(0.5, 1.5)", MUON_DOC,
             f"[{lo:.3f}, {hi:.3f}] on {shape} over {len(per)} seeds (bf16)"],
            [f"singular values after quintic NS{k}, square Gaussian",
             "roughly Uniform(0.5, 1.5)", MUON_DOC,
             f">= {sq_in:.1%} in [0.5, 1.5]; sigma_min {sq_min:.3f} ({dims['square']}^2)"],
            ["coefficients (a, b, c); slope phi'(0)", "(3.4445, -4.7750, 2.0315)",
             "Muon code (K. Jordan)",
             f"same; phi'(0) = {QUINTIC[0]} (cubic: {CUBIC[0]})"],
            ["update RMS after scaling by 0.2 sqrt(max(A, B))",
             "0.2 for an exact U V^T (AdamW-like)", "arXiv:2502.16982, Sec. 2",
             f"{m['update_rms']:.3f} for NS{k} bf16 on {shape}"],
            ["compute efficiency vs AdamW", "~2x", "arXiv:2502.16982, abstract",
             "not measured (no training here)"],
            [f"NS{k} (bf16) time vs SVD (fp32)", "not stated", "-",
             f"{t['speedup']:.1f}x faster on {t['shape']} ({dev})"],
        ],
        "Paper numbers are anchors, never asserted. Distance to U V^T and the per-seed values "
        "are in the tables below.",
    )  # fmt: skip
    seeds = table(
        f"Every seed: wide {shape} (quintic bf16 / fp32, cubic fp32) and square "
        f"{dims['square']}^2 (quintic bf16), NS{k}",
        ["seed", "quintic bf16 min", "quintic bf16 max", "quintic fp32 min", "quintic fp32 max",
         "cubic fp32 max", "square % in band", "square sigma_min"],
        [[s, _r(o["quintic_bf16"]["min"]), _r(o["quintic_bf16"]["max"]),
          _r(o["quintic_fp32"]["min"]), _r(o["quintic_fp32"]["max"]), _r(o["cubic_fp32"]["max"]),
          round(100 * o["square_bf16"]["inside"], 2), _r(o["square_bf16"]["min"])]
         for s, o in per.items()],
    )  # fmt: skip
    lr = dims["lowrank"]
    grid = table(
        f"Methods, steps and dtypes on the first seed: wide {shape}; low-rank {lr[0]} x {lr[1]} "
        f"(rank {lr[2]} + {dims['lowrank_noise']:g} noise)",
        ["matrix", "method", "steps", "dtype", "sigma_min", "sigma_max", "% in [0.5, 1.5]",
         "distance to U V^T", "min of top-rank sigmas"],
        [[mat, meth, st, dt, _r(sp["min"]), _r(sp["max"]), round(100 * sp["inside"], 2),
          _r(sp["distance"]), _r(top) if top is not None else None]
         for mat, meth, st, dt, sp, top in m["grid"]],
        "Distance = ||X - U V^T||_F / ||U V^T||_F. No method lifts the noise directions of the "
        "low-rank matrix; the last column is the smallest of its top-rank singular values.",
    )  # fmt: skip
    timing = table(
        f"Timing on {t['shape']} ({dev}), median of repeats",
        ["method", "median (ms)", "TFLOPS"],
        [[f"quintic NS{k}, bf16", round(t["ns_s"] * 1e3, 3), round(t["ns_TFLOPS"], 3)],
         ["torch.linalg.svd, fp32", round(t["svd_s"] * 1e3, 3), None]],
        "TFLOPS counts the matmuls' FLOPs from the shapes. On the CPU smoke size bf16 matmuls are "
        "slow and this says nothing about a GPU.",
    )  # fmt: skip
    return {"comparison": comparison, "seeds": seeds, "grid": grid, "timing": timing}


def _r(x: float) -> float:
    """Four decimals for a table cell."""
    return round(x, 4)


def result(
    demo: Demo, params: dict, preset: Size, dev: str, timer: PhaseTimer, m: dict[str, Any]
) -> dict[str, Any]:
    """Assemble summary, series, tables, checks and env from the measured quantities."""
    dims, k = preset.dims, m["steps"]
    first = next(iter(m["per_seed"].values()))
    s = first["quintic_bf16"]["s"].double()
    m["update_rms"] = 0.2 * math.sqrt(s.square().mean().item())  # 0.2 sqrt(n) ||X||_F/sqrt(mn)
    summary: dict[str, Any] = {"steps": k, "aspect": m["aspect"]}
    for name in ("quintic_bf16", "quintic_fp32", "cubic_fp32", "square_bf16"):
        spec = first[name]
        summary |= {f"{name}_sigma_min": spec["min"], f"{name}_sigma_max": spec["max"],
                    f"{name}_in_band": spec["inside"]}  # fmt: skip
    summary |= {"ns_scalar_map_rel_err": m["exact_err"], "update_rms_scaled": m["update_rms"]}
    t = m["timing"]
    summary |= {
        "ns_ms": t["ns_s"] * 1e3,
        "svd_ms": t["svd_s"] * 1e3,
        "speedup_vs_svd": t["speedup"],
    }
    env = env_record(device=dev, dtype="bfloat16 and float32", seed=params["seed"], size=preset,
                     demo_version=demo.version, seeds=list(m["per_seed"]))  # fmt: skip
    return {
        "summary": summary,
        "series": series(m, dims),
        "tables": tables(demo, m, dims, dev),
        "timings": timer.as_dict(),
        "env": env,
        "checks": checks(m, dims),
    }
