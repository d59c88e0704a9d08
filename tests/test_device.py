"""Devices: count, current device, properties, memory info, versions, sync, reset, peers."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

import PyGPU as g
from helpers import SIM_MEMORY, run_python


def test_device_count():
    assert g.cudaGetDeviceCount() == (2, g.cudaSuccess)


def test_get_and_set_device():
    assert g.cudaGetDevice() == (0, 0)
    assert g.cudaSetDevice(1) == g.cudaSuccess
    assert g.cudaGetDevice()[0] == 1
    assert g.cudaSetDevice(0) == g.cudaSuccess
    assert g.cudaGetDevice()[0] == 0


@pytest.mark.parametrize("device", [-1, 2, 1000])
def test_set_invalid_device(device):
    err = g.cudaSetDevice(device)
    assert err == g.cudaErrorInvalidDevice
    assert g.cudaGetDevice()[0] == 0  # unchanged


def test_set_device_rejects_wrong_types():
    with pytest.raises(TypeError):
        g.cudaSetDevice("0")
    with pytest.raises(TypeError):
        g.cudaSetDevice(None)


def test_current_device_is_per_thread():
    barrier = threading.Barrier(2)
    seen = {}

    def worker(device):
        assert g.cudaSetDevice(device) == g.cudaSuccess
        barrier.wait()
        seen[device] = g.cudaGetDevice()[0]

    threads = [threading.Thread(target=worker, args=(d,)) for d in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {0: 0, 1: 1}
    assert g.cudaGetDevice()[0] == 0  # this thread never switched


def test_new_thread_starts_on_device_zero():
    g.cudaSetDevice(1)
    seen = []
    t = threading.Thread(target=lambda: seen.append(g.cudaGetDevice()[0]))
    t.start()
    t.join()
    assert seen == [0]


def test_device_properties():
    prop, err = g.cudaGetDeviceProperties(0)
    assert err == g.cudaSuccess
    assert isinstance(prop, g.cudaDeviceProp)
    assert prop.name == "PyGPU Simulated Device"
    assert prop.totalGlobalMem == SIM_MEMORY
    assert (prop.major, prop.minor) == (8, 0)
    assert prop.warpSize == 32
    assert prop.multiProcessorCount > 0
    assert prop.maxThreadsPerBlock == 1024
    assert prop.maxThreadsDim == (1024, 1024, 64)
    assert prop.maxGridSize == (2147483647, 65535, 65535)
    assert prop.sharedMemPerBlock == 49152
    assert prop.pciBusID == 1
    d = prop._asdict()
    assert d["name"] == prop.name and d["maxGridSize"] == prop.maxGridSize and len(d) >= 25
    assert "PyGPU Simulated Device" in repr(prop)


def test_properties_differ_per_device():
    p0, _ = g.cudaGetDeviceProperties(0)
    p1, _ = g.cudaGetDeviceProperties(1)
    assert p0.pciBusID != p1.pciBusID


@pytest.mark.parametrize("device", [-1, 2])
def test_properties_of_invalid_device(device):
    prop, err = g.cudaGetDeviceProperties(device)
    assert prop is None and err == g.cudaErrorInvalidDevice


def test_mem_get_info_is_exact(dev_alloc):
    (free0, total), err = g.cudaMemGetInfo()
    assert err == g.cudaSuccess and total == SIM_MEMORY and free0 <= total
    dev_alloc(1 << 20)
    (free1, _), _ = g.cudaMemGetInfo()
    assert free0 - free1 == 1 << 20
    dev_alloc(1000)  # rounded up to the 256-byte granule
    (free2, _), _ = g.cudaMemGetInfo()
    assert free1 - free2 == 1024


def test_mem_get_info_is_per_device(dev_alloc):
    (free0, _), _ = g.cudaMemGetInfo()
    g.cudaSetDevice(1)
    (free1_before, _), _ = g.cudaMemGetInfo()
    dev_alloc(1 << 20)
    (free1_after, _), _ = g.cudaMemGetInfo()
    g.cudaSetDevice(0)
    assert free1_before - free1_after == 1 << 20
    assert g.cudaMemGetInfo()[0][0] == free0


def test_versions():
    assert g.cudaDriverGetVersion() == (13000, 0)
    assert g.cudaRuntimeGetVersion() == (13000, 0)


def test_device_synchronize_waits_for_all_streams(gate):
    streams = [g.cudaStream_t(), g.cudaStream_t(g.cudaStreamNonBlocking)]
    gates = [gate(s) for s in streams]
    assert all(s.query() == g.cudaErrorNotReady for s in streams)
    done = threading.Event()
    t = threading.Thread(target=lambda: (g.cudaDeviceSynchronize(), done.set()))
    t.start()
    assert not done.wait(0.2)
    gates[0].open()
    assert not done.wait(0.2)
    gates[1].open()
    t.join(10)
    assert done.is_set()
    assert all(s.query() == g.cudaSuccess for s in streams)


def test_device_reset_frees_memory_and_invalidates_objects():
    (free_before, _), _ = g.cudaMemGetInfo()
    ptr, _ = g.cudaMalloc(1 << 20)
    stream = g.cudaStream_t()
    event = g.cudaEvent_t()
    assert g.cudaDeviceReset() == g.cudaSuccess
    assert g.cudaMemGetInfo()[0][0] == free_before
    assert not ptr.alive
    err = g.cudaFree(ptr)
    assert err == g.cudaErrorInvalidValue and "freed by cudaDeviceReset" in err.message
    assert stream.destroyed and stream.query() == g.cudaErrorInvalidResourceHandle
    assert event.destroyed and event.query() == g.cudaErrorInvalidResourceHandle
    # The device is usable afterwards.
    ptr2, err = g.cudaMalloc(256)
    assert err == g.cudaSuccess and g.cudaFree(ptr2) == g.cudaSuccess


def test_device_reset_leaves_other_devices_alone():
    g.cudaSetDevice(1)
    ptr, _ = g.cudaMalloc(4096)
    g.cudaSetDevice(0)
    assert g.cudaDeviceReset() == g.cudaSuccess
    assert ptr.alive
    g.cudaSetDevice(1)
    assert g.cudaFree(ptr) == g.cudaSuccess


def test_failed_device_reset_leaves_memory_and_objects_alive(pygpu_sim):
    """An injected failure of cudaDeviceReset destroys nothing: the bindings give back the marks they set
    before the reset ran, so the pointer, stream and event stay usable."""
    ptr, _ = g.cudaMalloc(4096)
    stream = g.cudaStream_t()
    event = g.cudaEvent_t()
    with pygpu_sim.inject("cudaDeviceReset", g.cudaErrorUnknown):
        assert g.cudaDeviceReset() == g.cudaErrorUnknown
    assert ptr.alive and not stream.destroyed and not event.destroyed
    assert event.record(stream) == g.cudaSuccess and stream.synchronize() == g.cudaSuccess
    assert g.cudaFree(ptr) == g.cudaSuccess
    # Still tracked as live objects: a real reset afterwards marks them.
    ptr2, _ = g.cudaMalloc(4096)
    assert g.cudaDeviceReset() == g.cudaSuccess
    assert stream.destroyed and event.destroyed and not ptr2.alive


@pytest.mark.parametrize("reset", ["cudaDeviceReset", "PyGPU.sim.reset"])
def test_reset_while_another_thread_drops_objects(pygpu_sim, recwarn, reset):
    """A reset waits without the GIL, so another thread may destroy objects meanwhile (dropping them,
    a garbage collection). It must not destroy a handle the reset killed (a bogus 'destroying ...
    failed' warning) nor free memory twice: the bindings mark what a reset destroys before it runs.
    (Creating objects on another thread during a reset is the caller's error, as on CUDA.)"""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # the threads interleave within the drop of the list
    handed: list[list[object]] = []
    ready, dropped = threading.Event(), threading.Event()

    def drop() -> None:
        ready.wait()
        handed.pop().clear()  # destroys them one by one, while the reset runs
        dropped.set()

    try:
        for _ in range(5):
            objects: list[object] = []
            for _ in range(300):
                array = g.DeviceArray_float32(np.ones(16, np.float32))
                array.allocate()
                objects += [g.cudaStream_t(), g.cudaEvent_t(), array]
            handed.append(objects)
            del objects, array
            ready.clear()
            dropped.clear()
            dropper = threading.Thread(target=drop)
            dropper.start()
            ready.set()
            if reset == "cudaDeviceReset":
                assert g.cudaDeviceReset() == g.cudaSuccess
            else:
                pygpu_sim.reset()
            dropped.wait()
            dropper.join()
    finally:
        sys.setswitchinterval(interval)
    assert [str(w.message) for w in recwarn if "destroying" in str(w.message)] == []
    assert pygpu_sim.leaks() == []


def test_peer_access_rules():
    assert g.cudaDeviceCanAccessPeer(0, 1) == (1, 0)
    assert g.cudaDeviceCanAccessPeer(0, 0) == (0, 0)
    assert g.cudaDeviceCanAccessPeer(0, 5)[1] == g.cudaErrorInvalidDevice
    assert g.cudaDeviceEnablePeerAccess(1) == g.cudaSuccess
    assert g.cudaDeviceEnablePeerAccess(1) == g.cudaErrorPeerAccessAlreadyEnabled
    assert g.cudaDeviceEnablePeerAccess(0) == g.cudaErrorInvalidDevice
    assert g.cudaDeviceEnablePeerAccess(1, 7) == g.cudaErrorInvalidValue
    assert g.cudaDeviceDisablePeerAccess(1) == g.cudaSuccess
    assert g.cudaDeviceDisablePeerAccess(1) == g.cudaErrorPeerAccessNotEnabled


def test_memcpy_peer():
    host = np.arange(256, dtype=np.uint8)
    a, _ = g.cudaMalloc(256)
    g.cudaMemcpy(a, host, 256, g.cudaMemcpyHostToDevice)
    g.cudaSetDevice(1)
    b, _ = g.cudaMalloc(256)
    g.cudaSetDevice(0)
    assert g.cudaMemcpyPeer(b, 1, a, 0, 256) == g.cudaSuccess
    out = np.zeros_like(host)
    assert g.cudaMemcpy(out, b, 256, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
    assert np.array_equal(out, host)
    assert g.cudaMemcpyPeer(b, 0, a, 0, 256) == g.cudaErrorInvalidValue  # b is not on device 0
    assert g.cudaMemcpyPeer(b, 7, a, 0, 256) == g.cudaErrorInvalidDevice
    out[:] = 0
    assert g.cudaMemcpyPeerAsync(out, 0, b, 1, 256) == g.cudaErrorInvalidValue  # host memory
    g.cudaFree(a)
    g.cudaSetDevice(1)
    g.cudaFree(b)


@pytest.mark.parametrize(
    ("env", "expect"),
    [
        ({"PYGPU_SIM_DEVICES": "3", "PYGPU_SIM_MEMORY": "512MiB"}, "3 536870912"),
        ({"PYGPU_SIM_MEMORY": "2 GB"}, "1 2000000000"),
        ({"PYGPU_SIM_MEMORY": "1048576"}, "1 1048576"),
        ({"PYGPU_SIM_WORKERS": " 3 "}, "1 4294967296"),
        ({}, "1 4294967296"),
    ],
)
def test_sim_configuration_from_environment(env, expect):
    code = "import PyGPU as g; p, _ = g.cudaGetDeviceProperties(0); print(g.cudaGetDeviceCount()[0], p.totalGlobalMem)"
    result = run_python(code, PYGPU_BACKEND="sim", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expect


@pytest.mark.parametrize(
    ("name", "value"),
    [("PYGPU_SIM_MEMORY", "abc"), ("PYGPU_SIM_MEMORY", "-1GiB"), ("PYGPU_SIM_MEMORY", "0"),
     ("PYGPU_SIM_MEMORY", "99999999999TiB"), ("PYGPU_SIM_DEVICES", "0"), ("PYGPU_SIM_DEVICES", "two"),
     ("PYGPU_SIM_WORKERS", "0"), ("PYGPU_SIM_WORKERS", "lots"), ("PYGPU_SIM_WORKERS", "4096")],
)
def test_bad_sim_configuration_is_a_clear_import_error(name, value):
    result = run_python("import PyGPU", PYGPU_BACKEND="sim", **{name: value})
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert name in result.stderr and value in result.stderr
