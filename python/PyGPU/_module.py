"""Loaded modules: PyGPU.driver.Module, module_from_buffer and module_from_file.

A Module owns a library handle of the low-level API (``cudaLibraryLoadData``/``LoadFromFile``) and unloads it
when the last reference goes (its Functions and globals hold one). Modules are code: no device reset unloads
them, and a handle the runtime no longer knows (``cudaErrorInvalidResourceHandle``) is dropped without a warning.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, SupportsIndex, cast

from . import _core as _g
from ._errors import check, error_for, exception
from ._image import refuse_foreign
from ._memory import PointerHolderBase
from ._public import public
from ._pycuda_names import NotOffered

if TYPE_CHECKING:
    from typing_extensions import Buffer

    from ._function import Function

#: Why texture and surface references are not offered.
_NO_TEXREF = "texture and surface references are not in the runtime API layer PyGPU binds"


@public("PyGPU.driver")
class Module:
    """A loaded module: its kernels (:meth:`get_function`) and globals (:meth:`get_global`).

    Made by :func:`module_from_buffer`, :func:`module_from_file` or :class:`PyGPU.compiler.SourceModule`,
    never directly. The module is unloaded when it and everything taken from it are gone, or by :meth:`unload`.

    Examples
    --------
    >>> from PyGPU.compiler import SourceModule
    >>> mod = SourceModule("__global__ void k(int* p) { *p = 7; }").module
    >>> mod.get_function("k").name
    'k'
    """

    get_texref = NotOffered(_NO_TEXREF)
    get_surfref = NotOffered(_NO_TEXREF)

    def __init__(self, handle: int, parameters: dict[str, list[tuple[str, str]]] | None = None) -> None:
        self._handle: int | None = handle
        self._parameters = parameters or {}
        self._functions: dict[str, Function] = {}

    def _live(self, call: str) -> int:
        if self._handle is None:
            raise error_for(_g.cudaErrorInvalidResourceHandle, "the module was unloaded", call)
        return self._handle

    def _unknown(self, err: _g.cudaError_t, what: str, name: str) -> Exception:
        """The CudaError for an unknown kernel or global `name`, listing the module's names where known."""
        message = err.message
        if _g._backend_name() != "sim":
            known = sorted(self._parameters) if what == "kernel" else []
            listed = (f"its kernels: {', '.join(known)}" if known else
                      f"the {_g._backend_name()} runtime does not list a module's {what}s")
            message = f"no {what} {name!r} in the module; {listed}"
        return exception(err, message)

    def get_function(self, name: str) -> Function:
        """The kernel `name` (its ``extern "C"`` name, or its mangled name for a C++ kernel).

        Parameters
        ----------
        name : str

        Returns
        -------
        Function

        Raises
        ------
        CudaError
            ``cudaErrorSymbolNotFound`` when the module has no such kernel (the message lists its kernels).

        Examples
        --------
        >>> from PyGPU.compiler import SourceModule
        >>> mod = SourceModule("__global__ void twice(float* x) { x[threadIdx.x] *= 2; }")
        >>> mod.get_function("twice").name
        'twice'
        """
        from ._function import Function

        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        library = self._live("cudaLibraryGetKernel")
        function = self._functions.get(name)
        if function is None:
            handle, err = _g.cudaLibraryGetKernel(library, name)
            if err:
                raise self._unknown(err, "kernel", name)
            function = self._functions[name] = Function(cast(int, handle), name, self, self._parameters.get(name))
        return function

    def get_global(self, name: str) -> tuple[ModuleGlobal, int]:
        """The ``__device__`` or ``__constant__`` variable `name`: ``(device pointer, size in bytes)``.

        The pointer is device memory for the copies (``memcpy_htod``) and a kernel argument; it keeps the module
        loaded.

        Parameters
        ----------
        name : str

        Returns
        -------
        tuple of (ModuleGlobal, int)

        Raises
        ------
        CudaError
            ``cudaErrorSymbolNotFound`` when the module has no such variable (the message lists its globals where
            the backend can).

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> from PyGPU.compiler import SourceModule
        >>> mod = SourceModule("__constant__ float coeff[4];")
        >>> ptr, size = mod.get_global("coeff")
        >>> size
        16
        >>> cuda.memcpy_htod(ptr, np.ones(4, np.float32))
        """
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        value, err = _g.cudaLibraryGetGlobal(self._live("cudaLibraryGetGlobal"), name)
        if err:
            raise self._unknown(err, "global", name)
        address, size = cast("tuple[int, int]", value)
        return ModuleGlobal(address, self), size

    def unload(self) -> None:
        """Unload the module now (after the launches already queued); its Functions cannot be launched after.

        Raises
        ------
        CudaError
            ``cudaErrorInvalidResourceHandle`` when it was unloaded already.

        Examples
        --------
        >>> from PyGPU.compiler import SourceModule
        >>> mod = SourceModule("__global__ void k() {}").module
        >>> mod.unload()
        """
        handle = self._live("cudaLibraryUnload")
        self._handle = None
        check(_g.cudaLibraryUnload(handle))

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is None or sys.is_finalizing():
            return
        self._handle = None
        try:
            err = _g.cudaLibraryUnload(handle)
            if err and int(err) != _g.cudaErrorInvalidResourceHandle:
                warnings.warn(f"unloading a Module failed: {err.name}: {err.message or err.description}",
                              RuntimeWarning, stacklevel=2)
        except Exception as exc:  # destructors never raise
            with contextlib.suppress(Exception):
                warnings.warn(f"unloading a Module failed: {exc}", RuntimeWarning, stacklevel=2)

    def __repr__(self) -> str:
        state = "unloaded" if self._handle is None else f"handle={self._handle:#x}"
        return f"<PyGPU.driver.Module {state}>"


@public("PyGPU.driver")
class ModuleGlobal(PointerHolderBase):
    """The device address of a module's global variable (:meth:`Module.get_global`); keeps the module loaded.

    ``int(ptr)`` is the address; it is accepted wherever device memory is (copies, memsets, kernel arguments).
    It does not own the memory: there is nothing to free.

    Examples
    --------
    >>> from PyGPU.compiler import SourceModule
    >>> ptr, size = SourceModule("__device__ int counter;").get_global("counter")
    >>> int(ptr) != 0, size
    (True, 4)
    """

    def __init__(self, address: int, module: Module) -> None:
        self._address = address
        self.module = module

    def get_pointer(self) -> SupportsIndex:
        """The device address.

        Examples
        --------
        >>> from PyGPU.compiler import SourceModule
        >>> ptr, _ = SourceModule("__device__ int x;").get_global("x")
        >>> ptr.get_pointer() == int(ptr)
        True
        """
        return self._address

    def __repr__(self) -> str:
        return f"<PyGPU.driver.ModuleGlobal {self._address:#x}>"


def _check_options(options: Sequence[Any], message_handler: object) -> None:
    if options:
        raise ValueError("JIT options are not offered: the runtime's library API takes none (pass options=[])")
    if message_handler is not None and not callable(message_handler):
        raise TypeError("message_handler must be callable or None")


@public("PyGPU.driver")
def module_from_buffer(buffer: Buffer | bytes | str, options: Sequence[Any] = (),
                       message_handler: object = None) -> Module:
    """Load a module from its image: PTX, a cubin or a fatbin on CUDA, a code object on HIP, a kernel library
    (``PyGPU.compiler.compile``) on the simulated device.

    Parameters
    ----------
    buffer : bytes-like or str
        The image (a str is encoded as UTF-8: PTX text).
    options : sequence, default ()
        PyCUDA's JIT options; none are offered (the runtime's library API takes none), so it must be empty.
    message_handler : callable, optional
        Accepted for PyCUDA's signature; the runtime reports no JIT log, so it is never called.

    Returns
    -------
    Module

    Raises
    ------
    CudaError
        ``cudaErrorInvalidKernelImage`` for an image the active backend does not load (the message says what the
        image is and what the backend loads), or the runtime's own code.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> from PyGPU.compiler import compile
    >>> mod = cuda.module_from_buffer(compile("__global__ void k(int* p) { *p = 1; }"))
    >>> mod.get_function("k").name
    'k'
    """
    _check_options(options, message_handler)
    image = buffer.encode("utf-8") + b"\0" if isinstance(buffer, str) else bytes(buffer)
    refuse_foreign(image, "cudaLibraryLoadData")
    handle, err = _g.cudaLibraryLoadData(image)
    check(err)
    return Module(cast(int, handle))


@public("PyGPU.driver")
def module_from_file(filename: str | os.PathLike[str]) -> Module:
    """Load a module from a file (``.cubin``, ``.ptx``, ``.fatbin``, a HIP code object, a simulated-device
    library).

    Parameters
    ----------
    filename : path-like

    Returns
    -------
    Module

    Raises
    ------
    CudaError
        ``cudaErrorInvalidValue`` when the file cannot be opened, ``cudaErrorInvalidKernelImage`` for an image the
        active backend does not load.

    Examples
    --------
    >>> import os, tempfile, PyGPU.driver as cuda
    >>> from PyGPU.compiler import compile
    >>> path = os.path.join(tempfile.mkdtemp(), "k.so")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(compile("__global__ void k() {}"))
    >>> cuda.module_from_file(path).get_function("k").name
    'k'
    """
    path = os.fspath(filename)
    if not isinstance(path, str):
        raise TypeError(f"filename must be a str or path-like, got {type(filename).__name__}")
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        head = b""  # the runtime answers for a file it cannot open
    refuse_foreign(head, "cudaLibraryLoadFromFile")
    handle, err = _g.cudaLibraryLoadFromFile(path)
    check(err)
    return Module(cast(int, handle))
