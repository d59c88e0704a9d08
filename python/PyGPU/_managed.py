"""Managed memory arrays: PyGPU.driver.managed_empty/_zeros/_like, ManagedAllocation and mem_attach_flags.

A managed array is a numpy array over memory from ``cudaMallocManaged``: one address for the host and
every device, so host code reads and writes it in place, and its address is the device pointer a kernel
or a copy takes (``int(a.base)``). Its ``base`` is the :class:`ManagedAllocation`, which frees the memory
when the last view goes. As on CUDA, host code must not touch the array while a kernel that uses it is
running: synchronise first.
"""

from __future__ import annotations

import contextlib
import enum
import math
import operator
import sys
import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import _core as _g
from ._errors import check, error_for
from ._layout import c_strides, f_strides, normalize_shape
from ._pinned import order_of
from ._public import public
from ._pycuda_names import NotOffered

if TYPE_CHECKING:
    import numpy.typing as npt

    from ._pinned import ShapeLike


@public("PyGPU.driver")
class mem_attach_flags(enum.IntFlag):
    """``mem_flags`` of the managed arrays: CUDA's ``cudaMemAttach*`` values.

    ``GLOBAL``: any stream on any device may use the memory; ``HOST``: only the host, until it is attached
    to a stream; ``SINGLE`` (a stream's own memory) needs ``cudaStreamAttachMemAsync``, which PyGPU does not
    bind, so allocating with it is ``cudaErrorInvalidValue``, as ``cudaMallocManaged`` answers.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> int(cuda.mem_attach_flags.GLOBAL), int(cuda.mem_attach_flags.HOST)
    (1, 2)
    """

    GLOBAL = 1
    HOST = 2
    SINGLE = 4



@public("PyGPU.driver")
class ManagedAllocation:
    """The managed memory of an array from :func:`managed_empty` (and the others): the array's ``base``.

    ``int(allocation)`` and :meth:`get_device_pointer` give its address, the same on the host and the
    devices. The memory is freed when the last view of the array goes, or by :meth:`free`; after that the
    array must not be used (as in PyCUDA: its memory is gone). Only the managed array functions make one:
    the constructor raises TypeError.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> a = cuda.managed_zeros(4, "float32")
    >>> isinstance(a.base, cuda.ManagedAllocation), a.base.get_device_pointer() == a.ctypes.data
    (True, True)
    """

    # PyCUDA's attach(mem_flags, stream) changes the memory's stream association with
    # cudaStreamAttachMemAsync, which the runtime layer does not bind.
    attach = NotOffered("the runtime layer has no cudaStreamAttachMemAsync")

    _ptr: _g.pointer_wrapper_void | None
    _interface: dict[str, Any]

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise TypeError("ManagedAllocation cannot be created directly; use managed_empty(shape, dtype, ...)")

    @classmethod
    def _allocate(cls, shape: tuple[int, ...], dtype: np.dtype[Any], order: Literal["C", "F"],
                  flags: int) -> ManagedAllocation:
        """The managed memory for an array of `shape`, `dtype` and `order`: the one way to make one."""
        self = cls.__new__(cls)
        self._ptr = None
        # cudaMallocManaged refuses 0 bytes: an empty array takes one.
        nbytes = max(math.prod(shape) * dtype.itemsize, 1)
        ptr, err = _g.cudaMallocManaged(nbytes, flags)
        check(err)
        assert ptr is not None
        self._ptr = ptr
        strides = f_strides(shape, dtype.itemsize) if order == "F" else c_strides(shape, dtype.itemsize)
        self._interface = {"shape": shape, "typestr": dtype.str, "descr": dtype.descr, "strides": strides,
                           "data": (int(ptr), False), "version": 3}
        return self

    @property
    def __array_interface__(self) -> dict[str, Any]:
        if self._ptr is None or not self._ptr.alive:
            raise ValueError("the managed allocation was freed; its array cannot be used")
        return dict(self._interface)

    def get_device_pointer(self) -> int:
        """The memory's address, the same on the host and every device (ValueError once it was freed).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.managed_empty(2, "int32").base.get_device_pointer() != 0
        True
        """
        if self._ptr is None or not self._ptr.alive:
            raise ValueError("the managed allocation was freed")
        return int(self._ptr)

    def __int__(self) -> int:
        return self.get_device_pointer()

    def __index__(self) -> int:
        return self.get_device_pointer()

    def free(self) -> None:
        """Free the memory now (``cudaFree``, which waits for queued work that uses it); a second call, or
        one after a reset of the device freed it, does nothing.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.managed_empty(8, "float64").base.free()
        """
        ptr, self._ptr = self._ptr, None
        if ptr is not None and ptr.alive:
            check(_g.cudaFree(ptr))

    def __del__(self) -> None:
        ptr = getattr(self, "_ptr", None)
        if ptr is None or sys.is_finalizing():
            return
        try:
            self._ptr = None
            if ptr.alive:
                err = _g.cudaFree(ptr)
                if int(err) != _g.cudaSuccess:
                    warnings.warn(f"freeing managed memory failed: {err.name}", RuntimeWarning, stacklevel=2)
        except Exception as exc:  # destructors never raise
            with contextlib.suppress(Exception):
                warnings.warn(f"freeing managed memory failed: {exc}", RuntimeWarning, stacklevel=2)



@public("PyGPU.driver")
def managed_empty(shape: ShapeLike, dtype: npt.DTypeLike, order: Literal["C", "F"] = "C",
                  mem_flags: int = 0) -> npt.NDArray[Any]:
    """A numpy array in managed memory (``cudaMallocManaged``), usable from the host and every device.

    Parameters
    ----------
    shape : int or tuple of int
    dtype : numpy dtype
    order : {"C", "F"}, default "C"
    mem_flags : int, default 0
        :class:`mem_attach_flags` ``GLOBAL`` or ``HOST``; 0, PyCUDA's default, means ``GLOBAL``.

    Returns
    -------
    numpy.ndarray
        Its ``base`` is the :class:`ManagedAllocation`; ``int(a.base)`` (the same as ``a.ctypes.data``) is
        the device pointer a kernel or a copy takes.

    Raises
    ------
    TypeError
        For a non-int `mem_flags`, a bad `shape`, or a `dtype` that holds Python objects.
    ValueError
        For an `order` other than "C" or "F", or a negative dimension.
    CudaError
        ``cudaErrorInvalidValue`` for `mem_flags` other than GLOBAL and HOST (SINGLE included),
        ``cudaErrorMemoryAllocation`` when the device is full.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> a = cuda.managed_empty((2, 3), np.float32, order="F")
    >>> a[:] = 1.5
    >>> a.shape, a.flags.f_contiguous, float(a.sum())
    ((2, 3), True, 9.0)
    """
    dt = np.dtype(dtype)
    if dt.hasobject:
        raise TypeError(f"managed arrays hold plain data, not Python objects (dtype {dt})")
    if order not in ("C", "F"):
        raise ValueError(f"order must be 'C' or 'F', got {order!r}")
    try:
        flags = operator.index(mem_flags)
    except TypeError:
        raise TypeError(f"mem_flags must be an int, got {type(mem_flags).__name__}") from None
    if flags == mem_attach_flags.SINGLE:
        raise error_for(_g.cudaErrorInvalidValue, "mem_attach_flags.SINGLE needs cudaStreamAttachMemAsync, which "
                        "PyGPU does not bind; allocate with GLOBAL or HOST", "managed_empty")
    dims = normalize_shape(shape, dt.itemsize)
    allocation = ManagedAllocation._allocate(dims, dt, order, flags or int(mem_attach_flags.GLOBAL))
    array: npt.NDArray[Any] = np.asarray(allocation)
    return array


@public("PyGPU.driver")
def managed_zeros(shape: ShapeLike, dtype: npt.DTypeLike, order: Literal["C", "F"] = "C",
                  mem_flags: int = 0) -> npt.NDArray[Any]:
    """Like :func:`managed_empty`, filled with zeros.

    Parameters
    ----------
    shape, dtype, order, mem_flags
        As :func:`managed_empty`.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError, ValueError, CudaError
        As :func:`managed_empty`.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> float(cuda.managed_zeros(3, "float64").sum())
    0.0
    """
    result = managed_empty(shape, dtype, order, mem_flags)
    result.fill(0)
    return result


@public("PyGPU.driver")
def managed_empty_like(array: npt.NDArray[Any], mem_flags: int = 0) -> npt.NDArray[Any]:
    """A managed array with the shape, dtype and order of `array`.

    Parameters
    ----------
    array : numpy.ndarray
        C- or F-contiguous.
    mem_flags : int, default 0
        As :func:`managed_empty`.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ValueError
        When `array` is neither C- nor F-contiguous.
    TypeError, CudaError
        As :func:`managed_empty`.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> cuda.managed_empty_like(np.zeros((2, 2), dtype=np.int16)).dtype
    dtype('int16')
    """
    return managed_empty(array.shape, array.dtype, order_of(array), mem_flags)


@public("PyGPU.driver")
def managed_zeros_like(array: npt.NDArray[Any], mem_flags: int = 0) -> npt.NDArray[Any]:
    """Like :func:`managed_empty_like`, filled with zeros.

    Parameters
    ----------
    array, mem_flags
        As :func:`managed_empty_like`.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ValueError, TypeError, CudaError
        As :func:`managed_empty_like`.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> int(cuda.managed_zeros_like(np.ones(3, dtype=np.int64)).sum())
    0
    """
    result = managed_empty_like(array, mem_flags)
    result.fill(0)
    return result
