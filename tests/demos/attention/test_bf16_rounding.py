"""Demo D5: bf16 P̄V against its references, the rounding model, smoke claims on seeds 0-4."""

import math

import pytest
import torch

from demos.attention.bf16_ties import (
    THEORY_CONTINUOUS,
    attention_bias_by_backend,
    attention_explicit_bf16,
    attention_inputs,
    draw_values,
    mean_z,
    numerator_bf16,
    pv_bf16,
    pv_bf16_reference,
    pv_exact,
    round_bf16_ties_up,
    row_shift,
    tie_scores,
)
from demos.attention.naive import attention_naive
from demos.attention.variants import decode_sdpa
from demos.base import DemoParamsInvalid, Size, check_result, validate_params
from demos.specs.bf16_rounding import FULL, Bf16Rounding
from tests.demos.smoke_seeds import SEEDS, assert_valid_and_passed, run_smoke_seeds

GRID = [(t, gap, fix) for t in (1, 2, 3) for gap in (6.0, 18.0, 40.0) for fix in (False, True)]


def _ids(c):
    return f"ties{c[0]}-gap{c[1]:g}-{'fix' if c[2] else 'nofix'}"


def _rows(ties, gap, fix, rows=512, d=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    s = tie_scores(rows, 128, ties, gap, g, "cpu")
    v = draw_values(rows, 128, d, g, "cpu")
    return s, v, numerator_bf16(s, fix)


@pytest.mark.parametrize("config", GRID, ids=[_ids(c) for c in GRID])
def test_bf16_matmul_equals_ideal_fp32_accumulator(config):
    """torch's bf16 matmul (fast form) = exact sum rounded to fp32 then bf16 (reference)."""
    s, v, p = _rows(*config)
    fast, ref = pv_bf16(p, v), pv_bf16_reference(p, v)
    assert (fast == ref).double().mean().item() >= 0.999
    ulp = torch.ldexp(torch.ones_like(ref.double()), torch.frexp(ref.double())[1] - 8)
    assert ((fast.double() - ref.double()).abs() <= ulp).all()
    exact = pv_exact(p, v)
    assert ((fast.double() - exact).abs() <= ulp).all()  # within one bf16 ulp of the exact value


@pytest.mark.parametrize("ties", [1, 2, 3], ids=lambda t: f"ties{t}")
@pytest.mark.parametrize("backend", ["explicit", "default", "math"])
def test_attention_forms_against_float64_naive(ties, backend):
    s, v, _ = _rows(ties, 18.0, False, rows=256)
    q, k = attention_inputs(s, v)
    ref = attention_naive(q.double(), k.double(), v[:, None].double())[:, 0, 0]  # (rows, d)
    if backend == "explicit":
        o = attention_explicit_bf16(s, v, fix=False)
    else:
        o = decode_sdpa(q, k, v[:, None], backend=backend)[:, 0, 0]
    assert ((o.double() - ref).abs() / ref <= 2.0**-7).all()  # at most one bf16 rounding


def test_attention_inputs_reproduce_the_scores_exactly():
    s, v, _ = _rows(2, 18.0, False, rows=64)
    q, k = attention_inputs(s, v)
    scores = (q.float() @ k.float().transpose(-1, -2))[:, 0, 0] / math.sqrt(v.shape[-1])
    assert torch.equal(scores, s)


def test_explicit_attention_with_fix_is_the_same_function():
    s, v, _ = _rows(2, 18.0, True, rows=256)
    a, b = attention_explicit_bf16(s, v, fix=False), attention_explicit_bf16(s, v, fix=True)
    assert ((a.double() - b.double()).abs() / a.double() <= 2.0**-7).all()


def test_tie_scores_have_exactly_the_ties_and_are_bf16():
    g = torch.Generator().manual_seed(3)
    for ties in (1, 2, 3):
        s = tie_scores(1000, 128, ties, 6.0, g, "cpu")
        m = s.max(dim=-1).values
        assert ((s == m[:, None]).sum(-1) == ties).all()
        assert torch.equal(s.bfloat16().float(), s)
        assert (m.abs() >= 1).all() and (m.abs() < 8.1).all() and (m < 0).any() and (m > 0).any()


def test_values_on_the_bf16_grid_and_drawn_per_row():
    v = draw_values(64, 128, 16, torch.Generator().manual_seed(0), "cpu")
    assert v.dtype == torch.bfloat16 and (v >= 1).all() and (v < 2).all()
    k = (v.double() - 1) * 128
    assert torch.equal(k, k.round())
    assert not torch.equal(v[0], v[1])


def test_row_shift_branches():
    s = torch.tensor([[3.0, 3.0, 1.0], [-2.0, -2.0, -5.0], [3.0, 1.0, 0.0], [0.0, 0.0, -1.0]])
    assert row_shift(s, fix=False).tolist() == [3.0, -2.0, 3.0, 0.0]
    assert row_shift(s, fix=True).tolist() == [6.0, 0.0, 3.0, 0.0]  # m = 0 stays (no branch)
    assert row_shift(s, fix=True, beta=4.0).tolist()[0] == 12.0
    p = numerator_bf16(s[:2], fix=True)
    assert (p < 1).all()  # no entry of P̄ is exactly 1 once the repeated max is shifted


def test_round_ties_up_edges():
    x = torch.tensor([2 + 1 / 128, 1 + 1 / 256, 3 + 3 / 128, 1.5, 2 + 1 / 200], dtype=torch.float64)
    assert round_bf16_ties_up(x).tolist() == [2 + 1 / 64, 1 + 1 / 128, 3 + 1 / 32, 1.5, 2.0]
    # round-to-nearest-even would take the first tie down to 2.0
    assert x[:1].float().bfloat16().item() == 2.0


def test_theory_value_and_mean_z():
    assert THEORY_CONTINUOUS == pytest.approx(1.3273e-3, rel=1e-4)
    rel = torch.full((100, 4), 1e-3)
    rel[::2] += 1e-4
    mean, se, z = mean_z(rel)
    assert mean == pytest.approx(1.05e-3) and se > 0 and z == pytest.approx(mean / se)
    assert mean_z(torch.zeros(10, 2)) == (0.0, 0.0, 0.0)


def test_sdpa_rows_report_every_backend_or_its_error():
    s, v, _ = _rows(2, 18.0, False, rows=128)
    rows = attention_bias_by_backend(s, v, ("default", "math", "flash"))
    assert [r["backend"] for r in rows] == ["explicit", "default", "math", "flash"]
    assert all(r["error"] is None or isinstance(r["error"], str) for r in rows)
    assert rows[0]["error"] is None and rows[0]["mean"] < 0  # l = 2 + δ pulls the tie below


@pytest.fixture(scope="module")
def smoke_runs():
    """The smoke run at seeds 0-4 (one thread, as the smoke size pins)."""
    return run_smoke_seeds(Bf16Rounding)


@pytest.mark.parametrize("seed", SEEDS)
def test_smoke_claims(smoke_runs, seed):
    result = smoke_runs[seed]
    assert_valid_and_passed(result, ("configurations", "sdpa_backends"))
    assert {c["name"] for c in result["checks"]} == {
        "bias_two_ties", "fix_removes_bias", "single_max_unbiased", "gap40_unbiased",
        "ties_up_model",
    }  # fmt: skip
    assert all(len(c["seeds"]) == 5 for c in result["checks"])
    s = result["summary"]
    assert s["z_t2_g18"] > 20 and abs(s["mean_t2_g18"] / s["theory_t2_g18"] - 1) < 0.25
    assert s["mean_t2_g18"] == pytest.approx(THEORY_CONTINUOUS, rel=0.1)
    for t in (2, 3):
        assert abs(s[f"mean_t{t}_g18_fix"]) < s[f"mean_t{t}_g18"] / 20
    assert s["z_t1_g18"] < 4 and abs(s["mean_t2_g40"]) < 3e-5
    assert s["agree_fp32_model_min"] >= 0.999
    assert s["seeds"] == 5 and s["rows_per_config"] == 2048


def test_params_and_budget_limit():
    assert validate_params(Bf16Rounding, {}, "smoke")["d"] == "default"
    assert validate_params(Bf16Rounding, {"d": "64", "rows": 512}, "smoke")["rows"] == 512
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(Bf16Rounding, {"d": "64", "rows": 2048}, "smoke")
    assert set(exc.value.errors) == {"rows", "d"} and "5 s budget" in exc.value.errors["rows"]
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(Bf16Rounding, {"rows": 4096}, "smoke")
    assert "at most 2,048 rows" in exc.value.errors["rows"]
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(Bf16Rounding, {"rows": 100, "beta": 0.5, "d": "32"}, "smoke")
    assert set(exc.value.errors) == {"rows", "beta", "d"}
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(Bf16Rounding, {"rows_full": 2_000_000}, "full")
    assert "60 s budget" in exc.value.errors["rows_full"]


def test_full_code_path_on_cpu_with_tiny_dims(monkeypatch):
    """The full size's grid, chunking and backend list with tiny dims on the CPU."""
    tiny = {**FULL, "chunk": 700, "sdpa_rows": 256}
    monkeypatch.setattr(
        Bf16Rounding, "sizes", {**Bf16Rounding.sizes, "full": Size("full", "cuda", 60.0, tiny)}
    )
    params = validate_params(Bf16Rounding, {"rows_full": 65_536, "d": "16"}, "full")
    params["rows_full"] = 2000  # below the knob's range: a code-path test, not a measurement
    result = Bf16Rounding().run(params, "full", device="cpu")
    check_result(result)
    assert result["env"]["off_budget"] is True
    assert len(result["tables"]["configurations"]["rows"]) == 18
    backends = {r[1] for r in result["tables"]["sdpa_backends"]["rows"]}
    assert backends == {"explicit", "default", "flash", "efficient", "cudnn", "math"}
    assert {c["name"] for c in result["checks"]} >= {"bias_two_ties", "fix_removes_bias"}


@pytest.mark.gpu
def test_full_size_on_gpu():
    result = Bf16Rounding().run(validate_params(Bf16Rounding, {}, "full"), "full")
    check_result(result)
    assert result["env"]["device"] == "cuda"
    assert all(c["passed"] for c in result["checks"]), result["checks"]
    assert result["summary"]["rows_per_config"] == 1_000_000
