"""`python -m demos` in a subprocess: list, run with --json, exit codes on bad input."""

import json
import subprocess
import sys
from pathlib import Path

from demos import catalog

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "demos", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_list():
    proc = run_cli("list")
    assert proc.returncode == 0, proc.stderr
    assert "diffusion.few_step_samplers" in proc.stdout and "attention.kv_cache" in proc.stdout
    data = json.loads(run_cli("list", "--json").stdout)
    assert [d["key"] for d in data] == list(catalog.ORDER)
    assert data[0]["params"][0]["name"] == "seed"


def test_run_json_with_param():
    proc = run_cli(
        "run",
        "attention.kv_cache",
        "--size",
        "smoke",
        "--param",
        "mla_kv_bits=6",
        "--json",
        "--threads",
        "2",
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert abs(result["summary"]["saving_at_kv_bits"] - 0.933) < 5e-4
    assert "%" in proc.stderr  # the progress bar went to stderr


def test_run_text_output():
    proc = run_cli("run", "attention.kv_cache", "--threads", "2")
    assert proc.returncode == 0, proc.stderr
    assert "[PASS] published_sizes" in proc.stdout


def test_errors_exit_2():
    bad = run_cli("run", "attention.kv_cache", "--param", "mla_kv_bits=5")
    assert bad.returncode == 2 and "mla_kv_bits" in bad.stderr
    unknown = run_cli("run", "nope.nothing")
    assert unknown.returncode == 2 and "unknown demo" in unknown.stderr
    offsize = run_cli("run", "attention.kv_cache", "--param", "batch=8")
    assert offsize.returncode == 2 and "not offered" in offsize.stderr


def test_run_prints_no_warning():
    """torch's "Failed to initialize NumPy" warning must not reach a user (no -W ignore here)."""
    proc = subprocess.run(
        [sys.executable, "-m", "demos", "run", "attention.kv_cache", "--size", "smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr and "NumPy" not in proc.stderr, proc.stderr
