"""Page-locked (pinned) host arrays: PyGPU.driver.pagelocked_* and host_alloc_flags."""

from __future__ import annotations

import enum
import math
import operator
from typing import TYPE_CHECKING, Any, Callable, Literal, Union

import numpy as np

from . import _core as _g
from ._errors import error_for
from ._public import public

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import SupportsIndex

    import numpy.typing as npt
    from typing_extensions import TypeAlias

    #: An array shape: an int or a sequence of ints.
    ShapeLike: TypeAlias = Union[SupportsIndex, Sequence[SupportsIndex]]


@public("PyGPU.driver")
class host_alloc_flags(enum.IntFlag):
    """``mem_flags`` for :func:`pagelocked_empty` (accepted and checked; see its notes).

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> a = cuda.pagelocked_zeros(4, "float32", mem_flags=cuda.host_alloc_flags.PORTABLE)
    """

    PORTABLE = 1
    DEVICEMAP = 2
    WRITECOMBINED = 4



def _pinned_allocator(dtype: np.dtype[Any]) -> Callable[[int], _g.PagelockedAllocator]:
    """The PagelockedAllocator class for `dtype`; TypeError for a dtype PyGPU lacks."""
    if dtype.isnative and dtype.name in _g.dtypes and np.dtype(dtype.name) == dtype:
        allocator: Callable[[int], _g.PagelockedAllocator] = getattr(_g, f"PagelockedAllocator_{dtype.name}")
        return allocator
    raise TypeError(f"pagelocked arrays of dtype {dtype} are not supported; "
                    f"supported dtypes: {', '.join(_g.dtypes)}")



@public("PyGPU.driver")
def pagelocked_empty(shape: ShapeLike, dtype: npt.DTypeLike, order: Literal["C", "F"] = "C",
                     mem_flags: int = 0) -> npt.NDArray[Any]:
    """A numpy array in page-locked (pinned) host memory, freed with its last view.

    Parameters
    ----------
    shape : int or tuple of int
    dtype : numpy dtype
        One of ``PyGPU.dtypes``.
    order : {"C", "F"}, default "C"
    mem_flags : int, default 0
        A combination of :class:`host_alloc_flags`.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError
        For an unsupported dtype or a non-int `mem_flags`.
    ValueError
        For an `order` other than "C" or "F", or a negative dimension.
    CudaError
        ``cudaErrorInvalidValue`` for unknown `mem_flags` bits, ``cudaErrorMemoryAllocation`` when pinned
        memory runs out.

    Notes
    -----
    PyCUDA allocates with ``cuMemHostAlloc(mem_flags)``; PyGPU always allocates portable pinned memory,
    which satisfies every flag a program can observe here.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> a = cuda.pagelocked_empty((2, 3), "float32", order="F")
    >>> a.shape, a.flags.f_contiguous
    ((2, 3), True)
    """
    dtype = np.dtype(dtype)
    if order not in ("C", "F"):
        raise ValueError(f"order must be 'C' or 'F', got {order!r}")
    try:
        flags = operator.index(mem_flags)
    except TypeError:
        raise TypeError(f"mem_flags must be an int, got {type(mem_flags).__name__}") from None
    if flags & ~7:
        raise error_for(_g.cudaErrorInvalidValue, f"unknown mem_flags {flags:#x} (use host_alloc_flags)",
                     "pagelocked_empty")
    raw: Any = shape  # an int, a sequence of ints, or anything numpy takes as a shape
    dims = (operator.index(raw),) if np.ndim(raw) == 0 else tuple(operator.index(n) for n in raw)
    if any(n < 0 for n in dims):
        raise ValueError(f"negative dimensions are not allowed: {dims}")
    allocator = _pinned_allocator(dtype)(math.prod(dims))
    return np.asarray(allocator).reshape(dims, order=order)


@public("PyGPU.driver")
def pagelocked_zeros(shape: ShapeLike, dtype: npt.DTypeLike, order: Literal["C", "F"] = "C",
                     mem_flags: int = 0) -> npt.NDArray[Any]:
    """Like :func:`pagelocked_empty`, filled with zeros.

    Parameters
    ----------
    shape, dtype, order, mem_flags
        As :func:`pagelocked_empty`.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError, ValueError, CudaError
        As :func:`pagelocked_empty`.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> float(cuda.pagelocked_zeros(3, "float64").sum())
    0.0
    """
    result = pagelocked_empty(shape, dtype, order, mem_flags)
    result.fill(0)
    return result



def order_of(array: npt.NDArray[Any]) -> Literal["C", "F"]:
    """"C" or "F", the order `array` is contiguous in; ValueError for neither."""
    if array.flags.c_contiguous:
        return "C"
    if array.flags.f_contiguous:
        return "F"
    raise ValueError("could not detect array order")



@public("PyGPU.driver")
def pagelocked_empty_like(array: npt.NDArray[Any], mem_flags: int = 0) -> npt.NDArray[Any]:
    """A pinned array with the shape, dtype and order of `array`.

    Parameters
    ----------
    array : numpy.ndarray
        C- or F-contiguous.
    mem_flags : int, default 0
        As :func:`pagelocked_empty`.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ValueError
        When `array` is neither C- nor F-contiguous.
    TypeError, CudaError
        As :func:`pagelocked_empty`.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> cuda.pagelocked_empty_like(np.zeros((2, 2), dtype=np.int32)).dtype
    dtype('int32')
    """
    return pagelocked_empty(array.shape, array.dtype, order_of(array), mem_flags)


@public("PyGPU.driver")
def pagelocked_zeros_like(array: npt.NDArray[Any], mem_flags: int = 0) -> npt.NDArray[Any]:
    """Like :func:`pagelocked_empty_like`, filled with zeros.

    Parameters
    ----------
    array, mem_flags
        As :func:`pagelocked_empty_like`.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ValueError, TypeError, CudaError
        As :func:`pagelocked_empty_like`.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> int(cuda.pagelocked_zeros_like(np.ones(3, dtype=np.int64)).sum())
    0
    """
    result = pagelocked_empty_like(array, mem_flags)
    result.fill(0)
    return result
