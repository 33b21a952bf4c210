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
    return torch.sigmoid(mean + std * torch.randn(shape, generator=g))
