"""Inspection: statistics, allocations and labels, leaks, traces, reset."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

import PyGPU as g
from helpers import SIM_MEMORY, run_python
from PyGPU import sim
from PyGPU.testing import assert_no_leaks

ZERO = {"allocations": 0, "frees": 0, "current_bytes": 0, "peak_bytes": 0}
NO_BYTES = {"HtoD": 0, "DtoH": 0, "DtoD": 0, "HtoH": 0, "peer": 0, "memset": 0}


# --- statistics ------------------------------------------------------------------

def test_stats_start_empty_after_reset(pygpu_sim):
    assert sim.stats() == {"calls": {}, "bytes": NO_BYTES, "devices": [ZERO, ZERO], "pinned": ZERO, "kernels": {},
                           "reports": []}


def test_stats_exact_for_a_known_sequence(pygpu_sim):
    host = np.arange(1000, dtype=np.uint32).astype(np.uint8)
    a, _ = g.cudaMalloc(1000)
    g.cudaSetDevice(1)
    b, _ = g.cudaMalloc(4096)
    g.cudaSetDevice(0)
    h, _ = g.cudaMallocHost(512)
    assert g.cudaMemcpy(a, host, 1000, g.cudaMemcpyHostToDevice) == g.cudaSuccess
    assert g.cudaMemcpy(b, a, 1000, g.cudaMemcpyDeviceToDevice) == g.cudaSuccess
    assert g.cudaMemcpy(h, a, 512, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
    hh = np.zeros(100, np.uint8)
    assert g.cudaMemcpy(hh, host, 100, g.cudaMemcpyHostToHost) == g.cudaSuccess
    assert g.cudaMemsetAsync(b, 0, 4096, None) == g.cudaSuccess
    assert g.cudaMemcpyPeer(b, 1, a, 0, 256) == g.cudaSuccess
    # cudaMemcpyPeer is serialised with device 0's work: this waits for it too.
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    assert g.cudaFree(12345) == g.cudaErrorInvalidValue  # a failed call counts as a call
    assert g.cudaFree(a) == g.cudaSuccess
    assert g.cudaFreeHost(h) == g.cudaSuccess
    stats = sim.stats()
    g.cudaSetDevice(1)
    assert g.cudaFree(b) == g.cudaSuccess
    assert stats["bytes"] == {"HtoD": 1000, "DtoH": 512, "DtoD": 1000, "HtoH": 100, "peer": 256, "memset": 4096}
    assert stats["devices"] == [{"allocations": 1, "frees": 1, "current_bytes": 0, "peak_bytes": 1000},
                                {"allocations": 1, "frees": 0, "current_bytes": 4096, "peak_bytes": 4096}]
    assert stats["pinned"] == {"allocations": 1, "frees": 1, "current_bytes": 0, "peak_bytes": 512}
    assert stats["reports"] == []
    # Exactly the calls the program made (the bindings' own bookkeeping is not the program's).
    assert stats["calls"] == {"cudaMalloc": 2, "cudaSetDevice": 2, "cudaMallocHost": 1, "cudaMemcpy": 4,
                              "cudaMemsetAsync": 1, "cudaMemcpyPeer": 1, "cudaFree": 2, "cudaFreeHost": 1,
                              "cudaDeviceSynchronize": 1}


def test_stats_count_the_calls_the_program_makes(pygpu_sim):
    """Calls by name; every name the program used is there with its count."""
    ptrs = [g.cudaMalloc(256)[0] for _ in range(3)]
    for p in ptrs:
        g.cudaFree(p)
    g.cudaMemGetInfo()
    g.cudaGetDevice()
    calls = sim.stats()["calls"]
    assert calls == {"cudaMalloc": 3, "cudaFree": 3, "cudaMemGetInfo": 1}
    # Calls never made are absent; cudaGetDevice is never counted (PyGPU's own bookkeeping calls it).


def test_peak_and_current_bytes(pygpu_sim):
    a, _ = g.cudaMalloc(1000)
    b, _ = g.cudaMalloc(2000)
    g.cudaFree(a)
    c, _ = g.cudaMalloc(500)
    assert sim.stats()["devices"][0] == {"allocations": 3, "frees": 1, "current_bytes": 2500, "peak_bytes": 3000}
    g.cudaFree(b)
    g.cudaFree(c)
    assert sim.stats()["devices"][0] == {"allocations": 3, "frees": 3, "current_bytes": 0, "peak_bytes": 3000}


def test_failed_and_zero_byte_operations_move_nothing(pygpu_sim):
    ptr, _ = g.cudaMalloc(256)
    host = np.zeros(256, np.uint8)
    assert g.cudaMemcpy(ptr, host, 0, g.cudaMemcpyHostToDevice) == g.cudaSuccess
    assert g.cudaMemcpy(ptr, host, 256, 9) == g.cudaErrorInvalidMemcpyDirection
    assert g.cudaMalloc(SIM_MEMORY * 2)[1] == g.cudaErrorMemoryAllocation
    stats = sim.stats()
    assert stats["bytes"] == NO_BYTES
    assert stats["devices"][0]["allocations"] == 1
    assert stats["calls"]["cudaMemcpy"] == 2 and stats["calls"]["cudaMalloc"] == 2
    g.cudaFree(ptr)


def test_registered_memory_is_not_pinned_statistics(pygpu_sim):
    buf = np.zeros(8192, np.uint8)
    assert g.cudaHostRegister(buf) == g.cudaSuccess
    assert sim.stats()["pinned"] == ZERO
    [a] = sim.allocations()
    assert (a["kind"], a["size"], a["origin"], a["address"]) == ("registered", 8192, "cudaHostRegister",
                                                                buf.ctypes.data)
    assert g.cudaHostUnregister(buf) == g.cudaSuccess
    assert sim.allocations() == []


# --- allocations and labels -----------------------------------------------------

def test_allocations_with_labels(pygpu_sim):
    w, _ = g.cudaMalloc(4096, label="weights")
    x, _ = g.cudaMalloc(100)
    h, _ = g.cudaMallocHost(300, label="staging")
    p, _ = g.cudaHostAlloc(200, g.cudaHostAllocPortable, label="portable")
    g.cudaSetDevice(1)
    y, _ = g.cudaMalloc(64, label="on one")
    g.cudaSetDevice(0)
    by_address = {a["address"]: a for a in sim.allocations()}
    assert by_address[int(w)] == {"address": int(w), "size": 4096, "device": 0, "kind": "device",
                                  "label": "weights", "origin": "cudaMalloc"}
    assert by_address[int(x)]["label"] is None
    assert by_address[int(h)] == {"address": int(h), "size": 300, "device": 0, "kind": "pinned",
                                  "label": "staging", "origin": "cudaMallocHost"}
    assert by_address[int(p)]["origin"] == "cudaHostAlloc" and by_address[int(p)]["label"] == "portable"
    assert by_address[int(y)]["device"] == 1 and by_address[int(y)]["label"] == "on one"
    assert len(by_address) == 5
    for ptr in (w, x):
        g.cudaFree(ptr)
    g.cudaFreeHost(h)
    g.cudaFreeHost(p)
    g.cudaFree(y)
    assert sim.allocations() == []


def test_label_appears_in_error_messages(pygpu_sim):
    w, _ = g.cudaMalloc(256, label="weights")
    # A raw address, so that the simulated device (not the pointer object) finds the overrun.
    err = g.cudaMemcpy(np.zeros(512, np.uint8), int(w), 512, g.cudaMemcpyDeviceToHost)
    assert err == g.cudaErrorInvalidValue
    assert 'label "weights"' in err.message
    g.cudaFree(w)


def test_label_context_names_the_next_allocation_only(pygpu_sim):
    with sim.label("activations"):
        arr = g.to_gpu(np.zeros(64, np.float32))  # an allocation made inside PyGPU
        other = g.to_gpu(np.zeros(64, np.float32))
    labels = {a["address"]: a["label"] for a in sim.allocations()}
    assert labels[arr.ptr] == "activations"
    assert labels[other.ptr] is None  # used up by the first


def test_unused_label_is_cleared_by_the_context(pygpu_sim):
    with sim.label("never used"):
        pass
    ptr, _ = g.cudaMalloc(256)
    assert sim.allocations()[0]["label"] is None
    g.cudaFree(ptr)


def test_failed_allocation_does_not_pass_its_label_on(pygpu_sim):
    ptr, err = g.cudaMalloc(SIM_MEMORY * 2, label="too big")
    assert err == g.cudaErrorMemoryAllocation
    ptr, err = g.cudaMalloc(256)
    assert sim.allocations()[0]["label"] is None
    g.cudaFree(ptr)


def test_label_is_per_thread(pygpu_sim):
    sim.label("main thread")
    seen = []

    def other():
        p, _ = g.cudaMalloc(256)
        seen.append(p)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    mine, _ = g.cudaMalloc(256)
    labels = {a["address"]: a["label"] for a in sim.allocations()}
    assert labels[int(seen[0])] is None and labels[int(mine)] == "main thread"
    g.cudaFree(seen[0])
    g.cudaFree(mine)


def test_label_type_is_checked(pygpu_sim):
    with pytest.raises(TypeError):
        sim.label(3)
    with pytest.raises(TypeError):
        g.cudaMalloc(256, label=b"bytes")


# --- leaks ----------------------------------------------------------------------

def test_leaks_lists_exactly_what_was_not_freed(pygpu_sim):
    kept, _ = g.cudaMalloc(1 << 20, label="forgotten")
    freed, _ = g.cudaMalloc(1 << 10, label="freed")
    pinned, _ = g.cudaMallocHost(4096, label="pinned leak")
    temp = g.to_gpu(np.zeros(16))
    g.cudaFree(freed)
    del temp  # collected: not a leak
    live = sim.leaks()
    assert sorted((a["label"], a["size"], a["kind"]) for a in live) == [
        ("forgotten", 1 << 20, "device"), ("pinned leak", 4096, "pinned")]
    report = sim.leak_report()
    assert report.splitlines()[0] == ("PyGPU simulated device: 2 allocations still live (1048576 bytes of device "
                                      "memory, 4096 bytes of pinned host memory)")
    assert "label 'forgotten'" in report and "label 'pinned leak'" in report
    assert f"{int(kept):#x}" in report and "cudaMallocHost" in report
    with pytest.raises(AssertionError, match="forgotten"):
        assert_no_leaks()
    assert_no_leaks(ignore=[kept, pinned])
    g.cudaFree(kept)
    g.cudaFreeHost(pinned)
    assert sim.leaks() == []
    assert sim.leak_report() == "PyGPU simulated device: no leaks (no allocation is live)"
    assert_no_leaks()


def test_leaks_collects_unreachable_cycles(pygpu_sim):
    class Holder:
        pass

    h = Holder()
    h.me = h
    h.array = g.to_gpu(np.zeros(8))
    del h
    assert sim.leaks() == []


LEAKY = """
import numpy as np, PyGPU as g
keep, _ = g.cudaMalloc(12345, label="forgotten-weights")
pin, _ = g.cudaMallocHost(4096, label="pinned-staging")
ok, _ = g.cudaMalloc(256)
g.cudaFree(ok)
print("done")
"""

CLEAN = """
import numpy as np, PyGPU as g
a = g.to_gpu(np.arange(10.0))
assert (a.get() == np.arange(10.0)).all()
del a
p, _ = g.cudaMallocHost(64)
g.cudaFreeHost(p)
print("done")
"""


def test_leak_check_at_exit_reports_the_leak():
    result = run_python(LEAKY, PYGPU_BACKEND="sim", PYGPU_SIM_LEAK_CHECK="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert "2 allocations still live" in result.stderr
    assert "label 'forgotten-weights'" in result.stderr and "12345 bytes" in result.stderr
    assert "label 'pinned-staging'" in result.stderr and "pinned" in result.stderr


def test_leak_check_prints_nothing_when_clean():
    result = run_python(CLEAN, PYGPU_BACKEND="sim", PYGPU_SIM_LEAK_CHECK="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert result.stderr == ""


@pytest.mark.parametrize("value", ["0", "", "off"])
def test_leak_check_off(value):
    result = run_python(LEAKY, PYGPU_BACKEND="sim", PYGPU_SIM_LEAK_CHECK=value)
    assert result.returncode == 0 and result.stderr == ""


def test_bad_leak_check_value_fails_the_import():
    result = run_python("import PyGPU", PYGPU_BACKEND="sim", PYGPU_SIM_LEAK_CHECK="maybe")
    assert result.returncode != 0
    assert "PYGPU_SIM_LEAK_CHECK" in result.stderr
    assert "SimEnvironmentError" in result.stderr


# --- traces ---------------------------------------------------------------------

def test_trace_writes_one_complete_event_per_queued_operation(pygpu_sim, tmp_path):
    n = 4096
    host = np.full(n, 1, np.uint8)
    a, _ = g.cudaMalloc(n)
    g.cudaSetDevice(1)
    b, _ = g.cudaMalloc(n)
    g.cudaSetDevice(0)
    out_alloc = g.PagelockedAllocator_uint8(n)
    s1, s2 = g.cudaStream_t(), g.cudaStream_t()
    ev = g.cudaEvent_t()
    assert g.cudaMemsetAsync(a, 0, n, s1) == g.cudaSuccess  # before the trace: not recorded
    path = tmp_path / "trace.json"
    with sim.trace(path) as t:
        assert g.cudaMemcpy(a, host, n, g.cudaMemcpyHostToDevice) == g.cudaSuccess  # 1
        assert g.cudaMemsetAsync(a, 2, n, s1) == g.cudaSuccess  # 2
        assert g.cudaEventRecord(ev, s1) == g.cudaSuccess  # 3
        assert g.cudaStreamWaitEvent(s2, ev, 0) == g.cudaSuccess  # 4
        assert g.cudaLaunchHostFunc(s2, lambda _: None, None) == g.cudaSuccess  # 5
        assert g.cudaMemcpyAsync(out_alloc.ptr(), a, n, g.cudaMemcpyDeviceToHost, s2) == g.cudaSuccess  # 6
        assert g.cudaMemcpyPeerAsync(b, 1, a, 0, n, s2) == g.cudaSuccess  # 7
        assert g.cudaMemcpyPeer(a, 0, b, 1, n) == g.cudaSuccess  # 8
        g.cudaSetDevice(1)
        assert g.cudaMemset(b, 3, n) == g.cudaSuccess  # 9, on device 1
        g.cudaSetDevice(0)
        assert g.cudaMemcpy(a, host, n + 1, g.cudaMemcpyHostToDevice) != g.cudaSuccess  # refused: not queued
    assert g.cudaMemsetAsync(a, 0, n, s1) == g.cudaSuccess  # after the trace: not recorded
    assert t.events is not None
    assert json.loads(path.read_text()) == t.events  # valid JSON, the same as .events
    events = t.events["traceEvents"]
    complete = [e for e in events if e["ph"] == "X"]
    names = sorted(e["name"].split()[0] for e in complete)
    assert names == ["cudaEventRecord", "cudaLaunchHostFunc", "cudaMemcpy", "cudaMemcpyAsync", "cudaMemcpyPeer",
                     "cudaMemcpyPeerAsync", "cudaMemset", "cudaMemsetAsync", "cudaStreamWaitEvent"]
    for e in complete:
        assert isinstance(e["ts"], (int, float)) and e["ts"] >= 0
        assert isinstance(e["dur"], (int, float)) and e["dur"] >= 0
        assert isinstance(e["pid"], int) and isinstance(e["tid"], int)
    by_name = {e["name"].split()[0]: e for e in complete}
    assert by_name["cudaMemcpy"]["name"] == "cudaMemcpy HtoD 4096 B"
    assert by_name["cudaMemsetAsync"]["tid"] == int(s1) and by_name["cudaMemsetAsync"]["pid"] == 0
    assert by_name["cudaMemcpyAsync"]["tid"] == int(s2)
    assert by_name["cudaMemcpy"]["tid"] == 0  # the legacy default stream
    assert by_name["cudaMemset"]["pid"] == 1
    assert by_name["cudaMemcpyPeer"]["pid"] == 0  # queued on the destination device
    # Stream order is visible: s2's work starts after s1's event record ended.
    assert by_name["cudaMemcpyAsync"]["ts"] >= by_name["cudaEventRecord"]["ts"] + by_name["cudaEventRecord"]["dur"]
    names_meta = {(e["pid"], e["args"]["name"]) for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    assert names_meta == {(0, "device 0"), (1, "device 1")}
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    g.cudaFree(a)
    g.cudaFree(b)


def test_trace_waits_for_pending_work_by_default(pygpu_sim, gate):
    s = g.cudaStream_t()
    d, _ = g.cudaMalloc(256)
    gt = gate(s)
    with sim.trace() as t:
        assert g.cudaMemsetAsync(d, 1, 256, s) == g.cudaSuccess
        threading.Timer(0.1, gt.open).start()
    # The gate's host function was queued before the trace started: only the memset is in it.
    assert [e["name"] for e in t.events["traceEvents"] if e["ph"] == "X"] == ["cudaMemsetAsync 256 B"]
    g.cudaFree(d)


def test_trace_without_synchronising_leaves_pending_work_out(pygpu_sim, gate):
    s = g.cudaStream_t()
    d, _ = g.cudaMalloc(256)
    gt = gate(s)
    with sim.trace(synchronize=False) as t:
        assert g.cudaMemsetAsync(d, 1, 256, s) == g.cudaSuccess
    gt.open()
    assert s.synchronize() == g.cudaSuccess
    assert [e for e in t.events["traceEvents"] if e["ph"] == "X"] == []
    g.cudaFree(d)


def test_traces_do_not_nest(pygpu_sim):
    with sim.trace(), pytest.raises(RuntimeError, match="do not nest"), sim.trace():
        pass
    with sim.trace() as t:  # usable again
        pass
    assert t.events["traceEvents"] == []


def test_trace_is_written_when_the_block_raises(pygpu_sim, tmp_path):
    d, _ = g.cudaMalloc(256)
    path = tmp_path / "t.json"

    def fail_while_tracing():
        with sim.trace(str(path)):
            g.cudaMemset(d, 0, 256)
            raise KeyError("x")

    with pytest.raises(KeyError):
        fail_while_tracing()
    assert len([e for e in json.loads(path.read_text())["traceEvents"] if e["ph"] == "X"]) == 1
    g.cudaFree(d)


# --- reset ------------------------------------------------------------------------

def test_reset_returns_to_the_initial_state(pygpu_sim):
    g.cudaSetDevice(1)
    b, _ = g.cudaMalloc(1 << 20)
    s1 = g.cudaStream_t()
    g.cudaSetDevice(0)
    a, _ = g.cudaMalloc(1 << 20, label="x")
    h, _ = g.cudaMallocHost(4096)
    s = g.cudaStream_t()
    ev = g.cudaEvent_t()
    assert g.cudaEventRecord(ev, s) == g.cudaSuccess
    handle = int(s)
    arr = g.to_gpu(np.zeros(100))
    sim.inject("cudaMalloc", 2, count=0)
    sim.chaos(3)
    assert g.cudaFree(999) == g.cudaErrorInvalidValue
    g.cudaSetDevice(1)

    sim.reset()

    assert g.cudaGetDevice() == (0, g.cudaSuccess)
    assert g.cudaPeekAtLastError() == g.cudaSuccess
    for device in (0, 1):
        g.cudaSetDevice(device)
        assert g.cudaMemGetInfo()[0] == (SIM_MEMORY, SIM_MEMORY)
    g.cudaSetDevice(0)
    assert sim.allocations() == []
    stats = sim.stats()
    assert stats["bytes"] == NO_BYTES and stats["devices"] == [ZERO, ZERO] and stats["pinned"] == ZERO
    assert not a.alive and not b.alive and not h.alive
    assert g.cudaFree(a) == g.cudaErrorInvalidValue  # a dead pointer is refused, not freed twice
    assert s.query() == g.cudaErrorInvalidResourceHandle
    assert s1.query() == g.cudaErrorInvalidResourceHandle
    assert ev.query() == g.cudaErrorInvalidResourceHandle
    err = g.cudaStreamQuery(handle)  # the raw handle reaches the simulated device, which refuses it too
    assert err == g.cudaErrorInvalidResourceHandle and "destroyed" in err.message
    ptr, err = g.cudaMalloc(256)  # injections cleared
    assert err == g.cudaSuccess
    assert sim.allocations()[0]["label"] is None  # labels cleared
    with sim.trace() as t:
        g.cudaMemsetAsync(ptr, 0, 256, None)
    assert [e["args"]["chaos_delay_us"] for e in t.events["traceEvents"] if e["ph"] == "X"] == [0]  # chaos off
    g.cudaFree(ptr)
    del arr  # its memory went with the reset: dropping it frees nothing and warns about nothing
    s.destroy()


def test_reset_waits_for_queued_work(pygpu_sim, gate):
    s = g.cudaStream_t()
    d, _ = g.cudaMalloc(256)
    ran = threading.Event()
    gt = gate(s)
    g.cudaLaunchHostFunc(s, lambda _: ran.set(), None)
    t = threading.Thread(target=sim.reset)
    t.start()
    t.join(0.2)
    assert t.is_alive() and not ran.is_set()
    gt.open()
    t.join(10)
    assert ran.is_set() and not d.alive


def test_reset_from_a_host_function_is_refused(pygpu_sim):
    s = g.cudaStream_t()
    errors = []

    def callback(_):
        try:
            sim.reset()
        except RuntimeError as e:
            errors.append(str(e))

    g.cudaLaunchHostFunc(s, callback, None)
    assert s.synchronize() == g.cudaSuccess
    assert len(errors) == 1 and "cudaErrorNotPermitted" in errors[0]
