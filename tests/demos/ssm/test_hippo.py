"""Demo D8: Legendre basis, LegS/LegT online vs offline projection, S4 conv vs recurrence, claims."""

from functools import partial

import pytest
import torch

from demos.base import DemoParamsInvalid, Size, check_result, validate_params
from demos.specs.hippo import FULL, HiPPO
from demos.ssm import legendre as leg
from demos.ssm import s4
from tests.demos.seeded import smoke_runs_one_thread

F64 = torch.float64


def _signal(harmonics=3, signals=2, seed=0):
    coeffs = leg.band_limited(harmonics, signals, 0.2, torch.Generator().manual_seed(seed))
    return partial(leg.evaluate, coeffs)


def test_legendre_closed_forms_and_orthonormal_basis():
    x = torch.linspace(-1, 1, 11, dtype=F64)
    P = leg.legendre(5, x)
    assert torch.allclose(P[2], (3 * x**2 - 1) / 2, atol=1e-14)
    assert torch.allclose(P[3], (5 * x**3 - 3 * x) / 2, atol=1e-14)
    assert torch.allclose(P[4], (35 * x**4 - 30 * x**2 + 3) / 8, atol=1e-14)
    mid = (torch.arange(20_000, dtype=F64) + 0.5) / 20_000
    g = leg.basis(12, mid)  # (12, X)
    assert torch.allclose(g @ g.T / 20_000, torch.eye(12, dtype=F64), atol=1e-5)


def test_transitions():
    A, B = leg.transition_legs(4)
    assert torch.equal(A.triu(1), torch.zeros(4, 4, dtype=F64))
    assert A.diagonal().tolist() == [-1, -2, -3, -4]
    assert A[2, 0].item() == pytest.approx(-(5**0.5)) and B[3].item() == pytest.approx(7**0.5)
    T, _ = leg.transition_legt(3)
    # 1 on and below the diagonal, (-1)^(n-k) above: T_01 = +sqrt(3), T_02 = -sqrt(5)
    assert T[0, 1].item() == pytest.approx(3**0.5) and T[0, 2].item() == pytest.approx(-(5**0.5))
    assert T[2, 0].item() == pytest.approx(-(5**0.5))


def test_legs_truncation_is_exact():
    f = _signal()(torch.arange(1, 301, dtype=F64) / 300)
    small, big = leg.legs_online(f, 8)[-1], leg.legs_online(f, 16)[-1]
    assert torch.allclose(small, big[:, :8], atol=1e-13)


@pytest.mark.parametrize("N", [8, 32], ids=lambda n: f"N{n}")
def test_legs_online_converges_to_projection(N):
    f_cont = _signal()
    diffs = []
    for L in (1000, 4000):
        c = leg.legs_online(f_cont(torch.arange(1, L + 1, dtype=F64) / L), N)[-1]
        ref = leg.legs_reference(f_cont, 1.0, N)
        diffs.append(((c - ref).norm(dim=1) / ref.norm(dim=1)).max().item())
    assert diffs[0] < 0.05 and diffs[1] < diffs[0] / 2  # first-order in the step (t = 0 start)


@pytest.mark.parametrize("N", [8, 32], ids=lambda n: f"N{n}")
def test_legt_online_matches_window_projection(N):
    f_cont = _signal()
    L, theta = 2000, 400
    c = leg.legt_online(f_cont(torch.arange(1, L + 1, dtype=F64) / L), N, theta)[-1]
    ref = leg.legt_reference(f_cont, 1.0, theta / L, N)
    assert ((c - ref).norm(dim=1) / ref.norm(dim=1)).max().item() < 0.02
    x = torch.linspace(0, 1, 50, dtype=F64)
    true = f_cont(1 - theta / L + x * theta / L)
    assert (leg.legt_reconstruct(c, x) - true).abs().max() < 0.05


@pytest.mark.parametrize("L", [1, 7, 64, 100], ids=lambda n: f"L{n}")
def test_kernel_doubling_equals_powers(L):
    A_bar, B_bar, C = s4.ssm_params(3, 6, torch.Generator().manual_seed(1), "cpu", F64)
    K = s4.kernel(A_bar, B_bar, C, L)
    assert K.shape == (3, L)
    assert torch.allclose(K, s4.kernel_reference(A_bar, B_bar, C, L), atol=1e-13)


@pytest.mark.parametrize("L", [1, 5, 300], ids=lambda n: f"L{n}")
def test_fft_convolution_equals_recurrence_and_direct_sum(L):
    g = torch.Generator().manual_seed(2)
    A_bar, B_bar, C = s4.ssm_params(4, 8, g, "cpu", F64)
    u = torch.randn(4, L, generator=g, dtype=F64)
    K = s4.kernel(A_bar, B_bar, C, L)
    y = s4.conv_fft(K, u)
    assert torch.allclose(y, s4.recurrence(A_bar, B_bar, C, u), atol=1e-12)
    direct = torch.stack(
        [sum(K[:, j] * u[:, k - j] for j in range(k + 1)) for k in range(min(L, 20))], dim=-1
    )
    assert torch.allclose(y[:, : direct.shape[-1]], direct, atol=1e-12)


def test_discretisation_is_stable():
    A_bar, _, _ = s4.ssm_params(5, 16, torch.Generator().manual_seed(3), "cpu", F64)
    assert torch.linalg.eigvals(A_bar).abs().max() < 1


def test_params_and_budget_limit():
    assert validate_params(HiPPO, {}, "smoke")["max_N"] == 128
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(HiPPO, {"max_N": 256}, "smoke")
    assert "at most 128" in exc.value.errors["max_N"] and "5 s" in exc.value.errors["max_N"]
    assert validate_params(HiPPO, {"max_N": 256}, "full")["max_N"] == 256
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(HiPPO, {"window": 0.9, "harmonics": "x"}, "smoke")
    assert set(exc.value.errors) == {"window", "harmonics"}


@pytest.fixture(scope="module")
def smoke_runs():
    """The smoke run at seeds 0..4 on one thread (each run evaluates 5 signals inside)."""
    return smoke_runs_one_thread(HiPPO)


@pytest.mark.parametrize("seed", range(5))
def test_smoke_claims_on_every_seed(smoke_runs, seed):
    result = smoke_runs[seed]
    check_result(result)
    s = result["summary"]
    mses = [s[f"legs_mse_N{n}"] for n in (8, 16, 32, 64, 128)]
    assert all(b < a or max(a, b) < 1e-4 * s["var_f"] for a, b in zip(mses, mses[1:]))
    assert mses[0] / mses[3] > 100  # the drop is real, not a wobble
    assert s["legs_mse_N64"] < 1e-3 * s["var_f"] and s["legt_mse_N64"] < 1e-3
    assert s["rate_change_legs"] < 0.1 and s["rate_change_legt_time"] < 0.1
    assert s["rate_change_legt_samples"] > 0.5  # by construction: the window moved
    assert s["legs_online_vs_projection"] < 0.05
    assert s["s4_conv_vs_recurrence"] < 1e-4 and s["s4_kernel_vs_powers"] < 1e-4
    checks = {c["name"]: c for c in result["checks"]}
    assert len(checks) == 6 and all(c["passed"] for c in checks.values()), checks
    assert [e["seed"] for e in checks["legs_mse_64"]["seeds"]] == list(range(seed, seed + 5))
    assert "comparison" in result["tables"] and result["env"]["threads"] == 1


def test_full_code_path_on_cpu_with_tiny_dims(monkeypatch):
    tiny = {**FULL, "L": 600, "rate_L": (300, 1200), "s4": {"H": 4, "N": 8, "L": 256},
            "s4_reps": {"warmup": 1, "reps": 1}, "ref_points": 2000, "seeds": 2}  # fmt: skip
    monkeypatch.setattr(HiPPO, "sizes", {**HiPPO.sizes, "full": Size("full", "cuda", 60.0, tiny)})
    params = validate_params(HiPPO, {"max_N": 64}, "full")
    result = HiPPO().run(params, "full", device="cpu")
    check_result(result)
    assert result["env"]["off_budget"] is True and len(result["checks"][0]["seeds"]) == 2
    assert result["summary"]["s4_conv_vs_recurrence"] < 1e-4


@pytest.mark.gpu
def test_full_size_on_gpu():
    result = HiPPO().run(validate_params(HiPPO, {"max_N": 256}, "full"), "full")
    check_result(result)
    assert result["env"]["device"] == "cuda"
    assert all(c["passed"] for c in result["checks"]), result["checks"]
    assert result["summary"]["s4_conv_ms"] < result["summary"]["s4_recurrence_ms"]
