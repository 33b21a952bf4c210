"""Part (a) of D11: the reversal curse on a synthetic bijection, AR against masked diffusion.

Facts are sequences [a1 a2 b1 b2] with b = f(a) for a random bijection f between two sets of
2-token entities (LLaDA arXiv:2502.09992, Section 4 and Table 4, on the reversal curse). Both
models see only the forward order. AR is asked a -> b (forward) and b -> a (reversal) through a
prompt [BOS, b1, b2]; the MDM fills [a, MASK, MASK] and [MASK, MASK, b].
"""

from collections.abc import Callable

import torch
import torch.nn.functional as F

from demos.common.adam import adam_moments, adam_update
from demos.dlm.model import causal_mask
from demos.dlm.objectives import diffusion_loss

BETAS = (0.9, 0.98)


def bijection(n_facts: int, vocab: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Two disjoint sets of n distinct 2-token entities over one vocabulary, a (N, 2), b = f(a)."""
    if 2 * n_facts > vocab * vocab:
        raise ValueError(f"{n_facts} facts need at least {2 * n_facts} distinct token pairs")
    idx = torch.randperm(vocab * vocab, generator=g)[: 2 * n_facts]  # distinct pairs
    pairs = torch.stack([idx // vocab, idx % vocab], 1)  # (2N, 2)
    return pairs[:n_facts], pairs[n_facts:]


def train(
    model: torch.nn.Module,
    loss_fn: Callable[[torch.Tensor], torch.Tensor],
    x0: torch.Tensor,
    steps: int,
    lr: float,
    batch: int,
    g: torch.Generator,
    on_step: Callable[[int], None] | None = None,
) -> float:
    """Adam with linear warm-up over 10 % of the steps; minibatches drawn with replacement."""
    params = [p for p in model.parameters() if p.requires_grad]
    moments = adam_moments(params)
    warm = max(1, steps // 10)
    loss = torch.tensor(0.0)
    for step in range(steps):
        rows = torch.randint(len(x0), (batch,), generator=g, device=x0.device)
        loss = loss_fn(x0[rows])
        grads = torch.autograd.grad(loss, params)
        step_lr = lr * min(1.0, (step + 1) / warm)
        adam_update(params, grads, moments, [step_lr] * len(params), step + 1, BETAS)
        if on_step is not None:
            on_step(step)
    return loss.item()


def ar_loss(model, x0: torch.Tensor, bos: int) -> torch.Tensor:
    """Next-token cross-entropy per token on [BOS, x0[:-1]] -> x0 (causal mask)."""
    b, length = x0.shape
    inputs = torch.cat([torch.full((b, 1), bos, device=x0.device), x0[:, :-1]], 1)
    pos = torch.arange(length, device=x0.device)
    logits = model(inputs, pos, causal_mask(length, x0.device))
    return F.cross_entropy(logits.transpose(1, 2), x0)


def mdm_loss(model, x0: torch.Tensor, mask_id: int, g: torch.Generator) -> torch.Tensor:
    """LLaDA's loss with t ~ U(0, 1) over the whole sequence (no forward/reverse structure)."""
    return diffusion_loss(model, x0, mask_id, None, g)


@torch.no_grad()
def ar_complete(model, prompt: torch.Tensor, bos: int, new: int) -> torch.Tensor:
    """Greedy AR continuation of [BOS, prompt] by `new` tokens, (N, new)."""
    x = torch.cat([torch.full((len(prompt), 1), bos, device=prompt.device), prompt], 1)
    for _ in range(new):
        n = x.shape[1]
        logits = model(x, torch.arange(n, device=x.device), causal_mask(n, x.device))
        x = torch.cat([x, logits[:, -1].argmax(-1, keepdim=True)], 1)
    return x[:, -new:]


@torch.no_grad()
def mdm_fill(model, x: torch.Tensor, mask_id: int, decode: str = "confidence") -> torch.Tensor:
    """Fill the MASK positions of x (N, L): all at once ("parallel"), or one per step, most
    confident first ("confidence": LLaDA's low-confidence remasking, one token per step)."""
    x = x.clone()
    pos = torch.arange(x.shape[1], device=x.device)
    rows = torch.arange(len(x), device=x.device)
    while bool((x == mask_id).any()):
        masked = x == mask_id  # (N, L)
        conf, pred = model(x, pos).softmax(-1).max(-1)  # (N, L) each
        if decode == "parallel":
            return torch.where(masked, pred, x)
        best = conf.masked_fill(~masked, -1.0).argmax(1)  # (N,) most confident masked position
        fill = masked[rows, best]
        x[rows[fill], best[fill]] = pred[rows[fill], best[fill]]
    return x


def accuracies_ar(model, a: torch.Tensor, b: torch.Tensor, bos: int) -> dict[str, float]:
    """Exact-match accuracy of AR: forward a -> f(a), reversal b -> f^-1(b)."""
    fwd = (ar_complete(model, a, bos, 2) == b).all(1).float().mean().item()
    rev = (ar_complete(model, b, bos, 2) == a).all(1).float().mean().item()
    return {"forward": fwd, "reversal": rev}


def accuracies_mdm(model, a, b, mask_id: int, decode: str = "confidence") -> dict[str, float]:
    """Exact-match accuracy of the MDM: fill [a, M, M] (forward) and [M, M, b] (reversal)."""
    masks = torch.full_like(a, mask_id)
    fwd = (mdm_fill(model, torch.cat([a, masks], 1), mask_id, decode)[:, 2:] == b).all(1)
    rev = (mdm_fill(model, torch.cat([masks, b], 1), mask_id, decode)[:, :2] == a).all(1)
    return {"forward": fwd.float().mean().item(), "reversal": rev.float().mean().item()}
