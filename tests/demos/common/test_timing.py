"""Timing helpers: medians and deciles, roofs measured on the CPU, phase timer, env record."""

import pytest
import torch

from demos.base import Size
from demos.common.env import cpu_threads, env_record, release_device, resolve_device
from demos.common.timing import (
    PhaseTimer,
    copy_bandwidth,
    flush_l2,
    l2_bytes,
    matmul_throughput,
    time_fn,
)

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


def test_cpu_timing_neither_flushes_nor_graphs():
    t = time_fn(lambda: None, "cpu", warmup=0, reps=3, flush=True, graph=True)
    assert t["graphed"] is False and t["l2_flushed"] is False
    assert l2_bytes("cpu") == 0
    flush_l2("cpu")  # a no-op


def test_roofs_use_random_operands(monkeypatch):
    """design/demos.md §4.9: all-ones operands draw less power on GPUs; the roofs use randn."""
    seen = []
    real = torch.randn

    def spy(*args, **kwargs):
        seen.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(torch, "randn", spy)
    monkeypatch.setattr(torch, "ones", None)  # any all-ones operand would now fail loudly
    copy_bandwidth("cpu", 1 << 12, torch.float32, reps=2)
    matmul_throughput("cpu", 16, torch.float32, reps=2)
    assert len(seen) == 3


@pytest.mark.gpu
def test_cuda_graph_and_l2_flush_on_gpu():
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    x = torch.randn(1 << 20, device="cuda")
    t = time_fn(lambda: x.mul_(1.0), "cuda", warmup=2, reps=5, flush=True, graph=True)
    assert t["graphed"] is True and t["l2_flushed"] is True and t["median_s"] > 0
    assert l2_bytes("cuda") > 0
