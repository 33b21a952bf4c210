"""Demo-library test fixtures: 2 torch threads (the smoke budget's setting), a progress recorder.

GPU tests (`@pytest.mark.gpu`) are skipped without CUDA by tests/conftest.py.
"""

import pytest
import torch


@pytest.fixture(autouse=True)
def two_threads():
    """Run every demo test on 2 threads, as the smoke budget assumes; restore afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


class ProgressRecorder:
    """A Progress that records its calls."""

    def __init__(self):
        self.calls: list[tuple[int, int, str]] = []

    def __call__(self, done: int, total: int, message: str = "") -> None:
        self.calls.append((done, total, message))


@pytest.fixture
def recorder() -> ProgressRecorder:
    """A fresh progress recorder."""
    return ProgressRecorder()
