"""Few-step ODE samplers, one function each, on the EDM (variance-exploding) parameterisation.

Shared signature, as in k-diffusion: `sample_<name>(denoiser, x, sigmas, *, callback=None) -> x`
with `denoiser(x, sigma) -> x0_hat` the only view of the model, `x` starting at sigmas[0] and the
result at sigmas[-1]. The ODE is dx/dsigma = d(x, sigma) = (x - D(x, sigma)) / sigma.
`callback(i, x, sigma)` sees every accepted point, including the last. design/demos.md §3.2.
"""

from collections.abc import Callable

import torch

Denoiser = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Callback = Callable[[int, torch.Tensor, torch.Tensor], None] | None


def to_d(x: torch.Tensor, sigma: torch.Tensor, denoised: torch.Tensor) -> torch.Tensor:
    """ODE derivative dx/dsigma = (x - D(x, sigma)) / sigma, Karras et al. 2022, Eq. 4."""
    return (x - denoised) / sigma


def _emit(callback: Callback, i: int, x: torch.Tensor, sigma: torch.Tensor) -> None:
    if callback is not None:
        callback(i, x, sigma)


@torch.no_grad()
def sample_euler(
    denoiser: Denoiser, x: torch.Tensor, sigmas: torch.Tensor, *, callback: Callback = None
) -> torch.Tensor:
    """Euler method on the EDM ODE, Karras et al. 2022 (arXiv:2206.00364), Alg. 1 without Heun."""
    for i in range(len(sigmas) - 1):
        _emit(callback, i, x, sigmas[i])
        d = to_d(x, sigmas[i], denoiser(x, sigmas[i]))
        x = x + (sigmas[i + 1] - sigmas[i]) * d  # Euler step
    _emit(callback, len(sigmas) - 1, x, sigmas[-1])
    return x


@torch.no_grad()
def sample_ddim(
    denoiser: Denoiser, x: torch.Tensor, sigmas: torch.Tensor, *, callback: Callback = None
) -> torch.Tensor:
    """Deterministic DDIM in its own VP epsilon form, Song et al. (arXiv:2010.02502), Eq. 12."""
    for i in range(len(sigmas) - 1):
        _emit(callback, i, x, sigmas[i])
        abar, abar_next = 1 / (1 + sigmas[i] ** 2), 1 / (1 + sigmas[i + 1] ** 2)
        z = abar.sqrt() * x  # VP latent z_t = sqrt(abar) x_sigma
        x0 = denoiser(x, sigmas[i])
        eps = (z - abar.sqrt() * x0) / (1 - abar).sqrt()  # predicted noise
        z_next = abar_next.sqrt() * x0 + (1 - abar_next).sqrt() * eps  # DDIM update
        x = z_next / abar_next.sqrt()  # back to the VE variable
    _emit(callback, len(sigmas) - 1, x, sigmas[-1])
    return x


@torch.no_grad()
def sample_heun(
    denoiser: Denoiser, x: torch.Tensor, sigmas: torch.Tensor, *, callback: Callback = None
) -> torch.Tensor:
    """Heun's 2nd-order method, Karras et al. 2022 (arXiv:2206.00364), Alg. 1 (deterministic)."""
    for i in range(len(sigmas) - 1):
        _emit(callback, i, x, sigmas[i])
        s, s_next = sigmas[i], sigmas[i + 1]
        d = to_d(x, s, denoiser(x, s))
        x_pred = x + (s_next - s) * d  # Euler predictor
        d_next = to_d(x_pred, s_next, denoiser(x_pred, s_next))
        x = x + (s_next - s) * (d + d_next) / 2  # 2nd-order correction (every interval)
    _emit(callback, len(sigmas) - 1, x, sigmas[-1])
    return x


@torch.no_grad()
def sample_dpmpp_2m(
    denoiser: Denoiser, x: torch.Tensor, sigmas: torch.Tensor, *, callback: Callback = None
) -> torch.Tensor:
    """DPM-Solver++(2M), Lu et al. 2022 (arXiv:2211.01095), Alg. 2; 1st order first and last."""
    n = len(sigmas) - 1
    x0_prev, h_prev = None, None
    for i in range(n):
        _emit(callback, i, x, sigmas[i])
        s, s_next = sigmas[i], sigmas[i + 1]
        x0 = denoiser(x, s)
        h = (s / s_next).log()  # step in logSNR / 2 (lambda = -log sigma)
        if x0_prev is None or i == n - 1:
            x0_eff = x0  # 1st-order (DDIM) step
        else:
            r = h_prev / h
            x0_eff = (1 + 1 / (2 * r)) * x0 - (1 / (2 * r)) * x0_prev  # 2nd-order multistep
        x = (s_next / s) * x + (1 - s_next / s) * x0_eff  # exact linear part, data prediction
        x0_prev, h_prev = x0, h
    _emit(callback, n, x, sigmas[-1])
    return x


IPNDM_COEFFS = (
    (1.0,),
    (3 / 2, -1 / 2),
    (23 / 12, -16 / 12, 5 / 12),
    (55 / 24, -59 / 24, 37 / 24, -9 / 24),
)


@torch.no_grad()
def sample_ipndm(
    denoiser: Denoiser,
    x: torch.Tensor,
    sigmas: torch.Tensor,
    *,
    callback: Callback = None,
    order: int = 4,
) -> torch.Tensor:
    """iPNDM: Adams-Bashforth on d with lower-order warm-up, Zhang & Chen (arXiv:2204.13902)."""
    history: list[torch.Tensor] = []  # newest first
    for i in range(len(sigmas) - 1):
        _emit(callback, i, x, sigmas[i])
        d = to_d(x, sigmas[i], denoiser(x, sigmas[i]))
        history = [d, *history][:order]
        coeffs = IPNDM_COEFFS[len(history) - 1]
        d_multi = sum(c * h for c, h in zip(coeffs, history))  # Adams-Bashforth combination
        x = x + (sigmas[i + 1] - sigmas[i]) * d_multi
    _emit(callback, len(sigmas) - 1, x, sigmas[-1])
    return x


def amed_step(
    denoiser: Denoiser,
    x: torch.Tensor,
    d: torch.Tensor,
    sigma: torch.Tensor,
    sigma_next: torch.Tensor,
    r: float,
    c: float,
) -> torch.Tensor:
    """One AMED step from the derivative d at (x, sigma), Zhou et al. (arXiv:2312.00094), Eq. 10."""
    t_mid = sigma_next**r * sigma ** (1 - r)  # mean-value time, geometric in sigma
    x_mid = x + (t_mid - sigma) * d  # Euler to the intermediate time
    d_mid = to_d(x_mid, t_mid, denoiser(x_mid, t_mid))
    return x + c * (sigma_next - sigma) * d_mid  # scaled mean-value step


def analytic_first_d(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """AMED's analytic first step: d ~ x / sqrt(1 + sigma^2) at sigma_max, no denoiser call."""
    return x / (1 + sigma**2).sqrt()


FIRST_STEPS = ("analytic", "denoiser")


@torch.no_grad()
def sample_amed(
    denoiser: Denoiser,
    x: torch.Tensor,
    sigmas: torch.Tensor,
    *,
    callback: Callback = None,
    r: list[float],
    c: list[float],
    first_step: str = "analytic",
) -> torch.Tensor:
    """AMED-Solver with per-interval (r_i, c_i), Zhou et al. 2024 (arXiv:2312.00094), Alg. 1."""
    if first_step not in FIRST_STEPS:
        raise ValueError(f"first_step must be one of {FIRST_STEPS}")
    for i in range(len(sigmas) - 1):
        _emit(callback, i, x, sigmas[i])
        if i == 0 and first_step == "analytic":
            d = analytic_first_d(x, sigmas[0])
        else:
            d = to_d(x, sigmas[i], denoiser(x, sigmas[i]))
        x = amed_step(denoiser, x, d, sigmas[i], sigmas[i + 1], r[i], c[i])
    _emit(callback, len(sigmas) - 1, x, sigmas[-1])
    return x


def intervals_for_nfe(name: str, nfe: int) -> int:
    """Intervals a sampler runs for an NFE budget: ceil(NFE / 2) for Heun and AMED, else NFE.

    Heun then spends NFE + 1 evaluations at odd NFE (design/demos.md §3.2); AMED spends 2 n - 1
    with its analytic first step (odd NFE exactly) and 2 n without it.
    """
    return (nfe + 1) // 2 if name in ("heun", "amed") else nfe


def evaluations(name: str, intervals: int, first_step: str = "analytic") -> int:
    """Denoiser evaluations a sampler spends on `intervals` intervals."""
    if name == "heun":
        return 2 * intervals
    if name == "amed":
        return 2 * intervals - (1 if first_step == "analytic" else 0)
    return intervals


SAMPLERS = {
    "euler": sample_euler,
    "ddim": sample_ddim,
    "heun": sample_heun,
    "dpmpp_2m": sample_dpmpp_2m,
    "ipndm": sample_ipndm,
    "amed": sample_amed,
}
