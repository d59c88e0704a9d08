"""pointer_wrapper_void: the address objects cudaMalloc and cudaMallocHost return."""

from __future__ import annotations

import pytest

import PyGPU as g


def test_device_pointer_object(dev_alloc):
    ptr = dev_alloc(1024)
    assert int(ptr) == ptr.__index__() and int(ptr) > 0
    assert ptr.is_device() and not ptr.is_safe() and ptr.alive and ptr.extent == 1024
    assert "device" in repr(ptr) and hex(int(ptr)) in repr(ptr)


def test_pinned_pointer_is_safe_until_freed():
    ptr, _ = g.cudaMallocHost(64)
    assert ptr.is_safe() and not ptr.is_device()
    g.cudaFreeHost(ptr)
    assert not ptr.is_safe() and "freed" in repr(ptr)


def test_arithmetic_keeps_the_extent(dev_alloc):
    ptr = dev_alloc(1024)
    q = ptr + 1000
    assert int(q) == int(ptr) + 1000 and q.extent == 24 and q.is_device()
    assert (ptr + 1024).extent == 0
    with pytest.raises(IndexError, match="past the end"):
        ptr + 1025
    with pytest.raises(ValueError, match="offset must be >= 0"):
        ptr + (-1)
    with pytest.raises(TypeError):
        ptr + 1.5


def test_offset_pointer_shares_liveness():
    ptr, _ = g.cudaMalloc(512)
    q = ptr + 256
    g.cudaFree(ptr)
    assert not q.alive
    assert g.cudaMemset(q, 0, 1) == g.cudaErrorInvalidValue


def test_equality_and_hash(dev_alloc):
    ptr = dev_alloc(64)
    same = g.pointer_wrapper_void(int(ptr))
    assert ptr == same and hash(ptr) == hash(same)
    assert ptr != ptr + 1 and (ptr == int(ptr)) is False


def test_raw_wrapper_is_unsafe():
    p = g.pointer_wrapper_void(0x1000)
    assert int(p) == 0x1000 and not p.is_safe() and not p.is_device() and p.extent == 0 and p.alive
    with pytest.raises(ValueError, match="address must be >= 0"):
        g.pointer_wrapper_void(-1)
    with pytest.raises(TypeError):
        g.pointer_wrapper_void("0x1000")


def test_print_address(capsys, dev_alloc):
    ptr = dev_alloc(64)
    ptr.print_address()
    assert capsys.readouterr().out.strip() == hex(int(ptr))


def test_index_past_int64_is_an_index_error():
    """Was pybind11's RuntimeError 'Unable to cast'."""
    p = g.HostAllocator_float32(4).ptr()
    with pytest.raises(IndexError, match=r"^index 1180591620717411303424 is out of bounds for 4 element\(s\)$"):
        p[2**70]
    with pytest.raises(IndexError, match=r"^index -1180591620717411303424 is out of bounds .*indices >= 0$"):
        p[-(2**70)] = 1


@pytest.mark.parametrize("name", ["count", "is_safe", "is_device", "get", "set", "print_address", "__int__"])
def test_unbound_methods_refuse_none_as_self(name):
    """count and is_safe were bound as member function pointers, whose self
    pybind11 converts from None to a null pointer: a segmentation fault."""
    with pytest.raises(TypeError, match=rf"^{name}\(\): incompatible function arguments"):
        getattr(g.pointer_wrapper_float32, name)(None)


@pytest.mark.parametrize("name", ["alive", "extent", "dtype"])
def test_property_getters_refuse_none(name):
    with pytest.raises(TypeError, match=r"incompatible function arguments"):
        getattr(g.pointer_wrapper_void, name).fget(None)
