"""Errors shared by the torch-free contract (demos.base) and the torch side (demos.common.env).

A module of its own so that neither side imports the other for an exception class: demos.base
imports demos.common.env only inside Demo.run, and env never imports demos.base.
"""


class DeviceUnavailable(RuntimeError):
    """The requested device (CUDA for the full size) is not available in this process."""
