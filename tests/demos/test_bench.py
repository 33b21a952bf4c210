"""bench/bench_attention.py runs on the CPU with small sizes and prints a markdown table."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_runs_on_cpu(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "bench.bench_attention", "--device", "cpu",
         "--batch", "1", "--context", "256", "--heads", "4", "--d-head", "32", "--groups", "2",
         "--mla-heads", "4", "--reps", "2", "--copy-mib", "1", "--matmul-n", "64",
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "| row | time/step (us) |" in proc.stdout and "| mla_bmm_h4 |" in proc.stdout
    data = json.loads(out.read_text())
    assert len(data["rows"]) == 14 and data["roofs"]["copy_Bps"] > 0
