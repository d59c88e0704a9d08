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
from ._errors import check

if TYPE_CHECKING:
    import numpy.typing as npt


class View(NamedTuple):
    """A strided region: the address of element 0, the shape and the byte strides (negative ones walk backwards)."""

    ptr: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]


def host_view(a: npt.NDArray[Any]) -> View:
    """The View of host array `a` (which must stay alive while the view is used)."""
    return View(a.__array_interface__["data"][0], a.shape, a.strides)


class _Axis(NamedTuple):
    n: int
    dst: int
    src: int


class Plan(NamedTuple):
    """How copy() moves a view: pitched 2-D copies (width bytes x height rows), repeated over the outer axes."""

    dst_offset: int
    src_offset: int
    width: int      # bytes per row
    height: int     # rows per 2-D copy
    dpitch: int
    spitch: int
    outer: list[_Axis]  # looped axes

    def calls(self) -> int:
        """The number of runtime copies the plan makes."""
        n = 1
        for axis in self.outer:
            n *= axis.n
        return n


def plan(shape: Sequence[int], dst_strides: Sequence[int], src_strides: Sequence[int], itemsize: int) -> Plan | None:
    """The 2-D pieces of a copy, or None when there is nothing to copy.

    Axes of length 1 are dropped, axes walked backwards on both sides turned around, adjacent axes dense
    on both sides merged; the innermost dense run is the row width, the next axis the rows.
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
    """Copy `src` into `dst` (same shape, else ValueError) as `kind` says; queued on `stream` when given.

    Any number of discontiguous axes works (PyCUDA copies at most two); raises PyGPU.CudaError when a
    runtime copy fails.
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
        check(err)


def same_layout(a_shape: Sequence[int], a_strides: Sequence[int], b_shape: Sequence[int],
                b_strides: Sequence[int]) -> bool:
    """Whether two views walk their axes in the same order and direction, so a copy between them needs few pieces."""
    return (_layout.axis_order(a_shape, a_strides) == _layout.axis_order(b_shape, b_strides)
            and all((x < 0) == (y < 0) for x, y in zip(a_strides, b_strides)))


def host_like(shape: Sequence[int], strides: Sequence[int], dtype: npt.DTypeLike,
              pagelocked: bool = False) -> npt.NDArray[Any]:
    """A dense, uninitialised host array with the axis order and directions of (shape, strides): what get() returns."""
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
