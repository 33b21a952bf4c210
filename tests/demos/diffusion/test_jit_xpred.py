"""Demo D2 (JiT toy): conversions, stacked loss and sampler against references, smoke claims.

The smoke claims are asserted on seeds 0-4, each a separate run (one seed per run at smoke).
"""

import pytest
import torch

from demos.base import DemoParamsInvalid, Size, check_result, validate_params
from demos.diffusion.jit import (
    PREDICTIONS,
    coefficients,
    off_manifold,
    sample,
    sample_reference,
    to_clean,
    to_velocity,
    v_loss,
    v_loss_reference,
)
from demos.diffusion.toy_data import column_orthonormal
from demos.diffusion.toy_mlp import init_stack
from demos.specs.jit_xpred import FULL_DIMS, SMOKE_DIMS, JiTXPrediction

SEEDS = range(5)
TINY = {**SMOKE_DIMS, "Ds": (2, 8), "width": 16, "depth": 3, "steps": 20, "batch": 32, "N": 64}


@pytest.fixture(scope="module")
def runs():
    """One smoke run per seed 0-4 (shared by every claim test; run() pins one thread)."""
    out = {}
    for s in SEEDS:
        params = validate_params(JiTXPrediction, {"seed": s}, "smoke")
        out[s] = JiTXPrediction().run(params, "smoke")
    return out


def stack(m, d, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [p.detach().double().requires_grad_() for p in init_stack(m, [d + 1, 16, d], g)], g


TS = [0.0, 0.02, 0.3, 0.9, 0.99, 1.0]


@pytest.mark.parametrize("pred", PREDICTIONS)
@pytest.mark.parametrize("t", TS, ids=[f"t{t}" for t in TS])
def test_coefficients_match_conversions(pred, t):
    g = torch.Generator().manual_seed(0)
    out, z = torch.randn(2, 4, 3, generator=g, dtype=torch.float64).unbind(0)
    tt = torch.full((4, 1), t, dtype=torch.float64)
    a, b, c, d = (k[0] for k in coefficients((pred,), tt[None]))
    assert torch.allclose(a * out + b * z, to_velocity(pred, out, z, tt), rtol=1e-12, atol=0)
    assert torch.allclose(c * out + d * z, to_clean(pred, out, z, tt), rtol=1e-12, atol=0)


@pytest.mark.parametrize("pred", PREDICTIONS)
def test_exact_outputs_give_the_true_velocity_and_data(pred):
    g = torch.Generator().manual_seed(1)
    x, eps = torch.randn(2, 50, 4, generator=g, dtype=torch.float64)
    t = torch.rand(50, 1, generator=g, dtype=torch.float64) * 0.8 + 0.1  # no clipping here
    z = t * x + (1 - t) * eps
    exact = {"x": x, "eps": eps, "v": x - eps}[pred]
    assert torch.allclose(to_velocity(pred, exact, z, t), x - eps, atol=1e-12)
    assert torch.allclose(to_clean(pred, exact, z, t), x, atol=1e-12)
    # the last sampling step: an Euler step to t = 1 lands exactly on the clean estimate
    step = z + (1 - t) * to_velocity(pred, exact, z, t)
    assert torch.allclose(step, to_clean(pred, exact, z, t), atol=1e-12)


def test_stacked_loss_and_gradients_match_reference():
    preds = PREDICTIONS * 2
    params, g = stack(len(preds), 5)
    x, eps = torch.randn(2, len(preds), 9, 5, generator=g, dtype=torch.float64)
    t = torch.rand(len(preds), 9, 1, generator=g, dtype=torch.float64)
    fast = v_loss(params, preds, x, eps, t)
    fast_grads = torch.autograd.grad(fast, params)
    ref = v_loss_reference(params, preds, x, eps, t)
    ref_grads = torch.autograd.grad(ref, params)
    assert fast.item() == pytest.approx(ref.item(), rel=1e-12)
    assert all(torch.allclose(a, b, rtol=1e-10, atol=1e-12) for a, b in zip(fast_grads, ref_grads))


@pytest.mark.parametrize("steps", [1, 2, 10])
def test_sampler_matches_reference(steps):
    params, g = stack(3, 4, seed=steps)
    noise = torch.randn(3, 20, 4, generator=g, dtype=torch.float64)
    fast = sample(params, PREDICTIONS, noise, steps)
    ref = sample_reference(params, PREDICTIONS, noise, steps)
    assert torch.allclose(fast, ref, rtol=1e-10, atol=1e-10)


def test_off_manifold_is_exact():
    basis = column_orthonormal(6, 2, torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(1)
    on = torch.randn(100, 2, generator=g) @ basis.T  # (100, 6) on the plane
    assert off_manifold(on, basis).item() < 1e-5
    normal = torch.linalg.svd(torch.eye(6) - basis @ basis.T).U[:, 0]  # a unit vector off it
    assert off_manifold(on + 3 * normal, basis).item() == pytest.approx(3.0, rel=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
def test_smoke_claims_on_every_seed(runs, seed):
    result = runs[seed]
    s = result["summary"]
    off = {p: s[f"off_manifold_{p}_D64"] for p in PREDICTIONS}
    assert off["x"] < 0.1 * off["v"], off
    assert off["x"] < 0.01 * off["eps"], off
    assert off["eps"] > s["off_manifold_of_pure_noise_D64"]  # eps-prediction blows up
    checks = {c["name"]: c for c in result["checks"]}
    assert set(checks) == {"off_manifold_x_vs_v", "off_manifold_x_vs_eps"}
    assert all(c["passed"] for c in checks.values())
    assert [e["seed"] for e in checks["off_manifold_x_vs_v"]["seeds"]] == [seed]


def test_result_shape(runs):
    result = runs[0]
    check_result(result)
    assert result["env"]["threads"] == 1 and result["summary"]["seeds_in_run"] == 1
    comparison = result["tables"]["comparison"]
    assert [row[0] for row in comparison["rows"]] == ["x", "ε", "v"]
    assert "1.82" in comparison["rows"][0][1] and "1.78" in comparison["rows"][0][1]
    assert set(result["series"]) == {"off_manifold_by_D"} | {
        f"samples_{p}_D64" for p in PREDICTIONS
    }
    assert all(
        len(line["x"]) <= 600 for line in result["series"]["samples_x_D64"]["lines"].values()
    )


def test_anchor_numbers_are_strings_with_source():
    rows = JiTXPrediction.anchors["jit_fid"]["rows"]
    assert [(row[0], row[1], row[2]) for row in rows] == [
        ("JiT-G/16", "256", "1.82"),
        ("JiT-G/32", "512", "1.78"),
    ]
    assert all("2511.13720" in row[3] for row in rows)


def test_params_refuse_what_the_budget_cannot_pay():
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(JiTXPrediction, {"train_steps_scale": "lots", "sample_steps": 5}, "smoke")
    assert set(exc.value.errors) == {"train_steps_scale", "sample_steps"}
    assert "at least 10" in exc.value.errors["sample_steps"]
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(JiTXPrediction, {"train_steps_scale": 2}, "smoke")
    assert "5 s smoke budget" in exc.value.errors["train_steps_scale"]
    assert "limit 1.5" in exc.value.errors["train_steps_scale"]
    assert validate_params(JiTXPrediction, {"train_steps_scale": 1.7}, "full")["seed"] == 0


def test_deterministic_and_seed_dependent(monkeypatch, recorder):
    sizes = {**JiTXPrediction.sizes, "smoke": Size("smoke", "cpu", 5.0, TINY)}
    monkeypatch.setattr(JiTXPrediction, "sizes", sizes)
    params = validate_params(JiTXPrediction, {"seed": 3}, "smoke")
    a = JiTXPrediction().run(params, "smoke", recorder)
    b = JiTXPrediction().run(params, "smoke")
    assert a["summary"] == b["summary"] and a["series"] == b["series"]
    c = JiTXPrediction().run(validate_params(JiTXPrediction, {"seed": 4}, "smoke"), "smoke")
    assert c["summary"] != a["summary"]
    assert 0 < len(recorder.calls) <= 100


def test_full_dims_follow_the_spec():
    assert FULL_DIMS["Ds"] == (2, 8, 16, 512) and FULL_DIMS["steps"] == 4000
    assert (FULL_DIMS["width"], FULL_DIMS["depth"], FULL_DIMS["batch"]) == (256, 5, 4096)


def test_full_code_path_on_cpu_with_tiny_dims(monkeypatch):
    """The full size with tiny dims and two seeds, forced onto the CPU: valid, D = 2 check present."""
    sizes = {**JiTXPrediction.sizes, "full": Size("full", "cuda", 60.0, {**TINY, "seeds": 2})}
    monkeypatch.setattr(JiTXPrediction, "sizes", sizes)
    result = JiTXPrediction().run(validate_params(JiTXPrediction, {}, "full"), "full", device="cpu")
    check_result(result)
    assert result["env"]["off_budget"] is True
    checks = {c["name"]: c for c in result["checks"]}
    assert set(checks) == {"off_manifold_x_vs_v", "off_manifold_x_vs_eps", "all_fit_at_D2"}
    assert [e["seed"] for e in checks["all_fit_at_D2"]["seeds"]] == [0, 1]
    assert result["summary"]["off_manifold_x_D2"] < 1e-5  # D = 2: the plane is everything


@pytest.mark.gpu
def test_full_size_on_gpu():
    result = JiTXPrediction().run(validate_params(JiTXPrediction, {}, "full"), "full")
    check_result(result)
    assert result["env"]["device"] == "cuda"
    assert all(c["passed"] for c in result["checks"]), result["checks"]
    s = result["summary"]
    assert s["energy_distance_x_D512"] <= s["energy_distance_eps_D512"]
    assert result["timings"]["total_s"] < 60
