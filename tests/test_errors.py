"""cudaError_t objects, PyGPU.CudaError, error names, and the last-error rules."""

from __future__ import annotations

import pickle
import threading

import pytest

import PyGPU as g


def test_success_object():
    _count, err = g.cudaGetDeviceCount()
    assert isinstance(err, g.cudaError_t)
    assert err == 0 and err == g.cudaSuccess and int(err) == 0
    assert err.name == "cudaSuccess" and err.description == "no error"
    assert not err and err.success
    assert repr(err) == "<cudaError_t: code=0 cudaSuccess>"
    assert err.check() is None


def test_failure_object_carries_call_and_message():
    err = g.cudaFree(0x1234)
    assert err == g.cudaErrorInvalidValue == 1
    assert err and not err.success
    assert err.name == "cudaErrorInvalidValue"
    assert err.description == "invalid argument"
    assert err.call == "cudaFree"
    assert "0x1234" in err.message
    assert repr(err) == "<cudaError_t: code=1 cudaErrorInvalidValue>"


@pytest.mark.parametrize(
    ("code", "name", "description"),
    [
        (1, "cudaErrorInvalidValue", "invalid argument"),
        (2, "cudaErrorMemoryAllocation", "out of memory"),
        (35, "cudaErrorInsufficientDriver", "CUDA driver version is insufficient for CUDA runtime version"),
        (101, "cudaErrorInvalidDevice", "invalid device ordinal"),
        (400, "cudaErrorInvalidResourceHandle", "invalid resource handle"),
        (600, "cudaErrorNotReady", "device not ready"),
    ],
)
def test_names_and_descriptions_are_cudas(code, name, description):
    assert g.cudaGetErrorName(code) == name
    assert g.cudaGetErrorString(code) == description
    err = g.cudaError_t(code)
    assert g.cudaGetErrorName(err) == name and err.description == description
    assert getattr(g, name) == code


def test_unknown_code_is_unrecognized():
    assert g.cudaGetErrorName(123456) == "unrecognized error code"
    assert g.cudaGetErrorString(123456) == "unrecognized error code"


def test_error_name_rejects_wrong_types():
    with pytest.raises(TypeError, match="cudaError_t or an int"):
        g.cudaGetErrorName("cudaSuccess")
    with pytest.raises(TypeError):
        g.cudaGetErrorString(None)


def test_equality_and_hashing():
    a, b = g.cudaError_t(1), g.cudaError_t(1)
    assert a == b and a == 1 and 1 == a and a != 2 and a != g.cudaError_t(2)  # noqa: SIM300  (reflected ==)
    assert hash(a) == hash(b) == hash(1)
    assert len({a, b, g.cudaError_t(2)}) == 2
    assert a != "1" and a != 1.5 and a != None  # noqa: E711, PLR1714  (__ne__ with each, on purpose)
    assert a != 2**70


def test_check_raises_cuda_error_with_details():
    err = g.cudaSetDevice(99)
    assert err == g.cudaErrorInvalidDevice
    with pytest.raises(g.CudaError) as info:
        err.check()
    exc = info.value
    assert isinstance(exc, RuntimeError)
    assert (exc.code, exc.name, exc.call) == (101, "cudaErrorInvalidDevice", "cudaSetDevice")
    assert exc.description == "invalid device ordinal"
    assert str(exc).startswith("cudaSetDevice failed: cudaErrorInvalidDevice: invalid device ordinal")


def test_one_boundary_builds_every_cuda_error(monkeypatch):
    """err.check() (C++), the driver and GPUArray all raise what PyGPU._errors.exception builds;
    success calls nothing."""
    import numpy as np

    import PyGPU._errors as errors
    import PyGPU.driver as cuda

    seen = []
    real = errors.exception

    def spy(err, message="", call=""):
        seen.append((int(err), call or err.call))
        return real(err, message, call)

    monkeypatch.setattr(errors, "exception", spy)
    assert g.cudaSuccess == g.cudaGetDeviceCount()[1] and g.cudaGetDeviceCount()[1].check() is None
    errors.check(g.cudaGetDeviceCount()[1])
    assert seen == []
    with pytest.raises(g.CudaError, match="cudaSetDevice failed"):
        g.cudaSetDevice(99).check()
    with pytest.raises(g.CudaError, match="cudaMalloc failed"):
        cuda.mem_alloc(1 << 62)
    with pytest.raises(g.CudaError, match="cudaStreamCreate"):
        g.cudaStream_t(99)  # a constructor: throw_cuda_error in C++
    a = g.to_gpu(np.zeros(2, np.float32), allocator=cuda.mem_alloc)  # a pool would keep the freed block
    a.gpudata.free()
    with pytest.raises(g.CudaError, match="cudaMemcpy"):
        a.get()
    assert [code for code, _call in seen] == [g.cudaErrorInvalidDevice, g.cudaErrorMemoryAllocation,
                                               g.cudaErrorInvalidValue, g.cudaErrorInvalidValue]
    assert [call for _code, call in seen][:2] == ["cudaSetDevice", "cudaMalloc"]


def test_dtype_mismatch_error_lives_with_the_errors():
    import PyGPU._errors as errors

    assert g.DtypeMismatchError is g.gpuarray.DtypeMismatchError is errors.DtypeMismatchError
    assert issubclass(g.DtypeMismatchError, TypeError) and issubclass(g.DtypeMismatchError, ValueError)
    assert g.DtypeMismatchError.__module__ == "PyGPU.gpuarray"  # its public name, in reprs and pickles
    clone = pickle.loads(pickle.dumps(g.DtypeMismatchError("float32 != int32")))
    assert type(clone) is g.DtypeMismatchError and str(clone) == "float32 != int32"


def test_cuda_error_text():
    exc = g.CudaError(1, "cudaErrorInvalidValue", "invalid argument", "size is 0", "cudaMemcpy")
    assert str(exc) == "cudaMemcpy failed: cudaErrorInvalidValue: invalid argument (size is 0)"
    assert str(g.CudaError(1, "cudaErrorInvalidValue", "invalid argument")) == "cudaErrorInvalidValue: invalid argument"
    assert (exc.code, exc.message, exc.call) == (1, "size is 0", "cudaMemcpy")


def test_cuda_error_pickles():
    with pytest.raises(g.CudaError) as info:
        g.cudaFree(0x10).check()
    exc = info.value
    clone = pickle.loads(pickle.dumps(exc))
    assert type(clone) is g.CudaError
    assert (clone.code, clone.name, clone.description, clone.message, clone.call) == (
        exc.code, exc.name, exc.description, exc.message, exc.call)
    assert str(clone) == str(exc)


def test_error_object_pickles():
    err = pickle.loads(pickle.dumps(g.cudaError_t(600)))
    assert err == 600 and err.name == "cudaErrorNotReady"


def test_last_error_is_set_then_reset():
    assert g.cudaGetLastError() == g.cudaSuccess
    assert g.cudaSetDevice(-1) == g.cudaErrorInvalidDevice
    assert g.cudaPeekAtLastError() == g.cudaErrorInvalidDevice
    assert g.cudaPeekAtLastError() == g.cudaErrorInvalidDevice  # peek does not reset
    assert g.cudaGetLastError() == g.cudaErrorInvalidDevice     # get returns ...
    assert g.cudaGetLastError() == g.cudaSuccess                # ... and resets
    assert g.cudaPeekAtLastError() == g.cudaSuccess


def test_last_error_keeps_the_latest_failure():
    g.cudaSetDevice(-1)
    g.cudaFree(0x42)
    assert g.cudaGetLastError() == g.cudaErrorInvalidValue


def test_success_does_not_clear_last_error():
    g.cudaSetDevice(-1)
    assert g.cudaGetDevice()[1] == g.cudaSuccess
    assert g.cudaGetLastError() == g.cudaErrorInvalidDevice


def test_last_error_is_per_thread():
    g.cudaSetDevice(-1)
    seen = []
    t = threading.Thread(target=lambda: seen.append(int(g.cudaGetLastError())))
    t.start()
    t.join()
    assert seen == [0]
    assert g.cudaGetLastError() == g.cudaErrorInvalidDevice


def test_not_ready_is_not_a_last_error(gate):
    stream = g.cudaStream_t()
    gt = gate(stream)
    assert stream.query() == g.cudaErrorNotReady
    assert g.cudaGetLastError() == g.cudaSuccess
    gt.open()
    assert stream.synchronize() == g.cudaSuccess


def test_last_message_explains_the_failure():
    import PyGPU.sim

    g.cudaFree(0x5000)
    assert "0x5000" in PyGPU.sim.last_message()


def test_hip_aliases_are_the_same_objects():
    assert g.hipMalloc is g.cudaMalloc
    assert g.hipMemcpy is g.cudaMemcpy
    assert g.hipHostMalloc is g.cudaMallocHost
    assert g.hipHostFree is g.cudaFreeHost
    assert g.hipError_t is g.cudaError_t
    assert g.hipStream_t is g.cudaStream_t
    assert g.hipMemcpyHostToDevice == g.cudaMemcpyHostToDevice == 1
    assert g.hipSuccess == 0 and g.hipErrorOutOfMemory == 2


@pytest.mark.parametrize("code", [2**31, -(2**31) - 1, 2**70])
def test_error_code_past_int_is_a_value_error(code):
    """Was pybind11's RuntimeError 'Unable to cast'."""
    for call in (g.cudaGetErrorName, g.cudaGetErrorString):
        with pytest.raises(ValueError, match=rf"^error {code} is not an error code \(out of int range\)$"):
            call(code)
