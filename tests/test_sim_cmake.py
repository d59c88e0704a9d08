"""pygpu_add_sim_library, the CMake package's function that builds .cu files
for the simulated device with PyGPU's compiler driver: a small project is
configured and built with it, its executable runs a kernel with no Python
involved, and its library runs on PyGPU's arrays through ctypes; misuse is a
configure error that says what was wrong."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import PyGPU as g
from helpers import driver_wrappers, without_preload

pytestmark = pytest.mark.build  # CMake and the C++ compiler run

# A kernel with a header from INCLUDE_DIRECTORIES and a macro from
# COMPILE_OPTIONS, a launcher for Python, and a self-test for the executable
# (what a user's C++ test of their CUDA code does).
KERNEL = r"""
#include <cuda_runtime.h>
#include <stdio.h>

#include "weights.h"

__global__ void axpb(const float* x, const float* y, float* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = weighted(x[i]) + SHIFT * y[i];
}

extern "C" int axpb_launch(const float* x, const float* y, float* out, int n, void* stream) {
    axpb<<<(n + 127) / 128, 128, 0, static_cast<cudaStream_t>(stream)>>>(x, y, out, n);
    return cudaGetLastError();
}

extern "C" int axpb_selftest(int n) {
    float *x, *y, *out;
    if (cudaMalloc((void**)&x, n * sizeof(float)) || cudaMalloc((void**)&y, n * sizeof(float)) ||
        cudaMalloc((void**)&out, n * sizeof(float)))
        return -1;
    float* host = new float[n];
    for (int i = 0; i < n; ++i) host[i] = static_cast<float>(i);
    cudaMemcpy(x, host, n * sizeof(float), cudaMemcpyHostToDevice);
    cudaMemcpy(y, host, n * sizeof(float), cudaMemcpyHostToDevice);
    const int launched = axpb_launch(x, y, out, n, nullptr);
    const int copied = cudaMemcpy(host, out, n * sizeof(float), cudaMemcpyDeviceToHost);
    int wrong = 0;
    for (int i = 0; i < n; ++i) wrong += host[i] != weighted(static_cast<float>(i)) + SHIFT * i;
    delete[] host;
    cudaFree(x);
    cudaFree(y);
    cudaFree(out);
    printf("launch %d copy %d wrong %d of %d\n", launched, copied, wrong, n);
    return launched || copied ? -2 : wrong;
}
"""

WEIGHTS = "#pragma once\n__host__ __device__ inline float weighted(float v) {{ return {factor}f * v; }}\n"

MAIN = r"""
extern "C" int axpb_selftest(int n);
int main() { return axpb_selftest(1000) == 0 ? 0 : 1; }
"""

PROJECT = """
cmake_minimum_required(VERSION 3.18)
project(sim_cmake LANGUAGES CXX)
find_package(PyGPU CONFIG REQUIRED)
{call}
add_executable(selftest main.cpp)
target_link_libraries(selftest PRIVATE axpb)
"""

GOOD_CALL = ("pygpu_add_sim_library(axpb SOURCES src/axpb.cu INCLUDE_DIRECTORIES include "
             "COMPILE_OPTIONS -DSHIFT=2.0f DEPENDS include/weights.h)")


def _cmake() -> str:
    cmake = shutil.which("cmake")
    if cmake is None:
        pytest.skip("cmake not found")
    return cmake


def _run(args, cwd=None, timeout=300, linked_to_sim=False) -> subprocess.CompletedProcess:
    """A command without the test session's PYGPU_* settings.

    CMake and compilers run without the sanitizer run's preload; a program
    linked to libpygpu_sim (instrumented in that run) keeps it, as Python does.
    """
    env = {k: v for k, v in (os.environ if linked_to_sim else without_preload()).items() if not k.startswith("PYGPU_")}
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def _project(root: Path, call: str = GOOD_CALL, factor: str = "3.0") -> Path:
    (root / "src").mkdir(parents=True)
    (root / "include").mkdir()
    (root / "src" / "axpb.cu").write_text(KERNEL)
    (root / "include" / "weights.h").write_text(WEIGHTS.format(factor=factor))
    (root / "main.cpp").write_text(MAIN)
    (root / "CMakeLists.txt").write_text(PROJECT.format(call=call))
    return root


def _configure(root: Path, build: Path, python: str | None = None) -> subprocess.CompletedProcess:
    wrapped, env = driver_wrappers(root)
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    compiler = [f"-DCMAKE_CXX_COMPILER={env['CXX']}"] if "CXX" in env else []
    return _run([_cmake(), "-S", root, "-B", build, *generator, *compiler, f"-DPyGPU_DIR={g.get_cmake_dir()}",
                 f"-DPython_EXECUTABLE={python or wrapped}"])


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The project, configured and built; returns its build directory."""
    root = _project(tmp_path_factory.mktemp("sim_cmake"))
    build = root / "build"
    _ok(_configure(root, build))
    _ok(_run([_cmake(), "--build", build]))
    return build


def test_the_executable_runs_the_kernel_without_python(built):
    out = _ok(_run([built / "selftest"], linked_to_sim=True))
    assert out == "launch 0 copy 0 wrong 0 of 1000\n"


def test_the_library_runs_on_pygpu_arrays(built):
    lib = ctypes.CDLL(str(built / "libaxpb.so"))
    lib.axpb_launch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    lib.axpb_launch.restype = ctypes.c_int
    x = np.linspace(-1, 1, 777, dtype=np.float32)
    y = np.arange(777, dtype=np.float32)
    x_gpu, y_gpu, out = g.to_gpu(x), g.to_gpu(y), g.zeros(777, np.float32)
    stream = g.cudaStream_t()
    assert lib.axpb_launch(x_gpu.ptr, y_gpu.ptr, out.ptr, 777, int(stream)) == 0
    result = out.get_async(stream=stream)
    stream.synchronize().check()
    np.testing.assert_array_equal(result, np.float32(3.0) * x + np.float32(2.0) * y)


def test_a_changed_header_in_depends_rebuilds(built, tmp_path):
    root = built.parent
    header = root / "include" / "weights.h"
    before = (built / "libaxpb.so").stat().st_mtime_ns
    header.write_text(WEIGHTS.format(factor="5.0"))
    try:
        out = _ok(_run([_cmake(), "--build", built]))
        assert "for PyGPU's simulated device (python -m PyGPU.cc)" in out
        assert (built / "libaxpb.so").stat().st_mtime_ns != before
        result = _run([built / "selftest"], linked_to_sim=True)  # its expectation comes from the header too
        assert result.returncode == 0 and result.stdout == "launch 0 copy 0 wrong 0 of 1000\n", result.stdout
        out = _ok(_run([_cmake(), "--build", built]))
        assert "PyGPU.cc" not in out  # up to date: nothing runs
    finally:
        header.write_text(WEIGHTS.format(factor="3.0"))
        _ok(_run([_cmake(), "--build", built]))


@pytest.mark.parametrize(("call", "message"), [
    ("pygpu_add_sim_library(axpb)", "pygpu_add_sim_library(axpb): no SOURCES given"),
    ("pygpu_add_sim_library(axpb STATIC SOURCES src/axpb.cu)",  # add_library's habit
     "pygpu_add_sim_library(axpb): unknown argument(s) STATIC; expected SOURCES"),
    ("pygpu_add_sim_library(axpb SOURCES src/missing.cu)", "src/missing.cu does not exist"),
    ("add_library(axpb INTERFACE)\npygpu_add_sim_library(axpb SOURCES src/axpb.cu)",
     "pygpu_add_sim_library(axpb): a target named axpb already exists"),
])
def test_misuse_is_a_configure_error(tmp_path, call, message):
    result = _configure(_project(tmp_path / "p", call), tmp_path / "build")
    assert result.returncode != 0
    assert message in " ".join(result.stderr.split()), result.stderr


@pytest.mark.parametrize(("script", "message"), [
    ("echo 'No module named PyGPU' >&2\nexit 1",  # an interpreter without PyGPU
     ("{python} cannot import PyGPU (No module named PyGPU); set Python_EXECUTABLE to the interpreter PyGPU is "
      "installed for")),
    ("echo /elsewhere/PyGPU",  # an interpreter of another PyGPU installation
     ("{python} imports PyGPU from /elsewhere/PyGPU, but this PyGPU CMake package belongs to {package}; "
      "set Python_EXECUTABLE to the interpreter of that installation (or PyGPU_DIR to /elsewhere/PyGPU/cmake)")),
])
def test_an_interpreter_of_another_pygpu_is_refused(tmp_path, script, message):
    python = tmp_path / "python"
    python.write_text(f"#!/bin/sh\n{script}\n")
    python.chmod(0o755)
    result = _configure(_project(tmp_path / "p"), tmp_path / "build", str(python))
    assert result.returncode != 0
    stderr = " ".join(result.stderr.split())
    package = os.path.realpath(Path(g.get_cmake_dir()).parent)
    assert "pygpu_add_sim_library: " + message.format(python=python, package=package) in stderr, stderr
