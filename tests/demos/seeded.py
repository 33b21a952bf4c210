"""Shared by the per-demo tests: a demo's smoke run at seeds 0..4 on one torch thread."""

import torch

from demos.base import validate_params


def smoke_runs_one_thread(demo, seeds=range(5)) -> dict:
    """{seed: result} of the smoke size at each seed, one thread (as the smoke preset pins)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return {s: demo().run(validate_params(demo, {"seed": s}, "smoke"), "smoke") for s in seeds}
    finally:
        torch.set_num_threads(before)
