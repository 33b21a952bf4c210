"""HiPPO's online Legendre projections, LegS and LegT (arXiv:2008.07669), in float64 torch.

The transitions follow the official HiPPO code (`transition('legs'|'legt', N)`): A with negative
entries, dc/dt = A c + B f (LegS: both divided by t; LegT: by the window theta), discretised with
the bilinear rule. Beside each online recurrence is its offline reference: the projection of the
history onto the scaled Legendre basis by quadrature.
"""

import math

import torch

F64 = torch.float64


def legendre(n_max: int, x: torch.Tensor) -> torch.Tensor:
    """P_0..P_{n_max-1} at x by Bonnet's recurrence (n+1) P_{n+1} = (2n+1) x P_n - n P_{n-1}."""
    P = [torch.ones_like(x), x.clone()]  # each (...,) like x
    for n in range(1, n_max - 1):
        P.append(((2 * n + 1) * x * P[n] - n * P[n - 1]) / (n + 1))
    return torch.stack(P[:n_max])  # (n_max, ...)


def basis(N: int, x: torch.Tensor) -> torch.Tensor:
    """Orthonormal scaled Legendre basis g_n(x) = sqrt(2n+1) P_n(2x - 1) on [0, 1], (N, len(x))."""
    scale = torch.sqrt(2 * torch.arange(N, dtype=F64) + 1)  # (N,)
    return scale[:, None] * legendre(N, 2 * x.to(F64) - 1)  # (N, X)


def transition_legs(N: int) -> tuple[torch.Tensor, torch.Tensor]:
    """HiPPO-LegS (2008.07669 eq. (2) / Thm 2): A_nk = -sqrt((2n+1)(2k+1)) below, -(n+1) on the
    diagonal, 0 above; B_n = sqrt(2n+1)."""
    r = torch.sqrt(2 * torch.arange(N, dtype=F64) + 1)  # (N,)
    A = -torch.tril(r[:, None] * r[None, :], diagonal=-1)  # (N, N) strictly lower
    A -= torch.diag(torch.arange(1, N + 1, dtype=F64))
    return A, r.clone()


def transition_legt(N: int) -> tuple[torch.Tensor, torch.Tensor]:
    """HiPPO-LegT (2008.07669 Thm 1, window 1): A_nk = -sqrt((2n+1)(2k+1)) x (1 if n >= k else
    (-1)^(n-k)); B_n = sqrt(2n+1). Divide both by the window theta."""
    q = torch.arange(N, dtype=F64)
    r = torch.sqrt(2 * q + 1)  # (N,)
    n, k = q[:, None], q[None, :]  # (N, 1), (1, N)
    sign = torch.where(n >= k, torch.ones(()), (-1.0) ** (n - k))  # (N, N)
    return -(r[:, None] * sign * r[None, :]), r.clone()


@torch.no_grad()
def legs_online(f: torch.Tensor, N: int) -> torch.Tensor:
    """LegS recurrence over samples f_1..f_L (2008.07669 eq. (4)-(5), bilinear, A/k and B/k at
    step k): the coefficients of the whole history [0, t_k] after every sample.

    Args:
        f: (S, L) S signals sampled at L uniform times. Returns (L, S, N).
    """
    A, B = transition_legs(N)
    eye = torch.eye(N, dtype=F64)
    f = f.to(F64)
    S, L = f.shape
    c = torch.zeros(N, S, dtype=F64)  # (N, S): one column per signal
    out = torch.empty(L, S, N, dtype=F64)
    for k in range(1, L + 1):
        half = A / (2 * k)  # dt = 1 sample, A_t = A / t
        rhs = (eye + half) @ c + B[:, None] * f[None, :, k - 1] / k  # (N, S)
        c = torch.linalg.solve_triangular(eye - half, rhs, upper=False)  # (I - A/2k) c = rhs
        out[k - 1] = c.T
    return out


@torch.no_grad()
def legt_online(f: torch.Tensor, N: int, theta: float) -> torch.Tensor:
    """LegT recurrence (2008.07669 Thm 1) with a sliding window of theta samples, bilinear:
    c_k = Ad c_{k-1} + Bd f_k with Ad, Bd fixed (time-invariant). Returns (L, S, N)."""
    A, B = transition_legt(N)
    A, B = A / theta, B / theta
    eye = torch.eye(N, dtype=F64)
    Ad = torch.linalg.solve(eye - A / 2, eye + A / 2)  # (N, N)
    Bd = torch.linalg.solve(eye - A / 2, B)  # (N,)
    f = f.to(F64)
    S, L = f.shape
    c = torch.zeros(N, S, dtype=F64)
    out = torch.empty(L, S, N, dtype=F64)
    for k in range(L):
        c = Ad @ c + Bd[:, None] * f[None, :, k]  # (N, S)
        out[k] = c.T
    return out


def legs_reconstruct(c: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """f(x t) ~ sum_n c_n g_n(x) for x in [0, 1] (oldest to newest). c: (S, N) -> (S, len(x))."""
    return c @ basis(c.shape[-1], x)


def legt_reconstruct(c: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """f(t - theta + x theta) over the window, x in [0, 1] (oldest to newest). c: (S, N).

    With this sign pattern the basis is sqrt(2n+1) P_n(1 - 2s) at s = 1 - x window-lengths back
    (design/demos.md D8), i.e. the same g_n(x) as LegS, over the window instead of [0, t].
    """
    return c @ basis(c.shape[-1], x)


def legs_reference(f_cont, t: float, N: int, points: int = 20_000) -> torch.Tensor:
    """Offline LegS coefficients c_n(t) = int_0^1 f(x t) g_n(x) dx (uniform measure on [0, t]),
    by the midpoint rule on `points` nodes. f_cont maps times (X,) to values (S, X)."""
    x = (torch.arange(points, dtype=F64) + 0.5) / points  # (X,) midpoints
    return f_cont(x * t) @ basis(N, x).T / points  # (S, N)


def legt_reference(f_cont, t: float, theta: float, N: int, points: int = 20_000) -> torch.Tensor:
    """Offline LegT coefficients over the window [t - theta, t] (uniform measure), midpoint rule."""
    x = (torch.arange(points, dtype=F64) + 0.5) / points
    return f_cont(t - theta + x * theta) @ basis(N, x).T / points  # (S, N)


def band_limited(
    harmonics: int, signals: int, variance: float, g: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random Fourier coefficients (S, H) for cos and sin of harmonics 1..H, Var f = variance."""
    sd = math.sqrt(variance / harmonics)  # each harmonic carries (a^2 + b^2) / 2 on average
    a = sd * torch.randn(signals, harmonics, generator=g, dtype=F64)
    b = sd * torch.randn(signals, harmonics, generator=g, dtype=F64)
    return a, b


def evaluate(coeffs: tuple[torch.Tensor, torch.Tensor], u: torch.Tensor) -> torch.Tensor:
    """f(u) = sum_j a_j cos(2 pi j u) + b_j sin(2 pi j u) at times u (X,) -> (S, X)."""
    a, b = coeffs
    j = torch.arange(1, a.shape[1] + 1, dtype=F64)  # (H,)
    phase = 2 * math.pi * j[:, None] * u.to(F64)[None, :]  # (H, X)
    return a @ torch.cos(phase) + b @ torch.sin(phase)
