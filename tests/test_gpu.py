"""Smoke tests on real hardware (marker ``gpu``): device count and properties,
a malloc/memcpy round trip, stream and event timing, and a GPUArray round trip,
each in a fresh interpreter on the backend PYGPU_BACKEND names (``auto`` when
unset). Where no device answers they skip with what the backend said, for
example "cudaErrorInsufficientDriver (35)"; ``PYGPU_BACKEND=sim`` runs them on
the simulated device, which checks the tests themselves."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gpu


def test_device_count_and_properties(hardware):
    out = hardware.run("""
import PyGPU as g
count, err = g.cudaGetDeviceCount()
assert err == g.cudaSuccess and count >= 1, (count, err)
for device in range(count):
    prop, err = g.cudaGetDeviceProperties(device)
    assert err == g.cudaSuccess, err
    assert prop.name and prop.totalGlobalMem > 0 and prop.major >= 1 and prop.multiProcessorCount >= 1, prop.name
    assert prop.warpSize in (32, 64) and prop.maxThreadsPerBlock >= prop.warpSize, prop.name
assert g.cudaSetDevice(0) == g.cudaSuccess
(free, total), err = g.cudaMemGetInfo()
assert err == g.cudaSuccess and 0 < free <= total, (free, total)
assert g.cudaGetDeviceProperties(count)[1] == g.cudaErrorInvalidDevice
print(g.backend, count)
""")
    assert out.split()[0] == hardware.backend and int(out.split()[1]) >= 1


def test_malloc_memcpy_round_trip(hardware):
    hardware.run("""
import numpy as np
import PyGPU as g
host = np.arange(1 << 20, dtype=np.float32) * 0.5 - 7
back = np.zeros_like(host)
dev, err = g.cudaMalloc(host.nbytes)
assert err == g.cudaSuccess, err
assert g.cudaMemcpy(dev, host, host.nbytes, g.cudaMemcpyHostToDevice) == g.cudaSuccess
assert g.cudaMemcpy(back, dev, host.nbytes, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
assert np.array_equal(back, host)
other, err = g.cudaMalloc(host.nbytes)
assert err == g.cudaSuccess, err
assert g.cudaMemset(other, 0x3F, host.nbytes) == g.cudaSuccess
assert g.cudaMemcpy(back, other, host.nbytes, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
assert (back.view(np.uint8) == 0x3F).all()
assert g.cudaMemcpy(other, dev, host.nbytes, g.cudaMemcpyDeviceToDevice) == g.cudaSuccess
assert g.cudaMemcpy(back, other, host.nbytes, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
assert np.array_equal(back, host)
assert g.cudaMemcpy(back, dev, host.nbytes + 4, g.cudaMemcpyDeviceToHost) == g.cudaErrorInvalidValue
assert g.cudaFree(dev) == g.cudaSuccess and g.cudaFree(other) == g.cudaSuccess
""")


def test_stream_and_event_timing(hardware):
    hardware.run("""
import numpy as np
import PyGPU as g
host = np.arange(1 << 22, dtype=np.float64)
back = np.zeros_like(host)
dev, err = g.cudaMalloc(host.nbytes)
assert err == g.cudaSuccess, err
stream, err = g.cudaStreamCreate()
assert err == g.cudaSuccess, err
start, err = g.cudaEventCreate()
assert err == g.cudaSuccess, err
stop, err = g.cudaEventCreate()
assert err == g.cudaSuccess, err
assert g.cudaEventRecord(start, stream) == g.cudaSuccess
for _ in range(4):
    assert g.cudaMemcpyAsync(dev, host, host.nbytes, g.cudaMemcpyHostToDevice, stream) == g.cudaSuccess
    assert g.cudaMemcpyAsync(back, dev, host.nbytes, g.cudaMemcpyDeviceToHost, stream) == g.cudaSuccess
assert g.cudaEventRecord(stop, stream) == g.cudaSuccess
assert g.cudaStreamSynchronize(stream) == g.cudaSuccess
assert g.cudaStreamQuery(stream) == g.cudaSuccess and g.cudaEventQuery(stop) == g.cudaSuccess
ms, err = g.cudaEventElapsedTime(start, stop)
assert err == g.cudaSuccess and ms > 0, (ms, err)
assert np.array_equal(back, host)
untimed, err = g.cudaEventCreateWithFlags(g.cudaEventDisableTiming)
assert err == g.cudaSuccess, err
assert g.cudaEventRecord(untimed, stream) == g.cudaSuccess and g.cudaEventSynchronize(untimed) == g.cudaSuccess
assert g.cudaEventElapsedTime(start, untimed)[1] == g.cudaErrorInvalidResourceHandle
for event in (start, stop, untimed):
    assert g.cudaEventDestroy(event) == g.cudaSuccess
assert g.cudaStreamDestroy(stream) == g.cudaSuccess and g.cudaFree(dev) == g.cudaSuccess
""")


def test_gpuarray_round_trip(hardware):
    hardware.run("""
import numpy as np
import PyGPU
for dtype in (np.float32, np.float64, np.int8, np.uint64, np.complex128, np.bool_):
    host = (np.arange(6 * 7) % 5).astype(dtype).reshape(6, 7)
    a = PyGPU.to_gpu(host)
    assert a.shape == (6, 7) and a.dtype == host.dtype
    assert np.array_equal(a.get(), host)
    assert np.array_equal(a[1:5:2, ::-3].get(), host[1:5:2, ::-3])
    a.set(host[::-1].copy())
    assert np.array_equal(a.get(), host[::-1])
    assert np.array_equal(PyGPU.zeros((3, 4), dtype).get(), np.zeros((3, 4), dtype))
""")
