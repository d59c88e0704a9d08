"""A PyCUDA-compatible GPUArray: data movement, metadata and views.

Code written against ``pycuda.gpuarray`` keeps working after
``import PyGPU as gpuarray`` (or ``import PyGPU.gpuarray as gpuarray``) for
everything that moves data or makes views. Operations that need a device
kernel (arithmetic, comparisons, reductions, ``astype`` to another dtype,
``arange``, ``where``, ``take``...) raise NotImplementedError: PyGPU does not
launch kernels yet, and never returns a silently wrong result.

Where PyCUDA has a known bug, GPUArray does the right thing instead, and the
docstring says so.
"""

from __future__ import annotations

import builtins
import numbers
import operator
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NoReturn, SupportsIndex, SupportsInt, Union

import numpy as np

from . import _copy, _core, _layout

if TYPE_CHECKING:  # names for annotations only: nothing here is imported at run time
    import numpy.typing as npt
    from typing_extensions import CapsuleType, TypeAlias

    from ._errors import CudaError
    from .driver import DeviceAllocation, Stream

    # What the constructor and the creation functions accept (numpy's rules).
    _ShapeLike: TypeAlias = Union[SupportsIndex, Iterable[SupportsIndex]]
    # nbytes -> an object whose int() is the device address (PyCUDA's allocator protocol).
    _Allocator: TypeAlias = Callable[[int], SupportsInt]
    # A stream as PyGPU.driver takes it: a driver.Stream, a cudaStream_t, an int handle or None (legacy default).
    _StreamLike: TypeAlias = Union[Stream, _core.cudaStream_t, int, None]

__all__ = [
    "GPUArray", "DtypeMismatchError", "to_gpu", "to_gpu_async", "empty", "zeros", "ones", "empty_like",
    "zeros_like", "ones_like", "concatenate", "stack", "transpose", "reshape",
]

_H2D, _D2H, _D2D = _core.cudaMemcpyHostToDevice, _core.cudaMemcpyDeviceToHost, _core.cudaMemcpyDeviceToDevice
_SUPPORTED = frozenset(np.dtype(name) for name in _core.dtypes)
_SUCCESS = _core.cudaError_t(0)  # immutable: every new array's last_status()
# get() puts results of this size and more in recycled, already faulted-in host
# blocks (PyGPU._core._host_array): a fresh array's page faults cost as much as the copy.
_RECYCLED_HOST_BYTES = 1 << 20


class DtypeMismatchError(TypeError, ValueError):
    """Two arrays of different dtypes met where one dtype is needed.

    Notes
    -----
    PyCUDA raises ValueError for this in ``set`` and TypeError in ``get``;
    this exception is both, so code written for either keeps working and one
    kind of failure has one exception type.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.zeros(3, dtype=np.float32)
    >>> try:
    ...     a.set(np.zeros(3, dtype=np.float64))
    ... except ValueError as e:  # also a TypeError
    ...     print(type(e).__name__, "-", e)
    DtypeMismatchError - ary and self must have the same dtype (float64 != float32)
    """


_driver_mem_alloc: Callable[[int], DeviceAllocation] | None = None  # PyGPU.driver.mem_alloc, imported on first use


def _mem_alloc(nbytes: int) -> DeviceAllocation:
    """The default allocator, ``PyGPU.driver.mem_alloc``."""
    global _driver_mem_alloc  # noqa: PLW0603 - a cache for a lazy import
    if _driver_mem_alloc is None:
        from .driver import mem_alloc

        _driver_mem_alloc = mem_alloc
    return _driver_mem_alloc(nbytes)


def _check_dtype(dtype: Any) -> np.dtype[Any]:
    try:
        dt: np.dtype[Any] = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{dtype!r} is not a dtype: {exc}") from None
    if dt not in _SUPPORTED:
        raise TypeError(f"dtype {dt} is not supported by GPUArray (supported: {', '.join(_core.dtypes)})")
    return dt


def _stream_arg(stream: _StreamLike) -> _core.cudaStream_t | int | None:
    if stream is None:
        return None
    from .driver import _stream_handle

    return _stream_handle(stream)


def _needs_kernel(name: str) -> Callable[..., NoReturn]:
    def method(self: GPUArray, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(
            f"GPUArray.{name} needs a device kernel, which PyGPU does not launch yet; copy the data to the "
            "host with get(), or launch your own kernel on the array's ptr")

    method.__name__ = name
    method.__doc__ = f"""Not available: {name} needs a device kernel (raises NotImplementedError).

    Raises
    ------
    NotImplementedError
        Always: PyGPU does not launch kernels yet. Copy the data to the host
        with ``get()``, or launch your own kernel on the array's ``ptr``.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.to_gpu(np.ones(2)).{name}()
    Traceback (most recent call last):
    ...
    NotImplementedError: GPUArray.{name} needs a device kernel, which PyGPU does not launch yet; ...
    """
    return method


class _Flags:
    """``c_contiguous``, ``f_contiguous`` and ``forc`` of a GPUArray."""

    def __init__(self, array: GPUArray) -> None:
        itemsize = array.dtype.itemsize
        self.c_contiguous = _layout.is_c_contiguous(array.shape, array.strides, itemsize)
        self.f_contiguous = _layout.is_f_contiguous(array.shape, array.strides, itemsize)
        self.forc = bool(array._order)

    def __repr__(self) -> str:
        return f"  C_CONTIGUOUS : {self.c_contiguous}\n  F_CONTIGUOUS : {self.f_contiguous}"


class GPUArray:
    """An array in device memory, with PyCUDA's constructor and attributes.

    ``empty(shape, dtype)`` is this class, as in PyCUDA. The contents of a
    new array are uninitialised.

    Parameters
    ----------
    shape : int, numpy integer, 0-d array or iterable of ints
        Elements per axis.
    dtype : numpy dtype or name
        Anything ``numpy.dtype`` accepts that is among ``PyGPU.dtypes``.
    allocator : callable, optional
        ``nbytes -> object with int()`` (default: ``PyGPU.driver.mem_alloc``).
    base : object, optional
        Kept alive as long as this array (views keep their base).
    gpudata : object with int(), optional
        Device memory to adopt instead of allocating.
    strides : sequence of int, optional
        Byte strides; by default C or F contiguous per `order`. When memory is
        allocated for explicit strides, the allocation covers everything they
        reach (PyCUDA allocates ``nbytes`` only, too little for gaps).
    order : {"C", "F"}, optional
        The layout when `strides` is not given (default "C").

    Attributes
    ----------
    shape, strides : tuple of int
        Elements per axis, and byte strides.
    dtype : numpy.dtype
        The element type.
    size, mem_size : int
        The number of elements.
    itemsize, nbytes : int
        Bytes per element, and ``size * itemsize``.
    gpudata : object
        What the allocator returned (or the `gpudata` given); None for an
        empty array.
    base : object
        The object this array is a view of, or None.
    allocator : callable
        The allocator, passed on to copies.

    Raises
    ------
    TypeError
        For an unsupported dtype, a shape that is not ints, or a `gpudata`
        without int().
    ValueError
        For a negative dimension, an invalid `order`, `strides` of the wrong
        length, or `base` without `gpudata`.
    PyGPU.CudaError
        When allocating fails (``cudaErrorMemoryAllocation``).

    Notes
    -----
    PyGPU does not launch kernels yet: arithmetic, comparisons and reductions
    raise NotImplementedError instead of computing on the device.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.arange(6, dtype=np.float32).reshape(2, 3))
    >>> a.shape, a.dtype, a.strides, a.flags.c_contiguous
    ((2, 3), dtype('float32'), (12, 4), True)
    >>> a[:, 1].get()
    array([1., 4.], dtype=float32)
    >>> b = gpuarray.empty((2, 3), np.int32, order="F")
    >>> b.strides, b.nbytes
    ((4, 8), 24)
    """

    __array_priority__ = 100
    # Declared here so that the creation hot path (_setup) can assign them in chains.
    allocator: _Allocator
    gpudata: Any
    base: Any
    _offset: int
    _order: str
    _last_status: _core.cudaError_t
    _host_keeper: _core.DeviceArray

    def __init__(self, shape: _ShapeLike, dtype: npt.DTypeLike, allocator: _Allocator | None = None,
                 base: Any = None, gpudata: SupportsInt | None = None, strides: Iterable[SupportsInt] | None = None,
                 order: str = "C") -> None:  # PyCUDA's signature, positional arguments included
        dtype = _check_dtype(dtype)
        shape = _layout.normalize_shape(shape, dtype.itemsize)
        layout = ""  # "C" or "F" when known contiguous from the arguments
        if strides is None:
            if order == "C":
                strides = _layout.c_strides(shape, dtype.itemsize)
            elif order == "F":
                strides = _layout.f_strides(shape, dtype.itemsize)
            else:
                raise ValueError(f"invalid order: {order!r} (use 'C' or 'F')")
            layout = order
        else:
            strides = _layout.normalize_strides(strides, len(shape))
        if gpudata is None:
            if base is not None:
                raise ValueError("base is only meaningful with gpudata (a view of memory owned by base)")
        elif isinstance(gpudata, (str, bytes, float)) or not hasattr(gpudata, "__int__"):
            raise TypeError(f"gpudata must be an address (an object with int()), got {type(gpudata).__name__}")
        # "C", "F" or "" (neither): decides the single-copy fast paths.
        order = layout or ("C" if _layout.is_c_contiguous(shape, strides, dtype.itemsize)
                           else "F" if _layout.is_f_contiguous(shape, strides, dtype.itemsize) else "")
        self._setup(shape, dtype, strides, order, allocator, gpudata, base)

    def _setup(self, shape: tuple[int, ...], dtype: np.dtype[Any], strides: tuple[int, ...], order: str,
               allocator: _Allocator | None, gpudata: Any, base: Any) -> None:
        """Fill in a new array from checked, normalised arguments (the hot path of every creation).

        `order` is "C" or "F" when `strides` are dense in that order, else "";
        with `gpudata` None, allocates the bytes the strides reach.
        """
        size = 1
        for n in shape:
            size *= n
        itemsize = dtype.itemsize
        self.shape: tuple[int, ...] = shape
        self.dtype: np.dtype[Any] = dtype
        self.strides: tuple[int, ...] = strides
        self.size: int = size
        self.mem_size: int = size
        self.itemsize: int = itemsize
        self.nbytes: int = itemsize * size
        self.allocator = allocator = allocator if allocator is not None else _mem_alloc
        self._offset = 0  # element 0 relative to int(gpudata)
        if gpudata is None:
            low, high = (0, self.nbytes) if order else _layout.span(shape, strides, itemsize)
            gpudata = allocator(high - low) if size else None
            self._offset = -low
        self.gpudata = gpudata
        self.base = base
        self._order = order
        self._host: npt.NDArray[Any] | None = None
        self._last_status = _SUCCESS

    # --- metadata -------------------------------------------------------------
    @property
    def ptr(self) -> int:
        """The device address of element 0 (0 for an empty array).

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.zeros(4, dtype=np.float32)
        >>> a[1:].ptr - a.ptr
        4
        >>> gpuarray.empty(0, np.float32).ptr
        0
        """
        return int(self.gpudata) + self._offset if self.gpudata is not None else 0

    @property
    def ndim(self) -> int:
        """The number of axes.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.zeros((2, 3), dtype=np.float32).ndim
        2
        """
        return len(self.shape)

    @property
    def flags(self) -> _Flags:
        """``c_contiguous``, ``f_contiguous`` and ``forc`` (either), as numpy's flags.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> f = gpuarray.zeros((2, 3), dtype=np.float32)[:, ::2].flags
        >>> f.c_contiguous, f.f_contiguous, f.forc
        (False, False, False)
        >>> gpuarray.zeros((2, 3), dtype=np.float32, order="F").flags.f_contiguous
        True
        """
        return _Flags(self)

    @property
    def T(self) -> GPUArray:
        """The transpose, a view (``transpose()``).

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.to_gpu(np.arange(6, dtype=np.int32).reshape(2, 3))
        >>> a.T.shape, a.T.strides
        ((3, 2), (4, 12))
        >>> a.T.get()
        array([[0, 3],
               [1, 4],
               [2, 5]], dtype=int32)
        """
        return self.transpose()

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        """CUDA Array Interface, version 3, read-write, explicit strides.

        ``stream`` is 1 (the legacy default stream): PyGPU's synchronous
        copies are ordered on it and may still be in flight (a host-to-device
        copy from pageable memory returns once the data is staged), so a
        consumer on another stream must wait for the legacy stream first, as
        the interface prescribes. Work you queued yourself on other streams
        must be synchronised by you before handing the array over.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.zeros((2, 3), dtype=np.float32)
        >>> cai = a.__cuda_array_interface__
        >>> cai["shape"], cai["strides"], cai["typestr"], cai["data"] == (a.ptr, False)
        ((2, 3), (12, 4), '<f4', True)
        """
        return {"shape": self.shape, "strides": self.strides, "data": (self.ptr, False),
                "typestr": self.dtype.str, "stream": 1, "version": 3}

    def __dlpack__(self, *, stream: _core.cudaStream_t | int | None = None,
                   max_version: tuple[int, int] | None = None, dl_device: tuple[int, int] | None = None,
                   copy: bool | None = None) -> CapsuleType:
        """Export as a DLPack capsule (zero-copy; the capsule keeps this array alive).

        The keywords are the array API standard's; see
        ``PyGPU._dlpack.to_capsule`` for what each accepts and raises.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.to_gpu(np.arange(3, dtype=np.float32))
        >>> gpuarray.from_dlpack(a.__dlpack__(max_version=(1, 0))).get()
        array([0., 1., 2.], dtype=float32)
        """
        from . import _dlpack

        return _dlpack.to_capsule(self, stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self) -> tuple[int, int]:
        """(device type, device id): CUDA (2) on the cuda and sim backends, ROCm (10) on hip.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.zeros(2, dtype=np.float32).__dlpack_device__()  # on the sim backend, device 0
        (<DLDeviceType.kDLCUDA: 2>, 0)
        """
        from . import _dlpack

        return _dlpack.device(self)

    def _view(self, shape: tuple[int, ...], strides: tuple[int, ...], offset: int = 0,
              dtype: np.dtype[Any] | None = None) -> GPUArray:
        return GPUArray(shape, self.dtype if dtype is None else dtype, allocator=self.allocator, base=self,
                        gpudata=self.ptr + offset, strides=strides)

    def _address(self) -> Any:
        """Element 0 as the copy calls take it fastest, and checked.

        The allocation's pointer object (``driver.DeviceAllocation._ptr``) when
        the array starts at its base: no ``int()`` round trip through Python,
        and a freed allocation is refused by its liveness token; else ``ptr``.
        """
        if self._offset == 0:
            pointer = getattr(self.gpudata, "_ptr", None)
            if pointer is not None:
                return pointer
        return self.ptr

    def _device_view(self) -> _copy.View:
        return _copy.View(self.ptr, self.shape, self.strides)

    # --- data movement --------------------------------------------------------
    def set(self, ary: npt.ArrayLike, async_: bool = False, stream: _StreamLike = None) -> None:
        """Copy a host array into this array (any strides on either side).

        Parameters
        ----------
        ary : array_like
            The data, of this array's size and dtype (``numpy.asarray`` is
            applied first).
        async_ : bool, optional
            Queue the copy on `stream` (the legacy default stream when None).
        stream : PyGPU.driver.Stream, cudaStream_t or int, optional
            The stream to queue the copy on; implies `async_`.

        Raises
        ------
        ValueError
            When the sizes differ.
        DtypeMismatchError
            When the dtypes differ (a ValueError, as PyCUDA raises here).
        PyGPU.CudaError
            When the copy fails.

        Warns
        -----
        UserWarning
            When the shapes differ but the sizes match (`ary` is reshaped),
            as PyCUDA.

        Notes
        -----
        PyCUDA copies only contiguous arrays (or two discontiguous axes);
        any strides on either side work here. An asynchronous copy from
        pageable memory completes its staging before returning.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.empty((2, 2), np.float32)
        >>> a.set(np.array([[1, 2], [3, 4]], dtype=np.float32))
        >>> a.get()
        array([[1., 2.],
               [3., 4.]], dtype=float32)
        >>> a.set(np.zeros(3, dtype=np.float32))
        Traceback (most recent call last):
        ...
        ValueError: ary and self must be the same size
        """
        ary = np.asarray(ary)
        if ary.size != self.size:
            raise ValueError("ary and self must be the same size")
        if ary.shape != self.shape:
            warnings.warn("Setting array from one with different shape.", stacklevel=2)
            ary = ary.reshape(self.shape)
        if ary.dtype != self.dtype:
            raise DtypeMismatchError(f"ary and self must have the same dtype ({ary.dtype} != {self.dtype})")
        if self.size == 0:
            return
        s = _stream_arg(stream) if (async_ or stream is not None) else None
        if self._order and _host_order(ary, self._order):  # one copy of the whole block
            _check(_core.cudaMemcpy(self._address(), ary, self.nbytes, _H2D) if s is None
                   else _core.cudaMemcpyAsync(self._address(), ary, self.nbytes, _H2D, s))
            self._host = ary
            return
        broadcast = any(st == 0 and n > 1 for n, st in zip(ary.shape, ary.strides))
        if broadcast or not _copy.same_layout(ary.shape, ary.strides, self.shape, self.strides):
            staged = _copy.host_like(self.shape, self.strides, self.dtype)
            staged[...] = ary
            ary = staged
        _copy.copy(self._device_view(), _copy.host_view(ary), self.itemsize, _H2D, s)
        self._host = ary

    def set_async(self, ary: npt.ArrayLike, stream: _StreamLike = None) -> None:
        """``set(ary, async_=True, stream=stream)``.

        Parameters
        ----------
        ary : array_like
            The data, of this array's size and dtype.
        stream : PyGPU.driver.Stream, cudaStream_t or int, optional
            The stream to queue the copy on (None: the legacy default stream).

        Raises
        ------
        ValueError, DtypeMismatchError, PyGPU.CudaError
            As :meth:`set`.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray, PyGPU.driver as cuda
        >>> s = cuda.Stream()
        >>> a = gpuarray.empty(3, np.int32)
        >>> a.set_async(np.arange(3, dtype=np.int32), stream=s)
        >>> s.synchronize()
        >>> a.get()
        array([0, 1, 2], dtype=int32)
        """
        self.set(ary, async_=True, stream=stream)

    def get(self, ary: npt.NDArray[Any] | None = None, pagelocked: bool = False, async_: bool = False,
            stream: _StreamLike = None) -> npt.NDArray[Any]:
        """Copy this array to the host and return the host array.

        The result keeps this array's axis order (as PyCUDA). With `ary`, a
        size mismatch is a ValueError, a dtype mismatch a DtypeMismatchError
        (a TypeError, as PyCUDA raises here). ``pagelocked=True`` returns
        pinned memory. With `async_`/`stream` the copy is stream-ordered: into
        pinned memory it is then truly asynchronous (synchronise the stream
        before reading), into pageable memory it completes before returning.

        Parameters
        ----------
        ary : numpy.ndarray, optional
            A writable host array of this array's size and dtype to copy
            into (any strides); a new one is made when None.
        pagelocked : bool, optional
            Make the new host array in pinned memory.
        async_ : bool, optional
            Queue the copy on `stream` (the legacy default stream when None).
        stream : PyGPU.driver.Stream, cudaStream_t or int, optional
            The stream to queue the copy on; implies `async_`.

        Returns
        -------
        numpy.ndarray
            `ary`, or the new host array.

        Raises
        ------
        TypeError
            When `ary` is not a numpy array.
        ValueError
            When the sizes differ or `ary` is read-only.
        DtypeMismatchError
            When the dtypes differ (a TypeError, as PyCUDA raises here).
        PyGPU.CudaError
            When the copy fails.

        Warns
        -----
        DeprecationWarning
            When the shapes differ but the sizes match, as PyCUDA.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.to_gpu(np.arange(4, dtype=np.float32))
        >>> a.get()
        array([0., 1., 2., 3.], dtype=float32)
        >>> out = np.empty(4, dtype=np.float32)
        >>> a[::-1].get(out) is out, out
        (True, array([3., 2., 1., 0.], dtype=float32))
        >>> a.get(np.empty(4, dtype=np.int32))
        Traceback (most recent call last):
        ...
        PyGPU.gpuarray.DtypeMismatchError: self and ary must have the same dtype (int32 != float32)
        """
        if ary is None:
            if self._order and not pagelocked:
                ary = (np.empty(self.shape, self.dtype, order=self._order)  # type: ignore[call-overload]
                       if self.nbytes < _RECYCLED_HOST_BYTES
                       else _core._host_array(self.dtype, self.shape, self.strides, self.nbytes))
            else:
                ary = _copy.host_like(self.shape, self.strides, self.dtype, pagelocked=pagelocked)
        else:
            if not isinstance(ary, np.ndarray):
                raise TypeError(f"ary must be a numpy.ndarray, got {type(ary).__name__}")
            if ary.size != self.size:
                raise ValueError("self and ary must be the same size")
            if ary.shape != self.shape:
                warnings.warn("get() between arrays of different shape is deprecated", DeprecationWarning,
                              stacklevel=2)
                ary = ary.reshape(self.shape)
            if ary.dtype != self.dtype:
                raise DtypeMismatchError(f"self and ary must have the same dtype ({ary.dtype} != {self.dtype})")
            if not ary.flags.writeable:
                raise ValueError("ary is read-only")
        if self.size == 0:
            return ary
        s = _stream_arg(stream) if (async_ or stream is not None) else None
        if self._order and _host_order(ary, self._order):  # one copy of the whole block
            _check(_core.cudaMemcpy(ary, self._address(), self.nbytes, _D2H) if s is None
                   else _core.cudaMemcpyAsync(ary, self._address(), self.nbytes, _D2H, s))
        elif _copy.same_layout(ary.shape, ary.strides, self.shape, self.strides):
            _copy.copy(_copy.host_view(ary), self._device_view(), self.itemsize, _D2H, s)
        else:
            staged = _copy.host_like(self.shape, self.strides, self.dtype)
            _copy.copy(_copy.host_view(staged), self._device_view(), self.itemsize, _D2H, s)
            ary[...] = staged
        self._host = ary
        return ary

    def get_async(self, stream: _StreamLike = None, ary: npt.NDArray[Any] | None = None) -> npt.NDArray[Any]:
        """``get(ary, async_=True, stream=stream)``.

        Parameters
        ----------
        stream : PyGPU.driver.Stream, cudaStream_t or int, optional
            The stream to queue the copy on (None: the legacy default stream).
        ary : numpy.ndarray, optional
            The host array to copy into; a new one is made when None.

        Returns
        -------
        numpy.ndarray
            Complete only once `stream` is synchronised when it is pinned.

        Raises
        ------
        TypeError, ValueError, DtypeMismatchError, PyGPU.CudaError
            As :meth:`get`.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray, PyGPU.driver as cuda
        >>> s = cuda.Stream()
        >>> host = gpuarray.to_gpu(np.arange(3, dtype=np.int64)).get_async(stream=s)
        >>> s.synchronize()
        >>> host
        array([0, 1, 2])
        """
        return self.get(ary=ary, async_=True, stream=stream)

    def _copy_from(self, src: GPUArray, stream: _StreamLike = None) -> None:
        """Device-to-device copy of a same-shape, same-dtype array."""
        if src.shape != self.shape:
            raise ValueError(f"shape mismatch: {src.shape} into {self.shape}")
        if src.dtype != self.dtype:
            raise DtypeMismatchError(f"dtype mismatch: {src.dtype} into {self.dtype}")
        if self.size == 0:
            return
        s = _stream_arg(stream)
        if self._overlaps(src):  # copies between overlapping areas are undefined: copy the source first
            src = src.copy(stream=stream)
        if _copy.same_layout(src.shape, src.strides, self.shape, self.strides):
            _copy.copy(self._device_view(), src._device_view(), self.itemsize, _D2D, s)
        else:  # no kernel to transpose on the device: stage through the host
            self.set(src.get(stream=s), stream=s)

    def _overlaps(self, other: GPUArray) -> bool:
        a_low, a_high = _layout.span(self.shape, self.strides, self.itemsize)
        b_low, b_high = _layout.span(other.shape, other.strides, other.itemsize)
        return self.ptr + a_low < other.ptr + b_high and other.ptr + b_low < self.ptr + a_high

    def copy(self, stream: _StreamLike = None) -> GPUArray:
        """A new array with the same strides (allocating what they reach) and contents.

        Parameters
        ----------
        stream : PyGPU.driver.Stream, cudaStream_t or int, optional
            The stream to queue the device-to-device copy on.

        Returns
        -------
        GPUArray
            A new array of the same shape, dtype, strides and allocator.

        Raises
        ------
        PyGPU.CudaError
            When allocating or copying fails.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.to_gpu(np.arange(3, dtype=np.int16))
        >>> b = a.copy()
        >>> b.ptr != a.ptr, b.get()
        (True, array([0, 1, 2], dtype=int16))
        """
        new = GPUArray(self.shape, self.dtype, self.allocator, strides=self.strides)
        new._copy_from(self, stream=stream)
        return new

    def fill(self, value: Any, stream: _StreamLike = None) -> GPUArray:
        """Set every element to `value` (numpy's conversion rules) and return self.

        Uses cudaMemset when all bytes of the value are equal (zero, for
        example) and the array is contiguous, a staged copy otherwise; works
        for every dtype on every backend without a device kernel.

        Parameters
        ----------
        value : scalar
            Converted to this array's dtype as ``numpy.array(value, dtype)``.
        stream : PyGPU.driver.Stream, cudaStream_t or int, optional
            The stream to queue the fill on.

        Returns
        -------
        GPUArray
            self.

        Raises
        ------
        TypeError, ValueError, OverflowError
            When numpy cannot convert `value` to the dtype.
        PyGPU.CudaError
            When the runtime call fails.

        Notes
        -----
        PyCUDA's ``fill`` launches a kernel; PyGPU needs none.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.empty(3, np.float64).fill(2.5).get()
        array([2.5, 2.5, 2.5])
        >>> gpuarray.zeros((2, 4), np.int32)[:, ::2].fill(7).base.get()
        array([[7, 0, 7, 0],
               [7, 0, 7, 0]], dtype=int32)
        """
        scalar = np.array(value, dtype=self.dtype)
        if self.size == 0:
            return self
        raw = scalar.tobytes()
        s = _stream_arg(stream)
        if self.flags.forc and raw == raw[:1] * len(raw):
            err = (_core.cudaMemset(self.ptr, raw[0], self.nbytes) if s is None
                   else _core.cudaMemsetAsync(self.ptr, raw[0], self.nbytes, s))
            if err:
                err.check()
        else:
            staged = _copy.host_like(self.shape, self.strides, self.dtype)
            staged.fill(scalar)
            _copy.copy(self._device_view(), _copy.host_view(staged), self.itemsize, _H2D, s)
        return self

    # --- the original PyGPU extras --------------------------------------------
    def allocate(self) -> _core.cudaError_t:
        """Original PyGPU API: the device side exists from construction, so success.

        Returns
        -------
        cudaError_t
            Always ``cudaSuccess``.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.empty(2, np.float32).allocate()
        <cudaError_t: code=0 cudaSuccess>
        """
        return _core.cudaError_t(0)

    def _status(self, fn: Callable[[], object]) -> _core.cudaError_t:
        try:
            fn()
            self._last_status = _core.cudaError_t(0)
        except _core_error() as exc:
            self._last_status = _core.cudaError_t(exc.code)
        return self._last_status

    def to_device(self) -> _core.cudaError_t:
        """Original PyGPU API: copy the associated host array (from to_gpu, set or get) to the device.

        Returns
        -------
        cudaError_t
            The status, also kept for :meth:`last_status`:
            ``cudaErrorInvalidValue`` when there is no associated host array.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> host = np.zeros(3, dtype=np.float32)
        >>> a = gpuarray.to_gpu(host)
        >>> host[:] = 7
        >>> a.to_device()
        <cudaError_t: code=0 cudaSuccess>
        >>> a.get()
        array([7., 7., 7.], dtype=float32)
        >>> gpuarray.empty(3, np.float32).to_device()
        <cudaError_t: code=1 cudaErrorInvalidValue>
        """
        host = self._host
        if host is None:
            self._last_status = _core.cudaError_t(_core.cudaErrorInvalidValue)
            return self._last_status
        return self._status(lambda: self.set(host))

    def to_host(self) -> _core.cudaError_t:
        """Original PyGPU API: copy the device data into the associated host array (made on first use).

        Returns
        -------
        cudaError_t
            The status, also kept for :meth:`last_status`.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> host = np.zeros(2, dtype=np.int32)
        >>> a = gpuarray.to_gpu(host)
        >>> a.fill(5).to_host()
        <cudaError_t: code=0 cudaSuccess>
        >>> host
        array([5, 5], dtype=int32)
        """
        return self._status(lambda: self.get(ary=self._host))

    def host_data(self) -> _core.pointer_wrapper_void:
        """Original PyGPU API: a safe pointer wrapper to the associated host array (contiguous only).

        Returns
        -------
        pointer_wrapper_<dtype>
            Bounds-checked element access to the host array, valid while
            this array lives.

        Raises
        ------
        ValueError
            When the associated host array is not contiguous.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.to_gpu(np.array([1, 2, 3], dtype=np.int32))
        >>> p = a.host_data()
        >>> int(p[2]), p.count()
        (3, 3)
        """
        if self._host is None:
            self.to_host()
        keeper: _core.DeviceArray = getattr(_core, f"DeviceArray_{self.dtype.name}")(self._host)
        self._host_keeper = keeper  # the wrapper stays valid while this array lives
        return keeper.host_data()

    def device_data(self) -> _core.pointer_wrapper_void:
        """Original PyGPU API: an (unsafe) pointer wrapper to element 0 on the device.

        Returns
        -------
        pointer_wrapper_<dtype>
            The typed device pointer (no bounds, and no lifetime: keep this
            array alive while using it).

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.zeros(4, np.float32)
        >>> int(a.device_data()) == a.ptr, int(a[1:].device_data()) == a.ptr + 4
        (True, True)
        """
        pointer = getattr(self.gpudata, "_ptr", None)  # driver.DeviceAllocation keeps its pointer object
        cls: type[_core.pointer_wrapper_void] = getattr(_core, f"pointer_wrapper_{self.dtype.name}")
        if pointer is not None and self._offset == 0:
            return cls(pointer)
        return cls(self.ptr)

    def last_status(self) -> _core.cudaError_t:
        """Original PyGPU API: the status of the last to_device()/to_host().

        Returns
        -------
        cudaError_t
            ``cudaSuccess`` for a new array.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.empty(2, np.float32)
        >>> a.last_status()
        <cudaError_t: code=0 cudaSuccess>
        >>> a.to_device().name, a.last_status().name
        ('cudaErrorInvalidValue', 'cudaErrorInvalidValue')
        """
        return self._last_status

    # --- views ----------------------------------------------------------------
    def __getitem__(self, index: Any) -> GPUArray:
        """A view (never a copy) for ints, slices (any step), Ellipsis and newaxis.

        Unlike PyCUDA, ``a[5:2]`` is empty and negative steps work.
        """
        shape, strides, offset = _layout.parse_index(self.shape, self.strides, index)
        return self._view(shape, strides, offset)

    def __setitem__(self, index: Any, value: GPUArray | npt.NDArray[Any] | complex | np.generic) -> None:
        """Assign a GPUArray (device to device), an ndarray (host to device) or a scalar."""
        target = self[index]
        if isinstance(value, GPUArray):
            target._copy_from(value)
        elif isinstance(value, np.ndarray):
            if value.shape != target.shape:
                raise ValueError(f"cannot assign an array of shape {value.shape} to a view of shape {target.shape}")
            target.set(value)
        elif np.isscalar(value) or (isinstance(value, np.generic)):
            target.fill(value)
        else:
            raise TypeError(f"cannot assign a {type(value).__name__} to a GPUArray (use a GPUArray, an ndarray "
                            "or a scalar)")

    def reshape(self, *shape: Any, order: str = "C") -> GPUArray:
        """A view with a new shape (one dimension may be -1); copies only when no view can do it.

        Parameters
        ----------
        *shape : ints, or one iterable of ints
            The new shape, ``a.reshape(2, 3)`` or ``a.reshape((2, 3))``; one
            dimension may be -1 (inferred).
        order : {"C", "F"}, optional
            Read and place the elements in C (row-major) or F order.

        Returns
        -------
        GPUArray
            A view of this array when it is contiguous in `order`, else a
            view of a contiguous copy.

        Raises
        ------
        TypeError
            When the shape is not ints.
        ValueError
            When the sizes differ, more than one dimension is -1, or `order`
            is invalid.

        Notes
        -----
        PyCUDA refuses to reshape a non-contiguous array; PyGPU copies it.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.to_gpu(np.arange(6, dtype=np.int32))
        >>> b = a.reshape(2, -1)
        >>> b.shape, b.base is a
        ((2, 3), True)
        >>> a.reshape((3, 2), order="F").get()
        array([[0, 3],
               [1, 4],
               [2, 5]], dtype=int32)
        """
        if len(shape) == 1 and not isinstance(shape[0], (numbers.Integral, np.integer)):
            shape = shape[0]
        if isinstance(shape, (numbers.Integral, np.integer)):
            shape = (shape,)
        try:
            shape = tuple(operator.index(n) for n in shape)
        except TypeError:
            raise TypeError(f"shape must hold ints, got {shape!r}") from None
        if order not in ("C", "F"):
            raise ValueError(f"invalid order: {order!r}")
        if shape.count(-1) > 1:
            raise ValueError("can only specify one unknown dimension")
        if -1 in shape:
            known = 1
            for n in shape:
                if n != -1:
                    known *= n
            if known == 0 or self.size % known:
                raise ValueError(f"cannot reshape array of size {self.size} into shape {shape}")
            shape = tuple(self.size // known if n == -1 else n for n in shape)
        shape = _layout.normalize_shape(shape)
        size = 1
        for n in shape:
            size *= n
        if size != self.size:
            raise ValueError(f"cannot reshape array of size {self.size} into shape {shape}")
        contiguous = self.flags.c_contiguous if order == "C" else self.flags.f_contiguous
        source = self if contiguous else self._copy_to_order(order)
        make = _layout.c_strides if order == "C" else _layout.f_strides
        return source._view(shape, make(shape, self.itemsize))

    def _copy_to_order(self, order: str) -> GPUArray:
        new = GPUArray(self.shape, self.dtype, self.allocator, order=order)
        new._copy_from(self)
        return new

    def ravel(self) -> GPUArray:
        """A 1-D view (a copy when the array is not C-contiguous).

        Returns
        -------
        GPUArray
            Of shape ``(size,)``, in C order.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.to_gpu(np.arange(4, dtype=np.int32).reshape(2, 2))
        >>> a.ravel().get(), a.T.ravel().get()
        (array([0, 1, 2, 3], dtype=int32), array([0, 2, 1, 3], dtype=int32))
        """
        return self.reshape(self.size)

    def view(self, dtype: npt.DTypeLike | None = None) -> GPUArray:
        """The same memory seen as another dtype (the last axis must be contiguous when sizes differ).

        Parameters
        ----------
        dtype : numpy dtype or name, optional
            The new element type (one of ``PyGPU.dtypes``); None keeps it.

        Returns
        -------
        GPUArray
            A view; the last axis is scaled when the item sizes differ.

        Raises
        ------
        TypeError
            For an unsupported dtype.
        ValueError
            When the item sizes differ and the last axis is not contiguous or
            not a multiple of the new item size.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.to_gpu(np.array([1.0, 2.0], dtype=np.float32))
        >>> a.view(np.uint32).get()
        array([1065353216, 1073741824], dtype=uint32)
        >>> a.view(np.uint16).shape
        (4,)
        """
        if dtype is None:
            return self._view(self.shape, self.strides)
        dtype = _check_dtype(dtype)
        old, new = self.itemsize, dtype.itemsize
        if old == new:
            return self._view(self.shape, self.strides, dtype=dtype)
        if self.ndim == 0 or self.strides[-1] != old:
            raise ValueError("changing the itemsize needs a last axis that is contiguous")
        if (self.shape[-1] * old) % new:
            raise ValueError(f"the last axis ({self.shape[-1] * old} bytes) is not a multiple of {new} bytes")
        shape = (*self.shape[:-1], self.shape[-1] * old // new)
        return self._view(shape, (*self.strides[:-1], new), dtype=dtype)

    def squeeze(self) -> GPUArray:
        """A view without the axes of length 1 (PyCUDA also drops length-0 axes; PyGPU keeps them).

        Returns
        -------
        GPUArray

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.zeros((1, 3, 1), np.float32).squeeze().shape
        (3,)
        >>> gpuarray.zeros((1, 0), np.float32).squeeze().shape
        (0,)
        """
        keep = [i for i, n in enumerate(self.shape) if n != 1]
        return self._view(tuple(self.shape[i] for i in keep), tuple(self.strides[i] for i in keep))

    def transpose(self, axes: Iterable[SupportsIndex] | None = None) -> GPUArray:
        """A view with the axes permuted (reversed by default).

        Parameters
        ----------
        axes : iterable of int, optional
            A permutation of the axes (negative ones count from the end).

        Returns
        -------
        GPUArray
            A view; no data moves.

        Raises
        ------
        ValueError
            When `axes` is not a permutation of the axes.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.zeros((2, 3, 4), np.float32)
        >>> a.transpose().shape, a.transpose((1, 0, 2)).shape, a.transpose((1, 0, 2)).strides
        ((4, 3, 2), (3, 2, 4), (16, 48, 4))
        """
        if axes is None:
            axes = tuple(range(self.ndim - 1, -1, -1))
        axes = tuple(operator.index(a) for a in axes)
        if any(not -self.ndim <= a < self.ndim for a in axes):
            raise ValueError(f"axes {axes} are out of bounds for {self.ndim} dimension(s)")
        axes = tuple(a % self.ndim for a in axes)
        if sorted(axes) != list(range(self.ndim)):
            raise ValueError(f"axes {axes} are not a permutation of the {self.ndim} axes")
        return self._view(tuple(self.shape[a] for a in axes), tuple(self.strides[a] for a in axes))

    # --- Python protocol ------------------------------------------------------
    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __bool__(self) -> bool:
        if self.size == 1:
            return bool(self.get())
        raise ValueError("The truth value of an array with more than one element is ambiguous. "
                         "Use a.any() or a.all()")

    def __hash__(self) -> NoReturn:
        raise TypeError("GPUArrays are not hashable.")

    def __repr__(self) -> str:
        return repr(self.get())

    def __str__(self) -> str:
        return str(self.get())

    def __reduce__(self) -> tuple[Callable[..., GPUArray], tuple[npt.NDArray[Any]]]:
        return (to_gpu, (self.get(),))

    def astype(self, dtype: npt.DTypeLike, stream: _StreamLike = None) -> GPUArray:
        """A copy; converting to another dtype needs a device kernel (NotImplementedError).

        Parameters
        ----------
        dtype : numpy dtype or name
            Must be this array's dtype.
        stream : PyGPU.driver.Stream, cudaStream_t or int, optional
            The stream to queue the copy on.

        Returns
        -------
        GPUArray
            A copy.

        Raises
        ------
        NotImplementedError
            For another dtype: convert on the host instead.
        TypeError
            For an unsupported dtype.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.to_gpu(np.arange(3, dtype=np.int32))
        >>> a.astype(np.int32).get()
        array([0, 1, 2], dtype=int32)
        >>> gpuarray.to_gpu(a.get().astype(np.float64)).get()  # another dtype: convert on the host
        array([0., 1., 2.])
        """
        if _check_dtype(dtype) == self.dtype:
            return self.copy(stream=stream)
        raise NotImplementedError("GPUArray.astype to another dtype needs a device kernel, which PyGPU does not "
                                  "launch yet; convert on the host: to_gpu(a.get().astype(dtype))")

    @property
    def real(self) -> GPUArray:
        """The real part: this array itself for real dtypes; complex ones need a kernel (NotImplementedError).

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.zeros(2, np.float32)
        >>> a.real is a
        True
        """
        if self.dtype.kind != "c":
            return self
        return _needs_kernel("real")(self)

    @property
    def imag(self) -> GPUArray:
        """The imaginary part: zeros for real dtypes; complex ones need a kernel (NotImplementedError).

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.ones(2, np.float32).imag.get()
        array([0., 0.], dtype=float32)
        """
        if self.dtype.kind != "c":
            return zeros_like(self)
        return _needs_kernel("imag")(self)

    def conj(self, out: GPUArray | None = None) -> GPUArray:
        """The conjugate: `self` for real dtypes (as PyCUDA); complex ones need a kernel.

        Parameters
        ----------
        out : GPUArray, optional
            Accepted for PyCUDA compatibility; unused for real dtypes.

        Returns
        -------
        GPUArray
            self, for a real dtype.

        Raises
        ------
        NotImplementedError
            For a complex dtype.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.ones(2, np.float64)
        >>> a.conj() is a
        True
        >>> gpuarray.ones(2, np.complex64).conj()
        Traceback (most recent call last):
        ...
        NotImplementedError: GPUArray.conj needs a device kernel, ...
        """
        if self.dtype.kind != "c":
            return self
        return _needs_kernel("conj")(self)

    conjugate = conj

    for _name in ("__add__", "__radd__", "__iadd__", "__sub__", "__rsub__", "__isub__", "__mul__", "__rmul__",
                  "__imul__", "__truediv__", "__rtruediv__", "__itruediv__", "__floordiv__", "__rfloordiv__",
                  "__mod__", "__pow__", "__rpow__", "__neg__", "__abs__", "__eq__", "__ne__", "__lt__", "__le__",
                  "__gt__", "__ge__", "__and__", "__or__", "__xor__", "__invert__", "mul_add", "dot", "sum", "max",
                  "min", "any", "all", "reverse", "bind_to_texref", "bind_to_texref_ext"):
        locals()[_name] = _needs_kernel(_name)
    del _name


def _host_order(ary: npt.NDArray[Any], order: str) -> bool:
    """Whether `ary` is dense in `order` ("C" or "F"), so one plain copy moves it."""
    return ary.flags.c_contiguous if order == "C" else ary.flags.f_contiguous


def _check(err: _core.cudaError_t) -> None:
    if err:
        err.check()


def _core_error() -> type[CudaError]:
    from ._errors import CudaError

    return CudaError


# --- creation ------------------------------------------------------------------

def to_gpu(ary: npt.ArrayLike, allocator: _Allocator | None = None) -> GPUArray:
    """A GPUArray holding a copy of `ary`, with its layout (C stays C, F stays F).

    Parameters
    ----------
    ary : array_like
        The host data (``numpy.asarray`` is applied); its dtype must be one
        of ``PyGPU.dtypes``.
    allocator : callable, optional
        ``nbytes -> object with int()`` (default: ``PyGPU.driver.mem_alloc``).

    Returns
    -------
    GPUArray
        Dense, with the axis order of `ary` (a strided or reversed view is
        copied dense); `ary` becomes its associated host array.

    Raises
    ------
    TypeError
        For an unsupported dtype.
    PyGPU.CudaError
        When allocating or copying fails.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.to_gpu(np.eye(2)).get()
    array([[1., 0.],
           [0., 1.]])
    >>> f = gpuarray.to_gpu(np.asfortranarray(np.ones((2, 3), np.float32)))
    >>> f.flags.f_contiguous, f.strides
    (True, (4, 8))
    >>> gpuarray.to_gpu(np.arange(10, dtype=np.int64)[::3]).get()
    array([0, 3, 6, 9])
    """
    ary = np.asarray(ary)
    dtype = ary.dtype
    order = "C" if ary.flags.c_contiguous else "F" if ary.flags.f_contiguous else ""
    if order and dtype in _SUPPORTED:  # the hot path: one allocation, one copy
        result = GPUArray.__new__(GPUArray)
        strides = (_layout.c_strides if order == "C" else _layout.f_strides)(ary.shape, dtype.itemsize)
        result._setup(ary.shape, dtype, strides, order, allocator, None, None)
        if result.size:
            _check(_core.cudaMemcpy(result._address(), ary, result.nbytes, _H2D))
        result._host = ary
        return result
    result = GPUArray(ary.shape, ary.dtype, allocator,
                      strides=_layout.compact_strides(ary.shape, ary.strides, ary.itemsize))
    result.set(ary)
    return result


def to_gpu_async(ary: npt.ArrayLike, allocator: _Allocator | None = None, stream: _StreamLike = None) -> GPUArray:
    """``to_gpu`` with the copy queued on `stream`.

    Parameters
    ----------
    ary : array_like
        The host data; keep it unchanged until the stream has copied it.
    allocator : callable, optional
        ``nbytes -> object with int()`` (default: ``PyGPU.driver.mem_alloc``).
    stream : PyGPU.driver.Stream, cudaStream_t or int, optional
        The stream to queue the copy on (None: the legacy default stream).

    Returns
    -------
    GPUArray

    Raises
    ------
    TypeError
        For an unsupported dtype.
    PyGPU.CudaError
        When allocating or copying fails.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray, PyGPU.driver as cuda
    >>> s = cuda.Stream()
    >>> a = gpuarray.to_gpu_async(np.arange(3, dtype=np.float32), stream=s)
    >>> s.synchronize()
    >>> a.get()
    array([0., 1., 2.], dtype=float32)
    """
    ary = np.asarray(ary)
    result = GPUArray(ary.shape, ary.dtype, allocator,
                      strides=_layout.compact_strides(ary.shape, ary.strides, ary.itemsize))
    result.set_async(ary, stream)
    return result


empty = GPUArray


def zeros(shape: _ShapeLike, dtype: npt.DTypeLike = np.float64, allocator: _Allocator | None = None,
          order: str = "C") -> GPUArray:
    """A new array of zeros (dtype float64 by default, as PyCUDA).

    Parameters
    ----------
    shape : int or iterable of ints
        Elements per axis.
    dtype : numpy dtype or name, optional
        One of ``PyGPU.dtypes`` (default float64).
    allocator : callable, optional
        ``nbytes -> object with int()`` (default: ``PyGPU.driver.mem_alloc``).
    order : {"C", "F"}, optional
        The layout.

    Returns
    -------
    GPUArray

    Raises
    ------
    TypeError, ValueError, PyGPU.CudaError
        As :class:`GPUArray`.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.zeros((2, 2)).get()
    array([[0., 0.],
           [0., 0.]])
    >>> gpuarray.zeros(3, np.int8).get()
    array([0, 0, 0], dtype=int8)
    """
    return GPUArray(shape, dtype, allocator, order=order).fill(0)


def ones(shape: _ShapeLike, dtype: npt.DTypeLike = np.float64, allocator: _Allocator | None = None,
         order: str = "C") -> GPUArray:
    """A new array of ones (dtype float64 by default, as PyCUDA).

    Parameters
    ----------
    shape : int or iterable of ints
        Elements per axis.
    dtype : numpy dtype or name, optional
        One of ``PyGPU.dtypes`` (default float64).
    allocator : callable, optional
        ``nbytes -> object with int()`` (default: ``PyGPU.driver.mem_alloc``).
    order : {"C", "F"}, optional
        The layout.

    Returns
    -------
    GPUArray

    Raises
    ------
    TypeError, ValueError, PyGPU.CudaError
        As :class:`GPUArray`.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.ones((2, 3), np.complex64, order="F").get()
    array([[1.+0.j, 1.+0.j, 1.+0.j],
           [1.+0.j, 1.+0.j, 1.+0.j]], dtype=complex64)
    """
    return GPUArray(shape, dtype, allocator, order=order).fill(1)


def _like(other: GPUArray, dtype: npt.DTypeLike | None, order: str) -> GPUArray:
    dtype = other.dtype if dtype is None else _check_dtype(dtype)
    strides: tuple[int, ...] | None = None
    if order == "A":
        order = "F" if other.flags.f_contiguous and not other.flags.c_contiguous else "C"
    elif order == "K":
        if other.flags.c_contiguous or other.ndim <= 1:
            order = "C"
        elif other.flags.f_contiguous:
            order = "F"
        else:  # keep the axis order, dense and with positive strides
            strides = _layout.compact_strides(other.shape, other.strides, dtype.itemsize)
    elif order not in ("C", "F"):
        raise ValueError(f"invalid order: {order!r} (use 'A', 'K', 'C' or 'F')")
    return GPUArray(other.shape, dtype, other.allocator, order=order if strides is None else "C", strides=strides)


def empty_like(other_ary: GPUArray, dtype: npt.DTypeLike | None = None, order: str = "K") -> GPUArray:
    """An uninitialised array like `other_ary` (numpy's order rules).

    Parameters
    ----------
    other_ary : GPUArray
        Gives the shape, the dtype (unless `dtype` is given) and the allocator.
    dtype : numpy dtype or name, optional
        Another element type.
    order : {"K", "A", "C", "F"}, optional
        "K" keeps the axis order of `other_ary` (dense, positive strides), "A"
        is F when `other_ary` is only F-contiguous and C otherwise.

    Returns
    -------
    GPUArray

    Raises
    ------
    ValueError
        For an invalid `order`.
    TypeError
        For an unsupported dtype.

    Notes
    -----
    PyCUDA's ``empty_like`` keeps only C or F order; a transposed view gets
    its axis order kept here, as numpy does.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.zeros((2, 3), np.float32, order="F")
    >>> b = gpuarray.empty_like(a)
    >>> b.shape, b.dtype, b.flags.f_contiguous
    ((2, 3), dtype('float32'), True)
    >>> gpuarray.empty_like(a, dtype=np.int16, order="C").strides
    (6, 2)
    """
    return _like(other_ary, dtype, order)


def zeros_like(other_ary: GPUArray, dtype: npt.DTypeLike | None = None, order: str = "K") -> GPUArray:
    """An array of zeros like `other_ary`.

    Parameters
    ----------
    other_ary : GPUArray
        Gives the shape, the dtype (unless `dtype` is given) and the allocator.
    dtype : numpy dtype or name, optional
        Another element type.
    order : {"K", "A", "C", "F"}, optional
        As :func:`empty_like`.

    Returns
    -------
    GPUArray

    Raises
    ------
    ValueError, TypeError
        As :func:`empty_like`.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.arange(3, dtype=np.int32))
    >>> gpuarray.zeros_like(a).get()
    array([0, 0, 0], dtype=int32)
    """
    return _like(other_ary, dtype, order).fill(0)


def ones_like(other_ary: GPUArray, dtype: npt.DTypeLike | None = None, order: str = "K") -> GPUArray:
    """An array of ones like `other_ary`.

    Parameters
    ----------
    other_ary : GPUArray
        Gives the shape, the dtype (unless `dtype` is given) and the allocator.
    dtype : numpy dtype or name, optional
        Another element type.
    order : {"K", "A", "C", "F"}, optional
        As :func:`empty_like`.

    Returns
    -------
    GPUArray

    Raises
    ------
    ValueError, TypeError
        As :func:`empty_like`.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.zeros(2, np.int32)
    >>> gpuarray.ones_like(a, dtype=np.float64).get()
    array([1., 1.])
    """
    return _like(other_ary, dtype, order).fill(1)


def concatenate(arrays: Iterable[GPUArray], axis: int = 0, allocator: _Allocator | None = None) -> GPUArray:
    """Join arrays of one dtype along an existing axis (device-to-device copies).

    Parameters
    ----------
    arrays : iterable of GPUArray
        At least one; the same dtype, and the same shape outside `axis`.
    axis : int, optional
        The axis to join along (negative counts from the end).
    allocator : callable, optional
        For the result (default: the first array's).

    Returns
    -------
    GPUArray
        A new C-contiguous array.

    Raises
    ------
    TypeError
        When an element is not a GPUArray.
    DtypeMismatchError
        When the dtypes differ.
    ValueError
        For no arrays, 0-d arrays, shapes that differ outside `axis`, or
        an `axis` out of bounds.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([[1, 2]], dtype=np.int32))
    >>> b = gpuarray.to_gpu(np.array([[3, 4], [5, 6]], dtype=np.int32))
    >>> gpuarray.concatenate([a, b]).get()
    array([[1, 2],
           [3, 4],
           [5, 6]], dtype=int32)
    >>> gpuarray.concatenate([a, a], axis=-1).get()
    array([[1, 2, 1, 2]], dtype=int32)
    """
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    first = arrays[0]
    if any(not isinstance(a, GPUArray) for a in arrays):
        raise TypeError("concatenate takes GPUArrays")
    if first.ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = _normalize_axis(axis, first.ndim)
    for a in arrays[1:]:
        if a.dtype != first.dtype:
            raise DtypeMismatchError(f"all arrays must have one dtype ({a.dtype} != {first.dtype})")
        if a.ndim != first.ndim or any(n != m for i, (n, m) in enumerate(zip(a.shape, first.shape)) if i != axis):
            raise ValueError(f"shapes {first.shape} and {a.shape} do not match outside axis {axis}")
    shape = list(first.shape)
    shape[axis] = builtins.sum(a.shape[axis] for a in arrays)
    result = GPUArray(tuple(shape), first.dtype, allocator if allocator is not None else first.allocator)
    start = 0
    for a in arrays:
        index = [slice(None)] * first.ndim
        index[axis] = slice(start, start + a.shape[axis])
        result[tuple(index)] = a
        start += a.shape[axis]
    return result


def stack(arrays: Iterable[GPUArray], axis: int = 0, allocator: _Allocator | None = None) -> GPUArray:
    """Join arrays of one shape and dtype along a new axis.

    Parameters
    ----------
    arrays : iterable of GPUArray
        At least one; all of the same shape and dtype.
    axis : int, optional
        The position of the new axis in the result.
    allocator : callable, optional
        For the result (default: the first array's).

    Returns
    -------
    GPUArray
        A new C-contiguous array.

    Raises
    ------
    TypeError, DtypeMismatchError, ValueError
        As :func:`concatenate`; ValueError also when the shapes differ.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([1, 2], dtype=np.int32))
    >>> b = gpuarray.to_gpu(np.array([3, 4], dtype=np.int32))
    >>> gpuarray.stack([a, b]).get()
    array([[1, 2],
           [3, 4]], dtype=int32)
    >>> gpuarray.stack([a, b], axis=1).get()
    array([[1, 3],
           [2, 4]], dtype=int32)
    """
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    if any(not isinstance(a, GPUArray) for a in arrays):
        raise TypeError("stack takes GPUArrays")
    if any(a.shape != arrays[0].shape for a in arrays):
        raise ValueError("all input arrays must have the same shape")
    axis = _normalize_axis(axis, arrays[0].ndim + 1)
    expand = (slice(None),) * axis + (None,)
    return concatenate([a[expand] for a in arrays], axis=axis, allocator=allocator)


def transpose(a: GPUArray, axes: Iterable[SupportsIndex] | None = None) -> GPUArray:
    """``a.transpose(axes)``: a view with the axes permuted (reversed by default).

    Parameters
    ----------
    a : GPUArray
        The array.
    axes : iterable of int, optional
        A permutation of the axes.

    Returns
    -------
    GPUArray
        A view.

    Raises
    ------
    ValueError
        When `axes` is not a permutation of the axes.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.arange(4, dtype=np.int32).reshape(2, 2))
    >>> gpuarray.transpose(a).get()
    array([[0, 2],
           [1, 3]], dtype=int32)
    """
    return a.transpose(axes)


def reshape(a: GPUArray, shape: _ShapeLike, order: str = "C") -> GPUArray:
    """``a.reshape(shape, order=order)``: a view with a new shape where one can do it.

    Parameters
    ----------
    a : GPUArray
        The array.
    shape : int or iterable of ints
        The new shape; one dimension may be -1.
    order : {"C", "F"}, optional
        The order to read and place the elements in.

    Returns
    -------
    GPUArray

    Raises
    ------
    TypeError, ValueError
        As :meth:`GPUArray.reshape`.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.arange(4, dtype=np.int32))
    >>> gpuarray.reshape(a, (2, 2)).get()
    array([[0, 1],
           [2, 3]], dtype=int32)
    """
    return a.reshape(shape, order=order)


def _normalize_axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for {ndim} dimension(s)")
    return axis % ndim


def _kernel_function(name: str) -> Callable[..., NoReturn]:
    def function(*args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(f"{name} needs a device kernel, which PyGPU does not launch yet")

    function.__name__ = name
    function.__doc__ = f"""Not available: {name} needs a device kernel (raises NotImplementedError).

    Raises
    ------
    NotImplementedError
        Always: PyGPU does not launch kernels yet. Compute on the host
        (``a.get()``), or launch your own kernel on the arrays' ``ptr``.

    Examples
    --------
    >>> import PyGPU.gpuarray as gpuarray
    >>> gpuarray.{name}()
    Traceback (most recent call last):
    ...
    NotImplementedError: {name} needs a device kernel, which PyGPU does not launch yet
    """
    return function


# PyCUDA's kernel-backed functions. Some shadow builtins (sum, max, min) in
# this module, as in pycuda.gpuarray: code here uses builtins.* explicitly.
for _name in ("arange", "where", "take", "if_positive", "maximum", "minimum", "sum", "dot", "vdot", "subset_dot",
              "max", "min", "subset_max", "subset_min", "multi_take", "multi_put", "multi_take_put", "cumsum"):
    globals()[_name] = _kernel_function(_name)
    __all__.append(_name)
del _name
