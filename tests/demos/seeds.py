"""Helpers shared by per-demo tests: smoke runs over seeds on one thread, the full run on a GPU."""

import torch

from demos.base import check_result, validate_params


def smoke_runs(demo_cls, seeds) -> dict:
    """One smoke run per seed with torch pinned to one thread (as the smoke size is timed)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        demo = demo_cls()
        return {
            s: demo.run(validate_params(demo_cls, {"seed": s}, "smoke"), "smoke") for s in seeds
        }
    finally:
        torch.set_num_threads(before)


def assert_full_size_on_gpu(demo_cls) -> dict:
    """Run the full size on CUDA at default params; every check passes within the 60 s budget."""
    result = demo_cls().run(validate_params(demo_cls, {}, "full"), "full")
    check_result(result)
    assert result["env"]["device"] == "cuda"
    assert all(c["passed"] for c in result["checks"]), result["checks"]
    assert result["timings"]["total_s"] < demo_cls.sizes["full"].budget_s
    return result


def assert_all_checks_pass(result: dict) -> dict:
    """The result is valid and every claim check holds; returns its summary."""
    check_result(result)
    failed = [c for c in result["checks"] if not c["passed"]]
    assert not failed, failed
    return result["summary"]
