"""Memory pools (PyGPU._pool): PyCUDA's DeviceMemoryPool and PageLockedMemoryPool, allocator= everywhere,
GPUArray's default (the stream-ordered pool) and its switch, leaks, resets, and bad input."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import numpy as np
import pytest

import PyGPU as g
import PyGPU.driver as cuda
from PyGPU import tools
from PyGPU._pool import StreamOrderedAllocation
from PyGPU.tools import DeviceMemoryPool, PageLockedMemoryPool, PooledDeviceAllocation, PooledHostAllocation


def live_addresses(sim) -> set[int]:
    return {a["address"] for a in sim.allocations()}


@pytest.fixture
def pool(pygpu_sim):
    p = DeviceMemoryPool()
    yield p
    p.free_held()


# ------------------------------------------------------------------ bins (PyCUDA's sizing)

@pytest.mark.parametrize(("size", "bin_nr", "block"), [
    (0, 0, 1), (1, 0, 1), (15, 62, 15), (16, 64, 16), (17, 65, 17), (1000, 159, 1023),
    (4096, 192, 4351), (4097, 192, 4351), (4352, 193, 4607), (1 << 20, 320, (1 << 20) + (1 << 16) - 1),
])
def test_bins_follow_pycuda(size, bin_nr, block):
    pool = DeviceMemoryPool()
    assert pool.bin_number(size) == bin_nr
    assert pool.alloc_size(bin_nr) == block


@pytest.mark.parametrize("size", [1, 3, 16, 31, 255, 4095, 65537, 10 ** 6, 3 << 30])
def test_a_block_fits_and_wastes_at_most_a_sixteenth(size):
    pool = DeviceMemoryPool()
    block = pool.alloc_size(pool.bin_number(size))
    assert size <= block <= max(size + size // 16, 16)
    assert pool.bin_number(block) == pool.bin_number(size)


# ------------------------------------------------------------------ device pool

def test_allocate_reuses_a_freed_block(pool, pygpu_sim):
    a = pool.allocate(1000)
    assert isinstance(a, PooledDeviceAllocation) and isinstance(a, cuda.DeviceAllocation)
    assert len(a) == 1000 and int(a) in live_addresses(pygpu_sim)
    assert (pool.active_blocks, pool.held_blocks, pool.active_bytes, pool.managed_bytes) == (1, 0, 1000, 1023)
    address = int(a)
    a.free()
    assert (pool.active_blocks, pool.held_blocks, pool.active_bytes, pool.managed_bytes) == (0, 1, 0, 1023)
    assert address in live_addresses(pygpu_sim)  # held, not freed
    b = pool.allocate(1010)  # the same bin
    assert int(b) == address
    assert (pool.active_blocks, pool.held_blocks, pool.active_bytes) == (1, 0, 1010)
    c = pool.allocate(2000)  # another bin: a new block
    assert int(c) != address and pool.managed_bytes == 1023 + pool.alloc_size(pool.bin_number(2000))


def test_dropping_the_allocation_gives_it_back(pool):
    a = pool.allocate(64)
    address = int(a)
    del a
    assert (pool.active_blocks, pool.held_blocks) == (0, 1)
    assert int(pool.allocate(64)) == address


def test_data_survives_in_a_reused_block(pool):
    a = pool.allocate(16)
    cuda.memcpy_htod(a, np.arange(4, dtype=np.int32))
    assert cuda.from_device(a, 4, np.int32).tolist() == [0, 1, 2, 3]


def test_free_twice_raises_and_loses_nothing(pool):
    a = pool.allocate(100)
    a.free()
    with pytest.raises(g.CudaError, match="already freed") as info:
        a.free()
    assert info.value.name == "cudaErrorInvalidValue"
    assert (pool.active_blocks, pool.held_blocks, pool.active_bytes) == (0, 1, 0)
    del a  # the destructor does not give the block back a second time
    assert (pool.active_blocks, pool.held_blocks) == (0, 1)
    assert "freed" in repr(pool.allocate(8)) or True  # a new allocation from the pool works


def test_free_held_returns_memory_to_the_device(pool, pygpu_sim):
    addresses = [int(pool.allocate(n)) for n in (100, 5000, 70000)]  # each dropped at once: held
    assert pool.held_blocks == 3
    pool.free_held()
    assert (pool.held_blocks, pool.managed_bytes, pool.active_blocks) == (0, 0, 0)
    assert not set(addresses) & live_addresses(pygpu_sim)


def test_stop_holding_frees_on_free(pool, pygpu_sim):
    kept = pool.allocate(256)
    pool.allocate(512)  # dropped: held
    pool.stop_holding()
    assert pool.held_blocks == 0
    address = int(kept)
    kept.free()
    assert pool.held_blocks == 0 and address not in live_addresses(pygpu_sim)
    a = pool.allocate(128)  # still allocates
    assert (pool.active_blocks, pool.active_bytes) == (1, 128)
    del a
    assert (pool.active_blocks, pool.held_blocks, pool.managed_bytes) == (0, 0, 0)


def test_out_of_memory_frees_what_the_pool_holds_and_retries(pool, pygpu_sim):
    big = 600 << 20  # of the test device's 1 GiB
    pool.allocate(big)  # dropped: held
    assert pool.held_blocks == 1
    other = pool.allocate(big + (100 << 20))  # another bin: fits only once the held block is freed
    assert len(other) == big + (100 << 20) and pool.held_blocks == 0


def test_allocation_larger_than_the_device(pool):
    pool.allocate(16).free()
    with pytest.raises(g.CudaError, match=r"DeviceMemoryPool\.allocate") as info:
        pool.allocate(4 << 30)
    assert info.value.name == "cudaErrorMemoryAllocation"
    assert (pool.active_blocks, pool.held_blocks, pool.active_bytes) == (0, 0, 0)
    assert len(pool.allocate(16)) == 16


@pytest.mark.parametrize(("size", "error"), [(-1, ValueError), ("8", TypeError), (1.5, TypeError), (None, TypeError)])
def test_bad_sizes(pool, size, error):
    with pytest.raises(error, match="size"):
        pool.allocate(size)
    assert pool.active_blocks == 0


def test_pooled_allocations_come_from_pools():
    with pytest.raises(TypeError, match=r"DeviceMemoryPool\.allocate"):
        PooledDeviceAllocation(g.cudaMalloc(16)[0])


def test_pool_allocates_on_its_device(pygpu_sim):
    g.cudaSetDevice(1)
    try:
        pool = DeviceMemoryPool()
    finally:
        g.cudaSetDevice(0)
    a = pool.allocate(4096)
    devices = {r["address"]: r["device"] for r in pygpu_sim.allocations()}
    assert devices[int(a)] == 1 and g.cudaGetDevice()[0] == 0


def test_reset_frees_the_pools_blocks(pool, pygpu_sim):
    active = pool.allocate(300)
    pool.allocate(600)  # held
    pygpu_sim.reset()
    assert (pool.held_blocks, pool.active_blocks) == (0, 1)
    del active  # its memory died with the reset: forgotten, no warning, no double free
    assert (pool.held_blocks, pool.active_blocks, pool.managed_bytes, pool.active_bytes) == (0, 0, 0, 0)
    assert pool.allocate(300).free() is None


# ------------------------------------------------------------------ allocator= everywhere

def from_pool(array, pool) -> bool:
    return isinstance(array.gpudata, PooledDeviceAllocation) and array.gpudata._pool is pool


CREATORS = {
    "GPUArray": lambda p: g.GPUArray((3, 4), np.float32, allocator=p.allocate),
    "empty": lambda p: g.empty((3, 4), np.float32, allocator=p.allocate),
    "zeros": lambda p: g.zeros((3, 4), np.float32, allocator=p.allocate),
    "ones": lambda p: g.ones((3, 4), np.float32, allocator=p.allocate),
    "to_gpu": lambda p: g.to_gpu(np.ones((3, 4), np.float32), allocator=p.allocate),
    "to_gpu F": lambda p: g.to_gpu(np.ones((3, 4), np.float32, order="F"), allocator=p.allocate),
    "to_gpu strided": lambda p: g.to_gpu(np.ones((3, 8), np.float32)[:, ::2], allocator=p.allocate),
    "to_gpu_async": lambda p: g.to_gpu_async(np.ones((3, 4), np.float32), allocator=p.allocate),
    "concatenate": lambda p: g.concatenate([g.zeros(2, np.float32), g.ones(3, np.float32)], allocator=p.allocate),
    "stack": lambda p: g.stack([g.zeros(2, np.float32), g.ones(2, np.float32)], allocator=p.allocate),
}


@pytest.mark.parametrize("creator", list(CREATORS))
def test_creation_functions_take_the_pool(pool, creator):
    a = CREATORS[creator](pool)
    g.cudaDeviceSynchronize()
    assert from_pool(a, pool) and a.allocator == pool.allocate
    assert pool.active_bytes == a.nbytes
    values = a.get()
    expected = {"GPUArray": None, "empty": None, "zeros": 0, "concatenate": [0, 0, 1, 1, 1],
                "stack": [[0, 0], [1, 1]]}.get(creator, 1)
    if expected is not None:
        np.testing.assert_array_equal(values, np.broadcast_to(np.asarray(expected, np.float32), a.shape))


@pytest.mark.parametrize("make", ["empty_like", "zeros_like", "ones_like", "copy", "astype", "add", "neg",
                                  "reshape", "sum"])
def test_results_keep_the_pool(pool, make):
    a = g.to_gpu(np.arange(6, dtype=np.float32), allocator=pool.allocate)
    result = {"empty_like": lambda: g.empty_like(a), "zeros_like": lambda: g.zeros_like(a),
              "ones_like": lambda: g.ones_like(a), "copy": a.copy, "astype": lambda: a.astype(np.float64),
              "add": lambda: a + a, "neg": lambda: -a, "reshape": lambda: a.reshape(2, 3).copy(),
              "sum": lambda: g.sum(a)}[make]()
    assert from_pool(result, pool)
    if make not in ("empty_like",):
        expected = {"zeros_like": 0.0, "ones_like": 1.0, "add": np.arange(6) * 2.0, "neg": -np.arange(6.0),
                    "sum": 15.0}.get(make, np.arange(6.0))
        np.testing.assert_array_equal(result.get().ravel(), np.broadcast_to(expected, (result.size,)))


# ------------------------------------------------------------------ GPUArray's default: the stream-ordered pool

@pytest.fixture
def python_default(pygpu_sim):
    """GPUArray's default allocator set to "pool" (PyCUDA's Python pool) for the test."""
    tools.set_default_allocator("pool")
    yield tools.default_pool()
    tools.set_default_allocator("async")


def mempool_attr(which, device=0) -> int:
    pool, err = g.cudaDeviceGetMemPool(device)
    assert err == g.cudaSuccess
    value, err = g.cudaMemPoolGetAttribute(pool, which)
    assert err == g.cudaSuccess
    return int(value)


def test_gpuarrays_use_the_stream_ordered_pool_by_default(pygpu_sim):
    assert tools.get_default_allocator() == "async"
    used = mempool_attr(g.cudaMemPoolAttrUsedMemCurrent)
    a = g.to_gpu(np.arange(1000, dtype=np.uint8))
    assert type(a.gpudata) is StreamOrderedAllocation and isinstance(a.gpudata, cuda.DeviceAllocation)
    assert mempool_attr(g.cudaMemPoolAttrUsedMemCurrent) == used + 1024  # 256-byte granules
    origins = {r["address"]: r["origin"] for r in pygpu_sim.allocations()}
    assert origins[int(a.gpudata)] == "cudaMallocAsync"
    address = int(a.gpudata)
    del a  # cudaFreeAsync on the legacy stream: the next allocation there may take the block at once
    assert mempool_attr(g.cudaMemPoolAttrUsedMemCurrent) == used
    b = g.zeros(1000, np.uint8)
    assert int(b.gpudata) == address and b.get().tolist() == [0] * 1000


def pool_attr(pool, which) -> int:
    value, err = g.cudaMemPoolGetAttribute(pool, which)
    assert err == g.cudaSuccess
    return int(value)


def test_large_arrays_come_from_a_pool_that_keeps_them_warm(pygpu_sim):
    """Arrays of at least _pool.LARGE bytes come from GPUArray's own pool of the device, whose release
    threshold keeps idle memory across synchronisations (the device's default pool, CUDA's threshold 0,
    would give it back at each one); free_held() trims it; a reset makes a new one."""
    from PyGPU import _pool

    tools.default_pool().free_held()
    default_used = mempool_attr(g.cudaMemPoolAttrUsedMemCurrent)
    a = g.empty(_pool.LARGE, np.uint8)
    pool = _pool._large_pools[0]
    assert pool_attr(pool, g.cudaMemPoolAttrReleaseThreshold) == _pool.LARGE_KEEP
    assert pool_attr(pool, g.cudaMemPoolAttrUsedMemCurrent) == _pool.LARGE
    assert mempool_attr(g.cudaMemPoolAttrUsedMemCurrent) == default_used  # not from the device's pool
    address = int(a.gpudata)
    del a
    g.cudaDeviceSynchronize()  # below the threshold: the block stays reserved, and is reused
    assert pool_attr(pool, g.cudaMemPoolAttrUsedMemCurrent) == 0
    assert pool_attr(pool, g.cudaMemPoolAttrReservedMemCurrent) == _pool.LARGE
    b = g.zeros(_pool.LARGE, np.uint8)
    assert int(b.gpudata) == address and not b.get().any()
    del b
    tools.default_pool().free_held()
    assert pool_attr(pool, g.cudaMemPoolAttrReservedMemCurrent) == 0
    small = g.empty(_pool.LARGE - 1, np.uint8)  # below LARGE: the device's pool
    assert mempool_attr(g.cudaMemPoolAttrUsedMemCurrent) > default_used
    del small
    pygpu_sim.reset()  # destroys the pool: the next large array makes a new one
    c = g.empty(_pool.LARGE, np.float32)
    assert _pool._large_pools[0] != pool and type(c.gpudata) is StreamOrderedAllocation


def test_every_creation_function_uses_it(pygpu_sim):
    x = g.to_gpu(np.arange(6, dtype=np.float32))
    made = [g.empty(3, np.int32), g.zeros(3, np.int32), g.ones_like(x), g.empty_like(x), x.copy(), x + x, -x,
            x.astype(np.float64), g.arange(4, dtype=np.float32), g.sum(x)]
    assert {type(m.gpudata) for m in made} == {StreamOrderedAllocation}
    assert (x + x).get().tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0] and float(g.sum(x).get()) == 15.0


def test_free_twice_raises_and_reset_kills_the_allocation(pygpu_sim):
    a = g.empty(16, np.float32)
    a.gpudata.free()
    with pytest.raises(g.CudaError) as info:
        a.gpudata.free()
    assert info.value.code == g.cudaErrorInvalidValue
    assert "freed" in repr(a.gpudata)
    b = g.zeros(16, np.float32)
    pygpu_sim.reset()
    with pytest.raises(g.CudaError):
        b.gpudata.free()
    del b  # dead after the reset: dropping it frees nothing and warns nothing
    assert pygpu_sim.allocations() == []
    assert g.to_gpu(np.arange(3.0)).get().tolist() == [0.0, 1.0, 2.0]  # the pool works after the reset


def test_the_allocation_object_cannot_be_made_directly():
    with pytest.raises(TypeError, match="default allocator"):
        StreamOrderedAllocation(g.cudaMalloc(16)[0])


def test_a_dropped_arrays_memory_is_caught_by_copies_and_kernels(pygpu_sim):
    from PyGPU.compiler import SourceModule

    a = g.to_gpu(np.arange(64, dtype=np.float32))
    address = int(a.gpudata)
    del a
    host = np.zeros(64, np.float32)
    assert g.cudaMemcpy(host, address, 256, g.cudaMemcpyDeviceToHost) == g.cudaErrorInvalidValue
    assert "freed" in pygpu_sim.last_message()
    mod = SourceModule("__global__ void store(float* p) { p[threadIdx.x] = 1.0f; }")
    store = mod.get_function("store")
    store(np.uintp(address), block=(64, 1, 1), grid=(1, 1))
    with pytest.raises(g.CudaError) as info:
        cuda.Context.synchronize()
    assert info.value.code == g.cudaErrorIllegalAddress
    assert g.cudaDeviceReset() == g.cudaSuccess


def test_the_free_waits_for_work_queued_on_blocking_streams(pygpu_sim, gate):
    s = g.cudaStream_t(g.cudaStreamDefault)  # a blocking stream: the legacy stream's free is ordered after its work
    h = np.arange(1024, dtype=np.float32)
    a, idx = g.to_gpu(h), g.to_gpu(np.arange(1023, -1, -1, dtype=np.int32))
    address = int(a.gpudata)
    gt = gate(s)
    out = g.zeros(1024, np.float32)
    g.take(a, idx, out=out, stream=s)  # a kernel reading `a`, queued behind the gate
    del a, idx  # freed on the legacy stream: after the kernel, not before
    b = g.zeros(1024, np.float32)  # may take the block: its memset is ordered after the free
    c = b + 1  # a kernel on the legacy stream, queued too
    gt.open()
    assert s.synchronize() == g.cudaSuccess
    assert out.get().tolist() == h[::-1].tolist() and c.get().tolist() == [1.0] * 1024
    assert int(b.gpudata) == address


def test_default_pools_are_per_device(pygpu_sim):
    g.cudaSetDevice(1)
    try:
        a = g.zeros(256, np.float32)
        assert a.get().tolist() == [0.0] * 256  # on device 1: its legacy stream orders the fill before the copy
    finally:
        g.cudaSetDevice(0)
    devices = {r["address"]: r["device"] for r in pygpu_sim.allocations()}
    assert devices[int(a.gpudata)] == 1 and type(a.gpudata) is StreamOrderedAllocation
    assert mempool_attr(g.cudaMemPoolAttrUsedMemCurrent, 1) == 1024


def test_free_held_of_the_default_pool_trims_the_stream_ordered_pool(pygpu_sim):
    a = g.empty(1 << 20, np.uint8)
    del a
    g.cudaDeviceSynchronize()
    tools.default_pool().free_held()
    assert mempool_attr(g.cudaMemPoolAttrReservedMemCurrent) == 0
    free, total = g.cudaMemGetInfo()[0]
    assert free == total


def test_out_of_memory_frees_what_the_pools_hold_and_retries(pygpu_sim):
    total = g.cudaMemGetInfo()[0][1]
    mine = DeviceMemoryPool()
    mine.allocate(total // 2).free()  # held by a Python pool
    cycle: list = [g.empty(total // 4, np.uint8)]
    cycle.append(cycle)  # garbage only the collector frees
    gc.disable()
    try:
        del cycle
        big = g.empty(total // 2 + (total // 8), np.uint8)  # fits once both are given back
    finally:
        gc.enable()
    assert mine.held_blocks == 0 and big.nbytes == total // 2 + total // 8
    del big
    with pytest.raises(g.CudaError, match="even after freeing") as info:
        g.empty(2 * total, np.uint8)
    assert info.value.code == g.cudaErrorMemoryAllocation


def test_leaks_report_live_arrays_and_their_labels(pygpu_sim):
    a = g.to_gpu(np.arange(100, dtype=np.float64))
    with pygpu_sim.label("weights"):
        w = g.zeros(64, np.float32)
    leaks = {r["address"]: r["label"] for r in pygpu_sim.leaks()}
    assert int(a.gpudata) in leaks and leaks[int(w.gpudata)] == "weights"
    del a, w
    assert pygpu_sim.leaks() == []


# ------------------------------------------------------------------ the Python pool ("pool") and the switch

def test_gpuarrays_use_the_python_pool_when_chosen(python_default):
    pool = python_default
    assert tools.get_default_allocator() == "pool" and tools.default_pool(0) is pool
    pool.free_held()
    a = g.to_gpu(np.arange(1000, dtype=np.uint8))
    assert from_pool(a, pool) and pool.active_bytes == 1000
    address = int(a.gpudata)
    del a
    assert pool.held_blocks == 1
    assert int(g.zeros(1000, np.uint8).gpudata) == address


def test_python_default_pool_is_per_device(python_default, pygpu_sim):
    g.cudaSetDevice(1)
    try:
        a = g.zeros(256, np.float32)
        assert from_pool(a, tools.default_pool(1)) and tools.default_pool() is tools.default_pool(1)
        assert a.get().tolist() == [0.0] * 256
    finally:
        g.cudaSetDevice(0)
    assert tools.default_pool(0) is not tools.default_pool(1)
    devices = {r["address"]: r["device"] for r in pygpu_sim.allocations()}
    assert devices[int(a.gpudata)] == 1


@pytest.mark.parametrize(("kind", "cls"), [("malloc", cuda.DeviceAllocation), ("pool", PooledDeviceAllocation),
                                           ("async", StreamOrderedAllocation)])
def test_switch(pygpu_sim, kind, cls):
    try:
        tools.set_default_allocator(kind)
        assert tools.get_default_allocator() == kind
        a = g.empty(16, np.float32)
        assert type(a.gpudata) is cls
        address = int(a.gpudata)
        del a
        if kind != "pool":
            assert address not in live_addresses(pygpu_sim)  # freed with the array
    finally:
        tools.set_default_allocator("async")
    assert type(g.empty(16, np.float32).gpudata) is StreamOrderedAllocation


@pytest.mark.parametrize("kind", ["cudaMalloc", "", None, "POOL", "cudaMallocAsync"])
def test_switch_refuses_other_kinds(kind):
    with pytest.raises(ValueError, match="'async', 'pool' or 'malloc'"):
        tools.set_default_allocator(kind)
    assert tools.get_default_allocator() == "async"


def child(code: str, allocator: str | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYGPU_BACKEND="sim")
    env.pop("PYGPU_ALLOCATOR", None)
    if allocator is not None:
        env["PYGPU_ALLOCATOR"] = allocator
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.parametrize(("value", "kind", "cls"), [(None, "async", "StreamOrderedAllocation"),
                                                    ("ASYNC", "async", "StreamOrderedAllocation"),
                                                    ("pool", "pool", "PooledDeviceAllocation"),
                                                    (" Malloc ", "malloc", "DeviceAllocation")])
def test_environment_variable(value, kind, cls):
    done = child("import PyGPU, PyGPU.tools as t; print(t.get_default_allocator(), "
                 "type(PyGPU.empty(4, 'float32').gpudata).__name__)", value)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [kind, cls]


def test_environment_variable_refuses_other_kinds():
    done = child("import PyGPU", "cudaMallocAsync")
    assert done.returncode != 0
    assert "PYGPU_ALLOCATOR='cudaMallocAsync' is not an allocator; use 'async', 'pool' or 'malloc'" in done.stderr


# ------------------------------------------------------------------ leaks

def test_leaks_report_live_arrays_not_held_blocks(python_default, pygpu_sim):
    pool = python_default
    a = g.to_gpu(np.arange(100, dtype=np.float64))
    address = int(a.gpudata)
    assert address in {r["address"] for r in pygpu_sim.leaks()}  # a live array is a leak
    del a
    gc.collect()
    assert address not in {r["address"] for r in pygpu_sim.leaks()}  # held by the pool: no leak
    assert address in live_addresses(pygpu_sim) and pool.held_blocks >= 1  # ...but visible
    pool.free_held()
    assert address not in live_addresses(pygpu_sim)


def test_leaks_leave_out_every_pool(pygpu_sim):
    mine, pinned = DeviceMemoryPool(), PageLockedMemoryPool()
    mine.allocate(64)
    pinned.allocate(8, np.float64)
    assert pygpu_sim.leaks() == []
    assert len(pygpu_sim.allocations()) == 2
    mine.free_held()
    pinned.free_held()
    assert pygpu_sim.allocations() == []


def test_a_dropped_pool_frees_what_it_holds(pygpu_sim):
    pool = DeviceMemoryPool()
    pool.allocate(64)
    del pool
    gc.collect()
    assert pygpu_sim.allocations() == []


def test_leak_check_at_exit_ignores_the_default_pool():
    code = ("import numpy as np, PyGPU\n"
            "a = PyGPU.to_gpu(np.arange(10.0))\n"
            "del a\n"
            "kept = PyGPU.to_gpu(np.arange(3.0))\n")
    env = dict(os.environ, PYGPU_BACKEND="sim", PYGPU_SIM_LEAK_CHECK="1")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "24 bytes" in done.stderr and "80 bytes" not in done.stderr


# ------------------------------------------------------------------ pinned pool

def test_pinned_pool_arrays(pygpu_sim):
    pool = PageLockedMemoryPool()
    a = pool.allocate((3, 4), np.float32, order="F")
    assert (a.shape, a.dtype, a.flags.f_contiguous) == ((3, 4), np.float32, True)
    a[...] = np.arange(12, dtype=np.float32).reshape(3, 4)
    kinds = {r["address"]: r["kind"] for r in pygpu_sim.allocations()}
    assert kinds[a.base.base._block.ctypes.data] == "pinned"
    d = g.to_gpu(np.zeros((3, 4), np.float32, order="F"))
    s = cuda.Stream()
    d.set_async(a, stream=s)
    s.synchronize()
    assert d.get().tolist() == np.arange(12).reshape(3, 4).tolist()
    del d  # set_async made `a` its host array
    assert (pool.active_blocks, pool.active_bytes, pool.managed_bytes) == (1, 48, 49)
    address = a.ctypes.data
    del a
    assert (pool.active_blocks, pool.held_blocks) == (0, 1)
    b = pool.allocate(12, np.int32)
    assert b.ctypes.data == address


def test_pinned_views_keep_the_block(pygpu_sim):
    pool = PageLockedMemoryPool()
    view = pool.allocate(16, np.uint8)[4:8]
    gc.collect()
    assert pool.active_blocks == 1
    del view
    assert (pool.active_blocks, pool.held_blocks) == (0, 1)


def test_pinned_free_twice(pygpu_sim):
    a = PageLockedMemoryPool().allocate(4, np.int64)
    holder = a.base.base
    assert isinstance(holder, PooledHostAllocation) and len(holder) == 32
    holder.free()
    with pytest.raises(g.CudaError, match="already freed"):
        holder.free()


@pytest.mark.parametrize(("args", "error"), [(((2, -1), np.float32), ValueError), ((4, "no such dtype"), TypeError),
                                              ((4, np.float32, "K"), ValueError), ((("2",), np.float32), TypeError)])
def test_pinned_bad_input(args, error):
    pool = PageLockedMemoryPool()
    with pytest.raises(error):
        pool.allocate(*args)
    assert pool.active_blocks == 0


def test_a_pending_label_names_a_new_block(python_default, pygpu_sim):
    pool = python_default
    g.zeros(64, np.float32)  # dropped: a held block of that bin
    held = pool.held_blocks
    with pygpu_sim.label("weights"):
        w = g.zeros(64, np.float32)
    labels = {r["address"]: r["label"] for r in pygpu_sim.allocations()}
    assert labels[int(w.gpudata)] == "weights" and pool.held_blocks == held
    v = g.zeros(64, np.float32)  # no label pending: the held block again
    assert labels.get(int(v.gpudata), "new") is None and pool.held_blocks == held - 1


def test_reset_unpins_the_pinned_pools_blocks(pygpu_sim):
    pool = PageLockedMemoryPool()
    pool.allocate(64, np.uint8)  # dropped: held
    assert pool.held_blocks == 1
    pygpu_sim.reset()
    assert (pool.held_blocks, pool.managed_bytes) == (0, 0)
    a = pool.allocate(64, np.uint8)  # a new pinned block, not the unpinned one
    kinds = {r["address"]: r["kind"] for r in pygpu_sim.allocations()}
    assert kinds[a.ctypes.data] == "pinned"
