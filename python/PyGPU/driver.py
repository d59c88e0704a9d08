"""PyGPU.driver: a drop-in for the most used parts of ``pycuda.driver``.

``import PyGPU.driver as cuda`` gives PyCUDA's names, signatures and
behaviour, built on the low-level API (:mod:`PyGPU`): devices and the
(primary) context, streams, events, device allocations, pinned host arrays,
synchronous and stream-ordered copies, 2D and 3D copies (``Memcpy2D``, ``Memcpy3D``), memsets, registered host
memory, managed arrays (``managed_empty`` ...), device limits (``Context.set_limit``), the
``In``/``Out``/``InOut`` argument wrappers, and loaded modules and their kernels (``Module``,
``Function``, ``module_from_buffer``, ``module_from_file``; :mod:`PyGPU.compiler` compiles them). A name of
``pycuda.driver`` that PyGPU does not offer raises :class:`NotOfferedError`
(an AttributeError) naming the compatibility table. Every failure raises :class:`PyGPU.CudaError`, which is also
reachable here as ``Error``, ``LogicError``, ``LaunchError``, ``MemoryError``
and ``RuntimeError`` so that PyCUDA code catching those keeps working; a wrong
argument type raises ``TypeError``.

Differences from PyCUDA: there is one context per device (the runtime's primary
context), so ``Context`` objects only choose the current device; ``init()`` does
nothing; ``device_attribute`` holds only the attributes the runtime's device
properties carry.

Each concept is a private module this one re-exports: ``_device`` (devices,
contexts, versions), ``_stream``, ``_event``, ``_memory`` (allocations,
copies, ``PointerHolderBase``, ``to_device``/``from_device``), ``_pitched``
(``Memcpy2D``/``3D``, ``mem_alloc_pitch``), ``_memset``, ``_pinned`` (page-locked
arrays), ``_managed`` (managed arrays), ``_registered`` (``register_host_memory``), ``_pycuda_names`` (PyCUDA's
names and the error for one missing), ``_launch_args`` (``In``, ``Out``,
``InOut``), ``_module`` (``Module``, ``module_from_*``), ``_function`` (``Function``) with ``_kernel_args``
(the arguments of a call) and ``_image`` (what a module image is).

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

from ._device import Context, Device, device_attribute, get_driver_version, get_version, init, limit
from ._errors import CudaError
from ._event import Event, event_flags
from ._function import Function, func_cache, function_attribute
from ._launch_args import ArgumentHandler, In, InOut, Out
from ._managed import (
    ManagedAllocation,
    managed_empty,
    managed_empty_like,
    managed_zeros,
    managed_zeros_like,
    mem_attach_flags,
)
from ._memory import (
    DeviceAllocation,
    PointerHolderBase,
    from_device,
    from_device_like,
    mem_alloc,
    mem_alloc_like,
    mem_get_info,
    memcpy_dtod,
    memcpy_dtod_async,
    memcpy_dtoh,
    memcpy_dtoh_async,
    memcpy_htod,
    memcpy_htod_async,
    to_device,
)
from ._memset import memset_d8, memset_d8_async, memset_d16, memset_d16_async, memset_d32, memset_d32_async
from ._module import Module, ModuleGlobal, module_from_buffer, module_from_file
from ._pinned import host_alloc_flags, pagelocked_empty, pagelocked_empty_like, pagelocked_zeros, pagelocked_zeros_like
from ._pitched import Memcpy2D, Memcpy3D, mem_alloc_pitch, memory_type
from ._pycuda_names import NotOfferedError, missing
from ._registered import RegisteredHostMemory, mem_host_register_flags, register_host_memory
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
    "PointerHolderBase", "to_device", "from_device", "from_device_like",
    "Memcpy2D", "Memcpy3D", "memory_type", "mem_alloc_pitch",
    "memset_d8", "memset_d16", "memset_d32", "memset_d8_async", "memset_d16_async", "memset_d32_async",
    "register_host_memory", "RegisteredHostMemory", "mem_host_register_flags",
    "NotOfferedError",
    "managed_empty", "managed_zeros", "managed_empty_like", "managed_zeros_like", "ManagedAllocation",
    "mem_attach_flags", "limit",
    "Module", "ModuleGlobal", "Function", "module_from_buffer", "module_from_file", "function_attribute",
    "func_cache",
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


def __getattr__(name: str) -> object:
    """A name of ``pycuda.driver`` PyGPU lacks raises NotOfferedError, pointing to the compatibility table."""
    missing(__name__, name)
