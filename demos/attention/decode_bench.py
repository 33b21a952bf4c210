"""Timed decode steps for MHA, GQA, MQA and absorbed MLA, with bytes, FLOPs and both roofs.

Shared by demo D7 (attention/kv_cache.py) and bench/bench_attention.py. Every timed row is also
checked against the naive reference on its first two sequences (`rel_err_vs_naive`). Bytes and
FLOPs come from the shapes, never from the time (design/demos.md §2.8). On CUDA every step is
timed as a CUDA graph with L2 flushed before each repetition, and each row records its working
set as a multiple of L2 (design/demos.md §4.9: below 4x, "bandwidth" may be L2's).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import torch

from demos.attention.mla import MLA_DECODE, mla_decode_reference, mla_decode_sdpa
from demos.attention.naive import attention_naive
from demos.attention.variants import decode_bmm, decode_sdpa, kv_heads
from demos.common.timing import copy_bandwidth, l2_bytes, matmul_throughput, time_fn


@dataclass(frozen=True)
class DecodeShape:
    """One decode step: batch, cached tokens, query heads, head width, GQA groups, MLA heads."""

    batch: int
    context: int
    heads: int
    d_head: int
    groups: int
    mla_heads: int
    mla_extra_heads: tuple[int, ...] = ()  # timed with the bmm path only (e.g. DeepSeek's 128)
    d_latent: int = 512
    d_rope: int = 64
    dtype: str = "bfloat16"  # the smoke size uses float32: CPUs without bf16 units are 10x slower
    warmup: int = 5

    @property
    def torch_dtype(self) -> torch.dtype:
        """The cache and query dtype."""
        return getattr(torch, self.dtype)


def roofs(
    device: str, copy_bytes: int, matmul_n: int, dtype: torch.dtype, reps: int = 20
) -> dict[str, Any]:
    """Measured copy bandwidth (read + write) and matmul throughput in `dtype` on this device."""
    copy = copy_bandwidth(device, copy_bytes, dtype, reps=reps)
    mm = matmul_throughput(device, matmul_n, dtype, reps=reps)
    return {"copy_Bps": copy["Bps"], "matmul_FLOPps": mm["FLOPps"], "copy": copy, "matmul": mm,
            "l2_bytes": l2_bytes(device)}  # fmt: skip


def _rel_err(o: torch.Tensor, ref: torch.Tensor) -> float:
    """Relative Frobenius error in float64."""
    return ((o.double() - ref.double()).norm() / ref.double().norm()).item()


def _row(
    label: str, variant: str, path: str, nbytes: int, flops: int, roof: dict[str, Any],
    fn: Callable[[], torch.Tensor], ref: torch.Tensor, device: str, *, warmup: int, reps: int,
) -> dict[str, Any]:  # fmt: skip
    """Time fn, compare its first two sequences with ref, and place it against both roofs."""
    row: dict[str, Any] = {"label": label, "variant": variant, "path": path, "bytes": nbytes}
    row |= {"flops": flops, "time_us": None, "TBps": None, "fraction_of_copy": None}
    row |= {"TFLOPS": None, "fraction_of_roofline": None, "bound": None, "rel_err_vs_naive": None}
    row["error"] = None
    l2 = roof.get("l2_bytes") or 0
    row["working_set_over_l2"] = nbytes / l2 if l2 else None
    try:
        row["rel_err_vs_naive"] = _rel_err(fn()[:2], ref)
        t = time_fn(fn, device, warmup=warmup, reps=reps, flush=True, graph=True)
    except torch.cuda.OutOfMemoryError:
        raise  # the platform turns this into a failed run
    except RuntimeError as exc:  # e.g. a forced SDPA backend that rejects these shapes
        row["error"] = str(exc).strip().splitlines()[0][:200]
        return row
    t_mem, t_flop = nbytes / roof["copy_Bps"], flops / roof["matmul_FLOPps"]
    row |= {"time_us": t["median_s"] * 1e6, "p10_us": t["p10_s"] * 1e6, "p90_us": t["p90_s"] * 1e6}
    row |= {"cuda_graph": t["graphed"], "l2_flushed": t["l2_flushed"]}
    row["TBps"] = nbytes / t["median_s"] / 1e12
    row["fraction_of_copy"] = nbytes / t["median_s"] / roof["copy_Bps"]
    row["TFLOPS"] = flops / t["median_s"] / 1e12
    row["bound"] = "memory" if t_mem >= t_flop else "compute"
    row["fraction_of_roofline"] = max(t_mem, t_flop) / t["median_s"]
    return row


@torch.no_grad()
def decode_rows(
    shape: DecodeShape,
    device: str,
    seed: int,
    roof: dict[str, Any],
    *,
    backends: tuple[str, ...],
    reps: int = 20,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> list[dict[str, Any]]:
    """All decode rows: MHA, GQA, MQA through SDPA (per backend) and bmm; MLA decode paths."""
    g = torch.Generator(device=device).manual_seed(seed)
    B, L, H, D = shape.batch, shape.context, shape.heads, shape.d_head
    kw = {"generator": g, "device": device, "dtype": shape.torch_dtype}
    size = torch.empty((), dtype=shape.torch_dtype).element_size()  # bytes per element
    rows = []
    total = 3 + 1 + len(shape.mla_extra_heads)
    for step, variant in enumerate(("mha", "gqa", "mqa")):
        progress(step, total)
        Hkv = kv_heads(variant, H, shape.groups)
        q = torch.randn(B, H, 1, D, **kw)  # (B, H, 1, D) one query token
        k, v = torch.randn(B, Hkv, L, D, **kw), torch.randn(B, Hkv, L, D, **kw)  # (B, Hkv, L, D)
        ref = attention_naive(q[:2], k[:2], v[:2])  # (2, H, 1, D) float32
        nbytes, flops = 2 * B * Hkv * L * D * size, 4 * B * H * L * D
        cases = [(f"sdpa_{b}", partial(decode_sdpa, q, k, v, backend=b)) for b in backends]
        cases.append(("bmm", partial(decode_bmm, q, k, v)))
        for path, fn in cases:
            label = f"{variant}_{path}"
            rows.append(
                _row(
                    label,
                    variant,
                    path,
                    nbytes,
                    flops,
                    roof,
                    fn,
                    ref,
                    device,
                    warmup=shape.warmup,
                    reps=reps,
                )
            )
        del q, k, v
    Dk = shape.d_latent + shape.d_rope
    scale = (D + shape.d_rope) ** -0.5  # the naive form's scale, not 1/sqrt(d_c + d_R)
    kv = torch.randn(B, L, Dk, **kw)  # (B, L, d_c + d_R) packed latent cache
    nbytes = B * L * Dk * size
    heads_paths = [(shape.mla_heads, tuple(MLA_DECODE))]
    heads_paths += [(h, ("bmm",)) for h in shape.mla_extra_heads]
    for step, (Hm, paths) in enumerate(heads_paths):
        progress(3 + step, total)
        q = torch.randn(B, Hm, Dk, **kw)  # (B, H, d_c + d_R) absorbed queries
        ref = mla_decode_reference(q[:2].float(), kv[:2].float(), shape.d_latent, scale)
        flops = 2 * B * Hm * L * (Dk + shape.d_latent)
        if Hm == shape.mla_heads:  # SDPA with heads as rows, once per forced backend
            paths = (*paths, *(f"sdpa_{b}" for b in backends if b != "default"))
        for path in paths:
            if path.startswith("sdpa_"):
                fn = partial(mla_decode_sdpa, q, kv, shape.d_latent, scale, backend=path[5:])
            else:
                fn = partial(MLA_DECODE[path], q, kv, shape.d_latent, scale)
            slow = path == "broadcast"  # the "how not to" row: ~600x off, few repeats
            warmup, n = (1, min(reps, 5)) if slow else (shape.warmup, reps)
            rows.append(
                _row(
                    f"mla_{path}_h{Hm}",
                    "mla",
                    path,
                    nbytes,
                    flops,
                    roof,
                    fn,
                    ref,
                    device,
                    warmup=warmup,
                    reps=n,
                )
            )
    progress(total, total)
    return rows
