"""Stream-ordered allocation: cudaMallocAsync, cudaFreeAsync, cudaMallocFromPoolAsync and the cudaMemPool*
calls on the simulated device (CUDA's reuse rules between streams, the release threshold, trimming, the
attributes' figures, use after free, double frees, leaks, resets), the codes the CUDA and HIP backends answer
without a device, and the same calls from C and HIP host code compiled for the simulated device."""

from __future__ import annotations

import numpy as np
import pytest

import PyGPU as g
from helpers import module_kernels, run_python

pytestmark = pytest.mark.skipif(g.backend != "sim", reason="the simulated device is not the active backend")

KiB = 1024
USED, USED_HIGH = g.cudaMemPoolAttrUsedMemCurrent, g.cudaMemPoolAttrUsedMemHigh
RESERVED, RESERVED_HIGH = g.cudaMemPoolAttrReservedMemCurrent, g.cudaMemPoolAttrReservedMemHigh
THRESHOLD = g.cudaMemPoolAttrReleaseThreshold
POLICIES = (g.cudaMemPoolReuseFollowEventDependencies, g.cudaMemPoolReuseAllowOpportunistic,
            g.cudaMemPoolReuseAllowInternalDependencies)

SOURCE = r"""
extern "C" __global__ void store(int* x) { *x = 7; }
"""


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    yield from module_kernels(tmp_path_factory, SOURCE, ("store",))


def ok(result):
    """The value of a (value, err) that must succeed."""
    value, err = result
    assert err == g.cudaSuccess, err
    return value


def attr(pool, which) -> int:
    return int(ok(g.cudaMemPoolGetAttribute(pool, which)))


def default_pool(device: int = 0):
    return ok(g.cudaDeviceGetDefaultMemPool(device))


def set_policies(pool, events: bool, opportunistic: bool, internal: bool) -> None:
    for which, value in zip(POLICIES, (events, opportunistic, internal)):
        assert g.cudaMemPoolSetAttribute(pool, which, value) == g.cudaSuccess


def new_pool(device: int = 0, max_size: int = 0):
    props = g.cudaMemPoolProps()
    props.allocType = g.cudaMemAllocationTypePinned
    props.location.type = g.cudaMemLocationTypeDevice
    props.location.id = device
    props.maxSize = max_size
    return ok(g.cudaMemPoolCreate(props))


def nonblocking():
    return g.cudaStream_t(g.cudaStreamNonBlocking)


# --- allocation and data -----------------------------------------------------------------------------------------

def test_memory_from_malloc_async_holds_data_and_goes_back_to_the_pool(pygpu_sim):
    s = nonblocking()
    ptr = ok(g.cudaMallocAsync(1000, s))
    host = np.arange(250, dtype=np.int32)
    out = np.zeros_like(host)
    assert g.cudaMemcpyAsync(ptr, host, 1000, g.cudaMemcpyHostToDevice, s) == g.cudaSuccess
    assert g.cudaMemcpyAsync(out, ptr, 1000, g.cudaMemcpyDeviceToHost, s) == g.cudaSuccess
    assert g.cudaFreeAsync(ptr, s) == g.cudaSuccess
    assert s.synchronize() == g.cudaSuccess
    np.testing.assert_array_equal(out, host)
    attrs = ok(g.cudaPointerGetAttributes(ok(g.cudaMallocAsync(8, s))))
    assert attrs.type == g.cudaMemoryTypeDevice and attrs.device == 0


def test_a_block_freed_on_a_stream_is_reused_there_at_once(pygpu_sim, gate):
    s = nonblocking()
    gt = gate(s)  # the free cannot have completed: only stream order allows the reuse
    a = ok(g.cudaMallocAsync(4 * KiB, s))
    assert g.cudaFreeAsync(a, s) == g.cudaSuccess
    b = ok(g.cudaMallocAsync(4 * KiB, s))
    assert int(b) == int(a)
    pool = default_pool()
    assert (attr(pool, USED), attr(pool, RESERVED)) == (4 * KiB, 4 * KiB)
    gt.open()


@pytest.mark.parametrize("size", [1, 255, 256, 3000, 4 * KiB, 5000, (2 << 20) + 1])
def test_used_and_reserved_are_the_live_bytes_rounded_to_256(pygpu_sim, size):
    pool = default_pool()
    s = nonblocking()
    ptr = ok(g.cudaMallocAsync(size, s))
    charged = (size + 255) // 256 * 256
    assert [attr(pool, a) for a in (USED, RESERVED, USED_HIGH, RESERVED_HIGH)] == [charged] * 4
    free, total = ok(g.cudaMemGetInfo())
    assert total - free == charged
    assert g.cudaFreeAsync(ptr, s) == g.cudaSuccess
    assert (attr(pool, USED), attr(pool, RESERVED), attr(pool, USED_HIGH)) == (0, charged, charged)
    assert ok(g.cudaMemGetInfo())[0] == free  # held by the pool: still charged to the device
    assert s.synchronize() == g.cudaSuccess  # above the release threshold (0): given back
    assert (attr(pool, RESERVED), attr(pool, RESERVED_HIGH)) == (0, charged)
    assert ok(g.cudaMemGetInfo())[0] == total


# --- reuse on another stream ----------------------------------------------------------------------------------------

def test_another_stream_reuses_a_block_only_once_the_free_is_ordered_before_it(pygpu_sim):
    pool = default_pool()
    set_policies(pool, False, False, False)
    assert g.cudaMemPoolSetAttribute(pool, THRESHOLD, 1 << 20) == g.cudaSuccess
    s1, s2 = nonblocking(), nonblocking()
    a = ok(g.cudaMallocAsync(4 * KiB, s1))
    assert g.cudaFreeAsync(a, s1) == g.cudaSuccess
    b = ok(g.cudaMallocAsync(4 * KiB, s2))
    assert int(b) != int(a) and attr(pool, RESERVED) == 8 * KiB
    assert g.cudaFreeAsync(b, s2) == g.cudaSuccess
    assert s1.synchronize() == g.cudaSuccess  # the host saw s1's free complete: any stream may take it
    assert int(ok(g.cudaMallocAsync(4 * KiB, s2))) == int(a)
    assert attr(pool, RESERVED) == 8 * KiB  # kept: under the threshold


def test_a_synchronisation_shows_only_the_frees_it_waited_for(pygpu_sim):
    pool = default_pool()
    set_policies(pool, False, False, False)
    assert g.cudaMemPoolSetAttribute(pool, THRESHOLD, 1 << 20) == g.cudaSuccess
    s1, s2, s3 = nonblocking(), nonblocking(), nonblocking()
    a = ok(g.cudaMallocAsync(4 * KiB, s1))
    early = g.cudaEvent_t()
    assert g.cudaEventRecord(early, s2) == g.cudaSuccess
    b = ok(g.cudaMallocAsync(4 * KiB, s2))
    assert g.cudaFreeAsync(b, s2) == g.cudaSuccess
    assert g.cudaFreeAsync(a, s1) == g.cudaSuccess
    assert g.cudaEventSynchronize(early) == g.cudaSuccess  # recorded before s2's free: shows nothing
    assert s1.synchronize() == g.cudaSuccess  # shows s1's free, not s2's
    assert int(ok(g.cudaMallocAsync(4 * KiB, s3))) == int(a)
    assert int(ok(g.cudaMallocAsync(4 * KiB, s3))) not in (int(a), int(b))
    late = g.cudaEvent_t()
    assert g.cudaEventRecord(late, s2) == g.cudaSuccess
    assert g.cudaEventSynchronize(late) == g.cudaSuccess  # after s2's free: shows it
    assert int(ok(g.cudaMallocAsync(4 * KiB, s3))) == int(b)


def test_an_event_recorded_after_the_free_and_waited_for_allows_the_reuse(pygpu_sim, gate):
    pool = default_pool()
    set_policies(pool, True, False, False)
    s1, s2 = nonblocking(), nonblocking()
    gt = gate(s1)
    a = ok(g.cudaMallocAsync(4 * KiB, s1))
    assert g.cudaFreeAsync(a, s1) == g.cudaSuccess
    before = g.cudaEvent_t()
    assert g.cudaEventRecord(before, s1) == g.cudaSuccess
    assert g.cudaFreeAsync(ok(g.cudaMallocAsync(4 * KiB, s2)), s2) == g.cudaSuccess  # no dependency yet
    assert g.cudaStreamWaitEvent(s2, before, 0) == g.cudaSuccess
    b = ok(g.cudaMallocAsync(4 * KiB, s2))
    assert int(b) == int(a)
    gt.open()


def test_an_event_recorded_before_the_free_does_not_allow_the_reuse(pygpu_sim):
    pool = default_pool()
    set_policies(pool, True, False, False)
    s1, s2 = nonblocking(), nonblocking()
    a = ok(g.cudaMallocAsync(4 * KiB, s1))
    early = g.cudaEvent_t()
    assert g.cudaEventRecord(early, s1) == g.cudaSuccess
    assert g.cudaFreeAsync(a, s1) == g.cudaSuccess
    assert g.cudaStreamWaitEvent(s2, early, 0) == g.cudaSuccess
    assert int(ok(g.cudaMallocAsync(4 * KiB, s2))) != int(a)


def test_opportunistic_reuse_waits_for_the_free_to_complete(pygpu_sim, gate):
    pool = default_pool()
    set_policies(pool, False, True, False)
    s1, s2 = nonblocking(), nonblocking()
    gt = gate(s1)
    a = ok(g.cudaMallocAsync(4 * KiB, s1))
    assert g.cudaFreeAsync(a, s1) == g.cudaSuccess
    b = ok(g.cudaMallocAsync(4 * KiB, s2))  # s1 has not reached the free
    assert int(b) != int(a)
    gt.open()
    while s1.query() == g.cudaErrorNotReady:  # a query is no synchronisation: only completion counts
        pass
    assert int(ok(g.cudaMallocAsync(4 * KiB, s2))) == int(a)


def test_internal_dependencies_make_the_allocating_stream_wait_for_the_free(pygpu_sim, gate):
    pool = default_pool()
    set_policies(pool, False, False, True)
    s1, s2 = nonblocking(), nonblocking()
    gt = gate(s1)
    a = ok(g.cudaMallocAsync(4 * KiB, s1))
    assert g.cudaFreeAsync(a, s1) == g.cudaSuccess
    b = ok(g.cudaMallocAsync(4 * KiB, s2))
    assert int(b) == int(a)
    assert s2.query() == g.cudaErrorNotReady  # s2 now waits for s1's free
    gt.open()
    assert s2.synchronize() == g.cudaSuccess and s1.query() == g.cudaSuccess


def test_the_legacy_default_stream_orders_frees_on_blocking_streams(pygpu_sim, gate):
    pool = default_pool()
    set_policies(pool, False, False, False)
    s = g.cudaStream_t()  # blocking
    gt = gate(s)
    a = ok(g.cudaMallocAsync(4 * KiB, s))
    assert g.cudaFreeAsync(a, s) == g.cudaSuccess
    assert int(ok(g.cudaMallocAsync(4 * KiB, None))) == int(a)  # legacy work waits for s's
    gt.open()


def test_the_policies_are_on_by_default_and_read_back(pygpu_sim):
    pool = default_pool()
    assert [attr(pool, p) for p in POLICIES] == [1, 1, 1]
    set_policies(pool, False, True, False)
    assert [attr(pool, p) for p in POLICIES] == [0, 1, 0]
    assert attr(pool, THRESHOLD) == 0
    assert g.cudaMemPoolSetAttribute(pool, THRESHOLD, 1 << 40) == g.cudaSuccess
    assert attr(pool, THRESHOLD) == 1 << 40


# --- threshold, trimming, high-water marks ----------------------------------------------------------------------------

def test_memory_under_the_release_threshold_stays_reserved_and_trim_releases_it(pygpu_sim):
    pool = default_pool()
    assert g.cudaMemPoolSetAttribute(pool, THRESHOLD, 64 * KiB) == g.cudaSuccess
    s = nonblocking()
    ptrs = [ok(g.cudaMallocAsync(4 * KiB, s)) for _ in range(3)]
    for p in ptrs:
        assert g.cudaFreeAsync(p, s) == g.cudaSuccess
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    assert (attr(pool, USED), attr(pool, RESERVED)) == (0, 12 * KiB)
    assert g.cudaMemPoolTrimTo(pool, 4 * KiB) == g.cudaSuccess
    assert attr(pool, RESERVED) == 4 * KiB
    assert g.cudaMemPoolTrimTo(pool, 0) == g.cudaSuccess
    assert attr(pool, RESERVED) == 0 and attr(pool, RESERVED_HIGH) == 12 * KiB
    free, total = ok(g.cudaMemGetInfo())
    assert free == total


def test_trim_keeps_memory_in_use(pygpu_sim):
    pool = default_pool()
    s = nonblocking()
    ptr = ok(g.cudaMallocAsync(8 * KiB, s))
    assert g.cudaMemPoolTrimTo(pool, 0) == g.cudaSuccess
    assert attr(pool, RESERVED) == 8 * KiB
    assert g.cudaFreeAsync(ptr, s) == g.cudaSuccess


def test_the_high_water_marks_reset_to_the_current_value(pygpu_sim):
    pool = default_pool()
    s = nonblocking()
    big = ok(g.cudaMallocAsync(16 * KiB, s))
    small = ok(g.cudaMallocAsync(1 * KiB, s))
    assert g.cudaFreeAsync(big, s) == g.cudaSuccess
    assert attr(pool, USED_HIGH) == 17 * KiB
    assert g.cudaMemPoolSetAttribute(pool, USED_HIGH, 0) == g.cudaSuccess
    assert attr(pool, USED_HIGH) == 1 * KiB
    assert g.cudaMemPoolSetAttribute(pool, RESERVED_HIGH, 0) == g.cudaSuccess
    assert attr(pool, RESERVED_HIGH) == attr(pool, RESERVED) == 17 * KiB
    assert g.cudaFreeAsync(small, s) == g.cudaSuccess


@pytest.mark.parametrize(("which", "value"), [(USED_HIGH, 5), (RESERVED_HIGH, 1), (USED, 0), (RESERVED, 0),
                                              (0, 0), (9, 0), (-1, 0)])
def test_attributes_that_cannot_be_set_so_are_invalid(pygpu_sim, which, value):
    err = g.cudaMemPoolSetAttribute(default_pool(), which, value)
    assert err == g.cudaErrorInvalidValue
    assert g.cudaGetLastError() == g.cudaErrorInvalidValue


@pytest.mark.parametrize("which", [0, 9, 1 << 20])
def test_an_attribute_that_is_no_cudaMemPoolAttr_cannot_be_read(pygpu_sim, which):
    assert g.cudaMemPoolGetAttribute(default_pool(), which) == (None, g.cudaErrorInvalidValue)


def test_the_bindings_check_the_arguments(pygpu_sim):
    pool = default_pool()
    with pytest.raises(TypeError, match="attr must be an int"):
        g.cudaMemPoolGetAttribute(pool, "threshold")
    with pytest.raises(TypeError, match="attr must be an int"):
        g.cudaMemPoolSetAttribute(pool, True, 1)
    with pytest.raises(ValueError, match="attr must be a cudaMemPoolAttr"):
        g.cudaMemPoolGetAttribute(pool, 1 << 40)
    with pytest.raises(ValueError, match="value must be >= 0"):
        g.cudaMemPoolSetAttribute(pool, THRESHOLD, -1)
    with pytest.raises(TypeError, match="memPool must be a cudaMemPool_t"):
        g.cudaMemPoolTrimTo("pool", 0)
    with pytest.raises(ValueError, match="size must be >= 0"):
        g.cudaMallocAsync(-1)
    with pytest.raises(TypeError, match="incompatible function arguments"):
        g.cudaMemPoolCreate(None)
    assert g.cudaMemPoolGetAttribute(1 << 70, THRESHOLD)[1] == g.cudaErrorInvalidValue


def test_pool_handles_compare_by_value_and_convert_to_int(pygpu_sim):
    pool = default_pool()
    assert pool == default_pool() == int(pool) and hash(pool) == hash(g.cudaMemPool_t(int(pool)))
    assert pool != new_pool() and pool != "pool"
    assert ok(g.cudaMemPoolGetAttribute(int(pool), THRESHOLD)) == 0  # an int handle works too
    assert repr(pool).startswith("<cudaMemPool_t 0x")


# --- errors ----------------------------------------------------------------------------------------------------------

def test_size_zero_an_oversized_request_and_a_destroyed_stream_are_refused(pygpu_sim):
    assert g.cudaMallocAsync(0) == (None, g.cudaErrorInvalidValue)
    total = ok(g.cudaMemGetInfo())[1]
    assert g.cudaMallocAsync(total + 1) == (None, g.cudaErrorMemoryAllocation)
    assert "cannot allocate" in pygpu_sim.last_message()
    s = nonblocking()
    s.destroy()
    assert g.cudaMallocAsync(16, s)[1] == g.cudaErrorInvalidResourceHandle
    assert g.cudaMallocAsync(16, 0x7777)[1] == g.cudaErrorInvalidResourceHandle


def test_an_allocation_that_does_not_fit_first_releases_what_the_pool_holds(pygpu_sim):
    pool = default_pool()
    assert g.cudaMemPoolSetAttribute(pool, THRESHOLD, 1 << 62) == g.cudaSuccess
    total = ok(g.cudaMemGetInfo())[1]
    s = nonblocking()
    half = ok(g.cudaMallocAsync(total // 2, s))
    assert g.cudaFreeAsync(half, s) == g.cudaSuccess
    assert s.synchronize() == g.cudaSuccess and attr(pool, RESERVED) == total // 2  # held: under the threshold
    big = ok(g.cudaMallocAsync(total // 2 + 4096, s))  # fits only once the held half is given back
    assert attr(pool, RESERVED) == total // 2 + 4096
    assert g.cudaFreeAsync(big, s) == g.cudaSuccess


def test_double_free_interior_pointer_null_and_host_memory_are_invalid(pygpu_sim):
    s = nonblocking()
    ptr = ok(g.cudaMallocAsync(512, s))
    assert g.cudaFreeAsync(int(ptr) + 256, s) == g.cudaErrorInvalidValue
    assert "points 256 bytes into" in pygpu_sim.last_message()
    assert g.cudaFreeAsync(ptr, s) == g.cudaSuccess
    assert g.cudaFreeAsync(int(ptr), s) == g.cudaErrorInvalidValue
    assert "double free" in pygpu_sim.last_message()
    assert g.cudaFree(int(ptr)) == g.cudaErrorInvalidValue
    assert g.cudaFreeAsync(0, s) == g.cudaErrorInvalidValue
    pinned = ok(g.cudaMallocHost(64))
    assert g.cudaFreeAsync(pinned, s) == g.cudaErrorInvalidValue
    assert "device memory only" in pygpu_sim.last_message()
    assert g.cudaFreeHost(pinned) == g.cudaSuccess


def test_a_use_of_freed_pool_memory_is_caught_by_copies_and_memsets(pygpu_sim):
    s = nonblocking()
    ptr = ok(g.cudaMallocAsync(256, s))
    assert g.cudaFreeAsync(ptr, s) == g.cudaSuccess
    host = np.zeros(64, np.int32)
    address = int(ptr)
    assert g.cudaMemsetAsync(address, 0, 256, s) == g.cudaErrorInvalidValue
    assert "was freed" in pygpu_sim.last_message() and "memory pool" in pygpu_sim.last_message()
    assert g.cudaMemcpy(host, address, 256, g.cudaMemcpyDeviceToHost) == g.cudaErrorInvalidValue
    assert g.cudaMemcpy(address, host, 256, g.cudaMemcpyHostToDevice) == g.cudaErrorInvalidValue
    again = ok(g.cudaMallocAsync(256, s))  # handed out again: valid again
    assert int(again) == address and g.cudaMemsetAsync(again, 0, 256, s) == g.cudaSuccess


def test_a_kernel_using_freed_pool_memory_faults(pygpu_sim, kernels):
    s = nonblocking()
    ptr = ok(g.cudaMallocAsync(256, s))
    address = int(ptr)
    assert g.cudaLaunchKernel(kernels["store"], (1,), (1,), [np.uintp(address)], 0, s) == g.cudaSuccess
    assert g.cudaFreeAsync(ptr, s) == g.cudaSuccess
    assert s.synchronize() == g.cudaSuccess  # the launch before the free used live memory
    assert g.cudaLaunchKernel(kernels["store"], (1,), (1,), [np.uintp(address)], 0, s) == g.cudaSuccess
    assert s.synchronize() == g.cudaErrorIllegalAddress
    assert "memory pool" in pygpu_sim.last_message() or "freed" in pygpu_sim.last_message()
    assert g.cudaDeviceReset() == g.cudaSuccess


def test_cudaFree_of_pool_memory_waits_and_returns_it_to_the_pool(pygpu_sim):
    pool = default_pool()
    s = nonblocking()
    ptr = ok(g.cudaMallocAsync(1 * KiB, s))
    assert g.cudaFree(ptr) == g.cudaSuccess
    assert (attr(pool, USED), attr(pool, RESERVED)) == (0, 1 * KiB)
    assert int(ok(g.cudaMallocAsync(1 * KiB, nonblocking()))) == int(ptr)  # the free is complete: any stream


def test_cudaFreeAsync_of_cudaMalloc_memory_releases_it_in_stream_order(pygpu_sim, gate):
    s = nonblocking()
    ptr = ok(g.cudaMalloc(4 * KiB))
    free_before, total = ok(g.cudaMemGetInfo())
    gt = gate(s)
    assert g.cudaFreeAsync(ptr, s) == g.cudaSuccess
    assert ok(g.cudaMemGetInfo())[0] == free_before + 4 * KiB
    assert g.cudaMemset(ptr, 0, 16) == g.cudaErrorInvalidValue  # freed at once for every later call
    gt.open()
    assert s.synchronize() == g.cudaSuccess
    assert ok(g.cudaMemGetInfo()) == (total, total)
    assert attr(default_pool(), RESERVED) == 0  # never the pool's


# --- pools -----------------------------------------------------------------------------------------------------------

def test_a_created_pool_allocates_and_reports_its_own_figures(pygpu_sim):
    pool = new_pool()
    s = nonblocking()
    ptr = ok(g.cudaMallocFromPoolAsync(3000, pool, s))
    assert (attr(pool, USED), attr(default_pool(), USED)) == (3072, 0)
    assert g.cudaFreeAsync(ptr, s) == g.cudaSuccess
    assert attr(pool, USED) == 0 and attr(pool, RESERVED) == 3072
    assert g.cudaMemPoolDestroy(pool) == g.cudaSuccess
    assert g.cudaMallocFromPoolAsync(16, pool, s) == (None, g.cudaErrorInvalidValue)
    assert "was destroyed" in pygpu_sim.last_message()
    assert g.cudaMemPoolDestroy(pool) == g.cudaErrorInvalidValue
    assert g.cudaMallocFromPoolAsync(16, 0, s) == (None, g.cudaErrorInvalidValue)


def test_a_pool_on_device_1_allocates_there_whatever_the_stream(pygpu_sim):
    pool = new_pool(device=1)
    ptr = ok(g.cudaMallocFromPoolAsync(512, pool, nonblocking()))
    assert ok(g.cudaPointerGetAttributes(ptr)).device == 1
    assert g.cudaFreeAsync(ptr, None) == g.cudaSuccess


def test_destroying_a_pool_with_live_allocations_defers_its_release(pygpu_sim):
    pool = new_pool()
    s = nonblocking()
    ptr = ok(g.cudaMallocFromPoolAsync(2 * KiB, pool, s, label="survivor"))
    assert g.cudaMemPoolDestroy(pool) == g.cudaSuccess  # CUDA: returns at once
    assert [a["origin"] for a in pygpu_sim.leaks() if a["label"] == "survivor"] == ["cudaMallocFromPoolAsync"]
    assert g.cudaMemsetAsync(ptr, 1, 2 * KiB, s) == g.cudaSuccess  # still valid
    free = ok(g.cudaMemGetInfo())[0]
    assert g.cudaFreeAsync(ptr, s) == g.cudaSuccess
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    assert ok(g.cudaMemGetInfo())[0] == free + 2 * KiB  # the pool went with its last allocation
    assert pygpu_sim.leaks() == []


@pytest.mark.parametrize(("field", "value", "code"), [
    ("allocType", 0, g.cudaErrorInvalidValue), ("allocType", 2, g.cudaErrorInvalidValue),
    ("location.type", 0, g.cudaErrorInvalidValue), ("location.id", 2, g.cudaErrorInvalidValue),
    ("location.id", -1, g.cudaErrorInvalidValue), ("handleTypes", 1, g.cudaErrorNotSupported),
])
def test_pool_properties_are_checked(pygpu_sim, field, value, code):
    props = g.cudaMemPoolProps()
    props.allocType = g.cudaMemAllocationTypePinned
    props.location = g.cudaMemLocation(g.cudaMemLocationTypeDevice, 0)
    target, name = (props.location, field.split(".")[1]) if "." in field else (props, field)
    setattr(target, name, value)
    assert g.cudaMemPoolCreate(props) == (None, code)


def test_a_pool_with_a_max_size_refuses_to_grow_past_it(pygpu_sim):
    pool = new_pool(max_size=8 * KiB)
    s = nonblocking()
    a = ok(g.cudaMallocFromPoolAsync(6 * KiB, pool, s))
    assert g.cudaMallocFromPoolAsync(4 * KiB, pool, s) == (None, g.cudaErrorMemoryAllocation)
    assert g.cudaFreeAsync(a, s) == g.cudaSuccess


def test_the_default_pool_cannot_be_destroyed(pygpu_sim):
    assert g.cudaMemPoolDestroy(default_pool()) == g.cudaErrorInvalidValue
    assert "default pool" in pygpu_sim.last_message()


def test_the_current_pool_is_the_default_until_set_and_serves_cudaMallocAsync(pygpu_sim):
    assert ok(g.cudaDeviceGetMemPool(0)) == default_pool()
    assert default_pool(0) != default_pool(1)
    pool = new_pool()
    assert g.cudaDeviceSetMemPool(0, pool) == g.cudaSuccess
    assert ok(g.cudaDeviceGetMemPool(0)) == pool
    s = nonblocking()
    ptr = ok(g.cudaMallocAsync(256, s))
    assert (attr(pool, USED), attr(default_pool(), USED)) == (256, 0)
    assert g.cudaFreeAsync(ptr, s) == g.cudaSuccess
    assert g.cudaMemPoolDestroy(pool) == g.cudaSuccess
    assert ok(g.cudaDeviceGetMemPool(0)) == default_pool()  # back to the default


def test_device_arguments_are_checked(pygpu_sim):
    for call in (g.cudaDeviceGetDefaultMemPool, g.cudaDeviceGetMemPool):
        assert call(2) == (None, g.cudaErrorInvalidDevice)
        assert call(-1) == (None, g.cudaErrorInvalidDevice)
    assert g.cudaDeviceSetMemPool(2, default_pool()) == g.cudaErrorInvalidDevice
    assert g.cudaDeviceSetMemPool(0, default_pool(1)) == g.cudaErrorInvalidValue
    assert "belongs to device 1" in pygpu_sim.last_message()


# --- leaks, resets, statistics -------------------------------------------------------------------------------------

def test_live_pool_allocations_are_leaks_with_their_labels(pygpu_sim):
    s = nonblocking()
    ptr = ok(g.cudaMallocAsync(100, s, label="scratch"))
    leaks = [a for a in pygpu_sim.leaks() if a["label"] == "scratch"]
    assert [(a["size"], a["kind"], a["origin"], a["address"]) for a in leaks] == [
        (100, "device", "cudaMallocAsync", int(ptr))]
    assert g.cudaFreeAsync(ptr, s) == g.cudaSuccess
    assert pygpu_sim.leaks() == []


def test_a_device_reset_releases_the_pools(pygpu_sim):
    pool = new_pool()
    default = default_pool()
    assert g.cudaMemPoolSetAttribute(default, THRESHOLD, 1 << 30) == g.cudaSuccess
    s = nonblocking()
    live = ok(g.cudaMallocFromPoolAsync(4 * KiB, pool, s))
    idle = ok(g.cudaMallocAsync(8 * KiB, s))
    assert g.cudaFreeAsync(idle, s) == g.cudaSuccess
    assert g.cudaDeviceSetMemPool(0, pool) == g.cudaSuccess
    assert g.cudaDeviceReset() == g.cudaSuccess
    assert ok(g.cudaMemGetInfo())[0] == ok(g.cudaMemGetInfo())[1]
    assert g.cudaMemPoolGetAttribute(pool, USED)[1] == g.cudaErrorInvalidValue
    assert [attr(default, a) for a in (USED, RESERVED, THRESHOLD)] == [0, 0, 0]
    assert ok(g.cudaDeviceGetMemPool(0)) == default
    assert g.cudaMemset(int(live), 0, 16) == g.cudaErrorInvalidValue
    assert pygpu_sim.leaks() == []


def test_the_calls_are_counted_and_injectable(pygpu_sim):
    s = nonblocking()
    ptr = ok(g.cudaMallocAsync(64, s))
    assert g.cudaFreeAsync(ptr, s) == g.cudaSuccess
    calls = pygpu_sim.stats()["calls"]
    assert calls["cudaMallocAsync"] == 1 and calls["cudaFreeAsync"] == 1
    pygpu_sim.inject("hipMallocAsync", "cudaErrorMemoryAllocation")
    assert g.cudaMallocAsync(64, s) == (None, g.cudaErrorMemoryAllocation)
    assert g.cudaFreeAsync(ok(g.cudaMallocAsync(64, s)), s) == g.cudaSuccess


def test_the_hip_names_are_the_cuda_ones():
    for name in ("MallocAsync", "FreeAsync", "MallocFromPoolAsync", "MemPoolCreate", "MemPoolDestroy",
                 "DeviceGetDefaultMemPool", "DeviceGetMemPool", "DeviceSetMemPool", "MemPoolSetAttribute",
                 "MemPoolGetAttribute", "MemPoolTrimTo", "MemPool_t", "MemPoolProps", "MemLocation"):
        assert getattr(g, "hip" + name) is getattr(g, "cuda" + name)
    assert [g.hipMemPoolReuseFollowEventDependencies, g.hipMemPoolAttrUsedMemHigh] == [1, 8]
    assert (g.hipMemAllocationTypePinned, g.hipMemLocationTypeDevice, g.hipMemHandleTypeNone) == (1, 1, 0)


# --- host code compiled for the simulated device --------------------------------------------------------------------

HOST_CODE = r"""
#include <cuda_runtime.h>

extern "C" int pool_round_trip(int* same, unsigned long long* reserved) {
    cudaStream_t s;
    if (cudaError_t e = cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking)) return e;
    cudaMemPoolProps props = {};
    props.allocType = cudaMemAllocationTypePinned;
    props.location.type = cudaMemLocationTypeDevice;
    props.location.id = 0;
    cudaMemPool_t pool;
    if (cudaError_t e = cudaMemPoolCreate(&pool, &props)) return e;
    void* a = nullptr;
    void* b = nullptr;
    if (cudaError_t e = cudaMallocFromPoolAsync(&a, 1000, pool, s)) return e;
    if (cudaError_t e = cudaFreeAsync(a, s)) return e;
    if (cudaError_t e = cudaMallocFromPoolAsync(&b, 1000, pool, s)) return e;
    *same = a == b;
    if (cudaError_t e = cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, reserved)) return e;
    if (cudaError_t e = cudaFreeAsync(b, s)) return e;
    if (cudaError_t e = cudaStreamSynchronize(s)) return e;
    if (cudaError_t e = cudaMemPoolDestroy(pool)) return e;
    return cudaStreamDestroy(s);
}
"""

HIP_CODE = r"""
#include <hip/hip_runtime.h>

extern "C" int hip_round_trip(int* same) {
    hipMemPool_t pool;
    if (hipError_t e = hipDeviceGetDefaultMemPool(&pool, 0)) return e;
    int* a = nullptr;
    void* b = nullptr;
    if (hipError_t e = hipMallocAsync(&a, 64 * sizeof(int), 0)) return e;
    if (hipError_t e = hipFreeAsync(a, 0)) return e;
    if (hipError_t e = hipMallocFromPoolAsync(&b, 64 * sizeof(int), pool, 0)) return e;
    *same = static_cast<void*>(a) == b;
    if (hipError_t e = hipFreeAsync(b, 0)) return e;
    return hipDeviceSynchronize();
}
"""


def test_host_code_uses_the_same_pools(pygpu_sim):
    import ctypes

    lib = pygpu_sim.load_library(pygpu_sim.compile(HOST_CODE))
    same, reserved = ctypes.c_int(0), ctypes.c_ulonglong(0)
    assert lib.pool_round_trip(ctypes.byref(same), ctypes.byref(reserved)) == 0
    assert (same.value, reserved.value) == (1, 1024)
    hip = pygpu_sim.load_library(pygpu_sim.compile(HIP_CODE))
    assert hip.hip_round_trip(ctypes.byref(same)) == 0 and same.value == 1
    assert pygpu_sim.stats()["calls"]["cudaMallocFromPoolAsync"] == 3  # two from C, one from HIP


# --- CUDA and HIP without a device -----------------------------------------------------------------------------------

GPU_CHECK = """
import PyGPU as g
print(g.cudaGetDeviceCount()[0])
props = g.cudaMemPoolProps()
props.allocType = g.cudaMemAllocationTypePinned
props.location.type = g.cudaMemLocationTypeDevice
results = [g.cudaMallocAsync(256), g.cudaDeviceGetDefaultMemPool(0), g.cudaDeviceGetMemPool(0),
           g.cudaMemPoolCreate(props), (None, g.cudaFreeAsync(0)), (None, g.cudaDeviceSetMemPool(0, 0))]
for value, err in results:
    print(value, int(err), err.name)
"""


@pytest.mark.parametrize(("backend", "answers"), [
    ("cuda", {(35, "cudaErrorInsufficientDriver"), (100, "cudaErrorNoDevice")}),
    ("hip", {(101, "hipErrorInvalidDevice"), (100, "hipErrorNoDevice"), (1, "hipErrorInvalidValue")}),
])
def test_gpu_backends_answer_with_their_own_codes(backend, answers):
    if backend not in g.built_backends:
        pytest.skip(f"backend {backend} was not built")
    result = run_python(GPU_CHECK, PYGPU_BACKEND=backend)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().split("\n")
    if lines[0] != "None":
        pytest.skip("a device is present: this test is for machines without one")
    assert len(lines) == 7
    for line in lines[1:]:
        value, code, name = line.split()
        assert value == "None" and (int(code), name) in answers, line
