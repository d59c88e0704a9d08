"""Kernels for the simulated device written as the compiler driver's code will
register them (include/pygpu/sim/launch.h), and building host code against
libpygpu_sim: test_sim_launch and test_sim_reset use them; and a kernel source compiled and loaded as a
module (module_kernels)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import PyGPU as g
import PyGPU.sim

from .processes import preload_removed, without_preload

LIBRARY = Path(PyGPU.sim.library_path())
SIM_INCLUDE = Path(g.get_include()) / "pygpu" / "sim"

# The kernels, as generated code will register them: a host stub per kernel
# (its address is the kernel's identity), an entry taking the engine's
# contexts, and a registration.
KERNELS = r"""
#include <cuda_runtime.h>
#include <launch.h>

// vadd(a, b, c, n): a loop kernel (run_block), no barrier.
static void vadd(const int*, const int*, int*, int) {}
static void vadd_block(pygpu_sim_thread_context* t) {
    const pygpu_sim_block_context* b = t->block;
    const int* x = *static_cast<const int* const*>(b->args[0]);
    const int* y = *static_cast<const int* const*>(b->args[1]);
    int* out = *static_cast<int* const*>(b->args[2]);
    const int n = *static_cast<const int*>(b->args[3]);
    for (unsigned tx = 0; tx < b->block_dim.x; ++tx) {
        t->thread_idx.x = tx;
        const unsigned i = b->block_idx.x * b->block_dim.x + tx;
        if (static_cast<int>(i) < n) out[i] = x[i] + y[i];
    }
}

// block_sum(in, out): one partial sum per block in dynamic shared memory
// (a fiber kernel: run_thread, __syncthreads between the steps).
static void block_sum(const int*, int*) {}
static void block_sum_thread(pygpu_sim_thread_context* t) {
    static const pygpu_sim_sync_site load = {"__syncthreads", __FILE__, __LINE__};
    static const pygpu_sim_sync_site step = {"__syncthreads", __FILE__, __LINE__};
    const pygpu_sim_block_context* b = t->block;
    const int* in = *static_cast<const int* const*>(b->args[0]);
    int* out = *static_cast<int* const*>(b->args[1]);
    int* shared = static_cast<int*>(b->shared);
    const unsigned tid = t->thread_idx.x;
    shared[tid] = in[b->block_idx.x * b->block_dim.x + tid];
    pygpu_sim_block_barrier(&load, 1);
    for (unsigned s = b->block_dim.x / 2; s > 0; s /= 2) {
        if (tid < s) shared[tid] += shared[tid + s];
        pygpu_sim_block_barrier(&step, 1);
    }
    if (tid == 0) out[b->block_idx.x] = shared[0];
}

// checked(limit): thread 3 of block 1 fails assert(limit > 3).
static void checked(int) {}
static void checked_block(pygpu_sim_thread_context* t) {
    const pygpu_sim_block_context* b = t->block;
    const int limit = *static_cast<const int*>(b->args[0]);
    for (unsigned tx = 0; tx < b->block_dim.x; ++tx) {
        t->thread_idx.x = tx;
        if (b->block_idx.x == 1 && tx == 3 && !(limit > 3)) {
            pygpu_sim_kernel_assert_failed("limit > 3", "checked.cu", 7);
        }
    }
}

static int register_kernels() {
    static const size_t vadd_sizes[] = {sizeof(int*), sizeof(int*), sizeof(int*), sizeof(int)};
    static const size_t sum_sizes[] = {sizeof(int*), sizeof(int*)};
    static const size_t checked_sizes[] = {sizeof(int)};
    const pygpu_sim_kernel_desc descs[] = {
        {PYGPU_SIM_KERNEL_ABI_VERSION, "vadd", vadd_block, nullptr, 0, 4, vadd_sizes, PYGPU_SIM_KERNEL_ABI_TAG},
        {PYGPU_SIM_KERNEL_ABI_VERSION, "block_sum", nullptr, block_sum_thread, 0, 2, sum_sizes,
         PYGPU_SIM_KERNEL_ABI_TAG},
        {PYGPU_SIM_KERNEL_ABI_VERSION, "checked", checked_block, nullptr, 0, 1, checked_sizes,
         PYGPU_SIM_KERNEL_ABI_TAG},
    };
    const void* stubs[] = {reinterpret_cast<const void*>(&vadd), reinterpret_cast<const void*>(&block_sum),
                           reinterpret_cast<const void*>(&checked)};
    int rc = 0;
    for (int i = 0; i < 3; ++i) rc |= pygpu_sim_register_kernel(stubs[i], &descs[i]);
    return rc;
}
"""


def _compiler() -> str:
    found = shutil.which(os.environ.get("CXX", "g++"))
    if found is None:
        pytest.skip("no C++ compiler (g++, or $CXX)")
    return found


def build_against_sim(tmp_path: Path, name: str, source: str, *flags: str) -> Path:
    """Compiles `source` with the simulated device's headers, linked to libpygpu_sim (skips without a compiler)."""
    src = tmp_path / f"{name}.cpp"
    src.write_text(source)
    out = tmp_path / name
    result = subprocess.run([_compiler(), "-std=c++17", "-Wall", "-Wextra", "-Werror", "-I", str(SIM_INCLUDE), *flags,
                             str(src), "-o", str(out), "-L", str(LIBRARY.parent), "-lpygpu_sim",
                             f"-Wl,-rpath,{LIBRARY.parent}"],
                            capture_output=True, text=True, timeout=120, env=without_preload(), check=False)
    assert result.returncode == 0, result.stderr
    return out


def run_program(program: Path, is_text, **env: str) -> tuple[dict[str, int], dict[str, str]]:
    """Run a test program that prints "name value" lines, with `env` over an environment free of PYGPU_*
    settings: the integer values, and the lines `is_text(name)` calls text."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}
    result = subprocess.run([str(program)], capture_output=True, text=True, timeout=120, env={**base, **env},
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    values: dict[str, int] = {}
    texts: dict[str, str] = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition(" ")
        if is_text(name):
            texts[name] = value
        else:
            values[name] = int(value)
    return values, texts


def module_kernels(tmp_path_factory: pytest.TempPathFactory, source: str,
                   names: tuple[str, ...]) -> Iterator[dict[str, int]]:
    """A module fixture's body: `source` compiled for the simulated device (with its own compile cache),
    loaded with cudaLibraryLoadData; yields its kernels by name and unloads the module after."""
    if g.backend != "sim":
        pytest.skip("the simulated device is not the active backend")
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp, preload_removed():
        mp.setenv("PYGPU_CACHE_DIR", str(cache))
        path = Path(PyGPU.sim.compile(source))
    lib, err = g.cudaLibraryLoadData(path.read_bytes())
    assert err == g.cudaSuccess, err
    found = {}
    for name in names:
        found[name], err = g.cudaLibraryGetKernel(lib, name)
        assert err == g.cudaSuccess, err
    yield found
    g.cudaLibraryUnload(lib)
