"""`manage.py serve_all`: the site, one Celery worker per queue group, and beat, for one machine.

Each queue group gets its own worker process, so a demo run never waits behind a paper fetch
that is retrying against arXiv (and the other way round). Groups: ``WORKER_GROUPS`` below, or
the ``--worker-groups`` option / ``WORKER_GROUPS`` environment variable: groups separated by
spaces, queues within a group by commas (``"default demos llm"``, ``"default,llm demos"``).

Ctrl-C (or SIGTERM) stops every process this command started.
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand, CommandError

# One worker process per group: ingest and renders, demo runs, and the FAQ's model calls never
# wait behind each other.
WORKER_GROUPS = "default demos llm"


def worker_groups(spec: str) -> list[list[str]]:
    """``"default,llm demos"`` -> [["default", "llm"], ["demos"]]; every queue named once."""
    groups = [[q for q in group.split(",") if q] for group in spec.split()]
    queues = [q for group in groups for q in group]
    if not queues or len(queues) != len(set(queues)):
        raise CommandError(f"worker groups {spec!r}: name each queue once, groups split by spaces")
    return groups


def worker_commands(spec: str, python: str = sys.executable) -> dict[str, list[str]]:
    """One ``celery worker`` command line per queue group, named ``worker <queues>``."""
    commands = {}
    for group in worker_groups(spec):
        name = "-".join(group)
        commands[f"worker {name}"] = [
            python,
            "-m",
            "celery",
            "-A",
            "reader",
            "worker",
            "-Q",
            ",".join(group),
            "--concurrency=1",
            "--prefetch-multiplier=1",
            "-l",
            "info",
            "-n",
            f"{name}@%h",
        ]
    return commands


class Command(BaseCommand):
    help = (
        "Run the development site, one Celery worker per queue group, and beat; Ctrl-C stops all."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--worker-groups",
            default=os.environ.get("WORKER_GROUPS", WORKER_GROUPS),
            help=f"queue groups, one worker each (default {WORKER_GROUPS!r})",
        )

    def handle(self, *args, **opts):
        celery = [sys.executable, "-m", "celery", "-A", "reader"]
        commands = {
            "web": [
                sys.executable,
                "manage.py",
                "runserver",
                "--noreload",
                f"{opts['host']}:{opts['port']}",
            ],
            "beat": [*celery, "beat", "-l", "info"],
        }
        commands.update(worker_commands(opts["worker_groups"]))
        procs = {
            name: subprocess.Popen(cmd, start_new_session=True) for name, cmd in commands.items()
        }
        url = f"http://{opts['host']}:{opts['port']}/"
        self.stdout.write(self.style.SUCCESS(f"Paper reader running at {url}  (Ctrl-C stops all)"))
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}; stopping all")
                        stopping = True
                time.sleep(0.5)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()  # the worker's warm shutdown stops its own pool
            deadline = time.time() + 10
            for proc in procs.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
            self.stdout.write(f"stopped {', '.join(procs)}")
