"""Decode-attention benchmark: one decode step per variant against this device's measured roofs.

Rows: MHA, GQA and MQA through F.scaled_dot_product_attention (default backend choice and each
backend forced) and through the grouped bmm path; absorbed MLA through four paths (the naive
broadcasting "how not to" row, the batched bmm path, flash-decoding split, SDPA with heads as
query rows), plus the bmm path at extra head counts (DeepSeek's 128). Each row reports time per
step (median of CUDA-event timings after warm-up), KV bytes read, achieved TB/s, the fraction
of the device-to-device copy bandwidth measured in the same run, TFLOPS, the fraction of the
roofline max(bytes / copy bandwidth, FLOPs / measured matmul throughput), and its error
against the naive reference.

Goals (issue 6, recorded in the README, never asserted by tests): on an H200, MHA and GQA at
>= 0.80 of the copy bandwidth, the absorbed MLA decode (bmm) at >= 0.60 of its roofline.

    python -m bench.bench_attention                       # GPU defaults: B 64, ctx 8192, bf16
    python -m bench.bench_attention --mla-extra-heads 128 --json bench/out/h200.json
    python -m bench.bench_attention --device cpu          # small CPU sizes, proves it runs
"""

import argparse
import json
import sys
from pathlib import Path

import torch

from demos.attention.decode_bench import DecodeShape, decode_rows, roofs
from demos.attention.variants import SDPA_BACKENDS

GPU_DEFAULTS = {
    "batch": 64,
    "context": 8192,
    "dtype": "bfloat16",
    "copy_mib": 1024,
    "matmul_n": 8192,
}
CPU_DEFAULTS = {"batch": 2, "context": 1024, "dtype": "float32", "copy_mib": 32, "matmul_n": 512}
GOALS = {
    "mha_sdpa_default": ("fraction_of_copy", 0.80),
    "gqa_sdpa_default": ("fraction_of_copy", 0.80),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options; unset sizes take the GPU or CPU defaults."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", choices=("cpu", "cuda"), default=None)
    p.add_argument("--batch", type=int)
    p.add_argument("--context", type=int)
    p.add_argument("--heads", type=int, default=32, help="query heads of MHA/GQA/MQA")
    p.add_argument("--d-head", type=int, default=128)
    p.add_argument("--groups", type=int, default=8, help="KV heads of GQA")
    p.add_argument("--mla-heads", type=int, default=32)
    p.add_argument("--mla-extra-heads", type=int, nargs="*", default=None, help="bmm path only")
    p.add_argument("--dtype", choices=("bfloat16", "float16", "float32"))
    p.add_argument("--backends", nargs="*", default=None, help="SDPA backends to force")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--copy-mib", type=int)
    p.add_argument("--matmul-n", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, default=None, help="also write rows and roofs here")
    args = p.parse_args(argv)
    if args.device is None:
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    defaults = GPU_DEFAULTS if args.device == "cuda" else CPU_DEFAULTS
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.backends is None:
        args.backends = (
            ["default", *SDPA_BACKENDS] if args.device == "cuda" else ["default", "math"]
        )
    if args.mla_extra_heads is None:
        args.mla_extra_heads = [128] if args.device == "cuda" and args.mla_heads != 128 else []
    return args


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def markdown(rows: list[dict], roof: dict, args: argparse.Namespace) -> str:
    """The result as a markdown table with a header naming the device and both roofs."""
    name = torch.cuda.get_device_name() if args.device == "cuda" else "CPU"
    out = [
        f"Device: {name}; torch {torch.__version__}; {args.dtype}; batch {args.batch}, "
        f"context {args.context}, {args.heads} query heads x {args.d_head}, GQA {args.groups}",
        f"Measured copy bandwidth (read + write): {roof['copy_Bps'] / 1e12:.3f} TB/s; "
        f"matmul: {roof['matmul_FLOPps'] / 1e12:.2f} TFLOPS",
        "",
        "| row | time/step (us) | KV MB | TB/s | x copy | TFLOPS | x roofline | bound | rel err "
        "| goal |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["error"]:
            out.append(f"| {r['label']} | unsupported: {r['error'][:80]} | | | | | | | | |")
            continue
        goal = ""
        key, threshold = GOALS.get(r["label"], (None, None))
        if r["label"].startswith("mla_bmm"):
            key, threshold = "fraction_of_roofline", 0.60
        if key:
            met = "met" if r[key] >= threshold else "not met"
            goal = f"{key.split('_of_')[1]} >= {threshold}: {met}"
        out.append(
            f"| {r['label']} | {_num(r['time_us'], '.1f')} | {r['bytes'] / 1e6:.1f} | "
            f"{_num(r['TBps'], '.4f')} | {_num(r['fraction_of_copy'], '.3f')} | "
            f"{_num(r['TFLOPS'], '.3f')} | {_num(r['fraction_of_roofline'], '.3f')} | "
            f"{r['bound']} | {_num(r['rel_err_vs_naive'], '.1e')} | {goal} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Measure the roofs, time every row, print the table (and write JSON if asked)."""
    args = parse_args(argv)
    dtype = getattr(torch, args.dtype)
    shape = DecodeShape(
        batch=args.batch, context=args.context, heads=args.heads, d_head=args.d_head,
        groups=args.groups, mla_heads=args.mla_heads, mla_extra_heads=tuple(args.mla_extra_heads),
        dtype=args.dtype, warmup=5,
    )  # fmt: skip
    roof = roofs(args.device, args.copy_mib << 20, args.matmul_n, dtype, args.reps)

    def progress(done: int, total: int) -> None:
        print(f"  {done}/{total} variants timed", file=sys.stderr)

    rows = decode_rows(
        shape, args.device, args.seed, roof, backends=tuple(args.backends), reps=args.reps,
        progress=progress,
    )  # fmt: skip
    print(markdown(rows, roof, args))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        data = {"args": {k: str(v) for k, v in vars(args).items()}, "roofs": roof, "rows": rows}
        args.json.write_text(json.dumps(data, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
