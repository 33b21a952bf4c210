"""A small pre-LN transformer shared by the AR, masked-diffusion and block-diffusion models of D11.

Only the attention mask differs between the three (design/demos.md D11): causal for AR, none for
the masked diffusion model (MDM, LLaDA arXiv:2502.09992), and BD3-LM's block-diffusion mask over
[noisy x_t ; clean x_0] (arXiv:2503.09573, Section 3.2). `attention_reference` and
`block_diffusion_mask_reference` are the obviously correct forms the tests compare against.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, allowed: torch.Tensor | None):
    """softmax(q k^T / sqrt(d) + mask) v through PyTorch's fused kernel; q, k, v (B, H, T, d)."""
    return F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)


def attention_reference(q, k, v, allowed: torch.Tensor | None) -> torch.Tensor:
    """The same attention written out: scores, -inf where not allowed, softmax, weighted sum."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (B, H, T, T)
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    return scores.softmax(-1) @ v  # (B, H, T, d)


def causal_mask(n: int, device: str | torch.device = "cpu") -> torch.Tensor:
    """(n, n) bool, True where query i may attend key j: j <= i."""
    return torch.ones(n, n, dtype=torch.bool, device=device).tril()


def block_diffusion_mask(length: int, block: int, device: str | torch.device = "cpu"):
    """BD3-LM's (2L, 2L) mask over [x_t ; x_0] (arXiv:2503.09573, Section 3.2), True = attend.

    Noisy block b sees itself (bidirectional) and the clean blocks before it; clean block b
    sees the clean blocks up to itself (block-causal); nothing sees a noisy block but itself.
    """
    b = torch.arange(length, device=device) // block  # (L,) block index of each position
    same = b[:, None] == b[None, :]  # (L, L)
    before = b[:, None] > b[None, :]
    upto = b[:, None] >= b[None, :]
    none = torch.zeros(length, length, dtype=torch.bool, device=device)
    top = torch.cat([same, before], 1)  # noisy queries: (L, 2L)
    bottom = torch.cat([none, upto], 1)  # clean queries: (L, 2L)
    return torch.cat([top, bottom], 0)  # (2L, 2L)


def block_diffusion_mask_reference(length: int, block: int) -> torch.Tensor:
    """The same mask entry by entry from the rules in words (tests only)."""
    m = torch.zeros(2 * length, 2 * length, dtype=torch.bool)
    for i in range(2 * length):
        for j in range(2 * length):
            qi, kj = i % length // block, j % length // block
            q_noisy, k_noisy = i < length, j < length
            if q_noisy and k_noisy:
                m[i, j] = qi == kj
            elif q_noisy:
                m[i, j] = kj < qi
            elif not k_noisy:
                m[i, j] = kj <= qi
    return m


class Block(nn.Module):
    """Pre-LN transformer block: multi-head attention under a given mask, then a GELU MLP."""

    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x: torch.Tensor, allowed: torch.Tensor | None, attend=attention):
        bsz, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, -1)  # each (B, T, d)
        q, k, v = (z.view(bsz, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        y = (
            attend(q, k, v, allowed).transpose(1, 2).reshape(bsz, t, d)
        )  # (B, H, T, dh) -> (B, T, d)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class Transformer(nn.Module):
    """Token + learned position embeddings, `layers` blocks, final LN, logits over `vocab_out`."""

    def __init__(
        self, vocab_in: int, vocab_out: int, d: int, layers: int, heads: int, max_len: int
    ):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab_in, d), nn.Embedding(max_len, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab_out)

    def forward(self, tokens, positions, allowed=None, attend=attention) -> torch.Tensor:
        """Logits (B, T, vocab_out) for tokens (B, T) at positions (T,) under mask (T, T)."""
        x = self.tok(tokens) + self.pos(positions)  # (B, T, d)
        for block in self.blocks:
            x = block(x, allowed, attend)
        return self.head(self.ln(x))
