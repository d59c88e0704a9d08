"""The names of ``pycuda.driver``, and the error for one PyGPU.driver does not offer.

``PyGPU.driver``'s module ``__getattr__`` calls :func:`missing` for a name it lacks: a name of
``pycuda.driver`` (the list below, PyCUDA's public names) raises :class:`NotOfferedError`, which says that
PyGPU does not offer it and points to the compatibility table; any other name raises the usual
AttributeError.
"""

from __future__ import annotations

from typing import NoReturn

from ._public import public

#: Every public name of PyCUDA's ``pycuda.driver`` (its C++ wrapper and ``pycuda/driver.py``).
PYCUDA_DRIVER_NAMES: frozenset[str] = frozenset((
    "AlignedHostAllocation", "ArgumentHandler", "Array", "ArrayDescriptor", "ArrayDescriptor3D",
    "CUDA_DEBUGGING", "CompileError", "Context", "Device", "DeviceAllocation", "Error", "Event", "Function",
    "HostPointer", "IPCMemoryHandle", "In", "InOut", "LaunchError", "Linker", "LogicError",
    "ManagedAllocation", "Memcpy2D", "Memcpy3D", "Memcpy3DPeer", "MemoryError", "Module", "Out",
    "PagelockedHostAllocation", "PointerHolderBase", "RegisteredHostMemory", "RuntimeError", "Stream",
    "SurfaceReference", "TextureReference", "address_mode", "aligned_empty", "aligned_empty_like",
    "aligned_zeros", "aligned_zeros_like", "array3d_flags", "array_cubemap_face", "array_format",
    "bind_array_to_texref", "compute_mode", "ctx_flags", "device_attribute", "dtype_to_array_format",
    "event_flags", "filter_mode", "from_device", "from_device_like", "func_cache", "function_attribute",
    "get_driver_version", "get_version", "gpuarray_to_array", "graphics_register_flags", "have_gl_ext",
    "host_alloc_flags", "init", "initialize_profiler", "ipc_mem_flags", "jit_fallback", "jit_input_type",
    "jit_option", "jit_target", "limit", "make_multichannel_2d_array", "managed_empty", "managed_empty_like",
    "managed_zeros", "managed_zeros_like", "matrix_to_array", "matrix_to_texref", "mem_alloc",
    "mem_alloc_like", "mem_alloc_pitch", "mem_attach_flags", "mem_get_address_range", "mem_get_info",
    "mem_get_ipc_handle", "mem_host_register_flags", "memcpy_atoa", "memcpy_atod", "memcpy_atoh",
    "memcpy_dtoa", "memcpy_dtod", "memcpy_dtod_async", "memcpy_dtoh", "memcpy_dtoh_async", "memcpy_htoa",
    "memcpy_htod", "memcpy_htod_async", "memcpy_peer", "memcpy_peer_async", "memory_type", "memset_d16",
    "memset_d16_async", "memset_d2d16", "memset_d2d16_async", "memset_d2d32", "memset_d2d32_async",
    "memset_d2d8", "memset_d2d8_async", "memset_d32", "memset_d32_async", "memset_d8", "memset_d8_async",
    "module_from_buffer", "module_from_file", "np_to_array", "pagelocked_empty", "pagelocked_empty_like",
    "pagelocked_zeros", "pagelocked_zeros_like", "pointer_attribute", "profiler_output_mode",
    "register_host_memory", "set_debugging", "shared_config", "start_profiler", "stop_profiler", "to_device",
))

#: Where the compatibility table is.
TABLE = "the PyCUDA compatibility table of PyGPU's documentation (docs/gpuarray.md, 'pycuda.driver')"


@public("PyGPU.driver")
class NotOfferedError(AttributeError):
    """A name of ``pycuda.driver`` that PyGPU.driver does not offer (an AttributeError, so ``hasattr`` is False).

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> hasattr(cuda, "TextureReference")
    False
    >>> try:
    ...     cuda.TextureReference
    ... except cuda.NotOfferedError as e:
    ...     print(str(e).split(";")[0])
    pycuda.driver.TextureReference is not offered by PyGPU.driver
    """


def missing(module: str, name: str) -> NoReturn:
    """Raise NotOfferedError for a PyCUDA name `name`, else the AttributeError of a module lacking it."""
    if name in PYCUDA_DRIVER_NAMES:
        raise NotOfferedError(f"pycuda.driver.{name} is not offered by PyGPU.driver; see {TABLE} for what "
                              "PyGPU offers instead")
    raise AttributeError(f"module {module!r} has no attribute {name!r}")


class NotOffered:
    """A class attribute PyCUDA has and PyGPU does not: reading it raises NotOfferedError (hasattr is False).

    Examples
    --------
    >>> from PyGPU._pycuda_names import NotOffered
    >>> class Context:
    ...     set_limit = NotOffered("the runtime layer has no cudaDeviceSetLimit")
    >>> hasattr(Context, "set_limit")
    False
    """

    def __init__(self, why: str) -> None:
        self.why = why
        self.name = "?"

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> NoReturn:
        cls = owner if owner is not None else type(instance)
        raise NotOfferedError(f"pycuda.driver.{cls.__name__}.{self.name} is not offered by PyGPU.driver "
                              f"({self.why}); see {TABLE}")
