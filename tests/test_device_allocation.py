"""DeviceAllocation's C base (bindings/device_allocation.cpp): freeing on drop by the call the class's
``_release`` names, the lazily made pointer object, and GPUArray's one-call hot paths (``_core._upload``,
``_core._ordered_alloc``, ``_core._download``) with their failures."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import PyGPU as g
import PyGPU.driver as cuda
from PyGPU import _core, tools
from PyGPU._pool import StreamOrderedAllocation


def live(sim) -> dict[int, str]:
    return {a["address"]: a["origin"] for a in sim.allocations()}


def used_in_default_pool() -> int:
    pool, err = g.cudaDeviceGetMemPool(0)
    assert err == g.cudaSuccess
    value, err = g.cudaMemPoolGetAttribute(pool, g.cudaMemPoolAttrUsedMemCurrent)
    assert err == g.cudaSuccess
    return int(value)


# ------------------------------------------------------------------ freeing on drop

def test_a_dropped_device_allocation_is_freed_with_cudaFree(pygpu_sim):
    d = cuda.mem_alloc(256)
    address = int(d)
    ptr = d._ptr
    assert live(pygpu_sim)[address] == "cudaMalloc"
    del d
    assert address not in live(pygpu_sim)
    assert not ptr.alive and "freed" in repr(ptr)


def test_a_dropped_stream_ordered_allocation_goes_back_to_its_pool(pygpu_sim):
    used = used_in_default_pool()
    a = _core._ordered_alloc(StreamOrderedAllocation, 1000)
    assert type(a) is StreamOrderedAllocation and isinstance(a, cuda.DeviceAllocation)
    assert used_in_default_pool() == used + 1024  # 256-byte granules
    assert live(pygpu_sim)[int(a)] == "cudaMallocAsync"
    del a
    assert used_in_default_pool() == used


def test_the_pointer_object_is_made_on_first_use_and_knows_the_memory(pygpu_sim):
    a = _core._ordered_alloc(StreamOrderedAllocation, 4096)
    ptr = a._ptr
    assert a._ptr is ptr and int(ptr) == int(a) and ptr.extent == 4096 and ptr.alive and ptr.is_device()
    a.free()
    assert not ptr.alive
    with pytest.raises(g.CudaError) as info:
        a.free()
    assert info.value.code == g.cudaErrorInvalidValue
    del a  # freed already: nothing is freed twice, and no warning
    gc.collect()


def test_memory_freed_explicitly_is_not_freed_again_on_drop(pygpu_sim, recwarn):
    d = cuda.mem_alloc(64)
    d.free()
    del d
    gc.collect()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_a_subclass_without_release_frees_nothing(pygpu_sim):
    class Borrowed(cuda.DeviceAllocation):
        __slots__ = ()
        _release = None  # type: ignore[assignment]

    ptr, err = g.cudaMalloc(128)
    assert err == g.cudaSuccess
    b = Borrowed(ptr)
    del b
    assert ptr.alive and int(ptr) in live(pygpu_sim)
    assert g.cudaFree(ptr) == g.cudaSuccess


def test_a_subclass_with_its_own_release_has_it_called_on_drop(pygpu_sim):
    calls = []

    def release(ptr):
        calls.append(int(ptr))
        return g.cudaFree(ptr)

    class Logged(cuda.DeviceAllocation):
        __slots__ = ()
        _release = staticmethod(release)

    ptr, _ = g.cudaMalloc(128)
    address = int(ptr)
    Logged(ptr)  # dropped at once
    assert calls == [address] and not ptr.alive


def test_a_release_that_raises_becomes_a_warning(pygpu_sim):
    def release(ptr):
        raise RuntimeError("no way")

    class Stubborn(cuda.DeviceAllocation):
        __slots__ = ()
        _release = staticmethod(release)

    ptr, _ = g.cudaMalloc(128)
    with pytest.warns(RuntimeWarning, match="freeing a Stubborn failed: no way"):
        Stubborn(ptr)
    assert g.cudaFree(ptr) == g.cudaSuccess


def test_a_failed_stream_ordered_free_on_drop_is_a_warning(pygpu_sim):
    a = g.empty(16, np.float32)
    with pygpu_sim.inject("cudaFreeAsync", "cudaErrorLaunchFailure"), \
            pytest.warns(RuntimeWarning, match="freeing a StreamOrderedAllocation failed: cudaErrorLaunchFailure"):
        del a
    assert g.cudaGetLastError() == g.cudaErrorLaunchFailure


def raise_while_dropping() -> None:
    try:
        raise KeyError("kept")
    finally:
        cuda.mem_alloc(16)  # made and dropped while the KeyError propagates


def test_a_drop_during_an_exception_keeps_the_exception(pygpu_sim):
    with pytest.raises(KeyError, match="kept"):
        raise_while_dropping()


def test_setting_the_pointer_adopts_it(pygpu_sim):
    ptr, _ = g.cudaMalloc(32)
    d = cuda.DeviceAllocation(ptr)
    other, _ = g.cudaMalloc(32)
    d._ptr = other  # the first is the caller's again
    del d
    assert ptr.alive and not other.alive
    assert g.cudaFree(ptr) == g.cudaSuccess


def test_the_base_refuses_bad_arguments(pygpu_sim):
    with pytest.raises(TypeError, match="subclass of _DeviceAllocationBase"):
        _core._ordered_alloc(int, 16)
    with pytest.raises(TypeError):
        _core._ordered_alloc(StreamOrderedAllocation)
    with pytest.raises(ValueError, match="nbytes must be >= 0"):
        _core._ordered_alloc(StreamOrderedAllocation, -1)
    assert _core._ordered_alloc(StreamOrderedAllocation, 0) == g.cudaErrorInvalidValue  # CUDA: size 0
    with pytest.raises(TypeError, match=r"numpy\.ndarray"):
        _core._upload(StreamOrderedAllocation, b"1234")
    with pytest.raises(ValueError, match="not contiguous"):
        _core._upload(StreamOrderedAllocation, np.arange(8, dtype=np.int32)[::2])
    with pytest.raises(AttributeError):
        _core._DeviceAllocationBase()._ptr  # noqa: B018


# ------------------------------------------------------------------ GPUArray's hot paths

@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("order", ["C", "F"])
def test_round_trip_through_the_hot_paths(pygpu_sim, dtype, order):
    x = np.asarray((np.arange(24).reshape(2, 3, 4) * 3 - 5).astype(dtype), order=order)
    a = g.to_gpu(x)
    assert type(a.gpudata) is StreamOrderedAllocation and a.flags.c_contiguous == (order == "C")
    y = a.get()
    assert y.dtype == x.dtype and y.shape == x.shape and y.flags.f_contiguous == (order == "F")
    np.testing.assert_array_equal(y, x)
    assert y.base is None and y.flags.owndata and y.flags.writeable


def test_get_of_a_view_or_foreign_memory_takes_the_general_path(pygpu_sim):
    x = np.arange(10, dtype=np.int64)
    a = g.to_gpu(x)
    np.testing.assert_array_equal(a[2:].get(), x[2:])  # offset: not the start of the allocation
    foreign = g.GPUArray(10, np.int64, gpudata=int(a.gpudata), base=a)  # an int: no allocation object
    np.testing.assert_array_equal(foreign.get(), x)


def test_get_of_freed_memory_is_refused(pygpu_sim):
    a = g.to_gpu(np.arange(4, dtype=np.float32))
    a.gpudata.free()
    with pytest.raises(g.CudaError, match="already freed by cudaFreeAsync") as info:
        a.get()
    assert info.value.code == g.cudaErrorInvalidValue


def test_get_of_memory_too_small_is_refused(pygpu_sim):
    small = _core._ordered_alloc(StreamOrderedAllocation, 8)
    with pytest.raises(g.CudaError, match="holds 8 bytes but the call needs 16") as info:
        g.GPUArray(4, np.float32, gpudata=small).get()
    assert info.value.code == g.cudaErrorInvalidValue


def test_a_failed_copy_in_get_raises(pygpu_sim):
    a = g.to_gpu(np.arange(4, dtype=np.float32))
    with pygpu_sim.inject("cudaMemcpy", "cudaErrorLaunchFailure"), pytest.raises(g.CudaError) as info:
        a.get()
    assert info.value.code == g.cudaErrorLaunchFailure
    g.cudaGetLastError()


def test_to_gpu_retries_a_failed_allocation_after_freeing_the_pools(pygpu_sim):
    before = set(live(pygpu_sim))
    with pygpu_sim.inject("cudaMallocAsync", "cudaErrorMemoryAllocation"):  # the first attempt fails
        a = g.to_gpu(np.arange(5, dtype=np.int16))
    assert a.get().tolist() == [0, 1, 2, 3, 4] and type(a.gpudata) is StreamOrderedAllocation
    g.cudaGetLastError()
    del a
    assert set(live(pygpu_sim)) == before


def test_to_gpu_raises_when_every_allocation_fails(pygpu_sim):
    with pygpu_sim.inject("cudaMallocAsync", "cudaErrorMemoryAllocation", count=0), \
            pytest.raises(g.CudaError) as info:
        g.to_gpu(np.arange(5, dtype=np.int16))
    assert info.value.code == g.cudaErrorMemoryAllocation
    g.cudaGetLastError()


def test_a_failed_copy_in_to_gpu_raises_and_frees_the_memory(pygpu_sim):
    used = used_in_default_pool()
    with pygpu_sim.inject("cudaMemcpy", "cudaErrorLaunchFailure"), pytest.raises(g.CudaError) as info:
        g.to_gpu(np.arange(5, dtype=np.int16))
    assert info.value.code == g.cudaErrorLaunchFailure
    g.cudaGetLastError()
    g.cudaDeviceSynchronize()
    assert used_in_default_pool() == used


@pytest.mark.parametrize("kind", ["pool", "malloc"])
def test_other_default_allocators_keep_the_general_path(pygpu_sim, kind):
    previous = tools.get_default_allocator()
    tools.set_default_allocator(kind)
    try:
        a = g.to_gpu(np.arange(6, dtype=np.float32))
        assert type(a.gpudata) is not StreamOrderedAllocation
        assert a.get().tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    finally:
        tools.set_default_allocator(previous)


def test_free_held_waits_for_the_frees_queued_on_the_legacy_stream(pygpu_sim):
    """A dropped array's free is queued behind the legacy stream's work; free_held() gives its memory back
    once the stream reaches it (cudaMemPoolTrimTo alone keeps memory whose free is still pending)."""
    import time

    tools.default_pool().free_held()
    pool, _ = g.cudaDeviceGetMemPool(0)
    a = g.zeros(1 << 16, np.uint8)
    assert g.cudaLaunchHostFunc(None, lambda _: time.sleep(0.05), None) == g.cudaSuccess
    del a  # cudaFreeAsync behind the host function
    assert g.cudaMemPoolTrimTo(pool, 0) == g.cudaSuccess
    reserved, _ = g.cudaMemPoolGetAttribute(pool, g.cudaMemPoolAttrReservedMemCurrent)
    assert int(reserved) == 1 << 16  # the free is not reached yet: the pool keeps the block
    tools.default_pool().free_held()
    reserved, _ = g.cudaMemPoolGetAttribute(pool, g.cudaMemPoolAttrReservedMemCurrent)
    assert int(reserved) == 0
