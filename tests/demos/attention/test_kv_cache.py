"""Demo D7: cache formulas against published sizes, params, decode rows, roofline checks."""

import pytest
import torch

from demos.attention.decode_bench import DecodeShape, decode_rows, roofs
from demos.attention.kv_cache import roofline_checks
from demos.attention.kv_formulas import cache_table, kv_elements_per_token
from demos.base import DemoParamsInvalid, check_result, validate_params
from demos.specs.kv_cache import KVCache

PUBLISHED = [
    # name, elements per token, bytes per token (bf16), design/demos.md §4.1
    ("DeepSeek-V2", 34_560, 69_120),
    ("DeepSeek-V3", 35_136, 70_272),
    ("DeepSeek-V3 shapes as MHA", 1_998_848, 3_997_696),
    ("DeepSeek LLM 67B", 194_560, 389_120),
    ("Llama 3 70B", 163_840, 327_680),
    ("Qwen2.5 72B", 163_840, 327_680),
    ("Llama 3.1 405B", 258_048, 516_096),
]


@pytest.mark.parametrize("name, elements, nbytes", PUBLISHED, ids=[p[0] for p in PUBLISHED])
def test_published_sizes(name, elements, nbytes):
    row = {r["name"]: r for r in cache_table()}[name]
    assert (row["elements"], row["bytes"]) == (elements, nbytes)


def test_formulas():
    assert kv_elements_per_token("mha", 2, 64, 8, 0, 0) == 2 * 8 * 64 * 2
    assert kv_elements_per_token("mqa", 3, 64, 1, 0, 0) == 2 * 64 * 3
    # MLA with d_c = 4 d_h and d_R = d_h / 2 caches 4.5 d_h per layer = GQA with 2.25 groups
    assert kv_elements_per_token("mla", 1, 128, 0, 512, 64) == 2 * 2.25 * 128
    v3 = {r["name"]: r for r in cache_table()}["DeepSeek-V3"]
    assert v3["GB_per_32k"] == pytest.approx(2.30, abs=0.01)
    assert v3["ms_per_step_4p8TBps"] == pytest.approx(0.48, abs=0.01)


@pytest.mark.parametrize("bits, saving", [("16", 0.822), ("8", 0.911), ("6", 0.933)])
def test_saving_by_kv_bits(bits, saving):
    result = KVCache().run(validate_params(KVCache, {"mla_kv_bits": bits}, "smoke"), "smoke")
    assert result["summary"]["saving_bf16"] == pytest.approx(0.822, abs=5e-4)
    assert result["summary"]["saving_at_kv_bits"] == pytest.approx(saving, abs=5e-4)


@pytest.fixture(scope="module")
def runs():
    """The smoke run at seeds 0-4 (one CPU thread, as the size pins)."""
    return {
        s: KVCache().run(validate_params(KVCache, {"seed": s}, "smoke"), "smoke") for s in range(5)
    }


@pytest.mark.parametrize("seed", range(5), ids=lambda s: f"seed {s}")
def test_smoke_claims_at_every_seed(runs, seed):
    result = runs[seed]
    check_result(result)
    failed = [c for c in result["checks"] if not c["passed"]]
    assert not failed, failed
    smoke_claims = [c.name for c in KVCache.claims if "smoke" in c.sizes]
    assert [c["name"] for c in result["checks"]] == smoke_claims
    s = result["summary"]  # the thresholds again, from the measured values
    assert s["absorb_rel_err_fp64"] < 1e-10 < 0.1 < s["absorb_rel_err_rope_on_kc"]
    assert s["absorb_rel_err_fp32"] < 1e-5 and s["absorb_rel_err_bf16"] < 2e-2


def test_smoke_claims(runs):
    result = runs[0]
    check_result(result)
    rows = {r[0]: r for r in result["tables"]["comparison"]["rows"]}
    assert rows["MLA decode bandwidth"][1] == "3000 GB/s (FlashMLA, H800)"
    assert rows["MLA decode bandwidth"][3].startswith("not run on a GPU")  # CPU is no match
    assert "time per step (µs)" in result["tables"]["decode_step"]["columns"]
    s = result["summary"]
    assert s["absorb_rel_err_fp64"] < 1e-12
    assert s["absorb_rel_err_fp32"] < 1e-5 and s["absorb_rel_err_bf16"] < 2e-2
    assert s["absorb_rel_err_rope_on_kc"] > 0.1
    assert s["bytes_per_token_deepseek-v3"] == 70_272
    assert s["bytes_per_token_llama_3p1_405b"] == 516_096
    assert {c["name"] for c in result["checks"]} == {
        "published_sizes", "absorbed_equals_naive_fp32", "absorbed_equals_naive_bf16",
        "decoupled_rope_needed",
    }  # fmt: skip
    rows = result["tables"]["decode_step"]["rows"]
    assert len(rows) == 3 * 3 + 4 + 1  # 3 variants x (2 backends + bmm), 4 MLA paths + forced math
    assert set(result["series"]) == {"roofline", "bytes_per_token", "bandwidth_by_backend"}


def test_params_by_size_and_cross_field_limit():
    assert "batch" not in validate_params(KVCache, {}, "smoke")
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(KVCache, {"batch": 8}, "smoke")
    assert "batch" in exc.value.errors
    assert validate_params(KVCache, {"batch": 128, "context": 8192}, "full")["batch"] == 128
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(KVCache, {"batch": 128, "context": 16384}, "full")
    assert set(exc.value.errors) == {"batch", "context"}


def test_decode_rows_on_cpu_match_naive():
    shape = DecodeShape(batch=2, context=256, heads=4, d_head=32, groups=2, mla_heads=4,
                        mla_extra_heads=(8,), dtype="float32", warmup=1)  # fmt: skip
    roof = roofs("cpu", 1 << 20, 64, torch.float32, reps=2)
    rows = decode_rows(shape, "cpu", 0, roof, backends=("default", "math"), reps=2)
    labels = [r["label"] for r in rows]
    assert labels[-1] == "mla_bmm_h8" and "mla_broadcast_h4" in labels and "gqa_bmm" in labels
    for r in rows:
        assert r["error"] is None and r["rel_err_vs_naive"] < 1e-5, r
        assert r["time_us"] > 0 and r["bound"] in ("memory", "compute")
    mha, gqa, mqa = (
        next(r for r in rows if r["label"] == f"{v}_bmm") for v in ("mha", "gqa", "mqa")
    )
    assert mha["bytes"] == 2 * gqa["bytes"] == 4 * mqa["bytes"]
    mla = next(r for r in rows if r["label"] == "mla_bmm_h4")
    assert mla["bytes"] == 2 * 256 * 576 * 4 and mla["flops"] == 2 * 2 * 4 * 256 * (576 + 512)


def test_roofline_checks_logic():
    rows = {
        "mha_sdpa_default": {"time_us": 4.0, "fraction_of_copy": 1.1},
        "gqa_sdpa_default": {"time_us": 1.0, "fraction_of_copy": 1.0},
        "mla_bmm_h32": {"time_us": 1.0, "fraction_of_copy": 0.3},
    }
    assert all(c["passed"] for c in roofline_checks(rows, 4e12))
    rows["mla_bmm_h32"]["fraction_of_copy"] = 0.1
    rows["gqa_sdpa_default"]["time_us"] = 3.0
    failed = {c["name"] for c in roofline_checks(rows, 4e12) if not c["passed"]}
    assert failed == {"mla_decode_bandwidth", "time_follows_bytes"}


def test_roofline_checks_fail_when_the_working_set_fits_in_l2():
    """design/demos.md §4.9: a 16.8 MB MHA cache in a 50 MB L2 must not pass as HBM bandwidth."""
    rows = {
        "mha_sdpa_default": {"time_us": 4.0, "fraction_of_copy": 1.1, "working_set_over_l2": 0.34},
        "gqa_sdpa_default": {"time_us": 1.0, "fraction_of_copy": 1.0, "working_set_over_l2": 0.08},
        "mla_bmm_h32": {"time_us": 1.0, "fraction_of_copy": 0.6, "working_set_over_l2": 4.5},
    }
    checks = {c["name"]: c for c in roofline_checks(rows, 4e12)}
    assert not checks["mha_at_roofline"]["passed"] and not checks["time_follows_bytes"]["passed"]
    assert "0.3 x L2" in checks["mha_at_roofline"]["observed"]
    assert checks["mla_decode_bandwidth"]["passed"]


@pytest.mark.gpu
def test_full_size_on_gpu():
    result = KVCache().run(validate_params(KVCache, {}, "full"), "full")
    check_result(result)
    assert result["env"]["device"] == "cuda"
    names = {c["name"] for c in result["checks"]}
    assert {"mha_at_roofline", "time_follows_bytes", "mla_decode_bandwidth"} <= names
    assert all(c["passed"] for c in result["checks"]), result["checks"]
    assert result["summary"]["mla_TFLOPS_128_heads"] is not None


def test_full_code_path_on_cpu_with_tiny_dims(monkeypatch):
    """The full size's branch (params, 128-head row, roofline checks) with tiny dims on the CPU."""
    from demos.base import Size
    from demos.specs.kv_cache import FULL

    tiny = {
        **FULL,
        "mla": {"d_model": 64, "n_heads": 2, "d_head": 16, "d_latent": 32, "d_q_latent": 48,
                "d_rope": 8},
        "T": 16,
        "decode": {"batch": 64, "context": 8192, "heads": 4, "d_head": 16, "groups": 2,
                   "mla_heads": 32, "mla_extra_heads": (128,), "dtype": "float32", "warmup": 1},
        "backends": ("default", "math"),
        "copy_bytes": 1 << 20,
        "matmul_n": 64,
        "reps": 2,
    }  # fmt: skip
    monkeypatch.setattr(
        KVCache, "sizes", {**KVCache.sizes, "full": Size("full", "cuda", 60.0, tiny)}
    )
    params = validate_params(KVCache, {"batch": 1, "context": 1024, "query_heads": "32"}, "full")
    result = KVCache().run(params, "full", device="cpu")
    check_result(result)
    assert result["env"]["off_budget"] is True
    assert result["summary"]["mla_TFLOPS_128_heads"] is not None
    assert "time_us_mla_bmm_h128" in result["summary"]
    names = {c["name"] for c in result["checks"]}
    assert {"mha_at_roofline", "time_follows_bytes", "mla_decode_bandwidth"} <= names
