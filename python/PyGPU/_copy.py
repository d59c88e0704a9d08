"""Copies between device views and host arrays of any strides.

A copy between two views of the same shape is planned as a set of pitched
2-D copies (cudaMemcpy2D): the innermost run contiguous on both sides is the
row width, the next axis with positive strides on both sides the row count,
and every remaining axis an outer loop of such copies. Contiguous views take
one plain cudaMemcpy. Nothing here limits the number of discontiguous axes
(PyCUDA refuses more than two).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from . import _core, _layout

if TYPE_CHECKING:
    import numpy.typing as npt


class View(NamedTuple):
    """A strided region: address of element 0, shape, byte strides.

    Parameters
    ----------
    ptr : int
        The address of element 0 (host or device).
    shape : tuple of int
        Elements per axis.
    strides : tuple of int
        Byte strides, one per axis; negative ones walk backwards.

    Examples
    --------
    >>> from PyGPU._copy import View
    >>> v = View(0x1000, (2, 3), (12, 4))
    >>> v.shape, v.strides
    ((2, 3), (12, 4))
    """

    ptr: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]


def host_view(a: npt.NDArray[Any]) -> View:
    """The :class:`View` of a host array: its data address, shape and strides.

    Parameters
    ----------
    a : numpy.ndarray
        Any host array; it must stay alive while the view is used.

    Returns
    -------
    View

    Examples
    --------
    >>> import numpy as np
    >>> from PyGPU._copy import host_view
    >>> a = np.zeros((2, 6), dtype=np.float32)
    >>> v = host_view(a[:, ::2])
    >>> v.ptr == a.ctypes.data, v.shape, v.strides
    (True, (2, 3), (24, 8))
    """
    return View(a.__array_interface__["data"][0], a.shape, a.strides)


class _Axis(NamedTuple):
    n: int
    dst: int
    src: int


class Plan(NamedTuple):
    """How :func:`copy` moves a view: pitched 2-D copies, repeated over the outer axes.

    Attributes
    ----------
    dst_offset, src_offset : int
        Byte offsets from element 0 to the first byte of the first copy.
    width : int
        Bytes per row.
    height : int
        Rows per 2-D copy (1: plain copies).
    dpitch, spitch : int
        Bytes between rows on the destination and source sides.
    outer : list
        The axes looped over, one copy per combination of their indices.

    Examples
    --------
    >>> from PyGPU._copy import plan
    >>> p = plan((2, 3), (12, 4), (24, 4), 4)  # a (2, 3) block of a (2, 6) array into a dense one
    >>> p.width, p.height, p.dpitch, p.spitch, p.calls()
    (12, 2, 12, 24, 1)
    """

    dst_offset: int
    src_offset: int
    width: int      # bytes per row
    height: int     # rows per 2-D copy
    dpitch: int
    spitch: int
    outer: list[_Axis]  # looped axes

    def calls(self) -> int:
        """The number of runtime copies the plan makes.

        Returns
        -------
        int
            The product of the outer axes' lengths (1 without outer axes).

        Examples
        --------
        >>> from PyGPU._copy import plan
        >>> plan((4, 2, 3), (4, 48, 16), (24, 12, 4), 4).calls()  # one 2-D copy per element of axis 0
        4
        """
        n = 1
        for axis in self.outer:
            n *= axis.n
        return n


def plan(shape: Sequence[int], dst_strides: Sequence[int], src_strides: Sequence[int], itemsize: int) -> Plan | None:
    """The 2-D pieces of a copy, or None when there is nothing to copy.

    Axes of length 1 are dropped, axes walked backwards on both sides are
    turned around, adjacent axes that are dense on both sides are merged, the
    innermost dense run becomes the row width and the next axis the rows.

    Parameters
    ----------
    shape : sequence of int
        The shape of both views.
    dst_strides, src_strides : sequence of int
        Byte strides of the destination and the source.
    itemsize : int
        Bytes per element.

    Returns
    -------
    Plan or None
        None for an empty shape.

    Examples
    --------
    >>> from PyGPU._copy import plan
    >>> p = plan((2, 3), (12, 4), (24, 4), 4)  # a (2, 3) block of a (2, 6) array into a dense one
    >>> p.width, p.height, p.dpitch, p.spitch, p.calls()
    (12, 2, 12, 24, 1)
    >>> plan((4, 5), (20, 4), (20, 4), 4).width  # contiguous on both sides: one piece
    80
    >>> plan((0, 3), (12, 4), (12, 4), 4) is None
    True
    """
    if any(n == 0 for n in shape):
        return None
    dst_off = src_off = 0
    regular: list[_Axis] = []
    irregular: list[_Axis] = []
    for n, d, s in zip(shape, dst_strides, src_strides):
        if n == 1:
            continue
        if d == 0:
            # Every element lands on the same place: as numpy, the last write wins.
            src_off += s * (n - 1)
            continue
        if d < 0 and s < 0:  # walk the axis backwards on both sides
            dst_off += d * (n - 1)
            src_off += s * (n - 1)
            regular.append(_Axis(n, -d, -s))
        else:
            (regular if d > 0 and s > 0 else irregular).append(_Axis(n, d, s))
    regular.sort(key=lambda a: (-a.src, -a.dst))
    merged: list[_Axis] = []
    for axis in regular:
        if merged and merged[-1].dst == axis.dst * axis.n and merged[-1].src == axis.src * axis.n:
            outer = merged.pop()
            merged.append(_Axis(outer.n * axis.n, axis.dst, axis.src))
        else:
            merged.append(axis)
    width = itemsize
    if merged and merged[-1].dst == itemsize and merged[-1].src == itemsize:
        width = merged.pop().n * itemsize
    height, dpitch, spitch = 1, width, width
    if merged and merged[-1].dst >= width and merged[-1].src >= width:
        row = merged.pop()
        height, dpitch, spitch = row.n, row.dst, row.src
    return Plan(dst_off, src_off, width, height, dpitch, spitch, irregular + merged)


def copy(dst: View, src: View, itemsize: int, kind: int, stream: _core.cudaStream_t | int | None = None) -> None:
    """Copy `src` into `dst` (same shape); raises PyGPU.CudaError on failure.

    With a stream every piece is queued on it (cudaMemcpy2DAsync), without
    one each piece is a synchronous copy.

    Parameters
    ----------
    dst, src : View
        The destination and the source, host or device memory as `kind` says.
    itemsize : int
        Bytes per element.
    kind : int
        A ``cudaMemcpyKind`` (``PyGPU.cudaMemcpyHostToDevice``...).
    stream : cudaStream_t or int, optional
        The stream to queue the pieces on; None copies synchronously.

    Raises
    ------
    ValueError
        When the shapes differ.
    PyGPU.CudaError
        When a runtime copy fails.

    Notes
    -----
    PyCUDA copies at most two discontiguous axes; any number works here.

    Examples
    --------
    >>> import numpy as np, PyGPU
    >>> from PyGPU._copy import View, copy, host_view
    >>> host = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> dev = PyGPU.zeros((3, 2), dtype=np.float32)
    >>> transposed = View(dev.ptr, (2, 3), (4, 8))  # dev seen with its axes swapped
    >>> copy(transposed, host_view(host), 4, PyGPU.cudaMemcpyHostToDevice)
    >>> dev.get()
    array([[0., 3.],
           [1., 4.],
           [2., 5.]], dtype=float32)
    """
    if dst.shape != src.shape:
        raise ValueError(f"shape mismatch: {dst.shape} and {src.shape}")
    p = plan(dst.shape, dst.strides, src.strides, itemsize)
    if p is None:
        return
    dst0 = dst.ptr + p.dst_offset
    src0 = src.ptr + p.src_offset
    for index in itertools.product(*(range(a.n) for a in p.outer)):
        d = dst0 + sum(i * a.dst for i, a in zip(index, p.outer))
        s = src0 + sum(i * a.src for i, a in zip(index, p.outer))
        if p.height == 1:
            err = (_core.cudaMemcpy(d, s, p.width, kind) if stream is None
                   else _core.cudaMemcpyAsync(d, s, p.width, kind, stream))
        else:
            err = (_core.cudaMemcpy2D(d, p.dpitch, s, p.spitch, p.width, p.height, kind) if stream is None
                   else _core.cudaMemcpy2DAsync(d, p.dpitch, s, p.spitch, p.width, p.height, kind, stream))
        if err:
            err.check()


def same_layout(a_shape: Sequence[int], a_strides: Sequence[int], b_shape: Sequence[int],
                b_strides: Sequence[int]) -> bool:
    """Whether two views walk their axes in the same order and direction, so
    a copy between them needs few pieces.

    Parameters
    ----------
    a_shape, a_strides, b_shape, b_strides : sequence of int
        The two views' shapes and byte strides.

    Returns
    -------
    bool

    Examples
    --------
    >>> from PyGPU._copy import same_layout
    >>> same_layout((2, 3), (12, 4), (2, 3), (48, 8))  # C order and a strided C-order view
    True
    >>> same_layout((2, 3), (12, 4), (2, 3), (4, 8))  # C order and F order
    False
    >>> same_layout((3,), (4,), (3,), (-4,))  # opposite directions
    False
    """
    return (_layout.axis_order(a_shape, a_strides) == _layout.axis_order(b_shape, b_strides)
            and all((x < 0) == (y < 0) for x, y in zip(a_strides, b_strides)))


def host_like(shape: Sequence[int], strides: Sequence[int], dtype: npt.DTypeLike,
              pagelocked: bool = False) -> npt.NDArray[Any]:
    """A dense host array with the axis order and directions of (shape, strides).

    This is what ``GPUArray.get()`` returns: the view's axis order is kept, as
    PyCUDA does, so the copy is as few pieces as the device side allows.

    Parameters
    ----------
    shape : sequence of int
        The shape of the result.
    strides : sequence of int
        Byte strides of the view to imitate (only their order and signs
        matter).
    dtype : numpy dtype or name
        The element type (one of ``PyGPU.dtypes`` when `pagelocked`).
    pagelocked : bool, optional
        Allocate pinned host memory (``cudaMallocHost``) instead of pageable.

    Returns
    -------
    numpy.ndarray
        Uninitialised.

    Examples
    --------
    >>> from PyGPU._copy import host_like
    >>> a = host_like((2, 3), (4, 8), "float32")  # the layout of an F-ordered view
    >>> a.shape, a.strides, a.flags.f_contiguous
    ((2, 3), (4, 8), True)
    >>> host_like((3,), (-4,), "int16").strides  # reversed, as the view
    (-2,)
    """
    dtype = np.dtype(dtype)
    order = _layout.axis_order(shape, strides)
    size = 1
    for n in shape:
        size *= n
    if pagelocked:
        allocator = getattr(_core, f"PagelockedAllocator_{dtype.name}")(size)
        flat = np.asarray(allocator)
    else:
        flat = np.empty(size, dtype)
    dense = flat.reshape([shape[axis] for axis in order]) if shape else flat.reshape(())
    out = dense.transpose(np.argsort(order)) if shape else dense
    flips = tuple(slice(None, None, -1) if s < 0 else slice(None) for s in strides)
    return out[flips] if flips else out
