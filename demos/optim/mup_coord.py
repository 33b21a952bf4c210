"""Demo D12: muP's stability conditions as a coordinate check, and learning-rate transfer.

Papers: Tensor Programs V (arXiv:2203.03466, primary); the spectral condition for feature
learning (arXiv:2310.17813). An MLP 32 -> n -> n -> n -> 10 regresses a fixed random tanh teacher
under three width-scaling rules (SP with Adam, muP with Adam, the spectral rule with Muon-scaled
steps). The coordinate check records the RMS of each hidden activation at initialisation and of
its change after a few steps, against width n; the claim is the fitted log-log slope of the last
hidden layer's change: about 1 under SP (updates grow with width), about 0 under muP and the
spectral rule. Full size adds learning-rate transfer: loss against learning rate per width.
Sizes and numbers: design/demos.md D12 and docs/demos.md.
"""

import math
from typing import Any

import torch

from demos.base import Demo, Progress, Size, run_seeds
from demos.common.env import env_record
from demos.common.timing import PhaseTimer
from demos.optim.mup import (
    RULE_LABELS,
    RULES,
    forward,
    init_weights,
    inputs,
    layer_shapes,
    lr_multiplier,
    mse_per_model,
    rms,
    teacher,
    train,
)
from demos.optim.mup_result import LAYERS, assemble

D_IN, D_OUT = 32, 10


def _gens(seeds: list[int], stream: int, dev: str, replicas: int = 1) -> list[torch.Generator]:
    """One generator per (seed, replica) for an independent stream (init, teacher, data)."""
    return [
        torch.Generator(device=dev).manual_seed(s * 1024 + r * 16 + stream)
        for s in seeds
        for r in range(replicas)
    ]


def _ns_dtype(dims: dict) -> torch.dtype | None:
    """Newton-Schulz precision: bfloat16 at full size on the GPU, as Muon runs it."""
    return getattr(torch, dims["ns_dtype"]) if dims.get("ns_dtype") else None


def coordinate_check(
    rule: str, width: int, seeds: list[int], dims: dict, params: dict, dev: str
) -> dict[str, Any]:
    """RMS of each activation at init and of its change after each recorded step, per seed.

    Each seed averages `dims["replicas"]` independent models (init, teacher, data), all trained
    as one stack of M = seeds x replicas. Returns {"init": {layer: (S,)}, "change": {step:
    {layer: (S,)}}} with S = len(seeds).
    """
    shapes = layer_shapes(D_IN, width, D_OUT)
    base = dims["base_width"]
    mults = [lr_multiplier(rule, fo, fi, k, base) for fo, fi, k in shapes]
    reps = dims["replicas"]
    weights = init_weights(rule, shapes, base, _gens(seeds, 0, dev, reps), dev)
    target = teacher(_gens(seeds, 1, dev, reps), D_IN, D_OUT, dev)
    x_eval = inputs(_gens(seeds, 2, dev, reps), dims["eval_batch"], D_IN, dev)  # (M, B, 32)
    g_train = _gens(seeds, 3, dev, reps)
    lr = torch.full((len(g_train),), params["lr_spectral" if rule == "spectral" else "lr"])

    def per_seed(a: torch.Tensor) -> torch.Tensor:
        return rms(a).view(len(seeds), reps).mean(1)  # (M,) -> (S,)

    def acts() -> list[torch.Tensor]:
        with torch.no_grad():
            out, hiddens = forward(weights, x_eval)
        return [*hiddens, out]  # h1, h2, h3, output

    def batches(t: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = inputs(g_train, params["batch"], D_IN, dev)
        return x, target(x)

    init = acts()
    change: dict[int, dict[str, torch.Tensor]] = {}

    def record(t: int, losses: torch.Tensor) -> None:
        if t in dims["record_steps"]:
            change[t] = {n: per_seed(a - a0) for n, a, a0 in zip(LAYERS, acts(), init)}

    steps = max(dims["record_steps"])
    train(rule, weights, mults, lr.to(dev), batches, steps, record, _ns_dtype(dims))
    return {"init": {n: per_seed(a) for n, a in zip(LAYERS, init)}, "change": change}


def lr_transfer(
    rule: str, width: int, lrs: list[float], seed: int, dims: dict, params: dict, dev: str
) -> list[float | None]:
    """Final eval loss of one model per learning rate (same init and data), None if diverged."""
    m = len(lrs)
    shapes = layer_shapes(D_IN, width, D_OUT)
    base = dims["base_width"]
    mults = [lr_multiplier(rule, fo, fi, k, base) for fo, fi, k in shapes]
    weights = init_weights(rule, shapes, base, _gens([seed] * m, 0, dev), dev)
    target = teacher(_gens([seed], 1, dev), D_IN, D_OUT, dev)
    x_eval = inputs(_gens([seed], 2, dev), dims["eval_batch"], D_IN, dev)  # (1, B, 32)
    g_train = _gens([seed], 3, dev)

    def batches(t: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = inputs(g_train, params["batch"], D_IN, dev)
        return x.expand(m, -1, -1), target(x).expand(m, -1, -1)  # same batch for every lr

    lr = torch.tensor(lrs, device=dev)
    train(rule, weights, mults, lr, batches, params["transfer_steps"], None, _ns_dtype(dims))
    with torch.no_grad():
        x = x_eval.expand(m, -1, -1)
        losses = mse_per_model(forward(weights, x)[0], target(x_eval).expand(m, -1, -1))
    return [v if math.isfinite(v) else None for v in losses.tolist()]


def measure(demo: Demo, params: dict, preset: Size, dev: str, progress: Progress) -> dict[str, Any]:
    """Coordinate check for every rule and width (all seeds batched), then LR transfer (full)."""
    dims = preset.dims
    timer = PhaseTimer(dev)
    seeds = run_seeds(params, preset)
    widths = list(dims["widths"])
    coord: dict[str, dict[int, dict]] = {r: {} for r in RULES}
    with timer.phase("coordinate_check"):
        for i, (rule, width) in enumerate((r, w) for r in RULES for w in widths):
            progress(
                i, len(RULES) * len(widths), f"coordinate check: {RULE_LABELS[rule]}, n={width}"
            )
            coord[rule][width] = coordinate_check(rule, width, seeds, dims, params, dev)
    transfer: dict[str, dict[int, list]] = {}
    if dims.get("transfer_widths"):
        with timer.phase("lr_transfer"):
            jobs = [(r, w) for r in RULES for w in dims["transfer_widths"]]
            for i, (rule, width) in enumerate(jobs):
                progress(i, len(jobs), f"learning-rate transfer: {RULE_LABELS[rule]}, n={width}")
                lrs = _transfer_lrs(rule, dims)
                transfer.setdefault(rule, {})[width] = lr_transfer(
                    rule, width, lrs, params["seed"], dims, params, dev
                )
    progress(1, 1, "done")
    env = env_record(
        device=dev, dtype="float32", seed=params["seed"], size=preset, demo_version=demo.version
    )
    return assemble(demo, params, preset, coord, transfer, seeds, timer.as_dict(), env)


def _transfer_lrs(rule: str, dims: dict) -> list[float]:
    """The learning-rate grid of a rule (Adam rules share one; the spectral rule has its own)."""
    return list(dims["transfer_lrs_spectral" if rule == "spectral" else "transfer_lrs"])
