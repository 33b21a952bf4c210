"""Demo D1 at smoke size: the claims of design/demos.md §3.6 asserted from `summary`."""

import pytest

from demos.base import Size, check_result, validate_params
from demos.specs.few_step_samplers import FULL_DIMS, SMOKE_DIMS, FewStepSamplers

TINY = {
    **SMOKE_DIMS,
    "D": 4,
    "K": 2,
    "N": 64,
    "N_fit": 32,
    "N_exact": 2000,
    "nfe": (3, 4, 5),
    "seeds": 2,
}
TINY |= {
    "ref_substeps": 4,
    "fit_substeps": 4,
    "convergence_nfe": (8, 16),
    "convergence_samples": 16,
}


SEEDS = range(5)


@pytest.fixture(scope="module")
def runs():
    """The smoke run at seeds 0-4 (one CPU thread, as the size pins): each checks 5 seeds."""
    demo = FewStepSamplers()
    return {
        s: demo.run(validate_params(FewStepSamplers, {"seed": s}, "smoke"), "smoke") for s in SEEDS
    }


@pytest.fixture(scope="module")
def smoke(runs):
    return runs[0]


@pytest.fixture
def tiny(monkeypatch):
    """The demo with tiny smoke dims, for behaviour tests that need several runs."""
    sizes = {**FewStepSamplers.sizes, "smoke": Size("smoke", "cpu", 5.0, TINY)}
    monkeypatch.setattr(FewStepSamplers, "sizes", sizes)
    return FewStepSamplers


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed {s}")
def test_every_check_holds(runs, seed):
    result = runs[seed]
    check_result(result)
    failed = [c for c in result["checks"] if not c["passed"]]
    assert not failed, failed
    assert [c["name"] for c in result["checks"]] == [c.name for c in FewStepSamplers.claims]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed {s}")
def test_ordering_at_nfe5_on_every_run_seed(runs, seed):
    """The NFE-5 chain, recomputed from the per-seed table, not from the check's verdict."""
    tab = runs[seed]["tables"]["seeds"]
    col = {c: i for i, c in enumerate(tab["columns"])}
    assert [row[0] for row in tab["rows"]] == list(range(seed, seed + 5))
    for row in tab["rows"]:
        amed, ipndm, euler, heun = (
            row[col[f"{n}, NFE 5"]] for n in ("AMED", "iPNDM", "Euler", "Heun")
        )
        assert 1.2 * amed < ipndm and 1.2 * ipndm < euler and 1.2 * euler < heun, row
        assert row[col["sampling floor"]] < amed / 2, row  # the floor does not decide the order
    check = next(c for c in runs[seed]["checks"] if c["name"] == "ordering_nfe5")
    assert [e["seed"] for e in check["seeds"]] == list(range(seed, seed + 5))


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed {s}")
def test_convergence_orders(runs, seed):
    s = runs[seed]["summary"]
    assert -1.5 <= s["slope_euler"] <= -0.5
    assert -2.5 <= s["slope_heun"] <= -1.5
    assert s["slope_ipndm"] < s["slope_euler"] - 1.0


def test_ordering_at_nfe5_by_truncation_error(smoke):
    s = smoke["summary"]
    assert s["l2_amed"] < s["l2_ipndm"] < s["l2_euler"] < s["l2_heun"]


def test_ddim_is_edm_euler(smoke):
    s = smoke["summary"]
    assert s["ddim_euler_max_rel_diff"] < 1e-10
    assert s["fd_ddim"] == pytest.approx(s["fd_euler"], rel=1e-9)


def test_budgets_and_floor(smoke):
    s = smoke["summary"]
    assert s["amed_evaluations_nfe5"] == 5 and s["heun_evaluations_nfe5"] == 6
    # §3.10 asks for a 3x margin or a reported floor: at smoke size it is about 3.0x at seed 0
    # (finite samples dominate it), so the floor is reported per seed and held to 2x here.
    assert s["fd_floor"] < s["fd_amed"] / 2
    assert s["fd_amed_over_floor"] == pytest.approx(s["fd_amed"] / s["fd_floor"])
    assert s["seeds_evaluated"] == 5


def test_comparison_table_sets_paper_beside_ours(smoke):
    tab = smoke["tables"]["comparison"]
    col = {c: i for i, c in enumerate(tab["columns"])}
    rows = {(row[0], row[1]): row for row in tab["rows"]}
    assert [k for k in rows if k[1] == 5] == [
        ("AMED", 5),
        ("iPNDM-4", 5),
        ("Euler", 5),
        ("Heun", 5),
    ]
    assert len(rows) == 8  # NFE 5 (the claim) and NFE 3 (where the paper and we differ)
    # the paper's own precision, as strings; ratios to Euler computed from them
    assert rows["AMED", 5][col["paper FID"]] == "7.59"
    assert rows["AMED", 5][col["paper / Euler"]] == f"{7.59 / 49.66:.2f}"
    assert rows["iPNDM-4", 3][col["paper FID"]] == "47.98"
    assert rows["Heun", 5][col["paper FID"]] is None
    assert rows["Euler", 5][col["ours / Euler (seed 0)"]] == 1.0
    ours = rows["AMED", 5][col["ours / Euler (seed 0)"]]
    assert ours == pytest.approx(smoke["summary"]["fd_amed"] / smoke["summary"]["fd_euler"])
    assert "README" in rows["AMED", 3][col["paper source"]]
    assert "Table 1" in rows["iPNDM-4", 5][col["paper source"]]


def test_outputs(smoke):
    series = smoke["series"]
    assert set(series) == {"fd_vs_nfe", "error_vs_nfe", "samples_pc12", "amed_coefficients"}
    assert series["fd_vs_nfe"]["lines"]["Euler"]["x"] == [3, 5, 7, 9]
    assert series["fd_vs_nfe"]["lines"]["Heun"]["x"] == [4, 6, 8, 10]
    assert series["fd_vs_nfe"]["lines"]["AMED"]["x"] == [3, 5, 7, 9]
    assert all(len(line["x"]) <= 1000 for line in series["samples_pc12"]["lines"].values())
    assert not any("Heun" in label for label in series["samples_pc12"]["lines"])
    assert all("(" in p["x_label"] and "(" in p["y_label"] for p in series.values())  # units
    r = series["amed_coefficients"]["lines"]["r_i (mean-value time)"]["y"]
    assert len(r) == 3 and r[0] < 0.05  # the optimum the old 0.05 grid cut off (§3.10)
    anchor = FewStepSamplers.anchors["fid_by_nfe"]
    amed = ["AMED-Solver", "18.49", "17.18", "7.59", "7.04", "4.36", "5.56", "3.67", "4.14"]
    assert [row[:-1] for row in anchor["rows"] if row[0] == "AMED-Solver"] == [amed]
    assert "README" in anchor["rows"][4][-1]


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
    assert result["series"]["fd_vs_nfe"]["lines"]["AMED"]["x"] == [4, 6]
    assert [e["seed"] for e in result["checks"][1]["seeds"]] == [0, 1]


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
