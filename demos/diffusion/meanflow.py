"""Demo D3: one-step MeanFlow against flow matching on 2-D toy data.

Papers: MeanFlow, Geng et al. (arXiv:2505.13447); flow matching, Lipman et al. (2210.02747) as
the baseline. Both are trained in one stack of identical MLPs (one FM and one MeanFlow model per
seed) and sampled with 1, 2 and 8 steps; the energy distance to fresh data is compared with the
finite-sample floor. Claim: at one step MeanFlow's distance is a fraction of flow matching's.
Algorithm: demos/diffusion/meanflow_algo.py. Sizes and claims: design/demos.md §5 D3.
"""

from typing import Any

import torch

from demos.base import Demo, Progress, Size, run_seeds, seed_check, table
from demos.common.env import env_record
from demos.common.metrics import energy_distance
from demos.common.series import plot, scatter_line
from demos.common.timing import PhaseTimer
from demos.diffusion.meanflow_algo import sample, sample_times, train
from demos.diffusion.toy_data import DATASETS, batch_generator
from demos.diffusion.toy_mlp import init_stack

METHODS = ("fm", "meanflow")
LABEL = {"fm": "flow matching", "meanflow": "MeanFlow"}
FM_RATIO = {"fm": 1.0, "meanflow": 0.75}  # share of samples with r = t (MeanFlow §4.3: 75 %)
POWER = {"fm": 0.0, "meanflow": 1.0}  # adaptive-weight exponent p (0: plain MSE, as in FM)
SCATTER_POINTS = 600


def train_dataset(name: str, seeds: list[int], dims: dict, params: dict, dev: str, tick) -> dict:
    """Train FM and MeanFlow for every seed on one data set (one stack); sample and measure."""
    methods = METHODS * len(seeds)  # model m = (seed m // 2, method m % 2)
    gens = {s: torch.Generator().manual_seed(s * 7919 + len(name)) for s in seeds}
    sizes = [4] + [dims["width"]] * (dims["depth"] - 1) + [2]  # input (z, t, t - r)
    parts = [init_stack(len(METHODS), sizes, gens[s]) for s in seeds]
    weights = [torch.cat(p).to(dev).detach().requires_grad_() for p in zip(*parts)]
    fm_ratio = torch.tensor([FM_RATIO[m] for m in METHODS])
    power = torch.tensor([POWER[m] for m in methods], device=dev)
    data, batch, k = DATASETS[name], dims["batch"], len(METHODS)
    draw_gens = {s: batch_generator(gens[s], dev, s + len(name)) for s in seeds}

    def draw():
        out = []
        for s in seeds:  # each seed's models draw from that seed's own stream
            g = draw_gens[s]
            x = data(k * batch, g).view(k, batch, 2)  # (2, B, 2)
            eps = torch.randn(k, batch, 2, generator=g, device=g.device)
            r, t = sample_times(k, batch, fm_ratio, g)  # (2, B, 1) each
            out.append((x, eps, r, t))
        return tuple(torch.cat(z).to(dev) for z in zip(*out))  # (M, B, .)

    steps = round(dims["steps"] * params["train_steps_scale"])
    every = max(1, steps // 10)
    train(weights, draw, power, steps=steps, lr=dims["lr"],
          on_step=lambda i: tick(i + 1, steps) if (i + 1) % every == 0 else None)  # fmt: skip
    result = {}
    for i, s in enumerate(seeds):
        noise = torch.randn(dims["N"], 2, generator=gens[s])  # the same noise for both methods
        fresh = data(dims["N"], gens[s]).to(dev)  # (N, 2) reference samples
        floor = energy_distance(data(dims["N"], gens[s]).to(dev), fresh)  # distances on the device
        block = [w[2 * i : 2 * i + 2] for w in weights]  # this seed's FM and MeanFlow models
        gen = {n: sample(block, noise.expand(k, -1, -1).to(dev), n) for n in dims["nfe"]}
        result[s] = {
            "ed": {m: {n: energy_distance(gen[n][j], fresh) for n in dims["nfe"]}
                   for j, m in enumerate(METHODS)},
            "floor": floor, "fresh": fresh, "one_step": {m: gen[1][j] for j, m in enumerate(METHODS)},
        }  # fmt: skip
    return result


def measure(demo: Demo, params: dict, preset: Size, dev: str, progress: Progress) -> dict[str, Any]:
    """Train and sample every data set, then distances, plots and checks."""
    dims, timer = preset.dims, PhaseTimer(dev)
    seeds = run_seeds(params, preset)
    names = dims["datasets"] if "dataset" not in params else (params["dataset"],)
    runs = {}
    with timer.phase("train_and_sample"):
        for j, name in enumerate(names):
            progress(j, len(names), f"{name}: training FM and MeanFlow on {len(seeds)} seed(s)")

            def tick(done: int, total: int, name: str = name) -> None:
                progress(done, total, f"{name}: training")

            runs[name] = train_dataset(name, seeds, dims, params, dev, tick)
    progress(1, 1, "distances and plots")
    return _result(demo, params, preset, dev, timer, runs, seeds)


def _result(demo, params, preset, dev, timer, runs, seeds) -> dict[str, Any]:
    """Summary, series, tables and checks from the per-(data set, seed) measurements."""
    nfe, first = list(preset.dims["nfe"]), seeds[0]
    summary: dict[str, Any] = {"seeds_in_run": len(seeds)}
    series: dict[str, Any] = {}
    for name, per_seed in runs.items():
        r = per_seed[first]
        for m in METHODS:
            for n in nfe:
                summary[f"ed_{m}_{n}step_{name}"] = r["ed"][m][n]
        summary[f"ed_floor_{name}"] = r["floor"]
        summary[f"ed_ratio_meanflow_fm_1step_{name}"] = r["ed"]["meanflow"][1] / r["ed"]["fm"][1]
        lines = {LABEL[m]: {"x": nfe, "y": [r["ed"][m][n] for n in nfe]} for m in METHODS}
        lines["finite-sample floor"] = {"x": nfe, "y": [r["floor"]] * len(nfe)}
        series[f"energy_distance_vs_steps_{name}"] = plot(
            "loglog", "sampling steps (network evaluations)", "energy distance to data", lines
        )
        points = {"data": _scatter(r["fresh"])}
        points |= {f"{LABEL[m]}, 1 step": _scatter(r["one_step"][m]) for m in METHODS}
        series[f"samples_1step_{name}"] = plot("scatter", "x_1", "x_2", points)
    tables = {"comparison": comparison_table(demo, runs, first, nfe)}
    tables["by_steps"] = table(
        f"Ours: energy distance to fresh data by sampling steps (seed {first})",
        ["data set", "method", *[f"{n} step(s)" for n in nfe], "floor"],
        [[name, LABEL[m], *[r[first]["ed"][m][n] for n in nfe], r[first]["floor"]]
         for name, r in runs.items() for m in METHODS],
        "floor = energy distance between two fresh sample sets of the same size: no model can be "
        "told apart from the data below it.",
    )  # fmt: skip
    env = env_record(device=dev, dtype="float32", seed=params["seed"], size=preset,
                     demo_version=demo.version)  # fmt: skip
    return {
        "summary": summary,
        "series": series,
        "tables": tables,
        "timings": timer.as_dict(),
        "env": env,
        "checks": _checks(runs, seeds, preset.dims["claims"]),
    }


def comparison_table(demo: Demo, runs: dict, first: int, nfe: list[int]) -> dict[str, Any]:
    """MeanFlow's ImageNet FID at 1 and 2 steps beside our energy distances, with step ratios."""
    anchor = {row[0]: row for row in demo.anchors["meanflow_fid"]["rows"]}
    rows = []
    for name, r in runs.items():
        ed = r[first]["ed"]
        for n in nfe:
            paper = anchor.get(str(n))
            fid = paper[1] if paper else None
            fid_rel = f"{float(fid) / float(anchor['1'][1]):.2f}" if fid else None
            rows.append([name, n, fid, fid_rel, ed["meanflow"][n], ed["meanflow"][n] / ed["meanflow"][1],
                         ed["fm"][n], ed["meanflow"][n] / ed["fm"][n]])  # fmt: skip
    return table(
        "The paper (ImageNet 256) beside ours (2-D toy), by sampling steps",
        ["data", "steps", "paper FID", "paper ÷ 1 step", "ED MeanFlow", "ours ÷ 1 step", "ED FM",
         "MF ÷ FM"],
        rows,
        "Paper: MeanFlow-XL/2, ImageNet 256, FID-50K. FID and energy distance (ED) have "
        "different units; the scale-free columns are each value relative to its own one-step "
        "value, and MeanFlow relative to flow matching (FM) at the same step count. The "
        "finite-sample floor is in the next table.",
    )  # fmt: skip


def _checks(runs: dict, seeds: list[int], claims: dict) -> list[dict[str, Any]]:
    """One-step MeanFlow against one-step FM (and the floor, where the size asserts it)."""
    checks, n = [], f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''} in this run"
    for name, r in runs.items():
        ratio = {s: (r[s]["ed"]["meanflow"][1] / r[s]["ed"]["fm"][1],
                     r[s]["ed"]["meanflow"][1] < claims["vs_fm"] * r[s]["ed"]["fm"][1])
                 for s in seeds}  # fmt: skip
        checks.append(seed_check(
            f"one_step_vs_fm_{name}",
            f"{name}: one-step MeanFlow beats one-step flow matching by a factor of "
            f"{1 / claims['vs_fm']:g} in energy distance ({n})",
            f"ED_1(MeanFlow) / ED_1(FM) < {claims['vs_fm']}", ratio))  # fmt: skip
        if claims.get("vs_floor"):
            floor = {s: (r[s]["ed"]["meanflow"][1] / r[s]["floor"],
                         r[s]["ed"]["meanflow"][1] < claims["vs_floor"] * r[s]["floor"])
                     for s in seeds}  # fmt: skip
            checks.append(seed_check(
                f"one_step_near_floor_{name}",
                f"{name}: one-step MeanFlow is within {claims['vs_floor']:g}x the finite-sample "
                f"floor ({n})", f"ED_1(MeanFlow) / floor < {claims['vs_floor']}", floor))  # fmt: skip
    return checks


def _scatter(x: torch.Tensor) -> dict[str, list[float]]:
    """A scatter line of at most SCATTER_POINTS points."""
    return scatter_line(x, SCATTER_POINTS)
