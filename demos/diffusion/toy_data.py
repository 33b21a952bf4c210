"""Synthetic 2-D data for the learned toy demos: a spiral, 8 Gaussians, a checkerboard.

Every sampler takes an explicit generator and returns (n, 2) float32 on the generator's device
(training draws fresh batches every step, so at GPU size they are drawn on the GPU). Scales are about unit variance, as the
noise they are paired with (N(0, I)).
"""

import math

import torch


def spiral(n: int, g: torch.Generator, noise: float = 0.03) -> torch.Tensor:
    """A two-turn spiral, uniform along its length, plus Gaussian noise: (n, 2)."""
    u = torch.rand(n, generator=g, device=g.device)
    theta = 4 * math.pi * (0.05 + 0.95 * u.sqrt())  # sqrt: even density along the arc
    radius = 2 * theta / (4 * math.pi)  # up to radius 2
    s = torch.stack([radius * theta.cos(), radius * theta.sin()], 1)  # (n, 2)
    return s + noise * torch.randn(n, 2, generator=g, device=g.device)


def eight_gaussians(n: int, g: torch.Generator, radius: float = 2.0, std: float = 0.1):
    """Eight equal-weight Gaussians on a circle: (n, 2)."""
    k = torch.randint(0, 8, (n,), generator=g, device=g.device)
    angle = k.float() * (2 * math.pi / 8)
    centres = radius * torch.stack([angle.cos(), angle.sin()], 1)  # (n, 2)
    return centres + std * torch.randn(n, 2, generator=g, device=g.device)


def checkerboard(n: int, g: torch.Generator) -> torch.Tensor:
    """Uniform on the 8 dark squares of a 4 x 4 board over [-2, 2]^2: (n, 2)."""
    x = 4 * torch.rand(n, generator=g, device=g.device) - 2
    cell = torch.randint(0, 2, (n,), generator=g, device=g.device).float()
    # y lies in a square whose row parity matches the column of x, so the board alternates
    y = torch.rand(n, generator=g, device=g.device) + cell * 2 - 2 + (torch.floor(x) % 2)
    return torch.stack([x, y], 1)


DATASETS = {"spiral": spiral, "8gaussians": eight_gaussians, "checkerboard": checkerboard}


def column_orthonormal(d: int, k: int, g: torch.Generator) -> torch.Tensor:
    """A random (d, k) matrix with orthonormal columns (Q factor of a Gaussian matrix)."""
    q, r = torch.linalg.qr(torch.randn(d, k, generator=g, dtype=torch.float64))
    return (q * torch.sign(torch.diagonal(r))).float()  # sign fix: a unique Q per draw


def batch_generator(seed_gen: torch.Generator, device: str, seed: int) -> torch.Generator:
    """The stream training batches come from: the seed's CPU generator on the CPU, else one on
    the device, so a GPU run draws each step's batch where it trains (no host copies)."""
    return seed_gen if device == "cpu" else torch.Generator(device=device).manual_seed(seed)
