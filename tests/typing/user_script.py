"""A typed user script: realistic glue code that must pass ``mypy --strict``.

tools/lint.py type-checks this file, and tests/test_typing.py runs it on the
simulated device, so it is real code, not just annotations. The
``assert_type`` lines pin what the stubs promise; ``reject_script.py`` beside
it holds the mistakes mypy must refuse.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from typing_extensions import assert_type

import PyGPU
import PyGPU.driver as cuda
from PyGPU import gpuarray


def device_summary() -> list[str]:
    """Low-level calls: (value, err) unpacking, err.check(), narrowing."""
    count, err = PyGPU.cudaGetDeviceCount()
    err.check()
    assert count is not None
    assert_type(count, int)
    lines = []
    for device in range(count):
        prop, err = PyGPU.cudaGetDeviceProperties(device)
        err.check()
        assert prop is not None
        assert_type(prop, PyGPU.cudaDeviceProp)
        major, minor = prop.major, prop.minor
        lines.append(f"{device}: {prop.name} cc {major}.{minor}, {prop.totalGlobalMem} bytes")
    return lines


def round_trip(host: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """cudaMalloc, stream-ordered copies, events and their timing."""
    dev, err = PyGPU.cudaMalloc(host.nbytes, label="round trip")
    err.check()
    assert dev is not None
    assert_type(dev, PyGPU.pointer_wrapper_void)
    back = np.empty_like(host)
    stream = PyGPU.cudaStream_t()
    start, stop = PyGPU.cudaEvent_t(), PyGPU.cudaEvent_t()
    try:
        start.record(stream).check()
        PyGPU.cudaMemcpyAsync(dev, host, host.nbytes, PyGPU.cudaMemcpyHostToDevice, stream).check()
        PyGPU.cudaMemcpyAsync(back, dev, host.nbytes, PyGPU.cudaMemcpyDeviceToHost, stream).check()
        stop.record(stream).check()
        status: PyGPU.cudaError_t = stream.query()
        assert status.success or status == PyGPU.cudaErrorNotReady
        stream.synchronize().check()
        ms, err = PyGPU.cudaEventElapsedTime(start, stop)
        err.check()
        assert ms is not None and ms >= 0.0
        assert_type(ms, float)
        bad = PyGPU.cudaMemcpy(back, dev, host.nbytes + 4, PyGPU.cudaMemcpyDeviceToHost)
        assert bad == PyGPU.cudaErrorInvalidValue and not bad.success and bad.message
    finally:
        PyGPU.cudaFree(dev).check()
    return back


def on_the_side(stream: PyGPU.cudaStream_t) -> list[int]:
    """A host callback queued in stream order, with typed user data."""
    seen: list[int] = []

    def record(value: int) -> None:
        seen.append(value)

    PyGPU.cudaLaunchHostFunc(stream, record, 7).check()
    PyGPU.cudaStreamSynchronize(stream).check()
    return seen


def low_level_arrays() -> float:
    """DeviceArray_<dtype>, typed pointers and pinned allocators."""
    host = np.arange(10, dtype=np.float32)
    da = PyGPU.DeviceArray_float32(host)
    da.allocate().check()
    da.to_device().check()
    host[:] = 0
    da.to_host().check()
    view = np.asarray(da)
    assert_type(view, npt.NDArray[np.float32])
    p = da.host_data()
    assert_type(p, PyGPU.pointer_wrapper_float32)
    first: np.float32 = p[1]
    assert_type(p + 2, PyGPU.pointer_wrapper_float32)
    assert not da.device_data().is_safe()
    pinned = PyGPU.PagelockedAllocator_float32(4)
    assert_type(pinned.ptr(), PyGPU.pointer_wrapper_float32)
    shaped = PyGPU.DeviceArray_float64((2, 3), "F")
    assert shaped.shape() == (2, 3) and shaped.dtype == np.float64
    return float(first)


def high_level() -> float:
    """GPUArray (PyCUDA-compatible) and PyGPU.driver."""
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    a = gpuarray.to_gpu(x)
    b = PyGPU.zeros((3, 4), np.float32)
    b.set(x)
    assert (a.get() == b.get()).all()
    start, stop = cuda.Event(), cuda.Event()
    stream = cuda.Stream()
    start.record(stream)
    host = a.get_async(stream=stream)
    stop.record(stream)
    stop.synchronize()
    dev = cuda.mem_alloc(x.nbytes)
    cuda.memcpy_htod(dev, x)
    out = np.empty_like(x)
    cuda.memcpy_dtoh(out, dev)
    assert (out == host).all()
    elapsed: float = stop.time_since(start)
    return elapsed


def main() -> None:
    print("\n".join(device_summary()))
    host = np.arange(1 << 10, dtype=np.float32)
    assert (round_trip(host) == host).all()
    assert on_the_side(PyGPU.cudaStream_t()) == [7]
    print(low_level_arrays(), high_level() >= 0.0, PyGPU.backend, PyGPU.__version__)


if __name__ == "__main__":
    main()
