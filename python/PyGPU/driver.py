"""PyGPU.driver: a drop-in for the most used parts of ``pycuda.driver``.

``import PyGPU.driver as cuda`` gives PyCUDA's names, signatures and
behaviour, built on the low-level API (:mod:`PyGPU`): devices and the
(primary) context, streams, events, device allocations, pinned host arrays,
synchronous and stream-ordered copies, and the ``In``/``Out``/``InOut``
argument wrappers. Every failure raises :class:`PyGPU.CudaError`, which is also
reachable here as ``Error``, ``LogicError``, ``LaunchError``, ``MemoryError``
and ``RuntimeError`` so that PyCUDA code catching those keeps working; a wrong
argument type raises ``TypeError``.

Differences from PyCUDA: there is one context per device (the runtime's primary
context), so ``Context`` objects only choose the current device; ``init()`` does
nothing; ``device_attribute`` holds only the attributes the runtime's device
properties carry.

Each concept is a private module this one re-exports: ``_device`` (devices,
contexts, versions), ``_stream``, ``_event``, ``_memory`` (allocations and
copies), ``_pinned`` (page-locked arrays) and ``_launch_args`` (``In``,
``Out``, ``InOut``).

Examples
--------
>>> import numpy as np
>>> import PyGPU.driver as cuda
>>> a = np.arange(4, dtype=np.float32)
>>> dev = cuda.mem_alloc(a.nbytes)
>>> cuda.memcpy_htod(dev, a)
>>> out = np.empty_like(a)
>>> cuda.memcpy_dtoh(out, dev)
>>> bool((out == a).all())
True
"""

from __future__ import annotations

from ._device import Context, Device, device_attribute, get_driver_version, get_version, init
from ._errors import CudaError
from ._event import Event, event_flags
from ._launch_args import ArgumentHandler, In, InOut, Out
from ._memory import (
    DeviceAllocation,
    mem_alloc,
    mem_alloc_like,
    mem_get_info,
    memcpy_dtod,
    memcpy_dtod_async,
    memcpy_dtoh,
    memcpy_dtoh_async,
    memcpy_htod,
    memcpy_htod_async,
)
from ._pinned import host_alloc_flags, pagelocked_empty, pagelocked_empty_like, pagelocked_zeros, pagelocked_zeros_like
from ._stream import Stream

__all__ = [
    "Error", "LogicError", "LaunchError", "CudaError",
    "init", "get_version", "get_driver_version",
    "device_attribute", "event_flags", "host_alloc_flags",
    "Device", "Context", "Stream", "Event",
    "DeviceAllocation", "mem_alloc", "mem_alloc_like", "mem_get_info",
    "memcpy_htod", "memcpy_dtoh", "memcpy_dtod",
    "memcpy_htod_async", "memcpy_dtoh_async", "memcpy_dtod_async",
    "pagelocked_empty", "pagelocked_zeros", "pagelocked_empty_like", "pagelocked_zeros_like",
    "ArgumentHandler", "In", "Out", "InOut",
]

# PyCUDA raises subclasses of pycuda.driver.Error; PyGPU has one exception type.
# MemoryError and RuntimeError are set at the end of the module (and kept out of
# __all__) so they never shadow the builtins inside this module or after a
# star import.
Error = CudaError
LogicError = CudaError
LaunchError = CudaError


# PyCUDA's error names that shadow builtins: attributes only, not in __all__.
globals()["MemoryError"] = CudaError
globals()["RuntimeError"] = CudaError
