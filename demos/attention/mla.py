"""Multi-head latent attention (DeepSeek-V2, arXiv:2405.04434, Sec. 2.1): naive, absorbed, decode.

The cache per token is a latent c_t = W_DKV h_t (width d_c) and one RoPE key k_t^R shared by all
heads (width d_R). The naive form expands c_t into per-head keys and values; the absorbed form
folds W_UK into the query and W_UV after the attention, so attention runs directly on the latent
as MQA with key [c_t; k_t^R] (width d_c + d_R) and value c_t. The softmax scale stays
1 / sqrt(d_h + d_R) in both forms. Decode paths over a packed (B, L, d_c + d_R) cache are keyed by
string in MLA_DECODE, with `mla_decode_reference` (naive.attention_naive) beside them.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.nn.attention import sdpa_kernel

from demos.attention.naive import attention_naive
from demos.attention.variants import SDPA_BACKENDS


@dataclass(frozen=True)
class MLAConfig:
    """MLA shapes: model width, heads, head width, KV latent, query latent, RoPE width."""

    d_model: int
    n_heads: int
    d_head: int
    d_latent: int
    d_q_latent: int
    d_rope: int


@dataclass(frozen=True)
class MLAWeights:
    """Projection matrices, stored as (out, in) like nn.Linear.weight."""

    W_DQ: torch.Tensor  # (d_q, d_model) query down-projection
    W_UQ: torch.Tensor  # (H, d_h, d_q) query up-projection per head
    W_QR: torch.Tensor  # (H, d_R, d_q) decoupled RoPE query per head
    W_DKV: torch.Tensor  # (d_c, d_model) KV down-projection (the cached latent)
    W_KR: torch.Tensor  # (d_R, d_model) shared RoPE key
    W_UK: torch.Tensor  # (H, d_h, d_c) key up-projection per head
    W_UV: torch.Tensor  # (H, d_h, d_c) value up-projection per head
    W_O: torch.Tensor  # (d_model, H * d_h) output projection

    def to(self, dtype: torch.dtype) -> "MLAWeights":
        """The same weights in another dtype."""
        return MLAWeights(*(getattr(self, f).to(dtype) for f in self.__dataclass_fields__))


def mla_weights_random(cfg: MLAConfig, generator: torch.Generator, device: str) -> MLAWeights:
    """Gaussian weights scaled by 1 / sqrt(fan_in), float64, drawn on the CPU generator."""

    def w(*shape: int) -> torch.Tensor:
        t = torch.randn(*shape, generator=generator, dtype=torch.float64) / shape[-1] ** 0.5
        return t.to(device)

    H, d_h, d_c, d_q, d_R = cfg.n_heads, cfg.d_head, cfg.d_latent, cfg.d_q_latent, cfg.d_rope
    return MLAWeights(
        w(d_q, cfg.d_model), w(H, d_h, d_q), w(H, d_R, d_q), w(d_c, cfg.d_model),
        w(d_R, cfg.d_model), w(H, d_h, d_c), w(H, d_h, d_c), w(cfg.d_model, H * d_h),
    )  # fmt: skip


def rope(x: torch.Tensor, base: float = 10000.0) -> torch.Tensor:
    """Rotary embedding over the last dim (half-split pairs), Su et al. (arXiv:2104.09864).

    Args:
        x: (..., T, d) with positions 0 .. T-1 along the second-to-last dim.
    """
    T, d = x.shape[-2], x.shape[-1]
    inv_freq = base ** (-torch.arange(0, d // 2, dtype=torch.float64, device=x.device) / (d // 2))
    angle = torch.arange(T, dtype=torch.float64, device=x.device)[:, None] * inv_freq  # (T, d/2)
    cos, sin = angle.cos().to(x.dtype), angle.sin().to(x.dtype)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


def _queries(w: MLAWeights, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Content and RoPE queries per head from hidden states h (B, T, d_model)."""
    c_q = h @ w.W_DQ.T  # (B, T, d_q) query latent
    q_c = torch.einsum("btq,hdq->bhtd", c_q, w.W_UQ)  # (B, H, T, d_h)
    q_r = rope(torch.einsum("btq,hrq->bhtr", c_q, w.W_QR))  # (B, H, T, d_R)
    return q_c, q_r


def mla_cache(w: MLAWeights, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """What MLA caches per token: latent c (B, T, d_c) and shared RoPE key k_r (B, T, d_R)."""
    return h @ w.W_DKV.T, rope(h @ w.W_KR.T)


def _causal_softmax(s: torch.Tensor, scale: float) -> torch.Tensor:
    """softmax over the last dim of causal scores (..., T, T), computed in float32 or wider."""
    T = s.shape[-1]
    mask = torch.ones(T, T, dtype=torch.bool, device=s.device).triu(1)
    s = s.mul_(scale).masked_fill_(mask, -torch.inf)  # in place: (H, T, T) is large at full size
    return torch.softmax(s, dim=-1, dtype=torch.promote_types(s.dtype, torch.float32))


ROPE_KEYS = ("decoupled", "compressed_too")


def mla_naive(w: MLAWeights, h: torch.Tensor, *, rope_keys: str = "decoupled") -> torch.Tensor:
    """Causal MLA layer with per-head keys and values materialised, DeepSeek-V2 Eqs. 9-19.

    rope_keys="compressed_too" also rotates q^C and k^C: the variant that blocks absorption.
    """
    B, T, _ = h.shape
    H, d_h = w.W_UK.shape[:2]
    q_c, q_r = _queries(w, h)
    c, k_r = mla_cache(w, h)
    k_c = torch.einsum("btc,hdc->bhtd", c, w.W_UK)  # (B, H, T, d_h) per-head keys
    v = torch.einsum("btc,hdc->bhtd", c, w.W_UV)  # (B, H, T, d_h) per-head values
    if rope_keys == "compressed_too":
        q_c, k_c = rope(q_c), rope(k_c)
    s = q_c @ k_c.transpose(-1, -2)  # (B, H, T, T) content scores
    s += q_r @ k_r[:, None].transpose(-1, -2)  # + decoupled RoPE scores
    p = _causal_softmax(s, (d_h + q_r.shape[-1]) ** -0.5).to(v.dtype)
    o = (p @ v).transpose(1, 2).reshape(B, T, H * d_h)  # (B, T, H*d_h)
    return o @ w.W_O.T  # (B, T, d_model)


def mla_absorbed(w: MLAWeights, h: torch.Tensor, *, rope_keys: str = "decoupled") -> torch.Tensor:
    """Causal MLA layer with W_UK absorbed into the query and W_UV applied after attention.

    rope_keys="compressed_too" tries to absorb a layer that also rotates q^C and k^C: a latent
    cache can only rotate the latent (q_lat and c), which is not the per-head rotation of
    mla_naive(rope_keys="compressed_too") -- the identity breaks (DeepSeek-V2 Sec. 2.1.3).
    """
    B, T, _ = h.shape
    H, d_h = w.W_UK.shape[:2]
    q_c, q_r = _queries(w, h)
    c, k_r = mla_cache(w, h)
    q_lat = torch.einsum("bhtd,hdc->bhtc", q_c, w.W_UK)  # (B, H, T, d_c) absorb W_UK
    c_key = c
    if rope_keys == "compressed_too":
        q_lat, c_key = rope(q_lat), rope(c)  # rotation in latent space, the only one available
    s = q_lat @ c_key[:, None].transpose(-1, -2)  # (B, H, T, T) scores against the latent
    s += q_r @ k_r[:, None].transpose(-1, -2)  # + decoupled RoPE scores
    p = _causal_softmax(s, (d_h + q_r.shape[-1]) ** -0.5).to(c.dtype)  # scale of d_h + d_R
    o_lat = p @ c[:, None]  # (B, H, T, d_c) attention over the shared latent
    o = torch.einsum("bhtc,hdc->bthd", o_lat, w.W_UV)  # (B, T, H, d_h) apply W_UV
    return o.reshape(B, T, H * d_h) @ w.W_O.T  # (B, T, d_model)


# ---- decode over a packed latent cache: kv (B, L, d_c + d_R), value = kv[..., :d_c] ----


def mla_decode_reference(q: torch.Tensor, kv: torch.Tensor, d_v: int, scale: float) -> torch.Tensor:
    """Reference: MQA via attention_naive, one shared key kv and value kv[..., :d_v]."""
    o = attention_naive(q[:, :, None], kv[:, None], kv[:, None, :, :d_v], scale=scale)
    return o[:, :, 0]  # (B, H, d_v)


def mla_decode_broadcast(q: torch.Tensor, kv: torch.Tensor, d_v: int, scale: float) -> torch.Tensor:
    """How not to: (B, H, 1, Dk) @ (B, 1, Dk, L) broadcasts the cache over heads."""
    s = q[:, :, None] @ kv[:, None].transpose(-1, -2)  # (B, H, 1, L)
    p = torch.softmax(s * scale, dim=-1)  # (B, H, 1, L), accumulated in fp32 for bf16
    return (p @ kv[:, None, :, :d_v])[:, :, 0]  # (B, H, d_v)


def mla_decode_bmm(q: torch.Tensor, kv: torch.Tensor, d_v: int, scale: float) -> torch.Tensor:
    """Heads as matrix rows: each bmm reads the cache once for all heads (not once per head).

    Two GEMMs read the cache twice (576 then 512 columns), so at 32 heads, memory-bound, this
    path tops out near 576 / (576 + 512) = 0.53 of the single-read roofline; a fused kernel
    (FlashMLA, or an SDPA backend that accepts Dk != Dv) is needed beyond that.

    Args:
        q: (B, H, d_c + d_R) absorbed queries; kv: (B, L, d_c + d_R) packed latent cache.
    """
    s = torch.bmm(q * scale, kv.transpose(1, 2))  # (B, H, L) scores, K^T is a view
    # softmax kernels accumulate bf16/fp16 in fp32; writing p in the cache dtype saves a pass
    p = torch.softmax(s, dim=-1)  # (B, H, L)
    return torch.bmm(p, kv[..., :d_v])  # (B, H, d_v), value is a strided view, never a copy


def mla_decode_split(
    q: torch.Tensor, kv: torch.Tensor, d_v: int, scale: float, splits: int = 8
) -> torch.Tensor:
    """Flash-decoding in plain torch: split the context, merge partial softmaxes by log-sum-exp."""
    B, L, Dk = kv.shape
    splits = math.gcd(L, splits)  # equal chunks
    kv_s = kv.reshape(B, splits, L // splits, Dk)  # (B, S, L/S, Dk)
    s = (q * scale)[:, None] @ kv_s.transpose(-1, -2)  # (B, S, H, L/S)
    acc = torch.promote_types(kv.dtype, torch.float32)  # merge in fp32 (fp64 stays fp64)
    m = s.amax(-1, keepdim=True).to(acc)  # (B, S, H, 1) per-split max
    p = torch.exp(s.to(acc) - m)  # (B, S, H, L/S)
    o = p.to(kv.dtype) @ kv_s[..., :d_v]  # (B, S, H, d_v) unnormalised partial outputs
    m_all = m.amax(1, keepdim=True)  # (B, 1, H, 1)
    w = torch.exp(m - m_all)  # (B, S, H, 1) rescale each split to the global max
    denom = (p.sum(-1, keepdim=True) * w).sum(1)  # (B, H, 1)
    return ((o.to(acc) * w).sum(1) / denom).to(kv.dtype)  # (B, H, d_v)


def mla_decode_sdpa(
    q: torch.Tensor, kv: torch.Tensor, d_v: int, scale: float, *, backend: str = "default"
) -> torch.Tensor:
    """SDPA with heads as query rows: q (B, 1, H, Dk), k (B, 1, L, Dk), v (B, 1, L, d_v).

    A fused backend that accepts Dk != Dv reads each cache tile once for both products.
    """
    q4, k4, v4 = q[:, None], kv[:, None], kv[:, None, :, :d_v]  # (B, 1, H | L, D) views
    if backend == "default":
        o = F.scaled_dot_product_attention(q4, k4, v4, scale=scale)
    else:
        with sdpa_kernel(SDPA_BACKENDS[backend]):
            o = F.scaled_dot_product_attention(q4, k4, v4, scale=scale)
    return o[:, 0]  # (B, H, d_v)


MLA_DECODE = {
    "broadcast": mla_decode_broadcast,
    "bmm": mla_decode_bmm,
    "split": mla_decode_split,
    "sdpa": mla_decode_sdpa,
}
