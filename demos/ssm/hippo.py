"""Demo D8: HiPPO online Legendre projection (LegS, LegT) and S4's convolution = recurrence.

Papers: HiPPO (arXiv:2008.07669), S4 (2111.00396). Claim: LegS's reconstruction error falls with
N to a discretisation floor (MSE(64) < 1e-3 Var f), LegT's too (MSE(64) < 1e-3); LegS's
coefficients do not depend on the sampling rate (< 10 %), while LegT needs its window in time
units; S4's FFT convolution equals its recurrence (< 1e-4 in fp32). design/demos.md D8.
The algorithms live in legendre.py (LegS, LegT) and s4.py (kernel, convolution, recurrence).
"""

from functools import partial
from typing import Any

import torch

from demos.base import Demo, Progress, Size, run_seeds
from demos.common.timing import PhaseTimer, time_fn
from demos.ssm import legendre as leg
from demos.ssm import s4

F64 = torch.float64


def _signals(seeds: list[int], harmonics: int, variance: float):
    """One band-limited signal per seed (its own generator), stacked: f(u) for u in [0, 1]."""
    parts = [leg.band_limited(harmonics, 1, variance, torch.Generator().manual_seed(s))
             for s in seeds]  # fmt: skip
    coeffs = (torch.cat([a for a, _ in parts]), torch.cat([b for _, b in parts]))  # (S, H) each
    return partial(leg.evaluate, coeffs)  # times (X,) -> values (S, X)


def _mse(rec: torch.Tensor, true: torch.Tensor) -> list[float]:
    """Mean squared error per signal. rec, true: (S, X)."""
    return (rec - true).square().mean(1).tolist()


def _legs(f_cont, L: int, Ns: list[int], points: int) -> dict[str, Any]:
    """One LegS run at the largest N (A is lower triangular: the first N coefficients of it are
    the N-state run exactly), reconstruction MSE per N, online vs offline projection."""
    u = torch.arange(1, L + 1, dtype=F64) / L  # sample times in (0, 1]
    f = f_cont(u)  # (S, L)
    c = leg.legs_online(f, Ns[-1])[-1]  # (S, N_max) after the last sample
    mse = {N: _mse(leg.legs_reconstruct(c[:, :N], u), f) for N in Ns}
    n_ref = 64 if 64 in Ns else Ns[-1]
    ref = leg.legs_reference(f_cont, 1.0, n_ref, points)  # (S, n_ref)
    online_vs_ref = ((c[:, :n_ref] - ref).norm(dim=1) / ref.norm(dim=1)).tolist()
    return {"u": u, "f": f, "c": c, "mse": mse, "online_vs_ref": online_vs_ref, "n_ref": n_ref,
            "var": f.var(1).tolist()}  # fmt: skip


def _legt(f_cont, L: int, Ns: list[int], window: float) -> dict[str, Any]:
    """LegT with a window of `window` x L samples for every N: MSE over the window at the end."""
    theta = window * L  # samples
    u = torch.arange(1, L + 1, dtype=F64) / L
    f = f_cont(u)  # (S, L)
    last = u > 1 - window  # the samples inside the final window
    x = (u[last] - (1 - window)) / window  # (W,) in (0, 1], oldest to newest
    out = {"mse": {}, "rec": {}}
    for N in Ns:
        c = leg.legt_online(f, N, theta)[-1]  # (S, N)
        rec = leg.legt_reconstruct(c, x)  # (S, W)
        out["mse"][N] = _mse(rec, f[:, last])
        out["rec"][N] = rec[0]
    out["x_time"], out["true"] = u[last], f[0, last]
    return out


def _rates(f_cont, rates: tuple[int, int], N: int, window: float, L: int) -> dict[str, Any]:
    """The same continuous signal at two sampling rates: relative change of final coefficients
    for LegS, LegT with theta fixed in samples, and LegT with theta fixed in time units."""
    finals = {}
    for rate in rates:
        f = f_cont(torch.arange(1, rate + 1, dtype=F64) / rate)  # (S, rate)
        finals[rate] = {
            "legs": leg.legs_online(f, N)[-1],
            "legt_samples": leg.legt_online(f, N, window * L)[-1],  # the main run's theta
            "legt_time": leg.legt_online(f, N, window * rate)[-1],  # theta = window time units
        }
    lo, hi = finals[rates[0]], finals[rates[1]]
    return {k: ((lo[k] - hi[k]).norm(dim=1) / hi[k].norm(dim=1)).tolist() for k in lo}


def _s4(dims: dict, seed: int, dev: str) -> dict[str, Any]:
    """S4 channels: kernel by doubling vs powers, FFT convolution vs recurrence (fp32), timed."""
    H, N, L = dims["s4"]["H"], dims["s4"]["N"], dims["s4"]["L"]
    g = torch.Generator(device=dev).manual_seed(seed + 40_000)
    A_bar, B_bar, C = s4.ssm_params(H, N, g, dev, torch.float32)
    u = torch.randn(H, L, generator=g, device=dev)  # (H, L)
    K = s4.kernel(A_bar, B_bar, C, L)  # (H, L)
    K_ref = s4.kernel_reference(A_bar, B_bar, C, L)
    y_conv, y_rec = s4.conv_fft(K, u), s4.recurrence(A_bar, B_bar, C, u)
    reps = dims["s4_reps"]
    t_kernel = time_fn(lambda: s4.kernel(A_bar, B_bar, C, L), dev, **reps)["median_s"]
    t_conv = time_fn(lambda: s4.conv_fft(K, u), dev, **reps)["median_s"]
    t_rec = time_fn(lambda: s4.recurrence(A_bar, B_bar, C, u), dev, warmup=0, reps=1)["median_s"]
    return {
        "H": H, "N": N, "L": L,
        "conv_vs_rec": ((y_conv - y_rec).abs().max() / y_rec.abs().max()).item(),
        "kernel_vs_powers": ((K - K_ref).abs().max() / K_ref.abs().max()).item(),
        "kernel_ms": t_kernel * 1e3, "conv_ms": t_conv * 1e3, "rec_ms": t_rec * 1e3,
        "y_conv": y_conv[0].cpu(), "y_rec": y_rec[0].cpu(), "K": K[:3].cpu(),
    }  # fmt: skip


def measure(demo: Demo, params: dict, preset: Size, dev: str, progress: Progress) -> dict[str, Any]:
    """LegS and LegT against N, the sampling-rate test, S4 conv vs recurrence; then the report."""
    from demos.ssm.hippo_report import result  # tables, plots and checks

    dims = preset.dims
    timer = PhaseTimer(dev)
    seeds = run_seeds(params, preset)
    Ns = [n for n in (8, 16, 32, 64, 128, 256, 512) if n <= params["max_N"]]
    f_cont = _signals(seeds, params["harmonics"], dims["variance"])
    progress(0, 4, f"LegS online, N up to {Ns[-1]}, {len(seeds)} signals")
    with timer.phase("legs"):
        legs = _legs(f_cont, dims["L"], Ns, dims["ref_points"])
    progress(1, 4, f"LegT online, window {params['window']:g} of the signal")
    with timer.phase("legt"):
        legt = _legt(f_cont, dims["L"], Ns, params["window"])
    progress(2, 4, f"sampling rates {dims['rate_L'][0]} and {dims['rate_L'][1]}")
    with timer.phase("rates"):
        rates = _rates(f_cont, dims["rate_L"], dims["rate_N"], params["window"], dims["L"])
    progress(3, 4, "S4: convolution kernel against the recurrence")
    with timer.phase("s4"):
        s4_out = _s4(dims, seeds[0], dev)
    progress(4, 4, "done")
    measured = {"seeds": seeds, "Ns": Ns, "legs": legs, "legt": legt, "rates": rates,
                "s4": s4_out}  # fmt: skip
    return result(demo, params, preset, dev, timer, measured)
