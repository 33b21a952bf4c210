"""Demo D1 at smoke size: the claims of design/demos.md §3.6 asserted from `summary`."""

import pytest

from demos.base import Size, check_result, validate_params
from demos.specs.few_step_samplers import FULL_DIMS, SMOKE_DIMS, FewStepSamplers

TINY = {**SMOKE_DIMS, "D": 4, "K": 2, "N": 64, "N_fit": 32, "N_exact": 2000, "nfe": (3, 4, 5)}
TINY |= {
    "ref_substeps": 4,
    "fit_substeps": 4,
    "convergence_nfe": (8, 16),
    "convergence_samples": 16,
}


@pytest.fixture(scope="module")
def smoke():
    demo = FewStepSamplers()
    return demo.run(validate_params(FewStepSamplers, {}, "smoke"), "smoke")


@pytest.fixture
def tiny(monkeypatch):
    """The demo with tiny smoke dims, for behaviour tests that need several runs."""
    sizes = {**FewStepSamplers.sizes, "smoke": Size("smoke", "cpu", 5.0, TINY)}
    monkeypatch.setattr(FewStepSamplers, "sizes", sizes)
    return FewStepSamplers


def test_ordering_at_nfe5_by_frechet_distance(smoke):
    s = smoke["summary"]
    assert 1.5 * s["fd_amed"] < s["fd_ipndm"]
    assert 1.5 * s["fd_ipndm"] < s["fd_euler"]
    assert 1.5 * s["fd_euler"] < s["fd_heun"]


def test_ordering_at_nfe5_by_truncation_error(smoke):
    s = smoke["summary"]
    assert s["l2_amed"] < s["l2_ipndm"] < s["l2_euler"] < s["l2_heun"]


def test_ddim_is_edm_euler(smoke):
    s = smoke["summary"]
    assert s["ddim_euler_max_rel_diff"] < 1e-10
    assert s["fd_ddim"] == pytest.approx(s["fd_euler"], rel=1e-9)


def test_convergence_orders(smoke):
    s = smoke["summary"]
    assert -1.3 <= s["slope_euler"] <= -0.7
    assert -2.5 <= s["slope_heun"] <= -1.5
    assert s["slope_ipndm"] < s["slope_euler"] - 1.0


def test_budgets_and_floor(smoke):
    s = smoke["summary"]
    assert s["amed_evaluations_nfe5"] == 5 and s["heun_evaluations_nfe5"] == 6
    assert s["fd_floor"] < s["fd_amed"] / 3  # design/demos.md §3.3: the floor must not dominate
    assert all(c["passed"] for c in smoke["checks"])
    assert {c["name"] for c in smoke["checks"]} == {
        "ddim_equals_euler", "ordering_nfe5", "slope_euler", "slope_heun",
    }  # fmt: skip


def test_outputs(smoke):
    series = smoke["series"]
    assert set(series) == {"fd_vs_nfe", "error_vs_nfe", "samples_pc12", "amed_coefficients"}
    assert series["fd_vs_nfe"]["lines"]["euler"]["x"] == list(range(3, 11))
    assert series["fd_vs_nfe"]["lines"]["amed"]["x"] == [3, 5, 7, 9]
    assert all(len(line["x"]) <= 1000 for line in series["samples_pc12"]["lines"].values())
    assert len(series["amed_coefficients"]["lines"]["r_i"]["y"]) == 3
    anchor = FewStepSamplers.anchors["fid_by_nfe"]
    amed = ["AMED-Solver", "18.49", "17.18", "7.59", "7.04", "4.36", "5.56", "3.67", "4.14"]
    assert [row[:-1] for row in anchor["rows"] if row[0] == "AMED-Solver"] == [amed]
    assert 0.9 < smoke["summary"]["trajectory_top2_fraction_mean"] <= 1.0


def test_deterministic(tiny):
    params = validate_params(tiny, {"seed": 3}, "smoke")
    a, b = tiny().run(params, "smoke"), tiny().run(params, "smoke")
    assert a["summary"] == b["summary"] and a["series"] == b["series"]
    c = tiny().run(validate_params(tiny, {"seed": 4}, "smoke"), "smoke")
    assert c["summary"] != a["summary"]


def test_param_variants(tiny):
    raw = {"amed_analytic_first_step": "false", "dpmpp_schedule": "edm", "rho": 5}
    result = tiny().run(validate_params(tiny, raw, "smoke"), "smoke")
    check_result(result)
    assert result["summary"]["amed_evaluations_nfe5"] == 6
    assert result["series"]["fd_vs_nfe"]["lines"]["amed"]["x"] == [4, 6]


def test_full_dims_follow_the_spec():
    assert (FULL_DIMS["D"], FULL_DIMS["K"], FULL_DIMS["N"]) == (64, 16, 16_384)
    assert FULL_DIMS["ref_substeps"] == 400 and FULL_DIMS["N_exact"] == 200_000


@pytest.mark.gpu
def test_full_size_on_gpu():
    result = FewStepSamplers().run(validate_params(FewStepSamplers, {}, "full"), "full")
    check_result(result)
    assert result["env"]["device"] == "cuda"
    assert all(c["passed"] for c in result["checks"]), result["checks"]
    assert result["timings"]["total_s"] < 2 * 60


def test_full_code_path_on_cpu_with_tiny_dims(monkeypatch):
    """The full size with tiny dims, forced onto the CPU: marked off budget, still valid."""
    sizes = {**FewStepSamplers.sizes, "full": Size("full", "cuda", 60.0, TINY)}
    monkeypatch.setattr(FewStepSamplers, "sizes", sizes)
    result = FewStepSamplers().run(
        validate_params(FewStepSamplers, {}, "full"), "full", device="cpu"
    )
    check_result(result)
    assert result["env"]["off_budget"] is True and result["env"]["size"] == "full"
