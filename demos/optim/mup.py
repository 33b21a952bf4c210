"""Width-scaling rules for an MLP: standard parameterisation (SP), muP, and the spectral rule.

Papers: Tensor Programs V (arXiv:2203.03466), Table 3 (muP with Adam); the spectral condition for
feature learning (arXiv:2310.17813), spectral norms of W and of its update of order
sqrt(fan_out / fan_in). A model here is a STACK of M independent MLPs 32 -> n -> n -> n -> 10
(one per seed, or one per learning rate) held as (M, fan_out, fan_in) weights, so one batched
matmul trains all of them. Each `*_reference` function does the same for one model with
torch.nn / torch.optim or an SVD, and the tests compare the two.
"""

import math
from collections.abc import Callable, Sequence

import torch

from demos.common.adam import adam_moments, adam_update

RULES = ("sp", "mup", "spectral")
RULE_LABELS = {"sp": "SP + Adam", "mup": "muP + Adam", "spectral": "spectral (Muon-scaled)"}
NS_COEFFS = (3.4445, -4.7750, 2.0315)  # Muon's quintic Newton-Schulz coefficients
MUON_MOMENTUM = 0.9

Shape = tuple[int, int, str]  # (fan_out, fan_in, kind) with kind in input | hidden | output


def layer_shapes(d_in: int, width: int, d_out: int, hidden: int = 3) -> list[Shape]:
    """The weight shapes of an MLP d_in -> width (x hidden) -> d_out, first layer first."""
    shapes = [(width, d_in, "input")]
    shapes += [(width, width, "hidden")] * (hidden - 1)
    return shapes + [(d_out, width, "output")]


def init_std(rule: str, fan_out: int, fan_in: int, kind: str, base: int) -> float:
    """Initial standard deviation of one layer's entries under a rule.

    SP: 1/sqrt(fan_in) everywhere. muP (2203.03466, Table 3): the same, except the readout with
    variance 1/fan_in^2, written as base/fan_in^2 so that muP equals SP at the base width.
    Spectral (2310.17813): 1/sqrt(fan_in) * min(1, sqrt(fan_out/fan_in)), which puts the
    spectral norm of a Gaussian matrix at order sqrt(fan_out/fan_in).
    """
    if rule == "mup" and kind == "output":
        return math.sqrt(base) / fan_in
    if rule == "spectral":
        return min(1.0, math.sqrt(fan_out / fan_in)) / math.sqrt(fan_in)
    return 1.0 / math.sqrt(fan_in)


def lr_multiplier(rule: str, fan_out: int, fan_in: int, kind: str, base: int) -> float:
    """Per-layer learning-rate multiplier.

    SP: 1. muP with Adam (2203.03466, Table 3): 1 for the input layer, base/fan_in for hidden
    and output layers. Spectral: sqrt(fan_out/fan_in), the target spectral norm of the update
    (2310.17813), applied to an orthogonalised step whose spectral norm is about 1.
    """
    if rule == "mup":
        return 1.0 if kind == "input" else base / fan_in
    if rule == "spectral":
        return math.sqrt(fan_out / fan_in)
    return 1.0


def init_weights(
    rule: str, shapes: Sequence[Shape], base: int, gens: Sequence[torch.Generator], device: str
) -> list[torch.Tensor]:
    """One weight stack per layer, (M, fan_out, fan_in), model m drawn from gens[m]."""
    per_model = [
        [torch.randn(fo, fi, generator=g, device=device) * init_std(rule, fo, fi, k, base)
         for fo, fi, k in shapes]
        for g in gens
    ]  # fmt: skip
    return [torch.stack(layer) for layer in zip(*per_model)]  # each (M, fo, fi)


def forward(weights: Sequence[torch.Tensor], x: torch.Tensor):
    """ReLU MLP on a stack of models; returns (output (M, B, d_out), hidden activations).

    Args:
        weights: per layer (M, fan_out, fan_in); x: (M, B, d_in).
    """
    hiddens = []
    h = x
    for w in weights[:-1]:
        h = torch.relu(h @ w.transpose(1, 2))  # (M, B, fan_in) @ (M, fan_in, fan_out)
        hiddens.append(h)
    return h @ weights[-1].transpose(1, 2), hiddens  # (M, B, d_out)


def forward_reference(weights: Sequence[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """One model's output with torch.nn.Linear layers (weights (fan_out, fan_in), x (B, d_in))."""
    layers = []
    for i, w in enumerate(weights):
        lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=False, dtype=w.dtype)
        lin.weight.data.copy_(w)
        layers += [lin] if i == len(weights) - 1 else [lin, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers)(x)


def mse_per_model(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error of each model, (M,); summing it keeps the models' gradients apart."""
    return (out - y).square().mean((1, 2))


def adam_step(weights, grads, state, lr: torch.Tensor, mults: Sequence[float], t: int) -> None:
    """Adam on every stack, learning rate lr[m] * mults[layer]; state from adam_moments()."""
    adam_update(weights, grads, state, [(lr * mult).view(-1, 1, 1) for mult in mults], t)


def newton_schulz(g: torch.Tensor, steps: int = 5, dtype: torch.dtype | None = None):
    """Muon's quintic Newton-Schulz iteration: about U V^T of each (fan_out, fan_in) matrix.

    X <- a X + (b A + c A^2) X with A = X X^T, after X = G / ||G||_F; wide form inside.
    `dtype`: the iteration's precision (Muon runs it in bfloat16 on GPUs; None keeps g's).
    """
    a, b, c = NS_COEFFS
    tall = g.shape[-2] > g.shape[-1]
    x = g.transpose(-2, -1) if tall else g  # (M, short, long)
    x = (x / (x.norm(dim=(-2, -1), keepdim=True) + 1e-7)).to(dtype or g.dtype)
    for _ in range(steps):
        s = x @ x.transpose(-2, -1)  # (M, short, short)
        x = a * x + (b * s + c * s @ s) @ x
    x = x.to(g.dtype)
    return x.transpose(-2, -1) if tall else x


def newton_schulz_reference(g: torch.Tensor, steps: int = 5) -> torch.Tensor:
    """The same iteration on the singular values: U p(s / ||G||_F) V^T (odd polynomials commute)."""
    a, b, c = NS_COEFFS
    u, s, vh = torch.linalg.svd(g, full_matrices=False)
    s = s / (g.norm(dim=(-2, -1), keepdim=True).squeeze(-1) + 1e-7)
    for _ in range(steps):
        s = a * s + b * s**3 + c * s**5
    return u @ torch.diag_embed(s) @ vh


@torch.no_grad()
def spectral_step(weights, grads, bufs, lr: torch.Tensor, mults: Sequence[float], ns_dtype=None):
    """Muon-scaled step: momentum, Newton-Schulz, then spectral size lr[m] * sqrt(fo/fi)."""
    for w, g, buf, mult in zip(weights, grads, bufs, mults):
        buf.mul_(MUON_MOMENTUM).add_(g)
        w.sub_((lr * mult).view(-1, 1, 1) * newton_schulz(buf, dtype=ns_dtype))


def teacher(gens: Sequence[torch.Generator], d_in: int, d_out: int, device: str, hidden: int = 64):
    """A fixed random tanh network per model, y = tanh(x A^T) C^T: the regression target."""
    a = torch.stack([torch.randn(hidden, d_in, generator=g, device=device) for g in gens])
    c = torch.stack([torch.randn(d_out, hidden, generator=g, device=device) for g in gens])
    a, c = a / math.sqrt(d_in), c / math.sqrt(hidden)

    def target(x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x @ a.transpose(1, 2)) @ c.transpose(1, 2)  # (M, B, d_out)

    return target


def inputs(gens: Sequence[torch.Generator], batch: int, d_in: int, device: str) -> torch.Tensor:
    """A standard Gaussian input batch per model, (M, batch, d_in)."""
    return torch.stack([torch.randn(batch, d_in, generator=g, device=device) for g in gens])


def make_stepper(rule: str, weights: list[torch.Tensor], ns_dtype=None) -> Callable:
    """The optimiser of a rule as step(grads, lr, mults, t): Adam for SP and muP, Muon-scaled else."""
    if rule == "spectral":
        bufs = [torch.zeros_like(w) for w in weights]
        return lambda grads, lr, mults, t: spectral_step(weights, grads, bufs, lr, mults, ns_dtype)
    state = adam_moments(weights)
    return lambda grads, lr, mults, t: adam_step(weights, grads, state, lr, mults, t)


def train(
    rule: str,
    weights: list[torch.Tensor],
    mults: Sequence[float],
    lr: torch.Tensor,
    batches: Callable[[int], tuple[torch.Tensor, torch.Tensor]],
    steps: int,
    after_step: Callable[[int, torch.Tensor], None] | None = None,
    ns_dtype: torch.dtype | None = None,
) -> None:
    """`steps` optimiser steps on the MSE of every stacked model; after_step(t, losses (M,))."""
    step = make_stepper(rule, weights, ns_dtype)
    for t in range(1, steps + 1):
        x, y = batches(t)
        params = [w.requires_grad_() for w in weights]
        losses = mse_per_model(forward(params, x)[0], y)  # (M,)
        grads = torch.autograd.grad(losses.sum(), params)
        for w in weights:
            w.requires_grad_(False)
        step(grads, lr, mults, t)
        if after_step is not None:
            after_step(t, losses.detach())


def rms(h: torch.Tensor) -> torch.Tensor:
    """Root mean square of each model's activations, (M, B, n) -> (M,)."""
    return h.square().mean((1, 2)).sqrt()
