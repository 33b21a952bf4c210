"""`manage.py serve_all`: the site, one Celery worker (all queues) and beat, for one machine.

Ctrl-C (or SIGTERM) stops every process this command started.
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the development site plus a Celery worker and beat; Ctrl-C stops all."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))

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
            "worker": [
                *celery,
                "worker",
                "-Q",
                "default,demos,llm",
                "--concurrency=1",
                "--prefetch-multiplier=1",
                "-l",
                "info",
                "-n",
                "local@%h",
            ],
            "beat": [*celery, "beat", "-l", "info"],
        }
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
            self.stdout.write("stopped web, worker and beat")
