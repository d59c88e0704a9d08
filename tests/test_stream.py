"""Streams: creation, flags, asynchrony, legacy default stream rules, waits, host callbacks."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import PyGPU as g
from helpers import from_device, to_device

H2D, D2H, D2D = g.cudaMemcpyHostToDevice, g.cudaMemcpyDeviceToHost, g.cudaMemcpyDeviceToDevice


def test_create_forms():
    s, err = g.cudaStreamCreate()
    assert err == g.cudaSuccess and isinstance(s, g.cudaStream_t) and int(s) != 0
    s2, err = g.cudaStreamCreateWithFlags(g.cudaStreamNonBlocking)
    assert err == g.cudaSuccess and g.cudaStreamGetFlags(s2) == (g.cudaStreamNonBlocking, 0)
    assert g.cudaStreamGetFlags(s) == (g.cudaStreamDefault, 0)
    s3, err = g.cudaStreamCreateWithPriority(0, -2)
    assert err == g.cudaSuccess and g.cudaStreamGetPriority(s3) == (-2, 0)
    s4 = g.cudaStream_t(g.cudaStreamNonBlocking, 0)
    assert g.cudaStreamGetFlags(s4)[0] == g.cudaStreamNonBlocking
    assert len({int(x) for x in (s, s2, s3, s4)}) == 4
    assert s.handle == int(s) and "cudaStream_t" in repr(s)


def test_priority_range_and_clamping():
    (least, greatest), err = g.cudaDeviceGetStreamPriorityRange()
    assert err == g.cudaSuccess and (least, greatest) == (0, -5)
    assert g.cudaStreamGetPriority(g.cudaStream_t(0, -100))[0] == greatest
    assert g.cudaStreamGetPriority(g.cudaStream_t(0, 100))[0] == least


def test_create_with_invalid_flags():
    s, err = g.cudaStreamCreateWithFlags(0x10)
    assert s is None and err == g.cudaErrorInvalidValue
    with pytest.raises(g.CudaError, match="cudaErrorInvalidValue"):
        g.cudaStream_t(0x10)


def test_work_is_asynchronous_and_completes_in_order(gate):
    host = np.arange(4096, dtype=np.uint8)
    pinned, _ = g.cudaMallocHost(host.nbytes)
    g.cudaMemcpy(pinned, host, host.nbytes, g.cudaMemcpyHostToHost)
    a, _ = g.cudaMalloc(host.nbytes)
    b, _ = g.cudaMalloc(host.nbytes)
    s = g.cudaStream_t()
    gt = gate(s)
    assert g.cudaMemcpyAsync(a, pinned, host.nbytes, H2D, s) == g.cudaSuccess
    assert g.cudaMemcpyAsync(b, a, host.nbytes, D2D, s) == g.cudaSuccess
    assert g.cudaStreamQuery(s) == g.cudaErrorNotReady
    assert s.last_status() == g.cudaErrorNotReady
    gt.open()
    assert g.cudaStreamSynchronize(s) == g.cudaSuccess
    assert s.query() == g.cudaSuccess and s.last_status() == g.cudaSuccess
    assert np.array_equal(from_device(b, host), host)
    g.cudaFree(a), g.cudaFree(b), g.cudaFreeHost(pinned)


def test_work_does_not_run_on_the_calling_thread():
    s = g.cudaStream_t()
    ran_on = []
    g.cudaLaunchHostFunc(s, lambda _: ran_on.append(threading.get_ident()), None)
    s.synchronize()
    assert ran_on and ran_on[0] != threading.get_ident()


def test_legacy_stream_waits_for_blocking_streams(gate):
    s = g.cudaStream_t()  # blocking
    gt = gate(s)
    order = []
    g.cudaLaunchHostFunc(None, lambda _: order.append("legacy"), None)
    time.sleep(0.1)
    assert g.cudaStreamQuery(None) == g.cudaErrorNotReady
    assert order == []
    gt.open()
    assert g.cudaStreamSynchronize(None) == g.cudaSuccess
    assert order == ["legacy"]


def test_blocking_stream_waits_for_legacy_stream(gate):
    gt = gate(None)  # hold the legacy default stream
    s = g.cudaStream_t()
    order = []
    g.cudaLaunchHostFunc(s, lambda _: order.append("blocking"), None)
    time.sleep(0.1)
    assert s.query() == g.cudaErrorNotReady and order == []
    gt.open()
    assert s.synchronize() == g.cudaSuccess and order == ["blocking"]


def test_non_blocking_stream_is_not_ordered_with_legacy(gate):
    gt = gate(None)
    s = g.cudaStream_t(g.cudaStreamNonBlocking)
    done = threading.Event()
    g.cudaLaunchHostFunc(s, lambda _: done.set(), None)
    assert done.wait(5)
    assert s.synchronize() == g.cudaSuccess
    assert g.cudaStreamQuery(None) == g.cudaErrorNotReady
    gt.open()


def test_legacy_does_not_wait_for_non_blocking(gate):
    s = g.cudaStream_t(g.cudaStreamNonBlocking)
    gt = gate(s)
    done = threading.Event()
    g.cudaLaunchHostFunc(None, lambda _: done.set(), None)
    assert done.wait(5)
    assert s.query() == g.cudaErrorNotReady
    gt.open()


def test_independent_blocking_streams_run_concurrently(gate):
    s1, s2 = g.cudaStream_t(), g.cudaStream_t()
    gate(s1)
    done = threading.Event()
    g.cudaLaunchHostFunc(s2, lambda _: done.set(), None)
    assert done.wait(5)  # s2 is not held behind s1


def test_default_stream_objects():
    assert int(g.cudaStreamLegacy) == 0 and int(g.cudaStreamPerThread) == 2
    assert g.cudaStreamLegacy.synchronize() == g.cudaSuccess
    assert g.cudaStreamQuery(0) == g.cudaSuccess
    assert g.cudaStreamQuery(g.cudaStreamPerThread) == g.cudaSuccess
    assert g.cudaStreamDestroy(g.cudaStreamLegacy) == g.cudaErrorInvalidResourceHandle
    assert g.cudaStreamLegacy.destroy() == g.cudaErrorInvalidResourceHandle


def test_per_thread_stream_is_per_thread(gate):
    gate(g.cudaStreamPerThread)
    assert g.cudaStreamQuery(g.cudaStreamPerThread) == g.cudaErrorNotReady
    seen = []
    t = threading.Thread(target=lambda: seen.append(int(g.cudaStreamQuery(g.cudaStreamPerThread))))
    t.start()
    t.join()
    assert seen == [0]


def test_destroy_returns_at_once_and_pending_work_completes(gate):
    s = g.cudaStream_t()
    gt = gate(s)
    done = threading.Event()
    g.cudaLaunchHostFunc(s, lambda _: done.set(), None)
    assert g.cudaStreamDestroy(s) == g.cudaSuccess
    assert s.destroyed and not done.is_set()
    gt.open()
    assert done.wait(5)


def test_destroyed_stream_is_refused():
    s = g.cudaStream_t()
    assert s.destroy() == g.cudaSuccess
    for err in (s.synchronize(), s.query(), g.cudaStreamQuery(s), s.destroy(), g.cudaStreamDestroy(s)):
        assert err == g.cudaErrorInvalidResourceHandle
    assert g.cudaLaunchHostFunc(s, lambda _: None, None) == g.cudaErrorInvalidResourceHandle


def test_unknown_handles_are_refused():
    assert g.cudaStreamQuery(0x1234560) == g.cudaErrorInvalidResourceHandle
    assert g.cudaStreamSynchronize(0xBAD) == g.cudaErrorInvalidResourceHandle


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError):
        g.cudaStreamQuery("stream")
    with pytest.raises(TypeError):
        g.cudaStreamDestroy(None)
    with pytest.raises(TypeError):
        g.cudaStreamSynchronize(1.5)
    with pytest.raises(TypeError):
        g.cudaStreamWaitEvent(g.cudaStream_t(), None)


def test_stream_wait_event(gate):
    s1, s2 = g.cudaStream_t(g.cudaStreamNonBlocking), g.cudaStream_t(g.cudaStreamNonBlocking)
    e = g.cudaEvent_t()
    gt = gate(s1)
    assert e.record(s1) == g.cudaSuccess
    assert g.cudaStreamWaitEvent(s2, e) == g.cudaSuccess
    done = threading.Event()
    g.cudaLaunchHostFunc(s2, lambda _: done.set(), None)
    assert not done.wait(0.2)
    assert s2.query() == g.cudaErrorNotReady
    gt.open()
    assert done.wait(5) and s2.synchronize() == g.cudaSuccess


def test_wait_on_event_recorded_later_does_not_wait(gate):
    s1, s2 = g.cudaStream_t(g.cudaStreamNonBlocking), g.cudaStream_t(g.cudaStreamNonBlocking)
    e = g.cudaEvent_t()
    assert g.cudaStreamWaitEvent(s2, e) == g.cudaSuccess  # never recorded: no-op
    gate(s1)
    e.record(s1)  # recorded after the wait was queued: s2 does not wait for it
    assert s2.synchronize() == g.cudaSuccess


def test_stream_wait_event_errors():
    s = g.cudaStream_t()
    e = g.cudaEvent_t()
    assert g.cudaStreamWaitEvent(s, e, 5) == g.cudaErrorInvalidValue
    e.destroy()
    assert g.cudaStreamWaitEvent(s, e) == g.cudaErrorInvalidResourceHandle


def test_host_func_receives_data_in_order():
    s = g.cudaStream_t()
    seen = []
    for i in range(20):
        assert g.cudaLaunchHostFunc(s, seen.append, i) == g.cudaSuccess
    s.synchronize()
    assert seen == list(range(20))


def test_host_func_exception_is_reported():
    s = g.cudaStream_t()
    reports = []
    import sys

    old = sys.unraisablehook
    sys.unraisablehook = reports.append
    try:
        def boom(_):
            raise ValueError("boom in a host function")

        g.cudaLaunchHostFunc(s, boom, None)
        s.synchronize()
    finally:
        sys.unraisablehook = old
    assert len(reports) == 1 and isinstance(reports[0].exc_value, ValueError)


def test_host_func_must_be_callable():
    with pytest.raises(TypeError, match="callable"):
        g.cudaLaunchHostFunc(None, 42, None)


def test_stream_on_device_one(gate):
    g.cudaSetDevice(1)
    s = g.cudaStream_t()
    host = np.arange(64, dtype=np.uint8)
    ptr = to_device(host)
    out_pinned, _ = g.cudaMallocHost(64)
    gt = gate(s)
    assert g.cudaMemcpyAsync(out_pinned, ptr, 64, D2H, s) == g.cudaSuccess
    g.cudaSetDevice(0)
    assert g.cudaStreamQuery(None) == g.cudaSuccess  # device 0's legacy stream is independent
    gt.open()
    assert s.synchronize() == g.cudaSuccess
    out = np.zeros_like(host)
    g.cudaMemcpy(out, out_pinned, 64, g.cudaMemcpyHostToHost)
    assert np.array_equal(out, host)
    g.cudaSetDevice(1)
    g.cudaFree(ptr)
    g.cudaFreeHost(out_pinned)


def test_synchronize_releases_the_gil(gate):
    s = g.cudaStream_t()
    gt = gate(s)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)
        gt.open()

    t = threading.Thread(target=ticker)
    t.start()
    threading.Timer(0.2, stop.set).start()
    assert s.synchronize() == g.cudaSuccess  # returns only after ticker opened the gate
    t.join()
    assert len(ticks) > 10


def test_many_threads_with_their_own_streams():
    def work(seed, results):
        rng = np.random.default_rng(seed)
        host = rng.random(10_000)
        s = g.cudaStream_t()
        ptr, _ = g.cudaMalloc(host.nbytes)
        out = np.zeros_like(host)
        ok = all(e == 0 for e in (
            g.cudaMemcpyAsync(ptr, host, host.nbytes, H2D, s),
            g.cudaMemcpyAsync(out, ptr, host.nbytes, D2H, s),
            s.synchronize(),
            g.cudaFree(ptr)))
        results[seed] = ok and np.array_equal(out, host)

    results = {}
    threads = [threading.Thread(target=work, args=(i, results)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == dict.fromkeys(range(8), True)


def test_destroy_failure_in_destructor_is_a_warning():
    # The runtime refuses calls made from inside a host function, so dropping
    # the last reference to a stream there makes its destructor's destroy
    # fail: that must be a RuntimeWarning, never an exception or a crash.
    holder = [g.cudaStream_t()]
    other = g.cudaStream_t()

    def drop_it_in_a_host_function():
        g.cudaLaunchHostFunc(other, lambda _: holder.clear(), None)
        other.synchronize()

    with pytest.warns(RuntimeWarning, match="destroying a cudaStream_t failed: cudaErrorNotPermitted"):
        drop_it_in_a_host_function()
    assert holder == []
