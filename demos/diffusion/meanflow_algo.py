"""MeanFlow (arXiv:2505.13447) and its flow-matching baseline (arXiv:2210.02747), as one loss.

Convention of the MeanFlow paper: t = 1 is noise, z_t = (1 - t) x + t eps, v = eps - x. The
network u(z, r, t) models the average velocity over [r, t]. MeanFlow identity (Eq. 6):
u = v - (t - r) du/dt, with du/dt = v . d_z u + d_t u, one Jacobian-vector product along the
tangent (v, 0, 1) (Alg. 1). With r = t the target is v itself: flow matching is the special case
r = t everywhere (fm_ratio = 1) with no adaptive weight (power 0), so both methods train in one
stack of models (`toy_mlp.mlp_stack`) through the same function.
"""

from collections.abc import Callable

import torch
from torch.func import jvp

from demos.diffusion.toy_mlp import Adam, logit_normal, mlp_stack_homogeneous

Draw = Callable[[], tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]]


def average_velocity(params: list[torch.Tensor], z: torch.Tensor, r: torch.Tensor, t: torch.Tensor):
    """u(z, r, t) of M stacked MLPs, conditioned on (t, t - r) as in MeanFlow: (M, B, D)."""
    return mlp_stack_homogeneous(params, torch.cat([z, t, t - r], -1))  # input (M, B, D + 2)


def sample_times(
    models: int, batch: int, fm_ratio: torch.Tensor, g: torch.Generator, mean=-0.4, std=1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """(r, t), each (M, B, 1): two logit-normal draws sorted so r <= t; a share fm_ratio[m] r = t."""
    a = logit_normal((models, batch, 1), mean, std, g)
    b = logit_normal((models, batch, 1), mean, std, g)
    t, r = torch.maximum(a, b), torch.minimum(a, b)
    same = torch.rand(models, batch, 1, generator=g, device=g.device)
    same = same < fm_ratio.to(g.device).view(-1, 1, 1)  # (M, B, 1)
    return torch.where(same, t, r), t


def meanflow_loss(
    params: list[torch.Tensor],
    x: torch.Tensor,
    eps: torch.Tensor,
    r: torch.Tensor,
    t: torch.Tensor,
    power: torch.Tensor,
    c: float = 1e-3,
) -> torch.Tensor:
    """Sum over models of MeanFlow's adaptively weighted loss (Alg. 1, Eq. 9-10, §4.3).

    Args:
        x, eps: (M, B, D); r, t: (M, B, 1); power: (M,) weight exponent p (0: plain MSE).
    """
    z = (1 - t) * x + t * eps  # (M, B, D)
    v = eps - x  # conditional velocity
    fn = lambda z_, r_, t_: average_velocity(params, z_, r_, t_)  # noqa: E731
    # one forward-mode pass gives u and du/dt = v . d_z u + 0 . d_r u + 1 . d_t u
    u, dudt = jvp(fn, (z, r, t), (v, torch.zeros_like(r), torch.ones_like(t)))
    u_tgt = (v - (t - r) * dudt).detach()  # stopgrad target (Eq. 10)
    err = (u - u_tgt).square().sum(-1)  # (M, B): squared L2 per sample
    w = 1 / (err.detach() + c) ** power.view(-1, 1)  # adaptive weight, stopgrad (§4.3)
    return (w * err).mean(-1).sum()


def meanflow_loss_reference(
    params: list[torch.Tensor],
    x: torch.Tensor,
    eps: torch.Tensor,
    r: torch.Tensor,
    t: torch.Tensor,
    power: torch.Tensor,
    c: float = 1e-3,
    h: float = 1e-6,
) -> torch.Tensor:
    """meanflow_loss with du/dt by a central difference along (v, 0, 1) (use float64)."""
    z, v = (1 - t) * x + t * eps, eps - x
    with torch.no_grad():
        ahead = average_velocity(params, z + h * v, r, t + h)
        behind = average_velocity(params, z - h * v, r, t - h)
        dudt = (ahead - behind) / (2 * h)
    u = average_velocity(params, z, r, t)
    total = torch.zeros((), dtype=x.dtype)
    for m in range(x.shape[0]):
        err = (u[m] - (v[m] - (t[m] - r[m]) * dudt[m])).square().sum(-1)  # (B,)
        total = total + (err / (err.detach() + c) ** power[m].item()).mean()
    return total


def train(
    params: list[torch.Tensor],
    draw: Draw,
    power: torch.Tensor,
    *,
    steps: int,
    lr: float,
    on_step: Callable[[int], None] | None = None,
) -> list[float]:
    """Adam on the stacked models; `draw()` gives (x, eps, r, t) for a step. Returns the losses."""
    opt = Adam(params, lr=lr)
    losses = []
    for step in range(steps):
        x, eps, r, t = draw()
        loss = meanflow_loss(params, x, eps, r, t, power)
        loss.backward()
        opt.step()
        losses.append(loss.item() / x.shape[0])
        if on_step is not None:
            on_step(step)
    return losses


@torch.no_grad()
def sample(params: list[torch.Tensor], noise: torch.Tensor, steps: int) -> torch.Tensor:
    """n-step sampling from t = 1 to 0: z_r = z_t - (t - r) u(z_t, r, t) (MeanFlow Alg. 2).

    For a flow-matching model u(z, t, t) = v, so this is Euler with the same grid.
    Args: noise (M, N, D). Returns (M, N, D).
    """
    ts = torch.linspace(1, 0, steps + 1, device=noise.device, dtype=noise.dtype)
    z = noise
    for t_, r_ in zip(ts[:-1], ts[1:]):
        t, r = t_.expand(*z.shape[:-1], 1), r_.expand(*z.shape[:-1], 1)  # (M, N, 1)
        z = z - (t - r) * average_velocity(params, z, r, t)
    return z


@torch.no_grad()
def sample_euler_reference(
    params: list[torch.Tensor], noise: torch.Tensor, steps: int
) -> torch.Tensor:
    """Plain Euler on dz/dt = v(z, t) with v = u(z, t, t), one step at a time (for FM models)."""
    z, dt = noise, 1.0 / steps
    for i in range(steps):
        t = torch.full((*z.shape[:-1], 1), 1 - i * dt, dtype=z.dtype, device=z.device)
        z = z - dt * average_velocity(params, z, t, t)
    return z
