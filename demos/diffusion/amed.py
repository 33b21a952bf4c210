"""AMED's mean-value time predictor, time-only variant: per-interval (r_i, c_i) fitted by search.

The official AMED predictor is a small network reading the step and U-Net bottleneck features
(Zhou et al. 2024, arXiv:2312.00094, Sec. 3.3); with no network here the coefficients depend on
the step only. For each interval, in order, pick (r, c) minimising the mean squared distance
between the AMED step and an accurate solution of that interval started from the student's own
x_i (design/demos.md §3.2, §3.10): r on the whole of [0, 1] (a coarse grid, then golden-section
refinement: the optimum often lies below 0.05, where the old 0.05 grid cut it off), and c in
closed form (the loss is quadratic in c) clipped to the official range [0.99, 1.01]
(zju-pi/diff-sampler: c = sigmoid(.) / 50 + 0.99).
"""

import math

import torch

from demos.diffusion.samplers import Denoiser, amed_step, analytic_first_d, sample_heun, to_d
from demos.diffusion.schedules import refine_log

R_COARSE = tuple((k + 0.5) / 20 for k in range(20))  # 0.025 .. 0.975, then refined
R_REFINE_STEPS = 14  # golden-section steps: bracket 0.1 -> 0.1 * 0.618^14 ~ 1e-4
C_RANGE = (0.99, 1.01)  # official direction-scale range
GOLDEN = (math.sqrt(5) - 1) / 2


def step_loss(
    denoiser: Denoiser,
    x: torch.Tensor,
    d: torch.Tensor,
    s: torch.Tensor,
    s_next: torch.Tensor,
    target: torch.Tensor,
    r: float,
) -> tuple[float, float]:
    """(loss, c) of the AMED step with mean-value time r: c minimises it in closed form, clipped.

    Args:
        x, d, target: (N, D) state, derivative at (x, s), accurate solution at s_next.
    """
    t_mid = s_next**r * s ** (1 - r)
    x_mid = x + (t_mid - s) * d
    delta = (s_next - s) * to_d(x_mid, t_mid, denoiser(x_mid, t_mid))  # (N, D) step for c = 1
    resid = target - x  # (N, D)
    c = ((resid * delta).sum() / delta.square().sum()).item()  # argmin of a quadratic in c
    c = min(max(c, C_RANGE[0]), C_RANGE[1])
    loss = (x + c * delta - target).square().sum(-1).mean().item()
    return loss, c


def golden_min(f, lo: float, hi: float, steps: int) -> float:
    """Golden-section search of a unimodal f on [lo, hi]; returns the best point it evaluated."""
    a, b = lo, hi
    x1, x2 = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    f1, f2 = f(x1), f(x2)
    for _ in range(steps):
        if f1 <= f2:
            b, x2, f2 = x2, x1, f1
            x1 = b - GOLDEN * (b - a)
            f1 = f(x1)
        else:
            a, x1, f1 = x1, x2, f2
            x2 = a + GOLDEN * (b - a)
            f2 = f(x2)
    return x1 if f1 <= f2 else x2


@torch.no_grad()
def fit_amed_coefficients(
    denoiser: Denoiser,
    x: torch.Tensor,
    sigmas: torch.Tensor,
    *,
    first_step: str = "analytic",
    substeps: int = 200,
) -> tuple[list[float], list[float]]:
    """Greedy per-interval fit of (r_i, c_i) on a training batch x (at sigmas[0])."""
    r_fit, c_fit = [], []
    for i in range(len(sigmas) - 1):
        s, s_next = sigmas[i], sigmas[i + 1]
        # teacher: Heun on `substeps` log-spaced substeps of this interval, from the student's x
        target = sample_heun(denoiser, x, refine_log(sigmas[i : i + 2], substeps))
        if i == 0 and first_step == "analytic":
            d = analytic_first_d(x, s)
        else:
            d = to_d(x, s, denoiser(x, s))
        seen: dict[float, tuple[float, float]] = {}

        def loss(r: float, x=x, d=d, s=s, s_next=s_next, target=target, seen=seen) -> float:
            if r not in seen:
                seen[r] = step_loss(denoiser, x, d, s, s_next, target, r)
            return seen[r][0]

        best = min(R_COARSE, key=loss)
        half = 0.5 / len(R_COARSE)  # the coarse grid's half spacing: bracket one cell each side
        r = golden_min(loss, max(0.0, best - 2 * half), min(1.0, best + 2 * half), R_REFINE_STEPS)
        r = min(seen, key=lambda k: seen[k][0])  # never worse than the best coarse point
        c = seen[r][1]
        r_fit.append(r)
        c_fit.append(c)
        x = amed_step(denoiser, x, d, s, s_next, r, c)  # the student moves on with its own step
    return r_fit, c_fit
