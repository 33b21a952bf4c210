"""The closed-form mixture denoiser against the dense textbook formula, and the exact sampler."""

import pytest
import torch

from demos.diffusion.gmm import denoise, denoise_dense, mixture_random, sample_exact


@pytest.mark.parametrize("sigma", [0.002, 0.1, 1.0, 80.0], ids=lambda s: f"sigma{s}")
@pytest.mark.parametrize("D, K", [(2, 1), (8, 4), (16, 6)], ids=["D2-K1", "D8-K4", "D16-K6"])
def test_denoise_matches_dense_reference(D, K, sigma):
    g = torch.Generator().manual_seed(D * 10 + K)
    mix = mixture_random(D, K, g)
    x = sample_exact(mix, 64, g) + sigma * torch.randn(64, D, generator=g, dtype=torch.float64)
    fast = denoise(mix, x, torch.tensor(sigma, dtype=torch.float64))
    assert torch.allclose(fast, denoise_dense(mix, x, sigma), rtol=1e-9, atol=1e-9)


def test_denoise_limits():
    g = torch.Generator().manual_seed(0)
    mix = mixture_random(4, 3, g)
    x = sample_exact(mix, 32, g)
    assert torch.allclose(denoise(mix, x, 1e-6), x, atol=1e-6)  # no noise: x itself
    mean = (mix.log_pi.exp()[:, None] * mix.mu).sum(0)
    far = denoise(mix, torch.zeros(1, 4, dtype=torch.float64), 1e4)  # pure noise: data mean
    assert torch.allclose(far[0], mean, atol=1e-4)


def test_exact_samples_have_the_mixture_moments():
    g = torch.Generator().manual_seed(1)
    mix = mixture_random(3, 2, g)
    x = sample_exact(mix, 400_000, g)
    pi = mix.log_pi.exp()
    mean = (pi[:, None] * mix.mu).sum(0)
    second = (
        pi[:, None, None] * (mix.covariances() + mix.mu[:, :, None] * mix.mu[:, None, :])
    ).sum(0)
    assert torch.allclose(x.mean(0), mean, atol=0.02)
    assert torch.allclose(torch.cov(x.T), second - mean[:, None] * mean[None], atol=0.05)
