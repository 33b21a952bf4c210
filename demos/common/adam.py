"""Adam (Kingma and Ba, arXiv:1412.6980, Algorithm 1) as a plain function over tensors.

torch.optim.Adam gives the same numbers (tests/demos/optim/test_mup_coord.py checks it), but its
constructor imports torch._dynamo, about 1.5 s of CPU on first use: a third of a smoke budget.
"""

from collections.abc import Sequence

import torch

BETAS, EPS = (0.9, 0.999), 1e-8


@torch.no_grad()
def adam_update(
    params: Sequence[torch.Tensor],
    grads: Sequence[torch.Tensor],
    moments: Sequence[tuple[torch.Tensor, torch.Tensor]],
    lrs: Sequence[float | torch.Tensor],
    t: int,
    betas: tuple[float, float] = BETAS,
    eps: float = EPS,
) -> None:
    """One bias-corrected Adam step in place; lrs[i] is a float or broadcasts against params[i]."""
    b1, b2 = betas
    for p, g, (m, v), lr in zip(params, grads, moments, lrs):
        m.mul_(b1).add_(g, alpha=1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        denom = (v / (1 - b2**t)).sqrt_().add_(eps)
        p.sub_(lr / (1 - b1**t) * m / denom)


def adam_moments(params: Sequence[torch.Tensor]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Zero first and second moments for each parameter."""
    return [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
