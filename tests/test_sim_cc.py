"""The compiler driver for the simulated device: PyGPU.sim.compile, pygpu-cc / python -m PyGPU.cc, the glue
header (include/pygpu/sim/kernel/launch.h), the compile cache, and the error cases."""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import PyGPU as g
import PyGPU.sim
from helpers.processes import run_python, without_preload
from PyGPU.sim import CompileError

pytestmark = [pytest.mark.build,  # each test runs the C++ compiler
              pytest.mark.skipif(g.backend != "sim", reason="the simulated device is not the active backend")]


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One compile cache for the module's tests (its precompiled prelude is built once)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def compile_env(shared_cache, monkeypatch):
    """The module's cache. (In the sanitizer run the driver itself keeps the ASan preload away from the
    compiler, host.compiler_env; Python and the programs built here need it, so they keep the environment.)"""
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(shared_cache))
    monkeypatch.delenv("PYGPU_CACHE", raising=False)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A cache of the test's own."""
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def ptr(a) -> ctypes.c_void_p:
    return ctypes.c_void_p(int(a.gpudata))


def load(source: str, *options: str):
    return PyGPU.sim.load_library(PyGPU.sim.compile(source, options=options))


VADD = r"""
__global__ void vadd(const float* a, const float* b, float* c, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = a[i] + b[i];
}
extern "C" int run(const float* a, const float* b, float* c, int n) {
    vadd<<<(n + 255) / 256, 256>>>(a, b, c, n);
    return (int)cudaDeviceSynchronize();
}
"""


def test_a_vector_add_on_pythons_memory():
    """Loop mode (no barrier): a library loaded with ctypes after import PyGPU, on memory PyGPU allocated."""
    lib = load(VADD)
    n = 100_003
    a = g.to_gpu(np.arange(n, dtype=np.float32))
    b = g.to_gpu(np.full(n, 0.5, dtype=np.float32))
    c = g.zeros(n, dtype=np.float32)
    assert lib.run(ptr(a), ptr(b), ptr(c), n) == 0
    np.testing.assert_array_equal(c.get(), np.arange(n, dtype=np.float32) + 0.5)


REDUCE = r"""
#define THREADS 128
__device__ void tree(float* s) {
    for (unsigned step = blockDim.x / 2; step > 0; step /= 2) {
        if (threadIdx.x < step) s[threadIdx.x] += s[threadIdx.x + step];
        __syncthreads();
    }
}
__global__ void block_sum(const float* in, float* out, int n) {
    __shared__ float partial[THREADS];
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    partial[threadIdx.x] = i < n ? in[i] : 0.0f;
    __syncthreads();
    tree(partial);
    if (threadIdx.x == 0) out[blockIdx.x] = partial[0];
}
extern "C" int run(const float* in, float* out, int n) {
    block_sum<<<(n + THREADS - 1) / THREADS, THREADS>>>(in, out, n);
    return (int)cudaDeviceSynchronize();
}
"""


def test_a_shared_memory_block_reduction_with_barriers():
    """Fibers (the barrier is in a device function the kernel calls), static __shared__."""
    lib = load(REDUCE)
    n = 1000
    x = np.arange(n, dtype=np.float32) % 7
    out = g.zeros(8, dtype=np.float32)
    assert lib.run(ptr(g.to_gpu(x)), ptr(out), n) == 0
    np.testing.assert_array_equal(out.get(), [x[k * 128:(k + 1) * 128].sum() for k in range(8)])


TEMPLATES = r"""
template <typename T, int K>
__global__ void scale(T* p, T f, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) p[i] = p[i] * f + T(K);
}
extern "C" int run_f(float* p, int n) {
    scale<float, 1><<<(n + 63) / 64, 64>>>(p, 2.0f, n);
    return cudaGetLastError();
}
extern "C" int run_i(int* p, int n) {
    scale<int, 3><<<dim3((n + 63) / 64), dim3(64), 0, 0>>>(p, 10, n);
    return cudaGetLastError();
}
"""


def test_templates_launched_with_the_chevrons():
    lib = load(TEMPLATES)
    f = g.to_gpu(np.arange(100, dtype=np.float32))
    i = g.to_gpu(np.arange(100, dtype=np.int32))
    assert lib.run_f(ptr(f), 100) == 0
    assert lib.run_i(ptr(i), 100) == 0
    assert g.cudaDeviceSynchronize().code == 0
    np.testing.assert_array_equal(f.get(), np.arange(100, dtype=np.float32) * 2 + 1)
    np.testing.assert_array_equal(i.get(), np.arange(100) * 10 + 3)


LAUNCH_KERNEL = r"""
__global__ void fill(int* p, int v, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) p[i] = v + i;
}
extern "C" int run(int* p, int v, int n) {
    void* args[] = {&p, &v, &n};
    cudaError_t e = cudaLaunchKernel((void*)fill, dim3((n + 31) / 32), dim3(32), args, 0, 0);
    if (e != cudaSuccess) return e;
    return cudaLaunchKernel(fill, dim3(1), dim3(1), args);  // the C++ overload
}
"""


def test_cuda_launch_kernel_finds_kernels_registered_at_load():
    lib = load(LAUNCH_KERNEL)
    p = g.zeros(70, dtype=np.int32)
    assert lib.run(ptr(p), 5, 70) == 0
    assert g.cudaDeviceSynchronize().code == 0
    np.testing.assert_array_equal(p.get(), 5 + np.arange(70))


CONSTANT = r"""
__constant__ float coef[4];
__device__ int calls = 0;
__global__ void poly(const float* x, float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = coef[0] + x[i] * (coef[1] + x[i] * (coef[2] + x[i] * coef[3]));
    if (i == 0) calls += 1;
}
extern "C" int set(const float* c) { return cudaMemcpyToSymbol(coef, c, sizeof coef); }
extern "C" int run(const float* x, float* y, int n) {
    poly<<<(n + 127) / 128, 128>>>(x, y, n);
    return cudaDeviceSynchronize();
}
extern "C" int get_calls(int* out) { return cudaMemcpyFromSymbol(out, calls, sizeof(int)); }
"""


def test_constant_memory_and_device_variables():
    lib = load(CONSTANT)
    coef = np.array([1, 2, 3, 4], dtype=np.float32)
    assert lib.set(coef.ctypes.data_as(ctypes.c_void_p)) == 0
    x = np.linspace(-1, 1, 300, dtype=np.float32)
    y = g.zeros(300, dtype=np.float32)
    assert lib.run(ptr(g.to_gpu(x)), ptr(y), 300) == 0
    assert lib.run(ptr(g.to_gpu(x)), ptr(y), 300) == 0
    np.testing.assert_allclose(y.get(), 1 + x * (2 + x * (3 + x * 4)), rtol=1e-6)
    calls = ctypes.c_int(-1)
    assert lib.get_calls(ctypes.byref(calls)) == 0
    assert calls.value == 2


DYNAMIC = r"""
__global__ void reverse(int* d, int n) {
    extern __shared__ int s[];
    int t = threadIdx.x;
    s[t] = d[t];
    __syncthreads();
    d[t] = s[n - t - 1];
}
extern "C" int run(int* d, int n) {
    reverse<<<1, n, n * sizeof(int)>>>(d, n);
    return cudaDeviceSynchronize();
}
"""


def test_dynamic_shared_memory():
    lib = load(DYNAMIC)
    d = g.to_gpu(np.arange(64, dtype=np.int32))
    assert lib.run(ptr(d), 64) == 0
    np.testing.assert_array_equal(d.get(), np.arange(64)[::-1])


def test_an_error_in_a_loop_kernel_names_its_thread():
    """The loop entry keeps the engine's thread index current: a failed assert names block and thread."""
    lib = load(r"""
#include <cassert>
__global__ void check(int bad) { assert(blockIdx.x * blockDim.x + threadIdx.x != (unsigned)bad); }
extern "C" int run(int bad) { check<<<4, 64>>>(bad); return cudaDeviceSynchronize(); }
""")
    assert lib.run(2 * 64 + 37) == 710  # cudaErrorAssert
    message = PyGPU.sim.last_message()
    assert "kernel 'check': block (2,0,0), thread (37,0,0)" in message, message
    PyGPU.sim.reset()


def test_force_fibers_gives_the_same_result():
    lib = load(VADD, "--sim-fibers")
    a = g.to_gpu(np.ones(1000, dtype=np.float32))
    c = g.zeros(1000, dtype=np.float32)
    assert lib.run(ptr(a), ptr(a), ptr(c), 1000) == 0
    np.testing.assert_array_equal(c.get(), np.full(1000, 2, dtype=np.float32))


HIP = r"""
#include <hip/hip_runtime.h>
template <typename T>
__global__ void axpy(T a, const T* x, T* y, int n) {
    int i = hipBlockIdx_x * hipBlockDim_x + hipThreadIdx_x;
    if (i < n) y[i] += a * x[i];
}
extern "C" int run(const float* x, float* y, int n) {
    hipLaunchKernelGGL(HIP_KERNEL_NAME(axpy<float>), dim3((n + 127) / 128), dim3(128), 0, 0, 3.0f, x, y, n);
    return hipDeviceSynchronize();
}
"""


def test_a_hip_source(tmp_path):
    """A .hip file: hip/hip_runtime.h, a template kernel launched by hipLaunchKernelGGL."""
    (tmp_path / "axpy.hip").write_text(HIP)
    lib = PyGPU.sim.load_library(PyGPU.sim.compile(files=[tmp_path / "axpy.hip"]))
    x = g.to_gpu(np.arange(300, dtype=np.float32))
    y = g.to_gpu(np.ones(300, dtype=np.float32))
    assert lib.run(ptr(x), ptr(y), 300) == 0
    np.testing.assert_array_equal(y.get(), 1 + 3 * np.arange(300, dtype=np.float32))


# ----------------------------------------------------------- executables

MAIN = r"""
#include <cstdio>
#include <vector>
__global__ void square(int* p, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) p[i] = p[i] * p[i];
}
int main() {
    const int n = 1000;
    std::vector<int> h(n);
    for (int i = 0; i < n; ++i) h[i] = i - SHIFT;
    int* d = nullptr;
    if (cudaMalloc((void**)&d, n * sizeof(int)) != cudaSuccess) return 2;
    cudaMemcpy(d, h.data(), n * sizeof(int), cudaMemcpyHostToDevice);
    square<<<(n + 255) / 256, 256>>>(d, n);
    cudaMemcpy(h.data(), d, n * sizeof(int), cudaMemcpyDeviceToHost);
    long long sum = 0;
    for (int v : h) sum += v;
    std::printf("sum %lld err %d\n", sum, (int)cudaGetLastError());
    return cudaFree(d);
}
"""


def run_cc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "PyGPU.cc", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=dict(os.environ), check=False)


def test_an_executable_runs_with_no_python(tmp_path):
    (tmp_path / "main.cu").write_text(MAIN)
    built = run_cc("-o", "app", "-DSHIFT=500", "main.cu", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    ran = subprocess.run([str(tmp_path / "app")], capture_output=True, text=True, timeout=120, env=env, check=False)
    assert ran.returncode == 0, ran.stderr
    expected = sum((i - 500) ** 2 for i in range(1000))
    assert ran.stdout == f"sum {expected} err 0\n"


TYPED_ALLOCATIONS = r"""
#include <cstdio>
#include <cuda_runtime.h>
__global__ void iota(int* p) { p[threadIdx.x] = 3 * threadIdx.x; }
int main() {
    int* d;       // CUDA's template overloads: no (void**) cast
    double* h;
    float* pinned;
    if (cudaMalloc(&d, 64 * sizeof(int)) != cudaSuccess) return 1;
    if (cudaMallocHost(&h, 8 * sizeof(double)) != cudaSuccess) return 2;
    if (cudaHostAlloc(&pinned, 16 * sizeof(float), cudaHostAllocDefault) != cudaSuccess) return 3;
    iota<<<1, 64>>>(d);
    int out[64];
    cudaMemcpy(out, d, sizeof out, cudaMemcpyDeviceToHost);
    std::printf("%d %d %d\n", out[0], out[63], cudaFree(d) | cudaFreeHost(h) | cudaFreeHost(pinned));
    return 0;
}
"""


def test_typed_allocation_overloads(tmp_path):
    (tmp_path / "main.cu").write_text(TYPED_ALLOCATIONS)
    built = run_cc("-o", "app", "main.cu", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    ran = subprocess.run([str(tmp_path / "app")], capture_output=True, text=True, timeout=120, env=dict(os.environ),
                         check=False)
    assert (ran.returncode, ran.stdout) == (0, "0 189 0\n"), ran.stderr


def test_objects_then_a_link(tmp_path):
    """-c per source, then the objects linked by the driver (kernel in one file, launch in the other)."""
    (tmp_path / "k.cu").write_text("__global__ void inc(int* p) { p[threadIdx.x] += 1; }\n")
    (tmp_path / "main.cu").write_text(
        "#include <cstdio>\n__global__ void inc(int* p);\n"
        "int main() { int* d; cudaMalloc((void**)&d, 32 * sizeof(int)); cudaMemset(d, 0, 32 * sizeof(int));\n"
        "  inc<<<1, 32>>>(d); inc<<<1, 32>>>(d); int h[32]; cudaMemcpy(h, d, sizeof h, cudaMemcpyDeviceToHost);\n"
        "  std::printf(\"%d %d\\n\", h[0], h[31]); return 0; }\n")
    assert run_cc("-c", "k.cu", "main.cu", cwd=tmp_path).returncode == 0
    assert (tmp_path / "k.o").is_file() and (tmp_path / "main.o").is_file()
    linked = run_cc("-o", "app", "k.o", "main.o", cwd=tmp_path)
    assert linked.returncode == 0, linked.stderr
    ran = subprocess.run([str(tmp_path / "app")], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ), check=False)
    assert (ran.returncode, ran.stdout) == (0, "2 2\n")


def test_a_shared_library_from_the_command_line_loads_after_import(tmp_path):
    (tmp_path / "vadd.cu").write_text(VADD)
    built = run_cc("-shared", "-o", "libvadd.so", "-O2", "-arch=sm_80", "vadd.cu", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    lib = PyGPU.sim.load_library(tmp_path / "libvadd.so")
    a = g.to_gpu(np.arange(10, dtype=np.float32))
    c = g.zeros(10, dtype=np.float32)
    assert lib.run(ptr(a), ptr(a), ptr(c), 10) == 0
    np.testing.assert_array_equal(c.get(), 2 * np.arange(10, dtype=np.float32))


# ------------------------------------------------------------------ flags

FLAG_SOURCE = r"""
#include "value.h"
__global__ void put(int* p) { p[0] = VALUE + EXTRA; }
extern "C" int run(int* p) { put<<<1, 1>>>(p); return cudaDeviceSynchronize(); }
"""


@pytest.mark.parametrize(("flags", "expected"), [
    ([], 7),
    (["-DEXTRA=5"], 12), (["-D", "EXTRA=5"], 12), (["--define-macro=EXTRA=5"], 12),
    (["-Xcompiler", "-DEXTRA=2,-Wall"], 9), (["-Xcompiler=-DEXTRA=2"], 9),
    (["-UEXTRA", "-DEXTRA=1"], 8),
    (["-O0"], 7), (["-O1"], 7), (["-O2"], 7), (["-O3"], 7), (["-g"], 7), (["-G"], 7), (["-lineinfo"], 7),
    (["-std=c++17"], 7), (["-std=c++20"], 7), (["--std", "c++17"], 7),
    (["-x", "cu"], 7), (["-arch=sm_80"], 7), (["-arch", "sm_90"], 7), (["-gencode", "arch=compute_80,code=sm_80"], 7),
    (["-code=sm_80"], 7), (["--expt-relaxed-constexpr"], 7), (["--extended-lambda"], 7), (["--use_fast_math"], 7),
    (["-m64"], 7), (["-rdc=true"], 7), (["-Xptxas", "-v"], 7), (["-maxrregcount=32"], 7), (["-w"], 7),
    (["-Xlinker", "--no-undefined"], 7), (["-lm"], 7), (["-L", "/usr/lib"], 7), (["-l", "m"], 7),
])
def test_each_accepted_flag(tmp_path, flags, expected):
    inc = tmp_path / "inc"
    inc.mkdir()
    (inc / "value.h").write_text("#define VALUE 7\n#ifndef EXTRA\n#define EXTRA 0\n#endif\n")
    path = PyGPU.sim.compile(FLAG_SOURCE, options=["-I", str(inc), *flags])
    lib = PyGPU.sim.load_library(path)
    p = g.zeros(1, dtype=np.int32)
    assert lib.run(ptr(p)) == 0
    assert p.get()[0] == expected


@pytest.mark.parametrize(("flags", "message"), [
    (["-std=c++14"], "-std=c++14: the simulated device's headers need C++17 or later (-std=c++17 or -std=c++20)"),
    (["-E"], "-E: preprocessing only is not supported"),
    (["-ptx"], "-ptx: there is no PTX on the simulated device"),
    (["-dlink"], "-dlink: no device link step is needed on the simulated device"),
    (["-x", "c"], "-x c: the simulated device compiles CUDA and HIP C++"),
    (["-fopenmp"], "unknown option '-fopenmp' (options for the C++ compiler go through -Xcompiler"),
    (["-c", "-shared"], "-c and -shared together"),
    (["-o"], "-o needs a value"),
    (["k.txt"], "'k.txt': unknown kind of input"),
])
def test_refused_flags_say_why(tmp_path, flags, message):
    (tmp_path / "k.cu").write_text("__global__ void k() {}\n")
    r = run_cc("k.cu", *flags, cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.startswith(f"pygpu-cc: error: {message}"), r.stderr


def test_version_help_and_dryrun(tmp_path):
    r = run_cc("--version", cwd=tmp_path)
    assert (r.returncode, r.stdout.startswith(f"pygpu-cc {g.__version__} ")) == (0, True)
    r = run_cc("--help", cwd=tmp_path)
    assert r.returncode == 0 and "-Xcompiler" in r.stdout
    (tmp_path / "k.cu").write_text("__global__ void k() {}\n")
    r = run_cc("--dryrun", "-shared", "-o", "k.so", "k.cu", cwd=tmp_path)
    assert r.returncode == 0 and re.search(r"^#\$ \S+ -std=c\+\+17 ", r.stderr, re.MULTILINE)
    assert not (tmp_path / "k.so").exists()


def test_the_console_script_is_installed():
    script = Path(sys.executable).parent / "pygpu-cc"
    if not script.exists():
        pytest.skip("pygpu-cc is not beside this interpreter (PyGPU not installed in this environment)")
    r = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0 and r.stdout.startswith("pygpu-cc ")


def test_compile_argument_errors():
    with pytest.raises(ValueError, match="nothing to compile"):
        PyGPU.sim.compile()
    with pytest.raises(ValueError, match="kind must be one of"):
        PyGPU.sim.compile("int x;", kind="static")
    with pytest.raises(ValueError, match="give the output as output="):
        PyGPU.sim.compile("int x;", options=["-o", "x.so"])
    with pytest.raises(ValueError, match="inputs are given by"):
        PyGPU.sim.compile("int x;", options=["other.cu"])
    with pytest.raises(TypeError, match="options must be a sequence"):
        PyGPU.sim.compile("int x;", options="-O2")


# ------------------------------------------------------------------ errors

def test_an_unsupported_construct_names_it_and_its_line(tmp_path):
    src = tmp_path / "bad.cu"
    src.write_text("// line 1\n__managed__ int m;\n__global__ void k() { asm(\"exit;\"); }\n")
    with pytest.raises(CompileError) as info:
        PyGPU.sim.compile(files=[src])
    assert str(info.value).splitlines() == [
        (f"{src}:2: error: managed memory (__managed__) is not supported on the simulated device; allocate with "
        f"cudaMallocManaged or cudaMalloc and copy"),
        f"{src}:3: error: asm: inline assembly (PTX) is not supported on the simulated device"]
    r = run_cc("-shared", "bad.cu", cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.startswith("bad.cu:2: error: managed memory")


def test_compiler_errors_point_at_the_users_lines(tmp_path):
    src = tmp_path / "typo.cu"
    src.write_text("__global__ void k(int* p) {\n  __shared__ int s[4];\n  p[0] = s[0] + undeclared_name;\n}\n")
    with pytest.raises(CompileError) as info:
        PyGPU.sim.compile(files=[src])
    assert re.search(rf"{re.escape(str(src))}:3:\d+: error: .undeclared_name. was not declared", info.value.log)


def test_a_missing_compiler_says_to_set_cxx(monkeypatch):
    monkeypatch.setenv("CXX", "/nonexistent/g++")
    with pytest.raises(CompileError, match=r"no C\+\+ compiler: '/nonexistent/g\+\+' \(CXX\) was not found; "
                                           r"set CXX to a C\+\+17 compiler"):
        PyGPU.sim.compile(VADD)


def test_a_library_for_another_kernel_abi_refuses_to_load(tmp_path):
    src = tmp_path / "v3.cpp"
    src.write_text("extern \"C\" { extern const unsigned int pygpu_sim_kernel_abi_v3; "
                   "unsigned version() { return pygpu_sim_kernel_abi_v3; } }\n")
    lib = tmp_path / "libv3.so"
    libdir = os.path.dirname(PyGPU.sim.library_path())
    subprocess.run(["c++", "-shared", "-fPIC", str(src), "-o", str(lib), f"-L{libdir}", "-lpygpu_sim"],
                   check=True, env=without_preload(), timeout=120)
    with pytest.raises(OSError, match="kernel ABI version 3") as info:
        PyGPU.sim.load_library(lib)
    assert str(info.value) == (f"{lib} was built for the simulated device's kernel ABI version 3, but this PyGPU "
                               f"({g.__version__}) implements version 2: rebuild it with this PyGPU's pygpu-cc or "
                               f"PyGPU.sim.compile")


def test_the_abi_version_matches_the_header():
    header = (Path(g.get_include()) / "pygpu" / "sim" / "launch.h").read_text()
    assert f"#define PYGPU_SIM_KERNEL_ABI_VERSION {PyGPU.sim.KERNEL_ABI_VERSION}\n" in header


# ------------------------------------------------------------------- cache

def test_the_cache_cold_then_warm(cache_dir):
    PyGPU.sim.compile("int unrelated;")  # the compiler's identity is cached; the prelude not yet precompiled
    t0 = time.perf_counter()
    cold = PyGPU.sim.compile(VADD)
    t1 = time.perf_counter()
    warm = PyGPU.sim.compile(VADD)
    t2 = time.perf_counter()
    assert warm == cold and cold.startswith(str(cache_dir))
    assert t2 - t1 < 0.25 < t1 - t0 or t2 - t1 < (t1 - t0) / 5  # timing targets are benchmarked in bench/


def test_a_second_process_reuses_the_cache(cache_dir):
    first = PyGPU.sim.compile(VADD)
    mtime = os.stat(first).st_mtime_ns
    code = f"import PyGPU.sim; print(PyGPU.sim.compile({VADD!r}))"
    r = run_python(code, PYGPU_CACHE_DIR=str(cache_dir), CXX="c++")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == first and os.stat(first).st_mtime_ns == mtime


def test_the_prelude_is_precompiled_by_the_compile_after_the_first_three(cache_dir):
    """A first use with an empty cache is one plain compile; the precompiled prelude (per compiler and options)
    comes with the compile after PCH_AFTER plain ones, is used from then on and is no dependency of a kernel."""
    from PyGPU._compile import host

    def precompiled() -> int:
        return len(list((cache_dir / "v1" / "pch").glob("*/prelude.h.gch")))

    for i in range(host.PCH_AFTER):
        path = PyGPU.sim.compile(f"{VADD}int plain_{i};")
        assert precompiled() == 0
    path = PyGPU.sim.compile(VADD)
    assert precompiled() == 1 and (Path(path).parent / "deps.json").read_text() == "{}"
    uses = list((cache_dir / "v1" / "pch").glob("*.uses"))
    assert len(uses) == 1 and uses[0].read_bytes() == b"." * (host.PCH_AFTER + 1)
    PyGPU.sim.compile(f"{VADD}int with_the_pch;")  # includes the precompiled prelude: counted no more
    assert uses[0].read_bytes() == b"." * (host.PCH_AFTER + 1)
    lib = PyGPU.sim.load_library(path)
    a = g.to_gpu(np.arange(5, dtype=np.float32))
    c = g.zeros(5, dtype=np.float32)
    assert lib.run(ptr(a), ptr(a), ptr(c), 5) == 0
    np.testing.assert_array_equal(c.get(), 2 * np.arange(5, dtype=np.float32))
    for i in range(host.PCH_AFTER + 1):  # other options: another precompiled prelude, after as many compiles
        assert precompiled() == 1
        PyGPU.sim.compile(f"{VADD}int other_{i};", options=["-DX=1"])
    assert precompiled() == 2


def test_the_key_follows_the_contents_of_pygpus_headers_and_library(tmp_path, monkeypatch):
    """A reinstall writes the same bytes with new mtimes: the cached kernels stay valid. A changed header or
    library invalidates them (and the precompiled prelude)."""
    import shutil

    from PyGPU import _paths
    from PyGPU._compile import host

    include, _ = host._paths()
    stamp = host._headers_stamp(include)
    copy = tmp_path / "include"
    shutil.copytree(include, copy)  # as a reinstall: the same files, new mtimes
    lib = tmp_path / os.path.basename(_paths.sim_library_path())
    shutil.copyfile(_paths.sim_library_path(), lib)
    monkeypatch.setattr(_paths, "sim_library_path", lambda: str(lib))
    assert host._headers_stamp(str(copy)) == stamp
    header = copy / "pygpu" / "sim" / "kernel" / "math_functions.h"
    header.write_text(header.read_text() + "\n/* edited */\n")
    edited = host._headers_stamp(str(copy))
    assert edited != stamp
    lib.write_bytes(lib.read_bytes() + b"\0")
    assert host._headers_stamp(str(copy)) not in (stamp, edited)


def test_an_edited_header_is_a_miss(tmp_path):
    inc = tmp_path / "inc"
    inc.mkdir()
    (inc / "value.h").write_text("#define VALUE 1\n")
    src = ('#include "value.h"\n__global__ void put(int* p) { *p = VALUE; }\n'
           'extern "C" int run(int* p) { put<<<1, 1>>>(p); return cudaDeviceSynchronize(); }\n')
    first = PyGPU.sim.compile(src, options=["-I", str(inc), "-DEXTRA=0"])
    assert PyGPU.sim.compile(src, options=["-I", str(inc), "-DEXTRA=0"]) == first
    (inc / "value.h").write_text("#define VALUE 2\n")
    lib = PyGPU.sim.load_library(PyGPU.sim.compile(src, options=["-I", str(inc), "-DEXTRA=0"]))
    p = g.zeros(1, dtype=np.int32)
    assert lib.run(ptr(p)) == 0
    assert p.get()[0] == 2


def test_a_kernel_in_a_quoted_header_is_translated(tmp_path):
    (tmp_path / "kern.cuh").write_text("#pragma once\n__global__ void twice(int* p) {\n"
                                       "  __shared__ int s[32];\n  s[threadIdx.x] = 2 * p[threadIdx.x];\n"
                                       "  __syncthreads();\n  p[threadIdx.x] = s[threadIdx.x];\n}\n")
    (tmp_path / "main.cu").write_text('#include "kern.cuh"\n'
                                      'extern "C" int run(int* p) { twice<<<1, 32>>>(p); '
                                      'return cudaDeviceSynchronize(); }\n')
    lib = PyGPU.sim.load_library(PyGPU.sim.compile(files=[tmp_path / "main.cu"]))
    p = g.to_gpu(np.arange(32, dtype=np.int32))
    assert lib.run(ptr(p)) == 0
    np.testing.assert_array_equal(p.get(), 2 * np.arange(32))


def test_without_the_cache(monkeypatch, cache_dir, tmp_path):
    monkeypatch.setenv("PYGPU_CACHE", "0")
    out = PyGPU.sim.compile(VADD, output=tmp_path / "libv.so")
    assert out == str(tmp_path / "libv.so") and os.path.isfile(out)
    assert not cache_dir.exists()


def test_import_pygpu_does_not_import_the_driver():
    r = run_python("import sys, PyGPU, PyGPU.sim; print(sorted(m for m in sys.modules if m.startswith('PyGPU.') and "
                   "('compile' in m or m == 'PyGPU.cc')))")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


COUNT_DEVICES = r"""
extern "C" int count_devices() {
    int n = -1;
    const cudaError_t e = cudaGetDeviceCount(&n);
    return static_cast<int>(e) * 1000 + n;
}
"""


def _real_cudart() -> Path | None:
    """The CUDA toolkit's own runtime library, when it is installed."""
    for root in (os.environ.get("CUDA_HOME", ""), "/usr/local/cuda"):
        found = sorted(Path(root, "lib64").glob("libcudart.so.*")) if root else []
        if found:
            return found[0]
    return None


@pytest.mark.skipif(_real_cudart() is None, reason="no CUDA toolkit libcudart to load first")
def test_a_real_libcudart_loaded_first_does_not_take_the_calls():
    """A kernel library binds its cuda* calls to libpygpu_sim (versioned names, exports.map) even after a
    process loaded the real libcudart with RTLD_GLOBAL first (numba does); that one answers 35 with no driver."""
    library = PyGPU.sim.compile(COUNT_DEVICES)
    code = (f"import ctypes; ctypes.CDLL({str(_real_cudart())!r}, mode=ctypes.RTLD_GLOBAL)\n"
            "import PyGPU, PyGPU.sim\n"
            f"lib = PyGPU.sim.load_library({library!r})\n"
            "print(lib.count_devices(), PyGPU.cudaGetDeviceCount()[0])\n")
    ran = run_python(code, PYGPU_BACKEND="sim", PYGPU_SIM_DEVICES="2")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["2", "2"]
