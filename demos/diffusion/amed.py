"""AMED's mean-value time predictor, time-only variant: per-interval (r_i, c_i) fitted by search.

The official AMED predictor is a small network reading the step and U-Net bottleneck features
(Zhou et al. 2024, arXiv:2312.00094, Sec. 3.3); with no network here the coefficients depend on
the step only. For each interval, in order, pick (r, c) on a grid minimising the mean squared
distance between the AMED step and an accurate solution of that interval started from the
student's own x_i (design/demos.md §3.2).
"""

import torch

from demos.diffusion.samplers import Denoiser, amed_step, analytic_first_d, sample_heun, to_d
from demos.diffusion.schedules import refine_log

R_GRID = tuple(round(0.05 * k, 2) for k in range(1, 20))  # 0.05 .. 0.95, 19 values
C_GRID = tuple(round(0.90 + 0.01 * k, 2) for k in range(21))  # 0.90 .. 1.10, 21 values


@torch.no_grad()
def fit_amed_coefficients(
    denoiser: Denoiser,
    x: torch.Tensor,
    sigmas: torch.Tensor,
    *,
    first_step: str = "analytic",
    substeps: int = 200,
) -> tuple[list[float], list[float]]:
    """Greedy per-interval grid search of (r_i, c_i) on a training batch x (at sigmas[0])."""
    r_fit, c_fit = [], []
    c_grid = torch.tensor(C_GRID, dtype=x.dtype, device=x.device)[:, None, None]  # (C, 1, 1)
    for i in range(len(sigmas) - 1):
        s, s_next = sigmas[i], sigmas[i + 1]
        # teacher: Heun on `substeps` log-spaced substeps of this interval, from the student's x
        target = sample_heun(denoiser, x, refine_log(sigmas[i : i + 2], substeps))
        if i == 0 and first_step == "analytic":
            d = analytic_first_d(x, s)
        else:
            d = to_d(x, s, denoiser(x, s))
        best = (float("inf"), 0.5, 1.0)
        for r in R_GRID:
            t_mid = s_next**r * s ** (1 - r)
            x_mid = x + (t_mid - s) * d
            d_mid = to_d(x_mid, t_mid, denoiser(x_mid, t_mid))
            x_next = x[None] + c_grid * (s_next - s) * d_mid[None]  # (C, N, D) one per c
            loss = (x_next - target[None]).square().sum(-1).mean(-1)  # (C,)
            k = int(loss.argmin())
            if loss[k].item() < best[0]:
                best = (loss[k].item(), r, C_GRID[k])
        _, r, c = best
        r_fit.append(r)
        c_fit.append(c)
        x = amed_step(denoiser, x, d, s, s_next, r, c)  # the student moves on with its own step
    return r_fit, c_fit
