"""Parse throughput of reader.arxiv vs feedparser on the largest arXiv samples (issue 2).

Usage: ``.venv/bin/python bench/bench_parse.py [--seconds 2] [--shared ../shared]``

For the largest API Atom sample and the largest OAI-PMH sample under
``shared/arxiv-samples/A``, both parsers get the same bytes in the same run; the best of
several timed rounds is kept. Throughput is entries/s, counting the entries our parser
returns (feedparser does not understand OAI-PMH records, so there it is bytes parsed per
second expressed in the same unit). Snapshot lines are timed against plain ``json.loads``.
Prints a markdown table; the goal is at least 5x feedparser.
"""

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import feedparser  # noqa: E402

from reader.arxiv import parse_any, parse_snapshot_line  # noqa: E402


def best_rates(fns: list[Callable[[], object]], seconds: float, rounds: int = 5) -> list[float]:
    """Calls per second for each fn: best of `rounds` interleaved rounds (same load for all)."""
    for fn in fns:
        fn()  # warm-up
    per_round = seconds / rounds
    best = [0.0] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            n, start = 0, time.perf_counter()
            while True:
                fn()
                n += 1
                elapsed = time.perf_counter() - start
                if elapsed >= per_round:
                    break
            best[i] = max(best[i], n / elapsed)
    return best


def largest(folder: Path, pattern: str, must_contain: bytes) -> Path:
    candidates = [p for p in folder.glob(pattern) if must_contain in p.read_bytes()]
    return max(candidates, key=lambda p: p.stat().st_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    default_shared = os.environ.get("READER_SHARED_DIR", str(REPO.parent / "shared"))
    parser.add_argument("--shared", default=default_shared, help="the shared/ folder")
    args = parser.parse_args()
    samples = Path(args.shared) / "arxiv-samples" / "A"
    if not samples.is_dir():
        sys.exit(f"samples not found: {samples}")

    api = largest(samples / "api", "*.xml", b"<entry>")
    oai = largest(samples / "oai-pmh", "*.xml", b"<ListRecords>")
    rows = []
    for label, path in (("API Atom", api), ("OAI-PMH arXivRaw", oai)):
        data = path.read_bytes()
        entries = len(parse_any(data).entries)
        fp_entries = len(feedparser.parse(data).entries)
        ours, theirs = (
            rate * entries
            for rate in best_rates(
                [lambda d=data: parse_any(d), lambda d=data: feedparser.parse(d)], args.seconds
            )
        )
        rows.append(
            (label, path.name, len(data), f"{entries} (feedparser: {fp_entries})", ours, theirs)
        )

    kaggle = next((samples / "kaggle").glob("*.jsonl"))
    lines = kaggle.read_bytes().splitlines()
    ours, plain = (
        rate * len(lines)
        for rate in best_rates(
            [
                lambda: [parse_snapshot_line(x) for x in lines],
                lambda: [json.loads(x) for x in lines],
            ],
            args.seconds,
        )
    )
    rows.append(("Kaggle JSONL", kaggle.name, kaggle.stat().st_size, str(len(lines)), ours, plain))

    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"Parse benchmark, {now}; {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.processor() or platform.platform()}; Python {platform.python_version()}, "
        f"lxml {version('lxml')}, feedparser {version('feedparser')}; best of 5 interleaved rounds; load average {os.getloadavg()[0]:.2f}.\n"
    )
    print(
        "| input | file | bytes | entries | reader.arxiv entries/s | baseline entries/s | ratio |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, name, size, entries, ours, theirs in rows:
        baseline = "json.loads" if label == "Kaggle JSONL" else "feedparser"
        print(
            f"| {label} | `{name}` | {size:,} | {entries} | {ours:,.0f} | {theirs:,.0f} ({baseline}) "
            f"| {ours / theirs:.1f}x |"
        )


if __name__ == "__main__":
    main()
