"""Every demo at its smoke size on the CPU with 2 threads: within 2x budget, valid, claims hold."""

import json
import time

import pytest

from demos import catalog
from demos.base import check_result, validate_params


@pytest.mark.parametrize("demo", catalog.all_demos(), ids=lambda d: d.key)
def test_smoke_run(demo, recorder):
    params = validate_params(demo, {}, "smoke")
    t0 = time.perf_counter()
    result = demo().run(params, "smoke", recorder)
    elapsed = time.perf_counter() - t0
    check_result(result)
    assert json.loads(json.dumps(result, allow_nan=False)) == result
    failed = [c for c in result["checks"] if not c["passed"]]
    assert not failed, failed
    assert result["env"]["device"] == "cpu" and result["env"]["seed"] == 0
    assert result["env"]["demo_version"] == demo.version
    assert 0 < len(recorder.calls) <= 200
    assert all(0 <= done <= total for done, total, _ in recorder.calls)
    assert elapsed < 2 * demo.sizes["smoke"].budget_s, f"{elapsed:.1f} s"
