"""JiT's x-, eps- and v-prediction trained with one v-loss, and the Euler sampler (arXiv:2511.13720).

Flow-matching path (JiT §3, t = 1 is data): z_t = t x + (1 - t) eps, velocity v = x - eps. The
network outputs one of x_hat, eps_hat, v_hat; every output is converted to a velocity and trained
with the same v-loss (JiT's "x-prediction, v-loss"), and to a clean estimate x_hat for the last
sampling step. Several models (parameterisations x seeds) train at once as one stack
(`toy_mlp.mlp_stack`); `*_reference` functions do the same one model at a time.
"""

from collections.abc import Callable

import torch

from demos.diffusion.toy_mlp import Adam, logit_normal, mlp_stack, mlp_stack_reference

PREDICTIONS = ("x", "eps", "v")
T_CLIP = 0.05  # JiT's t_eps: the 1/(1 - t) and 1/t of the conversions are clipped here


def to_velocity(pred: str, out: torch.Tensor, z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """v_hat from the network output (JiT Eq. 6): x: (x_hat - z)/(1 - t); eps: (z - eps_hat)/t."""
    if pred == "x":
        return (out - z) / (1 - t).clamp_min(T_CLIP)
    if pred == "eps":
        return (z - out) / t.clamp_min(T_CLIP)
    return out


def to_clean(pred: str, out: torch.Tensor, z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """x_hat from the network output: x: as is; eps: (z - (1 - t) eps_hat)/t; v: z + (1 - t) v_hat."""
    if pred == "x":
        return out
    if pred == "eps":
        return (z - (1 - t) * out) / t.clamp_min(T_CLIP)
    return z + (1 - t) * out


def coefficients(
    preds: tuple[str, ...], t: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """to_velocity and to_clean of M models at once, as v = a out + b z and x = c out + d z.

    Args:
        t: (M, B, 1) times. Returns four (M, B, 1) tensors, row m following preds[m].
    """
    inv_1mt = 1 / (1 - t).clamp_min(T_CLIP)  # (M, B, 1)
    inv_t = 1 / t.clamp_min(T_CLIP)
    one, zero = torch.ones_like(t), torch.zeros_like(t)
    table = {  # pred -> (a, b, c, d), the algebra of to_velocity and to_clean
        "x": (inv_1mt, -inv_1mt, one, zero),
        "eps": (-inv_t, inv_t, -(1 - t) * inv_t, inv_t),
        "v": (one, zero, 1 - t, one),
    }
    rows = [torch.stack([table[p][k][m] for m, p in enumerate(preds)]) for k in range(4)]
    return rows[0], rows[1], rows[2], rows[3]


def network_input(z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The MLP's input: z (..., D) with t appended as one more coordinate -> (..., D + 1)."""
    return torch.cat([z, t.expand(*z.shape[:-1], 1)], -1)


def v_loss(
    params: list[torch.Tensor],
    preds: tuple[str, ...],
    x: torch.Tensor,
    eps: torch.Tensor,
    t: torch.Tensor,
) -> torch.Tensor:
    """Sum over the M stacked models of mean |v_hat - (x - eps)|^2 (JiT Alg. 1, any parameterisation).

    Args:
        x, eps: (M, B, D) data and noise; t: (M, B, 1) times; preds[m] is model m's output type.
    """
    z = t * x + (1 - t) * eps  # (M, B, D)
    out = mlp_stack(params, network_input(z, t))  # (M, B, D)
    a, b, _, _ = coefficients(preds, t)
    v_hat = a * out + b * z  # (M, B, D): to_velocity of each model's output
    # sum over models of each model's mean loss: models share no weights, gradients stay apart
    return (v_hat - (x - eps)).square().sum(-1).mean(-1).sum()


def v_loss_reference(
    params: list[torch.Tensor],
    preds: tuple[str, ...],
    x: torch.Tensor,
    eps: torch.Tensor,
    t: torch.Tensor,
) -> torch.Tensor:
    """v_loss one model at a time through to_velocity (the obviously-correct form)."""
    total = torch.zeros(())
    for m, pred in enumerate(preds):
        z = t[m] * x[m] + (1 - t[m]) * eps[m]  # (B, D)
        single = [p[m : m + 1] for p in params]
        out = mlp_stack_reference(single, network_input(z, t[m])[None])[0]
        total = total + (to_velocity(pred, out, z, t[m]) - (x[m] - eps[m])).square().sum(-1).mean()
    return total


def train(
    params: list[torch.Tensor],
    preds: tuple[str, ...],
    draw: Callable[[], tuple[torch.Tensor, torch.Tensor, torch.Tensor]],
    *,
    steps: int,
    lr: float,
    on_step: Callable[[int], None] | None = None,
) -> list[float]:
    """Adam on the stacked models' v-loss; `draw()` gives each step's (x, eps, t), each (M, B, .).

    Returns the mean per-model loss at every step.
    """
    opt = Adam(params, lr=lr)
    losses = []
    for step in range(steps):
        x, eps, t = draw()
        loss = v_loss(params, preds, x, eps, t)
        loss.backward()
        opt.step()
        losses.append(loss.item() / len(preds))
        if on_step is not None:
            on_step(step)
    return losses


def batch_sampler(
    data: Callable[[int, torch.Generator], torch.Tensor],
    models: int,
    batch: int,
    t_mean: float,
    t_std: float,
    g: torch.Generator,
    device: str,
) -> Callable[[], tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """A draw() for train(): x from data(n, g) (n, D), eps ~ N(0, I), t ~ logit-normal, per model.

    Draws happen on the generator's device (a GPU generator at full size: no host copies).
    """

    def draw() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = data(models * batch, g).view(models, batch, -1)  # (M, B, D)
        eps = torch.randn(x.shape, generator=g, device=g.device)
        t = logit_normal((models, batch, 1), t_mean, t_std, g)  # (M, B, 1)
        return x.to(device), eps.to(device), t.to(device)

    return draw


@torch.no_grad()
def sample(
    params: list[torch.Tensor], preds: tuple[str, ...], noise: torch.Tensor, steps: int
) -> torch.Tensor:
    """Euler ODE from t = 0 (noise) to 1; the last step returns the model's own x_hat (as JiT).

    Args:
        noise: (M, N, D) starting points, one set per stacked model. Returns (M, N, D).
    """
    ts = torch.linspace(0, 1, steps + 1, device=noise.device, dtype=noise.dtype)
    z = noise
    for i in range(steps):
        t = ts[i].expand(*z.shape[:-1], 1)  # (M, N, 1)
        out = mlp_stack(params, network_input(z, t))  # (M, N, D)
        a, b, c, d = coefficients(preds, t)
        if i == steps - 1:  # an Euler step to t = 1 would land on x_hat: return it exactly
            return c * out + d * z
        z = z + (ts[i + 1] - ts[i]) * (a * out + b * z)
    return z


@torch.no_grad()
def sample_reference(
    params: list[torch.Tensor], preds: tuple[str, ...], noise: torch.Tensor, steps: int
) -> torch.Tensor:
    """sample() one model at a time, with plain Euler steps and the last step's clean estimate."""
    outs = []
    for m, pred in enumerate(preds):
        single = [p[m : m + 1] for p in params]
        z, dt = noise[m : m + 1], 1.0 / steps
        for i in range(steps):
            t = torch.full((1, z.shape[1], 1), i * dt, device=z.device, dtype=z.dtype)
            out = mlp_stack_reference(single, torch.cat([z, t], -1))
            z = (
                to_clean(pred, out, z, t)
                if i == steps - 1
                else z + dt * to_velocity(pred, out, z, t)
            )
        outs.append(z[0])
    return torch.stack(outs)


def off_manifold(x: torch.Tensor, basis: torch.Tensor) -> torch.Tensor:
    """Mean norm of the component of x outside span(basis): E |(I - P P^T) x|. x (..., N, D)."""
    on = (x @ basis) @ basis.T  # (..., N, D): projection onto the data plane
    return (x - on).norm(dim=-1).mean(-1)
