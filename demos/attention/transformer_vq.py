"""Demo D10: Transformer-VQ's linear-time attention against quadratic attention over VQ keys.

Paper: Lingle (arXiv:2309.16354). Quantises random keys to a random codebook, runs the cached
linear-time form (vq_attention.py) and the quadratic reference over the same quantised keys in
float64 and bf16, then times the linear form and F.scaled_dot_product_attention (ordinary keys)
against sequence length, with the crossover. design/demos.md D10.
"""

from typing import Any

import torch

from demos.attention.vq_attention import (
    max_rel_err,
    sdpa_causal,
    vector_quantize,
    vq_attention,
    vq_attention_reference,
)
from demos.base import Demo, Progress, Size, table
from demos.common.env import env_record
from demos.common.timing import PhaseTimer, time_fn


def inputs(dims: dict, T: int, seed: int, dtype: torch.dtype, dev: str) -> dict:
    """q, k, v (batch, heads, T, d), a codebook (S, d) and the codes z of the keys."""
    g = torch.Generator(device=dev).manual_seed(seed)
    shape = (dims["batch"], dims["heads"], T, dims["d"])
    q, k, v = (torch.randn(shape, generator=g, device=dev, dtype=torch.float64) for _ in range(3))
    codebook = torch.randn(dims["codes"], dims["d"], generator=g, device=dev, dtype=torch.float64)
    z = vector_quantize(k, codebook)  # (batch, heads, T)
    return {"q": q.to(dtype), "k": k.to(dtype), "v": v.to(dtype), "C": codebook.to(dtype), "z": z}


def exactness(dims: dict, seed: int, dev: str) -> dict[str, Any]:
    """Linear form vs the quadratic reference: float64, and bf16 inputs against float64."""
    x = inputs(dims, dims["T"], seed, torch.float64, dev)
    ref = vq_attention_reference(x["q"], x["z"], x["C"], x["v"])  # (batch, heads, T, d)
    fast = vq_attention(x["q"], x["z"], x["C"], x["v"], dims["block"])
    bf = {n: x[n].bfloat16() for n in ("q", "C", "v")}
    ref_bf = vq_attention_reference(bf["q"].double(), x["z"], bf["C"].double(), bf["v"].double())
    fast_bf = vq_attention(bf["q"], x["z"], bf["C"], bf["v"], dims["block"])
    used = x["z"].flatten().unique().numel()
    return {"err_fp64": max_rel_err(fast, ref), "err_bf16": max_rel_err(fast_bf, ref_bf),
            "codes_used": used}  # fmt: skip


def timings(dims: dict, seed: int, dev: str, progress) -> list[dict]:
    """Median time of the linear form and of SDPA (ordinary keys) at each T."""
    dtype = getattr(torch, dims["timing_dtype"])
    rows = []
    lengths = [T for T in dims["timing_T"] if T % dims["block"] == 0]  # whole blocks only
    for i, T in enumerate(lengths):
        progress(i, len(lengths), f"timing at T = {T:,}")
        x = inputs(dims, T, seed, dtype, dev)
        reps = {"warmup": dims["warmup"], "reps": dims["reps"]}
        vq = time_fn(lambda x=x: vq_attention(x["q"], x["z"], x["C"], x["v"], dims["block"]),
                     dev, **reps)  # fmt: skip
        sdpa = time_fn(lambda x=x: sdpa_causal(x["q"], x["k"], x["v"]), dev, **reps)
        rows.append({"T": T, "vq_ms": vq["median_s"] * 1e3, "sdpa_ms": sdpa["median_s"] * 1e3,
                     "vq_p90_ms": vq["p90_s"] * 1e3, "sdpa_p90_ms": sdpa["p90_s"] * 1e3})  # fmt: skip
        rows[-1]["speedup"] = rows[-1]["sdpa_ms"] / rows[-1]["vq_ms"]
        del x
    return rows


def crossover(rows: list[dict]) -> int | None:
    """The first timed T from which the linear form is faster than SDPA at every longer T."""
    for i, r in enumerate(rows):
        if all(s["vq_ms"] < s["sdpa_ms"] for s in rows[i:]):
            return r["T"]
    return None


def measure(demo: Demo, params: dict, preset: Size, dev: str, progress: Progress) -> dict[str, Any]:
    """Exactness check, then timings against T, then checks, tables and the log-log plot."""
    dims = dict(preset.dims)
    if preset.name == "smoke":
        dims |= {"T": params["T"], "codes": params["codes"], "block": params["block"]}
    timer = PhaseTimer(dev)
    progress(0, 2, "exactness: linear form vs quadratic reference")
    with timer.phase("exactness"):
        exact = exactness(dims, params["seed"], dev)
    progress(1, 2, "timings against T")
    with timer.phase("timing"):
        rows = timings(dims, params["seed"], dev, progress)
    progress(2, 2, "done")
    cross = crossover(rows)
    summary = {**exact, "T_check": dims["T"], "codes": dims["codes"], "block": dims["block"],
               "crossover_T": cross, "timing_dtype": dims["timing_dtype"]}  # fmt: skip
    if cross is None:
        summary["crossover_note"] = f"SDPA stayed faster up to T = {rows[-1]['T']:,}"
    for r in rows:
        summary[f"speedup_T{r['T']}"] = r["speedup"]
    checks = [
        {"name": "exact_fp64", "claim": "The linear-time cached form equals quadratic attention "
         "over the same quantised keys (float64)", "observed": exact["err_fp64"],
         "threshold": "max |diff| / max |o| < 1e-9", "passed": exact["err_fp64"] < 1e-9},
        {"name": "close_bf16", "claim": "bf16 inputs (fp32 cache) against the float64 reference",
         "observed": exact["err_bf16"], "threshold": "< 3e-2", "passed": exact["err_bf16"] < 3e-2},
    ]  # fmt: skip
    xs = [r["T"] for r in rows]
    series = {"time_vs_T": {
        "kind": "loglog", "x_label": "sequence length T (tokens)",
        "y_label": f"forward time (ms, {dims['timing_dtype']}, median)",
        "lines": {"Transformer-VQ linear form": {"x": xs, "y": [r["vq_ms"] for r in rows]},
                  "SDPA (quadratic, fused)": {"x": xs, "y": [r["sdpa_ms"] for r in rows]}},
    }}  # fmt: skip
    cols = ["T", "vq_ms", "sdpa_ms", "speedup", "vq_p90_ms", "sdpa_p90_ms"]
    return {
        "summary": summary,
        "series": series,
        "tables": {
            "comparison": _comparison(exact, rows, dev),
            "timings": table(
                f"Forward time against T on {dev} ({dims['timing_dtype']}), "
                f"heads {dims['heads']}, d = {dims['d']}, S = {dims['codes']}, "
                f"B = {dims['block']}",
                cols,
                [[r[c] for c in cols] for r in rows],
                "speedup = SDPA time / linear-form time. Reported, not asserted.",
            ),
        },  # fmt: skip
        "timings": timer.as_dict(),
        "env": env_record(
            device=dev,
            dtype=f"float64 and bfloat16 (check); {dims['timing_dtype']} (timing)",
            seed=params["seed"],
            size=preset,
            demo_version=demo.version,
        ),  # fmt: skip
        "checks": checks,
    }


def _comparison(exact: dict, rows: list[dict], dev: str) -> dict[str, Any]:
    """The paper's speed-ups and exactness beside ours."""
    by_t = {r["T"]: r for r in rows}

    def ours(T: int) -> str:
        return f"{by_t[T]['speedup']:.2f}x ({dev})" if T in by_t else "not timed at this size"

    rows_ = [
        ["linear form = quadratic over VQ keys", "exact", "arXiv:2309.16354",
         f"{exact['err_fp64']:.1e} (fp64)"],
        ["speed-up at 8k", "over 3x", "abstract", ours(8192)],
        ["speed-up at 32k", "over 12x", "abstract", ours(32768)],
        ["Enwik8", "0.99 bpb", "abstract", "no training here"],
    ]  # fmt: skip
    return table("The paper beside our attention layer", ["quantity", "paper", "source", "ours"],
                 rows_, "Sources: arXiv:2309.16354 (abstract). The paper's speed-ups compare "
                 "whole models in optimised JAX against a quadratic transformer; ours compare one "
                 "plain-PyTorch attention layer against a fused SDPA kernel (SDPA time / ours), "
                 "and the exactness row is max |difference| / max |o|.")  # fmt: skip
