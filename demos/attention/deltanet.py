"""Token mixers for one-layer associative recall: DeltaNet, linear attention and softmax attention.

Each fast (parallel) form has its recurrent reference beside it. DeltaNet, Yang et al. (arXiv:
2406.06484), Eq. 2: S_t = S_{t-1} (I - β_t k_t k_t^T) + β_t v_t k_t^T, o_t = S_t q_t, one online
SGD step on 1/2 ||S k_t - v_t||^2. Its parallel form (§3, the WY/UT representation for one chunk):
U = (I + diag(β) tril(K K^T, -1))^-1 diag(β) V, O = tril(Q K^T) U. Linear attention (Katharopoulos
et al. 2020): S_t = S_{t-1} + v_t k_t^T. Softmax attention: torch's SDPA, with naive.py as its
reference. Shapes: q, k (B, T, d_k); v (B, T, d_v); beta (B, T).
"""

import torch
import torch.nn.functional as F

from demos.attention.naive import attention_naive


def deltanet_recurrent(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, beta: torch.Tensor
) -> torch.Tensor:
    """DeltaNet by its recurrence (arXiv:2406.06484, Eq. 2): the oracle for the parallel form."""
    B, T, dk = k.shape
    S = q.new_zeros(B, v.shape[-1], dk)  # (B, d_v, d_k) the fast-weight memory
    out = []
    for t in range(T):
        kt, vt = k[:, t], v[:, t]  # (B, d_k), (B, d_v)
        err = vt - torch.einsum("bvk,bk->bv", S, kt)  # (B, d_v) v_t - S_{t-1} k_t
        S = S + beta[:, t, None, None] * err[:, :, None] * kt[:, None, :]  # delta rule
        out.append(torch.einsum("bvk,bk->bv", S, q[:, t]))  # (B, d_v) o_t = S_t q_t
    return torch.stack(out, dim=1)  # (B, T, d_v)


def deltanet_parallel(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, beta: torch.Tensor
) -> torch.Tensor:
    """DeltaNet over the whole sequence with one triangular solve (arXiv:2406.06484, §3.1)."""
    T = k.shape[1]
    eye = torch.eye(T, dtype=k.dtype, device=k.device)
    kk = torch.tril(k @ k.transpose(1, 2), diagonal=-1)  # (B, T, T) k_t . k_i for i < t
    a = eye + beta[:, :, None] * kk  # (B, T, T) unit lower triangular
    u = torch.linalg.solve_triangular(
        a, beta[:, :, None] * v, upper=False, unitriangular=True
    )  # (B, T, d_v): u_t = β_t (v_t - S_{t-1} k_t)
    return (
        torch.tril(q @ k.transpose(1, 2)) @ u
    )  # (B, T, T) @ (B, T, d_v): o_t = Σ_{i<=t} u_i k_i.q_t


def linear_attention_recurrent(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Linear attention by its recurrence S_t = S_{t-1} + v_t k_t^T, o_t = S_t q_t (reference)."""
    S = torch.cumsum(torch.einsum("btv,btk->btvk", v, k), dim=1)  # (B, T, d_v, d_k) every S_t
    return torch.einsum("btvk,btk->btv", S, q)  # (B, T, d_v)


def linear_attention_parallel(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Linear attention in its parallel (masked quadratic) form: O = tril(Q K^T) V."""
    return torch.tril(q @ k.transpose(1, 2)) @ v  # (B, T, T) @ (B, T, d_v)


def softmax_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Causal softmax attention through F.scaled_dot_product_attention (fast form)."""
    return F.scaled_dot_product_attention(q[:, None], k[:, None], v[:, None], is_causal=True)[:, 0]


def softmax_attention_reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Causal softmax attention by naive.py (the family's reference)."""
    return attention_naive(q[:, None], k[:, None], v[:, None], causal=True)[:, 0]  # (B, T, d_v)


MIXERS = ("deltanet", "linear", "softmax")
