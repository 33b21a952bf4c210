"""Demo D6: Newton-Schulz against its SVD reference, edge cases, params, smoke claims on 5 seeds."""

import pytest
import torch

from demos.base import DemoParamsInvalid, Size, check_result, validate_params
from demos.optim.newton_schulz import (
    CUBIC,
    QUINTIC,
    newton_schulz,
    newton_schulz_iterates,
    newton_schulz_reference,
    ns_flops,
    phi,
    polar_factor,
    singular_values,
)
from demos.specs.newton_schulz import FULL, NewtonSchulz
from tests.demos.seeded import smoke_runs_one_thread

SHAPES = {"wide 32x96": (32, 96), "tall 80x24": (80, 24), "square 40x40": (40, 40)}
COEFFS = {"quintic": QUINTIC, "cubic": CUBIC}


def _gauss(m, n, seed=0):
    return torch.randn(m, n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("steps", [1, 5, 10], ids=lambda k: f"{k}steps")
@pytest.mark.parametrize("method", COEFFS)
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_ns_equals_scalar_map_on_svd(shape, method, steps):
    G = _gauss(*shape)
    fast = newton_schulz(G, steps, COEFFS[method], torch.float64)
    ref = newton_schulz_reference(G, steps, COEFFS[method])
    assert fast.shape == G.shape
    assert ((fast - ref).norm() / ref.norm()).item() < 1e-10


def test_cubic_converges_to_polar_factor():
    G = _gauss(24, 48) + 3 * torch.eye(24, 48, dtype=torch.float64)  # well conditioned
    X = newton_schulz(G, 60, CUBIC, torch.float64)
    target = polar_factor(G)
    assert ((X - target).norm() / target.norm()).item() < 1e-8
    assert torch.allclose(target @ target.T, torch.eye(24, dtype=torch.float64), atol=1e-12)


def test_quintic_does_not_converge_to_one_but_stays_in_band():
    # Muon's coefficients trade convergence for speed: phi oscillates around 1, never settles
    s = torch.linspace(0.05, 1.0, 50, dtype=torch.float64)
    for _ in range(30):
        s = phi(s, QUINTIC)
    assert s.min() > 0.6 and s.max() < 1.2 and (s - 1).abs().max() > 0.1


def test_iterates_and_tall_matrices():
    G = _gauss(64, 20)
    xs = list(newton_schulz_iterates(G, 3, QUINTIC, torch.float64))
    assert len(xs) == 3 and all(x.shape == (64, 20) for x in xs)
    assert torch.allclose(xs[-1], newton_schulz(G.T, 3, QUINTIC, torch.float64).T, atol=1e-12)


def test_zero_matrix_stays_finite():
    X = newton_schulz(torch.zeros(8, 16), 5, QUINTIC, torch.float32)
    assert torch.isfinite(X).all() and X.abs().max() == 0


def test_singular_values_match_svdvals():
    for m, n in SHAPES.values():
        G = _gauss(m, n, seed=3)
        ref = torch.linalg.svdvals(G).flip(0)
        # a float32 Gram matrix: absolute error a small fraction of the largest singular value
        assert (singular_values(G) - ref).abs().max() < 1e-5 * ref.max()


def test_flops_formula():
    assert ns_flops(2, 3, 1, QUINTIC) == 2 * 2 * 2 * 3 * 2 + 2 * 8
    assert ns_flops(3, 2, 5, CUBIC) == 5 * (2 * 2 * 2 * 3 * 2)


def test_params_and_budget_limit():
    assert validate_params(NewtonSchulz, {}, "smoke") == {"aspect": "4", "seed": 0, "steps": 5}
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(NewtonSchulz, {"steps": 10, "aspect": "4"}, "smoke")
    assert set(exc.value.errors) == {"steps", "aspect"}
    assert "at most 20" in exc.value.errors["steps"] and "5 s" in exc.value.errors["steps"]
    assert validate_params(NewtonSchulz, {"steps": 10, "aspect": "4"}, "full")["steps"] == 10
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(NewtonSchulz, {"steps": 0, "aspect": "3"}, "smoke")
    assert "at least 1" in exc.value.errors["steps"] and "one of" in exc.value.errors["aspect"]


@pytest.fixture(scope="module")
def smoke_runs():
    """The smoke run at seeds 0..4 on one thread (each run evaluates 5 seeds inside)."""
    return smoke_runs_one_thread(NewtonSchulz)


@pytest.mark.parametrize("seed", range(5))
def test_smoke_claims_on_every_seed(smoke_runs, seed):
    result = smoke_runs[seed]
    check_result(result)
    s = result["summary"]
    assert 0.5 <= s["quintic_bf16_sigma_min"] and s["quintic_bf16_sigma_max"] <= 1.5
    assert s["square_bf16_in_band"] >= 0.95 and s["square_bf16_sigma_min"] < 0.5
    assert s["cubic_fp32_sigma_max"] < 0.6
    assert abs(s["quintic_bf16_sigma_min"] - s["quintic_fp32_sigma_min"]) <= 0.02
    assert abs(s["quintic_bf16_sigma_max"] - s["quintic_fp32_sigma_max"]) <= 0.02
    assert s["ns_scalar_map_rel_err"] < 1e-10
    assert 0.15 < s["update_rms_scaled"] < 0.2
    checks = {c["name"]: c for c in result["checks"]}
    assert set(checks) == {"ns5_in_band", "square_mostly_in_band", "cubic_not_converged",
                           "bf16_matches_fp32", "ns_is_scalar_map"}  # fmt: skip
    assert all(c["passed"] for c in checks.values()), checks
    assert [e["seed"] for e in checks["ns5_in_band"]["seeds"]] == list(range(seed, seed + 5))
    assert result["tables"]["comparison"]["columns"] == ["quantity", "paper / code", "source",
                                                         "ours"]  # fmt: skip
    assert result["env"]["threads"] == 1


def test_page_content(smoke_runs):
    result = smoke_runs[0]
    grid = result["tables"]["grid"]["rows"]
    # wide: quintic bf16/fp32, cubic bf16 at 5 and 10 steps; low-rank: quintic, cubic bf16
    assert len(grid) == 10
    cubic10 = next(r for r in grid if r[:4] == ["wide", "cubic", 10, "bf16"])
    assert cubic10[5] > 0.9  # ten cubic steps get close to 1 (design: [0.885, 1.001])
    trace = result["series"]["distance_vs_steps"]["lines"]["cubic bf16"]["y"]
    assert trace[-1] < trace[0]
    hist = result["series"]["singular_values_wide"]["lines"]
    assert sum(hist["quintic NS5 bf16"]["y"]) == 384


def test_full_code_path_on_cpu_with_tiny_dims(monkeypatch):
    tiny = {**FULL, "rows": 48, "square": 32, "lowrank": (32, 64, 4), "time_shape": (32, 64),
            "ns_reps": {"warmup": 1, "reps": 2}, "svd_reps": {"warmup": 1, "reps": 2},
            "exact_shape": (16, 32), "seeds": 2}  # fmt: skip
    monkeypatch.setattr(
        NewtonSchulz, "sizes", {**NewtonSchulz.sizes, "full": Size("full", "cuda", 60.0, tiny)}
    )
    result = NewtonSchulz().run(validate_params(NewtonSchulz, {}, "full"), "full", device="cpu")
    check_result(result)
    assert result["env"]["off_budget"] is True
    names = [c["name"] for c in result["checks"]]
    assert "ns5_faster_than_svd" in names and len(result["checks"][0]["seeds"]) == 2


@pytest.mark.gpu
def test_full_size_on_gpu():
    result = NewtonSchulz().run(validate_params(NewtonSchulz, {}, "full"), "full")
    check_result(result)
    assert result["env"]["device"] == "cuda"
    assert all(c["passed"] for c in result["checks"]), result["checks"]
    assert result["timings"]["total_s"] < 60
