"""Many host threads at once: own streams, a shared stream, the GIL."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import PyGPU as g
import PyGPU.driver as drv

H2D, D2H = g.cudaMemcpyHostToDevice, g.cudaMemcpyDeviceToHost
THREADS = 8


def _run_threads(target, n=THREADS):
    errors = []

    def guarded(i):
        try:
            target(i)
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
        assert not t.is_alive(), "a thread hung"
    if errors:
        raise errors[0]


@pytest.mark.parametrize("repeat", range(3))
def test_threads_with_their_own_streams(repeat):
    """Async copies through pinned memory, events and host callbacks per thread."""
    results = {}

    def work(i):
        rng = np.random.default_rng(100 * repeat + i)
        host = drv.pagelocked_empty(50_000, np.float64)
        host[:] = rng.random(host.size)
        out = drv.pagelocked_zeros(host.size, np.float64)
        s = g.cudaStream_t()
        done, ev = [], g.cudaEvent_t()
        ptr, err = g.cudaMalloc(host.nbytes)
        err.check()
        for _ in range(5):
            g.cudaMemcpyAsync(ptr, host, host.nbytes, H2D, s).check()
            g.cudaMemcpyAsync(out, ptr, host.nbytes, D2H, s).check()
            g.cudaLaunchHostFunc(s, done.append, i).check()
            ev.record(s).check()
        ev.synchronize().check()
        g.cudaFree(ptr).check()
        results[i] = np.array_equal(out, host) and done == [i] * 5

    _run_threads(work)
    assert results == {i: True for i in range(THREADS)}


def test_threads_sharing_one_stream():
    """Work from many threads on one stream runs in the order it was queued."""
    s = g.cudaStream_t()
    order, lock = [], threading.Lock()

    def work(i):
        for k in range(50):
            with lock:  # the queue order is the order of these calls
                g.cudaLaunchHostFunc(s, order.append, (i, k)).check()

    _run_threads(work)
    s.synchronize().check()
    assert len(order) == THREADS * 50
    for i in range(THREADS):
        mine = [k for (j, k) in order if j == i]
        assert mine == list(range(50))


def test_threads_sharing_gpuarrays():
    """Threads writing disjoint rows of one GPUArray, then one read back."""
    a = g.zeros((THREADS, 1000), np.int32)

    def work(i):
        a[i] = np.full(1000, i, np.int32)

    _run_threads(work)
    assert (a.get() == np.arange(THREADS)[:, None]).all()


def test_large_copy_releases_the_gil():
    """Another Python thread makes progress while one waits in a big cudaMemcpy."""
    n = 256 << 20
    ptr, err = g.cudaMalloc(n)
    err.check()
    host = np.ones(n, np.uint8)
    ticks, copying = [], threading.Event()
    stop = threading.Event()

    def ticker():
        copying.wait(5)
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0)

    t = threading.Thread(target=ticker)
    t.start()
    copying.set()
    started = time.perf_counter()
    for _ in range(4):
        g.cudaMemcpy(ptr, host, n, H2D).check()
        g.cudaMemcpy(host, ptr, n, D2H).check()
    finished = time.perf_counter()
    stop.set()
    t.join()
    g.cudaFree(ptr).check()
    during = [x for x in ticks if started < x < finished]
    assert len(during) > 50, f"only {len(during)} ticks of the other thread during the copies"


def test_current_device_switches_in_two_threads_at_once():
    barrier = threading.Barrier(2)
    seen = {}

    def work(i):
        for _ in range(200):
            g.cudaSetDevice(i).check()
            barrier.wait(10)
            dev, err = g.cudaGetDevice()
            ptr, err = g.cudaMalloc(256)
            attrs, _ = g.cudaPointerGetAttributes(ptr)
            g.cudaFree(ptr).check()
            seen.setdefault(i, set()).add((dev, attrs.device))

    _run_threads(work, n=2)
    assert seen == {0: {(0, 0)}, 1: {(1, 1)}}
