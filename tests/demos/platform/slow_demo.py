"""A test-only demo that takes a few seconds and reports progress every step (not registered here).

Tests register it per test (monkeypatch on REGISTRY); a worker subprocess registers it by
importing tests.demos.platform.worker_demos through ``--include``.
"""

import time

from demos.base import Demo, Param, Size, no_progress

SLOW_KEY = "platform.slow"


class SlowDemo(Demo):
    """Sleeps `steps` x 0.25 s, calling progress each step: long enough to kill mid-run."""

    key = SLOW_KEY
    title = "Platform slow demo"
    arxiv_ids = ("2312.00094",)
    version = 1
    description = "Sleeps, reporting progress."
    params = (
        Param("seed", "int", 0, "Random seed.", 0, 2**31 - 1),
        Param("steps", "int", 40, "Steps of 0.25 s.", 1, 200),
    )
    sizes = {"smoke": Size("smoke", "cpu", 30.0), "full": Size("full", "cuda", 60.0)}

    def run(self, params, size, progress=no_progress, device=None):
        steps = params["steps"]
        for i in range(steps):
            progress(i, steps, f"step {i} of {steps}")
            time.sleep(0.25)
        return {
            "summary": {"steps": steps},
            "series": {
                "steps": {
                    "kind": "line",
                    "x_label": "step",
                    "y_label": "step squared",
                    "lines": {
                        "square": {"x": list(range(steps)), "y": [i * i for i in range(steps)]}
                    },
                },
            },
            "tables": {
                "comparison": {
                    "title": "Paper beside ours",
                    "columns": ["quantity", "paper", "ours"],
                    "rows": [["steps", "3", steps]],
                    "notes": "",
                }
            },
            "timings": {"total_s": steps * 0.25},
            "env": {"device": "cpu", "seed": params["seed"], "size": size},
            "checks": [{"name": "slept", "claim": "it slept", "observed": steps, "passed": True}],
        }
