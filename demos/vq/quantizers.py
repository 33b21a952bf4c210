"""Vector quantisers with their gradient estimators: STE, DiVeQ and SF-DiVeQ (arXiv:2509.26469).

All functions take a leading "run" dimension S (independent seeds trained side by side):
latents z (S, B, D), codebooks (S, K, D). Each returns (z_q, idx, aux_loss).
"""

import torch


def nearest(z: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Index of the nearest codeword, from ||z||^2 - 2 z.c + ||c||^2. (S, B, D), (S, K, D) -> (S, B)."""
    d2 = (
        z.square().sum(-1, keepdim=True)  # (S, B, 1)
        - 2 * z @ codebook.mT  # (S, B, K)
        + codebook.square().sum(-1)[:, None, :]  # (S, 1, K)
    )
    return d2.argmin(-1)


def nearest_reference(z: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Nearest codeword by explicit differences (the definition), for tests."""
    diff = z[:, :, None, :] - codebook[:, None, :, :]  # (S, B, K, D)
    return diff.square().sum(-1).argmin(-1)


def gather(codebook: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """codebook[s, idx[s, b]] for every run and row: (S, K, D), (S, B) -> (S, B, D)."""
    return torch.gather(codebook, 1, idx[..., None].expand(-1, -1, codebook.shape[-1]))


def ste(z: torch.Tensor, codebook: torch.Tensor, beta: float = 0.25):
    """Straight-through VQ-VAE: z_q = z + sg(c* - z); codebook loss ||sg(z) - c||^2 + beta
    commitment ||z - sg(c)||^2 (van den Oord et al. 2017, the baseline of 2509.26469)."""
    idx = nearest(z.detach(), codebook.detach())
    c = gather(codebook, idx)  # (S, B, D)
    z_q = z + (c - z).detach()
    aux = (z.detach() - c).square().sum(-1).mean() + beta * (z - c.detach()).square().sum(-1).mean()
    return z_q, idx, aux


def _diveq_towards(z: torch.Tensor, target: torch.Tensor, sigma: float, g: torch.Generator):
    """z + ||d|| sg((d + eps) / ||d + eps||) with d = target - z, eps ~ N(0, sigma^2 I)
    (2509.26469 eq. for DiVeQ): the value is (almost) the target, the gradient reaches z and
    the target through ||d||."""
    d = target - z  # (S, B, D)
    eps = sigma * torch.randn(d.shape, generator=g, device=d.device, dtype=d.dtype)
    direction = (d + eps) / (d + eps).norm(dim=-1, keepdim=True).clamp_min(1e-12)
    return z + d.norm(dim=-1, keepdim=True) * direction.detach()


def diveq(z: torch.Tensor, codebook: torch.Tensor, sigma: float, g: torch.Generator):
    """DiVeQ: quantise to the nearest codeword c* along a detached direction (no aux loss)."""
    idx = nearest(z.detach(), codebook.detach())
    return _diveq_towards(z, gather(codebook, idx), sigma, g), idx, z.new_zeros(())


def sf_diveq(z: torch.Tensor, codebook: torch.Tensor, sigma: float, g: torch.Generator):
    """SF-DiVeQ: quantise to the nearest dithered point (1 - lam) c_i + lam c_{i+1} on the
    codebook's chain of segments (lam ~ U(0, 1) per segment and step), so both neighbours get
    gradient. Returns the nearest codeword's index for usage counting."""
    S, K, D = codebook.shape
    lam = torch.rand(S, K - 1, 1, generator=g, device=z.device, dtype=z.dtype)
    points = (1 - lam) * codebook[:, :-1] + lam * codebook[:, 1:]  # (S, K-1, D)
    seg = nearest(z.detach(), points.detach())  # (S, B): nearest dithered segment point
    z_q = _diveq_towards(z, gather(points, seg), sigma, g)
    return z_q, nearest(z.detach(), codebook.detach()), z.new_zeros(())


def usage(idx: torch.Tensor, K: int) -> tuple[list[int], list[float]]:
    """Codes used and perplexity exp(H(p)) of the code histogram, per run. idx: (S, N)."""
    counts = torch.zeros(idx.shape[0], K, device=idx.device).scatter_add_(
        1, idx, torch.ones_like(idx, dtype=torch.float32)
    )  # (S, K)
    p = counts / counts.sum(-1, keepdim=True)
    entropy = -(p * p.clamp_min(1e-30).log()).sum(-1)  # (S,)
    return (counts > 0).sum(-1).tolist(), entropy.exp().tolist()


@torch.no_grad()
def lloyd(z: torch.Tensor, K: int, iters: int, g: torch.Generator) -> torch.Tensor:
    """k-means (Lloyd) codebook for latents z (S, N, D), initialised from K random latents."""
    S, N, _ = z.shape
    pick = torch.stack([torch.randperm(N, generator=g, device=z.device)[:K] for _ in range(S)])
    centres = gather(z, pick)  # (S, K, D)
    for _ in range(iters):
        idx = nearest(z, centres)  # (S, N)
        sums = torch.zeros_like(centres).scatter_add_(1, idx[..., None].expand_as(z), z)
        counts = torch.zeros(S, K, 1, device=z.device).scatter_add_(
            1, idx[..., None], torch.ones(S, N, 1, device=z.device)
        )
        centres = torch.where(counts > 0, sums / counts.clamp_min(1), centres)  # keep empty ones
    return centres


def distortion(z: torch.Tensor, codebook: torch.Tensor) -> list[float]:
    """Mean squared distance of each latent to its nearest codeword, per run."""
    return (z - gather(codebook, nearest(z, codebook))).square().sum(-1).mean(-1).tolist()
