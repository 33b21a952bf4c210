"""Demo D1: few-step diffusion samplers (AMED, iPNDM, DPM-Solver++, Heun, Euler = DDIM) on an exact
Gaussian-mixture denoiser.

Papers: AMED-Solver (arXiv:2312.00094, primary), DDIM (2010.02502), EDM (2206.00364),
DPM-Solver++ (2211.01095), iPNDM from DEIS (2204.13902). Claims: at 5 evaluations
FD(AMED) < FD(iPNDM) < FD(Euler) < FD(Heun) on every seed of the run, DDIM is exactly EDM's
Euler step, and Euler and Heun converge at orders 1 and 2. design/demos.md §3 and §3.10; the
result's tables, plots and checks are assembled in few_step_result.py.
"""

from functools import partial
from typing import Any

import torch

from demos.base import Demo, Progress, Size, run_seeds
from demos.common.metrics import frechet_distance, loglog_slope
from demos.common.timing import PhaseTimer
from demos.diffusion.amed import fit_amed_coefficients
from demos.diffusion.few_step_result import NAMES, ORDERING, SEED_NFE, _at, few_step_result
from demos.diffusion.gmm import denoise, mixture_random, sample_exact
from demos.diffusion.samplers import SAMPLERS, evaluations, intervals_for_nfe, sample_heun
from demos.diffusion.schedules import SCHEDULES, SIGMA_MAX, refine_log, schedule_edm

CONVERGENCE = ("euler", "heun", "dpmpp_2m", "ipndm")


def sampler_schedule(name: str, intervals: int, params: dict[str, Any]) -> torch.Tensor:
    """The sigma grid a sampler runs on: EDM rho for all but DPM-Solver++ (its own choice)."""
    if name == "dpmpp_2m":
        schedule = SCHEDULES[params["dpmpp_schedule"]]
        kw = {"rho": params["rho"]} if params["dpmpp_schedule"] == "edm" else {}
        return schedule(intervals + 1, **kw)
    return schedule_edm(intervals + 1, rho=params["rho"])


def seed_problem(dims: dict, seed: int, dev: str) -> dict[str, Any]:
    """One seed's problem: mixture and its exact denoiser, shared x_T, fit batch, exact samples."""
    cpu = partial(torch.Generator().manual_seed)
    g_eval, g_fit, g_exact = cpu(seed), cpu(seed + 1), cpu(seed + 2)
    mix = mixture_random(dims["D"], dims["K"], g_eval).to(dev)
    x_T = SIGMA_MAX * torch.randn(dims["N"], dims["D"], generator=g_eval, dtype=torch.float64)
    x_fit = SIGMA_MAX * torch.randn(dims["N_fit"], dims["D"], generator=g_fit, dtype=torch.float64)
    exact = sample_exact(mix, dims["N_exact"], g_exact)  # (N_exact, D)
    # the sampling floor: FD of N fresh exact samples, what FD reads for a perfect sampler
    floor = frechet_distance(sample_exact(mix, dims["N"], g_exact), exact)
    return {
        "denoiser": partial(denoise, mix), "x_T": x_T.to(dev), "x_fit": x_fit.to(dev),
        "exact": exact, "sampling_floor": floor,
    }  # fmt: skip


class Solver:
    """Runs any sampler of NAMES at an interval count, fitting AMED's coefficients on first use."""

    def __init__(self, problem: dict, params: dict, dims: dict, dev: str):
        self.problem, self.params, self.dims, self.dev = problem, params, dims, dev
        self.first_step = "analytic" if params["amed_analytic_first_step"] else "denoiser"
        self.amed: dict[int, tuple[list[float], list[float]]] = {}

    def coefficients(self, intervals: int) -> tuple[list[float], list[float]]:
        """AMED's fitted (r_i, c_i) for this interval count (fitted once, on the fit batch)."""
        if intervals not in self.amed:
            sig = sampler_schedule("amed", intervals, self.params).to(self.dev)
            self.amed[intervals] = fit_amed_coefficients(
                self.problem["denoiser"], self.problem["x_fit"], sig,
                first_step=self.first_step, substeps=self.dims["fit_substeps"],
            )  # fmt: skip
        return self.amed[intervals]

    def __call__(self, name: str, intervals: int, x: torch.Tensor) -> torch.Tensor:
        sig = sampler_schedule(name, intervals, self.params).to(self.dev)
        denoiser = self.problem["denoiser"]
        if name != "amed":
            return SAMPLERS[name](denoiser, x, sig)
        r, c = self.coefficients(intervals)
        return SAMPLERS["amed"](denoiser, x, sig, r=r, c=c, first_step=self.first_step)

    def at_nfe(self, name: str, nfe: int) -> tuple[int, torch.Tensor] | None:
        """(evaluations spent, samples) for a budget, or None where the sampler cannot meet it."""
        n = intervals_for_nfe(name, nfe)
        evals = evaluations(name, n, self.first_step)
        if evals < nfe:
            return None
        return evals, self(name, n, self.problem["x_T"])


def seed_point(solver: Solver, nfes: tuple[int, ...]) -> dict[int, dict[str, float]]:
    """FD to exact samples of each sampler in ORDERING at each NFE of `nfes` (one seed)."""
    out: dict[int, dict[str, float]] = {}
    for nfe in nfes:
        out[nfe] = {}
        for name in ORDERING:
            _, x = solver.at_nfe(name, nfe)
            out[nfe][name] = frechet_distance(x, solver.problem["exact"])
    return out


def measure(demo: Demo, params: dict, preset: Size, dev: str, progress: Progress) -> dict[str, Any]:
    """Main seed: reference, NFE sweep, convergence; every run seed: the NFE-3 and NFE-5 ordering."""
    dims = preset.dims
    timer = PhaseTimer(dev)
    seeds = run_seeds(params, preset)
    with timer.phase("problem"):
        main = seed_problem(dims, seeds[0], dev)
    solve = Solver(main, params, dims, dev)
    x_T, exact = main["x_T"], main["exact"]

    # ---- reference: Heun on the 18-point EDM grid, each interval refined ----
    grid = schedule_edm(18).to(dev)

    def on_step(i: int, x: torch.Tensor, sigma: torch.Tensor) -> None:
        if i % dims["ref_substeps"] == 0:
            progress(i // dims["ref_substeps"], 17, "reference solve")

    with timer.phase("reference"):
        x_ref = sample_heun(
            main["denoiser"], x_T, refine_log(grid, dims["ref_substeps"]), callback=on_step
        )
    fd_floor = frechet_distance(x_ref, exact)

    # ---- the NFE sweep for every sampler (AMED fitted per interval count on first use) ----
    fd_lines = {name: {"x": [], "y": []} for name in NAMES}
    l2_lines = {name: {"x": [], "y": []} for name in NAMES}
    final5 = {}
    with timer.phase("samplers"):
        for done, nfe in enumerate(dims["nfe"]):
            progress(done, len(dims["nfe"]), f"samplers at NFE {nfe}")
            for name in NAMES:
                point = solve.at_nfe(name, nfe)
                if point is None or point[0] in fd_lines[name]["x"]:
                    continue  # this budget is not reachable by this sampler
                evals, x = point
                fd_lines[name]["x"].append(evals)
                fd_lines[name]["y"].append(frechet_distance(x, exact))
                l2_lines[name]["x"].append(evals)
                l2_lines[name]["y"].append((x - x_ref).norm(dim=1).mean().item())
                if nfe == 5:
                    final5[name] = x

    # ---- convergence: truncation error against NFE on a sub-batch ----
    slopes = {}
    m = dims["convergence_samples"]
    with timer.phase("convergence"):
        for done, name in enumerate(CONVERGENCE):
            progress(done, len(CONVERGENCE), f"convergence of {name}")
            nfes = list(dims["convergence_nfe"])
            errs = []
            for nfe in nfes:
                x = solve(name, intervals_for_nfe(name, nfe), x_T[:m])
                errs.append((x - x_ref[:m]).norm(dim=1).mean().item())
            slopes[name] = loglog_slope(nfes, errs)
            l2_lines[name]["x"] += nfes
            l2_lines[name]["y"] += errs

    # ---- the ordering claim on every run seed (the main seed's sweep already has its points) ----
    per_seed = {seeds[0]: {k: {n: _at(fd_lines[n], _evals(solve, n, k)) for n in ORDERING}
                           for k in SEED_NFE}}  # fmt: skip
    floors = {seeds[0]: main["sampling_floor"]}
    with timer.phase("seeds"):
        for done, seed in enumerate(seeds[1:]):
            progress(done, len(seeds) - 1, f"ordering at seed {seed}")
            problem = seed_problem(dims, seed, dev)
            per_seed[seed] = seed_point(Solver(problem, params, dims, dev), SEED_NFE)
            floors[seed] = problem["sampling_floor"]
    progress(1, 1, "done")
    measured = {
        "fd_floor": fd_floor, "fd_lines": fd_lines, "l2_lines": l2_lines, "final5": final5,
        "exact": exact, "amed5": solve.coefficients(intervals_for_nfe("amed", 5)),
        "slopes": slopes, "first_step": solve.first_step, "per_seed": per_seed, "floors": floors,
    }  # fmt: skip
    return few_step_result(demo, params, preset, dev, timer, measured)


def _evals(solve: Solver, name: str, nfe: int) -> int:
    """Evaluations a sampler spends at an NFE budget (Heun: NFE + 1 at odd NFE)."""
    return evaluations(name, intervals_for_nfe(name, nfe), solve.first_step)
