"""Demo D10: the linear-time VQ attention against its quadratic reference; the demo at smoke size."""

import pytest
import torch

from demos.attention.transformer_vq import crossover
from demos.attention.vq_attention import (
    exclusive_cumsum,
    max_rel_err,
    sdpa_causal,
    vector_quantize,
    vq_attention,
    vq_attention_reference,
)
from demos.base import DemoParamsInvalid, Size, check_result, validate_params
from demos.specs.transformer_vq import FULL, TransformerVQ
from tests.demos.smoke_seeds import SEEDS, assert_valid_and_passed, run_smoke_seeds

GRID = [  # (batch, heads, T, d, S, block)
    (1, 1, 64, 8, 4, 64),  # one block: the in-block term alone
    (1, 1, 64, 8, 4, 8),
    (2, 3, 96, 16, 16, 32),
    (1, 2, 256, 32, 64, 16),
    (1, 1, 128, 8, 1, 32),  # a single code: every key equal
    (1, 1, 128, 16, 200, 64),  # more codes than keys
]


def _inputs(batch, heads, T, d, S, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(batch, heads, T, d, generator=g, dtype=dtype) for _ in range(3))
    C = torch.randn(S, d, generator=g, dtype=dtype)
    return q, k, v, C, vector_quantize(k, C)


@pytest.mark.parametrize("case", GRID, ids=lambda c: "b{}-h{}-T{}-d{}-S{}-B{}".format(*c))
def test_linear_form_equals_quadratic_reference_fp64(case):
    *shape, block = case
    q, _, v, C, z = _inputs(*shape)
    assert max_rel_err(vq_attention(q, z, C, v, block), vq_attention_reference(q, z, C, v)) < 1e-12


@pytest.mark.parametrize("scale", [0.05, 1.0, 4.0])
def test_large_scores_stay_stable(scale):
    """The shared max over codes bounds every score: no overflow even at large logits."""
    q, _, v, C, z = _inputs(1, 1, 128, 16, 8)
    o = vq_attention(q * 30, z, C, v, 32, scale=scale)
    ref = vq_attention_reference(q * 30, z, C, v, scale=scale)
    assert torch.isfinite(o).all() and max_rel_err(o, ref) < 1e-12


def test_bf16_against_float64_reference():
    q, _, v, C, z = _inputs(1, 2, 512, 32, 16)
    qb, Cb, vb = q.bfloat16(), C.bfloat16(), v.bfloat16()
    o = vq_attention(qb, z, Cb, vb, 64)
    assert o.dtype == torch.bfloat16
    assert max_rel_err(o, vq_attention_reference(qb.double(), z, Cb.double(), vb.double())) < 3e-2


def test_vector_quantize_picks_the_nearest_code():
    q, k, v, C, z = _inputs(1, 1, 50, 4, 7)
    brute = torch.cdist(k[0, 0], C).argmin(dim=-1)
    assert torch.equal(z[0, 0], brute)
    assert torch.equal(vector_quantize(C, C), torch.arange(7))


def test_exclusive_cumsum_and_block_check():
    x = torch.tensor([[1.0, 2.0, 3.0]])
    assert exclusive_cumsum(x, dim=1).tolist() == [[0.0, 1.0, 3.0]]
    q, _, v, C, z = _inputs(1, 1, 100, 4, 3)
    with pytest.raises(ValueError, match="multiple of the block"):
        vq_attention(q, z, C, v, 64)


def test_sdpa_baseline_is_causal_attention():
    from demos.attention.naive import attention_naive

    q, k, v, _, _ = _inputs(1, 2, 64, 8, 2, dtype=torch.float32)
    assert (sdpa_causal(q, k, v) - attention_naive(q, k, v, causal=True)).abs().max() < 1e-5


def test_crossover():
    rows = [{"T": t, "vq_ms": a, "sdpa_ms": b} for t, a, b in
            [(1, 2.0, 1.0), (2, 1.0, 1.5), (4, 2.0, 1.0), (8, 1.0, 3.0), (16, 1.0, 9.0)]]  # fmt: skip
    assert crossover(rows) == 8
    assert crossover(rows[:3]) is None


@pytest.fixture(scope="module")
def smoke_runs():
    """The smoke run at seeds 0-4 (one thread, as the smoke size pins)."""
    return run_smoke_seeds(TransformerVQ)


@pytest.mark.parametrize("seed", SEEDS)
def test_smoke_claims(smoke_runs, seed):
    result = smoke_runs[seed]
    assert_valid_and_passed(result, ("timings",))
    s = result["summary"]
    assert s["err_fp64"] < 1e-9 and s["err_bf16"] < 3e-2
    assert s["T_check"] == 512 and s["codes_used"] > 1
    lines = result["series"]["time_vs_T"]["lines"]
    assert all(len(line["x"]) == 5 and min(line["y"]) > 0 for line in lines.values())


def test_params_and_budget_limit():
    assert validate_params(TransformerVQ, {"T": 1024, "block": 128}, "smoke")["T"] == 1024
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(TransformerVQ, {"T": 1000, "block": 64}, "smoke")
    assert "multiple of the block" in exc.value.errors["block"]
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(TransformerVQ, {"T": 2048, "codes": 256, "block": 8}, "smoke")
    assert set(exc.value.errors) == {"T", "codes", "block"}
    assert "5 s" in exc.value.errors["T"] and "16,384" in exc.value.errors["T"]
    assert validate_params(TransformerVQ, {"T": 2048, "codes": 256, "block": 32}, "smoke")
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(TransformerVQ, {"T": 4096, "codes": 1}, "smoke")
    assert set(exc.value.errors) == {"T", "codes"}


def test_timing_lengths_skip_partial_blocks():
    params = validate_params(TransformerVQ, {"T": 1024, "block": 512}, "smoke")
    result = TransformerVQ().run(params, "smoke")
    assert [r[0] for r in result["tables"]["timings"]["rows"]] == [512, 1024, 2048]


def test_full_code_path_on_cpu_with_tiny_dims(monkeypatch):
    """The full size's bf16 timing path and multi-head shapes with tiny dims on the CPU."""
    tiny = {**FULL, "heads": 2, "d": 16, "codes": 32, "block": 32, "T": 128,
            "timing_T": (64, 128), "warmup": 1, "reps": 2}  # fmt: skip
    sizes = {**TransformerVQ.sizes, "full": Size("full", "cuda", 60.0, tiny)}
    monkeypatch.setattr(TransformerVQ, "sizes", sizes)
    result = TransformerVQ().run(validate_params(TransformerVQ, {}, "full"), "full", device="cpu")
    check_result(result)
    assert result["env"]["off_budget"] is True and result["summary"]["timing_dtype"] == "bfloat16"
    assert all(c["passed"] for c in result["checks"])


@pytest.mark.gpu
def test_full_size_on_gpu():
    result = TransformerVQ().run(validate_params(TransformerVQ, {}, "full"), "full")
    check_result(result)
    assert result["env"]["device"] == "cuda"
    assert all(c["passed"] for c in result["checks"]), result["checks"]
    assert len(result["tables"]["timings"]["rows"]) == 6
