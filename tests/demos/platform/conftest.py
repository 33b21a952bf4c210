"""Platform fixtures: a tiny, controllable demo registered for the duration of a test."""

from typing import Any, ClassVar

import pytest
from django.core.cache import cache

from demos.base import (
    REGISTRY,
    Claim,
    Demo,
    DemoParamsInvalid,
    Param,
    Size,
    _check_declaration,
    no_progress,
    table,
)

FAKE_KEY = "platform.echo"


class EchoDemo(Demo):
    """A fast demo whose behaviour a test chooses (ok, oom, timeout, error)."""

    key = FAKE_KEY
    title = "Platform echo"
    arxiv_ids = ("2312.00094",)
    version = 1
    description = "Echoes its params; the curve is $y = s x^2$."
    params = (
        Param("seed", "int", 0, "Random seed.", 0, 2**31 - 1),
        Param("scale", "float", 1.0, "Curve scale.", 0.1, 10.0),
        Param("mode", "choice", "a", "Mode.", choices=("a", "b")),
        Param("flag", "bool", True, "A switch."),
        Param("width", "int", 4, "Full-size knob.", 1, 8, sizes=("full",)),
    )
    sizes = {"smoke": Size("smoke", "cpu", 1.0), "full": Size("full", "cuda", 10.0)}
    claims = (Claim("slope_two", "slope is 2"),)
    anchors = {"paper": table("Paper table", ["method", "FID"], [["ours", "6.61"]], "Table 1")}
    caveats = ("A toy.",)
    behaviour: ClassVar[dict[str, Any]] = {"mode": "ok", "calls": 0}

    @classmethod
    def validate(cls, params, size):
        if params["mode"] == "b" and params["scale"] > 5:
            raise DemoParamsInvalid({"scale": "at most 5 in mode b"})

    def run(self, params, size, progress=no_progress, device=None):
        EchoDemo.behaviour["calls"] += 1
        for i in range(3):
            progress(i, 3, f"step {i}")
        mode = EchoDemo.behaviour["mode"]
        if mode == "oom":
            import torch

            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 80.00 GiB")
        if mode == "timeout":
            from celery.exceptions import SoftTimeLimitExceeded

            raise SoftTimeLimitExceeded()
        if mode == "error":
            raise ZeroDivisionError("boom in the demo")
        if mode == "bad_result":
            return {"summary": {}}
        xs = [1, 2, 3, 4]
        return {
            "summary": {"scale": params["scale"], "mode": params["mode"], "n": 4},
            "series": {
                "curve": {
                    "kind": "loglog",
                    "x_label": "x",
                    "y_label": "y",
                    "lines": {"s x^2": {"x": xs, "y": [params["scale"] * x * x for x in xs]}},
                },
            },
            "tables": {
                "comparison": table(
                    "Paper beside ours", ["quantity", "paper", "ours"], [["slope", "2", 2.0]]
                )
            },
            "timings": {"total_s": 0.001},
            "env": {"torch": "test", "device": "cpu", "seed": params["seed"], "size": size},
            "checks": [
                {
                    "name": "slope_two",
                    "claim": "slope is 2",
                    "observed": 2.0,
                    "threshold": "in [1.9, 2.1]",
                    "passed": True,
                },
                {
                    "name": "always_fails",
                    "claim": "a check that fails",
                    "observed": 0,
                    "threshold": "> 1",
                    "passed": False,
                },
            ],
        }


_check_declaration(EchoDemo)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def echo_demo(monkeypatch):
    """Register EchoDemo under FAKE_KEY for one test; reset its behaviour."""
    monkeypatch.setitem(REGISTRY, FAKE_KEY, EchoDemo)
    EchoDemo.papers = EchoDemo.arxiv_ids
    EchoDemo.behaviour.update(mode="ok", calls=0)
    return EchoDemo


@pytest.fixture
def make_run(echo_demo):
    """Create a DemoRun row for EchoDemo directly (status and fields as given)."""
    from demos.base import cache_key, validate_params
    from demos.models import DemoRun

    def make(*, size: str = "smoke", params: dict | None = None, **fields) -> DemoRun:
        canonical = validate_params(echo_demo, params or {}, size)
        run = DemoRun(
            demo_key=FAKE_KEY,
            demo_version=echo_demo.version,
            size=size,
            params=canonical,
            cache_key=cache_key(echo_demo, canonical, size),
            **fields,
        )
        run.full_clean(validate_constraints=False)
        run.save()
        return run

    return make
