"""Noise-level schedules for the probability-flow ODE: EDM polynomial, logSNR-uniform, refinement.

Every schedule runs from sigma_max down to sigma_min and ends there (no final jump to 0), as
design/demos.md §3.1 requires. Schedules are float64 tensors of n points (n - 1 intervals).
"""

import math

import torch

SIGMA_MIN = 0.002
SIGMA_MAX = 80.0


def schedule_edm(
    n: int, sigma_min: float = SIGMA_MIN, sigma_max: float = SIGMA_MAX, rho: float = 7.0
) -> torch.Tensor:
    """EDM polynomial schedule, Karras et al. 2022 (arXiv:2206.00364), Eq. 5."""
    ramp = torch.linspace(0, 1, n, dtype=torch.float64)
    lo, hi = sigma_min ** (1 / rho), sigma_max ** (1 / rho)
    return (hi + ramp * (lo - hi)) ** rho


def schedule_logsnr(
    n: int, sigma_min: float = SIGMA_MIN, sigma_max: float = SIGMA_MAX
) -> torch.Tensor:
    """Uniform in log sigma (= uniform logSNR), DPM-Solver++ (arXiv:2211.01095), Sec. 3.3."""
    log_sigmas = torch.linspace(math.log(sigma_max), math.log(sigma_min), n, dtype=torch.float64)
    sigmas = log_sigmas.exp()
    sigmas[0], sigmas[-1] = sigma_max, sigma_min  # exact end points
    return sigmas


def refine_log(sigmas: torch.Tensor, substeps: int) -> torch.Tensor:
    """Split every interval of a schedule into `substeps` log-spaced substeps."""
    log_s = sigmas.log()
    frac = torch.linspace(0, 1, substeps + 1, dtype=sigmas.dtype, device=sigmas.device)[:-1]
    inner = log_s[:-1, None] + frac[None] * (log_s[1:] - log_s[:-1])[:, None]  # (n-1, S)
    return torch.cat([inner.flatten().exp(), sigmas[-1:]])


SCHEDULES = {"edm": schedule_edm, "logsnr": schedule_logsnr}
