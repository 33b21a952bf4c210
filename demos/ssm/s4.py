"""S4's two views of one discrete SSM (arXiv:2111.00396 §2.3-2.4): a recurrence and a convolution.

x_k = A_bar x_{k-1} + B_bar u_k, y_k = C x_k (the recurrence, run step by step) equals
y = K * u with K = (C B_bar, C A_bar B_bar, ..., C A_bar^(L-1) B_bar) (the convolution, run by
FFT). A is HiPPO-LegS (S4's initialisation), one step size dt per channel, bilinear
discretisation. The kernel is built by doubling (log2 L matrix products) beside its reference,
L successive powers; S4's own Cauchy/Woodbury kernel algorithm is not reproduced.
"""

import math

import torch

from demos.ssm.legendre import transition_legs


def discretise(N: int, dt: torch.Tensor, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Bilinear A_bar = (I - dt/2 A)^-1 (I + dt/2 A), B_bar = (I - dt/2 A)^-1 dt B (eq. (3)).

    Args:
        dt: (H,) one step size per channel. Returns A_bar (H, N, N) and B_bar (H, N).
    """
    A, B = transition_legs(N)  # float64 (N, N), (N,)
    A, B = A.to(dt.device), B.to(dt.device)
    eye = torch.eye(N, dtype=A.dtype, device=dt.device)
    h = dt.to(A.dtype)[:, None, None] / 2  # (H, 1, 1)
    left = eye - h * A  # (H, N, N)
    A_bar = torch.linalg.solve(left, eye + h * A)  # (H, N, N)
    B_bar = torch.linalg.solve(left, (2 * h * B[:, None]).expand(-1, N, 1))[..., 0]  # (H, N)
    return A_bar.to(dtype), B_bar.to(dtype)


def ssm_params(
    H: int, N: int, g: torch.Generator, device: str, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """S4-style channels: dt log-uniform in [1e-3, 1e-1], C ~ N(0, 1/N). (H,N,N), (H,N), (H,N)."""
    log_dt = torch.rand(H, generator=g, device=device, dtype=torch.float64)
    dt = torch.exp(math.log(1e-3) + log_dt * (math.log(1e-1) - math.log(1e-3)))  # (H,)
    A_bar, B_bar = discretise(N, dt, dtype)
    C = torch.randn(H, N, generator=g, device=device, dtype=dtype) / math.sqrt(N)
    return A_bar, B_bar, C


def kernel(A_bar: torch.Tensor, B_bar: torch.Tensor, C: torch.Tensor, L: int) -> torch.Tensor:
    """SSM convolution kernel K_k = C A_bar^k B_bar (eq. (5)) by doubling. Returns (H, L)."""
    V = B_bar[..., None]  # (H, N, 1): columns A_bar^k B_bar for k < m
    P = A_bar  # (H, N, N): A_bar^m
    while V.shape[-1] < L:
        V = torch.cat([V, P @ V], dim=-1)  # (H, N, 2m): the next m powers are A_bar^m V
        P = P @ P
    return torch.einsum("hn,hnl->hl", C, V[..., :L])  # (H, L)


def kernel_reference(
    A_bar: torch.Tensor, B_bar: torch.Tensor, C: torch.Tensor, L: int
) -> torch.Tensor:
    """K_k = C A_bar^k B_bar by L successive matrix-vector products (the definition)."""
    v, out = B_bar, []  # v: (H, N) = A_bar^k B_bar
    for _ in range(L):
        out.append((C * v).sum(-1))  # (H,)
        v = (A_bar @ v[..., None])[..., 0]
    return torch.stack(out, dim=-1)  # (H, L)


def conv_fft(K: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Causal convolution y_k = sum_{j<=k} K_j u_{k-j} by FFT, zero-padded to 2L (S4 §2.4)."""
    L = u.shape[-1]
    Kf = torch.fft.rfft(K, n=2 * L)  # (H, L+1)
    uf = torch.fft.rfft(u, n=2 * L)  # (..., H, L+1)
    return torch.fft.irfft(Kf * uf, n=2 * L)[..., :L]  # (..., H, L)


def recurrence(
    A_bar: torch.Tensor, B_bar: torch.Tensor, C: torch.Tensor, u: torch.Tensor
) -> torch.Tensor:
    """x_k = A_bar x_{k-1} + B_bar u_k, y_k = C x_k, one step at a time (eq. (3)). u: (H, L)."""
    H, L = u.shape
    x = torch.zeros_like(B_bar)  # (H, N)
    ys = torch.empty_like(u)
    for k in range(L):
        x = (A_bar @ x[..., None])[..., 0] + B_bar * u[:, k, None]  # (H, N)
        ys[:, k] = (C * x).sum(-1)
    return ys
