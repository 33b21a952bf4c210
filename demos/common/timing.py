"""Timing conventions (design/demos.md §2.8, §4.9): warm-up, median of repeats, CUDA events on GPU.

Also the two roofs every bandwidth or throughput number is compared with, measured in the same
run: device-to-device copy bandwidth (read + write bytes) and dense matmul throughput, both on
random data (GPUs draw less power on constant operands, so an all-ones roof is optimistic).
On CUDA, `time_fn` can flush L2 before every repetition (a step whose working set fits in L2
would otherwise read it from cache, not HBM) and replay the step as a CUDA graph (steps of
tens of microseconds otherwise time the CPU's kernel launches).
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


DEFAULT_L2_BYTES = 128 << 20  # when the device does not report its L2 size: larger than any yet
_flush_buffer: dict[str, torch.Tensor] = {}


def l2_bytes(device: str) -> int:
    """The device's L2 cache size in bytes (0 on the CPU)."""
    if device != "cuda":
        return 0
    props = torch.cuda.get_device_properties(torch.cuda.current_device())
    return int(getattr(props, "L2_cache_size", 0) or DEFAULT_L2_BYTES)


def flush_l2(device: str) -> None:
    """Evict L2 by writing a buffer of twice its size (CUDA only; kept for the process)."""
    if device != "cuda":
        return
    if device not in _flush_buffer:
        _flush_buffer[device] = torch.empty(2 * l2_bytes(device), dtype=torch.uint8, device=device)
    _flush_buffer[device].zero_()


def as_graph(fn: Callable[[], Any], warmup: int) -> Callable[[], Any] | None:
    """fn captured as a CUDA graph (warmed up on a side stream first), or None if not capturable."""
    try:
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            for _ in range(max(warmup, 1)):
                fn()
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            fn()
        torch.cuda.synchronize()
        return graph.replay
    except RuntimeError:  # an op that syncs with the host or allocates in a way graphs refuse
        torch.cuda.synchronize()
        return None


def time_fn(
    fn: Callable[[], Any],
    device: str,
    *,
    warmup: int = 5,
    reps: int = 20,
    flush: bool = False,
    graph: bool = False,
) -> dict[str, Any]:
    """Median, p10 and p90 seconds per call of fn(); the first calls are warm-up and never timed.

    On CUDA, `flush` evicts L2 before each repetition (outside the timed interval) and `graph`
    replays fn as a CUDA graph when it can be captured (`graphed` says whether it was).
    """
    call = fn
    graphed = False
    if device == "cuda" and graph:
        replay = as_graph(fn, warmup)
        if replay is not None:
            call, graphed = replay, True
    for _ in range(warmup):
        call()
    _sync(device)
    samples = []
    if device == "cuda":
        events = [
            (torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
            for _ in range(reps)
        ]
        for start, end in events:
            if flush:
                flush_l2(device)
            start.record()
            call()
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
        "graphed": graphed,
        "l2_flushed": flush and device == "cuda",
    }


def copy_bandwidth(
    device: str, nbytes: int = 1 << 30, dtype: torch.dtype = torch.bfloat16, reps: int = 20
) -> dict[str, float]:
    """Device-to-device copy of nbytes; bandwidth counts read plus write bytes (2 * nbytes)."""
    n = nbytes // torch.empty((), dtype=dtype).element_size()
    g = torch.Generator(device=device).manual_seed(0)
    src = torch.randn(n, generator=g, dtype=torch.float32, device=device).to(dtype)
    dst = torch.empty_like(src)
    t = time_fn(lambda: dst.copy_(src), device, reps=reps)
    moved = 2 * n * src.element_size()
    return {"bytes": moved, **t, "Bps": moved / t["median_s"]}


def matmul_throughput(
    device: str, n: int = 8192, dtype: torch.dtype = torch.bfloat16, reps: int = 20
) -> dict[str, float]:
    """Dense (n x n) @ (n x n) matmul throughput in FLOP/s on random operands: the compute roof."""
    g = torch.Generator(device=device).manual_seed(0)
    a = torch.randn(n, n, generator=g, dtype=torch.float32, device=device).to(dtype)
    b = torch.randn(n, n, generator=g, dtype=torch.float32, device=device).to(dtype)
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
