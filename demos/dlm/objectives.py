"""Training objectives and likelihood bounds of D11: AR, masked diffusion (MDM), block diffusion.

MDM (LLaDA, arXiv:2502.09992, Eq. 3): t ~ U(0, 1), mask each token with probability t, loss
-(1/t) sum over masked i of log p(x0_i | x_t), an upper bound on -log p(x0). BD3-LM
(arXiv:2503.09573, Eq. 7): the same bound per block of size L', conditioned on the clean blocks
before it; L' = L is the MDM and L' = 1 is AR in expectation. SEDD's score-entropy loss
(arXiv:2310.16834) for the absorbing process is of the same masked cross-entropy form up to its
time weighting; it is not implemented separately here (not derived in this module: unverified).
All losses are summed over tokens, in nats, per sequence.
"""

import math

import torch
import torch.nn.functional as F

from demos.dlm.model import attention, block_diffusion_mask, causal_mask

T_MIN = 1e-3  # t ~ U(T_MIN, 1): keeps the 1/t weight finite (a bound on the last 0.1 % only)


def masked_ce(logits: torch.Tensor, x0: torch.Tensor, masked: torch.Tensor) -> torch.Tensor:
    """Cross-entropy at masked positions only, (B, L); zero where not masked."""
    ce = F.cross_entropy(logits.transpose(1, 2), x0, reduction="none")  # (B, V, L) -> (B, L)
    return ce * masked


def sample_masking(shape, per: torch.Tensor | None, g: torch.Generator, device, stratified=False):
    """t per sequence (or per block, expanded to tokens by `per`) and the masked positions.

    Returns (t_tokens (B, L), masked (B, L)); `per` maps each position to its block, None = one t.
    `stratified`: the batch's t values are (i + u) / B in a random order (MDLM's low-discrepancy
    sampler, arXiv:2406.07524): each t is still U(0, 1), the batch mean has less variance.
    """
    b, length = shape
    n_t = 1 if per is None else int(per.max()) + 1
    u = torch.rand(b, n_t, generator=g, device=device)  # (B, blocks)
    if stratified:
        order = torch.randperm(b, generator=g, device=device)[:, None]  # (B, 1)
        u = (order + u[:1]) / b  # one shared offset: a shifted grid over [0, 1)
    t = T_MIN + (1 - T_MIN) * u
    t_tok = t.expand(b, length) if per is None else t[:, per]  # (B, L)
    masked = torch.rand(b, length, generator=g, device=device) < t_tok
    return t_tok, masked


def ar_nll(model, x0: torch.Tensor, bos: int) -> torch.Tensor:
    """Exact -log p(x0) of an AR model, (B,): inputs [BOS, x0[:-1]] under a causal mask."""
    b, length = x0.shape
    inputs = torch.cat([torch.full((b, 1), bos, device=x0.device), x0[:, :-1]], 1)  # (B, L)
    pos = torch.arange(length, device=x0.device)
    logits = model(inputs, pos, causal_mask(length, x0.device))
    return F.cross_entropy(logits.transpose(1, 2), x0, reduction="none").sum(1)


def mdm_terms(model, x0, mask_id: int, t_tok, masked, attend=attention) -> torch.Tensor:
    """One-sample MDM bound (1/t) sum_masked -log p(x0_i | x_t), (B,) (LLaDA Eq. 3)."""
    xt = torch.where(masked, mask_id, x0)  # (B, L)
    pos = torch.arange(x0.shape[1], device=x0.device)
    logits = model(xt, pos, None, attend)
    return (masked_ce(logits, x0, masked) / t_tok).sum(1)


def bd3_terms(model, x0, mask_id: int, block: int, t_tok, masked) -> torch.Tensor:
    """One-sample BD3-LM bound, (B,): one pass over [x_t ; x_0] under the block-diffusion mask."""
    b, length = x0.shape
    xt = torch.where(masked, mask_id, x0)
    tokens = torch.cat([xt, x0], 1)  # (B, 2L)
    pos = torch.arange(length, device=x0.device).repeat(2)  # (2L,) both halves at 0..L-1
    logits = model(tokens, pos, block_diffusion_mask(length, block, x0.device))[:, :length]
    return (masked_ce(logits, x0, masked) / t_tok).sum(1)


def bd3_terms_reference(model, x0, mask_id: int, block: int, t_tok, masked) -> torch.Tensor:
    """The same bound block by block: [clean blocks < b ; noisy block b] under a block-causal mask."""
    b, length = x0.shape
    total = torch.zeros(b, device=x0.device, dtype=t_tok.dtype)
    for start in range(0, length, block):
        end = start + block
        tokens = torch.cat([x0[:, :start], torch.where(masked, mask_id, x0)[:, start:end]], 1)
        blocks = torch.arange(end, device=x0.device) // block  # (end,)
        allowed = blocks[:, None] >= blocks[None, :]  # block-causal over this short sequence
        logits = model(tokens, torch.arange(end, device=x0.device), allowed)[:, start:end]
        ce = masked_ce(logits, x0[:, start:end], masked[:, start:end])
        total += (ce / t_tok[:, start:end]).sum(1)
    return total


def diffusion_loss(model, x0, mask_id: int, block: int | None, g: torch.Generator):
    """Mean one-sample bound per token over a batch: MDM when block is None, else BD3-LM."""
    length = x0.shape[1]
    per = None if block is None else torch.arange(length, device=x0.device) // block
    t_tok, masked = sample_masking(x0.shape, per, g, x0.device, stratified=True)
    if block is None:
        return mdm_terms(model, x0, mask_id, t_tok, masked).mean() / length
    return bd3_terms(model, x0, mask_id, block, t_tok, masked).mean() / length


@torch.no_grad()
def nll_bound(model, x0, mask_id: int, block: int | None, samples: int, g: torch.Generator):
    """Monte-Carlo NLL bound per token: (mean, standard error) over sequences x t-samples."""
    length = x0.shape[1]
    per = None if block is None else torch.arange(length, device=x0.device) // block
    est = torch.zeros(x0.shape[0], device=x0.device, dtype=torch.float64)
    for _ in range(samples):
        t_tok, masked = sample_masking(x0.shape, per, g, x0.device)
        if block is None:
            terms = mdm_terms(model, x0, mask_id, t_tok, masked)
        else:
            terms = bd3_terms(model, x0, mask_id, block, t_tok, masked)
        est += terms.double()
    per_seq = est / samples / length  # (B,) each sequence's bound per token
    return per_seq.mean().item(), (per_seq.std() / math.sqrt(len(per_seq))).item()


# ---- an order-1 Markov chain with an exact entropy (part b) ----


def markov_chain(states: int, alpha: float, g: torch.Generator) -> torch.Tensor:
    """Transition matrix (V, V) with rows ~ Dirichlet(alpha), from normalised Gamma draws."""
    gam = torch._standard_gamma(torch.full((states, states), alpha, dtype=torch.float64), g)
    return gam / gam.sum(1, keepdim=True)


def stationary(p: torch.Tensor, iters: int = 2000) -> torch.Tensor:
    """Stationary distribution pi = pi P by power iteration (float64)."""
    pi = torch.full((p.shape[0],), 1.0 / p.shape[0], dtype=torch.float64)
    for _ in range(iters):
        pi = pi @ p
    return pi / pi.sum()


def chain_entropy_per_token(p: torch.Tensor, pi: torch.Tensor, length: int) -> float:
    """Exact H(x_1..x_L) / L in nats for x_1 ~ pi: (H(pi) + (L - 1) sum_i pi_i H(P_i)) / L."""
    h_pi = -(pi * pi.clamp_min(1e-300).log()).sum()
    h_rows = -(p * p.clamp_min(1e-300).log()).sum(1)  # (V,)
    return ((h_pi + (length - 1) * (pi * h_rows).sum()) / length).item()


def sample_chain(p: torch.Tensor, pi: torch.Tensor, n: int, length: int, g: torch.Generator):
    """n sequences (n, L) of the chain started from its stationary distribution."""
    x = torch.empty(n, length, dtype=torch.long)
    x[:, 0] = torch.multinomial(pi.float(), n, replacement=True, generator=g)
    for i in range(1, length):
        x[:, i] = torch.multinomial(p[x[:, i - 1]].float(), 1, generator=g).squeeze(1)
    return x
