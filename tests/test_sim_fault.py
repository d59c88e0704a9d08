"""Faults in kernel code on the simulated device (src/PyGPU/sim/fault.h): a bad
memory access ends the launch with cudaErrorIllegalAddress (700), sticky until
cudaDeviceReset, with a message naming the kernel, block, thread, address and
what the address was near; never a crash. A fault outside kernel code still
ends the process as before."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

import PyGPU as g
from helpers import build_against_sim, run_program, run_python

pytestmark = pytest.mark.build  # each test runs the C++ compiler

# Hand-written faulting kernels, registered as generated code will register them.
KERNELS = r"""
#include <cuda_runtime.h>
#include <launch.h>

// poke(p, index): thread 5 of block 2 writes p[index].
static void poke(int*, long) {}
static void poke_block(pygpu_sim_thread_context* t) {
    const pygpu_sim_block_context* b = t->block;
    int* p = *static_cast<int* const*>(b->args[0]);
    const long index = *static_cast<const long*>(b->args[1]);
    for (unsigned tx = 0; tx < b->block_dim.x; ++tx) {
        t->thread_idx.x = tx;
        if (b->block_idx.x == 2 && tx == 5) p[index] = 1;
    }
}
// peek(p): every thread reads p[0] (a fiber kernel).
static void peek(const int*) {}
static void peek_thread(pygpu_sim_thread_context* t) {
    const int* p = *static_cast<const int* const*>(t->block->args[0]);
    volatile int v = p[0];
    (void)v;
}
// shared_poke(index): thread 1 writes shared int [index].
static void shared_poke(long) {}
static void shared_poke_thread(pygpu_sim_thread_context* t) {
    const long index = *static_cast<const long*>(t->block->args[0]);
    if (t->thread_idx.x == 1) static_cast<volatile int*>(t->block->shared)[index] = 7;
}
// deep(n): recursion that never ends.
static void deep(int) {}
#pragma GCC diagnostic ignored "-Winfinite-recursion"
__attribute__((noinline)) static int recurse(volatile int n) {
    volatile char frame[512];
    frame[0] = static_cast<char>(n);
    return recurse(n + 1) + frame[0];
}
static void deep_thread(pygpu_sim_thread_context* t) {
    const int n = *static_cast<const int*>(t->block->args[0]);
    if (t->thread_idx.x == 0) recurse(n);
}

static int register_kernels() {
    static const size_t poke_sizes[] = {sizeof(int*), sizeof(long)};
    static const size_t peek_sizes[] = {sizeof(int*)};
    static const size_t one_long[] = {sizeof(long)};
    static const size_t one_int[] = {sizeof(int)};
    const pygpu_sim_kernel_desc descs[] = {
        {PYGPU_SIM_KERNEL_ABI_VERSION, "poke", poke_block, nullptr, 0, 2, poke_sizes, PYGPU_SIM_KERNEL_ABI_TAG},
        {PYGPU_SIM_KERNEL_ABI_VERSION, "peek", nullptr, peek_thread, 0, 1, peek_sizes, PYGPU_SIM_KERNEL_ABI_TAG},
        {PYGPU_SIM_KERNEL_ABI_VERSION, "shared_poke", nullptr, shared_poke_thread, 0, 1, one_long,
         PYGPU_SIM_KERNEL_ABI_TAG},
        {PYGPU_SIM_KERNEL_ABI_VERSION, "deep", nullptr, deep_thread, 0, 1, one_int, PYGPU_SIM_KERNEL_ABI_TAG},
    };
    const void* stubs[] = {reinterpret_cast<const void*>(&poke), reinterpret_cast<const void*>(&peek),
                           reinterpret_cast<const void*>(&shared_poke), reinterpret_cast<const void*>(&deep)};
    int rc = 0;
    for (int i = 0; i < 4; ++i) rc |= pygpu_sim_register_kernel(stubs[i], &descs[i]);
    return rc;
}

"""

PROGRAM = KERNELS + r"""
#include <cstdio>

#define SHOW(name, expr) std::printf("%s %d\n", name, static_cast<int>(expr))
#define MESSAGE(name) std::printf("%s_message %s\n", name, pygpu_sim_last_message())

// Runs a launch that must fail; prints its codes and message, checks it is sticky, resets.
static void expect_fault(const char* name, const void* kernel, unsigned threads, void** args, size_t shared) {
    const int launched = static_cast<int>(cudaLaunchKernel(kernel, dim3(4), dim3(threads), args, shared, 0));
    std::printf("%s_launch %d\n", name, launched);
    std::printf("%s_sync %d\n", name, static_cast<int>(cudaDeviceSynchronize()));
    MESSAGE(name);
    void* p = nullptr;
    std::printf("%s_sticky_malloc %d\n", name, static_cast<int>(cudaMalloc(&p, 16)));
    std::printf("%s_sticky_last %d\n", name, static_cast<int>(cudaGetLastError()));
    std::printf("%s_reset %d\n", name, static_cast<int>(cudaDeviceReset()));
    std::printf("%s_after_reset %d\n", name, static_cast<int>(cudaMalloc(&p, 16) | cudaFree(p)));
    register_kernels();
}

int main() {
    SHOW("register", register_kernels());
    int* d = nullptr;
    SHOW("malloc", cudaMalloc(reinterpret_cast<void**>(&d), 1000 * sizeof(int)));
    long index = 999;  // in bounds
    void* poke_args[] = {&d, &index};
    SHOW("in_bounds", cudaLaunchKernel(reinterpret_cast<const void*>(&poke), dim3(4), dim3(32), poke_args, 0, 0) |
                          cudaDeviceSynchronize());
    index = 1002;  // in the 256-byte rounding: no fault, as on CUDA
    SHOW("in_rounding", cudaLaunchKernel(reinterpret_cast<const void*>(&poke), dim3(4), dim3(32), poke_args, 0, 0) |
                            cudaDeviceSynchronize());
    index = 1024;  // the first int past the rounding
    expect_fault("overflow", reinterpret_cast<const void*>(&poke), 32, poke_args, 0);

    // A large block (whole 2 MiB huge pages): the pages after its end are the guard.
    int* big = nullptr;
    SHOW("malloc_large", cudaMalloc(reinterpret_cast<void**>(&big), (3 << 20) + 100));
    void* big_args[] = {&big, &index};
    index = ((3 << 20) + 4096) / 4;  // the first int of the page after the allocation's last
    expect_fault("large", reinterpret_cast<const void*>(&poke), 32, big_args, 0);

    int* f = nullptr;
    SHOW("malloc_freed", cudaMalloc(reinterpret_cast<void**>(&f), 256) | cudaFree(f));
    void* peek_args[] = {&f};
    expect_fault("freed", reinterpret_cast<const void*>(&peek), 64, peek_args, 0);

    int* wild = reinterpret_cast<int*>(16);
    void* wild_args[] = {&wild};
    expect_fault("null", reinterpret_cast<const void*>(&peek), 64, wild_args, 0);

    long sindex = 64;  // one int past 256 bytes of dynamic shared memory
    void* shared_args[] = {&sindex};
    sindex = 63;
    SHOW("shared_in_bounds", cudaLaunchKernel(reinterpret_cast<const void*>(&shared_poke), dim3(4), dim3(32),
                                              shared_args, 256, 0) | cudaDeviceSynchronize());
    sindex = 64;
    expect_fault("shared", reinterpret_cast<const void*>(&shared_poke), 32, shared_args, 256);

    int start = 0;
    void* deep_args[] = {&start};
    expect_fault("stack", reinterpret_cast<const void*>(&deep), 32, deep_args, 0);
    // The engine still runs kernels after all that.
    SHOW("malloc_again", cudaMalloc(reinterpret_cast<void**>(&d), 1000 * sizeof(int)));
    index = 3;
    SHOW("works_again", cudaLaunchKernel(reinterpret_cast<const void*>(&poke), dim3(4), dim3(32), poke_args, 0, 0) |
                            cudaDeviceSynchronize());
    return 0;
}
"""

FAULTS = ("overflow", "large", "freed", "null", "shared", "stack")
EXPECTED = {"register": 0, "malloc": 0, "malloc_large": 0, "in_bounds": 0, "in_rounding": 0, "malloc_freed": 0,
            "shared_in_bounds": 0, "malloc_again": 0, "works_again": 0}
for _name in FAULTS:
    EXPECTED.update({f"{_name}_launch": 0, f"{_name}_sync": 700, f"{_name}_sticky_malloc": 700,
                     f"{_name}_sticky_last": 700, f"{_name}_reset": 0, f"{_name}_after_reset": 0})

# Per fault: the message after STICKY, {A} an address. Under chaos the warps
# run in a random order, so a fault of every thread names lane 0 of some warp.
MESSAGES = {
    "overflow": (r"kernel 'poke': block \(2,0,0\), thread \(5,0,0\): illegal memory access: write to {A}: "
                 r"96 bytes past the end of device allocation {A} of 4000 bytes on device 0 \(cudaMalloc\)"),
    "large": (r"kernel 'poke': block \(2,0,0\), thread \(5,0,0\): illegal memory access: write to {A}: "
              r"3996 bytes past the end of device allocation {A} of 3145828 bytes on device 0 \(cudaMalloc\)"),
    "freed": (r"kernel 'peek': block \(\d,0,0\), thread \((0|32),0,0\): illegal memory access: read of {A}: "
              r"use after free: offset 0 of device allocation {A} of 256 bytes on device 0 \(cudaMalloc\), "
              r"released by cudaFree"),
    "null": (r"kernel 'peek': block \(\d,0,0\), thread \((0|32),0,0\): illegal memory access: read of 0x10: "
             r"a null pointer \(no allocation is near it\)"),
    "shared": (r"kernel 'shared_poke': block \(\d,0,0\), thread \(1,0,0\): illegal memory access: write to {A}: "
               r"shared memory, offset 256 of the block's 256 bytes \(0 bytes past its end\)"),
    "stack": (r"kernel 'deep': block \(\d,0,0\), thread \(0,0,0\): stack overflow: the kernel thread used up its "
              r"256 KiB stack \(write to {A}, \d+ bytes below it\); deep recursion or large local arrays do not fit "
              r"a kernel thread's stack"),
}
STICKY = "device 0 is unusable after a kernel failed (sticky until cudaDeviceReset): "
HEX = r"0x[0-9a-f]+"


def _run(program: Path, **env: str) -> tuple[dict[str, int], dict[str, str]]:
    values, texts = run_program(program, lambda name: name.endswith("_message"), **env)
    return values, {name[:-len("_message")]: text for name, text in texts.items()}


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    return build_against_sim(tmp_path_factory.mktemp("fault"), "fault", PROGRAM)


@pytest.mark.parametrize("env", [{}, {"PYGPU_SIM_CHAOS": "3:100"}, {"PYGPU_SIM_WORKERS": "1"}],
                         ids=["plain", "chaos", "one_worker"])
def test_faults_are_illegal_address_and_sticky(program, env):
    values, messages = _run(program, **env)
    assert values == EXPECTED
    assert sorted(messages) == sorted(FAULTS)
    for name, pattern in MESSAGES.items():
        assert re.fullmatch(re.escape(STICKY) + pattern.replace("{A}", HEX), messages[name]), messages[name]


HOST_FAULT = KERNELS + r"""
#include <cstdio>

int main(int argc, char**) {
    register_kernels();
    int* d = nullptr;
    cudaMalloc(reinterpret_cast<void**>(&d), 64);
    long index = 0;
    void* args[] = {&d, &index};
    // The worker pool (and the handler) is there now.
    std::printf("launch %d\n", static_cast<int>(cudaLaunchKernel(reinterpret_cast<const void*>(&poke), dim3(4),
                                                               dim3(32), args, 0, 0) | cudaDeviceSynchronize()));
    std::fflush(stdout);
    volatile int* host = argc > 5 ? d : nullptr;
    *host = 1;  // a fault in host code: not the simulator's to catch
    std::printf("survived\n");
    return 0;
}
"""


def test_a_fault_outside_kernel_code_still_ends_the_process(tmp_path):
    program = build_against_sim(tmp_path, "host_fault", HOST_FAULT)
    base = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}
    sanitized = "asan" in os.environ.get("LD_PRELOAD", "")
    if sanitized:
        # The deliberate SEGV's report to stderr, not to the sanitizer run's
        # report directory (any report there fails .ci/run).
        base["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":log_path=stderr"
    result = subprocess.run([str(program)], capture_output=True, text=True, timeout=120, env=base, check=False)
    assert result.stdout == "launch 0\n"
    if sanitized:
        # The simulator's handler passed it on to the sanitizer's.
        assert result.returncode != 0 and "AddressSanitizer: SEGV" in result.stderr, result.stderr
    else:
        assert result.returncode == -signal.SIGSEGV, result.stderr


LIBRARY_SOURCE = KERNELS + r"""
extern "C" {
int setup(void) { return register_kernels(); }
// p[index] = 1 from thread 5 of block 2, on the legacy default stream.
int launch_poke(int* p, long index) {
    void* args[] = {&p, &index};
    return cudaLaunchKernel(reinterpret_cast<const void*>(&poke), dim3(4), dim3(32), args, 0, 0);
}
}
"""

PYTHON_SIDE = """
import ctypes, sys
import PyGPU as g, PyGPU.sim as sim
lib = ctypes.CDLL(sys.argv[1])
lib.launch_poke.argtypes = [ctypes.c_void_p, ctypes.c_long]
assert lib.setup() == 0
with sim.label("weights"):
    ptr, err = g.cudaMalloc(4096)
assert err.code == 0
assert lib.launch_poke(int(ptr), 1023) == 0 and g.cudaDeviceSynchronize().code == 0
if sys.argv[2] == "after":
    faulthandler.enable()  # over the simulator's handler, installed by the first launch
assert lib.launch_poke(int(ptr), -70) == 0
print(g.cudaDeviceSynchronize().code)
print(sim.last_message())
print(g.cudaMalloc(16)[1].code)
print(g.cudaDeviceReset().code)
print(g.cudaMalloc(16)[1].code)
"""


@pytest.mark.parametrize("faulthandler", ["before", "after"])
def test_a_fault_in_a_kernel_on_pythons_memory(tmp_path, faulthandler):
    """Through PyGPU.sim, with Python's faulthandler enabled before or after the simulator's handler.

    The label of the allocation is in the report. A faulthandler enabled later
    reports the fault first (on stderr) and hands it back.
    """
    if g.backend != "sim":
        pytest.skip("the simulated device is not the active backend")
    lib = build_against_sim(tmp_path, "libfaults.so", LIBRARY_SOURCE, "-shared", "-fPIC")
    code = ("import faulthandler, sys\nif " + repr(faulthandler) + " == 'before': faulthandler.enable()\n"
            "sys.argv[1:] = [" + repr(str(lib)) + ", " + repr(faulthandler) + "]\n" + PYTHON_SIDE)
    result = run_python(code)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "700"
    assert "kernel 'poke': block (2,0,0), thread (5,0,0): illegal memory access: write to 0x" in lines[1]
    assert ": 280 bytes before the start of device allocation 0x" in lines[1]
    assert 'of 4096 bytes on device 0 (cudaMalloc, label "weights")' in lines[1]
    assert lines[2:] == ["700", "0", "0"]
    # faulthandler enabled later saw the fault first (and said so), then handed it back.
    assert ("Fatal Python error: Segmentation fault" in result.stderr) == (faulthandler == "after"), result.stderr
