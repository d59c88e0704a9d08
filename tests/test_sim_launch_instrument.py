"""Kernel launches under the simulated device's instruments: cudaLaunchKernel is
one of the simulator's calls (src/PyGPU/sim/calls.h), so stats() counts it,
error injection fails it and trace() shows it as "kernel <name>" on its stream;
stats()["kernels"] has per-kernel launches, blocks, threads, failures and
time; cudaGetLastError and cudaPeekAtLastError return a sticky kernel error
until a reset (CUDA's rule, sticky.h); PYGPU_SIM_WORKERS sizes the engine's
pool (config.cpp)."""

from __future__ import annotations

import ctypes
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import PyGPU as g
from helpers import KERNELS, build_against_sim, run_program, run_python

pytestmark = pytest.mark.build  # each test runs the C++ compiler

# where(out): out[blockIdx.x] = the pool worker that ran the block.
WHERE = r"""
static void where(int*) {}
static void where_block(pygpu_sim_thread_context* t) {
    const pygpu_sim_block_context* b = t->block;
    int* out = *static_cast<int* const*>(b->args[0]);
    out[b->block_idx.x] = static_cast<int>(b->worker);
}

static int register_where() {
    static const size_t sizes[] = {sizeof(int*)};
    const pygpu_sim_kernel_desc d = {PYGPU_SIM_KERNEL_ABI_VERSION, "where", where_block, nullptr, 0, 1, sizes,
                                     PYGPU_SIM_KERNEL_ABI_TAG};
    return pygpu_sim_register_kernel(reinterpret_cast<const void*>(&where), &d);
}
"""

PROGRAM = KERNELS + WHERE + r"""
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#define SHOW(name, expr) std::printf("%s %d\n", name, static_cast<int>(expr))

// A JSON text of the inspection API on one line.
static void show_json(const char* name, char* text) {
    std::string line(text);
    for (char& c : line) if (c == '\n') c = ' ';
    std::printf("%s %s\n", name, line.c_str());
    pygpu_sim_api_table()->free_text(text);
}

int main() {
    if (const char* why = pygpu_sim_init_check()) {
        std::printf("init %s\n", why);
        return 0;
    }
    const pygpu_sim_api* sim = pygpu_sim_api_table();
    SHOW("register", register_kernels() | register_where());
    const int n = 1000;
    std::vector<int> a(n), b(n), c(n, -1);
    for (int i = 0; i < n; ++i) { a[i] = i; b[i] = 2 * i; }
    int *da = nullptr, *db = nullptr, *dc = nullptr, *dw = nullptr;
    SHOW("malloc", cudaMalloc(reinterpret_cast<void**>(&da), n * sizeof(int)) |
                       cudaMalloc(reinterpret_cast<void**>(&db), n * sizeof(int)) |
                       cudaMalloc(reinterpret_cast<void**>(&dc), n * sizeof(int)) |
                       cudaMalloc(reinterpret_cast<void**>(&dw), 64 * sizeof(int)));
    int devices = 0;
    SHOW("count", cudaGetDeviceCount(&devices));
    cudaStream_t s = nullptr;
    SHOW("stream", cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    std::printf("stream_handle %llu\n", static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(s)));
    sim->trace_start();

    // A launch: counted, traced on its stream, one record for its kernel.
    int count = n;
    void* vadd_args[] = {&da, &db, &dc, &count};
    const void* v = reinterpret_cast<const void*>(&vadd);
    SHOW("copy_in", cudaMemcpyAsync(da, a.data(), n * sizeof(int), cudaMemcpyHostToDevice, s) |
                        cudaMemcpyAsync(db, b.data(), n * sizeof(int), cudaMemcpyHostToDevice, s));
    SHOW("vadd", cudaLaunchKernel(v, dim3(8), dim3(128), vadd_args, 0, s));
    SHOW("vadd_sync", cudaStreamSynchronize(s));
    SHOW("copy_out", cudaMemcpy(c.data(), dc, n * sizeof(int), cudaMemcpyDeviceToHost));
    bool ok = true;
    for (int i = 0; i < n; ++i) ok = ok && c[i] == 3 * i;
    SHOW("vadd_ok", ok);

    // An injected failure: returned, the last error (then cleared: it is not
    // sticky), nothing queued; the next launch runs.
    SHOW("fill", cudaMemset(dc, 0xff, n * sizeof(int)));
    SHOW("inject", sim->inject("cudaLaunchKernel", cudaErrorLaunchOutOfResources, 0, 1));
    SHOW("injected", cudaLaunchKernel(v, dim3(8), dim3(128), vadd_args, 0, s));
    std::printf("injected_message %s\n", pygpu_sim_last_message());
    SHOW("injected_last", cudaGetLastError());
    SHOW("injected_last_again", cudaGetLastError());
    SHOW("injected_sync", cudaStreamSynchronize(s));
    SHOW("copy_out2", cudaMemcpy(c.data(), dc, n * sizeof(int), cudaMemcpyDeviceToHost));
    ok = true;
    for (int i = 0; i < n; ++i) ok = ok && c[i] == -1;
    SHOW("injected_ran_nothing", ok);

    // Which pool workers ran 64 blocks (PYGPU_SIM_WORKERS).
    void* where_args[] = {&dw};
    SHOW("where", cudaLaunchKernel(reinterpret_cast<const void*>(&where), dim3(64), dim3(1), where_args, 0, s));
    std::vector<int> workers(64, -1);
    SHOW("where_sync", cudaStreamSynchronize(s));
    SHOW("copy_out3", cudaMemcpy(workers.data(), dw, 64 * sizeof(int), cudaMemcpyDeviceToHost));
    int low = 1 << 30, high = -1;
    for (int w : workers) { low = w < low ? w : low; high = w > high ? w : high; }
    std::printf("worker_min %d\nworker_max %d\n", low, high);

    // A refused configuration: a call, no launch.
    SHOW("refused", cudaLaunchKernel(v, dim3(1), dim3(1025), vadd_args, 0, s));
    SHOW("refused_last", cudaGetLastError());
    SHOW("refused_last_again", cudaPeekAtLastError());

    // A failed kernel: its error is sticky, cudaGetLastError does not clear it.
    int limit = 2;
    void* checked_args[] = {&limit};
    SHOW("checked", cudaLaunchKernel(reinterpret_cast<const void*>(&checked), dim3(4), dim3(32), checked_args, 0, s));
    SHOW("checked_sync", cudaDeviceSynchronize());
    SHOW("sticky_peek", cudaPeekAtLastError());
    SHOW("sticky_get", cudaGetLastError());
    SHOW("sticky_get_again", cudaGetLastError());
    SHOW("sticky_peek_again", cudaPeekAtLastError());
    std::printf("sticky_message %s\n", pygpu_sim_last_message());
    SHOW("sticky_launch", cudaLaunchKernel(v, dim3(8), dim3(128), vadd_args, 0, s));
    // Another device has no sticky error.
    if (devices > 1) {
        SHOW("set_1", cudaSetDevice(1));
        // The thread's own last error (sticky_launch failed) once: last errors are per thread.
        SHOW("other_device_get", cudaGetLastError());
        SHOW("other_device_get_again", cudaGetLastError());
        SHOW("other_device_peek", cudaPeekAtLastError());
        SHOW("set_0", cudaSetDevice(0));
        SHOW("back_get", cudaGetLastError());
    }

    show_json("trace", sim->trace_stop_json());
    show_json("stats", sim->stats_json());
    SHOW("device_reset", cudaDeviceReset());
    SHOW("after_reset_peek", cudaPeekAtLastError());
    SHOW("after_reset_get", cudaGetLastError());
    SHOW("after_reset_register", register_kernels());
    limit = 9;
    SHOW("after_reset_launch", cudaLaunchKernel(reinterpret_cast<const void*>(&checked), dim3(4), dim3(32),
                                                checked_args) | cudaDeviceSynchronize() | cudaGetLastError());
    return 0;
}
"""

EXPECTED = {
    "register": 0, "malloc": 0, "stream": 0, "copy_in": 0, "vadd": 0, "vadd_sync": 0, "copy_out": 0, "vadd_ok": 1,
    "fill": 0, "inject": 0, "injected": 701, "injected_last": 701, "injected_last_again": 0, "injected_sync": 0,
    "copy_out2": 0, "injected_ran_nothing": 1,
    "where": 0, "where_sync": 0, "copy_out3": 0,
    "refused": 9, "refused_last": 9, "refused_last_again": 0,
    "checked": 0, "checked_sync": 710, "sticky_peek": 710, "sticky_get": 710, "sticky_get_again": 710,
    "sticky_peek_again": 710, "sticky_launch": 710, "count": 0,
    "device_reset": 0, "after_reset_peek": 0, "after_reset_get": 0, "after_reset_register": 0,
    "after_reset_launch": 0,
}
TEXT = ("stream_handle", "worker_min", "worker_max", "injected_message", "sticky_message", "trace", "stats", "init")


def _run(program: Path, **env: str) -> tuple[dict[str, int], dict[str, str]]:
    return run_program(program, lambda name: name in TEXT, **env)


def _without_time(kernels: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    for record in kernels.values():
        assert record["time_us"] > 0
    return {name: {k: v for k, v in record.items() if k != "time_us"} for name, record in kernels.items()}


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    return build_against_sim(tmp_path_factory.mktemp("instrument"), "instrument", PROGRAM)


@pytest.mark.parametrize("env", [{}, {"PYGPU_SIM_CHAOS": "3:100"}, {"PYGPU_SIM_DEVICES": "2"}],
                         ids=["plain", "chaos", "two_devices"])
def test_launches_are_counted_injected_traced_and_sticky(program, env):
    values, texts = _run(program, **env)
    two = env.get("PYGPU_SIM_DEVICES") == "2"
    others = {"set_1": 0, "other_device_get": 710, "other_device_get_again": 0, "other_device_peek": 0, "set_0": 0,
              "back_get": 710} if two else {}
    assert values == {**EXPECTED, **others}
    assert texts["injected_message"] == ("injected failure: cudaLaunchKernel call #1 fails with "
                                         "cudaErrorLaunchOutOfResources (PyGPU.sim.inject)")
    assert texts["sticky_message"].startswith("device 0 is unusable after a kernel failed (sticky until "
                                              "cudaDeviceReset): ")
    assert "kernel 'checked': block (1,0,0), thread (3,0,0)" in texts["sticky_message"]

    stats = json.loads(texts["stats"])
    # vadd, the injected one, where, the refused one, checked, the one refused by the sticky error.
    assert stats["calls"]["cudaLaunchKernel"] == 6
    assert _without_time(stats["kernels"]) == {
        "checked": {"launches": 1, "blocks": 4, "threads": 128, "failures": 1},
        "vadd": {"launches": 1, "blocks": 8, "threads": 1024, "failures": 0},
        "where": {"launches": 1, "blocks": 64, "threads": 64, "failures": 0},
    }
    assert list(stats["kernels"]) == ["checked", "vadd", "where"]  # by name

    events = [e for e in json.loads(texts["trace"])["traceEvents"] if e["ph"] == "X"]
    kernels = [e for e in events if e["name"].startswith("kernel ")]
    assert [e["name"] for e in kernels] == ["kernel vadd", "kernel where", "kernel checked"]
    stream = int(texts["stream_handle"])
    assert {(e["pid"], e["tid"]) for e in kernels} == {(0, stream)}
    assert [(e["args"]["grid"], e["args"]["block"]) for e in kernels] == [
        ([8, 1, 1], [128, 1, 1]), ([64, 1, 1], [1, 1, 1]), ([4, 1, 1], [32, 1, 1])]
    assert all(e["dur"] >= 0 for e in kernels)
    # The kernel ran after the copies queued before it, on the same stream.
    names = [e["name"] for e in events if e["tid"] == stream]
    assert names[:3] == ["cudaMemcpyAsync HtoD 4000 B", "cudaMemcpyAsync HtoD 4000 B", "kernel vadd"]


@pytest.mark.parametrize(("workers", "most"), [("1", 0), (" 3 ", 2), ("2", 1)])
def test_the_pool_has_the_configured_workers(program, workers, most):
    values, texts = _run(program, PYGPU_SIM_WORKERS=workers)
    assert values == EXPECTED
    assert int(texts["worker_min"]) >= 0
    assert int(texts["worker_max"]) <= most
    if most == 0:
        assert texts["worker_min"] == texts["worker_max"] == "0"


@pytest.mark.parametrize("value", ["0", "many", "1025", "-2", "2.5"])
def test_a_bad_worker_count_is_the_init_checks_message(program, value):
    values, texts = _run(program, PYGPU_SIM_WORKERS=value)
    assert values == {}
    assert texts["init"] == (f'PYGPU_SIM_WORKERS="{value}" is not a worker count; set it to the number of threads '
                             "that run kernel blocks, an integer in [1, 1024], or leave it unset for one per core")


# --- through PyGPU.sim --------------------------------------------------------------

LIBRARY_SOURCE = KERNELS + r"""
extern "C" {
int setup(void) { return register_kernels(); }
int launch_vadd(int* a, int* b, int* c, int n, cudaStream_t stream) {
    void* args[] = {&a, &b, &c, &n};
    return cudaLaunchKernel(reinterpret_cast<const void*>(&vadd), dim3((n + 63) / 64), dim3(64), args, 0, stream);
}
int launch_checked(int limit) {
    void* args[] = {&limit};
    return cudaLaunchKernel(reinterpret_cast<const void*>(&checked), dim3(4), dim3(32), args, 0, 0);
}
}
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    if g.backend != "sim":
        pytest.skip("the simulated device is not the active backend")
    path = build_against_sim(tmp_path_factory.mktemp("instrument_lib"), "libinstrument.so", LIBRARY_SOURCE,
                             "-shared", "-fPIC")
    lib = ctypes.CDLL(str(path))
    lib.launch_vadd.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    assert lib.setup() == 0
    return lib


class _Buffers:
    """a, b and c = -1 on the device, n int32 each."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.a = np.arange(n, dtype=np.int32)
        self.b = 7 * np.arange(n, dtype=np.int32)
        self.ptrs = []
        for host in (self.a, self.b, np.full(n, -1, dtype=np.int32)):
            ptr, err = g.cudaMalloc(host.nbytes)
            assert err.code == 0
            assert g.cudaMemcpy(ptr, host, host.nbytes, g.cudaMemcpyHostToDevice).code == 0
            self.ptrs.append(ptr)

    def args(self) -> tuple[int, int, int, int]:
        return int(self.ptrs[0]), int(self.ptrs[1]), int(self.ptrs[2]), self.n

    def result(self) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.int32)
        assert g.cudaMemcpy(out, self.ptrs[2], out.nbytes, g.cudaMemcpyDeviceToHost).code == 0
        return out


def test_stats_count_launches_per_kernel(pygpu_sim, library):
    buffers = _Buffers(1000)
    for _ in range(3):
        assert library.launch_vadd(*buffers.args(), None) == 0
    assert g.cudaDeviceSynchronize().code == 0
    np.testing.assert_array_equal(buffers.result(), buffers.a + buffers.b)
    stats = pygpu_sim.stats()
    assert stats["calls"]["cudaLaunchKernel"] == 3
    assert _without_time(stats["kernels"]) == {"vadd": {"launches": 3, "blocks": 48, "threads": 3072,
                                                        "failures": 0}}
    pygpu_sim.reset()
    assert pygpu_sim.stats()["kernels"] == {}
    assert "cudaLaunchKernel" not in pygpu_sim.stats()["calls"]


def test_injection_fails_a_launch_and_queues_nothing(pygpu_sim, library):
    buffers = _Buffers(256)
    with pygpu_sim.inject("cudaLaunchKernel", "cudaErrorLaunchOutOfResources", after=1):
        assert library.launch_vadd(*buffers.args(), None) == 0
        assert g.cudaDeviceSynchronize().code == 0
        assert g.cudaMemset(buffers.ptrs[2], 0xFF, 256 * 4).code == 0
        assert library.launch_vadd(*buffers.args(), None) == g.cudaErrorLaunchOutOfResources
        assert pygpu_sim.last_message() == ("injected failure: cudaLaunchKernel call #2 fails with "
                                            "cudaErrorLaunchOutOfResources (PyGPU.sim.inject)")
        assert g.cudaGetLastError().code == g.cudaErrorLaunchOutOfResources
        assert g.cudaGetLastError().code == 0  # an injected failure is not sticky
    assert g.cudaDeviceSynchronize().code == 0
    np.testing.assert_array_equal(buffers.result(), np.full(256, -1, dtype=np.int32))  # nothing ran
    stats = pygpu_sim.stats()
    assert stats["calls"]["cudaLaunchKernel"] == 2
    assert stats["kernels"]["vadd"]["launches"] == 1
    # The hip* spelling names the same call.
    with pygpu_sim.inject("hipLaunchKernel", 2):
        assert library.launch_vadd(*buffers.args(), None) == 2
    assert g.cudaGetLastError().code == 2


def test_trace_shows_the_kernel_on_its_stream(pygpu_sim, library):
    buffers = _Buffers(4096)
    stream, err = g.cudaStreamCreate()
    assert err.code == 0
    handle = int(stream)
    with pygpu_sim.trace() as trace:
        assert library.launch_vadd(*buffers.args(), handle) == 0
        assert library.launch_vadd(*buffers.args(), None) == 0
    assert trace.events is not None
    kernels = [e for e in trace.events["traceEvents"] if e.get("ph") == "X" and e["name"] == "kernel vadd"]
    assert sorted(e["tid"] for e in kernels) == sorted([handle, 0])  # 0: the legacy default stream
    assert all(e["pid"] == 0 and e["args"]["grid"] == [64, 1, 1] and e["args"]["block"] == [64, 1, 1]
               for e in kernels)
    named = {e["tid"]: e["args"]["name"] for e in trace.events["traceEvents"] if e.get("name") == "thread_name"}
    assert named[0].endswith("(legacy default stream)")
    assert g.cudaStreamDestroy(stream).code == 0


def test_sticky_error_is_returned_by_get_and_peek_until_reset(pygpu_sim, library):
    assert library.launch_checked(2) == 0
    assert g.cudaDeviceSynchronize().code == g.cudaErrorAssert
    for _ in range(3):
        assert g.cudaPeekAtLastError().code == g.cudaErrorAssert
        assert g.cudaGetLastError().code == g.cudaErrorAssert
    assert pygpu_sim.last_message().startswith("device 0 is unusable after a kernel failed")
    stats = pygpu_sim.stats()
    assert stats["kernels"]["checked"]["failures"] == 1 and stats["kernels"]["checked"]["launches"] == 1
    # Another device is usable and has no sticky error.
    assert g.cudaSetDevice(1).code == 0
    assert g.cudaGetLastError().code == 0 and g.cudaPeekAtLastError().code == 0
    assert g.cudaSetDevice(0).code == 0
    assert g.cudaDeviceReset().code == 0
    assert g.cudaPeekAtLastError().code == 0 and g.cudaGetLastError().code == 0
    # Again, cleared by PyGPU.sim.reset() this time.
    assert library.setup() == 0
    assert library.launch_checked(2) == 0
    assert g.cudaDeviceSynchronize().code == g.cudaErrorAssert
    assert g.cudaGetLastError().code == g.cudaErrorAssert
    pygpu_sim.reset()
    assert g.cudaGetLastError().code == 0 and g.cudaPeekAtLastError().code == 0
    assert library.launch_checked(9) == 0
    assert g.cudaDeviceSynchronize().code == 0


def test_injection_for_a_whole_run_from_the_environment(library):
    """PYGPU_SIM_INJECT fails the second launch of the run, without touching the program."""
    code = (f"import ctypes, PyGPU as g, PyGPU.sim as sim\n"
            f"lib = ctypes.CDLL({library._name!r})\n"
            "lib.launch_vadd.argtypes = [ctypes.c_void_p] * 3 + [ctypes.c_int, ctypes.c_void_p]\n"
            "assert lib.setup() == 0\n"
            "ptr, err = g.cudaMalloc(3 * 256 * 4)\n"
            "a = int(ptr)\n"
            "codes = [lib.launch_vadd(a, a + 1024, a + 2048, 256, None) for _ in range(3)]\n"
            "stats = sim.stats()\n"
            "print(codes, g.cudaDeviceSynchronize().code, stats['calls']['cudaLaunchKernel'],\n"
            "      stats['kernels']['vadd']['launches'])\n"
            "g.cudaFree(ptr)\n")
    result = run_python(code, PYGPU_BACKEND="sim", PYGPU_SIM_INJECT="cudaLaunchKernel=cudaErrorLaunchTimeout@1x1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[0, 702, 0] 0 3 2"
