"""Transformer-VQ: exact causal softmax attention in linear time through vector-quantised keys.

Lingle, ICLR 2024 (arXiv:2309.16354), §3. Keys are quantised to a codebook, k̂_j = C[z_j] with
C in R^(S x d). Then every score q_i . k̂_j is one of the S scores q_i . C_s, and the past can be
summarised per code: for a query in block n (blocks of length B), U_n = Σ_{j < nB} e_{z_j} v_j^T
(S x d_v) and l_n = Σ_{j < nB} e_{z_j} (S). The output is
o_i = (exp(q_i C^T) U_n + Σ_{j in block, j <= i} exp(q_i . k̂_j) v_j)
      / (exp(q_i C^T) l_n + Σ_{j in block, j <= i} exp(q_i . k̂_j)),
with one shared max per query: the largest score among the codes it can see (the cache's codes
and the block's keys up to i); the max over all S codes would bound every score too, but with
large logits a code absent from the past can make every exp(q_i . k̂_j - m) underflow to 0 / 0.
Cost O(T (S + B) d) instead of O(T^2 d). The reference is quadratic causal softmax attention over
the same quantised keys (naive.py). Shapes: q (..., T, d), z (..., T) int, C (S, d), v (..., T, d_v).
"""

import torch
import torch.nn.functional as F

from demos.attention.naive import attention_naive


@torch.no_grad()
def vector_quantize(k: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Nearest code of each key (arXiv:2309.16354, §3.1, Eq. 1): z_j = argmin_s ||k_j - C_s||^2."""
    d2 = (codebook * codebook).sum(-1) - 2 * k @ codebook.T  # (..., T, S) ||k||^2 dropped
    return d2.argmin(dim=-1)  # (..., T)


def exclusive_cumsum(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Prefix sums that exclude the current entry: out[n] = Σ_{m < n} x[m] along dim."""
    first = torch.zeros_like(x.narrow(dim, 0, 1))
    return torch.cat([first, torch.cumsum(x.narrow(dim, 0, x.shape[dim] - 1), dim=dim)], dim=dim)


@torch.no_grad()
def vq_attention(
    q: torch.Tensor,
    z: torch.Tensor,
    codebook: torch.Tensor,
    v: torch.Tensor,
    block: int,
    scale: float | None = None,
) -> torch.Tensor:
    """Causal attention over k̂ = C[z] in linear time: per-code cache of past blocks + in-block."""
    *lead, T, d = q.shape
    S, nb = codebook.shape[0], T // block
    if T % block:
        raise ValueError(f"T = {T} must be a multiple of the block length {block}")
    scale = d**-0.5 if scale is None else scale
    acc = torch.promote_types(q.dtype, torch.float32)  # bf16 in, fp32 cache: counts reach T
    qb = q.reshape(*lead, nb, block, d)  # (..., nb, B, d)
    vb = v.reshape(*lead, nb, block, v.shape[-1]).to(acc)  # (..., nb, B, d_v)
    onehot = F.one_hot(z, S).to(acc).reshape(*lead, nb, block, S)  # (..., nb, B, S)
    # per-block code statistics, then an exclusive prefix sum over blocks: the cache U_n, l_n
    u_blk = onehot.transpose(-1, -2) @ vb  # (..., nb, S, d_v) Σ_{j in block} e_{z_j} v_j^T
    u = exclusive_cumsum(u_blk, dim=-3)  # (..., nb, S, d_v) blocks before n only
    cnt = exclusive_cumsum(onehot.sum(dim=-2), dim=-2)  # (..., nb, S) l_n: code counts before n
    # scores against the codes; the row max over the keys the query sees (codes in the cache,
    # and the block's codes up to i), so that no row underflows to 0 / 0
    qc = (qb @ codebook.T).to(acc) * scale  # (..., nb, B, S) q_i . C_s
    seen = (cnt > 0)[..., None, :]  # (..., nb, 1, S) codes present before the block
    zb = z.reshape(*lead, nb, 1, block).expand(*lead, nb, block, block)  # (..., nb, B, B) z_j
    causal = torch.ones(block, block, dtype=torch.bool, device=q.device).tril()  # j <= i
    s_in = torch.gather(qc, -1, zb).masked_fill(~causal, -torch.inf)  # (..., nb, B, B) q_i.k̂_j
    m = torch.maximum(
        qc.masked_fill(~seen, -torch.inf).amax(dim=-1, keepdim=True),  # (..., nb, B, 1)
        s_in.amax(dim=-1, keepdim=True),  # finite: j = i is always there
    )
    e = torch.exp(qc - m).masked_fill(~seen, 0.0)  # (..., nb, B, S) unseen codes: weight 0
    p_in = torch.exp(s_in - m)  # (..., nb, B, B), 0 above the diagonal
    num = e @ u + p_in @ vb  # (..., nb, B, d_v) past blocks through the cache + in-block
    den = (e * cnt[..., None, :]).sum(dim=-1, keepdim=True) + p_in.sum(dim=-1, keepdim=True)
    return (num / den).to(v.dtype).reshape(*lead, T, v.shape[-1])  # (..., T, d_v)


def vq_attention_reference(
    q: torch.Tensor, z: torch.Tensor, codebook: torch.Tensor, v: torch.Tensor, scale=None
) -> torch.Tensor:
    """Quadratic causal softmax attention over the same quantised keys k̂ = C[z] (naive.py)."""
    k_hat = codebook[z]  # (B, H, T, d)
    return attention_naive(q, k_hat, v, scale=scale, causal=True)  # (B, H, T, d_v)


def sdpa_causal(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The quadratic baseline for timing: F.scaled_dot_product_attention with ordinary keys."""
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def max_rel_err(o: torch.Tensor, ref: torch.Tensor) -> float:
    """max |o - ref| / max |ref| (design/demos.md D10), in float64."""
    return ((o.double() - ref.double()).abs().max() / ref.double().abs().max()).item()
