"""Kernels of a loaded module: PyGPU.driver.Function (PyCUDA's call, prepare and prepared calls), its attributes,
``function_attribute`` and ``func_cache``.

A prepared call packs its arguments with the ``struct.Struct`` that ``prepare`` built and launches through
``_core._launch_packed`` (one buffer, the layout computed once): the fast path. ``__call__`` takes PyCUDA's
argument kinds (:mod:`._kernel_args`). On the simulated device a launch whose argument count or sizes differ from
the kernel's parameters is a TypeError naming the parameter (by name and type when the Function came from a
SourceModule, else by index and size).
"""

from __future__ import annotations

import enum
import re
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from . import _core as _g
from ._errors import check, error_for, exception
from ._event import Event
from ._kernel_args import Packer, call_arguments, format_of
from ._launch_args import Out
from ._public import public
from ._pycuda_names import NotOfferedError
from ._stream import Stream, stream_handle

if TYPE_CHECKING:
    from ._core import _Dim3 as Dim3
    from ._module import Module
    from ._stream import StreamLike

_SIZE_RE = re.compile(r"parameter (\d+) is (\d+) bytes, argument \d+ is (\d+) bytes")
_COUNT_RE = re.compile(r"takes (\d+) arguments, (\d+) were given")
_launch_packed = _g._launch_packed


@public("PyGPU.driver")
class function_attribute(enum.IntEnum):
    """PyCUDA's ``function_attribute`` (CUDA's ``CUfunction_attribute``) for :meth:`Function.get_attribute`.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> int(cuda.function_attribute.MAX_THREADS_PER_BLOCK)
    0
    """

    MAX_THREADS_PER_BLOCK = 0
    SHARED_SIZE_BYTES = 1
    CONST_SIZE_BYTES = 2
    LOCAL_SIZE_BYTES = 3
    NUM_REGS = 4
    PTX_VERSION = 5
    BINARY_VERSION = 6
    MAX_DYNAMIC_SHARED_SIZE_BYTES = 8


#: function_attribute -> the cudaFuncAttributes field holding it.
_FIELDS = {
    function_attribute.MAX_THREADS_PER_BLOCK: "maxThreadsPerBlock",
    function_attribute.SHARED_SIZE_BYTES: "sharedSizeBytes",
    function_attribute.CONST_SIZE_BYTES: "constSizeBytes",
    function_attribute.LOCAL_SIZE_BYTES: "localSizeBytes",
    function_attribute.NUM_REGS: "numRegs",
    function_attribute.PTX_VERSION: "ptxVersion",
    function_attribute.BINARY_VERSION: "binaryVersion",
    function_attribute.MAX_DYNAMIC_SHARED_SIZE_BYTES: "maxDynamicSharedSizeBytes",
}


@public("PyGPU.driver")
class func_cache(enum.IntEnum):
    """PyCUDA's ``func_cache`` for :meth:`Function.set_cache_config` (a preference the runtime may ignore).

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> int(cuda.func_cache.PREFER_SHARED)
    1
    """

    PREFER_NONE = 0
    PREFER_SHARED = 1
    PREFER_L1 = 2
    PREFER_EQUAL = 3


def _no_texrefs(texrefs: Sequence[object]) -> None:
    if texrefs:
        raise NotOfferedError("texture references (texrefs=) are not offered by PyGPU.driver: the runtime API layer "
                              "it binds has none; pass the data as a pointer argument")


def _describe(arg: object) -> str:
    if isinstance(arg, np.generic):
        return f"a numpy.{type(arg).__name__}"
    return f"a {type(arg).__name__}"


@public("PyGPU.driver")
class Function:
    """A kernel of a loaded module (:meth:`Module.get_function`), launched as PyCUDA launches it.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> from PyGPU.compiler import SourceModule
    >>> mod = SourceModule("__global__ void twice(float* x) { x[threadIdx.x] *= 2; }")
    >>> twice = mod.get_function("twice")
    >>> a = np.arange(4, dtype=np.float32)
    >>> twice(cuda.InOut(a), block=(4, 1, 1))
    >>> a.tolist()
    [0.0, 2.0, 4.0, 6.0]
    """

    def __init__(self, handle: int, name: str, module: Module,
                 parameters: list[tuple[str, str]] | None = None) -> None:
        self.handle = handle
        self.name = name
        self.module = module
        self._parameters = parameters
        self._packer: Packer | None = None
        self._pack: Callable[..., bytes] | None = None  # the fast path's struct packer (None: take the slow path)
        self._layout = b""
        self._shared = 0
        self.cache_config = func_cache.PREFER_NONE
        self.texrefs: list[object] = []

    # ------------------------------------------------------------------ attributes

    def _attributes(self) -> _g.cudaFuncAttributes:
        self.module._live("cudaFuncGetAttributes")
        value, err = _g.cudaFuncGetAttributes(self.handle)
        check(err)
        return cast("_g.cudaFuncAttributes", value)

    def get_attribute(self, attr: function_attribute | int) -> int:
        """One of the kernel's attributes (``cudaFuncGetAttributes``).

        Parameters
        ----------
        attr : function_attribute

        Raises
        ------
        ValueError
            For an attribute the runtime's ``cudaFuncAttributes`` does not carry.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> from PyGPU.compiler import SourceModule
        >>> f = SourceModule("__global__ void k() {}").get_function("k")
        >>> f.get_attribute(cuda.function_attribute.MAX_THREADS_PER_BLOCK) > 0
        True
        """
        try:
            field = _FIELDS[function_attribute(attr)]
        except ValueError:
            raise ValueError(f"unknown function attribute {attr!r}; see PyGPU.driver.function_attribute") from None
        return int(getattr(self._attributes(), field))

    @property
    def num_regs(self) -> int:
        """Registers per thread (0 on the simulated device)."""
        return self.get_attribute(function_attribute.NUM_REGS)

    @property
    def shared_size_bytes(self) -> int:
        """Static shared memory per block, in bytes."""
        return self.get_attribute(function_attribute.SHARED_SIZE_BYTES)

    @property
    def const_size_bytes(self) -> int:
        """Constant memory the kernel uses, in bytes."""
        return self.get_attribute(function_attribute.CONST_SIZE_BYTES)

    @property
    def local_size_bytes(self) -> int:
        """Local memory per thread, in bytes."""
        return self.get_attribute(function_attribute.LOCAL_SIZE_BYTES)

    @property
    def max_threads_per_block(self) -> int:
        """The most threads a block of this kernel may have."""
        return self.get_attribute(function_attribute.MAX_THREADS_PER_BLOCK)

    def set_cache_config(self, config: func_cache | int) -> None:
        """Record the kernel's cache preference (accepted for PyCUDA; the runtime layer applies none).

        Parameters
        ----------
        config : func_cache

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> from PyGPU.compiler import SourceModule
        >>> f = SourceModule("__global__ void k() {}").get_function("k")
        >>> f.set_cache_config(cuda.func_cache.PREFER_L1)
        """
        try:
            self.cache_config = func_cache(config)
        except ValueError:
            raise ValueError(f"unknown cache config {config!r}; see PyGPU.driver.func_cache") from None

    def set_shared_size(self, nbytes: int) -> None:
        """Deprecated in PyCUDA: the dynamic shared memory of later calls that pass no ``shared=``.

        Parameters
        ----------
        nbytes : int

        Examples
        --------
        >>> import warnings
        >>> from PyGPU.compiler import SourceModule
        >>> f = SourceModule("__global__ void k() {}").get_function("k")
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     f.set_shared_size(256)
        """
        warnings.warn("Function.set_shared_size is deprecated (as in PyCUDA): pass shared= to the call",
                      DeprecationWarning, stacklevel=2)
        if not isinstance(nbytes, (int, np.integer)) or nbytes < 0:
            raise ValueError(f"nbytes must be an int >= 0, got {nbytes!r}")
        self._shared = int(nbytes)

    # ---------------------------------------------------------------------- errors

    def _parameter(self, i: int, size: int) -> str:
        if self._parameters is not None and i < len(self._parameters):
            ctype, pname = self._parameters[i]
            which = repr(pname) if pname else f"#{i}"
            return f"parameter {which} ({ctype}, {size} bytes)"
        return f"parameter #{i} ({size} bytes)"

    def _signature(self) -> str:
        if self._parameters is None:
            return ""
        return " (" + ", ".join(f"{t} {n}".strip() for t, n in self._parameters) + ")"

    def _failed(self, err: _g.cudaError_t, describe: Callable[[int], str]) -> Exception:
        """The exception for a failed launch: on the simulated device a wrong argument is a TypeError."""
        if int(err) == _g.cudaErrorInvalidValue and _g._backend_name() == "sim":
            m = _SIZE_RE.search(err.message)
            if m is not None:
                i, want, got = (int(x) for x in m.groups())
                return TypeError(f"{self._parameter(i, want)} of kernel {self.name!r} got {describe(i)} "
                                 f"({got} bytes)")
            m = _COUNT_RE.search(err.message)
            if m is not None:
                return TypeError(f"kernel {self.name!r} takes {m.group(1)} arguments{self._signature()}, "
                                 f"{m.group(2)} were given")
        return exception(err)

    def _configuration(self, e: ValueError) -> Exception:
        return error_for(_g.cudaErrorInvalidConfiguration, str(e), "cudaLaunchKernel")

    # ---------------------------------------------------------------------- calls

    def __call__(self, *args: Any, block: Dim3 | None = None, grid: Dim3 = (1, 1),
                 stream: StreamLike = None, shared: int | None = None, texrefs: Sequence[object] = (),
                 time_kernel: bool = False) -> float | None:
        """Launch with PyCUDA's arguments; with ``time_kernel=True`` return the kernel's time in seconds.

        Parameters
        ----------
        *args
            numpy scalars and structured scalars (their bytes), numpy arrays (their bytes), device memory
            (DeviceAllocation, GPUArray, pointer objects, ``DeviceArray_<dtype>``, ``get_pointer()`` holders: the
            address), ``In``/``Out``/``InOut``.
        block : tuple of int
            Threads per block (required).
        grid : tuple of int, default (1, 1)
        stream : Stream, optional
            Queue the launch (and the In/Out copies) on it; None runs synchronously when there are ``Out``
            arguments or ``time_kernel``.
        shared : int, optional
            Dynamic shared memory in bytes.
        texrefs : sequence
            Must be empty (texture references are not offered).
        time_kernel : bool
            Wait for the kernel and return its time in seconds (synchronous calls only).

        Raises
        ------
        TypeError
            For an argument PyCUDA refuses (``invalid type on parameter #i (0-based)``: a Python int or float),
            and on the simulated device for an argument count or size that differs from the kernel's.
        CudaError
            ``cudaErrorInvalidConfiguration`` for a bad block or grid, or the runtime's code.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> from PyGPU.compiler import SourceModule
        >>> f = SourceModule("__global__ void fill(int* p, int v) { p[threadIdx.x] = v; }").get_function("fill")
        >>> out = np.zeros(3, np.int32)
        >>> f(cuda.Out(out), np.int32(5), block=(3, 1, 1))
        >>> out.tolist()
        [5, 5, 5]
        """
        if block is None:
            raise ValueError("must specify block size")
        _no_texrefs(texrefs)
        handlers, pieces = call_arguments(args)
        if time_kernel and stream is not None:
            raise ValueError("time_kernel needs a synchronous call (stream=None)")
        for h in handlers:
            h.pre_call(stream)
        post = [h for h in handlers if isinstance(h, Out)]
        start = 0.0
        if time_kernel:
            check(_g.cudaDeviceSynchronize())
            start = time.perf_counter()
        self.module._live("cudaLaunchKernel")
        try:
            nbytes = self._shared if shared is None else shared
            err = _g.cudaLaunchKernel(self.handle, grid, block, cast(Any, pieces), nbytes, stream_handle(stream))
        except ValueError as e:
            raise self._configuration(e) from None
        if err:
            raise self._failed(err, lambda i: _describe(args[i]) if i < len(args) else "nothing")
        if stream is None and (post or time_kernel):
            check(_g.cudaDeviceSynchronize())
            elapsed = time.perf_counter() - start
            for h in post:
                h.post_call(None)
            return elapsed if time_kernel else None
        for h in post:
            h.post_call(stream)
        return None

    def prepare(self, arg_types: Sequence[Any] | str, texrefs: Sequence[object] = ()) -> Function:
        """Fix the argument types for the prepared calls; returns the Function.

        Parameters
        ----------
        arg_types : str or sequence
            PyCUDA's format: a struct string (``"PiiP"``: ``P`` a pointer, ``i`` an int, ``f`` a float...) or a
            list of numpy scalar types, dtypes (a structured dtype is its bytes) and None/classes (a pointer).
        texrefs : sequence
            Must be empty.

        Raises
        ------
        ValueError
            For a format ``struct`` does not read.

        Examples
        --------
        >>> import numpy as np
        >>> from PyGPU.compiler import SourceModule
        >>> f = SourceModule("__global__ void k(float* x, int n) {}").get_function("k")
        >>> f.prepare([np.intp, np.int32]) is f, f.arg_format
        (True, 'li')
        """
        _no_texrefs(texrefs)
        packer = self._packer = Packer(format_of(arg_types))
        self._pack = None if packer.complex else packer.struct.pack
        self._layout = packer.layout
        return self

    @property
    def arg_format(self) -> str:
        """The prepared format (``prepare``), as a struct string."""
        if self._packer is None:
            raise AttributeError("the Function is not prepared: call prepare(arg_types) first")
        return self._packer.format

    def _prepared(self, grid: Dim3, block: Dim3, stream: StreamLike, args: Sequence[Any],
                  shared_size: int) -> None:
        packer = self._packer
        if packer is None:
            raise TypeError(f"kernel {self.name!r} is not prepared: call prepare(arg_types) first")
        if self.module._handle is None:
            self.module._live("cudaLaunchKernel")
        try:
            buf = packer.struct.pack(*args) if not packer.complex else packer.pack(args)
        except Exception:
            buf = packer.pack(args)
        try:
            handle = stream._stream if type(stream) is Stream else stream_handle(stream)
            err = _launch_packed(self.handle, grid, block, handle, shared_size, buf, packer.layout)
        except ValueError as e:
            raise self._configuration(e) from None
        if err is not None:
            raise self._prepared_failed(err)

    def _prepared_failed(self, err: _g.cudaError_t) -> Exception:
        codes = self._packer.codes if self._packer is not None else []
        return self._failed(err, lambda i: f"format {codes[i]!r}" if i < len(codes) else "nothing")

    def prepared_call(self, grid: Dim3, block: Dim3, *args: Any, shared_size: int = 0) -> None:
        """Launch with the prepared format on the legacy default stream.

        Parameters
        ----------
        grid, block : tuple of int
        *args
            One value per item of the prepared format.
        shared_size : int, default 0
            Dynamic shared memory in bytes.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> from PyGPU.compiler import SourceModule
        >>> f = SourceModule("__global__ void fill(int* p, int v) { p[threadIdx.x] = v; }").get_function("fill")
        >>> d = cuda.mem_alloc(8)
        >>> f.prepare("Pi").prepared_call((1, 1), (2, 1, 1), d, 9)
        >>> cuda.from_device(d, 2, np.int32).tolist()
        [9, 9]
        """
        self.prepared_async_call(grid, block, None, *args, shared_size=shared_size)

    def prepared_async_call(self, grid: Dim3, block: Dim3, stream: StreamLike, *args: Any,
                            shared_size: int = 0) -> None:
        """Queue a launch with the prepared format on `stream` (None: the legacy default stream).

        Parameters
        ----------
        grid, block : tuple of int
        stream : Stream or None
        *args
            One value per item of the prepared format.
        shared_size : int, default 0

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> from PyGPU.compiler import SourceModule
        >>> f = SourceModule("__global__ void fill(int* p, int v) { p[threadIdx.x] = v; }").get_function("fill")
        >>> d, s = cuda.mem_alloc(4), cuda.Stream()
        >>> f.prepare("Pi").prepared_async_call((1, 1), (1, 1, 1), s, d, 3)
        >>> s.synchronize()
        >>> cuda.from_device(d, 1, np.int32).tolist()
        [3]
        """
        # The fast path: nothing raised before the launch means nothing was launched, so any exception retries
        # through _prepared, which raises the right error.
        pack = self._pack
        if pack is not None and self.module._handle is not None:
            try:
                err = _launch_packed(self.handle, grid, block,
                                     stream._stream if type(stream) is Stream else stream_handle(stream),
                                     shared_size, pack(*args), self._layout)
            except Exception:
                pass
            else:
                if err is None:
                    return
                raise self._prepared_failed(err)
        self._prepared(grid, block, stream, args, shared_size)

    def prepared_timed_call(self, grid: Dim3, block: Dim3, *args: Any,
                            shared_size: int = 0) -> Callable[[], float]:
        """Launch with the prepared format between two events; returns a callable giving the time in seconds.

        Parameters
        ----------
        grid, block : tuple of int
        *args
            One value per item of the prepared format.
        shared_size : int, default 0

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> from PyGPU.compiler import SourceModule
        >>> f = SourceModule("__global__ void fill(int* p, int v) { *p = v; }").get_function("fill")
        >>> seconds = f.prepare("Pi").prepared_timed_call((1, 1), (1, 1, 1), cuda.mem_alloc(4), 1)
        >>> seconds() >= 0
        True
        """
        start, end = Event(), Event()
        start.record()
        self._prepared(grid, block, None, args, shared_size)
        end.record()

        def get_call_time() -> float:
            end.synchronize()
            return end.time_since(start) * 1e-3

        return get_call_time

    def __repr__(self) -> str:
        return f"<PyGPU.driver.Function {self.name!r}>"
