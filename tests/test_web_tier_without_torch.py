"""The web tier, beat and the default queue run without torch (issue #11, architecture §1.2).

Each check runs in a fresh interpreter where `import torch` fails (sys.modules["torch"] = None),
so any import path that reaches torch breaks the test, not just the ones we thought of.
"""

import os
import subprocess
import sys

from tests.conftest import REPO_ROOT

NO_TORCH = "import sys; sys.modules['torch'] = None\n"


def run_py(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "reader.settings_test"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_urls_and_wsgi_import_without_torch():
    proc = run_py(
        NO_TORCH + "import reader.wsgi, reader.urls\n"
        "from demos import catalog\n"
        "assert catalog.all_demos(), 'the catalogue (specs) must load without torch'\n"
        "from django.urls import reverse\n"
        "print(reverse('demos:detail', kwargs={'key': catalog.all_demos()[0].key}))"
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("/demos/")


def test_beat_schedule_and_default_queue_tasks_import_without_torch():
    proc = run_py(
        NO_TORCH + "import importlib, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from reader.celery import app\n"
        "for entry in settings.CELERY_BEAT_SCHEDULE.values():\n"
        "    module, _, name = entry['task'].rpartition('.')\n"
        "    assert callable(getattr(importlib.import_module(module), name))\n"
        "app.loader.import_default_modules()  # what a worker imports at start\n"
        "routes = settings.CELERY_TASK_ROUTES\n"
        "default = [n for n in app.tasks if not n.startswith('celery.')\n"
        "           and routes.get(n, {}).get('queue', 'default') == 'default']\n"
        "print(len(default), ' '.join(sorted(default)))"
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    count, names = proc.stdout.split(" ", 1)
    assert int(count) >= 3 and "demos.tasks.demo_runs_fail_stale_task" in names
    assert "demos.tasks.demo_run_execute_task" not in names  # the demos queue may import torch


def test_manage_check_prints_no_warning():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "reader.settings_test"}
    proc = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO_ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr == ""  # torch's "Failed to initialize NumPy" came from importing it
