"""A Gaussian mixture whose denoiser E[x0 | x0 + sigma n] is closed form, and its exact sampler.

The mixture is the data distribution of demo D1 (design/demos.md §3.1): with the exact
posterior mean as the "network", sampler error is measured with no training at all. The fast
denoiser works in each component's eigenbasis; `denoise_dense` beside it is the textbook formula
with full covariance matrices, the reference the tests compare it with.
"""

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class GaussianMixture:
    """p0 = sum_k pi_k N(mu_k, U_k diag(lam_k) U_k^T); every tensor float64."""

    log_pi: torch.Tensor  # (K,)
    mu: torch.Tensor  # (K, D)
    U: torch.Tensor  # (K, D, D), orthonormal columns (eigenvectors)
    lam: torch.Tensor  # (K, D), eigenvalues

    @property
    def dim(self) -> int:
        """Data dimension D."""
        return self.mu.shape[1]

    def to(self, device: str | torch.device) -> "GaussianMixture":
        """The same mixture on another device."""
        return GaussianMixture(*(t.to(device) for t in (self.log_pi, self.mu, self.U, self.lam)))

    def covariances(self) -> torch.Tensor:
        """Sigma_k = U_k diag(lam_k) U_k^T, (K, D, D)."""
        return torch.einsum("kde,ke,kfe->kdf", self.U, self.lam, self.U)  # (K, D, D)


def mixture_random(dim: int, components: int, generator: torch.Generator) -> GaussianMixture:
    """mu = 2 N(0, I), U = Q of a Gaussian matrix, lam = exp(N(-2, 1)), log pi = log_softmax(N)."""
    kw = {"generator": generator, "dtype": torch.float64}
    mu = 2 * torch.randn(components, dim, **kw)  # (K, D)
    U, _ = torch.linalg.qr(torch.randn(components, dim, dim, **kw))  # (K, D, D)
    lam = torch.exp(-2 + torch.randn(components, dim, **kw))  # (K, D)
    log_pi = torch.log_softmax(torch.randn(components, **kw), dim=0)  # (K,)
    return GaussianMixture(log_pi, mu, U, lam)


def sample_exact(gmm: GaussianMixture, n: int, generator: torch.Generator) -> torch.Tensor:
    """n exact samples from p0 (drawn on the CPU generator, returned on the mixture's device)."""
    dev = gmm.mu.device
    k = torch.multinomial(gmm.log_pi.exp().cpu(), n, replacement=True, generator=generator)
    z = torch.randn(n, gmm.dim, generator=generator, dtype=torch.float64).to(dev)  # (N, D)
    k = k.to(dev)
    coords = gmm.lam[k].sqrt() * z  # (N, D) in the eigenbasis
    return gmm.mu[k] + torch.einsum("nde,ne->nd", gmm.U[k], coords)  # (N, D)


def denoise(gmm: GaussianMixture, x: torch.Tensor, sigma: torch.Tensor | float) -> torch.Tensor:
    """Exact posterior mean E[x0 | x_sigma = x], evaluated in each component's eigenbasis.

    Args:
        x: (N, D) noisy points; sigma: scalar noise level (x_sigma = x0 + sigma n).
    """
    N, D = x.shape
    K = gmm.mu.shape[0]
    var = gmm.lam + sigma**2  # (K, D) eigenvalues of Sigma_k + sigma^2 I
    whiten = gmm.U / var.sqrt()[:, None, :]  # (K, D, D) columns U_k / sqrt(var_k)
    # whitened coordinates z_k = diag(var_k)^-1/2 U_k^T (x - mu_k), all components in one GEMM
    z = x @ whiten.permute(1, 0, 2).reshape(D, K * D)  # (N, K*D)
    z = z.view(N, K, D) - torch.einsum("kd,kde->ke", gmm.mu, whiten)  # (N, K, D)
    log_w = gmm.log_pi - 0.5 * (z.square().sum(-1) + var.log().sum(-1))  # (N, K)
    # weights below e^-600 of the largest become exactly 0: no subnormal floats (10x slower on CPU)
    far = log_w < log_w.amax(1, keepdim=True) - 600
    w = torch.softmax(log_w.masked_fill(far, -torch.inf), dim=1)  # (N, K) posterior weights
    # mu_k + Sigma_k (Sigma_k + s^2 I)^-1 (x - mu_k) = mu_k + U_k diag(lam / sqrt(var)) z_k
    back = (gmm.U * (gmm.lam / var.sqrt())[:, None, :]).transpose(1, 2)  # (K, D, D) [k, e, d]
    shrunk = (w[..., None] * z).reshape(N, K * D) @ back.reshape(K * D, D)  # (N, D)
    return w @ gmm.mu + shrunk  # (N, D)


def denoise_dense(gmm: GaussianMixture, x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Reference: sum_k w_k [mu_k + Sigma_k (Sigma_k + s^2 I)^-1 (x - mu_k)] with full matrices."""
    D = gmm.dim
    cov = gmm.covariances()  # (K, D, D)
    cov_noisy = cov + sigma**2 * torch.eye(D, dtype=cov.dtype, device=cov.device)  # (K, D, D)
    diff = x[:, None, :] - gmm.mu[None]  # (N, K, D)
    sol = torch.linalg.solve(cov_noisy[None], diff[..., None])[..., 0]  # (N, K, D)
    _, logdet = torch.linalg.slogdet(cov_noisy)  # (K,)
    log_n = -0.5 * ((diff * sol).sum(-1) + logdet + D * math.log(2 * math.pi))  # (N, K)
    w = torch.softmax(gmm.log_pi + log_n, dim=1)  # (N, K)
    means = gmm.mu[None] + torch.einsum("kde,nke->nkd", cov, sol)  # (N, K, D)
    return (w[..., None] * means).sum(1)  # (N, D)
