"""The quick start: installs skipped while their inputs are unchanged, one worker per queue
group under serve_all (issue 18)."""

import hashlib
import shutil
import subprocess

import pytest
from django.core.management.base import CommandError

from reader.management.commands.serve_all import WORKER_GROUPS, worker_groups
from tests.conftest import REPO_ROOT


def _make_dry_run(target: str, venv) -> str:
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    result = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    return result.stdout + result.stderr


def test_install_is_skipped_while_pyproject_and_lock_are_unchanged(tmp_path):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").touch()
    assert "pip install" in _make_dry_run("install", tmp_path)
    assert "npm ci" in _make_dry_run("install", tmp_path)
    inputs = (REPO_ROOT / "pyproject.toml").read_bytes() + (
        REPO_ROOT / "package-lock.json"
    ).read_bytes()
    (tmp_path / f".installed-{hashlib.sha256(inputs).hexdigest()[:16]}").touch()
    again = _make_dry_run("install", tmp_path)
    assert "pip install" not in again and "npm ci" not in again
    # A stamp for other inputs (an edited pyproject.toml) does not count.
    for stamp in tmp_path.glob(".installed-*"):
        stamp.rename(tmp_path / ".installed-0000000000000000")
    assert "pip install" in _make_dry_run("install", tmp_path)


def test_each_queue_group_gets_its_own_worker():
    assert worker_groups(WORKER_GROUPS) == [["default"], ["demos"]]
    assert worker_groups("default,llm demos") == [["default", "llm"], ["demos"]]
    with pytest.raises(CommandError):
        worker_groups("default demos,default")
    with pytest.raises(CommandError):
        worker_groups("  ")
