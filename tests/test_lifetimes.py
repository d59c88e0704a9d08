"""Lifetimes: objects destroyed while work that uses them is queued, views and
pointers outliving their owners, and interpreter shutdown with work pending."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

import PyGPU as g
import PyGPU.driver as drv
from helpers import free_bytes, run_python


def test_gpuarray_dropped_while_a_copy_from_it_is_queued(gate):
    x = np.arange(100_000, dtype=np.float32)
    a = g.to_gpu(x, allocator=drv.mem_alloc)  # cudaFree's wait (a pool keeps the block: test_pool.py)
    out = drv.pagelocked_zeros(x.size, np.float32)
    s = g.cudaStream_t()
    gt = gate(s)
    g.cudaMemcpyAsync(out, a.ptr, a.nbytes, g.cudaMemcpyDeviceToHost, s).check()
    dropped = threading.Event()

    def drop():
        nonlocal a
        del a  # frees the device memory: must wait for the queued copy
        gc.collect()
        dropped.set()

    t = threading.Thread(target=drop)
    t.start()
    assert not dropped.wait(0.3), "memory was released while a queued copy still used it"
    gt.open()
    t.join(10)
    assert dropped.is_set()
    s.synchronize().check()
    assert np.array_equal(out, x)


def test_device_array_dropped_while_its_copy_is_queued(gate):
    alloc = g.PagelockedAllocator_float64(10_000)
    host = np.asarray(alloc)
    host[:] = np.arange(host.size)
    da = g.DeviceArray_float64(alloc)
    da.allocate().check()
    s = g.cudaStream_t()
    gt = gate(s)
    da.to_device(s).check()
    before = free_bytes()
    done = threading.Event()

    def drop():
        nonlocal da
        del da
        done.set()

    t = threading.Thread(target=drop)
    t.start()
    assert not done.wait(0.3)
    gt.open()
    t.join(10)
    assert done.is_set() and free_bytes() > before


def test_stream_and_event_dropped_with_work_queued(gate):
    s = g.cudaStream_t()
    e = g.cudaEvent_t()
    gt = gate(s)
    ran = threading.Event()
    g.cudaLaunchHostFunc(s, lambda _: ran.set(), None).check()
    e.record(s).check()
    del s, e
    gc.collect()
    gt.open()
    assert ran.wait(10)


def test_views_keep_the_base_alive():
    before = free_bytes()
    base = g.to_gpu(np.arange(1000.0))
    view = base[10:20]
    del base
    assert free_bytes() < before
    assert np.array_equal(view.get(), np.arange(10.0, 20.0))
    del view
    assert free_bytes() == before


def test_pointer_wrappers_outliving_memory():
    alloc = g.HostAllocator_int32(8)
    p = alloc.ptr()
    p[0] = 5
    del alloc
    gc.collect()
    assert not p.alive and not p.is_safe()
    with pytest.raises(ValueError, match="freed"):
        p[0]
    dptr, _ = g.cudaMalloc(64)
    g.cudaFree(dptr).check()
    assert g.cudaMemset(int(dptr), 0, 64) == g.cudaErrorInvalidValue  # the simulated device knows too


SHUTDOWN = """
import threading, numpy as np, PyGPU as g, PyGPU.driver as drv
arrays = [g.to_gpu(np.ones(1 << 20, np.uint8)) for _ in range(3)]
outs = [drv.pagelocked_empty(1 << 20, np.uint8) for _ in range(3)]
leak, _ = g.cudaMalloc(1 << 20)
pinned, _ = g.cudaMallocHost(1 << 20)
held = threading.Event()
streams = [g.cudaStream_t(g.cudaStreamNonBlocking) for _ in range(3)]
for s, a, out in zip(streams, arrays, outs):
    g.cudaLaunchHostFunc(s, lambda _: held.wait(), None)   # never released
    g.cudaMemcpyAsync(out, a.ptr, a.nbytes, g.cudaMemcpyDeviceToHost, s)
ev = g.cudaEvent_t(); ev.record(streams[0])
print("exiting")
"""


def test_interpreter_shutdown_with_pending_work():
    for _ in range(3):
        result = run_python(SHUTDOWN, PYGPU_BACKEND="sim")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "exiting"
        assert "Fatal" not in result.stderr and "Segmentation" not in result.stderr
