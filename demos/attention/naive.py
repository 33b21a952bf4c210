"""Reference softmax attention: the short, obviously correct oracle for every attention variant.

MHA, GQA and MQA are one function: query heads are grouped onto KV heads by a reshape (as in
flash-linear-attention's naive references). Computes in at least float32, returns that dtype.
"""

import torch


def attention_naive(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    scale: float | None = None,
    causal: bool = False,
) -> torch.Tensor:
    """softmax(q k^T * scale) v, Vaswani et al. 2017 (arXiv:1706.03762), Eq. 1, with KV grouping.

    Args:
        q: (B, Hq, Tq, Dk); k: (B, Hkv, Tk, Dk); v: (B, Hkv, Tk, Dv) with Hq % Hkv == 0.
        causal: query i sits at position Tk - Tq + i and sees keys up to it (decode-aligned).
    Returns:
        (B, Hq, Tq, Dv) in float32, or float64 when the inputs are float64.
    """
    dtype = torch.float64 if q.dtype == torch.float64 else torch.float32
    q, k, v = q.to(dtype), k.to(dtype), v.to(dtype)
    B, Hq, Tq, Dk = q.shape
    Hkv, Tk = k.shape[1], k.shape[2]
    scale = Dk**-0.5 if scale is None else scale
    qg = q.reshape(B, Hkv, Hq // Hkv, Tq, Dk)  # (B, Hkv, G, Tq, Dk) query heads per KV head
    s = torch.einsum("bhgqd,bhkd->bhgqk", qg, k) * scale  # (B, Hkv, G, Tq, Tk)
    if causal:
        pos_q = torch.arange(Tk - Tq, Tk, device=q.device)[:, None]  # (Tq, 1)
        s = s.masked_fill(torch.arange(Tk, device=q.device)[None] > pos_q, -torch.inf)
    p = torch.softmax(s, dim=-1)  # (B, Hkv, G, Tq, Tk)
    o = torch.einsum("bhgqk,bhkd->bhgqd", p, v)  # (B, Hkv, G, Tq, Dv)
    return o.reshape(B, Hq, Tq, v.shape[-1])  # (B, Hq, Tq, Dv)
