"""The simulated device follows CUDA's documented host/stream synchronisation.

Runtime API, "API synchronization behavior" (when a copy returns to the
host), "Stream synchronization behavior" (the legacy default stream),
cudaStreamDestroy, cudaLaunchHostFunc, cudaFree's implicit synchronisation,
cudaDeviceSynchronize / cudaDeviceReset per device.
"""

from __future__ import annotations

import sys
import threading
import time

import numpy as np

import PyGPU as g

N = 1 << 16


def pinned(n: int, fill: int = 0) -> tuple:
    """(pointer, numpy view) of n bytes of pinned host memory (caller frees the pointer)."""
    alloc = g.PagelockedAllocator_uint8(n)
    view = np.asarray(alloc)
    view[:] = fill
    return alloc, view


def dev(n: int):
    ptr, err = g.cudaMalloc(n)
    assert err == g.cudaSuccess
    return ptr


def read_back(ptr, n: int) -> np.ndarray:
    out = np.empty(n, np.uint8)
    assert g.cudaMemcpy(out, ptr, n, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
    return out


# --- "API synchronization behavior" ----------------------------------------------

def test_pageable_htod_async_returns_once_staged(pygpu_sim, gate):
    """Pageable host to device: staged at call time, so the source is reusable at once."""
    s = g.cudaStream_t()
    d = dev(N)
    host = np.arange(N, dtype=np.uint32).astype(np.uint8)
    expected = host.copy()
    gt = gate(s)
    assert g.cudaMemcpyAsync(d, host, N, g.cudaMemcpyHostToDevice, s) == g.cudaSuccess
    assert s.query() == g.cudaErrorNotReady  # returned although the copy has not run
    host[:] = 0  # reusing the source before the copy ran must not change what lands
    gt.open()
    assert s.synchronize() == g.cudaSuccess
    assert np.array_equal(read_back(d, N), expected)
    assert g.cudaFree(d) == g.cudaSuccess


def test_pageable_dtoh_async_returns_when_done(pygpu_sim, gate):
    """Device to pageable host: cudaMemcpyAsync returns once the copy has completed."""
    s = g.cudaStream_t()
    src = np.full(N, 42, np.uint8)
    d = dev(N)
    assert g.cudaMemcpy(d, src, N, g.cudaMemcpyHostToDevice) == g.cudaSuccess
    out = np.zeros(N, np.uint8)
    gt = gate(s)
    timer = threading.Timer(0.3, gt.open)
    timer.start()
    t0 = time.monotonic()
    assert g.cudaMemcpyAsync(out, d, N, g.cudaMemcpyDeviceToHost, s) == g.cudaSuccess
    waited = time.monotonic() - t0
    timer.join()
    assert waited >= 0.2  # it waited for the gate, then for the copy
    assert np.array_equal(out, src)  # complete when the call returned, no synchronisation
    assert s.query() == g.cudaSuccess
    assert g.cudaFree(d) == g.cudaSuccess


def test_pinned_copies_are_fully_asynchronous(pygpu_sim, gate):
    s = g.cudaStream_t()
    d = dev(N)
    src_alloc, _src = pinned(N, 7)
    out_alloc, out = pinned(N, 0)
    gt = gate(s)
    assert g.cudaMemcpyAsync(d, src_alloc.ptr(), N, g.cudaMemcpyHostToDevice, s) == g.cudaSuccess
    assert g.cudaMemcpyAsync(out_alloc.ptr(), d, N, g.cudaMemcpyDeviceToHost, s) == g.cudaSuccess
    assert s.query() == g.cudaErrorNotReady  # both returned with nothing done
    assert not out.any()
    gt.open()
    assert s.synchronize() == g.cudaSuccess
    assert (out == 7).all()
    assert g.cudaFree(d) == g.cudaSuccess


def test_synchronous_memcpy_waits_for_the_legacy_stream(pygpu_sim, gate):
    """cudaMemcpy into pageable memory returns with the data there."""
    d = dev(N)
    assert g.cudaMemset(d, 9, N) == g.cudaSuccess  # asynchronous for device memory
    out = np.zeros(N, np.uint8)
    assert g.cudaMemcpy(out, d, N, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
    assert (out == 9).all()
    assert g.cudaFree(d) == g.cudaSuccess


def test_pinned_dtoh_read_before_synchronising_sees_old_data_under_chaos(pygpu_sim):
    """The bug chaos mode is for: reading a pinned async copy before synchronising.

    Seed 3 with a 100 ms bound delays the copy by about 86 ms (the trace says
    so), so the early read sees the old contents every time; after
    cudaStreamSynchronize the data is there.
    """
    s = g.cudaStream_t()
    d = dev(N)
    assert g.cudaMemset(d, 0x5A, N) == g.cudaSuccess
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    out_alloc, out = pinned(N, 0x11)
    with pygpu_sim.trace(synchronize=False) as t, pygpu_sim.chaos(3, max_delay_us=100_000):
        assert g.cudaMemcpyAsync(out_alloc.ptr(), d, N, g.cudaMemcpyDeviceToHost, s) == g.cudaSuccess
        early = out.copy()  # the missing synchronisation
        assert s.synchronize() == g.cudaSuccess
    assert (early == 0x11).all()  # OLD data
    assert (out == 0x5A).all()  # correct once synchronised
    [copy] = [e for e in t.events["traceEvents"] if e["ph"] == "X"]
    assert copy["args"]["chaos_delay_us"] >= 50_000
    assert g.cudaFree(d) == g.cudaSuccess


def test_chaos_delays_are_deterministic_per_seed(pygpu_sim):
    s = g.cudaStream_t()
    d = dev(256)

    def delays(seed):
        with pygpu_sim.trace() as t, pygpu_sim.chaos(seed, max_delay_us=300):
            for _ in range(5):
                assert g.cudaMemsetAsync(d, 1, 256, s) == g.cudaSuccess
        return [e["args"]["chaos_delay_us"] for e in t.events["traceEvents"] if e["ph"] == "X"]

    first, again, other = delays(17), delays(17), delays(18)
    assert len(first) == 5 and first == again
    assert first != other
    assert all(0 <= x <= 300 for x in first + other)
    assert g.cudaFree(d) == g.cudaSuccess


# --- streams -------------------------------------------------------------------

def test_stream_destroy_with_pending_work_returns_at_once_and_work_completes(pygpu_sim, gate):
    s = g.cudaStream_t()
    d = dev(N)
    src_alloc, _ = pinned(N, 3)
    ran = threading.Event()
    gt = gate(s)
    assert g.cudaMemcpyAsync(d, src_alloc.ptr(), N, g.cudaMemcpyHostToDevice, s) == g.cudaSuccess
    assert g.cudaLaunchHostFunc(s, lambda _: ran.set(), None) == g.cudaSuccess
    handle = int(s)
    t0 = time.monotonic()
    assert g.cudaStreamDestroy(s) == g.cudaSuccess
    assert time.monotonic() - t0 < 0.5 and not ran.is_set()  # did not wait
    assert s.destroyed
    assert s.query() == g.cudaErrorInvalidResourceHandle
    assert g.cudaStreamQuery(handle) == g.cudaErrorInvalidResourceHandle
    gt.open()
    assert ran.wait(10)  # the queued work still ran, in order
    assert (read_back(d, N) == 3).all()
    assert g.cudaFree(d) == g.cudaSuccess


def test_host_function_runs_in_order_on_a_worker_thread(pygpu_sim):
    s = g.cudaStream_t()
    d = dev(N)
    src_alloc, _ = pinned(N, 5)
    out_alloc, out = pinned(N, 0)
    seen = []

    def callback(tag):
        seen.append((tag, threading.get_ident(), int(out[0]), int(out[-1])))

    assert g.cudaLaunchHostFunc(s, callback, "before") == g.cudaSuccess
    assert g.cudaMemcpyAsync(d, src_alloc.ptr(), N, g.cudaMemcpyHostToDevice, s) == g.cudaSuccess
    assert g.cudaMemcpyAsync(out_alloc.ptr(), d, N, g.cudaMemcpyDeviceToHost, s) == g.cudaSuccess
    assert g.cudaLaunchHostFunc(s, callback, "after") == g.cudaSuccess
    assert s.synchronize() == g.cudaSuccess
    assert [x[0] for x in seen] == ["before", "after"]
    assert seen[0][2:] == (0, 0)  # ran before the copies
    assert seen[1][2:] == (5, 5)  # ran after both copies had completed
    assert seen[0][1] == seen[1][1] != threading.get_ident()  # the stream's worker, not the caller
    assert g.cudaFree(d) == g.cudaSuccess


def test_host_function_exception_goes_to_unraisablehook(pygpu_sim, monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    s = g.cudaStream_t()
    after = threading.Event()

    def boom(_):
        raise ValueError("boom in a host function")

    assert g.cudaLaunchHostFunc(s, boom, None) == g.cudaSuccess
    assert g.cudaLaunchHostFunc(s, lambda _: after.set(), None) == g.cudaSuccess
    assert s.synchronize() == g.cudaSuccess  # the stream is not broken by it
    assert after.is_set()
    assert len(reported) == 1
    assert isinstance(reported[0].exc_value, ValueError)
    assert "boom in a host function" in str(reported[0].exc_value)
    assert reported[0].object is boom


def test_runtime_call_inside_host_function_is_not_permitted(pygpu_sim):
    """CUDA: no runtime call may be made from a stream callback; the simulator refuses it."""
    s = g.cudaStream_t()
    results = []

    def callback(_):
        ptr, err = g.cudaMalloc(256)
        results.append((ptr, err.code, err.message))

    assert g.cudaLaunchHostFunc(s, callback, None) == g.cudaSuccess
    assert s.synchronize() == g.cudaSuccess
    [(ptr, code, message)] = results
    assert ptr is None and code == g.cudaErrorNotPermitted
    assert "host function" in message
    assert pygpu_sim.allocations() == []


# --- devices -------------------------------------------------------------------

def test_default_streams_are_per_device(pygpu_sim, gate):
    g.cudaSetDevice(1)
    gt = gate(None)  # device 1's legacy default stream is held
    g.cudaSetDevice(0)
    d = dev(256)
    assert g.cudaMemsetAsync(d, 1, 256, None) == g.cudaSuccess
    assert g.cudaStreamSynchronize(None) == g.cudaSuccess  # device 0's legacy stream is free
    g.cudaSetDevice(1)
    assert g.cudaStreamQuery(None) == g.cudaErrorNotReady
    gt.open()
    assert g.cudaStreamSynchronize(None) == g.cudaSuccess
    g.cudaSetDevice(0)
    assert g.cudaFree(d) == g.cudaSuccess


def test_device_synchronize_waits_for_the_current_device_only(pygpu_sim, gate):
    g.cudaSetDevice(1)
    s1 = g.cudaStream_t()
    gt = gate(s1)
    g.cudaSetDevice(0)
    t0 = time.monotonic()
    assert g.cudaDeviceSynchronize() == g.cudaSuccess  # device 1's pending work is not waited for
    assert time.monotonic() - t0 < 1.0
    done = threading.Event()

    def sync_device_one():
        g.cudaSetDevice(1)
        assert g.cudaDeviceSynchronize() == g.cudaSuccess
        done.set()

    t = threading.Thread(target=sync_device_one)
    t.start()
    assert not done.wait(0.2)
    gt.open()
    t.join(10)
    assert done.is_set()


def test_device_reset_waits_for_pending_work_and_resets_only_that_device(pygpu_sim, gate):
    d0 = dev(256)
    g.cudaSetDevice(1)
    d1 = dev(N)
    s1 = g.cudaStream_t()
    ev1 = g.cudaEvent_t()
    src_alloc, _ = pinned(N, 1)
    gt = gate(s1)
    assert g.cudaMemcpyAsync(d1, src_alloc.ptr(), N, g.cudaMemcpyHostToDevice, s1) == g.cudaSuccess
    result = []
    t = threading.Thread(target=lambda: (g.cudaSetDevice(1), result.append(g.cudaDeviceReset())))
    t.start()
    t.join(0.2)
    assert t.is_alive()  # cudaDeviceReset waits for the queued copy
    gt.open()
    t.join(10)
    assert result == [g.cudaSuccess]
    assert not d1.alive and d0.alive
    assert s1.query() == g.cudaErrorInvalidResourceHandle
    assert ev1.query() == g.cudaErrorInvalidResourceHandle
    (free1, total1), _ = g.cudaMemGetInfo()
    assert free1 == total1
    reports = pygpu_sim.stats()["reports"]
    assert any("cudaDeviceReset of device 1" in r and "cudaMemcpyAsync HtoD" in r for r in reports), reports
    g.cudaSetDevice(0)
    assert g.cudaFree(d0) == g.cudaSuccess


def test_free_waits_for_pending_work_and_reports_it(pygpu_sim, gate):
    s = g.cudaStream_t()
    d = dev(N)
    src_alloc, _ = pinned(N, 1)
    gt = gate(s)
    assert g.cudaMemcpyAsync(d, src_alloc.ptr(), N, g.cudaMemcpyHostToDevice, s) == g.cudaSuccess
    result = []
    t = threading.Thread(target=lambda: result.append(g.cudaFree(d)))
    t.start()
    t.join(0.2)
    assert t.is_alive()  # cudaFree synchronises implicitly
    gt.open()
    t.join(10)
    assert result == [g.cudaSuccess]
    [report] = pygpu_sim.stats()["reports"]
    assert report.startswith("cudaFree(")
    assert "had to wait for queued work" in report
    assert f"{int(d):x}" in report
    assert "cudaMemcpyAsync HtoD 65536 B" in report


def test_free_after_synchronising_reports_nothing(pygpu_sim):
    s = g.cudaStream_t()
    d = dev(N)
    src_alloc, _ = pinned(N, 1)
    assert g.cudaMemcpyAsync(d, src_alloc.ptr(), N, g.cudaMemcpyHostToDevice, s) == g.cudaSuccess
    assert s.synchronize() == g.cudaSuccess
    assert g.cudaFree(d) == g.cudaSuccess
    assert pygpu_sim.stats()["reports"] == []


def test_last_error_is_per_thread(pygpu_sim):
    assert g.cudaFree(12345) == g.cudaErrorInvalidValue
    other = []
    t = threading.Thread(target=lambda: other.append((g.cudaPeekAtLastError(), g.cudaGetLastError())))
    t.start()
    t.join()
    assert other == [(g.cudaSuccess, g.cudaSuccess)]  # the failure belongs to this thread
    assert g.cudaGetLastError() == g.cudaErrorInvalidValue
    assert g.cudaGetLastError() == g.cudaSuccess  # read and reset
