"""HostAllocator_<dtype> (pageable) and PagelockedAllocator_<dtype> (pinned):
typed host memory with a buffer protocol, safe pointers, and a DeviceArray on top."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import PyGPU as g
from helpers import dtype_sample as sample

DTYPES = list(g.dtypes)  # the one dtype table
KINDS = ["HostAllocator", "PagelockedAllocator"]





def alloc_cls(kind: str, name: str):
    return getattr(g, f"{kind}_{name}")


pytestmark = [pytest.mark.parametrize("kind", KINDS), pytest.mark.parametrize("name", DTYPES)]


def test_construct_and_view(kind, name):
    a = alloc_cls(kind, name)(10)
    assert a.size() == 10
    p = a.ptr()
    assert isinstance(p, getattr(g, f"pointer_wrapper_{name}"))
    assert p.is_safe() and p.alive and p.extent == 10 * np.dtype(name).itemsize and int(p) != 0
    view = np.asarray(a)
    assert (view.shape, view.dtype, view.ndim) == ((10,), np.dtype(name), 1)
    assert view.flags.writeable and view.flags["C_CONTIGUOUS"]
    assert view.ctypes.data == int(p)
    assert np.shares_memory(view, np.asarray(a))


def test_writes_are_shared_between_view_and_pointer(kind, name):
    a = alloc_cls(kind, name)(8)
    values = sample(name, 8)
    view = np.asarray(a)
    view[...] = values
    p = a.ptr()
    assert all(p[i] == values[i] for i in range(8))
    other = sample(name, 8, start=30)
    for i in range(8):
        p[i] = other[i].item()
    assert np.array_equal(view, other)


def test_default_construction_then_allocate(kind, name):
    a = alloc_cls(kind, name)()
    assert a.size() == 0 and np.asarray(a).shape == (0,)
    assert a.allocate(6) == g.cudaSuccess
    assert a.size() == 6 and np.asarray(a).shape == (6,)
    assert a.ptr().extent == 6 * np.dtype(name).itemsize


def test_negative_sizes(kind, name):
    with pytest.raises(ValueError, match="n must be >= 0"):
        alloc_cls(kind, name)(-1)
    a = alloc_cls(kind, name)(4)
    with pytest.raises(ValueError, match="n must be >= 0"):
        a.allocate(-1)
    assert a.size() == 4 and a.ptr().is_safe()


def test_reallocate_replaces_the_memory(kind, name):
    a = alloc_cls(kind, name)(4)
    old = a.ptr()
    assert a.allocate(20) == g.cudaSuccess
    assert a.size() == 20 and np.asarray(a).shape == (20,)
    p = a.ptr()
    assert p.is_safe() and p.extent == 20 * np.dtype(name).itemsize
    p[19] = sample(name, 20)[19].item()
    assert not old.alive
    with pytest.raises(ValueError, match="freed"):
        old[0]


def test_free_invalidates_earlier_pointers(kind, name):
    a = alloc_cls(kind, name)(5)
    p = a.ptr()
    q = p + 2
    assert a.free() == g.cudaSuccess
    for ptr in (p, q):
        assert not ptr.alive and not ptr.is_safe()
        with pytest.raises(ValueError, match="freed"):
            ptr[0]
        with pytest.raises(ValueError, match="freed"):
            ptr[0] = sample(name, 1)[0].item()


def test_free_and_allocate_refused_while_a_view_is_alive(kind, name):
    a = alloc_cls(kind, name)(6)
    values = sample(name, 6)
    view = np.asarray(a)
    view[...] = values
    p = a.ptr()
    err = a.free()
    assert err == g.cudaErrorInvalidValue and "in use" in err.message
    err = a.allocate(12)
    assert err == g.cudaErrorInvalidValue and "in use" in err.message
    # the memory stays valid
    assert a.size() == 6 and p.alive and p.is_safe()
    assert np.array_equal(view, values) and all(p[i] == values[i] for i in range(6))
    del view
    gc.collect()
    assert a.free() == g.cudaSuccess and not p.alive


def test_destruction_frees(kind, name):
    a = alloc_cls(kind, name)(7)
    p = a.ptr()
    del a
    gc.collect()
    assert not p.alive
    with pytest.raises(ValueError, match="freed"):
        p[0]


def test_memory_type(kind, name):
    a = alloc_cls(kind, name)(16)
    attrs, err = g.cudaPointerGetAttributes(a.ptr())
    assert err == g.cudaSuccess
    expected = g.cudaMemoryTypeHost if kind == "PagelockedAllocator" else g.cudaMemoryTypeUnregistered
    assert attrs.type == expected
    assert g.cudaPointerGetAttributes(np.asarray(a))[0].type == expected


def test_allocation_uses_no_device_memory(kind, name):
    gc.collect()
    gc.disable()  # nothing left by earlier tests may be freed in between
    try:
        (free0, _), _ = g.cudaMemGetInfo()
        a = alloc_cls(kind, name)(1 << 16)
        assert g.cudaMemGetInfo()[0][0] == free0
        del a
    finally:
        gc.enable()


def test_device_array_on_the_buffer(kind, name):
    values = sample(name, 12)
    a = alloc_cls(kind, name)(12)
    np.asarray(a)[...] = values
    da = getattr(g, f"DeviceArray_{name}")(a)
    assert da.shape() == (12,) and np.shares_memory(np.asarray(da), np.asarray(a))
    assert da.allocate() == g.cudaSuccess and da.to_device() == g.cudaSuccess
    np.asarray(a)[...] = np.zeros((), dtype=values.dtype)
    assert da.to_host() == g.cudaSuccess
    assert np.array_equal(np.asarray(a), values)
    err = a.free()  # the DeviceArray holds a view of it
    assert err == g.cudaErrorInvalidValue and "in use" in err.message
    del da
    gc.collect()
    assert a.free() == g.cudaSuccess


def test_device_array_keeps_the_allocator_alive(kind, name):
    values = sample(name, 5)
    a = alloc_cls(kind, name)(5)
    np.asarray(a)[...] = values
    da = getattr(g, f"DeviceArray_{name}")(a)
    p = a.ptr()
    del a
    gc.collect()
    assert p.alive and np.array_equal(np.asarray(da), values)
    del da
    gc.collect()
    assert not p.alive  # gone with the last reference


def test_device_array_on_the_pointer(kind, name):
    values = sample(name, 12)
    a = alloc_cls(kind, name)(12)
    np.asarray(a)[...] = values
    da = getattr(g, f"DeviceArray_{name}")(a.ptr(), (12,))
    assert da.size() == 12 and np.array_equal(np.asarray(da), values)
    assert da.allocate() == g.cudaSuccess and da.to_device() == g.cudaSuccess
    np.asarray(a)[...] = np.zeros((), dtype=values.dtype)
    assert da.to_host() == g.cudaSuccess
    assert np.array_equal(np.asarray(a), values)
    da2 = getattr(g, f"DeviceArray_{name}")(a.ptr(), (3, 4), order="F")
    assert np.array_equal(np.asarray(da2), values.reshape((3, 4), order="F"))


def test_too_large_allocate_keeps_the_current_block(kind, name):
    """The size was checked after the current block was released."""
    a = alloc_cls(kind, name)(4)
    n = 2**64 // np.dtype(name).itemsize  # past size_t in bytes (in elements too for 1-byte items)
    with pytest.raises(ValueError, match=rf"^n is too large: {n}( elements of {name} exceed the address space)?$"):
        a.allocate(n)
    assert a.size() == 4
