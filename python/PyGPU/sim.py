"""Helpers for the simulated device (backend ``sim``)."""

from __future__ import annotations

from . import _core


def last_message() -> str:
    """What was wrong with the calling thread's last failed call ('' if nothing).

    Every backend answers; only the simulated device gives details (which
    pointer, which allocation, how many bytes over).

    Examples
    --------
    >>> import PyGPU, PyGPU.sim
    >>> PyGPU.cudaFree(12345)
    <cudaError_t: code=1 cudaErrorInvalidValue>
    >>> "12345" in PyGPU.sim.last_message() or "0x3039" in PyGPU.sim.last_message()
    True
    """
    return _core._last_message()
