"""CUDA's host runtime API on the simulated device (include/pygpu/sim/cuda_runtime_api.h):
host code compiled with the system compiler against libpygpu_sim runs on the
same device as PyGPU's Python API, and refuses to run when PyGPU uses another
backend in the process."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import PyGPU as g
import PyGPU.sim
from helpers import run_python, without_preload

pytestmark = pytest.mark.build  # each test runs the C or C++ compiler

LIBRARY = Path(PyGPU.sim.library_path())
SIM_INCLUDE = Path(g.get_include()) / "pygpu" / "sim"


def _compiler(var: str, default: str) -> str:
    found = shutil.which(os.environ.get(var, default))
    if found is None:
        pytest.skip(f"no compiler ({default}, or ${var})")
    return found


def _build(tmp_path: Path, name: str, source: str, *flags: str) -> Path:
    """Compile `source` against the simulated device (-I pygpu/sim, -lpygpu_sim with an rpath)."""
    cxx = _compiler("CXX", "g++")
    src = tmp_path / f"{name}.cpp"
    src.write_text(source)
    out = tmp_path / name
    result = subprocess.run([cxx, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-I", str(SIM_INCLUDE), *flags,
                             str(src), "-o", str(out), "-L", str(LIBRARY.parent), "-lpygpu_sim",
                             f"-Wl,-rpath,{LIBRARY.parent}"],
                            capture_output=True, text=True, timeout=120, env=without_preload(), check=False)
    assert result.returncode == 0, result.stderr
    return out


def test_the_header_is_plain_c(tmp_path):
    gcc = _compiler("CC", "gcc")
    src = tmp_path / "use.c"
    src.write_text('#include <cuda_runtime.h>\n'
                   'int use(void) { struct cudaDeviceProp p; return (int)cudaGetDeviceProperties(&p, 0); }\n')
    result = subprocess.run([gcc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c", "-I",
                             str(SIM_INCLUDE), str(src), "-o", str(tmp_path / "use.o")],
                            capture_output=True, text=True, timeout=120, env=without_preload(), check=False)
    assert result.returncode == 0, result.stderr


PROGRAM = r"""
#include <cuda_runtime.h>
#include <cstdio>
#include <cstring>
#include <vector>

#define SHOW(expr) std::printf("%s = %d\n", #expr, static_cast<int>(expr))

static void mark(void* flag) { *static_cast<int*>(flag) = 42; }

int main() {
    int count = -1, version = -1;
    SHOW(cudaGetDeviceCount(&count));
    SHOW(count);
    SHOW(cudaRuntimeGetVersion(&version));
    SHOW(version == CUDART_VERSION);
    cudaDeviceProp prop;
    SHOW(cudaGetDeviceProperties(&prop, 0));
    SHOW(std::strlen(prop.name) > 0);
    SHOW(prop.warpSize);
    SHOW(prop.maxThreadsDim[0]);

    // memory: a round trip, memset, 2-D copy
    const size_t n = 256;
    std::vector<float> in(n), out(n, -1.0f);
    for (size_t i = 0; i < n; ++i) in[i] = 0.5f * static_cast<float>(i);
    float* d = nullptr;
    SHOW(cudaMalloc(reinterpret_cast<void**>(&d), n * sizeof(float)));
    SHOW(cudaMemcpy(d, in.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    SHOW(cudaMemcpy(out.data(), d, n * sizeof(float), cudaMemcpyDeviceToHost));
    SHOW(out == in);
    unsigned char bytes[8];
    SHOW(cudaMemset(d, 0x7f, 8));
    SHOW(cudaMemcpy(bytes, d, 8, cudaMemcpyDeviceToHost));
    SHOW(bytes[0] == 0x7f && bytes[7] == 0x7f);
    float grid[2][4] = {{1, 2, 3, 4}, {5, 6, 7, 8}}, half[2][2] = {{0, 0}, {0, 0}};
    SHOW(cudaMemcpy2D(d, 2 * sizeof(float), grid, 4 * sizeof(float), 2 * sizeof(float), 2, cudaMemcpyHostToDevice));
    SHOW(cudaMemcpy(half, d, sizeof half, cudaMemcpyDeviceToHost));
    SHOW(half[1][0] == 5.0f && half[1][1] == 6.0f);

    // a stream, an event, a host function
    cudaStream_t s = nullptr;
    cudaEvent_t start = nullptr, stop = nullptr;
    SHOW(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    unsigned int flags = 99;
    SHOW(cudaStreamGetFlags(s, &flags));
    SHOW(flags);
    SHOW(cudaEventCreate(&start));
    SHOW(cudaEventCreateWithFlags(&stop, cudaEventDefault));
    SHOW(cudaEventRecord(start, s));
    std::vector<float> back(n, 0.0f);
    SHOW(cudaMemcpyAsync(back.data(), d + 0, n * sizeof(float), cudaMemcpyDeviceToHost, s));
    int flag = 0;
    SHOW(cudaLaunchHostFunc(s, mark, &flag));
    SHOW(cudaEventRecord(stop, s));
    SHOW(cudaEventSynchronize(stop));
    SHOW(cudaEventQuery(stop));
    SHOW(flag);
    float ms = -1.0f;
    SHOW(cudaEventElapsedTime(&ms, start, stop));
    SHOW(ms >= 0.0f);
    SHOW(cudaStreamSynchronize(s));
    SHOW(cudaMemsetAsync(d, 0, 4, cudaStreamPerThread));
    SHOW(cudaStreamSynchronize(cudaStreamPerThread));
    SHOW(cudaStreamQuery(cudaStreamLegacy));
    SHOW(back[3] == 6.0f && back[4] == 2.0f);
    SHOW(cudaEventDestroy(start));
    SHOW(cudaEventDestroy(stop));
    SHOW(cudaStreamDestroy(s));

    // errors: a copy past the allocation, and CUDA's last-error semantics
    SHOW(cudaMemcpy(out.data(), d, 2 * n * sizeof(float), cudaMemcpyDeviceToHost));
    std::printf("message: %d\n", std::strstr(pygpu_sim_last_message(), "bytes") != nullptr);
    std::printf("%s / %s\n", cudaGetErrorName(cudaPeekAtLastError()), cudaGetErrorString(cudaErrorInvalidValue));
    SHOW(cudaPeekAtLastError());
    SHOW(cudaGetLastError());
    SHOW(cudaGetLastError());
    SHOW(cudaStreamDestroy(reinterpret_cast<cudaStream_t>(0x1234)));
    SHOW(cudaFree(d));
    SHOW(cudaDeviceSynchronize());
    std::printf("%s\n", cudaGetErrorName(static_cast<cudaError_t>(123456)));
    return 0;
}
"""

EXPECTED = """\
cudaGetDeviceCount(&count) = 0
count = 1
cudaRuntimeGetVersion(&version) = 0
version == CUDART_VERSION = 1
cudaGetDeviceProperties(&prop, 0) = 0
std::strlen(prop.name) > 0 = 1
prop.warpSize = 32
prop.maxThreadsDim[0] = 1024
cudaMalloc(reinterpret_cast<void**>(&d), n * sizeof(float)) = 0
cudaMemcpy(d, in.data(), n * sizeof(float), cudaMemcpyHostToDevice) = 0
cudaMemcpy(out.data(), d, n * sizeof(float), cudaMemcpyDeviceToHost) = 0
out == in = 1
cudaMemset(d, 0x7f, 8) = 0
cudaMemcpy(bytes, d, 8, cudaMemcpyDeviceToHost) = 0
bytes[0] == 0x7f && bytes[7] == 0x7f = 1
cudaMemcpy2D(d, 2 * sizeof(float), grid, 4 * sizeof(float), 2 * sizeof(float), 2, cudaMemcpyHostToDevice) = 0
cudaMemcpy(half, d, sizeof half, cudaMemcpyDeviceToHost) = 0
half[1][0] == 5.0f && half[1][1] == 6.0f = 1
cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) = 0
cudaStreamGetFlags(s, &flags) = 0
flags = 1
cudaEventCreate(&start) = 0
cudaEventCreateWithFlags(&stop, cudaEventDefault) = 0
cudaEventRecord(start, s) = 0
cudaMemcpyAsync(back.data(), d + 0, n * sizeof(float), cudaMemcpyDeviceToHost, s) = 0
cudaLaunchHostFunc(s, mark, &flag) = 0
cudaEventRecord(stop, s) = 0
cudaEventSynchronize(stop) = 0
cudaEventQuery(stop) = 0
flag = 42
cudaEventElapsedTime(&ms, start, stop) = 0
ms >= 0.0f = 1
cudaStreamSynchronize(s) = 0
cudaMemsetAsync(d, 0, 4, cudaStreamPerThread) = 0
cudaStreamSynchronize(cudaStreamPerThread) = 0
cudaStreamQuery(cudaStreamLegacy) = 0
back[3] == 6.0f && back[4] == 2.0f = 1
cudaEventDestroy(start) = 0
cudaEventDestroy(stop) = 0
cudaStreamDestroy(s) = 0
cudaMemcpy(out.data(), d, 2 * n * sizeof(float), cudaMemcpyDeviceToHost) = 1
message: 1
cudaErrorInvalidValue / invalid argument
cudaPeekAtLastError() = 1
cudaGetLastError() = 1
cudaGetLastError() = 0
cudaStreamDestroy(reinterpret_cast<cudaStream_t>(0x1234)) = 400
cudaFree(d) = 0
cudaDeviceSynchronize() = 0
unrecognized error code
"""


def test_a_cuda_host_program_runs_on_the_simulated_device(tmp_path):
    exe = _build(tmp_path, "app", PROGRAM)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}
    result = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120, env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == EXPECTED
    assert result.stderr == ""


def test_the_program_reads_the_same_configuration(tmp_path):
    """PYGPU_SIM_DEVICES configures a program as it configures PyGPU."""
    exe = _build(tmp_path, "count", "#include <cuda_runtime.h>\n#include <cstdio>\n"
                 "int main() { int n = 0; int e = cudaGetDeviceCount(&n); std::printf(\"%d %d\\n\", e, n); }\n")
    env = dict({k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}, PYGPU_SIM_DEVICES="3")
    result = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120, env=env, check=False)
    assert (result.returncode, result.stdout) == (0, "0 3\n"), result.stderr


LIBRARY_SOURCE = r"""
#include <cuda_runtime.h>
#include <vector>

extern "C" {
// Writes 3*i into the n ints at `device`, from the host, with CUDA's API.
int write_pattern(void* device, int n) {
    std::vector<int> host(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) host[static_cast<size_t>(i)] = 3 * i;
    return cudaMemcpy(device, host.data(), host.size() * sizeof(int), cudaMemcpyHostToDevice);
}
int allocate(void** device, size_t bytes) { return cudaMalloc(device, bytes); }
int release(void* device) { return cudaFree(device); }
int bad_copy(void* device) { return cudaMemcpy(nullptr, device, 4, cudaMemcpyDeviceToHost); }
int peek(void) { return cudaPeekAtLastError(); }
const char* message(void) { return pygpu_sim_last_message(); }
}
"""


@pytest.fixture
def user_library(tmp_path):
    path = _build(tmp_path, "libuser.so", LIBRARY_SOURCE, "-shared", "-fPIC")
    lib = ctypes.CDLL(str(path))
    lib.allocate.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_size_t]
    lib.write_pattern.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.release.argtypes = lib.bad_copy.argtypes = [ctypes.c_void_p]
    lib.message.restype = ctypes.c_char_p
    return lib


def test_a_library_sees_pythons_device_memory(user_library):
    """cudaMalloc in Python, cudaMemcpy in the library, the data read back in Python."""
    if g.backend != "sim":
        pytest.skip("the simulated device is not the active backend")
    ptr, err = g.cudaMalloc(64 * 4)
    assert err.code == 0
    try:
        assert user_library.write_pattern(int(ptr), 64) == 0
        out = np.zeros(64, dtype=np.int32)
        assert g.cudaMemcpy(out, ptr, out.nbytes, g.cudaMemcpyDeviceToHost).code == 0
        np.testing.assert_array_equal(out, 3 * np.arange(64, dtype=np.int32))
        # A copy past Python's allocation is refused by the library as by Python.
        assert user_library.write_pattern(int(ptr), 65) == 1
        assert g.cudaGetLastError().code == 1
    finally:
        assert g.cudaFree(ptr).code == 0


def test_pythons_device_sees_a_librarys_allocation(user_library):
    if g.backend != "sim":
        pytest.skip("the simulated device is not the active backend")
    device = ctypes.c_void_p()
    assert user_library.allocate(ctypes.byref(device), 128) == 0
    assert any(a["address"] == device.value and a["size"] == 128 for a in PyGPU.sim.allocations())
    data = np.arange(32, dtype=np.float32)
    assert g.cudaMemcpy(device.value, data, data.nbytes, g.cudaMemcpyHostToDevice).code == 0
    assert user_library.release(device.value) == 0
    assert not any(a["address"] == device.value for a in PyGPU.sim.allocations())
    # Freed by the library: Python's free of the same address is an error now.
    assert g.cudaFree(device.value).code == 1
    assert g.cudaGetLastError().code == 1


def test_python_and_the_library_share_the_last_error(user_library):
    if g.backend != "sim":
        pytest.skip("the simulated device is not the active backend")
    assert g.cudaGetLastError().code == 0
    ptr, err = g.cudaMalloc(16)
    assert err.code == 0
    try:
        assert user_library.bad_copy(int(ptr)) == 1  # the library's failure ...
        assert g.cudaPeekAtLastError().code == 1  # ... is Python's last error
        assert user_library.message().decode() == PyGPU.sim.last_message() != ""
        assert g.cudaGetLastError().code == 1
        assert user_library.peek() == 0  # reset by Python's cudaGetLastError
        assert g.cudaFree(12345).code == 1  # Python's failure ...
        assert user_library.peek() == 1  # ... is the library's last error
        assert g.cudaGetLastError().code == 1
    finally:
        assert g.cudaFree(ptr).code == 0


@pytest.mark.parametrize("backend", ["cuda", "hip"])
def test_host_code_is_refused_when_python_uses_another_backend(tmp_path, backend):
    if backend not in g.built_backends:
        pytest.skip(f"backend {backend} was not built")
    path = _build(tmp_path, "libuser.so", LIBRARY_SOURCE, "-shared", "-fPIC")
    code = ("import ctypes, sys, PyGPU\n"
            f"lib = ctypes.CDLL({str(path)!r})\n"
            "lib.message.restype = ctypes.c_char_p\n"
            "p = ctypes.c_void_p()\n"
            "print(PyGPU.backend, lib.allocate(ctypes.byref(p), ctypes.c_size_t(16)), lib.allocate(ctypes.byref(p),"
            " ctypes.c_size_t(16)), lib.peek(), p.value)\n"
            "print(lib.message().decode())\n")
    result = run_python(code, PYGPU_BACKEND=backend)
    assert result.returncode == 0, result.stderr
    first, message = result.stdout.splitlines()
    assert first == f"{backend} 801 801 801 None"
    assert message.startswith("cudaMalloc: PyGPU is imported in this process with another backend than the "
                              "simulated device (cuda or hip)"), message
    assert "PYGPU_BACKEND=sim" in message
    # Said once on stderr, not once per call.
    assert result.stderr.count("PyGPU simulated device: cudaMalloc: PyGPU is imported") == 1, result.stderr


def test_host_code_without_pygpu_is_served(tmp_path):
    """ctypes without `import PyGPU`: the library has the simulated device to itself."""
    path = _build(tmp_path, "libuser.so", LIBRARY_SOURCE, "-shared", "-fPIC")
    code = ("import ctypes, sys\n"
            f"lib = ctypes.CDLL({str(path)!r})\n"
            "p = ctypes.c_void_p()\n"
            "print(lib.allocate(ctypes.byref(p), ctypes.c_size_t(16)), p.value is not None, lib.release(p),"
            " 'PyGPU' in sys.modules)\n")
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "0 True 0 False\n"
