"""Events: record in stream order, query, synchronise, elapsed time, flags."""

from __future__ import annotations

import time

import pytest

import PyGPU as g


def test_create_forms():
    e, err = g.cudaEventCreate()
    assert err == g.cudaSuccess and isinstance(e, g.cudaEvent_t) and int(e) != 0
    _e2, err = g.cudaEventCreateWithFlags(g.cudaEventDisableTiming | g.cudaEventBlockingSync)
    assert err == g.cudaSuccess
    e3 = g.cudaEvent_t(g.cudaEventDisableTiming | g.cudaEventInterprocess)
    assert e3.handle == int(e3) and "cudaEvent_t" in repr(e3)


def test_create_with_invalid_flags():
    e, err = g.cudaEventCreateWithFlags(0x40)
    assert e is None and err == g.cudaErrorInvalidValue
    e, err = g.cudaEventCreateWithFlags(g.cudaEventInterprocess)  # needs DisableTiming
    assert e is None and err == g.cudaErrorInvalidValue
    with pytest.raises(g.CudaError):
        g.cudaEvent_t(0x40)


def test_never_recorded_event_is_complete():
    e = g.cudaEvent_t()
    assert g.cudaEventQuery(e) == g.cudaSuccess
    assert g.cudaEventSynchronize(e) == g.cudaSuccess


def test_record_query_synchronize(gate):
    s = g.cudaStream_t()
    e = g.cudaEvent_t()
    gt = gate(s)
    assert g.cudaEventRecord(e, s) == g.cudaSuccess
    assert g.cudaEventQuery(e) == g.cudaErrorNotReady
    assert e.query() == g.cudaErrorNotReady and e.last_status() == g.cudaErrorNotReady
    assert g.cudaGetLastError() == g.cudaSuccess  # not-ready is not sticky
    gt.open()
    assert g.cudaEventSynchronize(e) == g.cudaSuccess
    assert e.query() == g.cudaSuccess


def test_record_on_default_stream():
    e = g.cudaEvent_t()
    assert e.record() == g.cudaSuccess
    assert e.synchronize() == g.cudaSuccess


def test_rerecording_tracks_the_latest_record(gate):
    s = g.cudaStream_t()
    e = g.cudaEvent_t()
    e.record(s)
    s.synchronize()
    assert e.query() == g.cudaSuccess
    gt = gate(s)
    e.record(s)
    assert e.query() == g.cudaErrorNotReady
    gt.open()
    e.synchronize()
    assert e.query() == g.cudaSuccess


def test_elapsed_time():
    s = g.cudaStream_t()
    start, stop = g.cudaEvent_t(), g.cudaEvent_t()
    start.record(s)
    g.cudaLaunchHostFunc(s, lambda _: time.sleep(0.05), None)
    stop.record(s)
    stop.synchronize()
    ms, err = g.cudaEventElapsedTime(start, stop)
    assert err == g.cudaSuccess and 40.0 <= ms < 5000.0
    ms2, err = start.elapsed_time(stop)
    assert err == g.cudaSuccess and ms2 == ms
    back, err = g.cudaEventElapsedTime(stop, start)
    assert err == g.cudaSuccess and back == pytest.approx(-ms)


def test_elapsed_time_errors(gate):
    s = g.cudaStream_t()
    a, b = g.cudaEvent_t(), g.cudaEvent_t()
    assert g.cudaEventElapsedTime(a, b) == (None, g.cudaErrorInvalidResourceHandle)  # not recorded
    a.record(s)
    assert g.cudaEventElapsedTime(a, b)[1] == g.cudaErrorInvalidResourceHandle
    gt = gate(s)
    b.record(s)
    assert g.cudaEventElapsedTime(a, b)[1] == g.cudaErrorNotReady
    gt.open()
    b.synchronize()
    assert g.cudaEventElapsedTime(a, b)[1] == g.cudaSuccess
    untimed = g.cudaEvent_t(g.cudaEventDisableTiming)
    untimed.record(s)
    untimed.synchronize()
    assert g.cudaEventElapsedTime(a, untimed)[1] == g.cudaErrorInvalidResourceHandle
    assert g.cudaEventElapsedTime(untimed, b)[1] == g.cudaErrorInvalidResourceHandle


def test_destroyed_event_is_refused():
    e = g.cudaEvent_t()
    assert g.cudaEventDestroy(e) == g.cudaSuccess and e.destroyed
    for err in (e.query(), e.synchronize(), e.record(), g.cudaEventDestroy(e), e.destroy()):
        assert err == g.cudaErrorInvalidResourceHandle
    ok = g.cudaEvent_t()
    ok.record()
    ok.synchronize()
    assert g.cudaEventElapsedTime(ok, e)[1] == g.cudaErrorInvalidResourceHandle


def test_destroy_with_pending_record_is_fine(gate):
    s = g.cudaStream_t()
    e = g.cudaEvent_t()
    gt = gate(s)
    e.record(s)
    assert e.destroy() == g.cudaSuccess
    gt.open()
    assert s.synchronize() == g.cudaSuccess


def test_record_on_destroyed_stream():
    s = g.cudaStream_t()
    s.destroy()
    assert g.cudaEventRecord(g.cudaEvent_t(), s) == g.cudaErrorInvalidResourceHandle


def test_record_on_stream_of_other_device():
    g.cudaSetDevice(1)
    s = g.cudaStream_t()
    g.cudaSetDevice(0)
    e = g.cudaEvent_t()
    assert g.cudaEventRecord(e, s) == g.cudaErrorInvalidResourceHandle


def test_wrong_types():
    with pytest.raises(TypeError, match="cudaEvent_t"):
        g.cudaEventQuery(None)
    with pytest.raises(TypeError):
        g.cudaEventRecord(g.cudaStream_t())
    with pytest.raises(TypeError):
        g.cudaEventElapsedTime(g.cudaEvent_t(), 3)


def test_destroy_failure_in_destructor_is_a_warning():
    holder = [g.cudaEvent_t()]
    s = g.cudaStream_t()

    def drop_it_in_a_host_function():
        g.cudaLaunchHostFunc(s, lambda _: holder.clear(), None)
        s.synchronize()

    with pytest.warns(RuntimeWarning, match="destroying a cudaEvent_t failed: cudaErrorNotPermitted"):
        drop_it_in_a_host_function()
    assert holder == []
