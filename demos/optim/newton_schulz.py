"""Demo D6: Muon's Newton-Schulz orthogonalisation (quintic NS5) against the cubic iteration and
the SVD.

Paper: Moonlight, "Muon is Scalable for LLM Training" (arXiv:2502.16982); the iteration is Keller
Jordan's `zeropower_via_newtonschulz5`. Claim: five quintic steps in bf16 put every singular value
of a Gaussian matrix of aspect >= 4/3 in [0.5, 1.5] (>= 95 % of them for a square one), the cubic
iteration is far from converged after five steps, bf16 and fp32 agree, and the iteration is the
scalar map phi applied to the singular values. design/demos.md D6.
"""

from collections.abc import Iterator
from typing import Any

import torch

from demos.base import Demo, Progress, Size, run_seeds
from demos.common.timing import PhaseTimer, time_fn
from demos.specs.newton_schulz import ASPECTS

QUINTIC = (3.4445, -4.7750, 2.0315)  # Muon's (a, b, c): largest slope at 0, not convergence to 1
CUBIC = (1.5, -0.5, 0.0)  # classic Newton-Schulz: fixed point 1, slow for small singular values
METHODS = {"quintic": QUINTIC, "cubic": CUBIC}
DTYPES = {
    "bf16": torch.bfloat16,
    "fp32": torch.float32,
    "float32": torch.float32,
    "float64": torch.float64,
}
BAND = (0.5, 1.5)
EPS = 1e-7  # as in the reference code: keeps a zero matrix finite


def _matmul(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """x @ y as a bf16 GEMM computes it: fp32 accumulation, output rounded to x's dtype.

    On CPUs without native bf16 matrix instructions (no AVX512-BF16 or AMX) PyTorch's bf16
    matmul is about 50x slower than fp32 (129 against 2.5 ms for 256x1024x256 on the CI VM),
    which made the smoke run take 30 s instead of 5. The operands are already bf16, so an fp32
    GEMM of them rounded once to bf16 is what the bf16 GEMM computes, up to summation order.
    """
    if x.device.type == "cpu" and x.dtype == torch.bfloat16:
        return (x.float() @ y.float()).to(x.dtype)
    return x @ y


def newton_schulz_iterates(
    G: torch.Tensor, steps: int, coeffs: tuple[float, float, float], dtype: torch.dtype
) -> Iterator[torch.Tensor]:
    """X after each Newton-Schulz step (Jordan's zeropower_via_newtonschulz5; 2502.16982 Alg. 1).

    Args:
        G: (m, n) matrix (a gradient or momentum); any float dtype.
    """
    a, b, c = coeffs
    X = G.to(dtype)
    tall = X.shape[-2] > X.shape[-1]
    if tall:
        X = X.mT  # (n, m): rows <= columns, so the Gram matrix X X^T is the small one
    X = X / (X.norm() + EPS)  # spectral norm <= Frobenius norm = 1: inside phi's basin
    for _ in range(steps):
        A = _matmul(X, X.mT)  # (r, r), r = min(m, n)
        B = b * A + c * _matmul(A, A) if c else b * A  # (r, r): b A + c A^2
        X = a * X + _matmul(B, X)  # (r, c): a X + b X X^T X + c (X X^T)^2 X = U phi(S) V^T
        yield X.mT if tall else X


def newton_schulz(
    G: torch.Tensor,
    steps: int,
    coeffs: tuple[float, float, float] = QUINTIC,
    dtype: torch.dtype = torch.bfloat16,
) -> torch.Tensor:
    """`steps` Newton-Schulz steps on G/||G||_F: approximately U V^T (2502.16982, Muon)."""  # fmt: skip
    X = G.to(dtype)
    for X in newton_schulz_iterates(G, steps, coeffs, dtype):  # noqa: B007  keep the last
        pass
    return X


def phi(s: torch.Tensor, coeffs: tuple[float, float, float]) -> torch.Tensor:
    """The scalar map one step applies to every singular value: a s + b s^3 + c s^5."""
    a, b, c = coeffs
    return a * s + b * s**3 + c * s**5


def newton_schulz_reference(
    G: torch.Tensor, steps: int, coeffs: tuple[float, float, float]
) -> torch.Tensor:
    """Obviously-correct NS in float64: U phi^steps(S / ||G||_F) V^T from the SVD of G."""
    U, S, Vh = torch.linalg.svd(G.double(), full_matrices=False)  # (m, r), (r,), (r, n)
    s = S / (S.square().sum().sqrt() + EPS)  # ||G||_F = sqrt(sum S^2)
    for _ in range(steps):
        s = phi(s, coeffs)
    return (U * s) @ Vh  # (m, n)


def polar_factor(G: torch.Tensor) -> torch.Tensor:
    """The exact orthogonalisation U V^T (the limit NS approximates), from the SVD."""
    U, _, Vh = torch.linalg.svd(G, full_matrices=False)  # (m, r), (r, n)
    return U @ Vh


def ns_flops(m: int, n: int, steps: int, coeffs: tuple[float, float, float]) -> int:
    """Matmul FLOPs of `steps` NS steps on (m, n): X X^T, A^2 (quintic only), B X."""
    r, k = min(m, n), max(m, n)
    per_step = 2 * r * r * k * 2 + (2 * r**3 if coeffs[2] else 0)
    return steps * per_step


def gaussian(m: int, n: int, g: torch.Generator, device: str) -> torch.Tensor:
    """An (m, n) standard Gaussian matrix in float32: a stand-in for a random gradient."""
    return torch.randn(m, n, generator=g, device=device)


def low_rank(
    m: int, n: int, rank: int, noise: float, g: torch.Generator, device: str
) -> torch.Tensor:
    """A gradient-like matrix: rank-`rank` product plus `noise` times its RMS in Gaussian noise."""
    L = torch.randn(m, rank, generator=g, device=device) @ torch.randn(
        rank, n, generator=g, device=device
    )  # (m, n) of rank `rank`
    return L + noise * L.square().mean().sqrt() * torch.randn(m, n, generator=g, device=device)


def singular_values(X: torch.Tensor) -> torch.Tensor:
    """Singular values of X as sqrt(eig(X X^T)) of the small Gram matrix: cheaper than an SVD."""
    X = X.float()
    gram = X @ X.mT if X.shape[-2] <= X.shape[-1] else X.mT @ X  # (r, r), r = min(m, n)
    return torch.linalg.eigvalsh(gram.double()).clamp_min(0).sqrt()  # (r,) ascending


def spectrum(X: torch.Tensor, target: torch.Tensor | None = None) -> dict[str, Any]:
    """Singular values of X, the share inside [0.5, 1.5], and the distance to U V^T if given."""
    s = singular_values(X)
    dist = None
    if target is not None:
        dist = ((X.to(target.dtype) - target).norm() / target.norm()).item()
    inside = ((s >= BAND[0]) & (s <= BAND[1])).double().mean().item()
    return {"s": s.cpu(), "min": s.min().item(), "max": s.max().item(), "inside": inside,
            "distance": dist}  # fmt: skip


# ---- the demo: per-seed claims, the grid on the first seed, timing ----


def _per_seed(dims: dict, steps: int, aspect: float, seed: int, dev: str) -> dict[str, Any]:
    """The claim configurations on one seed: wide quintic bf16/fp32, cubic; square quintic."""
    g = torch.Generator(device=dev).manual_seed(seed)
    m = dims["rows"]
    wide = gaussian(m, round(aspect * m), g, dev)  # (m, aspect m)
    square = gaussian(dims["square"], dims["square"], g, dev)  # (q, q)
    return {
        "wide": wide,
        "quintic_bf16": spectrum(newton_schulz(wide, steps, QUINTIC, torch.bfloat16)),
        "quintic_fp32": spectrum(newton_schulz(wide, steps, QUINTIC, torch.float32)),
        # the cubic's shortfall does not depend on the dtype (the grid shows bf16 too)
        "cubic_fp32": spectrum(newton_schulz(wide, steps, CUBIC, torch.float32)),
        "square_bf16": spectrum(newton_schulz(square, steps, QUINTIC, torch.bfloat16)),
    }


GRID = (("quintic", "bf16"), ("quintic", "fp32"), ("cubic", "bf16"))


def _grid(dims: dict, wide: torch.Tensor, steps: int, seed: int, dev: str):
    """Quintic and cubic at steps and 2 steps on the wide and the low-rank matrix (first seed)."""
    g = torch.Generator(device=dev).manual_seed(seed + 10_000)
    m, n, rank = dims["lowrank"]
    lowrank = low_rank(m, n, rank, dims["lowrank_noise"], g, dev)  # (m, n)
    ref_dtype = DTYPES[dims["ref_dtype"]]
    rows, trace = [], {}
    for label, G, runs in (("wide", wide, GRID), ("low-rank", lowrank, GRID[::2])):
        target = polar_factor(G.to(ref_dtype))  # (m, n): the exact U V^T
        for method, dname in runs:
            dists = []
            for k, X in enumerate(newton_schulz_iterates(G, 2 * steps, METHODS[method],
                                                         DTYPES[dname]), start=1):  # fmt: skip
                dists.append(((X.to(ref_dtype) - target).norm() / target.norm()).item())
                if k in (steps, 2 * steps):
                    spec = spectrum(X, target)
                    top = spec["s"][-rank:].min().item() if label == "low-rank" else None
                    rows.append((label, method, k, dname, spec, top))
            if label == "wide":
                trace[f"{method} {dname}"] = dists
    return rows, trace


def _timing(dims: dict, steps: int, seed: int, dev: str) -> dict[str, Any]:
    """Median time of NS (bf16) against torch.linalg.svd (fp32) on the timing shape."""
    g = torch.Generator(device=dev).manual_seed(seed + 20_000)
    m, n = dims["time_shape"]
    G = gaussian(m, n, g, dev)
    ns = time_fn(lambda: newton_schulz(G, steps, QUINTIC, torch.bfloat16), dev, **dims["ns_reps"])
    svd = time_fn(lambda: torch.linalg.svd(G, full_matrices=False), dev, **dims["svd_reps"])
    flops = ns_flops(m, n, steps, QUINTIC)
    return {"shape": f"{m} x {n}", "ns_s": ns["median_s"], "svd_s": svd["median_s"],
            "speedup": svd["median_s"] / ns["median_s"],
            "ns_TFLOPS": flops / ns["median_s"] / 1e12}  # fmt: skip


def _exact(dims: dict, steps: int, seed: int, dev: str) -> float:
    """Relative error of float64 NS against the scalar map on the SVD (an identity)."""
    g = torch.Generator(device=dev).manual_seed(seed + 30_000)
    m, n = dims["exact_shape"]
    G = gaussian(m, n, g, dev).double()
    ref = newton_schulz_reference(G, steps, QUINTIC)
    return ((newton_schulz(G, steps, QUINTIC, torch.float64) - ref).norm() / ref.norm()).item()


def measure(demo: Demo, params: dict, preset: Size, dev: str, progress: Progress) -> dict[str, Any]:
    """Per-seed claims, the method grid and the step trace on the first seed, timing, identity."""
    from demos.optim.newton_schulz_report import result  # the page's tables, plots and checks

    dims, steps = preset.dims, params["steps"]
    aspect = ASPECTS[params["aspect"]]
    timer = PhaseTimer(dev)
    seeds = run_seeds(params, preset)
    total = len(seeds) + 3
    per_seed = {}
    with timer.phase("seeds"):
        for i, seed in enumerate(seeds):
            progress(i, total, f"seed {seed}: NS{steps} quintic and cubic, bf16 and fp32")
            per_seed[seed] = _per_seed(dims, steps, aspect, seed, dev)
    first = per_seed[seeds[0]]
    with timer.phase("grid"):
        progress(len(seeds), total, f"methods x steps x dtypes on seed {seeds[0]}")
        grid, trace = _grid(dims, first["wide"], steps, seeds[0], dev)
    for out in per_seed.values():
        del out["wide"]
    with timer.phase("identity"):
        progress(len(seeds) + 1, total, "float64 NS against the scalar map on the SVD")
        exact_err = _exact(dims, steps, seeds[0], dev)
    with timer.phase("timing"):
        progress(len(seeds) + 2, total, f"timing NS{steps} (bf16) against the SVD (fp32)")
        timing = _timing(dims, steps, seeds[0], dev)
    progress(total, total, "done")
    measured = {"per_seed": per_seed, "grid": grid, "trace": trace, "exact_err": exact_err,
                "timing": timing, "steps": steps, "aspect": aspect}  # fmt: skip
    return result(demo, params, preset, dev, timer, measured)
