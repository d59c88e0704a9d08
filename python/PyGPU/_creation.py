"""GPUArray's creation functions: to_gpu, empty, zeros, ones, *_like, concatenate, stack, transpose, reshape."""

from __future__ import annotations

import builtins
import operator
from typing import TYPE_CHECKING, Any, SupportsIndex

import numpy as np

from . import _core, _layout, _pool
from ._dtypes import SUPPORTED, check_dtype
from ._errors import check
from ._public import public
from .gpuarray import GPUArray

if TYPE_CHECKING:
    from collections.abc import Iterable

    import numpy.typing as npt

    from ._stream import StreamLike
    from .gpuarray import Allocator, ShapeLike

_H2D = _core.cudaMemcpyHostToDevice
_upload = _core._upload
_Ordered = _pool.StreamOrderedAllocation
_async_alloc = _pool.async_alloc
_LARGE = _pool.LARGE
_ndarray = np.ndarray
_new = object.__new__
_c_strides = _layout.c_strides


@public("PyGPU.gpuarray")
def to_gpu(ary: npt.ArrayLike, allocator: Allocator | None = None) -> GPUArray:
    """A GPUArray holding a copy of `ary`, dense, with its axis order (C stays C, F stays F).

    Parameters
    ----------
    ary : array_like
        The host data (``numpy.asarray`` is applied), of a dtype among ``PyGPU.dtypes``; it becomes the
        array's associated host array (see :meth:`GPUArray.to_device`).
    allocator : callable, optional
        ``nbytes -> object with int()`` (default: GPUArray's, ``PyGPU.tools.set_default_allocator``).

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
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.to_gpu(np.arange(3, dtype=np.int64)).get()
    array([0, 1, 2])
    """
    if type(ary) is not _ndarray:
        ary = np.asarray(ary)
    dtype = ary.dtype
    flags = ary.flags
    order = "C" if flags.c_contiguous else "F" if flags.f_contiguous else ""
    if order and dtype in SUPPORTED:  # the hot path: one allocation, one copy
        shape = ary.shape
        strides = (_c_strides if order == "C" else _layout.f_strides)(shape, dtype.itemsize)
        gpudata = None
        if allocator is None and _pool.default_allocator is _async_alloc and 0 < ary.nbytes < _LARGE:
            gpudata = _upload(_Ordered, ary)  # the default allocator's memory and the copy, in one call
            if not isinstance(gpudata, _Ordered):
                gpudata = _upload_failed(ary, gpudata)
        result = _new(GPUArray)
        result._setup(shape, dtype, strides, order, allocator, gpudata, None)
        if gpudata is None and result.size:
            check(_core.cudaMemcpy(result._address(), ary, result.nbytes, _H2D))
        result._host = ary
        return result
    result = GPUArray(ary.shape, ary.dtype, allocator,
                      strides=_layout.compact_strides(ary.shape, ary.strides, ary.itemsize))
    result.set(ary)
    return result


def _upload_failed(ary: npt.NDArray[Any], err: _core.cudaError_t) -> _pool.StreamOrderedAllocation:
    """After a failed ``_upload``: retry a failed allocation as the default allocator does (what the pools
    hold is freed first), then copy; raise CudaError for a failed copy (its memory was freed)."""
    if err.call != "cudaMallocAsync":
        check(err)
    gpudata = _pool.ordered(_pool.async_retry(ary.nbytes, err))
    check(_core.cudaMemcpy(gpudata._ptr, ary, ary.nbytes, _H2D))
    return gpudata


@public("PyGPU.gpuarray")
def to_gpu_async(ary: npt.ArrayLike, allocator: Allocator | None = None, stream: StreamLike = None) -> GPUArray:
    """``to_gpu`` with the copy queued on `stream`; keep `ary` unchanged until the stream has copied it.

    Parameters
    ----------
    ary : array_like
        The host data.
    allocator : callable, optional
        ``nbytes -> object with int()`` (default: GPUArray's, ``PyGPU.tools.set_default_allocator``).
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
    """
    ary = np.asarray(ary)
    result = GPUArray(ary.shape, ary.dtype, allocator,
                      strides=_layout.compact_strides(ary.shape, ary.strides, ary.itemsize))
    result.set_async(ary, stream)
    return result


empty = GPUArray


@public("PyGPU.gpuarray")
def zeros(shape: ShapeLike, dtype: npt.DTypeLike = np.float64, allocator: Allocator | None = None,
          order: str = "C") -> GPUArray:
    """A new array of zeros (dtype float64 by default, as PyCUDA).

    Parameters
    ----------
    shape : int or iterable of ints
        Elements per axis.
    dtype : numpy dtype or name, optional
        One of ``PyGPU.dtypes`` (default float64).
    allocator : callable, optional
        ``nbytes -> object with int()`` (default: GPUArray's, ``PyGPU.tools.set_default_allocator``).
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
    >>> gpuarray.zeros(3, np.int8).get()
    array([0, 0, 0], dtype=int8)
    """
    return GPUArray(shape, dtype, allocator, order=order).fill(0)


@public("PyGPU.gpuarray")
def ones(shape: ShapeLike, dtype: npt.DTypeLike = np.float64, allocator: Allocator | None = None,
         order: str = "C") -> GPUArray:
    """A new array of ones (dtype float64 by default, as PyCUDA).

    Parameters
    ----------
    shape, dtype, allocator, order
        As :func:`zeros`.

    Returns
    -------
    GPUArray

    Raises
    ------
    TypeError, ValueError, PyGPU.CudaError
        As :class:`GPUArray`.

    Examples
    --------
    >>> import PyGPU as gpuarray
    >>> gpuarray.ones(2).get()
    array([1., 1.])
    """
    return GPUArray(shape, dtype, allocator, order=order).fill(1)


def _like(other: GPUArray, dtype: npt.DTypeLike | None, order: str) -> GPUArray:
    """A new array with the shape and allocator of `other`, `dtype` (default its own) and numpy's `order` rules."""
    dtype = other.dtype if dtype is None else check_dtype(dtype)
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


@public("PyGPU.gpuarray")
def empty_like(other_ary: GPUArray, dtype: npt.DTypeLike | None = None, order: str = "K") -> GPUArray:
    """An uninitialised array like `other_ary`, with numpy's order rules.

    "K" (the default) keeps the axis order of `other_ary`, dense with positive strides (PyCUDA keeps only C
    or F order); "A" is F when `other_ary` is only F-contiguous, C otherwise.

    Parameters
    ----------
    other_ary : GPUArray
        Gives the shape, the dtype (unless `dtype` is given) and the allocator.
    dtype : numpy dtype or name, optional
        Another element type.
    order : {"K", "A", "C", "F"}, optional
        The layout.

    Returns
    -------
    GPUArray

    Raises
    ------
    ValueError
        For an invalid `order`.
    TypeError
        For an unsupported dtype.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.empty_like(gpuarray.zeros((2, 3), np.float32, order="F")).flags.f_contiguous
    True
    """
    return _like(other_ary, dtype, order)


@public("PyGPU.gpuarray")
def zeros_like(other_ary: GPUArray, dtype: npt.DTypeLike | None = None, order: str = "K") -> GPUArray:
    """An array of zeros like `other_ary`.

    Parameters
    ----------
    other_ary, dtype, order
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
    >>> gpuarray.zeros_like(gpuarray.ones(3, np.int32)).get()
    array([0, 0, 0], dtype=int32)
    """
    return _like(other_ary, dtype, order).fill(0)


@public("PyGPU.gpuarray")
def ones_like(other_ary: GPUArray, dtype: npt.DTypeLike | None = None, order: str = "K") -> GPUArray:
    """An array of ones like `other_ary`.

    Parameters
    ----------
    other_ary, dtype, order
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
    >>> gpuarray.ones_like(gpuarray.zeros(2, np.int32), dtype=np.float64).get()
    array([1., 1.])
    """
    return _like(other_ary, dtype, order).fill(1)


@public("PyGPU.gpuarray")
def concatenate(arrays: Iterable[GPUArray], axis: SupportsIndex = 0,
                allocator: Allocator | None = None) -> GPUArray:
    """Join arrays along an existing axis (device-to-device copies), as PyCUDA and numpy.

    Parameters
    ----------
    arrays : iterable of GPUArray
        At least one, of the same shape outside `axis`; any layouts.
    axis : int, optional
        The axis to join along (negative counts from the end).
    allocator : callable, optional
        For the result (default: the first array's).

    Returns
    -------
    GPUArray
        A new C-contiguous array of the arrays' common dtype (``numpy.result_type``, as PyCUDA; an array of
        another dtype is converted as ``astype`` converts it).

    Raises
    ------
    TypeError
        When an element is not a GPUArray.
    ValueError
        For no arrays, 0-d arrays, or shapes that differ outside `axis` (numpy's messages).
    numpy.exceptions.AxisError
        When `axis` is out of bounds (a ValueError and an IndexError).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([1, 2], dtype=np.int32))
    >>> gpuarray.concatenate([a, a]).get()
    array([1, 2, 1, 2], dtype=int32)
    """
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if any(not isinstance(a, GPUArray) for a in arrays):
        raise TypeError("concatenate takes GPUArrays")
    first = arrays[0]
    if first.ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = _normalize_axis(axis, first.ndim)
    for i, a in enumerate(arrays[1:], 1):
        if a.ndim != first.ndim:
            raise ValueError(f"all the input arrays must have same number of dimensions, but the array at index 0 "
                             f"has {first.ndim} dimension(s) and the array at index {i} has {a.ndim} dimension(s)")
        for d, (n, m) in enumerate(zip(first.shape, a.shape)):
            if d != axis and n != m:
                raise ValueError(f"all the input array dimensions except for the concatenation axis must match "
                                 f"exactly, but along dimension {d}, the array at index 0 has size {n} and the "
                                 f"array at index {i} has size {m}")
    dtype = np.result_type(*(a.dtype for a in arrays))
    shape = list(first.shape)
    shape[axis] = builtins.sum(a.shape[axis] for a in arrays)
    result = GPUArray(tuple(shape), dtype, allocator if allocator is not None else first.allocator)
    start = 0
    for a in arrays:
        index = [slice(None)] * first.ndim
        index[axis] = slice(start, start + a.shape[axis])
        result[tuple(index)] = a if a.dtype == dtype else a.astype(dtype)
        start += a.shape[axis]
    return result


@public("PyGPU.gpuarray")
def stack(arrays: Iterable[GPUArray], axis: SupportsIndex = 0, allocator: Allocator | None = None) -> GPUArray:
    """Join arrays of one shape along a new axis, as numpy (PyCUDA takes only ``0 <= axis <= ndim`` and -1).

    Parameters
    ----------
    arrays : iterable of GPUArray
        At least one, all of the same shape.
    axis : int, optional
        The position of the new axis in the result (negative counts from the end of the result's axes).
    allocator : callable, optional
        For the result (default: the first array's).

    Returns
    -------
    GPUArray
        A new C-contiguous array of the arrays' common dtype.

    Raises
    ------
    TypeError, ValueError, numpy.exceptions.AxisError
        As :func:`concatenate`; ValueError also when the shapes differ.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([1, 2], dtype=np.int32))
    >>> gpuarray.stack([a, a], axis=-1).get()
    array([[1, 1],
           [2, 2]], dtype=int32)
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


@public("PyGPU.gpuarray")
def transpose(a: GPUArray, axes: Iterable[SupportsIndex] | None = None) -> GPUArray:
    """``a.transpose(axes)``: a view with the axes permuted (reversed by default).

    Parameters
    ----------
    a : GPUArray
    axes : iterable of int, optional
        As :meth:`GPUArray.transpose`.

    Returns
    -------
    GPUArray

    Examples
    --------
    >>> import PyGPU as gpuarray
    >>> gpuarray.transpose(gpuarray.zeros((2, 3))).shape
    (3, 2)
    """
    return a.transpose(axes)


@public("PyGPU.gpuarray")
def reshape(a: GPUArray, shape: ShapeLike, order: str = "C") -> GPUArray:
    """``a.reshape(shape, order=order)``: a view with a new shape where one can do it.

    Parameters
    ----------
    a : GPUArray
    shape, order
        As :meth:`GPUArray.reshape`.

    Returns
    -------
    GPUArray

    Examples
    --------
    >>> import PyGPU as gpuarray
    >>> gpuarray.reshape(gpuarray.zeros(4), (2, 2)).shape
    (2, 2)
    """
    return a.reshape(shape, order=order)


def _normalize_axis(axis: SupportsIndex, ndim: int) -> int:
    """`axis` in ``range(ndim)`` (negative counts from the end); numpy's AxisError when out of bounds."""
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim
