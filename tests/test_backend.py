"""Backend choice, the backend interface version check, and the real CUDA and HIP
backends answering with their own codes when no GPU is present."""

from __future__ import annotations

import ctypes
import os
import sys

import pytest

import PyGPU as g
from helpers import run_python
from PyGPU import _core


def test_active_backend_is_sim():
    assert g.backend == "sim" and _core._backend_name() == "sim"
    assert "sim" in g.built_backends


def test_expected_backends_were_built():
    expected = os.environ.get("PYGPU_EXPECT_BACKENDS")
    if not expected:
        pytest.skip("PYGPU_EXPECT_BACKENDS not set (CI sets it)")
    assert set(g.built_backends) == set(expected.split(","))


def test_version():
    import importlib.metadata

    assert g.__version__ == importlib.metadata.version("PyGPU")


def test_auto_without_gpu_falls_back_to_sim():
    result = run_python("import PyGPU; print(PyGPU.backend)", PYGPU_BACKEND="auto")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sim"
    result = run_python("import PyGPU; print(PyGPU.backend)")  # auto is the default
    assert result.stdout.strip() == "sim"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the /dev/kfd rule is Linux's")
def test_auto_loads_hip_only_where_an_amd_gpu_driver_is():
    # Without /dev/kfd (no AMD GPU driver) the HIP runtime cannot see a device,
    # so auto does not pay for loading it; where the driver is, it is probed.
    code = "import sys, PyGPU; print('PyGPU._backend_hip' in sys.modules, PyGPU.backend)"
    result = run_python(code, PYGPU_BACKEND="auto")
    assert result.returncode == 0, result.stderr
    loaded, backend = result.stdout.split()
    assert loaded == str("hip" in g.built_backends and os.path.exists("/dev/kfd"))
    assert backend in ("sim", "cuda", "hip")
    from PyGPU import _backend

    assert _backend._may_see_devices("cuda")
    assert _backend._may_see_devices("hip") == os.path.exists("/dev/kfd")


@pytest.mark.parametrize("name", ["opencl", "SIMX"])
def test_unknown_backend_is_an_import_error(name):
    result = run_python("import PyGPU", PYGPU_BACKEND=name)
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "no backend of that name" in result.stderr


def test_backend_not_built_is_an_import_error():
    missing = [b for b in ("cuda", "hip") if b not in g.built_backends]
    if not missing:
        pytest.skip("every backend was built")
    result = run_python("import PyGPU", PYGPU_BACKEND=missing[0])
    assert "ImportError" in result.stderr and "it was not built" in result.stderr


def _capsule(abi_version: int, struct_size: int):
    raw = (ctypes.c_uint32 * 64)(abi_version, struct_size)
    new = ctypes.pythonapi.PyCapsule_New
    new.restype = ctypes.py_object
    new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    name = ctypes.c_char_p(b"pygpu.backend")
    return new(ctypes.addressof(raw), name, None), (raw, name)


def test_backend_with_other_interface_version_is_refused():
    capsule, keep = _capsule(_core.BACKEND_ABI_VERSION + 1, 64)
    with pytest.raises(ImportError, match=f"interface version {_core.BACKEND_ABI_VERSION + 1}.*reinstall"):
        _core._activate(capsule)
    with pytest.raises(ImportError, match="interface version"):
        _core._probe(capsule)
    del keep


def test_backend_of_the_previous_interface_version_is_refused():
    """A version-2 backend (before the stream-ordered allocation rows) left over by an old install."""
    assert _core.BACKEND_ABI_VERSION == 3
    capsule, keep = _capsule(2, 456)
    with pytest.raises(ImportError, match=r"interface version 2 \(456 bytes\), but PyGPU._core expects version 3"):
        _core._activate(capsule)
    del keep


def test_non_capsule_is_refused():
    with pytest.raises(ImportError, match="not a backend table"):
        _core._activate(object())


def test_second_backend_cannot_be_activated():
    if "cuda" not in g.built_backends:
        pytest.skip("CUDA backend not built")
    import PyGPU._backend_cuda as cuda

    with pytest.raises(RuntimeError, match="already active"):
        _core._activate(cuda.table)


GPU_CHECK = """
import PyGPU as g
count, err = g.cudaGetDeviceCount()
print(g.backend, count, int(err), err.name)
ptr, err = g.cudaMalloc(1024)
print(ptr, int(err), err.name)
print(int(g.cudaGetLastError()) != 0)
s, err = g.cudaStreamCreate()
print(s, int(err))
print(g.cudaRuntimeGetVersion()[0] > 0)
"""


def _gpu_backend(name):
    if name not in g.built_backends:
        pytest.skip(f"backend {name} was not built")
    result = run_python(GPU_CHECK, PYGPU_BACKEND=name)
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\n")


def test_cuda_backend_answers_with_its_own_codes():
    lines = _gpu_backend("cuda")
    backend, _count, code, name = lines[0].split()
    assert backend == "cuda"
    if code == "0":
        pytest.skip("a CUDA device is present: this test is for machines without one")
    assert (int(code), name) in {(35, "cudaErrorInsufficientDriver"), (100, "cudaErrorNoDevice")}
    assert lines[1].startswith("None ") and int(lines[1].split()[1]) in (35, 100)
    assert lines[2] == "True"
    assert lines[3].startswith("None ")
    assert lines[4] == "True"


def test_hip_backend_answers_with_its_own_codes():
    lines = _gpu_backend("hip")
    backend, _count, code, name = lines[0].split()
    assert backend == "hip"
    if code == "0":
        pytest.skip("a HIP device is present: this test is for machines without one")
    assert (int(code), name) == (100, "hipErrorNoDevice")
    assert lines[1].startswith("None ") and lines[1].split()[2].startswith("hipError")
    assert lines[2] == "True"
    assert lines[3].startswith("None ")


def test_probe_reports_gpu_backends_without_activating():
    from PyGPU import _backend

    for name in ("cuda", "hip"):
        if name in g.built_backends:
            count, code, err_name = _backend.probe(name)
            assert count == 0 and code != 0 and err_name.startswith(name)
    assert g.backend == "sim"
