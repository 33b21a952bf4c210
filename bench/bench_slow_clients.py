"""Slow clients vs other readers: gunicorn.conf.py against the old `gunicorn -w 2` (sync).

    .venv/bin/python bench/bench_slow_clients.py [--slow 8 16] [--seconds 12]

For each server and each number of slow clients: start gunicorn on a loopback port against a
fresh SQLite database (var/bench/slow/), open the slow clients (each POSTs to a demo's run URL
with a 100-byte body and sends it one byte a second: "trickle", or 2 bytes and then nothing:
"stall"), and meanwhile time a reader's `GET /demos/` once every 0.25 s. Prints a markdown
table: the readers' p50/max latency and how many GETs failed or took over 5 s.
"""

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "var" / "bench" / "slow"
GET_TIMEOUT = 5.0
DEMO = "diffusion.few_step_samplers"


def site_env() -> dict:
    """The bench site's environment: its own data dir and database, DEBUG off."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="reader.settings",
        DJANGO_SECRET_KEY="bench-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_DEBUG="0",
        DJANGO_SECURE_SSL_REDIRECT="0",
        READER_DATA_DIR=str(OUT),
        DATABASE_URL=f"sqlite:///{OUT / 'bench.sqlite3'}",
        LOG_LEVEL="WARNING",
        WEB_ACCESS_LOG="",
        PYTHONWARNINGS="ignore",
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVERS = {
    # gunicorn reads ./gunicorn.conf.py by default: the baseline gets an empty one instead.
    "gunicorn -w 2 (sync, before)": [
        "-c",
        str(OUT / "empty.conf.py"),
        "reader.wsgi",
        "-w",
        "2",
        "--no-control-socket",
    ],
    "gunicorn.conf.py (gthread 2x16)": ["-c", "gunicorn.conf.py"],
}


def start(args: list[str], port: int) -> subprocess.Popen:
    """gunicorn with ``args`` on 127.0.0.1:port, once it answers."""
    env = {**site_env(), "BIND": f"127.0.0.1:{port}"}
    cmd = [str(REPO / ".venv/bin/gunicorn"), *args, "-b", f"127.0.0.1:{port}"]
    log = open(OUT / "gunicorn.log", "a")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if get(port, timeout=2)[0] == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"gunicorn did not start: {cmd}")


def get(port: int, path: str = "/demos/", timeout: float = GET_TIMEOUT) -> tuple[int, float]:
    """(status, seconds) of one GET over a raw socket."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), time.perf_counter() - started


def slow_client(port: int, mode: str, stop: threading.Event) -> None:
    """POST a 100-byte form body: one byte a second (trickle) or 2 bytes then silence (stall)."""
    body = ("seed=1&size=smoke&x=" + "a" * 80).encode()[:100]
    head = (
        f"POST /demos/{DEMO}/runs/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
    ).encode()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(head + body[:2])
            for i in range(2, 100):
                if stop.wait(1.0):
                    return
                if mode == "trickle":
                    sock.sendall(body[i : i + 1])
            stop.wait()
    except OSError:
        pass  # the server cut it off: that is allowed


def measure(port: int, slow: int, mode: str, seconds: float) -> dict:
    """Readers' GET latencies while ``slow`` clients hold connections."""
    stop = threading.Event()
    clients = [
        threading.Thread(target=slow_client, args=(port, mode, stop), daemon=True)
        for _ in range(slow)
    ]
    for t in clients:
        t.start()
    time.sleep(1.0)  # let them all send their headers
    latencies, failed = [], 0
    end = time.time() + seconds
    while time.time() < end:
        try:
            status, took = get(port)
            latencies.append(took)
            failed += status != 200
        except OSError:
            latencies.append(GET_TIMEOUT)
            failed += 1
        time.sleep(0.25)
    stop.set()
    latencies.sort()
    return {
        "n": len(latencies),
        "p50": statistics.median(latencies),
        "max": latencies[-1],
        "slow": sum(1 for x in latencies if x > 1.0),
        "failed": failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--modes", nargs="+", default=["trickle", "stall"])
    parser.add_argument("--seconds", type=float, default=12.0)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench.sqlite3").unlink(missing_ok=True)
    (OUT / "empty.conf.py").write_text("")
    env = site_env()
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=REPO, env=env, check=True)
    subprocess.run([*manage, "createcachetable"], cwd=REPO, env=env, check=True)
    print(f"# slow clients vs readers, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"# {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}\n")
    print("| server | slow clients | mode | reader GETs | p50 ms | max ms | > 1 s | failed |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for name, server_args in SERVERS.items():
        for slow in args.slow:
            for mode in args.modes:
                port = free_port()
                proc = start(server_args, port)
                try:
                    r = measure(port, slow, mode, args.seconds)
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
                print(
                    f"| {name} | {slow} | {mode} | {r['n']} | {r['p50'] * 1000:.0f} | "
                    f"{r['max'] * 1000:.0f} | {r['slow']} | {r['failed']} |",
                    flush=True,
                )
    own = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"\nCPU: this script {own:.1f} s, servers and setup "
        f"{children.ru_utime + children.ru_stime:.1f} s"
    )


if __name__ == "__main__":
    main()
