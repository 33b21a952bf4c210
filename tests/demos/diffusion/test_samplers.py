"""Samplers on the exact mixture denoiser: identities, evaluation counts, convergence orders.

The slope checks are design/demos.md §3.6's CPU unit test: D = 8, K = 4, N = 256 against a
~2,000-evaluation Heun reference.
"""

from functools import partial

import pytest
import torch

from demos.common.env import cpu_threads
from demos.common.metrics import loglog_slope
from demos.diffusion.amed import C_RANGE, fit_amed_coefficients, golden_min, step_loss
from demos.diffusion.gmm import denoise, mixture_random
from demos.diffusion.samplers import (
    SAMPLERS,
    amed_step,
    evaluations,
    intervals_for_nfe,
    sample_amed,
    sample_ddim,
    sample_dpmpp_2m,
    sample_euler,
    sample_heun,
    sample_ipndm,
    to_d,
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


def test_amed_fit_stays_in_range_and_beats_euler(problem):
    denoiser, x_T, ref = problem
    g = torch.Generator().manual_seed(1)
    x_fit = SIGMA_MAX * torch.randn(128, 8, generator=g, dtype=torch.float64)
    sigmas = schedule_edm(4)  # 3 intervals = NFE 5 with the analytic first step
    with cpu_threads("cpu", 1):
        r, c = fit_amed_coefficients(denoiser, x_fit, sigmas, substeps=20)
        amed = sample_amed(denoiser, x_T, sigmas, r=r, c=c)
        euler = sample_euler(denoiser, x_T, schedule_edm(6))  # NFE 5
    assert len(r) == len(c) == 3
    assert all(0 <= v <= 1 for v in r) and all(C_RANGE[0] <= v <= C_RANGE[1] for v in c)
    assert (amed - ref).norm(dim=1).mean() < (euler - ref).norm(dim=1).mean()


def test_amed_fit_is_as_good_as_a_fine_grid_search(problem):
    """The coarse grid + golden section reaches the loss of a 0.005-spaced brute-force search."""
    denoiser, _, _ = problem
    g = torch.Generator().manual_seed(2)
    x = SIGMA_MAX * torch.randn(64, 8, generator=g, dtype=torch.float64)
    sigmas = schedule_edm(3)
    s, s_next = sigmas[0], sigmas[1]
    target = sample_heun(denoiser, x, refine_log(sigmas[:2], 20))
    d = to_d(x, s, denoiser(x, s))
    with cpu_threads("cpu", 1):
        r, c = fit_amed_coefficients(denoiser, x, sigmas, first_step="denoiser", substeps=20)
        fitted = step_loss(denoiser, x, d, s, s_next, target, r[0])[0]
        brute = min(step_loss(denoiser, x, d, s, s_next, target, k / 200)[0] for k in range(201))
    assert fitted <= brute * (1 + 1e-3)


@pytest.mark.parametrize(
    "target_c,expected", [(1.0, 1.0), (1.005, 1.005), (1.3, C_RANGE[1]), (0.5, C_RANGE[0])],
    ids=["c=1", "c=1.005 inside", "c=1.3 clipped", "c=0.5 clipped"],
)  # fmt: skip
def test_step_loss_solves_c_in_closed_form_and_clips(problem, target_c, expected):
    denoiser, _, _ = problem
    g = torch.Generator().manual_seed(3)
    x = SIGMA_MAX * torch.randn(32, 8, generator=g, dtype=torch.float64)
    sigmas = schedule_edm(3)
    s, s_next = sigmas[0], sigmas[1]
    d = to_d(x, s, denoiser(x, s))
    r = 0.3
    target = amed_step(denoiser, x, d, s, s_next, r, target_c)  # exactly reachable at target_c
    loss, c = step_loss(denoiser, x, d, s, s_next, target, r)
    assert c == pytest.approx(expected, abs=1e-9)
    assert (loss < 1e-18) == (target_c == expected)


@pytest.mark.parametrize("lo,hi,best", [(0.0, 1.0, 0.3), (0.0, 0.1, 0.02), (0.5, 0.9, 0.5)],
                         ids=["interior", "narrow bracket", "at the edge"])  # fmt: skip
def test_golden_section_finds_a_parabola_minimum(lo, hi, best):
    assert golden_min(lambda r: (r - best) ** 2, lo, hi, 40) == pytest.approx(best, abs=1e-6)
