"""Kernel launches on the simulated device (include/pygpu/sim/launch.h,
cudaLaunchKernel): kernels registered the way the compiler driver's code will
register them run as work items of their streams, with CUDA's configuration
errors and sticky kernel errors."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import PyGPU as g
from helpers import KERNELS, SIM_INCLUDE, build_against_sim, without_preload

pytestmark = pytest.mark.build  # each test runs the C++ compiler

PROGRAM = KERNELS + r"""
#include <cstdio>
#include <cstdlib>
#include <vector>

#define SHOW(name, expr) std::printf("%s %d\n", name, static_cast<int>(expr))

static void not_a_kernel(int) {}

int main() {
    SHOW("register", register_kernels());
    const int n = 1000;
    std::vector<int> a(n), b(n), c(n, -1);
    for (int i = 0; i < n; ++i) { a[i] = i; b[i] = 3 * i + 1; }
    int *da = nullptr, *db = nullptr, *dc = nullptr;
    SHOW("malloc", cudaMalloc(reinterpret_cast<void**>(&da), n * sizeof(int)) |
                       cudaMalloc(reinterpret_cast<void**>(&db), n * sizeof(int)) |
                       cudaMalloc(reinterpret_cast<void**>(&dc), n * sizeof(int)));
    cudaStream_t s = nullptr;
    SHOW("stream", cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));

    // Stream order: the copies in, the launch, the copy out, all queued at once.
    int count = n;
    void* vadd_args[] = {&da, &db, &dc, &count};
    SHOW("copy_in", cudaMemcpyAsync(da, a.data(), n * sizeof(int), cudaMemcpyHostToDevice, s) |
                        cudaMemcpyAsync(db, b.data(), n * sizeof(int), cudaMemcpyHostToDevice, s));
    SHOW("vadd_launch", cudaLaunchKernel(reinterpret_cast<const void*>(&vadd), dim3((n + 127) / 128), dim3(128),
                                         vadd_args, 0, s));
    count = 0;  // the launch took the value: changing it now changes nothing
    SHOW("copy_out", cudaMemcpyAsync(c.data(), dc, n * sizeof(int), cudaMemcpyDeviceToHost, s));
    SHOW("stream_sync", cudaStreamSynchronize(s));
    bool ok = true;
    for (int i = 0; i < n; ++i) ok = ok && c[i] == a[i] + b[i];
    SHOW("vadd_ok", ok);

    // A fiber kernel with shared memory and barriers; an event after it.
    const int threads = 256, blocks = 4;
    std::vector<int> in(threads * blocks), sums(blocks, -1);
    for (int i = 0; i < threads * blocks; ++i) in[i] = (i * 7) % 13 - 6;
    int *din = nullptr, *dsums = nullptr;
    SHOW("malloc2", cudaMalloc(reinterpret_cast<void**>(&din), in.size() * sizeof(int)) |
                        cudaMalloc(reinterpret_cast<void**>(&dsums), blocks * sizeof(int)));
    cudaEvent_t done = nullptr;
    SHOW("event", cudaEventCreate(&done));
    void* sum_args[] = {&din, &dsums};
    SHOW("copy_in2", cudaMemcpyAsync(din, in.data(), in.size() * sizeof(int), cudaMemcpyHostToDevice, s));
    const void* sum = reinterpret_cast<const void*>(&block_sum);
    SHOW("sum_launch", cudaLaunchKernel(sum, dim3(blocks), dim3(threads), sum_args, threads * sizeof(int), s));
    SHOW("record", cudaEventRecord(done, s));
    SHOW("event_sync", cudaEventSynchronize(done));
    // The event completed after the launch: its results are there.
    SHOW("copy_out2", cudaMemcpy(sums.data(), dsums, blocks * sizeof(int), cudaMemcpyDeviceToHost));
    ok = true;
    for (int blk = 0; blk < blocks; ++blk) {
        int ref = 0;
        for (int i = 0; i < threads; ++i) ref += in[blk * threads + i];
        ok = ok && sums[blk] == ref;
    }
    SHOW("sum_ok", ok);
    // On the legacy default stream, with dim3's defaults.
    SHOW("sum_default_stream", cudaLaunchKernel(sum, blocks, threads, sum_args, threads * sizeof(int)));
    SHOW("device_sync", cudaDeviceSynchronize());

    // Configuration errors: returned, the last error, not sticky.
    const void* v = reinterpret_cast<const void*>(&vadd);
    SHOW("threads_1025", cudaLaunchKernel(v, dim3(1), dim3(1025), vadd_args, 0, s));
    SHOW("threads_1025_last", cudaGetLastError());
    SHOW("block_z_65", cudaLaunchKernel(v, dim3(1), dim3(1, 1, 65), vadd_args, 0, s));
    SHOW("block_z_65_last", cudaGetLastError());
    SHOW("grid_y_65536", cudaLaunchKernel(v, dim3(1, 65536), dim3(32), vadd_args, 0, s));
    SHOW("grid_y_65536_last", cudaGetLastError());
    SHOW("grid_zero", cudaLaunchKernel(v, dim3(0), dim3(32), vadd_args, 0, s));
    SHOW("grid_zero_last", cudaGetLastError());
    SHOW("shared_too_much", cudaLaunchKernel(v, dim3(1), dim3(32), vadd_args, 49153, s));
    SHOW("shared_too_much_last", cudaGetLastError());
    const void* unknown = reinterpret_cast<const void*>(&not_a_kernel);
    SHOW("unknown", cudaLaunchKernel(unknown, dim3(1), dim3(32), vadd_args, 0, s));
    SHOW("unknown_last", cudaGetLastError());
    SHOW("after_config_errors", cudaLaunchKernel(v, dim3((n + 127) / 128), dim3(128), vadd_args, 0, s) |
                                    cudaStreamSynchronize(s) | cudaGetLastError());

    // A failed assert: sticky until cudaDeviceReset.
    int limit = 2;
    void* checked_args[] = {&limit};
    const void* check = reinterpret_cast<const void*>(&checked);
    SHOW("assert_launch_ok", cudaLaunchKernel(check, dim3(4), dim3(32), checked_args, 0, s) == cudaSuccess);
    SHOW("assert_sync", cudaDeviceSynchronize());
    std::printf("assert_message %s\n", pygpu_sim_last_message());
    void* p = nullptr;
    SHOW("sticky_malloc", cudaMalloc(&p, 16));
    SHOW("sticky_last", cudaGetLastError());
    SHOW("sticky_again", cudaStreamQuery(s));
    // Another device is unaffected; picking a device is not refused.
    int devices = 0;
    cudaGetDeviceCount(&devices);
    SHOW("other_device", devices < 2 || (cudaSetDevice(1) == cudaSuccess && cudaMalloc(&p, 16) == cudaSuccess &&
                                         cudaFree(p) == cudaSuccess && cudaSetDevice(0) == cudaSuccess));
    SHOW("sticky_after_set", cudaDeviceSynchronize());
    SHOW("reset", cudaDeviceReset());
    SHOW("after_reset_malloc", cudaMalloc(&p, 16));
    std::vector<int> one(4, 5), back(4, 0);
    SHOW("after_reset_copy", cudaMemcpy(p, one.data(), 16, cudaMemcpyHostToDevice) |
                                 cudaMemcpy(back.data(), p, 16, cudaMemcpyDeviceToHost));
    SHOW("after_reset_ok", back == one);
    SHOW("register_again", register_kernels());
    limit = 9;
    SHOW("after_reset_launch", cudaLaunchKernel(check, dim3(4), dim3(32), checked_args) | cudaDeviceSynchronize());
    return 0;
}
"""

EXPECTED = {
    "register": 0, "malloc": 0, "stream": 0, "copy_in": 0, "vadd_launch": 0, "copy_out": 0, "stream_sync": 0,
    "vadd_ok": 1, "malloc2": 0, "event": 0, "copy_in2": 0, "sum_launch": 0, "record": 0, "event_sync": 0,
    "copy_out2": 0, "sum_ok": 1, "sum_default_stream": 0, "device_sync": 0,
    "threads_1025": 9, "threads_1025_last": 9, "block_z_65": 9, "block_z_65_last": 9,
    "grid_y_65536": 9, "grid_y_65536_last": 9, "grid_zero": 9, "grid_zero_last": 9,
    "shared_too_much": 1, "shared_too_much_last": 1, "unknown": 98, "unknown_last": 98,
    "after_config_errors": 0,
    "assert_launch_ok": 1, "assert_sync": 710, "sticky_malloc": 710, "sticky_last": 710, "sticky_again": 710,
    "other_device": 1, "sticky_after_set": 710,
    "reset": 0, "after_reset_malloc": 0, "after_reset_copy": 0, "after_reset_ok": 1, "register_again": 0,
    "after_reset_launch": 0,
}


def _run(program: Path, **env: str) -> tuple[dict[str, int], str]:
    # As test_sim_runtime_api runs its program: the outer PYGPU_* settings
    # left out, LD_PRELOAD kept (the sanitizer run's instrumented library needs it).
    base = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}
    result = subprocess.run([str(program)], capture_output=True, text=True, timeout=120, env={**base, **env},
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    values: dict[str, int] = {}
    message = ""
    for line in result.stdout.splitlines():
        name, _, value = line.partition(" ")
        if name == "assert_message":
            message = value
        else:
            values[name] = int(value)
    return values, message


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    return build_against_sim(tmp_path_factory.mktemp("launch"), "launch", PROGRAM)


@pytest.mark.parametrize("env", [{}, {"PYGPU_SIM_CHAOS": "7:200"},
                                 {"PYGPU_SIM_WORKERS": "1"}, {"PYGPU_SIM_DEVICES": "2"}],
                         ids=["plain", "chaos", "one_worker", "two_devices"])
def test_launches(program, env):
    values, message = _run(program, **env)
    assert values == EXPECTED
    assert message.startswith("device 0 is unusable after a kernel failed (sticky until cudaDeviceReset): ")
    assert "kernel 'checked': block (1,0,0), thread (3,0,0)" in message
    assert "checked.cu:7" in message and "limit > 3" in message


LIBRARY_SOURCE = KERNELS + r"""
extern "C" {
int setup(void) { return register_kernels(); }
// c[i] = a[i] + b[i] on the legacy default stream, not waited for.
int launch_vadd(int* a, int* b, int* c, int n) {
    void* args[] = {&a, &b, &c, &n};
    return cudaLaunchKernel(reinterpret_cast<const void*>(&vadd), dim3((n + 63) / 64), dim3(64), args, 0, 0);
}
}
"""


def test_a_launch_on_pythons_device_memory(tmp_path):
    """Device memory from Python, a kernel launched by host code, PyGPU.cudaDeviceSynchronize waits for it."""
    if g.backend != "sim":
        pytest.skip("the simulated device is not the active backend")
    lib = ctypes.CDLL(str(build_against_sim(tmp_path, "libkernels.so", LIBRARY_SOURCE, "-shared", "-fPIC")))
    lib.launch_vadd.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    assert lib.setup() == 0
    n = 4096
    a = np.arange(n, dtype=np.int32)
    b = 5 * np.arange(n, dtype=np.int32) - 7
    ptrs = []
    try:
        for _ in range(3):
            ptr, err = g.cudaMalloc(n * 4)
            assert err.code == 0
            ptrs.append(ptr)
        assert g.cudaMemcpy(ptrs[0], a, a.nbytes, g.cudaMemcpyHostToDevice).code == 0
        assert g.cudaMemcpy(ptrs[1], b, b.nbytes, g.cudaMemcpyHostToDevice).code == 0
        assert lib.launch_vadd(int(ptrs[0]), int(ptrs[1]), int(ptrs[2]), n) == 0
        assert g.cudaDeviceSynchronize().code == 0
        out = np.zeros(n, dtype=np.int32)
        assert g.cudaMemcpy(out, ptrs[2], out.nbytes, g.cudaMemcpyDeviceToHost).code == 0
        np.testing.assert_array_equal(out, a + b)
    finally:
        for ptr in ptrs:
            assert g.cudaFree(ptr).code == 0


def test_the_kernel_header_is_plain_c(tmp_path):
    gcc = shutil.which(os.environ.get("CC", "gcc"))
    if gcc is None:
        pytest.skip("no C compiler (gcc, or $CC)")
    src = tmp_path / "kernel.c"
    src.write_text('#include <cuda_runtime.h>\n#include <launch.h>\n'
                   'static void k(pygpu_sim_thread_context* t) { (void)t; }\n'
                   'static void stub(void) {}\n'
                   'int use(void) {\n'
                   '    pygpu_sim_kernel_desc d = {PYGPU_SIM_KERNEL_ABI_VERSION, "k", k, 0, 0, 0, 0, '
                   'PYGPU_SIM_KERNEL_ABI_TAG};\n'
                   '    dim3 one = {1, 1, 1};\n'
                   '    if (pygpu_sim_register_kernel((const void*)&d, &d) != 0) return 1;\n'
                   '    return (int)cudaLaunchKernel((const void*)&d, one, one, 0, 0, 0) + (int)sizeof &stub;\n'
                   '}\n')
    result = subprocess.run([gcc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c", "-I",
                             str(SIM_INCLUDE), str(src), "-o", str(tmp_path / "kernel.o")],
                            capture_output=True, text=True, timeout=120, env=without_preload(), check=False)
    assert result.returncode == 0, result.stderr
