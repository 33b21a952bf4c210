"""Timing helpers: medians and deciles, roofs measured on the CPU, phase timer, env record."""

import torch

from demos.base import Size
from demos.common.env import cpu_threads, env_record, release_device, resolve_device
from demos.common.timing import PhaseTimer, copy_bandwidth, matmul_throughput, time_fn

SMOKE = Size("smoke", "cpu", 5.0)


def test_time_fn_orders_deciles():
    calls = []
    t = time_fn(lambda: calls.append(1), "cpu", warmup=3, reps=11)
    assert len(calls) == 14 and t["reps"] == 11
    assert 0 <= t["p10_s"] <= t["median_s"] <= t["p90_s"]


def test_roofs_are_positive_on_cpu():
    copy = copy_bandwidth("cpu", 1 << 20, torch.float32, reps=3)
    assert copy["bytes"] == 2 << 20 and copy["Bps"] > 0
    mm = matmul_throughput("cpu", 64, torch.float32, reps=3)
    assert mm["flops"] == 2 * 64**3 and mm["FLOPps"] > 0


def test_phase_timer():
    timer = PhaseTimer("cpu")
    with timer.phase("a"):
        sum(range(1000))
    out = timer.as_dict()
    assert set(out) == {"total_s", "a_s"} and out["total_s"] >= out["a_s"] >= 0


def test_env_and_devices():
    assert resolve_device(SMOKE) == "cpu"
    env = env_record(device="cpu", dtype="float64", seed=3, size=SMOKE, demo_version=2)
    assert env["torch"] == torch.__version__ and env["seed"] == 3 and not env["off_budget"]
    assert env["threads"] == torch.get_num_threads()
    release_device()  # a no-op without CUDA


def test_full_without_cuda_raises_unless_cpu_forced():
    import pytest

    from demos.base import DeviceUnavailable

    full = Size("full", "cuda", 60.0)
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(DeviceUnavailable):
        resolve_device(full)
    assert resolve_device(full, "cpu") == "cpu"


def test_cpu_threads_restores():
    before = torch.get_num_threads()
    with cpu_threads("cpu", 1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
