"""Every demo at its smoke size on the CPU with 2 threads: within 2x budget, valid, claims hold.

The budget is compared with min(wall time, process CPU time): on a shared, oversubscribed CI
machine the wall clock also counts time spent waiting for a core, which is not the demo's cost.
"""

import json
import time

import pytest

from demos import catalog
from demos.base import check_result, validate_params


@pytest.mark.parametrize("demo", catalog.all_demos(), ids=lambda d: d.key)
def test_smoke_run(demo, recorder):
    params = validate_params(demo, {}, "smoke")
    t0, c0 = time.perf_counter(), time.process_time()
    result = demo().run(params, "smoke", recorder)
    elapsed = min(time.perf_counter() - t0, time.process_time() - c0)
    check_result(result)
    assert json.loads(json.dumps(result, allow_nan=False)) == result
    failed = [c for c in result["checks"] if not c["passed"]]
    assert not failed, failed
    assert result["env"]["device"] == "cpu" and result["env"]["seed"] == 0
    assert result["env"]["demo_version"] == demo.version
    assert 0 < len(recorder.calls) <= 200
    assert all(0 <= done <= total for done, total, _ in recorder.calls)
    assert elapsed < 2 * demo.sizes["smoke"].budget_s, f"{elapsed:.1f} s"
