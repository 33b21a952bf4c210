"""Snapshot import rate into SQLite and PostgreSQL on a synthetic N-line file (default 1,000,000).

The file is generated from the real sample lines in ../shared/arxiv-samples/A/kaggle with
varied ids. Each import runs as `manage.py import_arxiv_snapshot` in a child process (peak RSS
measured per child), then runs again on the same file: the second run must change nothing and
be no slower. Prints a markdown table, headed by a machine-speed reference (the same VM has
run this benchmark nearly 2x faster on one day than on another, so compare runs by it). Usage:

    .venv/bin/python bench/bench_snapshot.py [--lines 1000000] [--skip-postgres]
    .venv/bin/python bench/bench_snapshot.py --end-to-end [--lines N] [--render-processes 2]

``--end-to-end`` imports once and then drains the render backlog the way a deployment does:
the import queues ``papers_rerender_stale_task`` on kombu's filesystem broker (the embedded
default), a ``celery worker -Q default`` with two pool processes takes it and the 1,000-paper
``papers_render_ids_task`` chunks it queues, and the script polls the database until no paper
has an outdated renderer version (then every abstract is in the search index). It reports
papers/s for both phases and the time from the start of the import until all is searchable.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (
    ROOT.parent
    / "shared/arxiv-samples/A/kaggle/kaggle-snapshot_lines001-100_0704.0001-0704.0100.jsonl"
)
OUT = ROOT / "var/bench"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/reader_bench")


def synth_file(lines: int) -> Path:
    """Write `lines` snapshot lines with distinct new-style ids cycling over the samples."""
    path = OUT / f"snapshot-{lines}.jsonl"
    if path.exists():
        return path
    samples = [json.loads(line) for line in SAMPLE.read_text().splitlines() if line.strip()]
    OUT.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        for i in range(lines):
            obj = dict(samples[i % len(samples)])
            month = i // 99999  # 5-digit ids from 1501 on: 2015-01, 2015-02, ...
            obj["id"] = f"{15 + month // 12:02d}{month % 12 + 1:02d}.{i % 99999 + 1:05d}"
            out.write(json.dumps(obj) + "\n")
    return path


def machine_speed(rounds: int = 300) -> float:
    """Microseconds per line for the stdlib's json.loads over the sample lines (best of 5):
    a fixed pure-Python workload that tells how fast this machine is today."""
    lines = SAMPLE.read_text().splitlines()
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            for line in lines:
                json.loads(line)
        best = min(best, time.perf_counter() - start)
    return best / (rounds * len(lines)) * 1e6


def run_import(path: Path, env: dict, workers: int) -> tuple[float, float, str]:
    """Import once in a child; return (seconds, peak RSS MiB of its largest process, summary).

    The time includes the command's start-up (about 3 s: Django and torch imports).
    """
    command = ["manage.py", "import_arxiv_snapshot", str(path), "--restart", "-v0"]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, *command, "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
        # wait4 gives this child's own usage (its workers included), where RUSAGE_CHILDREN
        # would keep the largest of every child so far (an earlier SQLite run's, say).
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode:
        sys.exit(f"import failed:\n{stderr[-3000:]}")
    summary = next(line for line in stdout.splitlines() if line.startswith("new "))
    return seconds, usage.ru_maxrss / 1024, summary


def fresh_database(name: str, url: str | None, broker: str = "memory://") -> dict:
    """Environment for a child process on an empty, migrated database."""
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "bench",
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "CELERY_BROKER_URL": broker,  # memory://: the queued render task goes nowhere
    }
    if broker.startswith("filesystem"):
        data = OUT / f"{name}-data"
        subprocess.run(["rm", "-rf", str(data)], check=True)
        env["READER_DATA_DIR"] = str(data)
    if url is None:
        db = OUT / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{db}"
    else:
        dbname = url.rsplit("/", 1)[1]
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", dbname], check=True
        )
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", dbname], check=True)
        env["DATABASE_URL"] = url
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return env


def first_stale_id(env: dict, low: int) -> int | None:
    """The lowest id >= ``low`` of a paper whose renderer version is outdated, else None.

    Polling this from the last answer reads every row once over the whole drain (chunks are
    rendered in id order), where a ``count(*)`` every two seconds scanned the whole table each
    time and took a third of a core from the renderers it was watching.
    """
    import renderer

    sql = (
        "SELECT id FROM reader_paper WHERE id >= %s AND renderer_version <> %s ORDER BY id LIMIT 1"
    )
    params = [low, renderer.RENDERER_VERSION]
    url = env["DATABASE_URL"]
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60) as db:
            row = db.execute(sql.replace("%s", "?"), params).fetchone()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as db:
            row = db.execute(sql, params).fetchone()
    return row[0] if row else None


def drain_backlog(env: dict, processes: int, log: Path) -> tuple[float, float]:
    """Start a celery worker on the queued render task; seconds until nothing is stale, and
    the CPU seconds the worker and its pool used."""
    start = time.perf_counter()
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "reader", "worker", "-Q", "default",
             "--concurrency", str(processes), "--pool", "prefork", "-l", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            low = first_stale_id(env, 0)
            while low is not None:
                if worker.poll() is not None:
                    sys.exit(f"celery worker exited with {worker.returncode}; see {log}")
                time.sleep(2)
                low = first_stale_id(env, low)
            seconds = time.perf_counter() - start
        finally:
            worker.terminate()
            _, status, usage = os.wait4(worker.pid, 0)
    return seconds, usage.ru_utime + usage.ru_stime


def end_to_end(args, path: Path, targets) -> None:
    """Import, then render the backlog with the project's own workers (see module docstring)."""
    print(
        "| database | import s | import papers/s | render s | render papers/s | "
        "searchable after | peak RSS MiB (import) | render CPU s | summary |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for label, url in targets:
        env = fresh_database(f"e2e-{label.lower()}", url, broker="filesystem://")
        seconds, peak, summary = run_import(path, env, args.workers)
        log = OUT / f"e2e-{label.lower()}-worker.log"
        render_s, render_cpu = drain_backlog(env, args.render_processes, log)
        total = seconds + render_s
        print(
            f"| {label} | {seconds:.0f} | {args.lines / seconds:,.0f} | {render_s:.0f} | "
            f"{args.lines / render_s:,.0f} | **{total / 60:.1f} min** | {peak:.0f} | "
            f"{render_cpu:.0f} | {summary} |",
            flush=True,
        )
    print(
        f"\nGoal: the full snapshot imported and rendered in <= 15 minutes with the default two "
        f"processes (render: celery worker --concurrency {args.render_processes}). Load average "
        f"at the end: {os.getloadavg()[0]:.1f}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="import_arxiv_snapshot --workers")
    parser.add_argument("--end-to-end", action="store_true", help="import, then drain renders")
    parser.add_argument("--render-processes", type=int, default=2, help="celery --concurrency")
    args = parser.parse_args()
    path = synth_file(args.lines)
    targets = ([] if args.skip_sqlite else [("SQLite", None)]) + (
        [] if args.skip_postgres else [("PostgreSQL", PG_URL)]
    )
    print(
        f"Snapshot import, {args.lines:,} lines, {date.today()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"--workers {args.workers}"
    )
    print(f"Machine speed: stdlib json.loads {machine_speed():.2f} µs per sample line")
    print(f"Load average at the start: {os.getloadavg()[0]:.1f}\n")
    if args.end_to_end:
        end_to_end(args, path, targets)
        return
    print("| database | run | seconds | papers/s | peak RSS MiB | summary |")
    print("|---|---|---:|---:|---:|---|")
    for label, url in targets:
        env = fresh_database(f"bench-{label.lower()}", url)
        for run in ("first", "second (same file)"):
            seconds, peak, summary = run_import(path, env, args.workers)
            print(
                f"| {label} | {run} | {seconds:.1f} | {args.lines / seconds:,.0f} | "
                f"{peak:.0f} | {summary} |",
                flush=True,
            )
    print(
        "\nGoal: >= 5,000 papers/s with flat memory; the second run changes nothing and is no slower."
    )


if __name__ == "__main__":
    main()
