"""The private helpers under GPUArray: layouts (PyGPU._layout), copy plans (PyGPU._copy) and element
conversions (PyGPU._convert). These were docstring examples; they are checks, so they live here."""

from __future__ import annotations

import numpy as np
import pytest

import PyGPU as g
from PyGPU import _convert, _copy, _layout


def test_c_and_f_strides():
    assert _layout.c_strides((2, 3, 4), 8) == (96, 32, 8)
    assert _layout.c_strides((), 4) == ()
    assert _layout.c_strides((2, 0, 3), 4) == (12, 12, 4)  # a length-0 axis counts as 1, as numpy
    assert _layout.f_strides((2, 3, 4), 8) == (8, 16, 48)
    assert _layout.f_strides((), 4) == ()


def test_contiguity():
    assert _layout.is_c_contiguous((2, 3), (12, 4), 4)
    assert not _layout.is_c_contiguous((2, 3), (4, 8), 4)
    assert _layout.is_c_contiguous((3, 1), (4, 99), 4)  # the stride of a length-1 axis does not matter
    assert _layout.is_f_contiguous((2, 3), (4, 8), 4)
    assert not _layout.is_f_contiguous((2, 3), (12, 4), 4)


def test_axis_order_and_compact_strides():
    assert _layout.axis_order((2, 3, 4), (4, 32, 8)) == [1, 2, 0]  # a transposed view
    assert _layout.axis_order((2, 3), (-12, 4)) == [0, 1]
    assert _layout.compact_strides((2, 3), (48, 8), 4) == (12, 4)  # every other column of a (2, 6) array
    assert _layout.compact_strides((2, 3), (4, 8), 4) == (4, 8)  # F order stays F order
    assert _layout.compact_strides((3,), (-4,), 4) == (4,)


def test_span():
    assert _layout.span((2, 3), (12, 4), 4) == (0, 24)
    assert _layout.span((3,), (-8,), 4) == (-16, 4)  # a reversed view of every other element
    assert _layout.span((0, 5), (20, 4), 4) == (0, 0)


def test_normalize_shape():
    assert _layout.normalize_shape(3) == (3,)
    assert _layout.normalize_shape([2, np.int64(4)]) == (2, 4)
    assert _layout.normalize_shape(np.array(5)) == (5,)
    with pytest.raises(ValueError, match=r"^negative dimensions are not allowed: \(2, -1\)$"):
        _layout.normalize_shape((2, -1))
    with pytest.raises(TypeError, match=r"^shape must be an int or an iterable of ints, got float$"):
        _layout.normalize_shape(2.0)
    with pytest.raises(ValueError, match=r"^shape \(4611686018427387904, 4\) of 4-byte elements is too large"):
        _layout.normalize_shape((2**62, 4), itemsize=4)
    assert _layout.normalize_shape((2**62, 0), itemsize=1) == (2**62, 0)  # a length-0 axis counts as 1


def test_normalize_strides():
    assert _layout.normalize_strides([8, np.int32(-4)], 2) == (8, -4)
    with pytest.raises(TypeError, match=r"^strides must hold ints, got float$"):
        _layout.normalize_strides([4.7], 1)
    with pytest.raises(ValueError, match=r"^stride 9223372036854775808 is out of range"):
        _layout.normalize_strides([2**63], 1)
    with pytest.raises(ValueError, match=r"^strides \(8,\) do not match the 2-dimensional shape$"):
        _layout.normalize_strides([8], 2)


def test_parse_index():
    assert _layout.parse_index((4, 5), (20, 4), (1, slice(None, None, 2))) == ((3,), (8,), 20)
    assert _layout.parse_index((4, 5), (20, 4), (Ellipsis, None)) == ((4, 5, 1), (20, 4, 0), 0)
    assert _layout.parse_index((4,), (4,), slice(None, None, -1)) == ((4,), (-4,), 12)
    with pytest.raises(IndexError, match=r"^index 4 is out of bounds for axis 0 with size 4$"):
        _layout.parse_index((4,), (4,), 4)


def test_copy_plan():
    p = _copy.plan((2, 3), (12, 4), (24, 4), 4)  # a (2, 3) block of a (2, 6) array into a dense one
    assert (p.width, p.height, p.dpitch, p.spitch, p.calls()) == (12, 2, 12, 24, 1)
    assert _copy.plan((4, 5), (20, 4), (20, 4), 4).width == 80  # contiguous on both sides: one piece
    assert _copy.plan((0, 3), (12, 4), (12, 4), 4) is None
    assert _copy.plan((4, 2, 3), (4, 48, 16), (24, 12, 4), 4).calls() == 4  # one 2-D copy per element of axis 0


def test_views_and_host_arrays():
    v = _copy.View(0x1000, (2, 3), (12, 4))
    assert (v.ptr, v.shape, v.strides) == (0x1000, (2, 3), (12, 4))
    a = np.zeros((2, 6), dtype=np.float32)
    hv = _copy.host_view(a[:, ::2])
    assert (hv.ptr, hv.shape, hv.strides) == (a.ctypes.data, (2, 3), (24, 8))
    h = _copy.host_like((2, 3), (4, 8), "float32")  # the layout of an F-ordered view
    assert (h.shape, h.strides, h.flags.f_contiguous) == ((2, 3), (4, 8), True)
    assert _copy.host_like((3,), (-4,), "int16").strides == (-2,)  # reversed, as the view


def test_same_layout():
    assert _copy.same_layout((2, 3), (12, 4), (2, 3), (48, 8))  # C order and a strided C-order view
    assert not _copy.same_layout((2, 3), (12, 4), (2, 3), (4, 8))  # C order and F order
    assert not _copy.same_layout((3,), (4,), (3,), (-4,))  # opposite directions


def test_copy_into_a_transposed_device_view():
    host = np.arange(6, dtype=np.float32).reshape(2, 3)
    dev = g.zeros((3, 2), dtype=np.float32)
    transposed = _copy.View(dev.ptr, (2, 3), (4, 8))  # dev seen with its axes swapped
    _copy.copy(transposed, _copy.host_view(host), 4, g.cudaMemcpyHostToDevice)
    np.testing.assert_array_equal(dev.get(), host.T)


def test_element_conversions():
    value = _convert.from_bytes(np.float32(2.5).tobytes(), "float32")
    assert type(value) is np.float32 and value == 2.5
    assert _convert.to_bytes(7, "int16") == np.int16(7).tobytes()
    assert _convert.to_bytes(1.5, "float64") == np.float64(1.5).tobytes()
    with pytest.raises(OverflowError, match=r"^300 is out of range for uint8 \(0 to 255\)$"):
        _convert.to_bytes(300, "uint8")
    with pytest.raises(TypeError, match=r"^cannot store 1\.5 in a int32 element without losing its fraction$"):
        _convert.to_bytes(1.5, "int32")
