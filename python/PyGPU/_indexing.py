"""Gathers and scatters by an index array: ``take``, ``multi_take``, ``multi_put``, ``multi_take_put``.

PyCUDA's functions with PyCUDA's arguments, results and errors; its kernels read the sources through texture
references, PyGPU's through plain pointer loads (``PyGPU.elementwise.get_take_kernel``...), with the same
results. Arrays are indexed as flat arrays in memory order (PyCUDA's); a non-contiguous operand is copied to a
C-contiguous array first (PyCUDA cannot bind one to a texture). An index out of range is an out-of-bounds
access on the device, as in PyCUDA: the simulated device ends the launch with ``cudaErrorIllegalAddress``, raised
by the next synchronising call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _arithmetic
from . import elementwise as _elw
from ._errors import DtypeMismatchError
from ._public import public

if TYPE_CHECKING:
    from ._stream import StreamLike
    from .gpuarray import GPUArray

__all__ = ["take", "multi_take", "multi_put", "multi_take_put"]

# PyCUDA's chunk sizes: the most arrays one launch moves.
_TAKE_CHUNK, _PUT_CHUNK, _OFFSETS_CHUNK = 20, 10, 10


def _flat(a: Any, what: str) -> GPUArray:
    """`a` as a GPUArray whose memory is dense (a C-contiguous copy of a non-contiguous one)."""
    GPUArray = _arithmetic._gpuarray()
    if not isinstance(a, GPUArray):
        raise TypeError(f"{what} must be a GPUArray, got {type(a).__name__}")
    return a if a._order else a._copy_to_order("C")


def _indices(indices: Any, what: str) -> GPUArray:
    """A 1-D integer GPUArray of indices (PyCUDA requires one)."""
    dense = _flat(indices, what)
    if dense.dtype.kind not in "iu":
        raise TypeError(f"{what} must be of an integer dtype, not {dense.dtype}")
    if dense.ndim != 1:
        raise ValueError(f"{what} must be 1D")
    return dense


def _single_dtype(arrays: Sequence[GPUArray]) -> np.dtype[Any]:
    """The one dtype of `arrays` (PyCUDA's single_valued: a ValueError otherwise)."""
    dtypes = {a.dtype for a in arrays}
    if len(dtypes) != 1:
        raise ValueError(f"all arrays must have the same dtype, got {sorted(map(str, dtypes))}")
    return arrays[0].dtype


def _outputs(out: Sequence[Any] | None, count: int, dtype: np.dtype[Any], shape: Any, allocator: Any,
             least: int) -> list[GPUArray]:
    """The output arrays: new ones of `shape`, or `out` checked (dtype, count, at least `least` elements)."""
    GPUArray = _arithmetic._gpuarray()
    if out is None:
        if shape is None:
            raise ValueError("dest_shape is required when out is not given")
        return [GPUArray(shape, dtype, allocator) for _ in range(count)]
    out = list(out)
    if any(not isinstance(o, GPUArray) for o in out):
        raise TypeError("out must hold GPUArrays")
    if len(out) != count:
        raise ValueError("out and arrays must have the same length")
    if any(o.dtype != dtype for o in out):
        raise DtypeMismatchError("arrays and out must have the same dtype")
    _check_dense(out, least, "out")
    return out


def _check_dense(arrays: Sequence[GPUArray], least: int, what: str) -> None:
    """Every array contiguous (the kernel writes or reads it as flat memory) with `least` elements or more."""
    for a in arrays:
        if not a._order:
            raise RuntimeError(f"{what} must be contiguous")
        if a.size < least:
            raise ValueError(f"{what} holds {a.size} elements, fewer than the {least} the indices need")


def _sources(arrays: Sequence[Any]) -> list[GPUArray]:
    return [_flat(a, "arrays") for a in arrays]


@public("PyGPU.gpuarray")
def take(a: GPUArray, indices: GPUArray, out: GPUArray | None = None, stream: StreamLike = None) -> GPUArray:
    """``out[i] = a.flat[indices[i]]``: the elements of `a` at `indices`.

    Parameters
    ----------
    a : GPUArray
        Indexed as a flat array in memory order (a non-contiguous one through a C-ordered copy).
    indices : GPUArray
        1-D, of an integer dtype; every index must lie in ``[0, a.size)``.
    out : GPUArray, optional
        Contiguous, `a`'s dtype, ``indices.size`` elements or more; default: a new array of ``indices.shape``.
    stream : PyGPU.driver.Stream, optional

    Returns
    -------
    GPUArray
        `out`.

    Raises
    ------
    TypeError
        When `a` or `indices` is not a GPUArray, or the indices are not integers.
    ValueError
        When `indices` is not 1-D, or `out` is too small.
    DtypeMismatchError
        When `out` has another dtype.
    RuntimeError
        When `out` is not contiguous.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([10, 20, 30], np.float32))
    >>> gpuarray.take(a, gpuarray.to_gpu(np.array([2, 0, 2], np.int32))).get()
    array([30., 10., 30.], dtype=float32)
    """
    return multi_take([_flat(a, "a")], indices, None if out is None else [out], stream)[0]


@public("PyGPU.gpuarray")
def multi_take(arrays: Sequence[GPUArray], indices: GPUArray, out: Sequence[GPUArray] | None = None,
               stream: StreamLike = None) -> list[GPUArray]:
    """:func:`take` of several arrays of one dtype with the same indices, up to 20 arrays per launch.

    Parameters
    ----------
    arrays : sequence of GPUArray
        One dtype.
    indices : GPUArray
        1-D, of an integer dtype.
    out : sequence of GPUArray, optional
        One per array; default: new arrays of ``indices.shape``.
    stream : PyGPU.driver.Stream, optional

    Returns
    -------
    list of GPUArray
        `out` (an empty list for no arrays).

    Raises
    ------
    TypeError, ValueError, DtypeMismatchError, RuntimeError
        As :func:`take`; ValueError also when the arrays' dtypes differ or `out` has another length.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a, b = (gpuarray.to_gpu(np.arange(4, dtype=np.int16) * k) for k in (1, 10))
    >>> [o.get() for o in gpuarray.multi_take([a, b], gpuarray.to_gpu(np.array([3, 1])))]
    [array([3, 1], dtype=int16), array([30, 10], dtype=int16)]
    """
    if not len(arrays):
        return []
    arrays = _sources(arrays)
    indices = _indices(indices, "indices")
    dtype = _single_dtype(arrays)
    out = _outputs(out, len(arrays), dtype, indices.shape, arrays[0].allocator, indices.size)
    for start in range(0, len(arrays), _TAKE_CHUNK):
        src, dest = arrays[start:start + _TAKE_CHUNK], out[start:start + _TAKE_CHUNK]
        func, _ = _elw.get_take_kernel(dtype, indices.dtype, len(src))
        _arithmetic.launch(func, indices.size, stream, indices, *src, *dest)
    return out


@public("PyGPU.gpuarray")
def multi_take_put(arrays: Sequence[GPUArray], dest_indices: GPUArray, src_indices: GPUArray,
                   dest_shape: Any = None, out: Sequence[GPUArray] | None = None,
                   src_offsets: Sequence[int] | None = None, stream: StreamLike = None) -> list[GPUArray]:
    """``out[k][dest_indices[i]] = arrays[k][src_indices[i] + src_offsets[k]]`` for every k and i.

    Parameters
    ----------
    arrays : sequence of GPUArray
        One dtype.
    dest_indices, src_indices : GPUArray
        1-D, of one integer dtype and one shape.
    dest_shape : int or tuple of int, optional
        The shape of the new outputs; required when `out` is None.
    out : sequence of GPUArray, optional
        One per array, the arrays' dtype (elements not written keep their contents).
    src_offsets : sequence of int, optional
        One per array, added to the source indices.
    stream : PyGPU.driver.Stream, optional

    Returns
    -------
    list of GPUArray
        `out`.

    Raises
    ------
    TypeError
        When the index arrays' dtypes differ or are not integers, or `out`'s dtype differs (DtypeMismatchError).
    ValueError
        When an index array is not 1-D, their shapes differ, `src_offsets` or `out` has another length, or
        neither `out` nor `dest_shape` is given.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([1.0, 2.0, 3.0]))
    >>> dest, src = gpuarray.to_gpu(np.array([0, 2])), gpuarray.to_gpu(np.array([2, 1]))
    >>> gpuarray.multi_take_put([a], dest, src, dest_shape=3, out=[gpuarray.zeros(3)])[0].get()
    array([3., 0., 2.])
    """
    if not len(arrays):
        return []
    arrays = _sources(arrays)
    dtype = _single_dtype(arrays)
    dest_indices = _flat(dest_indices, "dest_indices")
    src_indices = _flat(src_indices, "src_indices")
    if src_indices.dtype != dest_indices.dtype:
        raise TypeError("src_indices and dest_indices must have the same dtype")
    src_indices = _indices(src_indices, "src_indices")
    if src_indices.shape != dest_indices.shape:
        raise ValueError("src_indices and dest_indices must have the same shape")
    out = _outputs(out, len(arrays), dtype, dest_shape, arrays[0].allocator, 0)
    offsets: list[Any] = []
    chunk = _TAKE_CHUNK
    if src_offsets is not None:
        if len(src_offsets) != len(arrays):
            raise ValueError("src_indices and src_offsets must have the same length")
        offsets = [_arithmetic.to_dtype(o, src_indices.dtype) for o in src_offsets]
        chunk = _OFFSETS_CHUNK
    for start in range(0, len(arrays), chunk):
        src, dest = arrays[start:start + chunk], out[start:start + chunk]
        func, _ = _elw.get_take_put_kernel(dtype, src_indices.dtype, src_offsets is not None, len(src))
        _arithmetic.launch(func, src_indices.size, stream, dest_indices, src_indices, *src, *dest,
                           *offsets[start:start + chunk])
    return out


@public("PyGPU.gpuarray")
def multi_put(arrays: Sequence[GPUArray], dest_indices: GPUArray, dest_shape: Any = None,
              out: Sequence[GPUArray] | None = None, stream: StreamLike = None) -> list[GPUArray]:
    """``out[k][dest_indices[i]] = arrays[k][i]`` for every k and i, up to 10 arrays per launch.

    Parameters
    ----------
    arrays : sequence of GPUArray
        One dtype, each with ``dest_indices.size`` elements or more.
    dest_indices : GPUArray
        1-D, of an integer dtype.
    dest_shape : int or tuple of int, optional
        The shape of the new outputs; required when `out` is None.
    out : sequence of GPUArray, optional
        One per array, the arrays' dtype (elements not written keep their contents).
    stream : PyGPU.driver.Stream, optional

    Returns
    -------
    list of GPUArray
        `out`.

    Raises
    ------
    TypeError, ValueError, DtypeMismatchError, RuntimeError
        As :func:`multi_take_put`; ValueError also when an array is shorter than `dest_indices`.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([5, 6], np.int32))
    >>> out = gpuarray.zeros(4, np.int32)
    >>> gpuarray.multi_put([a], gpuarray.to_gpu(np.array([3, 0])), out=[out])[0].get()
    array([6, 0, 0, 5], dtype=int32)
    """
    if not len(arrays):
        return []
    arrays = _sources(arrays)
    dtype = _single_dtype(arrays)
    dest_indices = _indices(dest_indices, "dest_indices")
    _check_dense(arrays, dest_indices.size, "arrays")
    out = _outputs(out, len(arrays), dtype, dest_shape, arrays[0].allocator, 0)
    for start in range(0, len(arrays), _PUT_CHUNK):
        src, dest = arrays[start:start + _PUT_CHUNK], out[start:start + _PUT_CHUNK]
        func = _elw.get_put_kernel(dtype, dest_indices.dtype, len(src))
        _arithmetic.launch(func, dest_indices.size, stream, dest_indices, *dest, *src)
    return out


# ------------------------------------------------------------------------------ GPUArray's array-valued indexing

def broadcast(value: GPUArray, shape: tuple[int, ...]) -> GPUArray:
    """A view of `value` broadcast to `shape` (zero strides), as numpy's assignment broadcasts; ValueError as
    numpy's when it cannot."""
    source = value
    while source.ndim > len(shape) and source.shape[0] == 1:  # numpy drops leading axes of length 1
        source = source[0]
    if source.shape == shape:
        return source
    pad = len(shape) - source.ndim
    if pad < 0 or any(n not in (1, m) for n, m in zip(source.shape, shape[pad:])):
        raise ValueError(f"could not broadcast input array from shape {value.shape} into shape {shape}")
    strides = (0,) * pad + tuple(0 if n == 1 and m != 1 else s
                                 for n, m, s in zip(source.shape, shape[pad:], source.strides))
    return source._view(shape, strides)


def host_broadcast(value: np.ndarray[Any, Any], shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
    """`value` broadcast to `shape` as a dense host array (numpy's assignment rule and message)."""
    lead = value.ndim - len(shape)
    source = value.reshape(value.shape[lead:]) if lead > 0 and all(n == 1 for n in value.shape[:lead]) else value
    try:
        return np.ascontiguousarray(np.broadcast_to(source, shape))
    except ValueError:
        raise ValueError(f"could not broadcast input array from shape {value.shape} into shape {shape}") from None


def _checked_indices(a: GPUArray, index: GPUArray) -> GPUArray:
    """`index` as flat int64 indices into the 1-D array `a`, negative ones wrapped; numpy's IndexError for an
    index out of bounds (checked with two reductions before anything is read or written)."""
    if index.dtype.kind not in "iu":
        raise IndexError(f"arrays used as indices must be of integer type, not {index.dtype} (boolean masks are "
                         "not supported)")
    if a.ndim != 1:
        raise IndexError(f"an index array selects elements of a 1-D array only; this array has {a.ndim} dimensions")
    flat = _flat(index, "index").reshape(index.size)
    if not flat.size:
        return flat
    from . import _reductions

    low, high = int(_reductions.min(flat).get()), int(_reductions.max(flat).get())
    n = a.shape[0]
    for bad in (low, high):
        if not -n <= bad < n:
            raise IndexError(f"index {bad} is out of bounds for axis 0 with size {n}")
    if low < 0:
        wide: Any = flat.astype(np.int64)  # the operators are generated onto GPUArray: Any for mypy
        flat = wide + (wide < 0) * n
    return flat


def gather(a: GPUArray, index: GPUArray) -> GPUArray:
    """``a[index]`` for an integer GPUArray `index` and a 1-D `a`: a new array of `index`'s shape."""
    flat = _checked_indices(a, index)
    return take(a, flat).reshape(index.shape)


def scatter(a: GPUArray, index: GPUArray, value: Any) -> None:
    """``a[index] = value`` for an integer GPUArray `index` and a 1-D `a`; `value` a scalar, or a GPUArray or
    ndarray of `a`'s dtype broadcastable to `index`'s shape. With repeated indices one of the values lands."""
    GPUArray = _arithmetic._gpuarray()
    flat = _checked_indices(a, index)
    if isinstance(value, GPUArray):
        if value.dtype != a.dtype:
            raise DtypeMismatchError(f"dtype mismatch: {value.dtype} into {a.dtype}")
        values = broadcast(value, index.shape)
        values = values if values._order == "C" else values._copy_to_order("C")
    elif isinstance(value, np.ndarray):
        if value.dtype != a.dtype:
            raise DtypeMismatchError(f"dtype mismatch: {value.dtype} into {a.dtype}")
        values = GPUArray(index.shape, a.dtype, a.allocator)
        values.set(host_broadcast(value, index.shape))
    elif _arithmetic.is_scalar(value) or isinstance(value, np.generic):
        values = GPUArray(index.shape, a.dtype, a.allocator).fill(value)
    else:
        raise TypeError(f"cannot assign a {type(value).__name__} to a GPUArray (use a GPUArray, an ndarray or a "
                        "scalar)")
    dest = a if a._order else a._copy_to_order("C")
    multi_put([values.reshape(values.size)], flat, out=[dest])
    if dest is not a:
        a._copy_from(dest)
