"""Device and pinned memory, pointer checks, copies, memsets, pointer attributes."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import PyGPU as g
from helpers import SIM_MEMORY, from_device, to_device

H2D, D2H, D2D, H2H, DEFAULT = (g.cudaMemcpyHostToDevice, g.cudaMemcpyDeviceToHost,
                               g.cudaMemcpyDeviceToDevice, g.cudaMemcpyHostToHost, g.cudaMemcpyDefault)


# ---------------------------------------------------------------- malloc/free

def test_malloc_returns_aligned_device_pointer():
    ptrs = []
    for size in (1, 100, 4096, 1 << 20):
        ptr, err = g.cudaMalloc(size)
        assert err == g.cudaSuccess
        assert isinstance(ptr, g.pointer_wrapper_void)
        assert int(ptr) % 256 == 0 and ptr.is_device() and not ptr.is_safe()
        assert ptr.extent == size and ptr.alive
        ptrs.append(ptr)
    assert len({int(p) for p in ptrs}) == len(ptrs)
    for ptr in ptrs:
        assert g.cudaFree(ptr) == g.cudaSuccess
        assert not ptr.alive


def test_malloc_beyond_capacity():
    ptr, err = g.cudaMalloc(SIM_MEMORY + 1)
    assert ptr is None and err == g.cudaErrorMemoryAllocation
    assert err.message
    assert g.cudaGetLastError() == g.cudaErrorMemoryAllocation


def test_capacity_is_enforced_cumulatively(dev_alloc):
    (free, _), _ = g.cudaMemGetInfo()
    dev_alloc(free // 2)
    ptr, err = g.cudaMalloc(free // 2 + 4096)
    assert err == g.cudaErrorMemoryAllocation and ptr is None


def test_malloc_rejects_bad_sizes():
    with pytest.raises(ValueError, match="size must be >= 0"):
        g.cudaMalloc(-1)
    with pytest.raises(TypeError, match="size must be an int"):
        g.cudaMalloc(1.5)
    with pytest.raises(TypeError):
        g.cudaMalloc("10")
    with pytest.raises(ValueError, match="too large"):
        g.cudaMalloc(2**80)
    ptr, err = g.cudaMalloc(np.int64(512))  # numpy integers are fine
    assert err == g.cudaSuccess and g.cudaFree(ptr) == g.cudaSuccess


def test_free_null_is_a_no_op():
    assert g.cudaFree(0) == g.cudaSuccess


def test_free_unknown_pointer():
    err = g.cudaFree(0xDEAD00)
    assert err == g.cudaErrorInvalidValue and "0xdead00" in err.message.lower()


def test_double_free_is_caught_by_the_pointer_object():
    ptr, _ = g.cudaMalloc(1024)
    addr = int(ptr)
    assert g.cudaFree(ptr) == g.cudaSuccess
    err = g.cudaFree(ptr)
    assert err == g.cudaErrorInvalidValue and "already freed by cudaFree" in err.message
    err = g.cudaFree(addr)  # the raw address reaches the simulated device, which knows too
    assert err == g.cudaErrorInvalidValue and "freed" in err.message


def test_free_interior_pointer(dev_alloc):
    ptr = dev_alloc(1024)
    err = g.cudaFree(int(ptr) + 256)
    assert err == g.cudaErrorInvalidValue and err.message


def test_free_rejects_wrong_types():
    with pytest.raises(TypeError, match="expected an address"):
        g.cudaFree("0x10")
    with pytest.raises(TypeError):
        g.cudaFree(None)
    with pytest.raises(TypeError):
        g.cudaFree(1.0)


# ------------------------------------------------------------------- memcpy

@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float64, np.complex64])
def test_round_trip(dtype):
    host = (np.arange(1000) * 3).astype(dtype)
    ptr = to_device(host)
    try:
        assert np.array_equal(from_device(ptr, host), host)
    finally:
        g.cudaFree(ptr)


def test_device_to_device_and_default_kind(dev_alloc):
    host = np.random.default_rng(0).random(512)
    a, b = to_device(host), dev_alloc(host.nbytes)
    try:
        assert g.cudaMemcpy(b, a, host.nbytes, D2D) == g.cudaSuccess
        out = np.zeros_like(host)
        assert g.cudaMemcpy(out, b, host.nbytes, DEFAULT) == g.cudaSuccess  # direction from the pointers
        assert np.array_equal(out, host)
    finally:
        g.cudaFree(a)


def test_host_to_host():
    src = np.arange(10, dtype=np.int16)
    dst = np.zeros_like(src)
    assert g.cudaMemcpy(dst, src, src.nbytes, H2H) == g.cudaSuccess
    assert np.array_equal(dst, src)


def test_partial_copies_with_offsets(dev_alloc):
    host = np.arange(100, dtype=np.int32)
    ptr = dev_alloc(host.nbytes)
    assert g.cudaMemset(ptr, 0, host.nbytes) == g.cudaSuccess
    assert g.cudaMemcpy(ptr + 40, host[10:20], 40, H2D) == g.cudaSuccess
    out = from_device(ptr, host)
    expect = np.zeros_like(host)
    expect[10:20] = host[10:20]
    assert np.array_equal(out, expect)


def test_copy_past_the_end_of_an_allocation(dev_alloc):
    ptr = dev_alloc(1000)
    host = np.zeros(2000, dtype=np.uint8)
    err = g.cudaMemcpy(int(ptr), host, 1100, H2D)  # a raw int: the simulated device checks
    assert err == g.cudaErrorInvalidValue
    assert "100" in err.message  # bytes over
    err = g.cudaMemcpy(ptr, host, 1100, H2D)       # a pointer object: its extent is known
    assert err == g.cudaErrorInvalidValue and "100 bytes too many" in err.message


def test_copy_from_unknown_device_pointer():
    host = np.zeros(16, dtype=np.uint8)
    err = g.cudaMemcpy(host, 0x10000, 16, D2H)
    assert err == g.cudaErrorInvalidValue and err.message


def test_copy_with_freed_pointer():
    ptr, _ = g.cudaMalloc(64)
    g.cudaFree(ptr)
    host = np.zeros(64, dtype=np.uint8)
    err = g.cudaMemcpy(host, ptr, 64, D2H)
    assert err == g.cudaErrorInvalidValue and "freed" in err.message


def test_direction_mismatch_is_caught(dev_alloc):
    ptr = dev_alloc(64)
    host = np.zeros(64, dtype=np.uint8)
    assert g.cudaMemcpy(host, ptr, 64, H2D) == g.cudaErrorInvalidValue  # dst is host memory
    assert g.cudaMemcpy(ptr, host, 64, D2H) == g.cudaErrorInvalidValue  # src is host memory
    assert g.cudaMemcpy(ptr, ptr, 64, H2H) == g.cudaErrorInvalidValue


def test_invalid_kind(dev_alloc):
    ptr = dev_alloc(64)
    host = np.zeros(64, dtype=np.uint8)
    assert g.cudaMemcpy(ptr, host, 64, 7) == g.cudaErrorInvalidMemcpyDirection
    with pytest.raises(ValueError, match="kind must be >= 0"):
        g.cudaMemcpy(ptr, host, 64, -1)


def test_host_buffer_too_small(dev_alloc):
    ptr = dev_alloc(4096)
    small = np.zeros(10, dtype=np.float32)
    err = g.cudaMemcpy(small, ptr, 4096, D2H)
    assert err == g.cudaErrorInvalidValue and "dst" in err.message and "40 bytes" in err.message
    err = g.cudaMemcpy(ptr, small, 44, H2D)
    assert err == g.cudaErrorInvalidValue and "4 bytes too many" in err.message


def test_read_only_destination(dev_alloc):
    ptr = dev_alloc(64)
    host = np.zeros(16, dtype=np.float32)
    host.setflags(write=False)
    assert g.cudaMemcpy(ptr, host, 64, H2D) == g.cudaSuccess  # reading is fine
    err = g.cudaMemcpy(host, ptr, 64, D2H)
    assert err == g.cudaErrorInvalidValue and "read-only" in err.message
    assert not host.any()


def test_non_contiguous_buffer_is_refused(dev_alloc):
    ptr = dev_alloc(64)
    host = np.zeros((8, 8), dtype=np.float32)[:, ::2]
    err = g.cudaMemcpy(ptr, host, 64, H2D)
    assert err == g.cudaErrorInvalidValue and "contiguous" in err.message


def test_bytes_and_bytearray_are_buffers(dev_alloc):
    ptr = dev_alloc(4)
    assert g.cudaMemcpy(ptr, b"\x01\x02\x03\x04", 4, H2D) == g.cudaSuccess
    out = bytearray(4)
    assert g.cudaMemcpy(out, ptr, 4, D2H) == g.cudaSuccess
    assert out == b"\x01\x02\x03\x04"
    assert g.cudaMemcpy(b"....", ptr, 4, D2H) == g.cudaErrorInvalidValue  # bytes are read-only


def test_memcpy_rejects_bad_arguments(dev_alloc):
    ptr = dev_alloc(64)
    host = np.zeros(64, dtype=np.uint8)
    with pytest.raises(ValueError, match="count must be >= 0"):
        g.cudaMemcpy(ptr, host, -1, H2D)
    with pytest.raises(TypeError):
        g.cudaMemcpy(ptr, "host", 64, H2D)
    with pytest.raises(TypeError):
        g.cudaMemcpy(ptr, host, 64, "H2D")
    with pytest.raises(TypeError):
        g.cudaMemcpy(ptr, host, 64)


def test_zero_byte_copy_is_success(dev_alloc):
    ptr = dev_alloc(64)
    assert g.cudaMemcpy(ptr, np.zeros(0), 0, H2D) == g.cudaSuccess


def test_memcpy_waits_for_blocking_streams(gate, dev_alloc):
    # cudaMemcpy is ordered on the legacy default stream, which waits for work
    # already queued on blocking streams.
    host = np.arange(256, dtype=np.uint8)
    pinned, _ = g.cudaMallocHost(256)
    g.cudaMemcpy(pinned, host, 256, H2H)
    ptr = dev_alloc(256)
    stream = g.cudaStream_t()
    gt = gate(stream)
    assert g.cudaMemcpyAsync(ptr, pinned, 256, H2D, stream) == g.cudaSuccess
    out = np.zeros(256, dtype=np.uint8)
    done = threading.Event()
    t = threading.Thread(target=lambda: (g.cudaMemcpy(out, ptr, 256, D2H), done.set()))
    t.start()
    assert not done.wait(0.3)  # held behind the gated stream
    gt.open()
    t.join(10)
    assert done.is_set() and np.array_equal(out, host)
    g.cudaFreeHost(pinned)


# ------------------------------------------------------------------- memcpy 2D

def test_memcpy_2d_round_trip(dev_alloc):
    host = np.arange(6 * 10, dtype=np.float32).reshape(6, 10)
    pitch = 64  # bytes per device row, >= 40
    ptr = dev_alloc(pitch * 6)
    assert g.cudaMemcpy2D(ptr, pitch, host, 40, 40, 6, H2D) == g.cudaSuccess
    out = np.zeros_like(host)
    assert g.cudaMemcpy2D(out, 40, ptr, pitch, 40, 6, D2H) == g.cudaSuccess
    assert np.array_equal(out, host)
    cols = np.zeros((6, 4), dtype=np.float32)  # a sub-block: 4 columns from column 2
    assert g.cudaMemcpy2D(cols, 16, ptr + 8, pitch, 16, 6, D2H) == g.cudaSuccess
    assert np.array_equal(cols, host[:, 2:6])


def test_memcpy_2d_errors(dev_alloc):
    big = dev_alloc(64 * 8)
    err = g.cudaMemcpy2D(big, 64, np.zeros((6, 10), dtype=np.float32), 40, 40, 7, H2D)
    assert err == g.cudaErrorInvalidValue and "src" in err.message  # the source has only 6 rows
    ptr = dev_alloc(64 * 6)
    host = np.zeros((6, 10), dtype=np.float32)
    assert g.cudaMemcpy2D(ptr, 32, host, 40, 40, 6, H2D) == g.cudaErrorInvalidPitchValue
    err = g.cudaMemcpy2D(ptr, 64, host, 40, 40, 7, H2D)  # 6 * 64 + 40 > 384
    assert err == g.cudaErrorInvalidValue and "dst" in err.message
    err = g.cudaMemcpy2D(int(ptr), 64, host, 40, 40, 6, H2D)
    assert err == g.cudaSuccess
    err = g.cudaMemcpy2D(int(ptr), 80, host, 40, 40, 6, H2D)  # 5 * 80 + 40 > 384
    assert err == g.cudaErrorInvalidValue


# ------------------------------------------------------------------- memset

def test_memset(dev_alloc):
    ptr = dev_alloc(1000)
    assert g.cudaMemset(ptr, 0xAB, 1000) == g.cudaSuccess
    out = from_device(ptr, np.zeros(1000, dtype=np.uint8))
    assert (out == 0xAB).all()
    assert g.cudaMemset(ptr + 10, 0x1FF, 5) == g.cudaSuccess  # low byte
    out = from_device(ptr, out)
    assert (out[10:15] == 0xFF).all() and out[9] == 0xAB and out[15] == 0xAB


def test_memset_errors(dev_alloc):
    ptr = dev_alloc(100)
    assert g.cudaMemset(ptr, 0, 101) == g.cudaErrorInvalidValue
    assert g.cudaMemset(int(ptr), 0, 101) == g.cudaErrorInvalidValue
    assert g.cudaMemset(0x4000, 0, 1) == g.cudaErrorInvalidValue
    host = np.zeros(10, dtype=np.uint8)
    assert g.cudaMemset(host, 1, 10) == g.cudaErrorInvalidValue  # host memory
    with pytest.raises(ValueError, match="count must be >= 0"):
        g.cudaMemset(ptr, 0, -5)


# ---------------------------------------------------------- pinned host memory

def test_malloc_host_and_free_host():
    ptr, err = g.cudaMallocHost(4096)
    assert err == g.cudaSuccess and ptr.is_safe() and not ptr.is_device() and ptr.extent == 4096
    host = np.arange(1024, dtype=np.float32)
    assert g.cudaMemcpy(ptr, host, 4096, H2H) == g.cudaSuccess
    back = np.zeros_like(host)
    assert g.cudaMemcpy(back, ptr, 4096, H2H) == g.cudaSuccess
    assert np.array_equal(back, host)
    assert g.cudaFreeHost(ptr) == g.cudaSuccess
    assert not ptr.is_safe() and not ptr.alive
    assert g.cudaFreeHost(ptr) == g.cudaErrorInvalidValue


def test_host_alloc_flags():
    for flags in (g.cudaHostAllocDefault, g.cudaHostAllocPortable, g.cudaHostAllocMapped,
                  g.cudaHostAllocWriteCombined, 7):
        ptr, err = g.cudaHostAlloc(256, flags)
        assert err == g.cudaSuccess, flags
        assert g.cudaFreeHost(ptr) == g.cudaSuccess
    ptr, err = g.cudaHostAlloc(256, 8)
    assert ptr is None and err == g.cudaErrorInvalidValue


def test_free_host_rejects_device_and_foreign_memory(dev_alloc):
    assert g.cudaFreeHost(dev_alloc(256)) == g.cudaErrorInvalidValue
    assert g.cudaFreeHost(np.zeros(4)) == g.cudaErrorInvalidValue


def test_pinned_memory_does_not_use_device_memory():
    (free, _), _ = g.cudaMemGetInfo()
    ptr, _ = g.cudaMallocHost(1 << 20)
    assert g.cudaMemGetInfo()[0][0] == free
    g.cudaFreeHost(ptr)


def test_host_register_and_unregister():
    host = np.zeros(4096, dtype=np.uint8)
    assert g.cudaHostRegister(host) == g.cudaSuccess
    attrs, err = g.cudaPointerGetAttributes(host)
    assert err == g.cudaSuccess and attrs.type == g.cudaMemoryTypeHost
    assert g.cudaHostRegister(host) == g.cudaErrorHostMemoryAlreadyRegistered
    assert g.cudaHostUnregister(host) == g.cudaSuccess
    assert g.cudaHostUnregister(host) == g.cudaErrorHostMemoryNotRegistered
    attrs, _ = g.cudaPointerGetAttributes(host)
    assert attrs.type == g.cudaMemoryTypeUnregistered


def test_host_register_errors():
    host = np.zeros(64, dtype=np.uint8)
    assert g.cudaHostRegister(host, 128) == g.cudaErrorInvalidValue  # larger than the buffer
    assert g.cudaHostRegister(host, 0) == g.cudaErrorInvalidValue
    assert g.cudaHostRegister(host, None, 0x10) == g.cudaErrorInvalidValue  # unknown flag
    with pytest.raises(TypeError, match="size is required"):
        g.cudaHostRegister(host.ctypes.data)


# ------------------------------------------------------------ pointer attributes

def test_pointer_attributes(dev_alloc):
    ptr = dev_alloc(1024)
    attrs, err = g.cudaPointerGetAttributes(ptr)
    assert err == g.cudaSuccess
    assert (attrs.type, attrs.device, attrs.devicePointer, attrs.hostPointer) == (
        g.cudaMemoryTypeDevice, 0, int(ptr), 0)
    attrs, _ = g.cudaPointerGetAttributes(int(ptr) + 100)  # interior pointer
    assert attrs.type == g.cudaMemoryTypeDevice and attrs.devicePointer == int(ptr) + 100
    pinned, _ = g.cudaMallocHost(256)
    attrs, _ = g.cudaPointerGetAttributes(pinned)
    assert (attrs.type, attrs.hostPointer, attrs.devicePointer) == (g.cudaMemoryTypeHost, int(pinned), int(pinned))
    g.cudaFreeHost(pinned)
    attrs, err = g.cudaPointerGetAttributes(np.zeros(4))
    assert err == g.cudaSuccess and attrs.type == g.cudaMemoryTypeUnregistered and attrs.device == -1
    assert "cudaPointerAttributes" in repr(attrs)


def test_pointer_attributes_on_device_one(dev_alloc):
    g.cudaSetDevice(1)
    ptr = dev_alloc(256)
    g.cudaSetDevice(0)
    attrs, _ = g.cudaPointerGetAttributes(ptr)
    assert attrs.device == 1


def test_pointer_attributes_of_freed_pointer_object():
    ptr, _ = g.cudaMalloc(256)
    g.cudaFree(ptr)
    attrs, err = g.cudaPointerGetAttributes(ptr)
    assert attrs is None and err == g.cudaErrorInvalidValue


# ------------------------------------------------------------- async copies

def test_async_copy_is_pending_until_synchronised(gate):
    host = np.arange(1024, dtype=np.float32)
    pinned, _ = g.cudaMallocHost(host.nbytes)
    g.cudaMemcpy(pinned, host, host.nbytes, H2H)
    ptr, _ = g.cudaMalloc(host.nbytes)
    stream = g.cudaStream_t()
    out_pinned, _ = g.cudaMallocHost(host.nbytes)
    gt = gate(stream)
    assert g.cudaMemcpyAsync(ptr, pinned, host.nbytes, H2D, stream) == g.cudaSuccess
    assert g.cudaMemcpyAsync(out_pinned, ptr, host.nbytes, D2H, stream) == g.cudaSuccess
    assert stream.query() == g.cudaErrorNotReady
    gt.open()
    assert stream.synchronize() == g.cudaSuccess
    assert stream.query() == g.cudaSuccess
    out = np.zeros_like(host)
    g.cudaMemcpy(out, out_pinned, host.nbytes, H2H)
    assert np.array_equal(out, host)
    for p in (pinned, out_pinned):
        g.cudaFreeHost(p)
    g.cudaFree(ptr)


def test_async_h2d_from_pageable_memory_stages_the_source(gate, dev_alloc):
    # CUDA: from pageable memory the source is staged before the call returns,
    # so the caller may overwrite it at once.
    host = np.full(256, 7, dtype=np.uint8)
    ptr = dev_alloc(256)
    stream = g.cudaStream_t()
    gt = gate(stream)
    assert g.cudaMemcpyAsync(ptr, host, 256, H2D, stream) == g.cudaSuccess
    host[:] = 9
    gt.open()
    stream.synchronize()
    assert (from_device(ptr, host) == 7).all()


def test_async_d2h_into_pageable_memory_returns_when_done(dev_alloc):
    host = np.arange(256, dtype=np.uint8)
    ptr = to_device(host)
    out = np.zeros_like(host)
    stream = g.cudaStream_t()
    assert g.cudaMemcpyAsync(out, ptr, 256, D2H, stream) == g.cudaSuccess
    assert np.array_equal(out, host)  # no synchronisation needed: pageable destination
    g.cudaFree(ptr)


def test_async_copy_errors(dev_alloc):
    ptr = dev_alloc(64)
    host = np.zeros(64, dtype=np.uint8)
    stream = g.cudaStream_t()
    assert g.cudaMemcpyAsync(ptr, host, 65, H2D, stream) == g.cudaErrorInvalidValue
    stream.destroy()
    err = g.cudaMemcpyAsync(ptr, host, 64, H2D, stream)
    assert err == g.cudaErrorInvalidResourceHandle and "destroyed" in err.message
    assert g.cudaMemcpyAsync(ptr, host, 64, H2D, 0xBAD0) == g.cudaErrorInvalidResourceHandle
    with pytest.raises(TypeError):
        g.cudaMemcpyAsync(ptr, host, 64, H2D, "stream")


def test_memset_async(gate, dev_alloc):
    ptr = dev_alloc(128)
    stream = g.cudaStream_t()
    gt = gate(stream)
    assert g.cudaMemsetAsync(ptr, 3, 128, stream) == g.cudaSuccess
    assert stream.query() == g.cudaErrorNotReady
    gt.open()
    stream.synchronize()
    assert (from_device(ptr, np.zeros(128, dtype=np.uint8)) == 3).all()
    assert g.cudaMemsetAsync(ptr, 3, 129, stream) == g.cudaErrorInvalidValue


def test_cuda_array_interface_objects_are_addresses(dev_alloc):
    ptr = dev_alloc(64)

    class Fake:
        def __init__(self, address, readonly=False):
            self.__cuda_array_interface__ = {"data": (address, readonly), "shape": (16,),
                                             "typestr": "<f4", "version": 3}

    host = np.arange(16, dtype=np.float32)
    assert g.cudaMemcpy(Fake(int(ptr)), host, 64, H2D) == g.cudaSuccess
    out = np.zeros_like(host)
    assert g.cudaMemcpy(out, Fake(int(ptr), readonly=True), 64, D2H) == g.cudaSuccess
    assert np.array_equal(out, host)
    err = g.cudaMemcpy(Fake(int(ptr), readonly=True), host, 64, H2D)
    assert err == g.cudaErrorInvalidValue and "read-only" in err.message


# --- checked sizes (issue 14) ---------------------------------------------------------


@pytest.mark.parametrize("call", ["cudaMemcpy2D", "cudaMemcpy2DAsync"])
def test_2d_region_past_the_address_space_is_refused(call):
    """(height - 1) * pitch + width wrapped to a small count, which passed the
    extent checks of the buffers."""
    dst, src = np.zeros(16, np.uint8), np.zeros(16, np.uint8)
    err = getattr(g, call)(dst, 2**63, src, 8, 8, 3, g.cudaMemcpyHostToHost)
    assert err == g.cudaErrorInvalidValue
    assert err.message.startswith("the region of 3 rows of 8 bytes with pitches 9223372036854775808 (dst) and 8 (src) "
                                  "reaches past the end of the address space")
    err = getattr(g, call)(dst, 8, src, 2**62, 8, 5, g.cudaMemcpyHostToHost)
    assert err == g.cudaErrorInvalidValue and "reaches past the end of the address space" in err.message


def test_memcpy_kind_past_int_is_refused():
    """A kind of 2**32 + 1 was truncated to 1, cudaMemcpyHostToDevice."""
    dst, src = np.zeros(8, np.uint8), np.ones(8, np.uint8)
    for call, args in [(g.cudaMemcpy, (dst, src, 8, 2**32 + 1)), (g.cudaMemcpyAsync, (dst, src, 8, 2**32 + 1)),
                       (g.cudaMemcpy2D, (dst, 8, src, 8, 8, 1, 2**32 + 1))]:
        with pytest.raises(ValueError, match=r"^kind must be a cudaMemcpyKind .* got 4294967297$"):
            call(*args)
    assert not dst.any()
