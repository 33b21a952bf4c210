"""Demo D12: batched MLP, Adam and Muon-scaled steps against references; smoke claims on seeds 0-4."""

import math

import pytest
import torch

from demos.base import DemoParamsInvalid, Size, check_result, validate_params
from demos.optim.mup import (
    adam_step,
    forward,
    forward_reference,
    init_std,
    init_weights,
    inputs,
    layer_shapes,
    lr_multiplier,
    newton_schulz,
    newton_schulz_reference,
    spectral_step,
    teacher,
    train,
)
from demos.optim.mup_result import best_lr_shift
from demos.specs.mup_coord import FULL_DIMS, MupCoord
from tests.demos import seeds

SEEDS = [0, 1, 2, 3, 4]


def _gens(n, offset=0):
    return [torch.Generator().manual_seed(offset + i) for i in range(n)]


@pytest.fixture(scope="module")
def smoke_runs():
    """One smoke run per seed 0-4 (one thread, as the size pins); shared by the claim tests."""
    return seeds.smoke_runs(MupCoord, SEEDS)


@pytest.mark.parametrize("width", [8, 16], ids=lambda w: f"n{w}")
def test_forward_matches_nn_linear(width):
    weights = [
        w.double() for w in init_weights("sp", layer_shapes(5, width, 3), 8, _gens(2), "cpu")
    ]
    x = inputs(_gens(2, 10), 7, 5, "cpu").double()  # (2, 7, 5)
    out, hiddens = forward(weights, x)
    assert out.shape == (2, 7, 3) and [h.shape[-1] for h in hiddens] == [width] * 3
    for m in range(2):
        ref = forward_reference([w[m] for w in weights], x[m])
        torch.testing.assert_close(out[m], ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("rule", ["sp", "mup"])
@pytest.mark.parametrize("steps", [1, 3], ids=lambda t: f"{t}steps")
def test_adam_step_matches_torch_adam(rule, steps):
    shapes = layer_shapes(4, 12, 3)
    weights = [w.double() for w in init_weights(rule, shapes, 6, _gens(1), "cpu")]
    mults = [lr_multiplier(rule, fo, fi, k, 6) for fo, fi, k in shapes]
    params = [torch.nn.Parameter(w[0].clone()) for w in weights]
    opt = torch.optim.Adam([{"params": [p], "lr": 0.03 * m} for p, m in zip(params, mults)])
    state = [(torch.zeros_like(w), torch.zeros_like(w)) for w in weights]
    g = torch.Generator().manual_seed(5)
    for t in range(1, steps + 1):
        grads = [torch.randn(w.shape, generator=g, dtype=torch.float64) for w in weights]
        adam_step(weights, grads, state, torch.tensor([0.03], dtype=torch.float64), mults, t)
        for p, gr in zip(params, grads):
            p.grad = gr[0].clone()
        opt.step()
    for w, p in zip(weights, params):
        torch.testing.assert_close(w[0], p.detach(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10)], ids=["square", "tall", "wide"])
@pytest.mark.parametrize("steps", [1, 5])
def test_newton_schulz_matches_svd_polynomial(shape, steps):
    g = torch.randn(3, *shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    torch.testing.assert_close(
        newton_schulz(g, steps), newton_schulz_reference(g, steps), rtol=1e-10, atol=1e-10
    )


def test_newton_schulz_brings_singular_values_near_one():
    g = torch.randn(64, 32, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    s = torch.linalg.svdvals(newton_schulz(g[None])[0])
    assert 0.6 < s.min() and s.max() < 1.25  # Muon's quintic: about 0.7 to 1.2, not exactly 1
    assert torch.equal(newton_schulz(torch.zeros(1, 4, 3)), torch.zeros(1, 4, 3))
    # in bfloat16 (the full size, as Muon runs it) the result keeps g's dtype and stays close
    low = newton_schulz(g[None].float(), dtype=torch.bfloat16)[0]
    assert low.dtype == torch.float32
    s16 = torch.linalg.svdvals(low.double())
    assert 0.5 < s16.min() and s16.max() < 1.4


def test_spectral_step_has_the_target_spectral_norm_order():
    shapes = layer_shapes(8, 64, 4)
    weights = init_weights("spectral", shapes, 8, _gens(1), "cpu")
    before = [w.clone() for w in weights]
    grads = [torch.randn(w.shape, generator=torch.Generator().manual_seed(3)) for w in weights]
    mults = [lr_multiplier("spectral", fo, fi, k, 8) for fo, fi, k in shapes]
    bufs = [torch.zeros_like(w) for w in weights]
    spectral_step(weights, grads, bufs, torch.tensor([0.1]), mults)
    for w, w0, g, (fo, fi, _) in zip(weights, before, grads, shapes):
        step = (w0 - w)[0]
        torch.testing.assert_close(step, 0.1 * math.sqrt(fo / fi) * newton_schulz(g)[0])
        ratio = torch.linalg.matrix_norm(step, ord=2) / (0.1 * math.sqrt(fo / fi))
        assert 0.6 < ratio < 1.25


def test_init_scalings():
    assert init_std("mup", 10, 32, "output", 32) == pytest.approx(
        init_std("sp", 10, 32, "output", 32)
    )
    assert init_std("mup", 10, 128, "output", 32) == pytest.approx(math.sqrt(32) / 128)
    assert lr_multiplier("mup", 128, 128, "hidden", 32) == 0.25
    assert lr_multiplier("mup", 128, 32, "input", 32) == 1.0
    assert lr_multiplier("spectral", 10, 160, "output", 32) == pytest.approx(0.25)
    # spectral init: the spectral norm of W is of order sqrt(fan_out / fan_in)
    for fo, fi, k in layer_shapes(32, 256, 10):
        w = init_weights("spectral", [(fo, fi, k)], 32, _gens(1), "cpu")[0][0]
        ratio = torch.linalg.matrix_norm(w, ord=2).item() / math.sqrt(fo / fi)
        assert 0.5 < ratio < 3.0, (fo, fi, ratio)


def test_stacked_training_equals_training_each_model_alone():
    shapes = layer_shapes(4, 16, 2)
    mults = [lr_multiplier("mup", fo, fi, k, 8) for fo, fi, k in shapes]
    lrs = torch.tensor([0.01, 0.05])

    def run(models):
        gens = [torch.Generator().manual_seed(100 + m) for m in models]
        data = [torch.Generator().manual_seed(200 + m) for m in models]
        weights = init_weights("mup", shapes, 8, gens, "cpu")
        target = teacher([torch.Generator().manual_seed(300 + m) for m in models], 4, 2, "cpu")

        def batches(t):
            x = inputs(data, 5, 4, "cpu")
            return x, target(x)

        train("mup", weights, mults, lrs[models], batches, 3)
        return weights

    both = run([0, 1])
    for m in (0, 1):
        for w_both, w_alone in zip(both, run([m])):
            torch.testing.assert_close(w_both[m], w_alone[0], rtol=1e-5, atol=1e-6)


def test_best_lr_shift():
    lrs = [0.001, 0.002, 0.004, 0.008]
    assert best_lr_shift({64: [3, 2, 1, 4], 256: [3, 1, 2, 4]}, lrs) == 2.0
    assert best_lr_shift({64: [3, 2, 1, None], 256: [1, 2, 3, 4]}, lrs) == 4.0
    assert best_lr_shift({64: [None] * 4}, lrs) is None


@pytest.mark.parametrize("seed", SEEDS)
def test_smoke_claims_hold_on_every_seed(smoke_runs, seed):
    result = smoke_runs[seed]
    summary = seeds.assert_all_checks_pass(result)
    assert {c["name"] for c in result["checks"]} == {"slope_sp", "slope_mup", "slope_spectral"}
    s = summary
    assert s["seeds"] == 5 and result["env"]["threads"] == 1
    assert s["slope_sp_min"] >= 0.5
    assert max(abs(s["slope_mup_min"]), abs(s["slope_mup_max"])) <= 0.35
    assert max(abs(s["slope_spectral_min"]), abs(s["slope_spectral_max"])) <= 0.2
    # the picture behind the slopes: SP's one-step change grows with width, the others do not
    assert s["rms_change_h3_sp_n256"] > 3 * s["rms_change_h3_sp_n32"]
    assert s["rms_change_h3_spectral_n256"] < 1.5 * s["rms_change_h3_spectral_n32"]
    comparison = result["tables"]["comparison"]
    sp_row = comparison["rows"][0]
    assert sp_row[2] == "1" and "Table 3" in sp_row[5]
    assert sp_row[3] == round(s["slope_sp_mean"], 2)
    for check in result["checks"]:
        assert [e["seed"] for e in check["seeds"]] == list(range(seed, seed + 5))


def test_params_refused_per_field_with_the_budget_named():
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(MupCoord, {"batch": 512}, "smoke")
    assert "256" in exc.value.errors["batch"] and "5 s" in exc.value.errors["batch"]
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(MupCoord, {"transfer_steps": 100}, "smoke")
    assert "transfer_steps" in exc.value.errors
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(MupCoord, {"lr": "fast", "batch": 0}, "smoke")
    assert set(exc.value.errors) == {"lr", "batch"}
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(MupCoord, {"batch": 4096, "transfer_steps": 1000}, "full")
    assert "60 s" in exc.value.errors["transfer_steps"]
    assert validate_params(MupCoord, {"batch": 512}, "full")["transfer_steps"] == 300


def test_full_code_path_on_cpu_with_tiny_dims(monkeypatch):
    """The full size's branch (5 recorded steps, LR transfer, its checks) with tiny dims."""
    tiny = {**FULL_DIMS, "widths": (8, 16, 32), "eval_batch": 16, "seeds": 2, "replicas": 1}
    tiny |= {"transfer_widths": (8, 32), "transfer_lrs": (1e-3, 1e-2, 1e-1)}
    tiny["transfer_lrs_spectral"] = (0.01, 0.1)
    monkeypatch.setattr(
        MupCoord, "sizes", {**MupCoord.sizes, "full": Size("full", "cuda", 60.0, tiny)}
    )
    params = validate_params(MupCoord, {"batch": 8, "transfer_steps": 50}, "full")
    result = MupCoord().run(params, "full", device="cpu")
    check_result(result)
    assert result["env"]["off_budget"] is True
    names = {c["name"] for c in result["checks"]}
    assert {"transfer_mup", "transfer_sp", "slope_sp"} <= names
    assert {"transfer_sp", "transfer_mup", "transfer_spectral"} <= set(result["series"])
    assert "RMS change of h3, step 5" in result["tables"]["h3_by_width"]["columns"]
    for rule in ("sp", "mup", "spectral"):
        shift = result["summary"][f"best_lr_shift_{rule}"]
        assert shift is None or shift >= 1.0


@pytest.mark.gpu
def test_full_size_on_gpu():
    seeds.assert_full_size_on_gpu(MupCoord)
