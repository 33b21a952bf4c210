"""Demo D2: JiT's toy, x- vs eps- vs v-prediction on a spiral embedded in D dimensions.

Paper: JiT, "Back to Basics: Let Denoising Generative Models Denoise", Li and He
(arXiv:2511.13720). A 2-D spiral s is embedded as x = P s with P (D x 2) column-orthonormal, so
the data lie on a plane and the off-manifold energy E |(I - P P^T) x_gen| of generated samples is
exact. Three MLPs per D (one per output type, all trained with the same v-loss) are trained at
once; at the largest D, x-prediction keeps its samples on the plane while eps- and v-prediction
leave energy off it. Algorithm: demos/diffusion/jit.py. Sizes and claims: design/demos.md §5 D2.
"""

from functools import partial
from typing import Any

import torch

from demos.base import Demo, Progress, Size, run_seeds, seed_check, table
from demos.common.env import env_record
from demos.common.metrics import energy_distance
from demos.common.series import plot, scatter_line
from demos.common.timing import PhaseTimer
from demos.diffusion.jit import PREDICTIONS, batch_sampler, off_manifold, sample, train
from demos.diffusion.toy_data import batch_generator, column_orthonormal, spiral
from demos.diffusion.toy_mlp import init_stack

SCATTER_POINTS = 600
SHOWN = {"x": "x", "eps": "ε", "v": "v"}  # display names of the parameterisations
ED_MAX_D2 = 0.05  # every parameterisation at D = 2 (full)
RATIO_V, RATIO_EPS = 0.1, 0.01  # off(x) < 0.1 off(v) and < 0.01 off(eps) at the largest D


def embedded_spiral(basis: torch.Tensor):
    """data(n, g) for batch_sampler: spiral samples mapped into R^D by the basis: (n, D)."""
    return lambda n, g: spiral(n, g) @ basis.T  # (n, 2) @ (2, D)


def train_dimension(d: int, seeds: list[int], dims: dict, params: dict, dev: str, tick) -> dict:
    """Train x, eps, v models for every seed at ambient dimension d (one stack); sample them."""
    preds = PREDICTIONS * len(seeds)  # model m = (seed m // 3, prediction m % 3)
    gens = {s: torch.Generator().manual_seed(s * 7919 + d) for s in seeds}  # one stream per seed
    bases = {s: column_orthonormal(d, 2, gens[s]) for s in seeds}  # (D, 2)
    sizes = [d + 1] + [dims["width"]] * (dims["depth"] - 1) + [d]
    stack = [init_stack(len(PREDICTIONS), sizes, gens[s]) for s in seeds]
    weights = [torch.cat(parts).to(dev).detach().requires_grad_() for parts in zip(*stack)]
    steps = round(dims["steps"] * params["train_steps_scale"])
    draws = [
        batch_sampler(embedded_spiral(bases[s].to(dev)), len(PREDICTIONS), dims["batch"],
                      dims["t_mean"], dims["t_std"], batch_generator(gens[s], dev, s + d), dev)
        for s in seeds
    ]  # fmt: skip

    def draw():
        parts = [f() for f in draws]  # each (3, B, .)
        return tuple(torch.cat(p) for p in zip(*parts))  # (M, B, .)

    every = max(1, steps // 10)
    losses = train(weights, preds, draw, steps=steps, lr=dims["lr"],
                   on_step=lambda i: tick(i + 1, steps) if (i + 1) % every == 0 else None)  # fmt: skip
    noise = torch.cat([torch.randn(3, dims["N"], d, generator=gens[s]) for s in seeds]).to(dev)
    x_gen = sample(weights, preds, noise, params["sample_steps"])  # (M, N, D)
    out = {}
    for i, s in enumerate(seeds):  # distances on the device: N^2 pairs at full size
        basis, block = bases[s].to(dev), x_gen[3 * i : 3 * i + 3]  # (D, 2), (3, N, D)
        fresh = spiral(dims["N"], gens[s]).to(dev)  # (N, 2) reference samples for the distance
        floor = energy_distance(spiral(dims["N"], gens[s]).to(dev), fresh)
        off = off_manifold(block, basis)  # (3,)
        noise_off = off_manifold(noise[3 * i], basis).item()
        proj = block @ basis  # (3, N, 2): coordinates in the data plane
        out[s] = {
            "off": dict(zip(PREDICTIONS, off.tolist())),
            "ed": {p: energy_distance(proj[k], fresh) for k, p in enumerate(PREDICTIONS)},
            "floor": floor, "noise_off": noise_off, "proj": proj, "fresh": fresh,
            "final_loss": sum(losses[-20:]) / len(losses[-20:]),
        }  # fmt: skip
    return out


def measure(demo: Demo, params: dict, preset: Size, dev: str, progress: Progress) -> dict[str, Any]:
    """Train and sample every (D, prediction, seed), then distances, plots and checks."""
    dims, timer = preset.dims, PhaseTimer(dev)
    seeds = run_seeds(params, preset)
    runs = {}
    with timer.phase("train_and_sample"):
        for k, d in enumerate(dims["Ds"]):
            progress(k, len(dims["Ds"]), f"D = {d}: training x, eps, v on {len(seeds)} seed(s)")
            tick = partial(_tick, progress, f"D = {d}: training")
            runs[d] = train_dimension(d, seeds, dims, params, dev, tick)
    progress(1, 1, "distances and plots")
    return _result(demo, params, preset, dev, timer, runs, seeds)


def _tick(progress: Progress, message: str, done: int, total: int) -> None:
    """Progress inside one training run."""
    progress(done, total, message)


def _result(demo, params, preset, dev, timer, runs, seeds) -> dict[str, Any]:
    """Summary, series, tables and checks from the per-(D, seed) measurements."""
    ds, top = list(preset.dims["Ds"]), max(preset.dims["Ds"])
    first = seeds[0]
    summary: dict[str, Any] = {"seeds_in_run": len(seeds)}
    for d in ds:
        r = runs[d][first]
        for p in PREDICTIONS:
            summary[f"off_manifold_{p}_D{d}"] = r["off"][p]
            summary[f"energy_distance_{p}_D{d}"] = r["ed"][p]
        summary[f"energy_distance_floor_D{d}"] = r["floor"]
        summary[f"off_manifold_of_pure_noise_D{d}"] = r["noise_off"]
    r = runs[top][first]
    summary["off_ratio_x_over_v"] = r["off"]["x"] / max(r["off"]["v"], 1e-30)
    summary["off_ratio_x_over_eps"] = r["off"]["x"] / max(r["off"]["eps"], 1e-30)

    off_lines = {
        f"{SHOWN[p]}-prediction": {"x": ds, "y": [runs[d][first]["off"][p] for d in ds]}
        for p in PREDICTIONS
    }
    off_lines["pure noise (reference)"] = {"x": ds, "y": [runs[d][first]["noise_off"] for d in ds]}
    series = {
        "off_manifold_by_D": plot("loglog", "ambient dimension D",
                                   "off-manifold energy E|(I - PP^T) x| (data units)", off_lines),
    }  # fmt: skip
    for d in ds:
        r = runs[d][first]
        for k, p in enumerate(PREDICTIONS):
            lines = {
                "data (fresh spiral)": _scatter(r["fresh"]),
                f"{SHOWN[p]}-prediction": _scatter(r["proj"][k]),
            }
            series[f"samples_{p}_D{d}"] = plot(
                "scatter", "P^T x, coordinate 1", "P^T x, coordinate 2", lines
            )
    tables = {
        "comparison": comparison_table(demo, runs[top][first], top),
        "by_dimension": table(
            f"Ours by ambient dimension (seed {first})",
            ["D", "off x", "off ε", "off v", "ED x", "ED ε", "ED v", "ED floor"],
            [
                [
                    d,
                    *[runs[d][first]["off"][p] for p in PREDICTIONS],
                    *[runs[d][first]["ed"][p] for p in PREDICTIONS],
                    runs[d][first]["floor"],
                ]
                for d in ds
            ],
            "off = mean norm of the sample's component outside the data plane; ED = energy "
            "distance of the in-plane coordinates to fresh spiral samples; floor = ED between two "
            "fresh spiral sets of the same size.",
        ),  # fmt: skip
    }
    env = env_record(device=dev, dtype="float32", seed=params["seed"], size=preset,
                     demo_version=demo.version)  # fmt: skip
    return {
        "summary": summary,
        "series": series,
        "tables": tables,
        "timings": timer.as_dict(),
        "env": env,
        "checks": _checks(runs, seeds, ds, top),
    }


def comparison_table(demo: Demo, r: dict, top: int) -> dict[str, Any]:
    """JiT's ImageNet FID (x-prediction) beside our off-manifold energy and ED at the largest D."""
    paper = {row[0]: row for row in demo.anchors["jit_fid"]["rows"]}
    fid = f"{paper['JiT-G/16'][2]} (256 px), {paper['JiT-G/32'][2]} (512 px)"
    fails = "can fail (abstract)"
    rows = [
        ["x", fid, r["off"]["x"], 1.0, r["ed"]["x"]],
        [
            "ε",
            fails,
            r["off"]["eps"],
            r["off"]["eps"] / max(r["off"]["x"], 1e-30),
            r["ed"]["eps"],
        ],
        ["v", fails, r["off"]["v"], r["off"]["v"] / max(r["off"]["x"], 1e-30), r["ed"]["v"]],
    ]
    return table(
        f"The paper (ImageNet) beside ours (spiral in D = {top})",
        ["prediction", "paper FID", "our off-manifold", "÷ x-pred.", "our in-plane ED"],
        rows,
        "Paper: JiT-G on ImageNet, FID-50K; with large patches ε- and v-prediction \"can fail "
        "catastrophically\" (abstract). FID and our distances have different units; the "
        "scale-free reading is the ordering: x-prediction stays on the data manifold, ε- and "
        "v-prediction do not. Off-manifold = E|(I - PP^T) x| of generated samples; ED = energy "
        "distance of their in-plane coordinates to fresh spiral samples.",
    )  # fmt: skip


def _checks(runs: dict, seeds: list[int], ds: list[int], top: int) -> list[dict[str, Any]]:
    """The claims: off-manifold ratios at the largest D on every seed; ED at D = 2 when run."""
    n = f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''} in this run"
    ratio_v = {
        s: (
            runs[top][s]["off"]["x"] / runs[top][s]["off"]["v"],
            runs[top][s]["off"]["x"] < RATIO_V * runs[top][s]["off"]["v"],
        )
        for s in seeds
    }
    ratio_eps = {s: (runs[top][s]["off"]["x"] / runs[top][s]["off"]["eps"],
                     runs[top][s]["off"]["x"] < RATIO_EPS * runs[top][s]["off"]["eps"])
                 for s in seeds}  # fmt: skip
    checks = [
        seed_check("off_manifold_x_vs_v",
                   f"At D = {top}, x-prediction leaves less than a tenth of v-prediction's "
                   f"energy off the data plane ({n})",
                   f"off(x) / off(v) < {RATIO_V}", ratio_v),
        seed_check("off_manifold_x_vs_eps",
                   f"At D = {top}, x-prediction leaves less than a hundredth of ε-prediction's "
                   f"energy off the data plane ({n})",
                   f"off(x) / off(ε) < {RATIO_EPS}", ratio_eps),
    ]  # fmt: skip
    if 2 in ds:
        per_seed = {s: (max(runs[2][s]["ed"].values()),
                        max(runs[2][s]["ed"].values()) < ED_MAX_D2) for s in seeds}  # fmt: skip
        checks.append(seed_check(
            "all_fit_at_D2", f"At D = 2 (no extra dimensions) every parameterisation fits the "
            f"spiral ({n})", f"max over x, ε, v of ED < {ED_MAX_D2}", per_seed))  # fmt: skip
    return checks


def _scatter(x: torch.Tensor) -> dict[str, list[float]]:
    """A scatter line of at most SCATTER_POINTS points."""
    return scatter_line(x, SCATTER_POINTS)
