"""Device choice inside run(), the env record of every result, and device release after a run.

Nothing here touches CUDA at import time (design/architecture.md §5.7): a worker parent that
initialised CUDA could not fork usable children.
"""

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

# torch warns at import when numpy is not installed; demos never hand tensors to numpy (results
# go through .tolist()), so the warning only alarms whoever reads a worker's log. Demo.run and
# the CLI import this module before anything else imports torch.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)

import torch  # noqa: E402

from demos.errors import DeviceUnavailable  # noqa: E402

if TYPE_CHECKING:  # demos.base imports this module inside Demo.run; no import back at runtime
    from demos.base import Size


def resolve_device(size: "Size", device: str | None = None) -> str:
    """The device a run uses: the explicit choice, else the size's (full needs CUDA)."""
    want = device or size.device
    if want not in ("cpu", "cuda"):
        raise DeviceUnavailable(f"unknown device {want!r}; expected 'cpu' or 'cuda'")
    if want == "cuda" and not torch.cuda.is_available():
        hint = " (pass device='cpu' to run it off budget)" if device is None else ""
        raise DeviceUnavailable(f"size {size.name!r} needs CUDA, which is not available{hint}")
    return want


def env_record(
    *, device: str, dtype: str, seed: int, size: "Size", demo_version: int, **extra: Any
) -> dict[str, Any]:
    """The `env` dict of a result: torch, device, dtype, threads, seed, size, version."""
    record: dict[str, Any] = {
        "torch": torch.__version__,
        "device": device,
        "device_name": None,
        "cuda": torch.version.cuda,
        "dtype": dtype,
        "threads": torch.get_num_threads(),
        "seed": seed,
        "size": size.name,
        "demo_version": demo_version,
        "off_budget": device != size.device,
        "commit": os.environ.get("READER_COMMIT"),
    }
    if device == "cuda":
        record["device_name"] = torch.cuda.get_device_name()
    record.update(extra)
    return record


def release_device() -> None:
    """Free cached device memory after a run (a no-op unless CUDA was initialised here)."""
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()
        torch.cuda.empty_cache()


@contextmanager
def cpu_threads(device: str, threads: int | None) -> Iterator[None]:
    """Cap torch's intra-op threads for a CPU run, restoring the previous count afterwards.

    Demos on many tiny tensors set this to 1 at smoke size: splitting a 30k-element op over
    threads costs a barrier per op, which on a shared 2-core machine costs more than it saves.
    """
    before = torch.get_num_threads()
    if device == "cpu" and threads:
        torch.set_num_threads(min(threads, before))
    try:
        yield
    finally:
        torch.set_num_threads(before)
