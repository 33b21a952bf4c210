"""Demo D3 (MeanFlow vs flow matching): the JVP loss and sampler against references, smoke claims.

The smoke claim is asserted on seeds 0-4, each a separate run (one seed per run at smoke).
"""

import pytest
import torch

from demos.base import DemoParamsInvalid, Size, check_result, validate_params
from demos.diffusion.meanflow_algo import (
    average_velocity,
    meanflow_loss,
    meanflow_loss_reference,
    sample,
    sample_euler_reference,
    sample_times,
)
from demos.diffusion.toy_mlp import init_stack
from demos.specs.meanflow import FULL_DIMS, SMOKE_DIMS, MeanFlow

SEEDS = range(5)
TINY = {**SMOKE_DIMS, "width": 16, "depth": 3, "steps": 20, "batch": 32, "N": 64}


@pytest.fixture(scope="module")
def runs():
    """One smoke run per seed 0-4 (shared by every claim test; run() pins one thread)."""
    return {
        s: MeanFlow().run(validate_params(MeanFlow, {"seed": s}, "smoke"), "smoke") for s in SEEDS
    }


def stack(m, seed=0, width=16):
    g = torch.Generator().manual_seed(seed)
    params = init_stack(m, [4, width, width, 2], g)
    return [p.detach().double().requires_grad_() for p in params], g


def batch(m, b, g):
    x, eps = torch.randn(2, m, b, 2, generator=g, dtype=torch.float64)
    r, t = sample_times(m, b, torch.tensor([0.5] * m), g)
    return x, eps, r.double(), t.double()


POWERS = [(0.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.5, 2.0)]


@pytest.mark.parametrize("powers", POWERS, ids=[f"p{a}-p{b}" for a, b in POWERS])
def test_jvp_loss_and_gradients_match_finite_difference_reference(powers):
    params, g = stack(2, seed=int(10 * sum(powers)))
    x, eps, r, t = batch(2, 11, g)
    power = torch.tensor(powers, dtype=torch.float64)
    fast = meanflow_loss(params, x, eps, r, t, power)
    ref = meanflow_loss_reference(params, x, eps, r, t, power)
    assert fast.item() == pytest.approx(ref.item(), rel=1e-7)
    for a, b in zip(torch.autograd.grad(fast, params), torch.autograd.grad(ref, params)):
        assert torch.allclose(a, b, rtol=1e-6, atol=1e-8)


def test_fm_is_meanflow_with_r_equal_t():
    """With r = t the MeanFlow target is v itself: the loss is the plain flow-matching MSE."""
    params, g = stack(1, seed=3)
    x, eps, _, t = batch(1, 20, g)
    z, v = (1 - t) * x + t * eps, eps - x
    fm = (average_velocity(params, z, t, t) - v).square().sum(-1).mean()
    ours = meanflow_loss(params, x, eps, t, t, torch.zeros(1, dtype=torch.float64))
    assert ours.item() == pytest.approx(fm.item(), rel=1e-12)


def test_sample_times_share_and_order():
    r, t = sample_times(2, 20_000, torch.tensor([1.0, 0.75]), torch.Generator().manual_seed(0))
    assert torch.all(r <= t) and torch.all((0 < r) & (t < 1))
    assert torch.equal(r[0], t[0])  # flow matching: r = t always
    assert (r[1] == t[1]).double().mean().item() == pytest.approx(0.75, abs=0.01)


@pytest.mark.parametrize("steps", [1, 2, 8])
def test_sampler_is_euler_for_an_fm_model(steps):
    """For u(z, r, t) that ignores r (a flow-matching model), MeanFlow steps are Euler steps."""
    params, g = stack(1, seed=steps)
    with torch.no_grad():
        params[0][:, 3] = 0  # zero the weights of the (t - r) input: u no longer depends on r
    noise = torch.randn(1, 30, 2, generator=g, dtype=torch.float64)
    fast, ref = sample(params, noise, steps), sample_euler_reference(params, noise, steps)
    assert torch.allclose(fast, ref, rtol=1e-12, atol=1e-12)


def test_one_step_sample_formula():
    params, g = stack(1, seed=9)
    noise = torch.randn(1, 5, 2, generator=g, dtype=torch.float64)
    zeros, ones = (
        torch.zeros(1, 5, 1, dtype=torch.float64),
        torch.ones(1, 5, 1, dtype=torch.float64),
    )
    expected = noise - average_velocity(params, noise, zeros, ones)  # x = eps - u(eps, 0, 1)
    assert torch.allclose(sample(params, noise, 1), expected, atol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_smoke_claim_on_every_seed(runs, seed):
    result = runs[seed]
    s = result["summary"]
    fm1, mf1 = (
        s["ed_fm_1step_8gaussians"],
        s["ed_meanflow_1step_8gaussians"],
    )
    assert mf1 < 0.5 * fm1, (mf1, fm1)
    assert s["ed_fm_8step_8gaussians"] < fm1  # Euler improves with steps
    assert s["ed_floor_8gaussians"] < mf1
    (check,) = result["checks"]
    assert check["name"] == "one_step_vs_fm_8gaussians" and check["passed"]
    assert [e["seed"] for e in check["seeds"]] == [seed]


def test_result_shape(runs):
    result = runs[0]
    check_result(result)
    assert result["env"]["threads"] == 1
    comparison = result["tables"]["comparison"]
    assert [row[1] for row in comparison["rows"]] == [1, 2, 8]
    assert [row[2] for row in comparison["rows"]] == ["3.43", "2.20", None]
    assert set(result["series"]) == {
        "energy_distance_vs_steps_8gaussians",
        "samples_1step_8gaussians",
    }


def test_anchor_numbers_are_strings_with_source():
    rows = MeanFlow.anchors["meanflow_fid"]["rows"]
    assert [(row[0], row[1]) for row in rows] == [("1", "3.43"), ("2", "2.20")]
    assert all("2505.13447" in row[2] for row in rows)


def test_params_refuse_what_the_budget_cannot_pay():
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(MeanFlow, {"dataset": "moons", "train_steps_scale": 0.1}, "smoke")
    assert set(exc.value.errors) == {"dataset", "train_steps_scale"}
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(MeanFlow, {"train_steps_scale": 2}, "smoke")
    assert "5 s smoke budget (limit 1.5)" in exc.value.errors["train_steps_scale"]
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(MeanFlow, {"dataset": "checkerboard"}, "full")
    assert "not offered" in exc.value.errors["dataset"]


def test_checkerboard_and_determinism(monkeypatch, recorder):
    sizes = {**MeanFlow.sizes, "smoke": Size("smoke", "cpu", 5.0, TINY)}
    monkeypatch.setattr(MeanFlow, "sizes", sizes)
    params = validate_params(MeanFlow, {"seed": 2, "dataset": "checkerboard"}, "smoke")
    a = MeanFlow().run(params, "smoke", recorder)
    b = MeanFlow().run(params, "smoke")
    check_result(a)
    assert a["summary"] == b["summary"]
    assert "ed_meanflow_1step_checkerboard" in a["summary"]
    assert 0 < len(recorder.calls) <= 100


def test_full_dims_follow_the_spec():
    assert FULL_DIMS["datasets"] == ("8gaussians", "checkerboard")
    assert (FULL_DIMS["width"], FULL_DIMS["steps"], FULL_DIMS["batch"]) == (512, 5000, 4096)
    assert FULL_DIMS["claims"] == {"vs_fm": 0.2, "vs_floor": 10.0}


def test_full_code_path_on_cpu_with_tiny_dims(monkeypatch):
    """The full size with tiny dims, both data sets and two seeds, forced onto the CPU."""
    tiny = {**FULL_DIMS, **{k: TINY[k] for k in ("width", "depth", "steps", "batch", "N")}}
    tiny["seeds"] = 2
    sizes = {**MeanFlow.sizes, "full": Size("full", "cuda", 60.0, tiny)}
    monkeypatch.setattr(MeanFlow, "sizes", sizes)
    result = MeanFlow().run(validate_params(MeanFlow, {}, "full"), "full", device="cpu")
    check_result(result)
    assert result["env"]["off_budget"] is True
    names = {c["name"] for c in result["checks"]}
    assert names == {f"one_step_{k}_{d}" for k in ("vs_fm", "near_floor")
                     for d in ("8gaussians", "checkerboard")}  # fmt: skip
    assert all(len(c["seeds"]) == 2 for c in result["checks"])


@pytest.mark.gpu
def test_full_size_on_gpu():
    result = MeanFlow().run(validate_params(MeanFlow, {}, "full"), "full")
    check_result(result)
    assert result["env"]["device"] == "cuda"
    assert all(c["passed"] for c in result["checks"]), result["checks"]
    assert result["timings"]["total_s"] < 60
