"""Two simulated devices: peer copies, unified addressing, per-device state.

The suite runs with two devices of 1 GiB (tests/conftest.py). The basic peer
access rules are in test_device.py; these add the asynchronous and implicit
forms and what follows from unified addressing.
"""

from __future__ import annotations

import numpy as np
import pytest

import PyGPU as g

N = 4096


def alloc_on(device: int, n: int = N, fill: int | None = None):
    prev = g.cudaGetDevice()[0]
    g.cudaSetDevice(device)
    ptr, err = g.cudaMalloc(n)
    assert err == g.cudaSuccess
    if fill is not None:
        assert g.cudaMemcpy(ptr, np.full(n, fill, np.uint8), n, g.cudaMemcpyHostToDevice) == g.cudaSuccess
        # A pageable cudaMemcpy may return before the data lands ("API synchronization behavior"),
        # and the other device's streams are not ordered after this one: wait for it.
        assert g.cudaDeviceSynchronize() == g.cudaSuccess
    g.cudaSetDevice(prev)
    return ptr


def contents(ptr, n: int = N) -> np.ndarray:
    out = np.empty(n, np.uint8)
    assert g.cudaMemcpy(out, ptr, n, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
    return out


def test_memcpy_peer_async_in_stream_order(pygpu_sim, gate):
    a = alloc_on(0, fill=0x21)
    b = alloc_on(1, fill=0)
    s = g.cudaStream_t()
    gt = gate(s)
    assert g.cudaMemcpyPeerAsync(b, 1, a, 0, N, s) == g.cudaSuccess
    assert s.query() == g.cudaErrorNotReady  # queued behind the gate, host not blocked
    gt.open()
    assert s.synchronize() == g.cudaSuccess
    assert (contents(b) == 0x21).all()
    assert pygpu_sim.stats()["bytes"]["peer"] == N


def test_memcpy_peer_async_needs_no_peer_access(pygpu_sim):
    a = alloc_on(0, fill=3)
    b = alloc_on(1, fill=0)
    assert g.cudaDeviceCanAccessPeer(0, 1) == (1, g.cudaSuccess)
    # Peer access is not enabled: the copy still works (CUDA stages it).
    assert g.cudaMemcpyPeerAsync(b, 1, a, 0, N, None) == g.cudaSuccess
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    g.cudaSetDevice(1)
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    g.cudaSetDevice(0)
    assert (contents(b) == 3).all()


def test_memcpy_peer_async_errors(pygpu_sim):
    a = alloc_on(0)
    b = alloc_on(1)
    s = g.cudaStream_t()
    err = g.cudaMemcpyPeerAsync(b, 0, a, 0, N, s)  # b belongs to device 1
    assert err == g.cudaErrorInvalidValue and "device 1" in err.message
    assert g.cudaMemcpyPeerAsync(b, 1, a, 1, N, s) == g.cudaErrorInvalidValue  # a belongs to device 0
    assert g.cudaMemcpyPeerAsync(b, 2, a, 0, N, s) == g.cudaErrorInvalidDevice
    assert g.cudaMemcpyPeerAsync(b, 1, a, -1, N, s) == g.cudaErrorInvalidDevice
    assert g.cudaMemcpyPeerAsync(b, 1, a, 0, N + 1, s) == g.cudaErrorInvalidValue  # runs past the end
    assert g.cudaMemcpyPeerAsync(b, 1, a, 0, 0, s) == g.cudaSuccess  # nothing to copy
    handle = int(s)
    assert g.cudaStreamDestroy(s) == g.cudaSuccess
    assert g.cudaMemcpyPeerAsync(b, 1, a, 0, N, handle) == g.cudaErrorInvalidResourceHandle
    assert pygpu_sim.stats()["bytes"]["peer"] == 0  # nothing moved by the failures


def test_memcpy_default_between_devices(pygpu_sim):
    a = alloc_on(0, fill=0x44)
    b = alloc_on(1, fill=0)
    before = pygpu_sim.stats()["bytes"]
    # The direction is inferred from the pointers (unified addressing).
    assert g.cudaMemcpy(b, a, N, g.cudaMemcpyDefault) == g.cudaSuccess
    assert (contents(b) == 0x44).all()
    host = np.full(N, 0x55, np.uint8)
    assert g.cudaMemcpy(b, host, N, g.cudaMemcpyDefault) == g.cudaSuccess  # host to device 1
    back = np.zeros(N, np.uint8)
    assert g.cudaMemcpy(back, b, N, g.cudaMemcpyDefault) == g.cudaSuccess  # device 1 to host
    assert (back == 0x55).all()
    after = pygpu_sim.stats()["bytes"]
    assert after["DtoD"] - before["DtoD"] == N
    assert after["HtoD"] - before["HtoD"] == N
    assert after["DtoH"] - before["DtoH"] >= 2 * N


def test_memory_of_device_one_is_usable_while_device_zero_is_current(pygpu_sim):
    """Unified addressing: a copy finds the memory's device from the pointer."""
    b = alloc_on(1, fill=0)
    assert g.cudaGetDevice()[0] == 0
    host = np.arange(N, dtype=np.uint32).astype(np.uint8)
    assert g.cudaMemcpy(b, host, N, g.cudaMemcpyHostToDevice) == g.cudaSuccess
    assert np.array_equal(contents(b), host)
    a = alloc_on(0, fill=0)
    assert g.cudaMemcpy(a, b, N, g.cudaMemcpyDeviceToDevice) == g.cudaSuccess  # across devices
    assert np.array_equal(contents(a), host)
    assert g.cudaMemset(b, 0x77, N) == g.cudaSuccess
    assert (contents(b) == 0x77).all()
    attributes, err = g.cudaPointerGetAttributes(b)
    assert err == g.cudaSuccess
    assert attributes.type == g.cudaMemoryTypeDevice and attributes.device == 1
    # Freeing it does not need device 1 to be current either.
    assert g.cudaFree(b) == g.cudaSuccess
    stats = pygpu_sim.stats()["devices"]
    assert stats[1]["allocations"] == 1 and stats[1]["frees"] == 1 and stats[1]["current_bytes"] == 0
    assert stats[0]["allocations"] == 1 and stats[0]["current_bytes"] == N


def test_stream_of_device_zero_waits_for_event_of_device_one(pygpu_sim, gate):
    g.cudaSetDevice(1)
    s1 = g.cudaStream_t()
    ev = g.cudaEvent_t()
    gt = gate(s1)
    assert g.cudaEventRecord(ev, s1) == g.cudaSuccess
    g.cudaSetDevice(0)
    s0 = g.cudaStream_t()
    assert g.cudaStreamWaitEvent(s0, ev, 0) == g.cudaSuccess
    d = alloc_on(0)
    assert g.cudaMemsetAsync(d, 1, N, s0) == g.cudaSuccess
    assert s0.query() == g.cudaErrorNotReady  # held by device 1's gate
    gt.open()
    assert s0.synchronize() == g.cudaSuccess
    assert (contents(d) == 1).all()


def test_device_reset_clears_peer_access_both_ways(pygpu_sim):
    assert g.cudaDeviceEnablePeerAccess(1) == g.cudaSuccess
    g.cudaSetDevice(1)
    assert g.cudaDeviceEnablePeerAccess(0) == g.cudaSuccess
    assert g.cudaDeviceReset() == g.cudaSuccess  # device 1
    assert g.cudaDeviceEnablePeerAccess(0) == g.cudaSuccess  # its own mapping is gone
    g.cudaSetDevice(0)
    assert g.cudaDeviceDisablePeerAccess(1) == g.cudaErrorPeerAccessNotEnabled  # and the one towards it
    assert g.cudaDeviceEnablePeerAccess(1) == g.cudaSuccess


def test_sim_reset_clears_peer_access(pygpu_sim):
    assert g.cudaDeviceEnablePeerAccess(1) == g.cudaSuccess
    pygpu_sim.reset()
    assert g.cudaDeviceDisablePeerAccess(1) == g.cudaErrorPeerAccessNotEnabled
    assert g.cudaDeviceEnablePeerAccess(1) == g.cudaSuccess


def test_sim_reset_returns_to_device_zero(pygpu_sim):
    g.cudaSetDevice(1)
    pygpu_sim.reset()
    assert g.cudaGetDevice() == (0, g.cudaSuccess)


def test_events_and_streams_of_each_device(pygpu_sim):
    g.cudaSetDevice(1)
    ev1 = g.cudaEvent_t()
    g.cudaSetDevice(0)
    s0 = g.cudaStream_t()
    err = g.cudaEventRecord(ev1, s0)  # the event belongs to device 1
    assert err == g.cudaErrorInvalidResourceHandle
    assert "device 1" in err.message
    g.cudaSetDevice(1)
    assert g.cudaEventRecord(ev1, None) == g.cudaSuccess  # device 1's legacy stream
    assert g.cudaEventSynchronize(ev1) == g.cudaSuccess


@pytest.mark.parametrize("device", [0, 1])
def test_allocation_statistics_are_per_device(pygpu_sim, device):
    ptr = alloc_on(device, 1000)
    stats = pygpu_sim.stats()["devices"]
    assert stats[device] == {"allocations": 1, "frees": 0, "current_bytes": 1000, "peak_bytes": 1000}
    assert stats[1 - device] == {"allocations": 0, "frees": 0, "current_bytes": 0, "peak_bytes": 0}
    [a] = pygpu_sim.allocations()
    assert a["device"] == device and a["address"] == int(ptr)
