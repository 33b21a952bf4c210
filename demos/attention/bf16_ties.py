"""Biased bf16 rounding of P̄V when the row max repeats, and the β-shift fix (arXiv:2510.04212).

Qiu and Yao, "Why Low-Precision Transformer Training Fails", §4: with P̄ = exp(S - rowmax S), every
entry at the row max is exactly 1. Two such entries make v_1 + v_2 one bit wider than bf16, so half
the time the fp32 accumulator holds an exact rounding tie; the many tiny same-sign residues
p_j v_j lift its tail just above the tie, and the final bf16 rounding goes up every time instead of
to even. Fix (the paper's β-shift): when the max repeats, subtract β m (m > 0) or 0 (m < 0)
instead of m, so no entry of P̄ is exactly 1. design/demos.md D5.
"""

import math

import torch

from demos.attention.naive import attention_naive
from demos.attention.variants import decode_sdpa

BF16_BITS = 8  # significand bits of bfloat16 (7 stored + the implicit one)


def tie_scores(
    rows: int, n: int, ties: int, gap: float, g: torch.Generator, device: str
) -> torch.Tensor:
    """Scores with the row max s_max at `ties` random positions, s_max - gap + N(0, 1) elsewhere.

    s_max = ±U[1, 8) per row (both branches of the fix); every score is a bf16 value (so a fused
    kernel fed bf16 keys sees the same scores), and the others are clamped to s_max - 1/2 so the
    row has exactly `ties` maxima. Returns (rows, n) float32.
    """
    sign = torch.where(torch.rand(rows, generator=g, device=device) < 0.5, -1.0, 1.0)
    m = sign * (1 + 7 * torch.rand(rows, generator=g, device=device))  # (rows,)
    m = m.bfloat16().float()
    noise = torch.randn(rows, n, generator=g, device=device)  # (rows, n)
    s = torch.minimum(m[:, None] - gap + noise, m[:, None] - 0.5).bfloat16().float()
    pos = torch.rand(rows, n, generator=g, device=device).argsort(dim=-1)[:, :ties]  # (rows, ties)
    return s.scatter(1, pos, m[:, None].expand(rows, ties).contiguous())  # ties per row, per row


def draw_values(rows: int, n: int, d: int, g: torch.Generator, device: str) -> torch.Tensor:
    """V ~ U[1, 2) on the bf16 grid (1 + k/128), drawn per row: (rows, n, d) bf16.

    Per row, not one V for all rows: a shared V gives a spurious bias from fixed-sample
    correlation (design/demos.md D5, pitfall).
    """
    k = torch.randint(0, 128, (rows, n, d), generator=g, device=device, dtype=torch.uint8)
    return k.to(torch.bfloat16) / 128 + 1  # exact: 1 + k/128 has 8 significant bits


def row_shift(s: torch.Tensor, fix: bool, beta: float = 2.0) -> torch.Tensor:
    """The subtracted max: rowmax m, or with the fix β m (m > 0) / 0 (m < 0) where m repeats."""
    m = s.max(dim=-1).values  # (rows,)
    if not fix:
        return m
    repeats = (s == m[:, None]).sum(dim=-1) > 1  # (rows,)
    shifted = torch.where(m > 0, beta * m, torch.where(m < 0, torch.zeros_like(m), m))
    return torch.where(repeats, shifted, m)


def numerator_bf16(s: torch.Tensor, fix: bool, beta: float = 2.0) -> torch.Tensor:
    """P̄ = exp(S - shift) in fp32, rounded to bf16 for the P̄V matmul (FlashAttention-2's order)."""
    return torch.exp(s - row_shift(s, fix, beta)[:, None]).bfloat16()  # (rows, n)


def pv_bf16(p: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """P̄V with bf16 inputs through torch's bf16 matmul (fp32 accumulation, bf16 result)."""
    return torch.bmm(p[:, None, :], v)[:, 0]  # (rows, 1, n) @ (rows, n, d) -> (rows, d)


def pv_bf16_reference(p: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """An ideal fp32 accumulator: the exact sum (float64) rounded once to fp32, then to bf16."""
    exact = torch.einsum("rn,rnd->rd", p.double(), v.double())  # (rows, d), exact for n = 128
    return exact.float().bfloat16()


def pv_exact(p: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The float64 product of the same bf16 P̄ and V: the oracle every error is measured against."""
    return torch.einsum("rn,rnd->rd", p.double(), v.double())  # (rows, d)


def round_bf16_ties_up(x: torch.Tensor) -> torch.Tensor:
    """Round positive float64 values to bf16 with ties going up (what the residues cause)."""
    _, exp = torch.frexp(x)  # x = mant * 2**exp, mant in [0.5, 1)
    ulp = torch.ldexp(torch.ones_like(x), exp - BF16_BITS)  # bf16 spacing at x
    return torch.floor(x / ulp + 0.5) * ulp  # x / ulp and + 0.5 are exact in float64


def ties_up_prediction(p: torch.Tensor, v: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Predicted relative error: the tied part Σ_{p_j at the max} p_j v_j, rounded to bf16 with
    ties up where the residues reach the fp32 tail (at least half an fp32 ulp), else to even."""
    tied = (p == p.max(dim=-1, keepdim=True).values).double()  # (rows, n) 1 at the row max
    head = torch.einsum("rn,rnd->rd", p.double() * tied, v.double())  # (rows, d), exact in fp32
    _, exp = torch.frexp(head)
    lifts = ref - head >= torch.ldexp(torch.ones_like(head), exp - 25)  # half an fp32 ulp
    pred = torch.where(lifts, round_bf16_ties_up(head), head.float().bfloat16().double())
    return (pred - ref) / ref


def theory_two_ties(v: torch.Tensor, p: torch.Tensor) -> float:
    """2^-8 E[1 / (v_1 + v_2)] over the sampled V at the two tied positions (paper's mechanism)."""
    tied = p == p.max(dim=-1, keepdim=True).values  # (rows, n)
    pair_sum = (v.double() * tied[..., None]).sum(dim=1)  # (rows, d) v_1 + v_2
    return 2.0**-8 * (1 / pair_sum).mean().item()


THEORY_CONTINUOUS = 2.0**-8 * (10 * math.log(2) - 6 * math.log(3))  # v ~ U[1, 2): about 1.33e-3


def mean_z(rel: torch.Tensor) -> tuple[float, float, float]:
    """Mean signed relative error, its standard error over rows (row means), and z = mean / SE."""
    row = rel.mean(dim=-1)  # (rows,) a row's d columns share P̄, so rows are the samples
    mean = row.mean().item()
    se = row.std().item() / math.sqrt(row.numel())
    return mean, se, (mean / se if se > 0 else 0.0)


# ---- the same inputs through attention: explicit (FlashAttention-style) vs fused SDPA ----


def attention_inputs(s: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """q, k in bf16 with q k^T / sqrt(d) = s exactly: q = sqrt(d) e_1, k_j = s_j e_1."""
    rows, n, d = v.shape
    q = torch.zeros(rows, 1, 1, d, dtype=torch.bfloat16, device=s.device)  # (B, H, 1, d)
    q[..., 0] = math.sqrt(d)  # a power of two for d = 4^k: the product is exact
    k = torch.zeros(rows, 1, n, d, dtype=torch.bfloat16, device=s.device)  # (B, H, n, d)
    k[..., 0] = s[:, None, :].bfloat16()
    return q, k


def attention_explicit_bf16(s: torch.Tensor, v: torch.Tensor, fix: bool) -> torch.Tensor:
    """FlashAttention-style bf16 attention: P̄ in bf16, fp32 P̄V and row sum, one final rounding."""
    p = torch.exp(s - row_shift(s, fix)[:, None])  # (rows, n) fp32
    acc = torch.bmm(p.bfloat16().float()[:, None, :], v.float())[:, 0]  # (rows, d) fp32
    return (acc / p.sum(dim=-1, keepdim=True)).bfloat16()  # (rows, d)


def attention_bias_by_backend(
    s: torch.Tensor, v: torch.Tensor, backends: tuple[str, ...]
) -> list[dict]:
    """Signed relative error of real SDPA kernels (and the explicit form) on tie rows, per backend."""
    q, k = attention_inputs(s, v)
    ref = attention_naive(q.double(), k.double(), v[:, None].double())[:, 0, 0]  # (rows, d)
    rows = []
    cases = [("explicit", lambda: attention_explicit_bf16(s, v, fix=False))]
    cases += [(b, lambda b=b: decode_sdpa(q, k, v[:, None], backend=b)[:, 0, 0]) for b in backends]
    for name, fn in cases:
        try:
            o = fn()
        except RuntimeError as exc:  # a backend that refuses these shapes or this device
            rows.append({"backend": name, "error": str(exc).split("\n")[0][:160]})
            continue
        mean, se, z = mean_z((o.double() - ref) / ref)
        rows.append({"backend": name, "mean": mean, "se": se, "z": z, "error": None})
    return rows
