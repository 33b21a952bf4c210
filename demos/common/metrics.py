"""Distribution distances and fits shared by demos: Frechet distance, energy distance, slopes."""

import math

import torch


def frechet_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    """Frechet distance between Gaussian fits of two sample sets (the FID formula), in float64.

    Args:
        x: (N, D) samples; y: (M, D) samples.
    """
    x, y = x.double(), y.double()
    mu_x, mu_y = x.mean(0), y.mean(0)
    cov_x, cov_y = torch.cov(x.T), torch.cov(y.T)  # (D, D)
    # tr sqrt(C_x^1/2 C_y C_x^1/2) from the eigenvalues of a symmetric PSD matrix
    evals, evecs = torch.linalg.eigh(cov_x)
    half = evecs @ torch.diag(evals.clamp_min(0).sqrt()) @ evecs.T  # (D, D)
    middle = torch.linalg.eigvalsh(half @ cov_y @ half).clamp_min(0).sqrt().sum()
    fd = (mu_x - mu_y).square().sum() + cov_x.trace() + cov_y.trace() - 2 * middle
    return max(fd.item(), 0.0)


def energy_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    """Energy distance 2 E|X-Y| - E|X-X'| - E|Y-Y'| (Szekely), V-statistic form, float64."""
    x, y = x.double(), y.double()
    xy = torch.cdist(x, y).mean()
    xx = torch.cdist(x, x).mean()
    yy = torch.cdist(y, y).mean()
    return (2 * xy - xx - yy).item()


def loglog_slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log(y) against log(x): the empirical order of convergence."""
    lx = torch.tensor([math.log(v) for v in xs], dtype=torch.float64)
    ly = torch.tensor([math.log(v) for v in ys], dtype=torch.float64)
    lx, ly = lx - lx.mean(), ly - ly.mean()
    return (lx @ ly / (lx @ lx)).item()


def z_score(samples: torch.Tensor) -> tuple[float, float, float]:
    """Mean, standard error and z = mean / SE of a 1-D sample."""
    samples = samples.double().flatten()
    mean = samples.mean().item()
    se = (samples.std() / math.sqrt(samples.numel())).item()
    return mean, se, (mean / se if se > 0 else 0.0)
