"""DeviceArray_<dtype>: a host side (a zero-copy view of the caller's buffer, or
memory the array owns) and a device side, with copies between them."""

from __future__ import annotations

import array
import gc
import re

import numpy as np
import pytest

import PyGPU as g
from helpers import dtype_sample as sample
from helpers import from_device

H2D, D2H = g.cudaMemcpyHostToDevice, g.cudaMemcpyDeviceToHost

DTYPES = list(g.dtypes)  # the one dtype table



def cls(name: str):
    return getattr(g, f"DeviceArray_{name}")




@pytest.fixture
def no_gc():
    """Free memory is measured exactly: collect what earlier tests left in
    reference cycles, and keep the collector from running in between."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def mem_free() -> int:
    (free, _), err = g.cudaMemGetInfo()
    assert err == g.cudaSuccess
    return free


def other_dtype(name: str) -> str:
    return DTYPES[(DTYPES.index(name) + 1) % len(DTYPES)]


def names_dtype(message: str, name: str) -> bool:
    return re.search(rf"\b{name}\b", message) is not None


# ------------------------------------------------------------------ classes

@pytest.mark.parametrize("name", DTYPES)
def test_one_class_per_dtype_with_a_shared_base(name):
    c = cls(name)
    assert issubclass(c, g.DeviceArray) and c is not g.DeviceArray
    da = c(sample(name))
    assert isinstance(da, g.DeviceArray)
    assert isinstance(da.dtype, np.dtype) and da.dtype == np.dtype(name)
    assert da.itemsize() == np.dtype(name).itemsize
    assert len({cls(n) for n in DTYPES}) == len(DTYPES)


def test_documentation_round_trip():
    A = np.arange(10, dtype=np.int64)
    da = g.DeviceArray_int64(A)
    da.allocate()
    da.to_device()
    A[:] = 0
    da.to_host()
    assert (np.arange(10) == A).all()


# ------------------------------------------------- buffer constructor, layouts

LAYOUTS = {
    # name: (shape of the base array, the view of it the DeviceArray wraps)
    "C-1d": ((10,), lambda b: b),
    "C-2d": ((4, 6), lambda b: b),
    "F-2d": ((6, 4), lambda b: b.T),
    "F-3d": ((5, 4, 3), lambda b: b.T),
    "every-other": ((12,), lambda b: b[::2]),
    "column-slice": ((4, 6), lambda b: b[:, 1:3]),
    "3d-strided": ((3, 4, 5), lambda b: b[:, ::2, 1:]),
    "negative": ((10,), lambda b: b[::-1]),
    "negative-2d": ((4, 6), lambda b: b[::-1, ::2]),
    "0-d": ((), lambda b: b[...]),
    "size-0": ((0,), lambda b: b),
    "size-0-2d": ((3, 0), lambda b: b),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", DTYPES)
def test_buffer_view_keeps_layout_and_round_trips(name, layout):
    base_shape, make_view = LAYOUTS[layout]
    base = sample(name, base_shape)
    view = make_view(base)
    da = cls(name)(view)

    assert da.shape() == view.shape and isinstance(da.shape(), tuple)
    assert isinstance(da.strides(), tuple) and len(da.strides()) == view.ndim
    assert (da.ndim(), da.size(), da.nbytes()) == (view.ndim, view.size, view.nbytes)
    host = np.asarray(da)
    assert (host.shape, host.dtype) == (view.shape, view.dtype) and host.flags.writeable
    if view.size:  # (the strides of an empty array mean nothing; the buffer protocol changes them)
        assert da.strides() == view.strides and host.strides == view.strides
        assert np.shares_memory(host, view)
        assert host.__array_interface__["data"][0] == view.__array_interface__["data"][0]

    expected = view.copy()
    outside = np.ones(base.shape, dtype=bool)
    make_view(outside)[...] = False  # the elements of the base the view does not cover
    assert da.allocate() == g.cudaSuccess and da.allocated()
    assert da.to_device() == g.cudaSuccess
    base[...] = np.zeros((), dtype=base.dtype)
    assert da.to_host() == g.cudaSuccess
    assert np.array_equal(view, expected)              # the view gets its exact values back
    assert not base[outside].any()                     # and nothing around it is touched
    assert da.last_status() == g.cudaSuccess


@pytest.mark.parametrize("name", DTYPES)
def test_buffer_view_is_zero_copy_both_ways(name):
    A = sample(name, (3, 4))
    da = cls(name)(A)
    host = np.asarray(da)
    A[1, 2] = A[0, 0]
    assert host[1, 2] == A[0, 0]
    host[2, 3] = A[0, 1]
    assert A[2, 3] == A[0, 1]


@pytest.mark.parametrize("name", DTYPES)
def test_buffer_is_kept_alive(name):
    A = sample(name, (4, 5))
    expected = A.copy()
    da = cls(name)(A)
    del A
    gc.collect()
    assert np.array_equal(np.asarray(da), expected)
    strided = cls(name)(sample(name, (4, 5))[:, ::2])  # a temporary view of a temporary
    gc.collect()
    assert np.array_equal(np.asarray(strided), expected[:, ::2])
    assert da.allocate() == g.cudaSuccess and da.to_device() == g.cudaSuccess
    np.asarray(da)[...] = np.zeros((), dtype=expected.dtype)
    assert da.to_host() == g.cudaSuccess
    assert np.array_equal(np.asarray(da), expected)


ARRAY_TYPECODES = {"int8": "b", "int16": "h", "int32": "i", "int64": "q", "uint8": "B", "uint16": "H",
                   "uint32": "I", "uint64": "Q", "float32": "f", "float64": "d"}


@pytest.mark.parametrize("name", sorted(ARRAY_TYPECODES))
def test_any_buffer_protocol_object(name):
    src = array.array(ARRAY_TYPECODES[name], range(1, 9))
    da = cls(name)(src)
    assert da.shape() == (8,) and np.array_equal(np.asarray(da), np.arange(1, 9))
    assert da.allocate() == g.cudaSuccess and da.to_device() == g.cudaSuccess
    src[3] = 0
    assert da.to_host() == g.cudaSuccess and src[3] == 4


def test_platform_format_codes_are_accepted():
    # numpy's int64 exports "l" on LP64 platforms, array.array("l") too
    assert g.DeviceArray_int64(array.array("l", [1, 2, 3])).size() == 3
    assert g.DeviceArray_uint64(array.array("L", [1, 2, 3])).size() == 3


def test_bytes_are_a_read_only_uint8_buffer():
    da = g.DeviceArray_uint8(b"\x01\x02\x03")
    assert np.array_equal(np.asarray(da), [1, 2, 3]) and not np.asarray(da).flags.writeable
    with pytest.raises(TypeError):
        g.DeviceArray_int8(b"\x01\x02\x03")


@pytest.mark.parametrize("name", DTYPES)
def test_buffer_of_another_dtype_is_a_type_error(name):
    other = other_dtype(name)
    with pytest.raises(TypeError) as info:
        cls(name)(sample(other))
    message = str(info.value)
    assert names_dtype(message, name) and names_dtype(message, other), message


@pytest.mark.parametrize(("name", "other"), [("int32", "float32"), ("float32", "int32"), ("uint8", "bool"),
                                         ("bool", "uint8"), ("int8", "uint8"), ("uint64", "int64"),
                                         ("int64", "float64"), ("float64", "complex64"),
                                         ("complex64", "float64"), ("int16", "float16")])
def test_same_itemsize_other_kind_is_a_type_error(name, other):
    with pytest.raises(TypeError) as info:
        cls(name)(sample(other))
    message = str(info.value)
    assert names_dtype(message, name) and names_dtype(message, other), message


@pytest.mark.parametrize("name", [n for n in DTYPES if np.dtype(n).itemsize > 1])
def test_non_native_byte_order_is_a_type_error(name):
    swapped = sample(name).astype(np.dtype(name).newbyteorder("S"))
    with pytest.raises(TypeError):
        cls(name)(swapped)


def test_non_buffer_non_shape_is_a_type_error():
    with pytest.raises(TypeError):
        g.DeviceArray_float32(object())
    with pytest.raises(TypeError):
        g.DeviceArray_float32(1.5)


# -------------------------------------------------------- shape constructor

SHAPES = [(5,), (3, 4), [2, 3, 4], (), (0,), (2, 0)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("name", DTYPES)
def test_shape_constructor_allocates_zeroed_host_memory(name, order, shape):
    da = cls(name)(shape, order=order)
    ref = np.zeros(tuple(shape), dtype=np.dtype(name), order=order)
    host = np.asarray(da)
    assert (host.shape, host.dtype) == (ref.shape, ref.dtype) and da.shape() == ref.shape
    if ref.size:  # (numpy's strides for an empty array are a convention of its own)
        assert host.strides == ref.strides and da.strides() == ref.strides
    assert (da.size(), da.nbytes(), da.ndim()) == (ref.size, ref.nbytes, ref.ndim)
    assert host.flags.writeable and not host.any()
    assert host.flags["F_CONTIGUOUS" if order == "F" else "C_CONTIGUOUS"]
    assert np.shares_memory(host, np.asarray(da)) or ref.size == 0  # the same memory each time

    values = sample(name, tuple(shape))
    host[...] = values
    assert da.allocate() == g.cudaSuccess and da.to_device() == g.cudaSuccess
    host[...] = np.zeros((), dtype=ref.dtype)
    assert da.to_host() == g.cudaSuccess
    assert np.array_equal(np.asarray(da), values)


@pytest.mark.parametrize("name", DTYPES)
def test_shape_constructor_default_order_is_c(name):
    host = np.asarray(cls(name)((3, 4)))
    assert host.flags["C_CONTIGUOUS"] and not host.flags["F_CONTIGUOUS"]
    host = np.asarray(cls(name)([3, 4], "F"))
    assert host.flags["F_CONTIGUOUS"] and not host.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize("name", DTYPES)
def test_shape_constructor_rejects_bad_arguments(name):
    with pytest.raises(ValueError, match="negative sizes"):
        cls(name)((2, -1))
    with pytest.raises(ValueError, match="negative sizes"):
        cls(name)([-3])
    with pytest.raises(ValueError, match="order must be 'C' or 'F'"):
        cls(name)((2, 3), order="X")
    with pytest.raises(ValueError, match="order must be 'C' or 'F'"):
        cls(name)((2, 3), order="c_order")
    with pytest.raises(TypeError):
        cls(name)((2.5,))


# ------------------------------------------------ host pointer constructor

@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("name", DTYPES)
def test_host_pointer_constructor(name, order):
    alloc = getattr(g, f"HostAllocator_{name}")(12)
    backing = np.asarray(alloc)
    backing[...] = sample(name, (12,))
    da = cls(name)(alloc.ptr(), (3, 4), order=order)
    host = np.asarray(da)
    assert np.shares_memory(host, backing)
    assert host.shape == (3, 4) and da.shape() == (3, 4)
    assert host.flags["F_CONTIGUOUS" if order == "F" else "C_CONTIGUOUS"]
    assert np.array_equal(host, backing.reshape((3, 4), order=order))
    del host

    expected = backing.copy()
    assert da.allocate() == g.cudaSuccess and da.to_device() == g.cudaSuccess
    backing[...] = np.zeros((), dtype=backing.dtype)
    assert da.to_host() == g.cudaSuccess
    assert np.array_equal(backing, expected)


@pytest.mark.parametrize("name", DTYPES)
def test_host_pointer_constructor_on_pinned_memory(name):
    values = sample(name, (2, 5))
    pinned, err = g.cudaMallocHost(values.nbytes)
    assert err == g.cudaSuccess
    try:
        typed = getattr(g, f"pointer_wrapper_{name}")(pinned)
        da = cls(name)(typed, [2, 5])
        np.asarray(da)[...] = values
        assert da.allocate() == g.cudaSuccess and da.to_device() == g.cudaSuccess
        np.asarray(da)[...] = np.zeros((), dtype=values.dtype)
        assert da.to_host() == g.cudaSuccess
        back = np.zeros_like(values)
        assert g.cudaMemcpy(back, pinned, values.nbytes, g.cudaMemcpyHostToHost) == g.cudaSuccess
        assert np.array_equal(back, values)
        del da
    finally:
        g.cudaFreeHost(pinned)


@pytest.mark.parametrize("name", DTYPES)
def test_host_pointer_of_another_dtype_is_a_type_error(name):
    alloc = getattr(g, f"HostAllocator_{other_dtype(name)}")(8)
    with pytest.raises(TypeError):
        cls(name)(alloc.ptr(), (8,))


@pytest.mark.parametrize("name", DTYPES)
def test_unsafe_host_pointer_is_a_value_error(name, dev_alloc):
    P = getattr(g, f"pointer_wrapper_{name}")
    device = P(dev_alloc(8 * np.dtype(name).itemsize))
    with pytest.raises(ValueError, match="needs a safe host pointer"):
        cls(name)(device, (8,))
    host = np.zeros(8, dtype=np.dtype(name))
    with pytest.raises(ValueError, match="needs a safe host pointer"):
        cls(name)(P(host.ctypes.data), (8,))  # a raw address: nothing known about it


@pytest.mark.parametrize("name", DTYPES)
def test_host_pointer_extent_must_cover_the_shape(name):
    alloc = getattr(g, f"HostAllocator_{name}")(5)
    with pytest.raises(ValueError, match="the pointer reaches"):
        cls(name)(alloc.ptr(), (2, 3))
    with pytest.raises(ValueError, match="the pointer reaches"):
        cls(name)(alloc.ptr() + 2, (4,))
    assert cls(name)(alloc.ptr() + 2, (3,)).size() == 3  # exactly enough


@pytest.mark.parametrize("kind", ["HostAllocator", "PagelockedAllocator"])
@pytest.mark.parametrize("name", DTYPES)
def test_freed_host_memory_is_refused(name, kind):
    alloc = getattr(g, f"{kind}_{name}")(6)
    da = cls(name)(alloc.ptr(), (6,))
    assert da.allocate() == g.cudaSuccess and da.to_device() == g.cudaSuccess
    assert alloc.free() == g.cudaSuccess
    for copy in (da.to_host, da.to_device):
        err = copy()
        assert err == g.cudaErrorInvalidValue and "freed" in err.message
    with pytest.raises(BufferError):
        memoryview(da)
    with pytest.raises(BufferError):
        np.asarray(da)  # not a 0-d object array either


def test_freed_pinned_memory_is_refused():
    pinned, _ = g.cudaMallocHost(64)
    da = g.DeviceArray_float64(g.pointer_wrapper_float64(pinned), (8,))
    assert da.allocate() == g.cudaSuccess
    assert g.cudaFreeHost(pinned) == g.cudaSuccess
    err = da.to_host()
    assert err == g.cudaErrorInvalidValue and "freed" in err.message
    err = da.to_device()
    assert err == g.cudaErrorInvalidValue and "freed" in err.message
    with pytest.raises(BufferError):
        memoryview(da)
    with pytest.raises(BufferError):
        np.asarray(da)  # not a 0-d object array either


# ------------------------------------------------ raw addresses constructor

@pytest.mark.parametrize("name", DTYPES)
def test_raw_addresses_are_not_owned(name, dev_alloc, no_gc):
    host = sample(name, (3, 4))
    dev = dev_alloc(host.nbytes)
    free0 = mem_free()
    da = cls(name)(host.ctypes.data, int(dev), (3, 4))
    assert da.allocated() and int(da.device_data()) == int(dev)
    assert np.shares_memory(np.asarray(da), host)
    assert da.to_device() == g.cudaSuccess
    assert np.array_equal(from_device(dev, host), host)
    assert da.allocate() == g.cudaSuccess and mem_free() == free0  # already has its device side
    assert da.free() == g.cudaSuccess and not da.allocated()
    del da
    gc.collect()
    assert mem_free() == free0
    # the device memory is still there and usable
    other = sample(name, (3, 4), start=40)
    assert g.cudaMemcpy(dev, other, other.nbytes, H2D) == g.cudaSuccess
    assert np.array_equal(from_device(dev, other), other)


@pytest.mark.parametrize("name", DTYPES)
def test_raw_addresses_to_host_and_order(name, dev_alloc):
    values = sample(name, (3, 4))
    dev = dev_alloc(values.nbytes)
    assert g.cudaMemcpy(dev, np.asfortranarray(values), values.nbytes, H2D) == g.cudaSuccess
    host = np.zeros((3, 4), dtype=values.dtype, order="F")
    da = cls(name)(host.ctypes.data, int(dev), (3, 4), order="F")
    assert da.strides() == host.strides
    assert da.to_host() == g.cudaSuccess
    assert np.array_equal(host, values)
    del da
    gc.collect()
    assert g.cudaMemcpy(host, dev, values.nbytes, D2H) == g.cudaSuccess  # not freed by the array


def test_raw_addresses_without_device_side():
    host = np.zeros(4, dtype=np.float32)
    da = g.DeviceArray_float32(host.ctypes.data, 0, (4,))
    assert not da.allocated()
    err = da.to_device()
    assert err == g.cudaErrorInvalidValue and "allocate()" in err.message


# ------------------------------------------------------- allocate and free

@pytest.mark.parametrize("name", DTYPES)
def test_allocate_is_idempotent_and_free_gives_memory_back(name, no_gc):
    da = cls(name)((1000,))
    free0 = mem_free()
    assert not da.allocated()
    assert da.allocate() == g.cudaSuccess and da.allocated()
    free1 = mem_free()
    assert free0 - free1 >= da.nbytes()
    assert da.allocate() == g.cudaSuccess and da.allocated()
    assert mem_free() == free1
    assert da.free() == g.cudaSuccess and not da.allocated()
    assert mem_free() == free0
    assert da.allocate() == g.cudaSuccess and mem_free() == free1  # again after free
    assert da.free() == g.cudaSuccess and mem_free() == free0


def test_allocation_failure_is_reported(dev_alloc, no_gc):
    dev_alloc(mem_free() - (1 << 20))  # leave less than 2 MiB on the device
    da = g.DeviceArray_uint8((2 << 20,))
    err = da.allocate()
    assert err == g.cudaErrorMemoryAllocation
    assert not da.allocated() and da.last_status() == g.cudaErrorMemoryAllocation


@pytest.mark.parametrize("name", DTYPES)
def test_copies_need_the_device_side(name):
    da = cls(name)(sample(name))
    stream = g.cudaStream_t()
    calls = [da.to_device, da.to_host, lambda: da.to_device(stream),
             lambda: da.to_host(stream), lambda: da.set(sample(name))]
    for call in calls:
        err = call()
        assert err == g.cudaErrorInvalidValue and "allocate()" in err.message
        assert da.last_status() == err and da.last_status().message == err.message
    assert da.allocate() == g.cudaSuccess and da.last_status() == g.cudaSuccess
    assert da.free() == g.cudaSuccess
    for call in calls:
        err = call()
        assert err == g.cudaErrorInvalidValue and "allocate()" in err.message
        assert da.last_status() == err


def test_last_status_follows_the_last_call():
    da = g.DeviceArray_float32(np.zeros(4, dtype=np.float32))
    assert da.to_host() == g.cudaErrorInvalidValue
    assert da.last_status() == g.cudaErrorInvalidValue
    assert da.allocate() == g.cudaSuccess and da.last_status() == g.cudaSuccess
    assert da.to_host() == g.cudaSuccess and da.last_status() == g.cudaSuccess
    assert da.set(np.zeros(5, dtype=np.float32)) == g.cudaErrorInvalidValue
    assert da.last_status() == g.cudaErrorInvalidValue


# ------------------------------------------------------------- read-only

@pytest.mark.parametrize("name", DTYPES)
def test_read_only_host_side(name):
    A = sample(name, (6,))
    A.setflags(write=False)
    da = cls(name)(A)
    assert not np.asarray(da).flags.writeable
    assert da.allocate() == g.cudaSuccess
    assert da.to_device() == g.cudaSuccess  # reading it is fine
    expected = A.copy()
    assert da.set(sample(name, (6,), start=30)) == g.cudaSuccess  # other values on the device
    err = da.to_host()
    assert err == g.cudaErrorInvalidValue and "read-only" in err.message
    assert da.last_status() == g.cudaErrorInvalidValue
    assert np.array_equal(A, expected)


# ------------------------------------------------------------------- set

@pytest.mark.parametrize("name", DTYPES)
def test_set_from_buffers(name):
    A = sample(name, (2, 5))
    da = cls(name)(A)
    assert da.allocate() == g.cudaSuccess
    for k, make in enumerate([lambda v: v, lambda v: v.tobytes(), lambda v: bytearray(v.tobytes()),
                              lambda v: memoryview(v.tobytes()), lambda v: v.view(np.uint8)]):
        src = sample(name, (2, 5), start=20 + 3 * k)
        before = A.copy()
        assert da.set(make(src)) == g.cudaSuccess
        assert np.array_equal(A, before)  # the host side is untouched until to_host
        assert da.to_host() == g.cudaSuccess
        assert np.array_equal(A, src)


@pytest.mark.parametrize("name", DTYPES)
def test_set_from_addresses_and_pointers(name):
    da = cls(name)((8,))
    assert da.allocate() == g.cudaSuccess
    src = sample(name, (8,), start=5)
    assert da.set(src.ctypes.data) == g.cudaSuccess
    assert da.to_host() == g.cudaSuccess and np.array_equal(np.asarray(da), src)
    alloc = getattr(g, f"HostAllocator_{name}")(8)
    np.asarray(alloc)[...] = sample(name, (8,), start=50)
    assert da.set(alloc.ptr()) == g.cudaSuccess
    assert da.to_host() == g.cudaSuccess and np.array_equal(np.asarray(da), np.asarray(alloc))


@pytest.mark.parametrize("name", DTYPES)
def test_set_size_mismatch(name):
    da = cls(name)((8,))
    err = da.set(sample(name, (8,)))
    assert err == g.cudaErrorInvalidValue and "allocate()" in err.message
    assert da.allocate() == g.cudaSuccess
    nbytes = da.nbytes()
    assert da.set(np.zeros(9, dtype=np.dtype(name))) == g.cudaErrorInvalidValue
    assert da.set(np.zeros(7, dtype=np.dtype(name))) == g.cudaErrorInvalidValue
    assert da.set(bytes(nbytes - 1)) == g.cudaErrorInvalidValue
    assert da.set(bytes(nbytes + 1)) == g.cudaErrorInvalidValue
    assert da.last_status() == g.cudaErrorInvalidValue
    short = getattr(g, f"HostAllocator_{name}")(7)
    assert da.set(short.ptr()) == g.cudaErrorInvalidValue  # its known extent is too small
    assert da.set(bytes(nbytes)) == g.cudaSuccess  # any buffer of exactly nbytes bytes
    assert da.to_host() == g.cudaSuccess and not np.asarray(da).any()


# ------------------------------------------------------ host and device data

@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("name", DTYPES)
def test_host_data_is_a_safe_typed_pointer(name, order):
    A = np.array(sample(name, (3, 4)), order=order)
    da = cls(name)(A)
    p = da.host_data()
    assert isinstance(p, getattr(g, f"pointer_wrapper_{name}"))
    assert p.is_safe() and p.extent == A.nbytes and int(p) == A.ctypes.data
    flat = A.ravel(order="K")  # memory order
    assert all(p[i] == flat[i] for i in range(A.size))
    with pytest.raises(IndexError):
        p[A.size]


@pytest.mark.parametrize("name", DTYPES)
def test_device_data_is_an_unsafe_typed_pointer(name):
    A = sample(name, (10,))
    da = cls(name)(A)
    assert da.allocate() == g.cudaSuccess and da.to_device() == g.cudaSuccess
    p = da.device_data()
    assert isinstance(p, getattr(g, f"pointer_wrapper_{name}"))
    assert not p.is_safe() and p.alive and int(p) != 0
    with pytest.raises(ValueError, match="unsafe pointer"):
        p[0]
    with pytest.raises(ValueError, match="unsafe pointer"):
        p.get(0)
    out = np.zeros_like(A)
    assert g.cudaMemcpy(out, int(p), A.nbytes, D2H) == g.cudaSuccess
    assert np.array_equal(out, A)
    assert da.free() == g.cudaSuccess
    assert not p.alive
    err = g.cudaMemcpy(out, p, A.nbytes, D2H)
    assert err == g.cudaErrorInvalidValue and "freed" in err.message


# ------------------------------------------------------------- streams

@pytest.mark.parametrize("name", DTYPES)
def test_to_host_on_a_stream_with_pinned_host_side(name, gate):
    values = sample(name, (16,))
    alloc = getattr(g, f"PagelockedAllocator_{name}")(16)
    pinned = np.asarray(alloc)
    pinned[...] = values
    da = cls(name)(alloc)
    assert da.allocate() == g.cudaSuccess and da.to_device() == g.cudaSuccess
    pinned[...] = np.zeros((), dtype=values.dtype)
    stream = g.cudaStream_t()
    gt = gate(stream)
    assert da.to_host(stream) == g.cudaSuccess
    assert stream.query() == g.cudaErrorNotReady
    assert not pinned.any()  # pending: the host side is unchanged
    gt.open()
    assert stream.synchronize() == g.cudaSuccess
    assert np.array_equal(pinned, values)


@pytest.mark.parametrize("name", DTYPES)
def test_to_device_on_a_stream_with_pinned_host_side(name, gate):
    values = sample(name, (16,))
    alloc = getattr(g, f"PagelockedAllocator_{name}")(16)
    np.asarray(alloc)[...] = values
    da = cls(name)(alloc.ptr(), (16,))
    assert da.allocate() == g.cudaSuccess
    stream = g.cudaStream_t()
    gt = gate(stream)
    assert da.to_device(stream) == g.cudaSuccess
    assert stream.query() == g.cudaErrorNotReady
    gt.open()
    assert stream.synchronize() == g.cudaSuccess
    assert np.array_equal(from_device(int(da.device_data()), values), values)


@pytest.mark.parametrize("layout", ["C-2d", "column-slice", "negative"])
@pytest.mark.parametrize("name", DTYPES)
def test_to_device_on_a_stream_stages_pageable_memory(name, layout, gate):
    base_shape, make_view = LAYOUTS[layout]
    base = sample(name, base_shape)
    view = make_view(base)
    expected = view.copy()
    da = cls(name)(view)
    assert da.allocate() == g.cudaSuccess
    stream = g.cudaStream_t()
    gt = gate(stream)
    assert da.to_device(stream) == g.cudaSuccess
    base[...] = np.zeros((), dtype=base.dtype)  # modified right after the call
    assert stream.query() == g.cudaErrorNotReady
    gt.open()
    assert stream.synchronize() == g.cudaSuccess
    assert da.to_host() == g.cudaSuccess
    assert np.array_equal(view, expected)  # the device received the old values


def test_stream_argument_forms():
    A = np.arange(8, dtype=np.float64)
    da = g.DeviceArray_float64(A)
    assert da.allocate() == g.cudaSuccess
    assert da.to_device(None) == g.cudaSuccess and da.to_host(stream=None) == g.cudaSuccess
    stream = g.cudaStream_t()
    assert da.to_device(stream=stream) == g.cudaSuccess
    assert da.to_host(stream=stream) == g.cudaSuccess
    stream.synchronize()
    assert np.array_equal(A, np.arange(8))
    with pytest.raises(TypeError):
        da.to_device("stream")


# ------------------------------------------------------------- lifetimes

@pytest.mark.parametrize("name", DTYPES)
def test_many_arrays_leak_nothing(name, no_gc):
    free0 = mem_free()
    values = sample(name, (64, 32))
    for _ in range(50):
        da = cls(name)(values)
        assert da.allocate() == g.cudaSuccess and da.to_device() == g.cudaSuccess
        del da
    for _ in range(50):
        da = cls(name)((64, 32), order="F")
        assert da.allocate() == g.cudaSuccess and da.to_device() == g.cudaSuccess
        da = None
    gc.collect()
    assert mem_free() == free0


@pytest.mark.parametrize("name", DTYPES)
def test_free_then_delete_does_not_double_free(name, no_gc):
    free0 = mem_free()
    arrays = [cls(name)((256,)) for _ in range(10)]
    for da in arrays:
        assert da.allocate() == g.cudaSuccess
    assert mem_free() < free0
    for da in arrays:
        assert da.free() == g.cudaSuccess and not da.allocated()
        assert da.free() == g.cudaSuccess  # a second free is a no-op
    assert mem_free() == free0
    del arrays, da
    gc.collect()
    assert mem_free() == free0
    assert g.cudaGetLastError() == g.cudaSuccess
    assert g.cudaDeviceSynchronize() == g.cudaSuccess


# --- hostile shapes (issue 14) --------------------------------------------------


def test_shape_from_a_sequence_that_makes_its_items():
    """A numpy array or any sequence that creates its items on the fly: each
    item is held while it is read (they were read after being freed)."""
    with pytest.raises(TypeError, match=r"^shape must hold ints, got float64$"):
        g.DeviceArray_bool(0, 0, np.zeros(2))
    assert g.DeviceArray_int64(0, 0, np.array([3, 2**40 + 7]) % 1000).shape() == (3, 783)

    class Fresh:  # a new int object for every item
        def __len__(self):
            return 2

        def __getitem__(self, i):
            if i >= 2:
                raise IndexError(i)
            return int("1000") + i

    assert g.DeviceArray_uint8(0, 0, Fresh()).shape() == (1000, 1001)
    assert g.DeviceArray_uint8(0, 0, Fresh()).nbytes() == 1001000


@pytest.mark.parametrize("shape", [(2**62, 4), (0, 2**62), (2**61, 2, 0), (2**31, 2**31, 2)])
def test_shape_too_large_for_memory_is_refused(shape):
    """The product of the shape wrapped: DeviceArray_float32((2**62, 4)) had nbytes() == 0."""
    text = re.escape(str(shape))
    with pytest.raises(ValueError, match=rf"^shape {text} of float32 is too large: 4 bytes times the sizes exceeds"):
        g.DeviceArray_float32(shape)
    with pytest.raises(ValueError, match=rf"^shape {text} of float32 is too large"):
        g.DeviceArray_float32(0, 0, shape)
    host = g.HostAllocator_float32(4)
    with pytest.raises(ValueError, match=rf"^shape {text} of float32 is too large"):
        g.DeviceArray_float32(host.ptr(), shape)


def test_shape_sizes_past_int64_are_refused():
    with pytest.raises(ValueError, match=r"^a size in the shape is out of range: 1180591620717411303424$"):
        g.DeviceArray_float32((2**70,))
    with pytest.raises(ValueError, match=r"^shape must not hold negative sizes, got -1$"):
        g.DeviceArray_float32((2, -1))


def test_impossible_host_side_is_a_memory_error():
    """Valid by the layout rule, but no host has 2**62 bytes: MemoryError (it
    was allocated with new[], which ASan turns into an abort)."""
    with pytest.raises(MemoryError):
        g.DeviceArray_uint8((2**62,))
    a = g.DeviceArray_uint8((1 << 20,))  # calloc'd: zero pages
    assert a.nbytes() == 1 << 20 and not np.asarray(a).any()
