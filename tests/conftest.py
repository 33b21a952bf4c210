"""Shared test fixtures: the ../shared corpora, CI strictness, and marker-based skips."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("READER_SHARED_DIR", REPO_ROOT.parent / "shared")).resolve()
IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Skip on a laptop; under CI=true a missing prerequisite is a failure, never a skip."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def shared_path(relpath: str) -> Path:
    """Path of a third-party corpus file under ../shared, skipping (or failing in CI) if absent."""
    path = SHARED_DIR / relpath
    if not path.exists():
        skip_or_fail(f"shared corpus not found: {path}")
    return path


@pytest.fixture
def shared_file():
    """Fixture form of shared_path(relpath)."""
    return shared_path
