"""Smoke-size time of every demo (or the keys given): whole process and inside `run`, wall and CPU.

Usage: ``.venv/bin/python bench/bench_demos.py [KEY ...] [--repeat 3] [--seeds 0]``

For each demo and seed it runs ``python -m demos run KEY --size smoke --json`` in a fresh process
(one torch thread, as the smoke size pins) and reports, as a markdown table: the whole process's
wall time (interpreter start, torch import, run, JSON out), its CPU time (user + system, from
wait4, so it does not depend on what else the machine is doing), and the time `run` itself
reported (`timings.total_s`). The smoke budget is 5 s inside `run`; the best of `--repeat` runs
is kept, because other load only ever adds time.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from demos import catalog  # noqa: E402  torch-free: the specs only


def run_once(key: str, seed: int) -> dict[str, float]:
    """One smoke run in a fresh process: wall, CPU (user + sys) and the run's own total_s."""
    cmd = [sys.executable, "-W", "ignore", "-m", "demos", "run", key, "--size", "smoke"]
    cmd += ["--param", f"seed={seed}", "--threads", "1", "--json"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code == 2:
        raise SystemExit(f"{key} seed {seed}: the run failed (exit 2)")
    result = json.loads(out)
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "run_s": result["timings"]["total_s"],
        "checks_passed": code == 0,
    }


def main() -> None:
    """Measure and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("keys", nargs="*", help="demo keys (default: every registered demo)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seeds", type=int, nargs="*", default=[0])
    args = ap.parse_args()
    keys = args.keys or [d.key for d in catalog.all_demos()]
    load = os.getloadavg()[0]
    print(f"# demo smoke times, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load {load:.1f} at start, best of {args.repeat}\n")  # fmt: skip
    print("| demo | seed | process wall (s) | process CPU (s) | inside run (s) | checks |")
    print("|---|---:|---:|---:|---:|---|")
    for key in keys:
        for seed in args.seeds:
            runs = [run_once(key, seed) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r["wall_s"])
            cpu = min(r["cpu_s"] for r in runs)
            run_s = min(r["run_s"] for r in runs)
            ok = "pass" if all(r["checks_passed"] for r in runs) else "FAIL"
            print(f"| `{key}` | {seed} | {best['wall_s']:.2f} | {cpu:.2f} | {run_s:.2f} | {ok} |")


if __name__ == "__main__":
    main()
