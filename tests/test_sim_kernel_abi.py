"""Kernel ABI v2 of the simulated device (include/pygpu/sim/launch.h): the
kernel-side C API (masked warp exchanges, the active mask, static and dynamic
shared memory, printf, the current thread), the ABI's refusal of code built
for another version, __device__ variables and CUDA's symbol calls, the kernel
attribute and occupancy calls. Kernels are hand-written as the compiler
driver's code registers them; the program prints "name value" lines."""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
from pathlib import Path

import pytest

import PyGPU as g
from helpers import build_against_sim

pytestmark = pytest.mark.build  # each test runs the C++ compiler

PROGRAM = r"""
#include <cuda_runtime.h>
#include <launch.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#define SHOW(name, expr) std::printf("%s %lld\n", name, static_cast<long long>(expr))

template <class T>
static T arg(const pygpu_sim_thread_context* t, int i) {
    T v;
    std::memcpy(&v, t->block->args[i], sizeof v);
    return v;
}

static unsigned linear(const pygpu_sim_thread_context* t) {
    const pygpu_sim_block_context* b = t->block;
    return t->thread_idx.x + b->block_dim.x * (t->thread_idx.y + b->block_dim.y * t->thread_idx.z);
}

// warp_sums(out): each half warp sums its lanes' values over its own mask,
// then the warp sums over __activemask() after the lanes >= live have exited.
static void warp_sums(unsigned*, unsigned) {}
static void warp_sums_thread(pygpu_sim_thread_context* t) {
    static const pygpu_sim_sync_site lo = {"__reduce_add_sync", __FILE__, __LINE__};
    static const pygpu_sim_sync_site hi = {"__reduce_add_sync", __FILE__, __LINE__};
    static const pygpu_sim_sync_site all = {"__shfl_sync", __FILE__, __LINE__};
    unsigned* out = arg<unsigned*>(t, 0);
    const unsigned live = arg<unsigned>(t, 1);
    const unsigned tid = linear(t), lane = tid % 32;
    const unsigned mask = lane < 16 ? 0x0000FFFFu : 0xFFFF0000u;
    unsigned lanes = 0;
    const uint64_t* v = pygpu_sim_warp_exchange(lane < 16 ? &lo : &hi, tid, mask, &lanes);
    unsigned half = 0;
    for (unsigned l = 0; l < lanes; ++l) if ((mask >> l) & 1) half += static_cast<unsigned>(v[l]);
    out[3 * tid] = half;
    out[3 * tid + 1] = lanes;
    if (tid >= live) return;
    const unsigned active = pygpu_sim_active_mask();
    v = pygpu_sim_warp_exchange(&all, tid, active, nullptr);
    unsigned sum = 0;
    for (unsigned l = 0; l < 32; ++l) if ((active >> l) & 1) sum += static_cast<unsigned>(v[l]);
    out[3 * tid + 2] = sum + (pygpu_sim_current_thread() == t ? 0 : 1000000);
}

// shared_use(out): a static array below the dynamic region, reduced in both.
static void shared_use(long long*) {}
static void shared_use_thread(pygpu_sim_thread_context* t) {
    static const char key = 0;
    static const pygpu_sim_sync_site sync = {"__syncthreads", __FILE__, __LINE__};
    long long* out = arg<long long*>(t, 0);
    int* stat = static_cast<int*>(pygpu_sim_shared_static(&key, 64 * sizeof(int), alignof(int)));
    size_t bytes = 0;
    int* dyn = static_cast<int*>(pygpu_sim_shared_dynamic(&bytes));
    const unsigned tid = t->thread_idx.x;
    stat[tid] = static_cast<int>(tid);
    dyn[tid] = static_cast<int>(2 * tid);
    pygpu_sim_block_barrier(&sync, 0);
    if (tid == 0) {
        long long s = 0;
        for (int i = 0; i < 64; ++i) s += stat[i] + dyn[i];
        out[0] = s;
        out[1] = static_cast<long long>(bytes);
        out[2] = reinterpret_cast<char*>(dyn) - reinterpret_cast<char*>(stat);
        out[3] = reinterpret_cast<uintptr_t>(dyn) % 16;
        out[4] = dyn == t->block->shared;
    }
}

// too_big(): asks for more static shared memory than a block has.
static void too_big() {}
static void too_big_thread(pygpu_sim_thread_context*) {
    static const char key = 0;
    pygpu_sim_shared_static(&key, 40000, 16);
}

// talk(): kernel printf.
static void talk() {}
static void talk_block(pygpu_sim_thread_context* t) {
    for (unsigned x = 0; x < t->block->block_dim.x; ++x) {
        char line[64];
        const int n = std::snprintf(line, sizeof line, "kernel_says %u\n", 10 * t->block->block_idx.x + x);
        pygpu_sim_print(line, static_cast<size_t>(n));
    }
}

// misfiled(): a loop kernel that reaches a barrier.
static void misfiled() {}
static void misfiled_block(pygpu_sim_thread_context*) {
    static const pygpu_sim_sync_site sync = {"__syncthreads", "misfiled.cu", 12};
    pygpu_sim_block_barrier(&sync, 0);
}

// A __device__ variable and a kernel reading it: out[i] = table[i] * 2.
static int table[16];
static void doubled(int*) {}
static void doubled_block(pygpu_sim_thread_context* t) {
    int* out = arg<int*>(t, 0);
    for (unsigned x = 0; x < t->block->block_dim.x; ++x) out[x] = table[x] * 2;
}

static int reg(const void* stub, const char* name, pygpu_sim_kernel_fn block, pygpu_sim_kernel_fn thread,
               unsigned params, const size_t* sizes) {
    const pygpu_sim_kernel_desc d = {PYGPU_SIM_KERNEL_ABI_VERSION, name, block, thread, 0, params, sizes,
                                     PYGPU_SIM_KERNEL_ABI_TAG};
    return pygpu_sim_register_kernel(stub, &d);
}

int main() {
    static const size_t ptr_uint[] = {sizeof(void*), sizeof(unsigned)};
    static const size_t ptr[] = {sizeof(void*)};
    const void* ws = reinterpret_cast<const void*>(&warp_sums);
    const void* su = reinterpret_cast<const void*>(&shared_use);
    const void* tb = reinterpret_cast<const void*>(&too_big);
    const void* tk = reinterpret_cast<const void*>(&talk);
    const void* mf = reinterpret_cast<const void*>(&misfiled);
    const void* db = reinterpret_cast<const void*>(&doubled);
    SHOW("register", reg(ws, "warp_sums", nullptr, warp_sums_thread, 2, ptr_uint) |
                         reg(su, "shared_use", nullptr, shared_use_thread, 1, ptr) |
                         reg(tb, "too_big", nullptr, too_big_thread, 0, nullptr) |
                         reg(tk, "talk", talk_block, nullptr, 0, nullptr) |
                         reg(mf, "misfiled", misfiled_block, nullptr, 0, nullptr) |
                         reg(db, "doubled", doubled_block, nullptr, 1, ptr));

    // The ABI: another version, or no tag.
    pygpu_sim_kernel_desc old = {1, "old", talk_block, nullptr, 0, 0, nullptr, PYGPU_SIM_KERNEL_ABI_TAG};
    SHOW("abi_v1", pygpu_sim_register_kernel(tk, &old));
    std::printf("abi_v1_message %s\n", pygpu_sim_last_message());
    pygpu_sim_kernel_desc untagged = {PYGPU_SIM_KERNEL_ABI_VERSION, "untagged", talk_block, nullptr, 0, 0, nullptr,
                                      nullptr};
    SHOW("abi_untagged", pygpu_sim_register_kernel(tk, &untagged));
    std::printf("abi_untagged_message %s\n", pygpu_sim_last_message());
    SHOW("abi_symbol", pygpu_sim_kernel_abi_v2);
    cudaGetLastError();

    // Outside kernel code.
    SHOW("outside_thread", pygpu_sim_current_thread() == nullptr);
    SHOW("outside_mask", pygpu_sim_active_mask());
    size_t bytes = 5;
    SHOW("outside_dynamic", pygpu_sim_shared_dynamic(&bytes) == nullptr && bytes == 0);
    SHOW("outside_static", pygpu_sim_shared_static(&bytes, 4, 4) == nullptr);
    SHOW("outside_static_last", cudaGetLastError());

    // Masked exchanges: 40 threads, the last 5 exit before the active-mask exchange.
    std::vector<unsigned> w(3 * 40, 0);
    unsigned* dw = nullptr;
    cudaMalloc(reinterpret_cast<void**>(&dw), w.size() * sizeof(unsigned));
    unsigned live = 35;
    void* ws_args[] = {&dw, &live};
    SHOW("warp_launch", cudaLaunchKernel(ws, dim3(1), dim3(40), ws_args) | cudaDeviceSynchronize());
    cudaMemcpy(w.data(), dw, w.size() * sizeof(unsigned), cudaMemcpyDeviceToHost);
    std::printf("warp_halves %u %u %u %u\n", w[0], w[3 * 16], w[3 * 32], w[3 * 39]);
    std::printf("warp_lanes %u %u\n", w[1], w[3 * 39 + 1]);
    std::printf("warp_active %u %u %u\n", w[2], w[3 * 34 + 2], w[3 * 35 + 2]);

    // Shared memory, and what cudaFuncGetAttributes saw.
    cudaFuncAttributes attr;
    SHOW("attr_before", cudaFuncGetAttributes(&attr, su));
    SHOW("attr_before_shared", attr.sharedSizeBytes);
    SHOW("attr_before_dynamic", attr.maxDynamicSharedSizeBytes);
    long long* ds = nullptr;
    cudaMalloc(reinterpret_cast<void**>(&ds), 5 * sizeof(long long));
    void* su_args[] = {&ds};
    SHOW("shared_launch", cudaLaunchKernel(su, dim3(3), dim3(64), su_args, 64 * sizeof(int)) | cudaDeviceSynchronize());
    long long so[5] = {0, 0, 0, 0, 0};
    cudaMemcpy(so, ds, sizeof so, cudaMemcpyDeviceToHost);
    std::printf("shared_values %lld %lld %lld %lld %lld\n", so[0], so[1], so[2], so[3], so[4]);
    SHOW("attr_after", cudaFuncGetAttributes(&attr, &shared_use));  // the C++ overload
    SHOW("attr_after_shared", attr.sharedSizeBytes);
    SHOW("attr_after_dynamic", attr.maxDynamicSharedSizeBytes);
    SHOW("attr_threads", attr.maxThreadsPerBlock);
    SHOW("attr_regs", attr.numRegs);
    SHOW("attr_unknown", cudaFuncGetAttributes(&attr, reinterpret_cast<const void*>(&main)));
    SHOW("attr_null", cudaFuncGetAttributes(nullptr, su));
    // Dynamic shared memory limits: the default, the opt-in.
    SHOW("dyn_over_default", cudaLaunchKernel(su, dim3(1), dim3(64), su_args, 49152 - 256 + 16));
    SHOW("set_dyn", cudaFuncSetAttribute(su, cudaFuncAttributeMaxDynamicSharedMemorySize, 100000));
    SHOW("dyn_optin", cudaLaunchKernel(su, dim3(1), dim3(64), su_args, 100000) | cudaDeviceSynchronize());
    SHOW("dyn_over_set", cudaLaunchKernel(su, dim3(1), dim3(64), su_args, 100001));
    SHOW("set_dyn_too_big", cudaFuncSetAttribute(su, cudaFuncAttributeMaxDynamicSharedMemorySize, 166912 - 255));
    SHOW("set_dyn_negative", cudaFuncSetAttribute(su, cudaFuncAttributeMaxDynamicSharedMemorySize, -1));
    SHOW("set_carveout", cudaFuncSetAttribute(su, cudaFuncAttributePreferredSharedMemoryCarveout, 50));
    SHOW("set_carveout_bad", cudaFuncSetAttribute(su, cudaFuncAttributePreferredSharedMemoryCarveout, 101));
    SHOW("set_cluster", cudaFuncSetAttribute(su, cudaFuncAttributeRequiredClusterWidth, 2));
    SHOW("set_unknown_attr", cudaFuncSetAttribute(su, static_cast<cudaFuncAttribute>(99), 0));
    SHOW("set_unknown_func", cudaFuncSetAttribute(reinterpret_cast<const void*>(&main),
                                                  cudaFuncAttributePreferredSharedMemoryCarveout, 0));
    cudaFuncGetAttributes(&attr, su);
    SHOW("attr_set_dynamic", attr.maxDynamicSharedSizeBytes);
    SHOW("attr_set_carveout", attr.preferredShmemCarveout);
    SHOW("cache", cudaFuncSetCacheConfig(su, cudaFuncCachePreferShared));
    SHOW("cache_bad", cudaFuncSetCacheConfig(su, static_cast<cudaFuncCache>(7)));
    cudaGetLastError();

    // Occupancy (doubled: no shared memory).
    int blocks = -1, grid = -1, block = -1;
    SHOW("occ_256", cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, db, 256, 0));
    SHOW("occ_256_blocks", blocks);
    cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, db, 1024, 0);
    SHOW("occ_1024_blocks", blocks);
    cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, db, 32, 40000);
    SHOW("occ_shared_blocks", blocks);
    SHOW("occ_zero", cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, db, 0, 0));
    const void* not_a_kernel = reinterpret_cast<const void*>(&main);
    SHOW("occ_unknown", cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, not_a_kernel, 32, 0));
    SHOW("potential", cudaOccupancyMaxPotentialBlockSize(&grid, &block, &doubled));
    std::printf("potential_sizes %d %d\n", grid, block);
    cudaOccupancyMaxPotentialBlockSize(&grid, &block, &doubled, 0, 100);
    std::printf("potential_limited %d %d\n", grid, block);
    cudaGetLastError();

    // A static array over the block's limit: the launch fails (sticky), then a reset.
    SHOW("too_big_launch", cudaLaunchKernel(tb, dim3(1), dim3(4), nullptr, 10000));
    SHOW("too_big_sync", cudaDeviceSynchronize());
    std::printf("too_big_message %s\n", pygpu_sim_last_message());
    SHOW("reset1", cudaDeviceReset());
    // A loop kernel reaching a barrier.
    SHOW("misfiled_launch", cudaLaunchKernel(mf, dim3(1), dim3(8), nullptr));
    SHOW("misfiled_sync", cudaDeviceSynchronize());
    std::printf("misfiled_message %s\n", pygpu_sim_last_message());
    SHOW("reset2", cudaDeviceReset());

    // Kernel printf: out by the synchronisation, before what the host prints next.
    std::fflush(stdout);
    SHOW("talk_launch", cudaLaunchKernel(tk, dim3(2), dim3(2), nullptr) | cudaDeviceSynchronize());
    pygpu_sim_print("host_says 1\n", 12);
    std::fflush(stdout);

    // __device__ variables.
    SHOW("global_register", pygpu_sim_register_global(table, sizeof table, "table"));
    SHOW("global_register_again", pygpu_sim_register_global(table, sizeof table, "table"));
    SHOW("global_overlap", pygpu_sim_register_global(table + 4, 8, "inside"));
    SHOW("global_null", pygpu_sim_register_global(nullptr, 4, "null"));
    int values[16];
    for (int i = 0; i < 16; ++i) values[i] = i + 1;
    SHOW("to_symbol", cudaMemcpyToSymbol(table, values, sizeof values));  // the C++ overload
    void* address = nullptr;
    size_t size = 0;
    SHOW("symbol_address", cudaGetSymbolAddress(&address, table));
    SHOW("symbol_address_same", address == static_cast<void*>(table));
    SHOW("symbol_size", cudaGetSymbolSize(&size, table));
    SHOW("symbol_size_value", size);
    int* dd = nullptr;
    cudaMalloc(reinterpret_cast<void**>(&dd), sizeof values);
    void* db_args[] = {&dd};
    SHOW("doubled_launch", cudaLaunchKernel(&doubled, dim3(1), dim3(16), db_args) |  // the C++ overload
                               cudaDeviceSynchronize());
    int out[16] = {0};
    cudaMemcpy(out, dd, sizeof out, cudaMemcpyDeviceToHost);
    SHOW("doubled_15", out[15]);
    int two[2] = {0, 0};
    SHOW("from_symbol_offset", cudaMemcpyFromSymbol(two, table, sizeof two, 14 * sizeof(int)));
    std::printf("from_symbol_values %d %d\n", two[0], two[1]);
    int seven = 7;
    cudaStream_t s = nullptr;
    cudaStreamCreate(&s);
    SHOW("to_symbol_async", cudaMemcpyToSymbolAsync(table, &seven, sizeof seven, 0, cudaMemcpyHostToDevice, s) |
                                cudaMemcpyFromSymbolAsync(two, table, sizeof(int), 0, cudaMemcpyDeviceToHost, s) |
                                cudaStreamSynchronize(s));
    SHOW("from_symbol_async_value", two[0]);
    SHOW("memcpy_to_address", cudaMemcpy(address, values, sizeof(int), cudaMemcpyHostToDevice));
    SHOW("memcpy_default", cudaMemcpy(two, address, sizeof(int), cudaMemcpyDefault));
    SHOW("memcpy_default_value", two[0]);
    SHOW("memcpy_d2d", cudaMemcpy(dd, address, sizeof values, cudaMemcpyDeviceToDevice));
    SHOW("memset_global", cudaMemset(address, 0, sizeof values));
    SHOW("memcpy_past_end", cudaMemcpy(address, values, sizeof values + 4, cudaMemcpyHostToDevice));
    std::printf("memcpy_past_end_message %s\n", pygpu_sim_last_message());
    SHOW("memcpy_as_host", cudaMemcpy(values, address, 4, cudaMemcpyHostToHost));
    cudaPointerAttributes pa;
    SHOW("attributes", cudaPointerGetAttributes(&pa, address));
    SHOW("attributes_type", pa.type);
    SHOW("free_global", cudaFree(address));
    std::printf("free_global_message %s\n", pygpu_sim_last_message());
    SHOW("to_symbol_past_end", cudaMemcpyToSymbol(table, values, 8, 60));
    SHOW("to_symbol_offset_past_end", cudaMemcpyToSymbol(table, values, 0, 65));
    SHOW("to_symbol_wrong_kind", cudaMemcpyToSymbol(table, values, 4, 0, cudaMemcpyDeviceToHost));
    SHOW("from_symbol_wrong_kind", cudaMemcpyFromSymbol(values, table, 4, 0, cudaMemcpyHostToDevice));
    SHOW("unknown_symbol", cudaMemcpyToSymbol(values, values, 4));
    std::printf("unknown_symbol_message %s\n", pygpu_sim_last_message());
    SHOW("unknown_symbol_address", cudaGetSymbolAddress(&address, values));
    SHOW("unknown_symbol_size", cudaGetSymbolSize(&size, values));
    SHOW("reset3", cudaDeviceReset());
    SHOW("global_after_reset", cudaMemcpyFromSymbol(two, table, sizeof(int)));
    SHOW("global_value_after_reset", two[0]);
    SHOW("unregister", pygpu_sim_unregister_global(table));
    SHOW("unregister_again", pygpu_sim_unregister_global(table));
    SHOW("after_unregister", cudaGetSymbolSize(&size, table));
    cudaGetLastError();
    return 0;
}
"""

EXPECTED = {
    "register": 0, "abi_v1": 1, "abi_untagged": 1, "abi_symbol": 2,
    "outside_thread": 1, "outside_mask": 0, "outside_dynamic": 1, "outside_static": 1, "outside_static_last": 1,
    "warp_launch": 0,
    "attr_before": 0, "attr_before_shared": 0, "attr_before_dynamic": 49152,
    "shared_launch": 0, "attr_after": 0, "attr_after_shared": 256, "attr_after_dynamic": 49152 - 256,
    "attr_threads": 1024, "attr_regs": 0, "attr_unknown": 98, "attr_null": 1,
    "dyn_over_default": 1, "set_dyn": 0, "dyn_optin": 0, "dyn_over_set": 1, "set_dyn_too_big": 1,
    "set_dyn_negative": 1, "set_carveout": 0, "set_carveout_bad": 1, "set_cluster": 801, "set_unknown_attr": 1,
    "set_unknown_func": 98, "attr_set_dynamic": 100000, "attr_set_carveout": 50, "cache": 0, "cache_bad": 1,
    "occ_256": 0, "occ_256_blocks": 8, "occ_1024_blocks": 2, "occ_shared_blocks": 4, "occ_zero": 1,
    "occ_unknown": 98, "potential": 0,
    "too_big_launch": 0, "too_big_sync": 1, "reset1": 0,
    "misfiled_launch": 0, "misfiled_sync": 719, "reset2": 0,
    "talk_launch": 0,
    "global_register": 0, "global_register_again": 0, "global_overlap": 1, "global_null": 1,
    "to_symbol": 0, "symbol_address": 0, "symbol_address_same": 1, "symbol_size": 0, "symbol_size_value": 64,
    "doubled_launch": 0, "doubled_15": 32, "from_symbol_offset": 0, "to_symbol_async": 0,
    "from_symbol_async_value": 7, "memcpy_to_address": 0, "memcpy_default": 0, "memcpy_default_value": 1,
    "memcpy_d2d": 0, "memset_global": 0, "memcpy_past_end": 1, "memcpy_as_host": 1, "attributes": 0,
    "attributes_type": 2, "free_global": 1, "to_symbol_past_end": 1, "to_symbol_offset_past_end": 1,
    "to_symbol_wrong_kind": 21, "from_symbol_wrong_kind": 21, "unknown_symbol": 13, "unknown_symbol_address": 13,
    "unknown_symbol_size": 13, "reset3": 0, "global_after_reset": 0, "global_value_after_reset": 0,
    "unregister": 0, "unregister_again": 13, "after_unregister": 13,
}

TEXT = {
    # warp 0: lanes 0..15 sum 0..15 = 120, lanes 16..31 sum 16..31 = 376; warp 1 (8 lanes): 32..39 = 284
    "warp_halves": "120 376 284 284",
    "warp_lanes": "32 8",
    "warp_active": "496 99 0",  # 0+..+31; 32+33+34 (threads 35.. exited first); 35 never got there
    "shared_values": f"{3 * sum(range(64))} 256 256 0 1",
    "potential_sizes": "216 1024",
    "potential_limited": "3456 64",
    "from_symbol_values": "15 16",
}

MESSAGES = {
    "abi_v1_message": (r"pygpu_sim_register_kernel: the kernel was compiled for kernel ABI version 1, this library "
                       r"has version 2"),
    "abi_untagged_message": (r"pygpu_sim_register_kernel: kernel 'untagged': abi_tag is not PYGPU_SIM_KERNEL_ABI_TAG "
                             r"\(the address of pygpu_sim_kernel_abi_v2\)"),
    "too_big_message": (r".*kernel 'too_big': block \(0,0,0\), thread \(0,0,0\): a static __shared__ variable of "
                        r"40000 bytes does not fit: 0 bytes of static and 10000 of dynamic shared memory are in use, "
                        r"the block's limit is 49152 bytes"),
    "misfiled_message": (r".*kernel 'misfiled' was compiled to run its threads as a loop \(no barrier found\) but "
                         r"reached __syncthreads at misfiled\.cu:12; compile it with --sim-fibers.*"),
    "memcpy_past_end_message": (r"dst 0x[0-9a-f]+: 68 bytes from offset 0 of the __device__ variable 'table' "
                                r"\(64 bytes\) run 4 bytes past its end"),
    "free_global_message": (r"devPtr 0x[0-9a-f]+ is the __device__ variable 'table' \(64 bytes\), not memory from "
                            r"cudaMalloc, cudaMallocManaged or cudaMallocAsync; it cannot be freed"),
    "unknown_symbol_message": (r"cudaMemcpyToSymbol: 0x[0-9a-f]+ is not a registered __device__ or __constant__ "
                               r"variable .*"),
}


@pytest.fixture(scope="module")
def program(tmp_path_factory) -> Path:
    return build_against_sim(tmp_path_factory.mktemp("abi"), "abi", PROGRAM)


@pytest.fixture(scope="module", params=[{}, {"PYGPU_SIM_CHAOS": "7:200"}, {"PYGPU_SIM_WORKERS": "1"}],
                ids=["plain", "chaos", "one_worker"])
def output(program, request) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}
    env.update(request.param)
    result = subprocess.run([str(program)], capture_output=True, text=True, timeout=120, env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _values(output: str) -> dict[str, str]:
    values = {}
    for line in output.splitlines():
        name, _, value = line.partition(" ")
        values[name] = value
    return values


def test_codes(output):
    values = _values(output)
    assert {k: int(values[k]) for k in EXPECTED} == EXPECTED


@pytest.mark.parametrize("name", sorted(TEXT))
def test_values(output, name):
    assert _values(output)[name] == TEXT[name]


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_messages(output, name):
    message = _values(output)[name]
    assert re.fullmatch(MESSAGES[name], message), message


def test_kernel_printf_is_out_by_the_synchronisation(output):
    lines = output.splitlines()
    start = lines.index("talk_launch 0") if "talk_launch 0" in lines else -1
    said = [line for line in lines if line.startswith("kernel_says ")]
    assert sorted(said) == ["kernel_says 0", "kernel_says 1", "kernel_says 10", "kernel_says 11"]
    # The kernel's output came before the launch's status line and the host's next print.
    assert all(lines.index(line) < start for line in said)
    assert lines.index("host_says 1") == start + 1


def test_a_library_built_for_another_abi_fails_to_load(tmp_path):
    """Generated code references pygpu_sim_kernel_abi_vN: built for v3, dlopen names the missing symbol."""
    source = ('#include <launch.h>\n'
              'extern "C" const unsigned int pygpu_sim_kernel_abi_v3;\n'
              'extern "C" const void* abi_tag() { return &pygpu_sim_kernel_abi_v3; }\n')
    library = build_against_sim(tmp_path, "libfuture.so", source, "-shared", "-fPIC")
    with pytest.raises(OSError, match="undefined symbol: pygpu_sim_kernel_abi_v3"):
        ctypes.CDLL(str(library))
    current = build_against_sim(tmp_path, "libcurrent.so", source.replace("_v3", "_v2"), "-shared", "-fPIC")
    lib = ctypes.CDLL(str(current))
    lib.abi_tag.restype = ctypes.POINTER(ctypes.c_uint)
    assert lib.abi_tag()[0] == 2


def test_a_global_is_device_memory_for_python(tmp_path):
    """PyGPU's own copies accept a registered global's address as device memory."""
    if g.backend != "sim":
        pytest.skip("the simulated device is not the active backend")
    source = ('#include <cuda_runtime.h>\n#include <launch.h>\n'
              'static float weights[4] = {1, 2, 3, 4};\n'
              'extern "C" void* setup() {\n'
              '    if (pygpu_sim_register_global(weights, sizeof weights, "weights") != 0) return nullptr;\n'
              '    void* p = nullptr;\n'
              '    return cudaGetSymbolAddress(&p, weights) == cudaSuccess ? p : nullptr;\n'
              '}\n'
              'extern "C" int teardown() { return pygpu_sim_unregister_global(weights); }\n')
    lib = ctypes.CDLL(str(build_against_sim(tmp_path, "libweights.so", source, "-shared", "-fPIC")))
    lib.setup.restype = ctypes.c_void_p
    address = lib.setup()
    assert address
    try:
        import numpy as np
        out = np.zeros(4, dtype=np.float32)
        assert g.cudaMemcpy(out, address, 16, g.cudaMemcpyDeviceToHost).code == 0
        np.testing.assert_array_equal(out, [1, 2, 3, 4])
        err = g.cudaMemcpy(out, address, 20, g.cudaMemcpyDeviceToHost)
        assert err.code == 1  # cudaErrorInvalidValue: 4 bytes past the variable's end
    finally:
        assert lib.teardown() == 0


def test_sources_mention_every_exported_abi_function():
    """Every function the ABI header declares is defined in the simulator (the build links; here: by name)."""
    root = Path(__file__).resolve().parents[1]
    header = (root / "include" / "pygpu" / "sim" / "launch.h").read_text()
    declared = set(re.findall(r"\b(pygpu_sim_\w+)\(", header))
    sources = "".join(p.read_text() for p in (root / "src" / "PyGPU" / "sim").glob("*.cpp"))
    defined = {name for name in declared if re.search(rf"\b{name}\([^;]*\)\s*\{{", sources)}
    assert declared == defined
