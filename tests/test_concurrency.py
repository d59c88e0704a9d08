"""Many host threads at once: own streams, a shared stream, the GIL; and the
same under the simulated device's chaos mode (random delays before every
queued operation), with several seeds."""

from __future__ import annotations

import faulthandler
import sys
import threading
import time

import numpy as np
import pytest

import PyGPU as g
import PyGPU.driver as drv

H2D, D2H, D2D = g.cudaMemcpyHostToDevice, g.cudaMemcpyDeviceToHost, g.cudaMemcpyDeviceToDevice
THREADS = 8
# Chaos seeds, or (seed, max_delay_us): each chaos test runs once per entry.
CHAOS_SEEDS = [1, 2, 3, 4, (5, 2000)]
CHAOS_IDS = ["seed1", "seed2", "seed3", "seed4", "seed5-2ms"]
ROUNDS = 8  # pipeline rounds per thread in the chaos tests


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


@pytest.fixture
def watchdog():
    """A deadlock ends the run with every thread's traceback instead of hanging CI.

    _run_threads notices a hung Python thread; this also covers a hang in
    the synchronisation after it (or in the device's own workers).
    """
    faulthandler.dump_traceback_later(240, exit=True, file=sys.__stderr__)
    yield
    faulthandler.cancel_dump_traceback_later()


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
    assert results == dict.fromkeys(range(THREADS), True)


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


def test_small_synchronous_copies_among_queued_work_on_the_legacy_stream():
    """Small cudaMemcpy calls (run under the simulator's lock when the stream
    is idle) interleave with other threads' queued memsets, stream-ordered
    allocations and frees on the same legacy default stream, and every value
    and every queued operation's order still holds."""
    n = 4096

    def copier(i):
        x = np.full(n, i, np.uint8)
        back = np.empty_like(x)
        ptr, err = g.cudaMalloc(n)
        err.check()
        for k in range(200):
            x[k % n] = k % 251
            g.cudaMemcpy(ptr, x, n, H2D).check()
            g.cudaMemcpy(back, ptr, n, D2H).check()
            assert np.array_equal(back, x)
        g.cudaFree(ptr).check()

    def queuer(i):
        back = np.empty(n, np.uint8)
        for k in range(100):
            ptr, err = g.cudaMallocAsync(n, None)
            err.check()
            g.cudaMemsetAsync(ptr, k % 256, n, None).check()
            g.cudaMemcpy(back, ptr, n, D2H).check()  # ordered after the memset
            assert (back == k % 256).all()
            g.cudaFreeAsync(ptr, None).check()

    _run_threads(lambda i: (copier if i % 2 else queuer)(i), n=4)
    g.cudaDeviceSynchronize().check()


def test_threads_sharing_gpuarrays():
    """Threads writing disjoint rows of one GPUArray, then one read back."""
    a = g.zeros((THREADS, 1000), np.int32)

    def work(i):
        a[i] = np.full(1000, i, np.int32)

    _run_threads(work)
    assert (a.get() == np.arange(THREADS)[:, None]).all()


# --- the same under chaos mode -----------------------------------------------------

def _pipeline(i: int, seed: int) -> dict:
    """One thread's two-stream pipeline; returns what it saw.

    Round k: upload host_in[k] on `up`, record `uploaded`; `down` waits for
    it, copies device to device, downloads into out[k], records `downloaded`
    and runs a host callback that checks out[k] is complete; the next round's
    upload waits for `downloaded` (it overwrites the buffer `down` reads).
    Every ordering is by stream or event, so the results must be exact
    whatever the delays.
    """
    n = 20_000
    rng = np.random.default_rng(seed * 1000 + i)
    host_in = drv.pagelocked_empty((ROUNDS, n), np.float64)
    host_in[:] = rng.random(host_in.shape)
    out = drv.pagelocked_zeros((ROUNDS, n), np.float64)
    up, err = g.cudaStreamCreateWithFlags(g.cudaStreamNonBlocking)
    err.check()
    down = g.cudaStream_t()
    uploaded, err = g.cudaEventCreateWithFlags(g.cudaEventDisableTiming)
    err.check()
    downloaded = g.cudaEvent_t()
    a, err = g.cudaMalloc(n * 8)
    err.check()
    b, err = g.cudaMalloc(n * 8)
    err.check()
    seen = []

    def callback(k):  # runs on the stream's worker after out[k] was written
        seen.append((k, bool(np.array_equal(out[k], host_in[k]))))

    for k in range(ROUNDS):
        g.cudaStreamWaitEvent(up, downloaded).check()
        g.cudaMemcpyAsync(a, host_in[k], n * 8, H2D, up).check()
        uploaded.record(up).check()
        g.cudaStreamWaitEvent(down, uploaded).check()
        g.cudaMemsetAsync(b, 0xFF, n * 8, down).check()  # garbage the D2D must overwrite
        g.cudaMemcpyAsync(b, a, n * 8, D2D, down).check()
        g.cudaMemcpyAsync(out[k], b, n * 8, D2H, down).check()
        downloaded.record(down).check()
        g.cudaLaunchHostFunc(down, callback, k).check()
    downloaded.synchronize().check()
    g.cudaStreamSynchronize(down).check()  # the last callback
    g.cudaFree(a).check()
    g.cudaFree(b).check()
    return {"exact": bool(np.array_equal(out, host_in)), "seen": seen}


@pytest.mark.parametrize("pygpu_chaos", CHAOS_SEEDS, indirect=True, ids=CHAOS_IDS)
def test_chaos_threads_with_their_own_streams(pygpu_chaos, watchdog):
    """8 threads, 2 streams each, copies + events + stream waits + callbacks: exact under every seed."""
    results = {}
    for repeat in range(2):
        def work(i, repeat=repeat):
            results[repeat, i] = _pipeline(i, 10 * pygpu_chaos + repeat)

        _run_threads(work)
    expected_seen = [(k, True) for k in range(ROUNDS)]
    for key, r in sorted(results.items()):
        assert r["exact"], f"thread {key}: wrong data under chaos seed {pygpu_chaos}"
        assert r["seen"] == expected_seen, f"thread {key}: callbacks {r['seen']}"
    assert len(results) == 2 * THREADS


SHARED_ROUNDS = 20


@pytest.mark.parametrize("pygpu_chaos", CHAOS_SEEDS, indirect=True, ids=CHAOS_IDS)
def test_chaos_threads_sharing_one_stream(pygpu_chaos, watchdog):
    """8 threads queue copies and callbacks on one stream, unlocked: each thread's work stays in order."""
    s = g.cudaStream_t()
    n = 4096
    dev, err = g.cudaMalloc(THREADS * n)
    err.check()
    order = []
    host_in = {}
    outs = {}

    def work(i):
        rng = np.random.default_rng(pygpu_chaos * 100 + i)
        src = drv.pagelocked_empty((SHARED_ROUNDS, n), np.uint8)
        src[:] = rng.integers(0, 256, src.shape, dtype=np.uint8)
        out = drv.pagelocked_zeros((SHARED_ROUNDS, n), np.uint8)
        host_in[i], outs[i] = src, out
        region = int(dev) + i * n  # this thread's slice of the shared allocation

        def done(k):  # on the stream's worker, after round k's download
            order.append((i, k, bool(np.array_equal(out[k], src[k]))))

        for k in range(SHARED_ROUNDS):
            g.cudaMemcpyAsync(region, src[k], n, H2D, s).check()
            g.cudaMemcpyAsync(out[k], region, n, D2H, s).check()
            g.cudaLaunchHostFunc(s, done, k).check()

    _run_threads(work)
    s.synchronize().check()
    g.cudaFree(dev).check()
    assert len(order) == THREADS * SHARED_ROUNDS
    for i in range(THREADS):
        assert np.array_equal(outs[i], host_in[i]), f"thread {i}: wrong data under chaos seed {pygpu_chaos}"
        assert [(k, ok) for (j, k, ok) in order if j == i] == [(k, True) for k in range(SHARED_ROUNDS)]


@pytest.mark.parametrize("pygpu_chaos", CHAOS_SEEDS[:3], indirect=True, ids=CHAOS_IDS[:3])
def test_chaos_threads_sharing_gpuarrays(pygpu_chaos, watchdog):
    """GPUArray row writes from 8 threads, then async reads on per-thread streams."""
    a = g.zeros((THREADS, 1000), np.int32)

    def write(i):
        a[i] = np.full(1000, i + pygpu_chaos, np.int32)

    _run_threads(write)
    rows = {}

    def read(i):
        s = drv.Stream()
        rows[i] = a[i].get_async(stream=s)
        s.synchronize()

    _run_threads(read)
    for i in range(THREADS):
        assert (rows[i] == i + pygpu_chaos).all()


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
            dev, _ = g.cudaGetDevice()
            ptr, _ = g.cudaMalloc(256)
            attrs, _ = g.cudaPointerGetAttributes(ptr)
            g.cudaFree(ptr).check()
            seen.setdefault(i, set()).add((dev, attrs.device))

    _run_threads(work, n=2)
    assert seen == {0: {(0, 0)}, 1: {(1, 1)}}
