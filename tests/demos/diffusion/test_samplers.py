"""Samplers on the exact mixture denoiser: identities, evaluation counts, convergence orders.

The slope checks are design/demos.md §3.6's CPU unit test: D = 8, K = 4, N = 256 against a
~2,000-evaluation Heun reference.
"""

from functools import partial

import pytest
import torch

from demos.common.env import cpu_threads
from demos.common.metrics import loglog_slope
from demos.diffusion.amed import C_GRID, R_GRID, fit_amed_coefficients
from demos.diffusion.gmm import denoise, mixture_random
from demos.diffusion.samplers import (
    SAMPLERS,
    evaluations,
    intervals_for_nfe,
    sample_amed,
    sample_ddim,
    sample_dpmpp_2m,
    sample_euler,
    sample_heun,
    sample_ipndm,
)
from demos.diffusion.schedules import SIGMA_MAX, refine_log, schedule_edm, schedule_logsnr


@pytest.fixture(scope="module")
def problem():
    """Mixture D = 8, K = 4; N = 256 starting points; Heun reference on 17 x 60 substeps."""
    g = torch.Generator().manual_seed(0)
    mix = mixture_random(8, 4, g)
    x_T = SIGMA_MAX * torch.randn(256, 8, generator=g, dtype=torch.float64)
    denoiser = partial(denoise, mix)
    with cpu_threads("cpu", 1):
        ref = sample_heun(denoiser, x_T, refine_log(schedule_edm(18), 60))
    return denoiser, x_T, ref


class Counter:
    """A denoiser wrapper that counts evaluations."""

    def __init__(self, denoiser):
        self.denoiser, self.calls = denoiser, 0

    def __call__(self, x, sigma):
        self.calls += 1
        return self.denoiser(x, sigma)


@pytest.mark.parametrize("rho", [3.0, 7.0], ids=["rho3", "rho7"])
@pytest.mark.parametrize("n", [1, 3, 5, 10], ids=lambda n: f"n{n}")
def test_ddim_equals_euler(problem, n, rho):
    denoiser, x_T, _ = problem
    sigmas = schedule_edm(n + 1, rho=rho)
    euler = sample_euler(denoiser, x_T, sigmas)
    ddim = sample_ddim(denoiser, x_T, sigmas)
    assert ((ddim - euler).abs().max() / euler.abs().max().clamp_min(1)).item() < 1e-10


@pytest.mark.parametrize("name", list(SAMPLERS))
@pytest.mark.parametrize("nfe", [3, 4, 5, 6])
def test_evaluation_counts(problem, name, nfe):
    denoiser, x_T, _ = problem
    n = intervals_for_nfe(name, nfe)
    counter = Counter(denoiser)
    kw = {"r": [0.5] * n, "c": [1.0] * n} if name == "amed" else {}
    SAMPLERS[name](counter, x_T[:4], schedule_edm(n + 1), **kw)
    assert counter.calls == evaluations(name, n)
    assert evaluations(name, n) in (nfe - 1, nfe, nfe + 1)


def test_low_order_warm_up_identities(problem):
    denoiser, x_T, _ = problem
    s1, s2, s3 = schedule_edm(2), schedule_edm(3), schedule_edm(4)
    assert torch.equal(sample_ipndm(denoiser, x_T, s1), sample_euler(denoiser, x_T, s1))
    # DPM-Solver++(2M): first and last steps are 1st order, so 2 intervals = DDIM = Euler
    assert torch.allclose(sample_dpmpp_2m(denoiser, x_T, s2), sample_euler(denoiser, x_T, s2))
    assert not torch.allclose(sample_dpmpp_2m(denoiser, x_T, s3), sample_euler(denoiser, x_T, s3))
    # AMED with r = 0, c = 1 evaluates at the start point: an Euler step (with a spare call)
    amed = sample_amed(denoiser, x_T, s3, r=[0.0] * 3, c=[1.0] * 3, first_step="denoiser")
    assert torch.allclose(amed, sample_euler(denoiser, x_T, s3))
    with pytest.raises(ValueError):
        sample_amed(denoiser, x_T, s3, r=[0.5] * 3, c=[1.0] * 3, first_step="magic")


def _errors(problem, name, nfes, schedule=schedule_edm):
    denoiser, x_T, ref = problem
    errs = []
    for nfe in nfes:
        sigmas = schedule(intervals_for_nfe(name, nfe) + 1)
        with cpu_threads("cpu", 1):
            x = SAMPLERS[name](denoiser, x_T, sigmas)
        errs.append((x - ref).norm(dim=1).mean().item())
    return errs


NFES = [20, 40, 80, 160]


def test_euler_is_first_order(problem):
    assert -1.3 <= loglog_slope(NFES, _errors(problem, "euler", NFES)) <= -0.7


def test_heun_is_second_order(problem):
    assert -2.5 <= loglog_slope(NFES, _errors(problem, "heun", NFES)) <= -1.5


def test_dpmpp_2m_is_about_second_order_on_logsnr(problem):
    assert -2.6 <= loglog_slope(NFES, _errors(problem, "dpmpp_2m", NFES, schedule_logsnr)) <= -1.4


def test_ipndm_converges_faster_than_euler(problem):
    euler = loglog_slope(NFES, _errors(problem, "euler", NFES))
    ipndm = loglog_slope(NFES, _errors(problem, "ipndm", NFES))
    assert ipndm < euler - 1.0


def test_amed_fit_picks_grid_values_and_beats_euler(problem):
    denoiser, x_T, ref = problem
    g = torch.Generator().manual_seed(1)
    x_fit = SIGMA_MAX * torch.randn(128, 8, generator=g, dtype=torch.float64)
    sigmas = schedule_edm(4)  # 3 intervals = NFE 5 with the analytic first step
    with cpu_threads("cpu", 1):
        r, c = fit_amed_coefficients(denoiser, x_fit, sigmas, substeps=20)
        amed = sample_amed(denoiser, x_T, sigmas, r=r, c=c)
        euler = sample_euler(denoiser, x_T, schedule_edm(6))  # NFE 5
    assert len(r) == len(c) == 3 and set(r) <= set(R_GRID) and set(c) <= set(C_GRID)
    assert (amed - ref).norm(dim=1).mean() < (euler - ref).norm(dim=1).mean()
