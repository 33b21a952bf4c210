"""Timing conventions (design/demos.md §2.8): warm-up, median of repeats, CUDA events on GPU.

Also the two roofs every bandwidth or throughput number is compared with, measured in the same
run: device-to-device copy bandwidth (read + write bytes) and dense matmul throughput.
"""

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch


def _sync(device: str) -> None:
    """Wait for queued device work (a no-op on CPU)."""
    if device == "cuda":
        torch.cuda.synchronize()


def time_fn(
    fn: Callable[[], Any], device: str, *, warmup: int = 5, reps: int = 20
) -> dict[str, float]:
    """Median, p10 and p90 seconds per call of fn(); the first calls are warm-up and never timed."""
    for _ in range(warmup):
        fn()
    _sync(device)
    samples = []
    if device == "cuda":
        events = [
            (torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
            for _ in range(reps)
        ]
        for start, end in events:
            start.record()
            fn()
            end.record()
        torch.cuda.synchronize()
        samples = [start.elapsed_time(end) / 1e3 for start, end in events]
    else:
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
    deciles = statistics.quantiles(samples, n=10, method="inclusive") if reps > 1 else samples * 9
    return {
        "median_s": statistics.median(samples),
        "p10_s": deciles[0],
        "p90_s": deciles[-1],
        "reps": reps,
    }


def copy_bandwidth(
    device: str, nbytes: int = 1 << 30, dtype: torch.dtype = torch.bfloat16, reps: int = 20
) -> dict[str, float]:
    """Device-to-device copy of nbytes; bandwidth counts read plus write bytes (2 * nbytes)."""
    n = nbytes // torch.empty((), dtype=dtype).element_size()
    src = torch.ones(n, dtype=dtype, device=device)
    dst = torch.empty_like(src)
    t = time_fn(lambda: dst.copy_(src), device, reps=reps)
    moved = 2 * n * src.element_size()
    return {"bytes": moved, **t, "Bps": moved / t["median_s"]}


def matmul_throughput(
    device: str, n: int = 8192, dtype: torch.dtype = torch.bfloat16, reps: int = 20
) -> dict[str, float]:
    """Dense (n x n) @ (n x n) matmul throughput in FLOP/s: the measured compute roof."""
    a = torch.ones(n, n, dtype=dtype, device=device)
    b = torch.ones(n, n, dtype=dtype, device=device)
    t = time_fn(lambda: a @ b, device, reps=reps)
    flops = 2 * n**3
    return {"flops": flops, **t, "FLOPps": flops / t["median_s"]}


class PhaseTimer:
    """Wall-clock seconds per named phase (device-synchronised), for a result's `timings`."""

    def __init__(self, device: str):
        self.device = device
        self.timings: dict[str, float] = {}
        self._t0 = time.perf_counter()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the enclosed block as `<name>_s`."""
        _sync(self.device)
        t0 = time.perf_counter()
        yield
        _sync(self.device)
        self.timings[f"{name}_s"] = time.perf_counter() - t0

    def as_dict(self) -> dict[str, float]:
        """All phases plus `total_s` since construction."""
        _sync(self.device)
        return {"total_s": time.perf_counter() - self._t0, **self.timings}
