"""Web-tier footprint: a gunicorn worker's RSS after serving pages, `manage.py check` time, warnings.

    .venv/bin/python bench/bench_web_tier.py [--repeat 3]

Issue #11's goals: a gunicorn web worker holds <= 100 MB RSS after serving the home page, a
listing, a paper page and a demo page; `manage.py check` takes <= 1.5 s; no command prints a
warning. The baseline, measured in the same run, is the same worker and command with torch
imported first (what every web process paid while the URLconf imported the demo modules).

Uses its own SQLite site under var/bench/web_tier/ (migrate, createcachetable and twenty
papers through the real ingest service, one of them a demo's paper). RSS is VmRSS of the one
sync worker from /proc after the pages were served; times are best of --repeat, wall and CPU
(user + system of the child, from wait4, which other load on a shared machine does not inflate).
"""

import argparse
import os
import platform
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "var" / "bench" / "web_tier"
DB = OUT / "site.sqlite3"
PY = str(REPO / ".venv" / "bin" / "python")
PAGES = {
    "home": "/",
    "listing": "/arxiv/cs.LG",
    "paper page": "/arxiv/2405.04434",
    "demo page": "/demos/attention.kv_cache/",
    "demo index": "/demos/",
}
GOAL_RSS_MB, GOAL_CHECK_S = 100, 1.5
WITH_TORCH = "import torch  # noqa: F401  the old web tier\n"
SEED_PAPERS = (
    "from tests.factories import EntryFactory\n"
    "from reader.services import papers_upsert\n"
    "entries = [EntryFactory(arxiv_id='2405.04434', categories=['cs.LG'], primary_category='cs.LG')]\n"
    "entries += [EntryFactory(categories=['cs.LG'], primary_category='cs.LG') for _ in range(19)]\n"
    "papers_upsert(entries)\n"
)


def site_env() -> dict[str, str]:
    """The bench site's environment: its own data dir and database, DEBUG off, no warnings hidden."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "reader.settings", "DJANGO_SECRET_KEY": "bench-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0", "READER_DATA_DIR": str(OUT),
        "DATABASE_URL": f"sqlite:///{DB}", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(REPO),
    }  # fmt: skip
    return env


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Run cmd: (wall s, CPU s of the child, stderr)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=site_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, err


def manage(args: list[str], torch_first: bool = False) -> list[str]:
    """A manage.py command line, optionally with torch imported before Django starts."""
    if not torch_first:
        return [PY, "manage.py", *args]
    code = WITH_TORCH + "import runpy, sys\nsys.argv = ['manage.py', *sys.argv[1:]]\n"
    code += "runpy.run_path('manage.py', run_name='__main__')"
    return [PY, "-c", code, *args]


def setup() -> dict[str, str]:
    """A fresh site; returns each setup command's stderr (a warning there is a finding)."""
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    errs = {}
    for args in (["migrate", "--no-input"], ["createcachetable"], ["shell", "-c", SEED_PAPERS]):
        errs[f"manage.py {args[0]}"] = timed(manage(args))[2]
    return errs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_rss(port: int, torch_first: bool) -> dict[str, float]:
    """Start gunicorn (one sync worker), serve every page once, read the worker's VmRSS."""
    app = "reader.wsgi:application"
    if torch_first:
        (OUT / "wsgi_with_torch.py").write_text(
            WITH_TORCH + "from reader.wsgi import application\n"
        )
        app = "wsgi_with_torch:application"
    env = site_env() | {"PYTHONPATH": f"{OUT}:{REPO}"}
    started = time.perf_counter()
    master = subprocess.Popen(
        [str(REPO / ".venv/bin/gunicorn"), app, "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning"], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first = None
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30).read()
                first = time.perf_counter() - started
                break
            except OSError:
                time.sleep(0.05)
        if first is None:
            raise SystemExit("gunicorn did not answer")
        for path in PAGES.values():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as resp:
                assert resp.status == 200, (path, resp.status)
                resp.read()
        children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
        status = Path(f"/proc/{children[0]}/status").read_text()
        rss_kb = int(next(ln for ln in status.splitlines() if ln.startswith("VmRSS")).split()[1])
        has_torch = "torch" in Path(f"/proc/{children[0]}/maps").read_text()
    finally:
        master.send_signal(signal.SIGTERM)
        _, err = master.communicate(timeout=30)
    return {"rss_mb": rss_kb / 1024, "first_response_s": first, "torch_mapped": has_torch,
            "stderr": err.strip()}  # fmt: skip


def main() -> None:
    """Measure and print the markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    setup_errs = setup()
    load = os.getloadavg()[0]
    rows = {}
    for label, torch_first in (
        ("ours (torch-free web tier)", False),
        ("baseline: torch imported", True),
    ):
        checks = [timed(manage(["check"], torch_first)) for _ in range(args.repeat)]
        servers = [worker_rss(free_port(), torch_first) for _ in range(args.repeat)]
        rows[label] = {
            "check_wall": min(c[0] for c in checks), "check_cpu": min(c[1] for c in checks),
            "check_stderr": checks[0][2].strip(), "rss": min(s["rss_mb"] for s in servers),
            "first": min(s["first_response_s"] for s in servers),
            "torch": servers[0]["torch_mapped"], "server_stderr": servers[0]["stderr"],
        }  # fmt: skip
    print(f"# web tier, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load {load:.1f} at start, best of {args.repeat}\n")  # fmt: skip
    print("| process | worker RSS after 5 pages (MB) | torch mapped | start to first response (s) "
          "| `manage.py check` wall (s) | CPU (s) | warnings printed |")  # fmt: skip
    print("|---|---:|---|---:|---:|---:|---|")
    for label, r in rows.items():
        warned = "yes" if r["check_stderr"] or r["server_stderr"] else "none"
        print(f"| {label} | {r['rss']:.0f} | {'yes' if r['torch'] else 'no'} | {r['first']:.2f} | "
              f"{r['check_wall']:.2f} | {r['check_cpu']:.2f} | {warned} |")  # fmt: skip
    ours, base = rows["ours (torch-free web tier)"], rows["baseline: torch imported"]
    print(
        f"\nRSS ratio ours / baseline: {ours['rss'] / base['rss']:.2f}; "
        f"check wall ratio: {ours['check_wall'] / base['check_wall']:.2f}"
    )
    print(
        f"Goals: RSS <= {GOAL_RSS_MB} MB: {'met' if ours['rss'] <= GOAL_RSS_MB else 'NOT met'}; "
        f"check <= {GOAL_CHECK_S} s (min of wall, CPU): "
        f"{'met' if min(ours['check_wall'], ours['check_cpu']) <= GOAL_CHECK_S else 'NOT met'}"
    )
    noisy = {k: v for k, v in setup_errs.items() if v.strip()}
    noisy |= {f"{k} (ours)": ours[k] for k in ("check_stderr", "server_stderr") if ours[k]}
    print("Warnings printed: " + ("none" if not noisy else "; ".join(
        f"{k}: {v.strip().splitlines()[-1][:160]}" for k, v in noisy.items())))  # fmt: skip
    if base["check_stderr"]:
        print(f"Baseline's check printed: {base['check_stderr'].splitlines()[-1][:160]}")


if __name__ == "__main__":
    main()
