"""Recycled memory: warm device blocks in the simulated device, and the recycled
host blocks that large GPUArray.get() results live in.

Both exist for speed (a fresh large block costs its page faults, about as
much as the copy); these tests pin down that they are reused, that reuse
never leaks data across the checks, and that misuse is still caught.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

import PyGPU as g

MiB = 1 << 20
H2D, D2H = g.cudaMemcpyHostToDevice, g.cudaMemcpyDeviceToHost


# ------------------------------------------------------ warm device blocks ---

def _cycle_through_quarantine(size: int) -> int:
    """Allocate and free `size` bytes; return the address it had."""
    ptr, err = g.cudaMalloc(size)
    assert err == g.cudaSuccess
    address = int(ptr)
    assert g.cudaFree(ptr) == g.cudaSuccess
    return address


def test_large_device_block_is_reused_after_free():
    # Blocks above the quarantine's largest size leave it at once and are kept
    # warm: the next allocation of the same extent gets the same block back.
    size = 48 * MiB
    first = _cycle_through_quarantine(size)
    ptr, err = g.cudaMalloc(size - 1000)  # same 2 MiB-rounded extent
    assert err == g.cudaSuccess
    try:
        assert int(ptr) == first
        assert int(ptr) % (2 * MiB) == 0  # large blocks are huge-page aligned
        host = np.arange(size // 8 - 200, dtype=np.int64)
        assert g.cudaMemcpy(ptr, host, host.nbytes, H2D) == g.cudaSuccess
        back = np.empty_like(host)
        assert g.cudaMemcpy(back, ptr, host.nbytes, D2H) == g.cudaSuccess
        np.testing.assert_array_equal(back, host)
    finally:
        assert g.cudaFree(ptr) == g.cudaSuccess


def test_different_extent_gets_another_block():
    first = _cycle_through_quarantine(40 * MiB)
    ptr, err = g.cudaMalloc(20 * MiB)
    assert err == g.cudaSuccess
    try:
        assert int(ptr) != first
    finally:
        g.cudaFree(ptr)


def test_warm_block_is_still_freed_memory_for_the_checks():
    # While kept warm, the block's addresses are freed device memory: neither
    # a device pointer nor a host address into it may be used.
    address = _cycle_through_quarantine(48 * MiB)
    host = np.zeros(16, np.uint8)
    err = g.cudaMemcpy(host, address + 4096, 16, g.cudaMemcpyDefault)
    assert err == g.cudaErrorInvalidValue
    err = g.cudaMemcpy(address + 4096, host, 16, g.cudaMemcpyHostToHost)
    assert err == g.cudaErrorInvalidValue
    assert "freed" in err.message
    err = g.cudaMemcpy(host, address, 16, D2H)
    assert err == g.cudaErrorInvalidValue


def test_a_warm_block_freed_again_while_a_kernel_still_writes_it():
    # The block of the first result goes warm, is handed to the second result, and that one is freed while its
    # kernel is still queued: the free waits for the kernel, and the guard the first free asked for must not
    # make the block PROT_NONE under it (it did: "use after free" in the second kernel).
    n = 40 * MiB // 4
    a, b = g.to_gpu(np.ones(n, np.float32)), g.to_gpu(np.full(n, 2, np.float32))
    for _ in range(3):
        a + b  # the result is dropped at once, its kernel still queued
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    np.testing.assert_array_equal((a * 2 + b).get()[::4096], np.full(n // 4096, 4, np.float32))


def test_capacity_is_charged_by_size_not_by_block():
    free_before, _ = g.cudaMemGetInfo()[0]
    ptr, err = g.cudaMalloc(3 * MiB + 256)
    assert err == g.cudaSuccess
    free_during, _ = g.cudaMemGetInfo()[0]
    g.cudaFree(ptr)
    assert free_before - free_during == 3 * MiB + 256
    assert g.cudaMemGetInfo()[0][0] == free_before


def test_to_gpu_in_a_loop_reuses_device_memory():
    x = np.arange(32 * MiB // 4, dtype=np.float32)
    addresses = set()
    for _ in range(4):
        a = g.to_gpu(x)
        addresses.add(a.ptr)
        np.testing.assert_array_equal(a.get(), x)
        del a
    assert len(addresses) == 1


def test_smaller_blocks_pass_the_quarantine_first():
    # Up to 16 MiB a freed block stays in quarantine (so a stale pointer is
    # certainly recognised) until 64 MiB of newer frees push it out; only
    # then is it kept warm and handed out again.
    size = 8 * MiB
    first = _cycle_through_quarantine(size)
    later = [_cycle_through_quarantine(size) for _ in range(3)]
    assert first not in later
    reused = [_cycle_through_quarantine(size) for _ in range(12)]
    assert first in reused


# ------------------------------------------------------ recycled host blocks ---

@pytest.mark.parametrize("order", ["C", "F"])
def test_large_get_result_is_a_normal_writeable_array(order):
    host = np.asfortranarray(np.arange(512 * 1024, dtype=np.float64).reshape(1024, 512)) if order == "F" \
        else np.arange(512 * 1024, dtype=np.float64).reshape(1024, 512)
    a = g.to_gpu(host)
    out = a.get()
    np.testing.assert_array_equal(out, host)
    assert out.flags.writeable and out.flags.aligned
    assert out.flags.c_contiguous == (order == "C") and out.flags.f_contiguous == (order == "F")
    assert out.strides == host.strides and out.dtype == host.dtype
    out[0, 0] = -1.0  # writing does not touch the device copy
    assert a.get()[0, 0] == 0.0


def test_large_get_results_reuse_a_block_once_released():
    a = g.to_gpu(np.ones(2 * MiB, dtype=np.uint8))
    first = a.get()
    address = first.ctypes.data
    second = a.get()  # the first is alive: another block
    assert second.ctypes.data != address
    del first
    gc.collect()
    third = a.get()
    assert third.ctypes.data == address
    np.testing.assert_array_equal(third, 1)


def test_small_get_results_are_plain_numpy_arrays():
    out = g.to_gpu(np.ones(1000, np.float32)).get()
    assert out.base is None and out.flags.owndata


def test_recycled_block_outlives_its_gpuarray():
    a = g.to_gpu(np.full(MiB, 7, dtype=np.int32))
    out = a.get()
    del a
    gc.collect()
    assert out.sum() == 7 * MiB


@pytest.mark.parametrize(("shape", "strides", "nbytes", "message"), [
    ((MiB,), (8,), MiB, "reach past nbytes"),
    ((MiB,), (-8,), 8 * MiB, "negative"),
    ((-1,), (8,), 8 * MiB, "negative"),
    ((2, 2), (8,), 8 * MiB, "differ in length"),
    ((100,), (8,), 800, "1 MiB or more"),
    ((1 << 62,), (1 << 62,), 8 * MiB, "address space"),
])
def test_host_array_rejects_layouts_outside_the_block(shape, strides, nbytes, message):
    with pytest.raises(ValueError, match=message):
        g._core._host_array(np.dtype(np.float64), shape, strides, nbytes)


# ------------------------------------------------------------ staging blocks ---

def test_large_pageable_async_copies_stage_the_source_at_call_time(gate):
    # cudaMemcpyAsync from pageable memory stages the source when called (in
    # recycled blocks for large copies), so the caller may overwrite its buffer
    # at once, even while the copies wait behind a blocked stream.
    stream, err = g.cudaStreamCreate()
    assert err == g.cudaSuccess
    n = 3 * MiB
    dev, err = g.cudaMalloc(4 * n)
    assert err == g.cudaSuccess
    try:
        with gate(stream):
            host = np.empty(n, np.uint8)
            for i in range(4):
                host[:] = i + 1
                assert g.cudaMemcpyAsync(int(dev) + i * n, host, n, H2D, stream) == g.cudaSuccess
                host[:] = 0xFF
        assert g.cudaStreamSynchronize(stream) == g.cudaSuccess
        back = np.empty(4 * n, np.uint8)
        assert g.cudaMemcpy(back, dev, back.nbytes, D2H) == g.cudaSuccess
        np.testing.assert_array_equal(back, np.repeat(np.arange(1, 5, dtype=np.uint8), n))
    finally:
        g.cudaFree(dev)
        g.cudaStreamDestroy(stream)


def test_host_array_sizes_past_int64_are_value_errors():
    """Were pybind11's RuntimeError 'Unable to cast' (the private _host_array behind GPUArray.get)."""
    from PyGPU import _core

    with pytest.raises(ValueError, match=r"^shape is out of range: 1180591620717411303424$"):
        _core._host_array(np.dtype(np.float32), (2**70,), (4,), 1 << 20)
    with pytest.raises(ValueError, match=r"^strides is out of range: 1180591620717411303424$"):
        _core._host_array(np.dtype(np.float32), (4,), (2**70,), 1 << 20)
