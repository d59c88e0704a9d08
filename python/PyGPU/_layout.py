"""Array layouts: contiguous strides, flags, memory spans and index parsing.

Pure functions on (shape, strides, itemsize), strides in bytes as numpy's.
"""

from __future__ import annotations

import numbers
import operator
from typing import Any, List, Sequence, Tuple

import numpy as np

Shape = Tuple[int, ...]


def c_strides(shape: Sequence[int], itemsize: int) -> Shape:
    strides = []
    step = itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def f_strides(shape: Sequence[int], itemsize: int) -> Shape:
    strides = []
    step = itemsize
    for n in shape:
        strides.append(step)
        step *= max(n, 1)
    return tuple(strides)


def _contiguous(shape: Sequence[int], strides: Sequence[int], itemsize: int, axes: Sequence[int]) -> bool:
    if any(n == 0 for n in shape):
        return True
    step = itemsize
    for axis in axes:
        if shape[axis] != 1 and strides[axis] != step:
            return False
        step *= shape[axis]
    return True


def is_c_contiguous(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> bool:
    """numpy's rule: axes of length 1 do not matter, empty arrays are contiguous."""
    return _contiguous(shape, strides, itemsize, range(len(shape) - 1, -1, -1))


def is_f_contiguous(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> bool:
    return _contiguous(shape, strides, itemsize, range(len(shape)))


def axis_order(shape: Sequence[int], strides: Sequence[int]) -> List[int]:
    """Axes from the largest |stride| to the smallest (ties keep C order)."""
    return sorted(range(len(shape)), key=lambda axis: (-abs(strides[axis]), axis))


def compact_strides(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> Shape:
    """Dense positive strides with the same axis order as `strides`."""
    out = [0] * len(shape)
    step = itemsize
    for axis in reversed(axis_order(shape, strides)):
        out[axis] = step
        step *= max(shape[axis], 1)
    return tuple(out)


def span(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> Tuple[int, int]:
    """(lowest, highest + itemsize) byte offsets reached from element 0."""
    if any(n == 0 for n in shape):
        return 0, 0
    low = sum(s * (n - 1) for n, s in zip(shape, strides) if s < 0)
    high = sum(s * (n - 1) for n, s in zip(shape, strides) if s > 0)
    return low, high + itemsize


def normalize_shape(shape: Any) -> Shape:
    """int, numpy integer, 0-d array, or an iterable of ints -> a tuple of ints."""
    if isinstance(shape, np.ndarray) and shape.ndim == 0:
        shape = shape.item()
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"shape must be an int or an iterable of ints, got {type(shape).__name__}") from None
    out = []
    for n in dims:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (numbers.Integral, np.integer)):
            raise TypeError(f"shape must hold ints, got {type(n).__name__}")
        if n < 0:
            raise ValueError(f"negative dimensions are not allowed: {tuple(dims)}")
        out.append(int(n))
    return tuple(out)


def parse_index(shape: Shape, strides: Shape, index: Any) -> Tuple[Shape, Shape, int]:
    """A basic numpy index -> (shape, strides, byte offset) of the view.

    Supports ints (negative too, bounds-checked), slices with any step, one
    Ellipsis and numpy.newaxis. Boolean masks and integer arrays (advanced
    indexing, which would need a device kernel) raise IndexError.
    """
    if not isinstance(index, tuple):
        index = (index,)
    for entry in index:
        if isinstance(entry, (list, np.ndarray)) or (hasattr(entry, "__cuda_array_interface__")):
            raise IndexError("only integers, slices, Ellipsis and numpy.newaxis are valid indices "
                             "(boolean masks and integer arrays are not supported)")
        if isinstance(entry, (bool, np.bool_)):
            raise IndexError("boolean indices are not supported")
    if sum(1 for entry in index if entry is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consuming = sum(1 for entry in index if entry is not None and entry is not Ellipsis)
    if consuming > len(shape):
        raise IndexError(f"too many indices: array is {len(shape)}-dimensional, but {consuming} were indexed")
    new_shape: List[int] = []
    new_strides: List[int] = []
    offset = 0
    axis = 0
    for entry in index:
        if entry is Ellipsis:
            for _ in range(len(shape) - consuming):
                new_shape.append(shape[axis])
                new_strides.append(strides[axis])
                axis += 1
        elif entry is None:
            new_shape.append(1)
            new_strides.append(0)
        elif isinstance(entry, slice):
            start, stop, step = entry.indices(shape[axis])
            n = len(range(start, stop, step))  # a[5:2] is empty, unlike PyCUDA
            new_shape.append(n)
            new_strides.append(strides[axis] * step)
            if n:
                offset += strides[axis] * start
            axis += 1
        else:
            try:
                i = operator.index(entry)
            except TypeError:
                raise IndexError(f"invalid index of type {type(entry).__name__}: only integers, slices, "
                                 "Ellipsis and numpy.newaxis are valid indices") from None
            n = shape[axis]
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for axis {axis} with size {n}")
            offset += strides[axis] * (i % n if n else 0)
            axis += 1
    while axis < len(shape):
        new_shape.append(shape[axis])
        new_strides.append(strides[axis])
        axis += 1
    return tuple(new_shape), tuple(new_strides), offset
