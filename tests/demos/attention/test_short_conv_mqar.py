"""Demo D4: mixers against their recurrent references, the MQAR task, smoke claims on seeds 0-4."""

import pytest
import torch
import torch.nn.functional as F

from demos.attention.deltanet import (
    deltanet_parallel,
    deltanet_recurrent,
    linear_attention_parallel,
    linear_attention_recurrent,
    softmax_attention,
    softmax_attention_reference,
)
from demos.attention.mqar import OneLayer, Task, mqar_batch, short_conv, short_conv_reference
from demos.attention.short_conv_mqar import chance_bound
from demos.base import DemoParamsInvalid, Size, check_result, validate_params
from demos.specs.short_conv_mqar import FULL, ShortConvMQAR
from tests.demos.smoke_seeds import SEEDS, assert_valid_and_passed, run_smoke_seeds

SHAPES = [(1, 1, 4), (2, 7, 8), (3, 24, 32), (2, 64, 16)]  # (B, T, d)


def _qkvb(B, T, d, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(B, T, d, generator=g, dtype=dtype) for _ in range(3))
    q, k = F.normalize(q, dim=-1), F.normalize(k, dim=-1)
    return q, k, v, torch.rand(B, T, generator=g, dtype=dtype)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "B{}-T{}-d{}".format(*s))
def test_deltanet_parallel_equals_recurrent_fp32(shape):
    q, k, v, beta = _qkvb(*shape)
    diff = (deltanet_parallel(q, k, v, beta) - deltanet_recurrent(q, k, v, beta)).abs().max()
    assert diff < 1e-5


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "B{}-T{}-d{}".format(*s))
def test_deltanet_parallel_equals_recurrent_fp64(shape):
    q, k, v, beta = _qkvb(*shape, dtype=torch.float64)
    diff = (deltanet_parallel(q, k, v, beta) - deltanet_recurrent(q, k, v, beta)).abs().max()
    assert diff < 1e-12


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "B{}-T{}-d{}".format(*s))
def test_linear_attention_parallel_equals_recurrent(shape):
    q, k, v, _ = _qkvb(*shape)
    diff = (linear_attention_parallel(q, k, v) - linear_attention_recurrent(q, k, v)).abs().max()
    assert diff < 1e-5


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "B{}-T{}-d{}".format(*s))
def test_softmax_sdpa_equals_naive(shape):
    q, k, v, _ = _qkvb(*shape)
    assert (softmax_attention(q, k, v) - softmax_attention_reference(q, k, v)).abs().max() < 1e-5


def test_deltanet_edge_cases():
    q, k, v, beta = _qkvb(2, 5, 4)
    assert torch.equal(deltanet_parallel(q, k, v, torch.zeros_like(beta)), torch.zeros_like(v))
    # beta = 1 with one unit key written twice: the second write replaces the first value
    k1 = F.normalize(torch.ones(1, 2, 4), dim=-1)
    v1 = torch.tensor([[[1.0, 0, 0, 0], [0, 2.0, 0, 0]]])
    o = deltanet_parallel(k1, k1, v1, torch.ones(1, 2))
    assert torch.allclose(o[0, 1], v1[0, 1], atol=1e-6)
    assert torch.allclose(linear_attention_parallel(k1, k1, v1)[0, 1], v1[0].sum(0), atol=1e-6)


@pytest.mark.parametrize("kernel", [1, 2, 4])
def test_short_conv_equals_conv1d_and_is_causal(kernel):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 9, 6, generator=g)
    w, b = torch.randn(6, kernel, generator=g), torch.randn(6, generator=g)
    y = short_conv(x, w, b)
    assert torch.allclose(y, short_conv_reference(x, w, b), atol=1e-6)
    x2 = x.clone()
    x2[:, 5:] += 1.0  # changing the future leaves earlier outputs alone
    assert torch.equal(short_conv(x2, w, b)[:, :5], y[:, :5])
    shift = torch.zeros(6, kernel)
    shift[:, -2 if kernel > 1 else -1] = 1.0  # a pure one-token shift (identity for kernel 1)
    expect = x if kernel == 1 else F.pad(x, (0, 0, 1, 0))[:, :9]
    assert torch.equal(short_conv(x, shift, torch.zeros(6)), expect)


def test_mqar_batch_structure():
    task = Task(8, 32, 32)
    tokens, targets = mqar_batch(task, 64, torch.Generator().manual_seed(0), "cpu")
    assert tokens.shape == (64, 24) and targets.shape == (64, 8)
    keys, values, queries = tokens[:, 0:16:2], tokens[:, 1:16:2], tokens[:, 16:]
    assert (keys < 32).all() and (values >= 32).all() and (queries < 32).all()
    for b in range(64):
        assert len(set(keys[b].tolist())) == 8  # distinct keys in a sequence
        assert sorted(queries[b].tolist()) == sorted(keys[b].tolist())
        lookup = dict(zip(keys[b].tolist(), (values[b] - 32).tolist(), strict=True))
        assert [lookup[q] for q in queries[b].tolist()] == targets[b].tolist()


def test_key_vocabulary_holds_every_key():
    Task(64, 256, 256)  # the full size's largest grid N
    with pytest.raises(ValueError, match="key vocabulary"):
        Task(64, 32, 32)  # the prototype's crash (design review): 32 keys cannot hold 64 pairs
    tokens, _ = mqar_batch(Task(128, 256, 256), 4, torch.Generator().manual_seed(0), "cpu")
    assert all(len(set(row[0:256:2].tolist())) == 128 for row in tokens)


@pytest.mark.parametrize("mixer", ["deltanet", "linear", "softmax"])
@pytest.mark.parametrize("conv", [False, True], ids=["noconv", "conv"])
def test_model_shapes(mixer, conv):
    task = Task(4, 8, 8)
    model = OneLayer(task, 16, mixer, conv)
    tokens, _ = mqar_batch(task, 3, torch.Generator().manual_seed(0), "cpu")
    assert model(tokens).shape == (3, 4, 8)
    if conv:
        assert set(model.conv_kernels()) == {"q", "k", "v"}


def test_chance_bound():
    assert chance_bound(8) == pytest.approx(0.2875)


@pytest.fixture(scope="module")
def smoke_runs():
    """The smoke run at seeds 0-4 (one thread, as the smoke size pins)."""
    return run_smoke_seeds(ShortConvMQAR)


@pytest.mark.parametrize("seed", SEEDS)
def test_smoke_claims(smoke_runs, seed):
    result = smoke_runs[seed]
    assert_valid_and_passed(result, ("conv_kernels",))
    s = result["summary"]
    assert s["acc_deltanet_N8_noconv"] <= 1.5 / 8 + 0.1
    assert s["acc_deltanet_N8_conv"] >= 0.8
    assert s["parallel_vs_recurrent_max_abs"] < 1e-5
    assert s["seeds_in_run"] == 1
    # the learned k convolution weights the previous token above the current one (the shift)
    assert s["k_conv_lag1_over_lag0"] > 1.0
    assert set(result["series"]) == {"accuracy_grid", "conv_kernels"}


def test_params_and_budget_limit():
    assert validate_params(ShortConvMQAR, {}, "smoke")["pairs"] == 8
    assert validate_params(ShortConvMQAR, {"pairs": 9, "steps": 120}, "smoke")["pairs"] == 9
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(ShortConvMQAR, {"pairs": 32, "steps": 150}, "smoke")
    assert set(exc.value.errors) == {"steps", "pairs"} and "5 s" in exc.value.errors["steps"]
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(ShortConvMQAR, {"pairs": 64, "lr": 1.0}, "smoke")
    assert set(exc.value.errors) == {"pairs", "lr"}
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(ShortConvMQAR, {"pairs": 12}, "full")
    assert "not offered" in exc.value.errors["pairs"]


def test_full_code_path_on_cpu_with_tiny_dims(monkeypatch):
    """The full size's 3 mixers x conv x N grid and capacity sweep with tiny dims on the CPU."""
    tiny = {**FULL, "pairs": (4, 6), "d": 16, "batch": 8, "eval_batch": 32, "steps": 3,
            "capacity": {"pairs": (4, 8), "d": 8, "steps": 2}}  # fmt: skip
    sizes = {**ShortConvMQAR.sizes, "full": Size("full", "cuda", 60.0, tiny)}
    monkeypatch.setattr(ShortConvMQAR, "sizes", sizes)
    result = ShortConvMQAR().run(validate_params(ShortConvMQAR, {}, "full"), "full", device="cpu")
    check_result(result)
    assert result["env"]["off_budget"] is True
    assert len(result["tables"]["accuracy"]["rows"]) == 3 * 2 * 2
    assert set(result["series"]["capacity"]["lines"]) == {"deltanet", "linear", "softmax"}
    assert result["summary"]["parallel_vs_recurrent_max_abs"] < 1e-5
    assert next(c for c in result["checks"] if c["name"] == "conv_solves")["threshold"] == (
        "accuracy >= 0.9"
    )


@pytest.mark.gpu
def test_full_size_on_gpu():
    result = ShortConvMQAR().run(validate_params(ShortConvMQAR, {}, "full"), "full")
    check_result(result)
    assert result["env"]["device"] == "cuda"
    assert all(c["passed"] for c in result["checks"]), result["checks"]
