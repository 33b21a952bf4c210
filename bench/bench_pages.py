"""Page benchmark: gunicorn + wrk on loopback, 50 connections for 30 s per page type and cache state.

    .venv/bin/python bench/bench_pages.py [--papers 100000] [--listing 500] [--workers NCPU]
                                          [--duration 30] [--connections 50] [--regenerate]

Generates synthetic papers into a separate SQLite file (var/bench/pages/bench.sqlite3; the first
run takes about five minutes), starts gunicorn on it with DEBUG off, drives each page type with wrk and
prints a markdown table: each page with the page cache off (PAGE_CACHE_SECONDS=0), cold (every
request a distinct URL that misses and stores its page) and hit, in the same run. "Server time" is gunicorn's own per-request time (access-log ``%(D)s``:
from the parsed request to the last byte written), which excludes time spent waiting in the
accept queue; wrk's client-side latency, which includes that queueing, is shown beside it.

Synthetic rows are built directly (escaped text plus a few math spans), not through the
renderer: rendering 100,000 abstracts would take minutes and does not affect page timing,
because pages only read the stored HTML.
"""

import argparse
import html
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "var" / "bench" / "pages"
DB = OUT / "bench.sqlite3"
DAY = date(2025, 11, 21)
CATEGORIES = ["cs.LG", "cs.AI", "cs.CL", "cs.CV", "stat.ML", "math.OC", "math.PR", "quant-ph"]
GOALS_MS = {"listing": 50, "paper": 20, "search": 100}
HIT_GOALS_MS = {"listing": 5, "paper": 2}
ARGS: argparse.Namespace
SYLLABLES = "ka lo mi ne ru sa ti vo de gra plex tor ion ent ral ive ing ist form net".split()
FIRST = "Ada Alan Grace Emmy Kurt John Sofia Ravi Mei Lena Omar Ines Yuki Tariq Nora".split()
LAST = (
    "Lovelace Turing Hopper Noether Godel Neumann Kovalevskaya Rao Li Meitner Karras Smith".split()
)


def env_for(workers_db: Path) -> dict:
    """Environment for the bench site: its own data dir and database, DEBUG off."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="reader.settings",
        DJANGO_SECRET_KEY="bench-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_DEBUG="0",
        DJANGO_SECURE_SSL_REDIRECT="0",
        READER_DATA_DIR=str(OUT),
        DATABASE_URL=f"sqlite:///{workers_db}",
        LOG_LEVEL="WARNING",
        PYTHONWARNINGS="ignore",
    )
    return env


# ---- synthetic data ----


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words, key=lambda w: rng.random())


def generate(papers: int, listing: int, seed: int = 7) -> None:
    """Write ``papers`` synthetic papers; the last ``listing`` are cs.LG's DAY listing."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from reader.models import ListingEntry, Paper, PaperVersion

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    cum = []
    total = 0.0
    for rank in range(len(vocab)):  # Zipf-like word frequencies, as in real abstracts
        total += 1.0 / (rank + 1)
        cum.append(total)
    days = [
        DAY - timedelta(days=d) for d in range(1, 400) if (DAY - timedelta(days=d)).weekday() < 5
    ]

    def words(k: int) -> str:
        return " ".join(rng.choices(vocab, cum_weights=cum, k=k))

    batch_size = 2000
    start = time.time()
    for lo in range(0, papers, batch_size):
        rows, entries, versions = [], [], []
        for i in range(lo, min(lo + batch_size, papers)):
            arxiv_id = f"{2401 + i // 90000}.{i % 90000 + 1:05d}"
            title = words(rng.randint(6, 11)).capitalize()
            sentences = [words(rng.randint(18, 30)).capitalize() + "." for _ in range(6)]
            abstract = (
                " ".join(sentences[:3]) + " We show $O(n^{-1/2})$ rates. " + " ".join(sentences[3:])
            )
            authors = [
                {"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "affiliation": None}
                for _ in range(rng.randint(2, 8))
            ]
            primary = rng.choice(CATEGORIES)
            cats = [primary] + rng.sample(
                [c for c in CATEGORIES if c != primary], rng.randint(0, 2)
            )
            published = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=i * 4)
            rows.append(
                Paper(
                    arxiv_id=arxiv_id,
                    title=title + " with $\\alpha$-mixing",
                    title_plain=title + " with $\\alpha$-mixing",
                    title_html=html.escape(title)
                    + ' with <span class="math inline">\\(\\alpha\\)</span>-mixing',
                    abstract=abstract,
                    abstract_plain=abstract,
                    abstract_html="<p>"
                    + html.escape(abstract).replace(
                        "$O(n^{-1/2})$", '<span class="math inline">\\(O(n^{-1/2})\\)</span>'
                    )
                    + "</p>",
                    authors=authors,
                    authors_text=", ".join(a["name"] for a in authors),
                    primary_category=primary,
                    categories=cats,
                    first_published=published,
                    updated=published,
                    comment="10 pages",
                    stars=rng.randint(0, 50),
                    announce_date=DAY if i >= papers - listing else rng.choice(days),
                    renderer_version="bench",
                )
            )
        Paper.objects.bulk_create(rows)
        ids = dict(
            Paper.objects.filter(arxiv_id__in=[r.arxiv_id for r in rows]).values_list(
                "arxiv_id", "id"
            )
        )
        for i, r in enumerate(rows, start=lo):
            pk = ids[r.arxiv_id]
            versions.append(PaperVersion(paper_id=pk, version=1, submitted=r.first_published))
            in_day = r.announce_date == DAY
            position = len(entries)
            if in_day:
                k = i - (papers - listing)  # 60% new, 24% cross-lists, 16% replacements
                section = (
                    "new" if k < 0.6 * listing else ("cross" if k < 0.84 * listing else "replace")
                )
                entries.append(
                    ListingEntry(
                        paper_id=pk,
                        category="cs.LG",
                        issue_date=DAY,
                        section=section,
                        position=position,
                    )
                )
            else:
                for c in r.categories:
                    entries.append(
                        ListingEntry(
                            paper_id=pk,
                            category=c,
                            issue_date=r.announce_date,
                            section="new" if c == r.primary_category else "cross",
                            position=position,
                        )
                    )
        with transaction.atomic():
            PaperVersion.objects.bulk_create(versions)
            ListingEntry.objects.bulk_create(entries, ignore_conflicts=True)
        print(
            f"\r  {min(lo + batch_size, papers):,} papers ({time.time() - start:.0f} s)",
            end="",
            flush=True,
        )
    with connection.cursor() as cur:
        # Merge the index segments the way a long-running site's automerge eventually does.
        cur.execute("INSERT INTO reader_paper_fts(reader_paper_fts) VALUES ('optimize')")
        cur.execute("ANALYZE")
    print()


# ---- load ----

WRK_LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"p50": %%d, "p90": %%d, "p99": %%d, "requests": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d, "duration": %%d}\\n',
    latency:percentile(50), latency:percentile(90), latency:percentile(99), summary.requests,
    e.connect, e.read, e.write, e.status, e.timeout, summary.duration))
end
"""


def workload(papers: int, seed: int = 11) -> dict[str, list[str]]:
    """URLs per page type: the 500-paper day, random paper pages, realistic queries."""
    import django

    django.setup()
    from reader.models import Paper

    rng = random.Random(seed)
    sample = list(Paper.objects.order_by("?").values_list("arxiv_id", "title_plain")[:400])
    queries = []
    for _arxiv_id, title in sample[:300]:
        tokens = re.findall(r"[a-z]+", title.lower())
        kind = rng.random()
        if kind < 0.45:
            queries.append(" ".join(rng.sample(tokens, min(2, len(tokens)))))
        elif kind < 0.7:
            queries.append(rng.choice(tokens))
        elif kind < 0.85:
            at = rng.randrange(max(1, len(tokens) - 1))
            queries.append('"' + " ".join(tokens[at : at + 2]) + '"')
        else:
            queries.append(f"au:{rng.choice(LAST).lower()} {rng.choice(tokens)}")
    from urllib.parse import quote

    return {
        "listing": ["/arxiv/cs.LG"],
        "paper": [f"/arxiv/{a}" for a, _ in sample],
        "search": [f"/search?q={quote(q)}" for q in queries],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_wrk(port: int, paths: list[str], seconds: int, connections: int) -> dict:
    script = OUT / "wrk.lua"
    script.write_text(WRK_LUA % ", ".join(json.dumps(p) for p in paths))
    proc = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def server_times(log: Path, offset: int) -> tuple[list[float], int]:
    """Gunicorn's per-request times (ms) logged after ``offset``, and non-2xx count."""
    times, bad = [], 0
    with log.open() as fh:
        fh.seek(offset)
        for line in fh:
            status, micros = line.split()
            times.append(int(micros) / 1000)
            bad += not status.startswith("2")
    return times, bad


def cpu_times(since: float, until: float) -> list[float]:
    """Per-request CPU milliseconds logged by bench/warm_wsgi.py between two instants."""
    out = []
    for path in OUT.glob("cpu.log.*"):
        for line in path.read_text().splitlines():
            stamp, cpu = line.split()
            if since <= float(stamp) <= until:
                out.append(float(cpu))
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def cold_paths(paths: list[str], count: int = 20_000) -> list[str]:
    """Distinct URLs for the same pages (an ignored ``?r=``), so every request misses the cache."""
    return [f"{paths[n % len(paths)]}?r={n}" for n in range(count)]


def serve(port: int, log: Path, extra_env: dict) -> subprocess.Popen:
    """gunicorn on the bench database, waited for until it accepts connections."""
    proc = subprocess.Popen(
        [
            str(REPO / ".venv/bin/gunicorn"),
            "bench.warm_wsgi:application",
            "--config",  # not ./gunicorn.conf.py (production): the bench sets its own options
            "/dev/null",
            "--preload",
            "--workers",
            str(ARGS.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(s)s %(D)s",
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env={**env_for(DB), "BENCH_CPU_LOG": str(OUT / "cpu.log"), **extra_env},
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.2)
    return proc


def measure(port: int, log: Path, kind: str, paths: list[str], warm: list[str]) -> tuple:
    """One wrk run after a warm-up on ``warm``: server times, CPU, errors, client numbers."""
    run_wrk(port, warm, 3, ARGS.connections)  # warm-up: imports, templates, page cache
    offset, since = log.stat().st_size, time.time()
    load_before = os.getloadavg()[0]
    client = run_wrk(port, paths, ARGS.duration, ARGS.connections)
    time.sleep(0.5)  # let gunicorn flush its access log
    times, bad = server_times(log, offset)
    cpu = cpu_times(since, time.time())
    load = (load_before + os.getloadavg()[0]) / 2
    errors = sum(client[k] for k in ("connect", "read", "write", "status", "timeout"))
    return (kind, times, cpu, bad, client, errors, load)


def phases(urls: dict[str, list[str]]) -> list[tuple]:
    """Page cache off (the code path before the cache), then cold (every request a miss that
    stores its page) and hits, on the same database in the same run."""
    from django.core.cache import caches

    port, log = free_port(), OUT / "access.log"
    log.write_text("")
    for old in OUT.glob("cpu.log.*"):
        old.unlink()
    rows = []
    gunicorn = serve(port, log, {"PAGE_CACHE_SECONDS": "0"})
    try:
        for kind, paths in urls.items():
            rows.append(measure(port, log, f"{kind} · cache off", paths, paths))
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
    caches["pages"].clear()
    gunicorn = serve(port, log, {})
    try:
        for kind in ("listing", "paper"):
            cold = cold_paths(urls[kind])
            rows.append(measure(port, log, f"{kind} · cold cache", cold[2000:], cold[:2000]))
            rows.append(measure(port, log, f"{kind} · cache hit", urls[kind], urls[kind]))
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
    return rows


def main() -> None:
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--listing", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--regenerate", action="store_true")
    args = ARGS = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is required: apt-get install wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = OUT / "generated.json"
    wanted = {"papers": args.papers, "listing": args.listing}
    os.environ.update(env_for(DB))
    sys.path.insert(0, str(REPO))
    if (
        args.regenerate
        or not DB.exists()
        or not stamp.exists()
        or json.loads(stamp.read_text()) != wanted
    ):
        for suffix in ("", "-wal", "-shm"):
            Path(str(DB) + suffix).unlink(missing_ok=True)
        print(f"generating {args.papers:,} synthetic papers into {DB} ...")
        generate(args.papers, args.listing)
        stamp.write_text(json.dumps(wanted))
    urls = workload(args.papers)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a database generated before the page cache
    call_command("createcachetable", verbosity=0)
    rows = phases(urls)
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} CPUs · {args.papers:,} "
        f"papers · gunicorn {args.workers} sync workers · wrk -t2 -c{args.connections} "
        f"-d{args.duration}s\n"
    )
    print(
        "| page | goal (server p50) | server wall p50 | server wall p95 | server CPU p50 | "
        "client p50 | client p99 | req/s | errors | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for kind, times, cpu, bad, client, errors, load in rows:
        rate = client["requests"] / client["duration"] * 1e6
        print(
            f"| {kind} | {goal(kind, args)} | {pct(times, 50):.1f} ms | "
            f"{pct(times, 95):.1f} ms | {pct(cpu, 50):.1f} ms | {client['p50'] / 1000:.0f} ms | "
            f"{client['p99'] / 1000:.0f} ms | {rate:.0f} | {errors + bad} | {load:.1f} |"
        )
    print(
        f"\nlisting = the {args.listing}-paper day of cs.LG; paper = 400 random paper pages; "
        f"search over {args.papers:,} papers. cache off = PAGE_CACHE_SECONDS=0 (the code path "
        "before the page cache); cold cache = every request a distinct URL (?r=n), so each one "
        "misses and stores its page; cache hit = the same URLs again. server wall = gunicorn's "
        "request time (%(D)s, until the last byte is written); server CPU = process CPU time "
        "of the request in its worker, including what runs after the last byte (the page "
        "cache's shared copy is written then); "
        "client = wrk, including time queued behind 50 connections."
    )


def goal(kind: str, args) -> str:
    page = kind.split(" · ")[0]
    if kind.endswith("cache hit"):
        return f"≤ {HIT_GOALS_MS[page]} ms"
    if kind.endswith("cold cache"):
        return "≤ cache off"
    return f"≤ {GOALS_MS[page]} ms"


if __name__ == "__main__":
    main()
