"""Array layouts: contiguous strides, flags, memory spans and index parsing.

Pure functions on (shape, strides, itemsize), strides in bytes as numpy's.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

Shape = tuple[int, ...]


def c_strides(shape: Sequence[int], itemsize: int) -> Shape:
    """The byte strides of a C-contiguous (row-major) array.

    Parameters
    ----------
    shape : sequence of int
        The array's shape.
    itemsize : int
        Bytes per element.

    Returns
    -------
    tuple of int
        One stride per axis, the last axis the densest; axes of length 0
        count as length 1 (as numpy).

    Examples
    --------
    >>> from PyGPU._layout import c_strides
    >>> c_strides((2, 3, 4), 8)
    (96, 32, 8)
    >>> c_strides((), 4)
    ()
    """
    strides: list[int] = []
    step = itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def f_strides(shape: Sequence[int], itemsize: int) -> Shape:
    """The byte strides of an F-contiguous (column-major) array.

    Parameters
    ----------
    shape : sequence of int
        The array's shape.
    itemsize : int
        Bytes per element.

    Returns
    -------
    tuple of int
        One stride per axis, the first axis the densest.

    Examples
    --------
    >>> from PyGPU._layout import f_strides
    >>> f_strides((2, 3, 4), 8)
    (8, 16, 48)
    """
    strides: list[int] = []
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
    """Whether (shape, strides) is a dense row-major layout.

    numpy's rule: axes of length 1 do not matter, empty arrays are contiguous.

    Parameters
    ----------
    shape : sequence of int
        The array's shape.
    strides : sequence of int
        Byte strides, one per axis.
    itemsize : int
        Bytes per element.

    Returns
    -------
    bool

    Examples
    --------
    >>> from PyGPU._layout import is_c_contiguous
    >>> is_c_contiguous((2, 3), (12, 4), 4)
    True
    >>> is_c_contiguous((2, 3), (4, 8), 4)
    False
    >>> is_c_contiguous((3, 1), (4, 99), 4)  # the stride of a length-1 axis does not matter
    True
    """
    return _contiguous(shape, strides, itemsize, range(len(shape) - 1, -1, -1))


def is_f_contiguous(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> bool:
    """Whether (shape, strides) is a dense column-major layout (numpy's rule, as :func:`is_c_contiguous`).

    Parameters
    ----------
    shape : sequence of int
        The array's shape.
    strides : sequence of int
        Byte strides, one per axis.
    itemsize : int
        Bytes per element.

    Returns
    -------
    bool

    Examples
    --------
    >>> from PyGPU._layout import is_f_contiguous
    >>> is_f_contiguous((2, 3), (4, 8), 4)
    True
    >>> is_f_contiguous((2, 3), (12, 4), 4)
    False
    """
    return _contiguous(shape, strides, itemsize, range(len(shape)))


def axis_order(shape: Sequence[int], strides: Sequence[int]) -> list[int]:
    """Axes from the largest |stride| to the smallest (ties keep C order).

    Parameters
    ----------
    shape : sequence of int
        The array's shape.
    strides : sequence of int
        Byte strides, one per axis (negative ones count by their size).

    Returns
    -------
    list of int
        The axis numbers, outermost first.

    Examples
    --------
    >>> from PyGPU._layout import axis_order
    >>> axis_order((2, 3, 4), (4, 32, 8))  # a transposed view
    [1, 2, 0]
    >>> axis_order((2, 3), (-12, 4))
    [0, 1]
    """
    return sorted(range(len(shape)), key=lambda axis: (-abs(strides[axis]), axis))


def compact_strides(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> Shape:
    """Dense positive strides with the same axis order as `strides`.

    This is the layout ``to_gpu`` gives a copy of a host array: a strided or
    reversed view becomes dense, and its axis order is kept.

    Parameters
    ----------
    shape : sequence of int
        The array's shape.
    strides : sequence of int
        Byte strides, one per axis.
    itemsize : int
        Bytes per element.

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> from PyGPU._layout import compact_strides
    >>> compact_strides((2, 3), (48, 8), 4)  # every other column of a (2, 6) array
    (12, 4)
    >>> compact_strides((2, 3), (4, 8), 4)  # F order stays F order
    (4, 8)
    >>> compact_strides((3,), (-4,), 4)
    (4,)
    """
    out = [0] * len(shape)
    step = itemsize
    for axis in reversed(axis_order(shape, strides)):
        out[axis] = step
        step *= max(shape[axis], 1)
    return tuple(out)


def span(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> tuple[int, int]:
    """(lowest, highest + itemsize) byte offsets reached from element 0.

    Parameters
    ----------
    shape : sequence of int
        The array's shape.
    strides : sequence of int
        Byte strides, one per axis (negative ones reach below element 0).
    itemsize : int
        Bytes per element.

    Returns
    -------
    tuple of int
        ``(low, high)``: the view touches bytes ``[ptr + low, ptr + high)``;
        ``(0, 0)`` for an empty array.

    Examples
    --------
    >>> from PyGPU._layout import span
    >>> span((2, 3), (12, 4), 4)
    (0, 24)
    >>> span((3,), (-8,), 4)  # a reversed view of every other element
    (-16, 4)
    >>> span((0, 5), (20, 4), 4)
    (0, 0)
    """
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
    """int, numpy integer, 0-d array, or an iterable of ints -> a tuple of ints.

    Parameters
    ----------
    shape : int, numpy integer, 0-d array or iterable of ints
        A shape as ``numpy.empty`` accepts it.
    itemsize : int, optional
        Bytes per element: when given, the shape must also fit in memory by
        numpy's rule (`itemsize` times the sizes, a size of 0 counted as 1,
        at most 2**63 - 1 bytes).

    Returns
    -------
    tuple of int

    Raises
    ------
    TypeError
        For anything else, including bools and floats among the dimensions.
    ValueError
        For a negative dimension, or a shape too large for memory.

    Examples
    --------
    >>> import numpy as np
    >>> from PyGPU._layout import normalize_shape
    >>> normalize_shape(3), normalize_shape([2, np.int64(4)]), normalize_shape(np.array(5))
    ((3,), (2, 4), (5,))
    >>> normalize_shape((2, -1))
    Traceback (most recent call last):
    ...
    ValueError: negative dimensions are not allowed: (2, -1)
    >>> normalize_shape(2.0)
    Traceback (most recent call last):
    ...
    TypeError: shape must be an int or an iterable of ints, got float
    >>> normalize_shape((2**62, 4), itemsize=4)
    Traceback (most recent call last):
    ...
    ValueError: shape (4611686018427387904, 4) of 4-byte elements is too large: more than 2**63 - 1 bytes
    """
    if isinstance(shape, np.ndarray) and shape.ndim == 0:
        shape = shape.item()
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    out = _int_items(shape, "shape", "an int or an iterable of ints")
    if any(n < 0 for n in out):
        raise ValueError(f"negative dimensions are not allowed: {tuple(out)}")
    if itemsize is not None:
        reach = itemsize
        for n in out:
            reach *= max(n, 1)
        if reach > MAX_BYTES:
            raise ValueError(f"shape {tuple(out)} of {itemsize}-byte elements is too large: more than 2**63 - 1 bytes")
    return tuple(out)


def normalize_strides(strides: Any, ndim: int) -> Shape:
    """Byte strides given by a caller -> a tuple of ints, one per axis.

    Parameters
    ----------
    strides : iterable of int
        Byte strides (numpy integers too; not floats or bools).
    ndim : int
        The number of axes they must match.

    Returns
    -------
    tuple of int
        One byte stride per axis.

    Raises
    ------
    TypeError
        For anything but an iterable of ints.
    ValueError
        For a count that does not match `ndim`, or a stride past 2**63 - 1
        in size.

    Examples
    --------
    >>> from PyGPU._layout import normalize_strides
    >>> normalize_strides([8, 4], 2)
    (8, 4)
    >>> normalize_strides([4.7], 1)
    Traceback (most recent call last):
    ...
    TypeError: strides must hold ints, got float
    """
    out = _int_items(strides, "strides", "an iterable of ints")
    for s in out:
        if abs(s) > MAX_BYTES:
            raise ValueError(f"stride {s} is out of range (at most 2**63 - 1 bytes either way)")
    if len(out) != ndim:
        raise ValueError(f"strides {tuple(out)} do not match the {ndim}-dimensional shape")
    return tuple(out)


def parse_index(shape: Shape, strides: Shape, index: Any) -> tuple[Shape, Shape, int]:
    """A basic numpy index -> (shape, strides, byte offset) of the view.

    Supports ints (negative too, bounds-checked), slices with any step, one
    Ellipsis and numpy.newaxis. Boolean masks and integer arrays (advanced
    indexing, which would need a device kernel) raise IndexError.

    Parameters
    ----------
    shape : tuple of int
        The indexed array's shape.
    strides : tuple of int
        Its byte strides.
    index : int, slice, Ellipsis, None or a tuple of them
        What ``a[index]`` received.

    Returns
    -------
    tuple
        ``(shape, strides, offset)`` of the view, `offset` in bytes from the
        indexed array's element 0.

    Raises
    ------
    IndexError
        For an index out of bounds, too many indices, more than one
        Ellipsis, a bool, a list, an array or another type.

    Notes
    -----
    Unlike PyCUDA, ``a[5:2]`` is an empty view (PyCUDA raises) and negative
    steps work.

    Examples
    --------
    >>> from PyGPU._layout import parse_index
    >>> parse_index((4, 5), (20, 4), (1, slice(None, None, 2)))
    ((3,), (8,), 20)
    >>> parse_index((4, 5), (20, 4), (Ellipsis, None))
    ((4, 5, 1), (20, 4, 0), 0)
    >>> parse_index((4,), (4,), slice(None, None, -1))
    ((4,), (-4,), 12)
    >>> parse_index((4,), (4,), 4)
    Traceback (most recent call last):
    ...
    IndexError: index 4 is out of bounds for axis 0 with size 4
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
