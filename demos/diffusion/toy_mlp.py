"""A stack of M independent ReLU MLPs evaluated with batched matrix products, and its reference.

Shared by the learned toy demos (D2 `jit_xpred`, D3 `meanflow`): several small models (one per
parameterisation, method or seed) train at once, one `baddbmm` per layer instead of M small
matmuls, which is what makes the smoke sizes fit one CPU thread. Models never mix: model m only
ever sees slice m of every weight, so Adam on the stacked tensors equals M separate Adams.
"""

import math

import torch


def init_stack(
    m: int, sizes: list[int], generator: torch.Generator, device: str = "cpu"
) -> list[torch.Tensor]:
    """Weights [W_1, b_1, ...] of M MLPs, nn.Linear's U(-1/sqrt(fan_in), +) init from `generator`.

    W_l is (M, fan_in, fan_out), b_l is (M, 1, fan_out); drawn on the CPU so a seed gives the same
    models on every device.
    """
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / math.sqrt(fan_in)
        w = (2 * torch.rand(m, fan_in, fan_out, generator=generator) - 1) * bound
        b = (2 * torch.rand(m, 1, fan_out, generator=generator) - 1) * bound
        params += [w.to(device).requires_grad_(), b.to(device).requires_grad_()]
    return params


def mlp_stack(params: list[torch.Tensor], h: torch.Tensor) -> torch.Tensor:
    """Forward of M MLPs at once: h (M, B, fan_in) -> (M, B, fan_out); ReLU between layers."""
    layers = len(params) // 2
    for i in range(layers):
        w, b = params[2 * i], params[2 * i + 1]  # (M, in, out), (M, 1, out)
        h = torch.baddbmm(b, h, w)  # (M, B, out) = b + h @ w
        if i < layers - 1:
            h = torch.relu(h)
    return h


def mlp_stack_homogeneous(params: list[torch.Tensor], h: torch.Tensor) -> torch.Tensor:
    """mlp_stack with each bias folded into its product: [h, 1] @ [W; b]. (M, B, in) -> (M, B, out).

    For torch.func.jvp (MeanFlow): forward-mode AD of the broadcast bias add costs about 2.5 ms
    per layer at (2, 64, 128) on one CPU thread in torch 2.13, the folded product about 0.6 ms.
    """
    layers = len(params) // 2
    ones = h.new_ones(*h.shape[:-1], 1)  # (M, B, 1)
    for i in range(layers):
        w, b = params[2 * i], params[2 * i + 1]  # (M, in, out), (M, 1, out)
        h = torch.bmm(
            torch.cat([h, ones], -1), torch.cat([w, b], 1)
        )  # (M, B, in+1) @ (M, in+1, out)
        if i < layers - 1:
            h = torch.relu(h)
    return h


def mlp_stack_reference(params: list[torch.Tensor], h: torch.Tensor) -> torch.Tensor:
    """Obviously-correct form of mlp_stack: one model at a time, x @ W + b, ReLU between."""
    outs = []
    for m in range(h.shape[0]):
        x = h[m]  # (B, in)
        for i in range(len(params) // 2):
            x = x @ params[2 * i][m] + params[2 * i + 1][m, 0]
            if i < len(params) // 2 - 1:
                x = torch.relu(x)
        outs.append(x)
    return torch.stack(outs)  # (M, B, out)


def logit_normal(
    shape: tuple[int, ...], mean: float, std: float, g: torch.Generator
) -> torch.Tensor:
    """Samples of sigmoid(N(mean, std^2)): the time distribution of JiT and MeanFlow training."""
    return torch.sigmoid(mean + std * torch.randn(shape, generator=g, device=g.device))


class Adam:
    """Adam (Kingma and Ba, Alg. 1) on a list of tensors with torch's _foreach kernels.

    torch.optim.Adam gives the same updates (tests compare them) but its first step imports
    torch._dynamo: about 1.2 s of CPU in a fresh process, a quarter of a 5 s smoke budget.
    """

    def __init__(self, params: list[torch.Tensor], lr: float, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m = [torch.zeros_like(p) for p in params]  # first moments
        self.v = [torch.zeros_like(p) for p in params]  # second moments
        self.t = 0

    @torch.no_grad()
    def step(self) -> None:
        """One update from each param's .grad; the grads are cleared afterwards."""
        b1, b2 = self.betas
        self.t += 1
        grads = [p.grad for p in self.params]
        torch._foreach_lerp_(self.m, grads, 1 - b1)  # m <- b1 m + (1 - b1) g
        torch._foreach_mul_(self.v, b2)
        torch._foreach_addcmul_(self.v, grads, grads, 1 - b2)  # v <- b2 v + (1 - b2) g^2
        denom = torch._foreach_sqrt(self.v)
        torch._foreach_div_(denom, (1 - b2**self.t) ** 0.5)  # sqrt(v_hat)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(self.params, self.m, denom, -self.lr / (1 - b1**self.t))
        for p in self.params:
            p.grad = None
