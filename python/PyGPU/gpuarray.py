"""A PyCUDA-compatible GPUArray: data movement, metadata and views.

Code written against ``pycuda.gpuarray`` keeps working after
``import PyGPU as gpuarray`` (or ``import PyGPU.gpuarray as gpuarray``) for
everything that moves data or makes views, for elementwise arithmetic:
operators, comparisons, ``astype``, ``reverse``, ``mul_add``, ``if_positive``,
``where``, ``maximum``, ``minimum`` launch kernels of ``PyGPU.elementwise``
(``PyGPU._arithmetic`` says how dtypes and layouts are handled), and for the
reductions (``sum``, ``dot``, ``min``, ``max``, ``subset_*``, ``any``, ``all``:
``PyGPU._reductions``, kernels of ``PyGPU.reduction``), the gathers and
scatters (``take``, ``multi_*``, integer GPUArray indexing: ``_indexing``),
``cumsum`` (``_cumsum``) and the vector dtypes (``vec``: ``_vec``). The
operations of the operator table ``_operators`` raise NotImplementedError: they
are later work, and never return a silently wrong result.

Where PyCUDA has a known bug, GPUArray does the right thing instead, and the
docstring says so.

This module holds the class core; the creation functions are in ``_creation``,
the original PyGPU API (``to_device``...) in ``_seed_api``, the elementwise
operations in ``_arithmetic``, the ones not offered yet in the operator table
``_operators``.
"""

from __future__ import annotations

import builtins  # any and all: this module's any and all are the reductions
import numbers
import operator
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NoReturn, SupportsIndex, SupportsInt, Union, cast

import numpy as np

from . import _arithmetic, _copy, _core, _indexing, _layout, _operators, _pool, _reductions, _seed_api
from . import elementwise as _elementwise
from ._dtypes import check_dtype
from ._errors import DtypeMismatchError, check
from ._memory import pointer_of
from ._stream import stream_handle

if TYPE_CHECKING:  # names for annotations only: nothing here is imported at run time
    import numpy.typing as npt
    from typing_extensions import CapsuleType, TypeAlias

    from ._stream import StreamLike

    # What the constructor and the creation functions accept (numpy's rules).
    ShapeLike: TypeAlias = Union[SupportsIndex, Iterable[SupportsIndex]]
    # nbytes -> an object whose int() is the device address (PyCUDA's allocator protocol).
    Allocator: TypeAlias = Callable[[int], SupportsInt]

__all__ = [
    "GPUArray", "DtypeMismatchError", "to_gpu", "to_gpu_async", "empty", "zeros", "ones", "empty_like",
    "zeros_like", "ones_like", "concatenate", "stack", "transpose", "reshape", "if_positive", "where", "maximum",
    "minimum",
]

_H2D, _D2H, _D2D = _core.cudaMemcpyHostToDevice, _core.cudaMemcpyDeviceToHost, _core.cudaMemcpyDeviceToDevice
_SUCCESS = _core.cudaError_t(0)  # immutable: every new array's last_status()
# get() puts results of this size and more in recycled, already faulted-in host
# blocks (PyGPU._core._host_array): a fresh array's page faults cost as much as the copy.
_RECYCLED_HOST_BYTES = 1 << 20
_download = _core._download
_ndarray = np.ndarray
_new = object.__new__


def _stream_arg(stream: StreamLike) -> _core.cudaStream_t | int | None:
    """What the low-level API takes as a stream (None stays None: the legacy default stream)."""
    return None if stream is None else stream_handle(stream)


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
        ``nbytes -> object with int()`` (default: the current device's stream-ordered pool, its Python
        pool ``PyGPU.tools.default_pool``, or ``PyGPU.driver.mem_alloc``: see
        ``PyGPU.tools.set_default_allocator``).
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

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.empty((2, 3), np.int32, order="F")
    >>> a.shape, a.strides, a.flags.f_contiguous
    ((2, 3), (4, 8), True)
    """

    __array_priority__ = 100
    # Declared here so that the creation hot path (_setup) can assign them in chains.
    allocator: Allocator
    gpudata: Any
    base: Any
    _offset: int
    _order: str
    _last_status: _core.cudaError_t
    _host_keeper: _core.DeviceArray

    def __init__(self, shape: ShapeLike, dtype: npt.DTypeLike, allocator: Allocator | None = None,
                 base: Any = None, gpudata: SupportsInt | None = None, strides: Iterable[SupportsInt] | None = None,
                 order: str = "C") -> None:  # PyCUDA's signature, positional arguments included
        dtype = check_dtype(dtype)
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
               allocator: Allocator | None, gpudata: Any, base: Any) -> None:
        """Fill in a new array from checked, normalised arguments (the hot path of every creation).

        `order` is "C" or "F" when `strides` are dense in that order, else ""; with `gpudata` None, allocates
        the bytes the strides reach.
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
        self.allocator = allocator = allocator if allocator is not None else _pool.default_allocator
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
        """The device address of element 0 (0 for an empty array)."""
        return int(self.gpudata) + self._offset if self.gpudata is not None else 0

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return len(self.shape)

    @property
    def flags(self) -> _Flags:
        """``c_contiguous``, ``f_contiguous`` and ``forc`` (either), as numpy's flags."""
        return _Flags(self)

    @property
    def T(self) -> GPUArray:
        """The transpose, a view (``transpose()``)."""
        return self.transpose()

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        """CUDA Array Interface, version 3, read-write, explicit strides.

        ``stream`` is 1 (the legacy default stream): PyGPU's synchronous copies are ordered on it and may still
        be in flight (a host-to-device copy from pageable memory returns once the data is staged), so a
        consumer on another stream must wait for the legacy stream first, as the interface prescribes. Work
        you queued yourself on other streams must be synchronised by you before handing the array over.
        """
        return {"shape": self.shape, "strides": self.strides, "data": (self.ptr, False),
                "typestr": self.dtype.str, "stream": 1, "version": 3}

    def __dlpack__(self, *, stream: _core.cudaStream_t | int | None = None,
                   max_version: tuple[int, int] | None = None, dl_device: tuple[int, int] | None = None,
                   copy: bool | None = None) -> CapsuleType:
        """Export as a DLPack capsule (zero-copy; the capsule keeps this array alive).

        The keywords are the array API standard's; see ``PyGPU._dlpack.to_capsule`` for what each accepts
        and raises.
        """
        from . import _dlpack

        return _dlpack.to_capsule(self, stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self) -> tuple[int, int]:
        """(device type, device id): CUDA (2) on the cuda and sim backends, ROCm (10) on hip."""
        from . import _dlpack

        return _dlpack.device(self)

    def _view(self, shape: tuple[int, ...], strides: tuple[int, ...], offset: int = 0,
              dtype: np.dtype[Any] | None = None) -> GPUArray:
        """A view of this array's memory, `offset` bytes from element 0 (`shape` and `strides` are tuples of ints,
        `dtype` a supported numpy dtype: what GPUArray's constructor would check and normalise)."""
        dtype = self.dtype if dtype is None else dtype
        itemsize = dtype.itemsize
        order = ("C" if _layout.is_c_contiguous(shape, strides, itemsize)
                 else "F" if _layout.is_f_contiguous(shape, strides, itemsize) else "")
        result = _new(GPUArray)
        result._setup(shape, dtype, strides, order, self.allocator, self.ptr + offset, self)
        return result

    def _address(self) -> Any:
        """Element 0 as the copy calls take it fastest, and checked: the allocation's pointer object (refused once
        freed) when the array starts at a DeviceAllocation, else ``ptr``.
        """
        if self._offset == 0:
            pointer = pointer_of(self.gpudata)
            if pointer is not None:
                return pointer
        return self.ptr

    def _device_view(self) -> _copy.View:
        """This array as a _copy.View."""
        return _copy.View(self.ptr, self.shape, self.strides)

    # --- data movement --------------------------------------------------------
    def set(self, ary: npt.ArrayLike, async_: bool = False, stream: StreamLike = None) -> None:
        """Copy a host array into this array (any strides on either side; PyCUDA copies only contiguous ones).

        Parameters
        ----------
        ary : array_like
            The data, of this array's size and dtype (``numpy.asarray`` is applied first); it becomes the
            array's associated host array (see :meth:`to_device`).
        async_ : bool, optional
            Queue the copy on `stream` (the legacy default stream when None); from pageable memory the copy
            completes its staging before returning.
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
            When the shapes differ but the sizes match (`ary` is reshaped), as PyCUDA.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.empty(2, np.float32)
        >>> a.set(np.array([1, 2], dtype=np.float32))
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
            check(_core.cudaMemcpy(self._address(), ary, self.nbytes, _H2D) if s is None
                   else _core.cudaMemcpyAsync(self._address(), ary, self.nbytes, _H2D, s))
            self._host = ary
            return
        broadcast = builtins.any(st == 0 and n > 1 for n, st in zip(ary.shape, ary.strides))
        if broadcast or not _copy.same_layout(ary.shape, ary.strides, self.shape, self.strides):
            staged = _copy.host_like(self.shape, self.strides, self.dtype)
            staged[...] = ary
            ary = staged
        _copy.copy(self._device_view(), _copy.host_view(ary), self.itemsize, _H2D, s)
        self._host = ary

    def set_async(self, ary: npt.ArrayLike, stream: StreamLike = None) -> None:
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
        >>> gpuarray.empty(3, np.int32).set_async(np.arange(3, dtype=np.int32), stream=s)
        >>> s.synchronize()
        """
        self.set(ary, async_=True, stream=stream)

    def get(self, ary: npt.NDArray[Any] | None = None, pagelocked: bool = False, async_: bool = False,
            stream: StreamLike = None) -> npt.NDArray[Any]:
        """Copy this array to the host and return the host array, in this array's axis order (as PyCUDA).

        The result is the caller's: this array keeps no reference to it. With `async_`/`stream` the copy is
        stream-ordered: into pinned memory it is truly asynchronous (synchronise the stream before reading),
        into pageable memory it completes before returning.

        Parameters
        ----------
        ary : numpy.ndarray, optional
            A writable host array of this array's size and dtype to copy into (any strides); a new one is
            made when None.
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
        >>> gpuarray.to_gpu(np.arange(4, dtype=np.float32)).get()
        array([0., 1., 2., 3.], dtype=float32)
        """
        if ary is None:
            if stream is None and not (pagelocked or async_) and self._order and self._offset == 0 and (
                    0 < self.nbytes < _RECYCLED_HOST_BYTES):
                # The hot path: a new array and one copy from the start of the allocation, in one call.
                result = _download(self.gpudata, self.shape, self.dtype, self._order == "F")
                if type(result) is _ndarray:
                    return result
                if result is not NotImplemented:  # NotImplemented: not memory of a DeviceAllocation
                    check(cast("_core.cudaError_t", result))
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
            check(_core.cudaMemcpy(ary, self._address(), self.nbytes, _D2H) if s is None
                   else _core.cudaMemcpyAsync(ary, self._address(), self.nbytes, _D2H, s))
        elif _copy.same_layout(ary.shape, ary.strides, self.shape, self.strides):
            _copy.copy(_copy.host_view(ary), self._device_view(), self.itemsize, _D2H, s)
        else:
            staged = _copy.host_like(self.shape, self.strides, self.dtype)
            _copy.copy(_copy.host_view(staged), self._device_view(), self.itemsize, _D2H, s)
            ary[...] = staged
        return ary

    def get_async(self, stream: StreamLike = None, ary: npt.NDArray[Any] | None = None) -> npt.NDArray[Any]:
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
        >>> host = gpuarray.to_gpu(np.arange(3)).get_async(stream=s)
        >>> s.synchronize()
        """
        return self.get(ary=ary, async_=True, stream=stream)

    def _copy_from(self, src: GPUArray, stream: StreamLike = None) -> None:
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
        """Whether the bytes this array and `other` reach overlap."""
        a_low, a_high = _layout.span(self.shape, self.strides, self.itemsize)
        b_low, b_high = _layout.span(other.shape, other.strides, other.itemsize)
        return self.ptr + a_low < other.ptr + b_high and other.ptr + b_low < self.ptr + a_high

    def copy(self, stream: StreamLike = None) -> GPUArray:
        """A new array with the same shape, dtype, strides (allocating what they reach), allocator and contents.

        Parameters
        ----------
        stream : PyGPU.driver.Stream, cudaStream_t or int, optional
            The stream to queue the device-to-device copy on.

        Returns
        -------
        GPUArray

        Raises
        ------
        PyGPU.CudaError
            When allocating or copying fails.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.to_gpu(np.arange(3, dtype=np.int16)).copy().get()
        array([0, 1, 2], dtype=int16)
        """
        new = GPUArray(self.shape, self.dtype, self.allocator, strides=self.strides)
        new._copy_from(self, stream=stream)
        return new

    def fill(self, value: Any, stream: StreamLike = None) -> GPUArray:
        """Set every element to `value` (numpy's conversion rules) and return self.

        cudaMemset when all bytes of the value are equal and the array is contiguous, else PyCUDA's fill
        kernel; a non-contiguous array (which PyCUDA refuses) is filled through a staged copy.

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

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.empty(3, np.float64).fill(2.5).get()
        array([2.5, 2.5, 2.5])
        """
        scalar = np.array(value, dtype=self.dtype)
        if self.size == 0:
            return self
        raw = scalar.tobytes()
        s = _stream_arg(stream)
        if self._order and raw == raw[:1] * len(raw):
            err = (_core.cudaMemset(self.ptr, raw[0], self.nbytes) if s is None
                   else _core.cudaMemsetAsync(self.ptr, raw[0], self.nbytes, s))
            check(err)
        elif self._order and self.dtype in _arithmetic.KERNEL_DTYPES:
            _arithmetic.fill(self, scalar[()], stream)
        else:
            staged = _copy.host_like(self.shape, self.strides, self.dtype)
            staged.fill(scalar)
            _copy.copy(self._device_view(), _copy.host_view(staged), self.itemsize, _H2D, s)
        return self

    # --- the original PyGPU API (PyGPU._seed_api) ------------------------------
    allocate = _seed_api.allocate
    to_device = _seed_api.to_device
    to_host = _seed_api.to_host
    host_data = _seed_api.host_data
    device_data = _seed_api.device_data
    last_status = _seed_api.last_status

    # --- views ----------------------------------------------------------------
    def __getitem__(self, index: Any) -> GPUArray:
        """A view (never a copy) for ints, slices (any step), Ellipsis and newaxis; for an integer GPUArray index
        of a 1-D array, a new array of the elements it selects (``take``; numpy's negative indices and IndexError).

        Unlike PyCUDA, ``a[5:2]`` is empty and negative steps work.
        """
        if isinstance(index, GPUArray):
            return _indexing.gather(self, index)
        shape, strides, offset = _layout.parse_index(self.shape, self.strides, index)
        return self._view(shape, strides, offset)

    def __setitem__(self, index: Any, value: GPUArray | npt.NDArray[Any] | complex | np.generic) -> None:
        """Assign a GPUArray (device to device), an ndarray (host to device), of the view's shape or one numpy
        broadcasts to it, or a scalar; an integer GPUArray index of a 1-D array scatters (``multi_put``)."""
        if isinstance(index, GPUArray):
            _indexing.scatter(self, index, value)
            return
        target = self[index]
        if isinstance(value, GPUArray):
            target._copy_from(_indexing.broadcast(value, target.shape))
        elif isinstance(value, np.ndarray):
            target.set(_indexing.host_broadcast(value, target.shape))
        elif np.isscalar(value) or (isinstance(value, np.generic)):
            target.fill(value)
        else:
            raise TypeError(f"cannot assign a {type(value).__name__} to a GPUArray (use a GPUArray, an ndarray "
                            "or a scalar)")

    def reshape(self, *shape: Any, order: str = "C") -> GPUArray:
        """A view with a new shape (one dimension may be -1); a view of a contiguous copy when no view can do it
        (PyCUDA refuses a non-contiguous array).

        Parameters
        ----------
        *shape : ints, or one iterable of ints
            ``a.reshape(2, 3)`` or ``a.reshape((2, 3))``.
        order : {"C", "F"}, optional
            Read and place the elements in C (row-major) or F order.

        Returns
        -------
        GPUArray

        Raises
        ------
        TypeError
            When the shape is not ints.
        ValueError
            When the sizes differ, more than one dimension is -1, or `order` is invalid.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.to_gpu(np.arange(6, dtype=np.int32)).reshape(2, -1).shape
        (2, 3)
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
        """A contiguous copy in `order` ("C" or "F")."""
        new = GPUArray(self.shape, self.dtype, self.allocator, order=order)
        new._copy_from(self)
        return new

    def ravel(self) -> GPUArray:
        """A 1-D view in C order (of a copy when the array is not C-contiguous).

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.to_gpu(np.arange(4, dtype=np.int32).reshape(2, 2)).T.ravel().get()
        array([0, 2, 1, 3], dtype=int32)
        """
        return self.reshape(self.size)

    def view(self, dtype: npt.DTypeLike | None = None) -> GPUArray:
        """The same memory seen as another dtype; the last axis is scaled when the item sizes differ.

        Parameters
        ----------
        dtype : numpy dtype or name, optional
            One of ``PyGPU.dtypes``; None keeps this array's.

        Returns
        -------
        GPUArray

        Raises
        ------
        TypeError
            For an unsupported dtype.
        ValueError
            When the item sizes differ and the last axis is not contiguous or not a multiple of the new item
            size.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.to_gpu(np.array([1.0, 2.0], dtype=np.float32)).view(np.uint16).shape
        (4,)
        """
        if dtype is None:
            return self._view(self.shape, self.strides)
        dtype = check_dtype(dtype)
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

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.zeros((1, 3, 1), np.float32).squeeze().shape
        (3,)
        """
        keep = [i for i, n in enumerate(self.shape) if n != 1]
        return self._view(tuple(self.shape[i] for i in keep), tuple(self.strides[i] for i in keep))

    def transpose(self, axes: Iterable[SupportsIndex] | None = None) -> GPUArray:
        """A view with the axes permuted (reversed by default); no data moves.

        Parameters
        ----------
        axes : iterable of int, optional
            A permutation of the axes (negative ones count from the end).

        Returns
        -------
        GPUArray

        Raises
        ------
        ValueError
            When `axes` is not a permutation of the axes.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.zeros((2, 3, 4), np.float32).transpose((1, 0, 2)).strides
        (16, 48, 4)
        """
        if axes is None:
            axes = tuple(range(self.ndim - 1, -1, -1))
        axes = tuple(operator.index(a) for a in axes)
        if builtins.any(not -self.ndim <= a < self.ndim for a in axes):
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

    def astype(self, dtype: npt.DTypeLike, stream: StreamLike = None) -> GPUArray:
        """A copy converted to `dtype` (C's conversions: a float becomes an integer by truncation, as in numpy).

        PyCUDA's copy kernel for the integer, bool, float32 and float64 dtypes; float16 and complex go through
        the host. A non-contiguous array (which PyCUDA refuses) is made contiguous first.

        Parameters
        ----------
        dtype : numpy dtype or name
            One of ``PyGPU.dtypes``.
        stream : PyGPU.driver.Stream, cudaStream_t or int, optional
            The stream to queue the conversion on.

        Returns
        -------
        GPUArray

        Raises
        ------
        TypeError
            For an unsupported dtype.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.to_gpu(np.array([1.5, -2.7])).astype(np.int32).get()
        array([ 1, -2], dtype=int32)
        """
        dtype = check_dtype(dtype)
        if dtype == self.dtype:
            return self.copy(stream=stream)
        if dtype in _arithmetic.KERNEL_DTYPES and self.dtype in _arithmetic.KERNEL_DTYPES:
            return _arithmetic.convert(self, dtype, stream)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            return to_gpu(self.get(stream=stream).astype(dtype), allocator=self.allocator)

    def _part(self, offset: int) -> GPUArray:
        """A contiguous copy of the real (offset 0) or imaginary part of a complex array."""
        real = np.dtype(f"f{self.itemsize // 2}")
        order = "F" if self._order == "F" and not self.flags.c_contiguous else "C"
        return self._view(self.shape, self.strides, offset, dtype=real)._copy_to_order(order)

    @property
    def real(self) -> GPUArray:
        """The real part: this array for a real dtype, a new array for a complex one."""
        if self.dtype.kind != "c":
            return self
        return self._part(0)

    @property
    def imag(self) -> GPUArray:
        """The imaginary part: zeros for a real dtype, a new array for a complex one."""
        if self.dtype.kind != "c":
            return zeros_like(self)
        return self._part(self.itemsize // 2)

    def conj(self, out: GPUArray | None = None) -> GPUArray:
        """The complex conjugate; `self` for a real dtype (as PyCUDA).

        Parameters
        ----------
        out : GPUArray, optional
            A contiguous array of this shape and dtype to write the conjugate to (complex dtypes).

        Returns
        -------
        GPUArray

        Raises
        ------
        RuntimeError
            When the array or `out` is not contiguous.
        ValueError
            When `out` has another shape or dtype.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.ones(2, np.float64)
        >>> a.conj() is a
        True
        >>> gpuarray.to_gpu(np.array([1 + 2j, 3 - 4j], np.complex64)).conj().get()
        array([1.-2.j, 3.+4.j], dtype=complex64)
        """
        if self.dtype.kind != "c":
            return self
        _arithmetic.check_contiguous(self)
        if out is None:
            out = _arithmetic.new_like(self, self.dtype)
        elif out.shape != self.shape or out.dtype != self.dtype:
            raise ValueError(f"out must have shape {self.shape} and dtype {self.dtype}, got {out.shape} and "
                             f"{out.dtype}")
        _arithmetic.conjugate(self, out)
        return out

    conjugate = conj

    # --- reductions (PyGPU._reductions): any and all as PyCUDA's; sum, min, max and dot are PyGPU's
    any = _reductions.array_any
    all = _reductions.array_all
    sum = _reductions.array_sum
    min = _reductions.array_min
    max = _reductions.array_max
    dot = _reductions.array_dot

    def mul_add(self, selffac: Any, other: GPUArray, otherfac: Any, add_timer: Callable[..., Any] | None = None,
                stream: StreamLike = None, out: GPUArray | None = None) -> GPUArray:
        """``selffac*self + otherfac*other`` (PyCUDA's ``_axpbyz`` kernel), into `out` or a new array.

        Parameters
        ----------
        selffac, otherfac : scalar
            Converted to this array's and `other`'s dtype.
        other : GPUArray
            Same shape, or 0-d.
        add_timer : callable, optional
            Called as ``add_timer(3 * size, seconds_callable)`` with the launch timed (PyCUDA's).
        stream : PyGPU.driver.Stream, optional
        out : GPUArray, optional
            Default: a new array of the common dtype.

        Returns
        -------
        GPUArray

        Raises
        ------
        RuntimeError
            For a non-contiguous operand.
        NotImplementedError
            When the shapes differ and neither is 0-d.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> a = gpuarray.to_gpu(np.arange(3, dtype=np.float32))
        >>> a.mul_add(2, gpuarray.ones(3, np.float32), 10).get()
        array([10., 12., 14.], dtype=float32)
        """
        return _arithmetic.mul_add(self, selffac, other, otherfac, add_timer, stream, out)

    def reverse(self, stream: StreamLike = None) -> GPUArray:
        """A new array of the elements in reverse order (the array taken as one-dimensional).

        Parameters
        ----------
        stream : PyGPU.driver.Stream, optional

        Returns
        -------
        GPUArray

        Raises
        ------
        RuntimeError
            For a non-contiguous array.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> gpuarray.to_gpu(np.arange(4, dtype=np.int8)).reverse().get()
        array([3, 2, 1, 0], dtype=int8)
        """
        return _arithmetic.reverse(self, stream)

    _axpbyz = _arithmetic.axpbyz
    _axpbz = _arithmetic.axpbz

    def _new_like_me(self, dtype: npt.DTypeLike | None = None, order: str = "C") -> GPUArray:
        """A new array of this shape (and this dtype by default), as PyCUDA's helper."""
        dt = self.dtype if dtype is None else check_dtype(dtype)
        strides = self.strides if dt == self.dtype else None
        return GPUArray(self.shape, dt, allocator=self.allocator, strides=strides, order=order)

    @property
    def _grid(self) -> tuple[int, int]:
        """PyCUDA's launch grid for this array's size (``splay``)."""
        return _elementwise.splay(self.mem_size)[0]

    @property
    def _block(self) -> tuple[int, int, int]:
        """PyCUDA's launch block for this array's size (``splay``)."""
        return _elementwise.splay(self.mem_size)[1]

    def __pos__(self) -> GPUArray:
        return self

    # --- the arithmetic (PyGPU._arithmetic), generated from its operator table
    for _name, _method in _arithmetic.methods().items():
        locals()[_name] = _method
    # --- the operator table (PyGPU._operators): what is not offered yet
    for _name in _operators.METHODS:
        locals()[_name] = _operators.method(_name)
    del _name, _method


def _host_order(ary: npt.NDArray[Any], order: str) -> bool:
    """Whether `ary` is dense in `order` ("C" or "F"), so one plain copy moves it."""
    return ary.flags.c_contiguous if order == "C" else ary.flags.f_contiguous


# The creation functions (they need the class above), the elementwise functions and the operator table's.
from ._arithmetic import if_positive, maximum, minimum, where  # noqa: E402
from ._creation import (  # noqa: E402
    concatenate,
    empty,
    empty_like,
    ones,
    ones_like,
    reshape,
    stack,
    to_gpu,
    to_gpu_async,
    transpose,
    zeros,
    zeros_like,
)

# cumsum, the gathers and scatters by an index array (and CUDA's vector types, gpuarray.vec, below).
from ._cumsum import cumsum  # noqa: E402
from ._indexing import multi_put, multi_take, multi_take_put, take  # noqa: E402

# The reductions (some shadow builtins: sum, max, min, any, all, as in pycuda.gpuarray).
from ._reductions import all, any, dot, max, min, subset_dot, subset_max, subset_min, subset_sum, sum, vdot  # noqa: E402,F401
from ._vec import vec  # noqa: E402

__all__ += _reductions.__all__
__all__ += ["vec", "cumsum", "take", "multi_take", "multi_put", "multi_take_put"]

# arange and the logical functions (PyGPU._arange, PyGPU._arithmetic).
from ._arange import arange  # noqa: E402
from ._arithmetic import logical_and, logical_not, logical_or  # noqa: E402

__all__ += ["arange", "logical_and", "logical_not", "logical_or"]

