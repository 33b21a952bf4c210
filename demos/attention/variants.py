"""Decode attention for MHA, GQA and MQA: one query token against a KV cache, two fast paths.

The variants differ only in the number of KV heads (MHA: one per query head, Vaswani et al.
2017; GQA: groups, Ainslie et al. 2023, arXiv:2305.13245; MQA: one, Shazeer 2019,
arXiv:1911.02150). Fast paths, selected by string key: `sdpa` (torch's fused kernels, optionally
one forced backend) and `bmm` (query heads of a group folded into matrix rows, so each KV head
is read once by one batched matmul). `attention_naive` in naive.py is the reference for both.
"""

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

KV_HEADS = {"mha": lambda h, g: h, "gqa": lambda h, g: g, "mqa": lambda h, g: 1}
SDPA_BACKENDS = {
    "flash": SDPBackend.FLASH_ATTENTION,
    "efficient": SDPBackend.EFFICIENT_ATTENTION,
    "cudnn": SDPBackend.CUDNN_ATTENTION,
    "math": SDPBackend.MATH,
}


def kv_heads(variant: str, query_heads: int, groups: int) -> int:
    """KV heads of a variant: MHA query_heads, GQA groups, MQA 1."""
    return KV_HEADS[variant](query_heads, groups)


def decode_sdpa(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, backend: str = "default"
) -> torch.Tensor:
    """Decode step through F.scaled_dot_product_attention (enable_gqa when Hkv < Hq).

    Args:
        q: (B, Hq, 1, D); k, v: (B, Hkv, L, D). backend: "default" or a key of SDPA_BACKENDS.
    """
    gqa = q.shape[1] != k.shape[1]
    if backend == "default":
        return F.scaled_dot_product_attention(q, k, v, enable_gqa=gqa)
    with sdpa_kernel(SDPA_BACKENDS[backend]):
        return F.scaled_dot_product_attention(q, k, v, enable_gqa=gqa)


def decode_bmm(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Decode step as two batched matmuls with the G query heads of a group as matrix rows."""
    B, Hq, _, D = q.shape
    Hkv, L = k.shape[1], k.shape[2]
    qg = q.reshape(B * Hkv, Hq // Hkv, D) * D**-0.5  # (B*Hkv, G, D)
    s = torch.bmm(qg, k.reshape(B * Hkv, L, D).transpose(1, 2))  # (B*Hkv, G, L), K read once
    p = torch.softmax(s, dim=-1)  # (B*Hkv, G, L), accumulated in fp32 for bf16 inputs
    o = torch.bmm(p, v.reshape(B * Hkv, L, v.shape[-1]))  # (B*Hkv, G, Dv)
    return o.reshape(B, Hq, 1, v.shape[-1])  # (B, Hq, 1, Dv)


DECODE_PATHS = {"sdpa": decode_sdpa, "bmm": decode_bmm}
