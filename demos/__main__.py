"""Command line for the demo library (needs torch only, never Django).

    python -m demos list [--json]
    python -m demos run <key> [--size smoke|full] [--param name=value ...] [--device cpu|cuda]
                              [--threads N] [--json]

Progress goes to stderr as a bar; the summary and checks (or the whole result with --json) go to
stdout. Exit status: 0 when every check passed, 1 when a check failed, 2 on an error.
"""

import argparse
import json
import sys
import time
from typing import Any, TextIO

from demos.base import DemoParamsInvalid, DeviceUnavailable, InvalidResult, run_demo


class ConsoleProgress:
    """A Progress that draws `[#####.....]  45% message` on a terminal stream."""

    def __init__(self, stream: TextIO = sys.stderr, width: int = 30):
        self.stream, self.width = stream, width
        self.tty = stream.isatty()
        self._last = ""
        self._message: str | None = None

    def __call__(self, done: int, total: int, message: str = "") -> None:
        frac = min(max(done / total, 0.0), 1.0) if total > 0 else 1.0
        filled = int(round(frac * self.width))
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {frac:4.0%} {message}"
        if self.tty:
            self.stream.write("\r" + line.ljust(len(self._last)))
        elif message != self._message:
            self.stream.write(line + "\n")  # not a terminal: one line per phase
        self._last, self._message = line, message
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.tty and self._last:
            self.stream.write("\n")
            self.stream.flush()


def _parse_params(pairs: list[str]) -> dict[str, str]:
    """name=value pairs into a dict of raw strings (validate_params coerces them)."""
    raw = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise DemoParamsInvalid({pair: "expected name=value"})
        raw[name.strip()] = value
    return raw


def _fmt(value: Any) -> str:
    """Short text for a summary value."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _print_result(result: dict[str, Any], out: TextIO) -> None:
    """Human-readable summary and checks."""
    width = max((len(k) for k in result["summary"]), default=0)
    out.write("summary:\n")
    for name, value in result["summary"].items():
        out.write(f"  {name.ljust(width)}  {_fmt(value)}\n")
    out.write("checks:\n")
    for check in result["checks"]:
        mark = "PASS" if check["passed"] else "FAIL"
        out.write(f"  [{mark}] {check['name']}: {_fmt(check['observed'])}")
        out.write(f"  ({check.get('threshold', '')})\n")
    out.write(f"total {result['timings'].get('total_s', 0):.2f} s on {result['env']['device']}\n")


def cmd_list(args: argparse.Namespace) -> int:
    """Print every demo in catalogue order."""
    from demos import catalog

    demos = catalog.all_demos()
    if args.json:
        data = [
            {
                "key": d.key,
                "title": d.title,
                "arxiv_ids": list(d.arxiv_ids),
                "version": d.version,
                "params": [p.as_dict() for p in d.params],
                "sizes": {
                    n: {"device": s.device, "budget_s": s.budget_s} for n, s in d.sizes.items()
                },
            }
            for d in demos
        ]
        print(json.dumps(data, indent=2))
        return 0
    for d in demos:
        print(f"{d.key:32s} {d.title}")
        print(f"{'':32s} arXiv: {', '.join(d.arxiv_ids)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Validate params, run one demo with a progress bar, print the result."""
    from demos import catalog
    from demos.common.env import torch  # first torch import: the env module quiets its warning

    if args.threads:
        torch.set_num_threads(args.threads)
    progress = ConsoleProgress(sys.stderr)
    t0 = time.perf_counter()
    try:
        demo = catalog.get(args.key)
        result = run_demo(demo, _parse_params(args.param), args.size, progress, device=args.device)
    except KeyError as exc:
        progress.close()
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    except DemoParamsInvalid as exc:
        progress.close()
        for name, message in exc.errors.items():
            print(f"error: --param {name}: {message}", file=sys.stderr)
        return 2
    except (DeviceUnavailable, InvalidResult) as exc:
        progress.close()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    progress.close()
    if args.json:
        print(json.dumps(result, indent=1, allow_nan=False))
    else:
        _print_result(result, sys.stdout)
        print(f"wall {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    return 0 if all(c["passed"] for c in result["checks"]) else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m demos`."""
    parser = argparse.ArgumentParser(prog="python -m demos", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="list the demos")
    p_list.add_argument("--json", action="store_true", help="machine-readable output")
    p_list.set_defaults(func=cmd_list)
    p_run = sub.add_parser("run", help="run one demo")
    p_run.add_argument("key", help="demo key, e.g. diffusion.few_step_samplers")
    p_run.add_argument("--size", choices=("smoke", "full"), default="smoke")
    p_run.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    p_run.add_argument("--device", choices=("cpu", "cuda"), default=None)
    p_run.add_argument("--threads", type=int, default=0, help="torch threads (0: torch default)")
    p_run.add_argument("--json", action="store_true", help="print the whole result as JSON")
    p_run.set_defaults(func=cmd_run)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
