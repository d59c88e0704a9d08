"""Array layouts: contiguous strides, flags, memory spans and index parsing (pure functions, strides in bytes)."""

from __future__ import annotations

import numbers
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

Shape = tuple[int, ...]


def c_strides(shape: Sequence[int], itemsize: int) -> Shape:
    """The byte strides of a C-contiguous array of `shape` (a length-0 axis counts as 1, as numpy)."""
    if len(shape) == 1:  # the common case, on every array creation
        return (itemsize,)
    strides: list[int] = []
    step = itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def f_strides(shape: Sequence[int], itemsize: int) -> Shape:
    """The byte strides of an F-contiguous array of `shape`."""
    if len(shape) == 1:
        return (itemsize,)
    strides: list[int] = []
    step = itemsize
    for n in shape:
        strides.append(step)
        step *= max(n, 1)
    return tuple(strides)


def _contiguous(shape: Sequence[int], strides: Sequence[int], itemsize: int, axes: Sequence[int]) -> bool:
    """Whether (shape, strides) is dense when walked over `axes`, innermost last."""
    if any(n == 0 for n in shape):
        return True
    step = itemsize
    for axis in axes:
        if shape[axis] != 1 and strides[axis] != step:
            return False
        step *= shape[axis]
    return True


def is_c_contiguous(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> bool:
    """Whether (shape, strides) is C-contiguous (the stride of a length-1 axis does not matter)."""
    return _contiguous(shape, strides, itemsize, range(len(shape) - 1, -1, -1))


def is_f_contiguous(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> bool:
    """Whether (shape, strides) is F-contiguous (the stride of a length-1 axis does not matter)."""
    return _contiguous(shape, strides, itemsize, range(len(shape)))


def axis_order(shape: Sequence[int], strides: Sequence[int]) -> list[int]:
    """The axes from the largest absolute stride to the smallest (ties keep C order)."""
    return sorted(range(len(shape)), key=lambda axis: (-abs(strides[axis]), axis))


def compact_strides(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> Shape:
    """Dense positive strides in the axis order of `strides`: the layout to_gpu gives a copy of a strided view."""
    out = [0] * len(shape)
    step = itemsize
    for axis in reversed(axis_order(shape, strides)):
        out[axis] = step
        step *= max(shape[axis], 1)
    return tuple(out)


def span(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> tuple[int, int]:
    """(low, high): the byte range (shape, strides) reaches, relative to element 0; (0, 0) when empty."""
    if any(n == 0 for n in shape):
        return 0, 0
    low = sum(s * (n - 1) for n, s in zip(shape, strides) if s < 0)
    high = sum(s * (n - 1) for n, s in zip(shape, strides) if s > 0)
    return low, high + itemsize


MAX_BYTES = 2**63 - 1  # numpy's limit (and ptrdiff_t's): the bytes an array spans must fit a signed 64-bit int


def _int_items(values: Any, what: str, expected: str) -> list[int]:
    """The items of an iterable of ints (numpy integers too; not bools or floats) as ints."""
    try:
        items = tuple(values)
    except TypeError:
        raise TypeError(f"{what} must be {expected}, got {type(values).__name__}") from None
    for n in items:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (numbers.Integral, np.integer)):
            raise TypeError(f"{what} must hold ints, got {type(n).__name__}")
    return [int(n) for n in items]


def normalize_shape(shape: Any, itemsize: int | None = None) -> Shape:
    """A shape as numpy.empty takes it -> a tuple of ints; with `itemsize`, it must also fit in MAX_BYTES."""
    out: Sequence[int] | None = (shape,) if type(shape) is int else shape if type(shape) is tuple else None
    for n in out or ():  # plain ints (the common forms) need no conversion
        if type(n) is not int:
            out = None
            break
    if out is None:
        if isinstance(shape, np.ndarray) and shape.ndim == 0:
            shape = shape.item()
        if isinstance(shape, numbers.Integral):
            shape = (shape,)
        out = _int_items(shape, "shape", "an int or an iterable of ints")
    reach = 1 if itemsize is None else itemsize
    for n in out:
        if n < 0:
            raise ValueError(f"negative dimensions are not allowed: {tuple(out)}")
        reach *= n if n > 1 else 1
    if itemsize is not None and reach > MAX_BYTES:
        raise ValueError(f"shape {tuple(out)} of {itemsize}-byte elements is too large: more than 2**63 - 1 bytes")
    return tuple(out)


def normalize_strides(strides: Any, ndim: int) -> Shape:
    """Byte strides given by a caller -> a tuple of ints, one per axis (TypeError, ValueError otherwise)."""
    out = _int_items(strides, "strides", "an iterable of ints")
    for s in out:
        if abs(s) > MAX_BYTES:
            raise ValueError(f"stride {s} is out of range (at most 2**63 - 1 bytes either way)")
    if len(out) != ndim:
        raise ValueError(f"strides {tuple(out)} do not match the {ndim}-dimensional shape")
    return tuple(out)


def parse_index(shape: Shape, strides: Shape, index: Any) -> tuple[Shape, Shape, int]:
    """A basic numpy index -> (shape, strides, byte offset) of the view.

    Ints (bounds-checked), slices with any step, one Ellipsis and newaxis; advanced indexing (a device
    kernel's job) raises IndexError.
    """
    if not isinstance(index, tuple):
        index = (index,)
    for entry in index:
        if isinstance(entry, (list, np.ndarray)) or (hasattr(entry, "__cuda_array_interface__")):
            raise IndexError("only integers, slices, Ellipsis and numpy.newaxis are valid indices "
                             "(boolean masks are not supported; an integer index array must be a GPUArray, alone, on a "
                             "1-D array)")
        if isinstance(entry, (bool, np.bool_)):
            raise IndexError("boolean indices are not supported")
    if sum(1 for entry in index if entry is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consuming = sum(1 for entry in index if entry is not None and entry is not Ellipsis)
    if consuming > len(shape):
        raise IndexError(f"too many indices: array is {len(shape)}-dimensional, but {consuming} were indexed")
    new_shape: list[int] = []
    new_strides: list[int] = []
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
