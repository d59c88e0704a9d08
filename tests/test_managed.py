"""Managed memory: cudaMallocManaged on the simulated device (pointer attributes, copies of every kind, memsets,
kernels writing it and numpy reading it in place, cudaFree/cudaFreeHost, resets, leaks and statistics), the
codes the CUDA and HIP backends answer without a device, and PyGPU.driver's managed arrays."""

from __future__ import annotations

import ctypes
import struct

import numpy as np
import pytest

import PyGPU as g
import PyGPU.driver as cuda
from helpers import build_against_sim, module_kernels, run_program, run_python

on_sim = pytest.mark.skipif(g.backend != "sim", reason="the simulated device is not the active backend")

SOURCE = r"""
extern "C" __global__ void iota(float* x, float start, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = start + i;
}

extern "C" __global__ void scale(float* x, float a, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= a;
}
"""


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    """The kernels of SOURCE, by name."""
    yield from module_kernels(tmp_path_factory, SOURCE, ("iota", "scale"))


def managed(nbytes: int, flags: int = g.cudaMemAttachGlobal, label: str | None = None):
    ptr, err = g.cudaMallocManaged(nbytes, flags, label)
    assert err == g.cudaSuccess, err
    return ptr


def floats_at(ptr, n: int) -> np.ndarray:
    """A numpy array over n floats at `ptr` (host code reading managed memory in place)."""
    return np.frombuffer((ctypes.c_float * n).from_address(int(ptr)), dtype=np.float32)


def launch(f, n: int, *args) -> None:
    assert g.cudaLaunchKernel(f, ((n + 31) // 32,), (32,), list(args)) == g.cudaSuccess
    assert g.cudaDeviceSynchronize() == g.cudaSuccess


def address(p) -> bytes:
    return struct.pack("P", int(p))


# --- the low-level call on the simulated device --------------------------------------------------------------

@on_sim
def test_managed_memory_is_reported_as_managed_and_charged_to_the_device(pygpu_sim):
    (free_before, total), _ = g.cudaMemGetInfo()
    ptr = managed(1000, label="shared")
    attributes, err = g.cudaPointerGetAttributes(ptr)
    assert err == g.cudaSuccess
    assert attributes.type == g.cudaMemoryTypeManaged == 3
    assert attributes.device == 0
    assert attributes.devicePointer == attributes.hostPointer == int(ptr)
    assert pygpu_sim.allocations() == [{"address": int(ptr), "size": 1000, "device": 0, "kind": "managed",
                                        "label": "shared", "origin": "cudaMallocManaged"}]
    assert g.cudaMemGetInfo()[0] == (free_before - 1024, total)  # rounded up to 256 bytes, as cudaMalloc
    assert pygpu_sim.stats()["devices"][0] == {"allocations": 1, "frees": 0, "current_bytes": 1000,
                                               "peak_bytes": 1000}
    assert int(ptr) % 256 == 0
    assert g.cudaFree(ptr) == g.cudaSuccess
    assert pygpu_sim.allocations() == []
    assert pygpu_sim.stats()["devices"][0]["frees"] == 1
    assert g.cudaMemGetInfo()[0] == (free_before, total)


@on_sim
def test_attach_host_is_accepted_and_recorded(pygpu_sim):
    ptr = managed(64, g.cudaMemAttachHost)
    assert g.cudaPointerGetAttributes(ptr)[0].type == g.cudaMemoryTypeManaged
    assert g.cudaFree(ptr) == g.cudaSuccess


@on_sim
@pytest.mark.parametrize("flags", [0, 3, g.cudaMemAttachSingle, 8, 0xFFFFFFFF])
def test_flags_other_than_global_or_host_are_invalid(pygpu_sim, flags):
    value, err = g.cudaMallocManaged(64, flags)
    assert value is None
    assert err == g.cudaErrorInvalidValue
    assert "cudaMemAttachGlobal" in err.message
    assert pygpu_sim.allocations() == []
    g.cudaGetLastError()


@on_sim
def test_size_zero_is_invalid_unlike_cudaMalloc(pygpu_sim):
    value, err = g.cudaMallocManaged(0)
    assert value is None and err == g.cudaErrorInvalidValue
    assert "size is 0" in err.message
    assert g.cudaMalloc(0) == (None, g.cudaSuccess) or g.cudaMalloc(0)[1] == g.cudaSuccess
    g.cudaGetLastError()


@on_sim
def test_more_than_the_device_has_is_memory_allocation(pygpu_sim):
    (free, _total), _ = g.cudaMemGetInfo()
    value, err = g.cudaMallocManaged(free + 1)
    assert value is None and err == g.cudaErrorMemoryAllocation
    g.cudaGetLastError()


@on_sim
def test_size_and_flags_are_checked_by_the_bindings(pygpu_sim):
    with pytest.raises(TypeError):
        g.cudaMallocManaged("64")
    with pytest.raises(ValueError, match="size must be >= 0"):
        g.cudaMallocManaged(-1)
    with pytest.raises(TypeError):
        g.cudaMallocManaged(64, "global")


@on_sim
def test_host_code_reads_and_writes_it_in_place(pygpu_sim):
    ptr = managed(16 * 4)
    view = floats_at(ptr, 16)
    view[:] = np.arange(16, dtype=np.float32)
    out = np.zeros(16, np.float32)
    assert g.cudaMemcpy(out, ptr, 64, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
    np.testing.assert_array_equal(out, np.arange(16))
    del view
    assert g.cudaFree(ptr) == g.cudaSuccess


ALL_KINDS = [g.cudaMemcpyHostToHost, g.cudaMemcpyHostToDevice, g.cudaMemcpyDeviceToHost, g.cudaMemcpyDeviceToDevice,
             g.cudaMemcpyDefault]


@on_sim
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_managed_to_managed_copies_under_every_kind(pygpu_sim, kind):
    """Managed memory is both host and device memory: a copy between two managed ranges takes any kind. A
    device-to-device copy (DeviceToDevice, and Default between two managed ranges) does not wait for the copy,
    as CUDA's: the host synchronises before it reads the result."""
    src = np.arange(32, dtype=np.float32)
    a, b = managed(src.nbytes), managed(src.nbytes)
    floats_at(a, 32)[:] = src
    assert g.cudaMemcpy(b, a, src.nbytes, kind) == g.cudaSuccess
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    np.testing.assert_array_equal(floats_at(b, 32), src)
    assert g.cudaFree(a) == g.cudaSuccess and g.cudaFree(b) == g.cudaSuccess


@on_sim
@pytest.mark.parametrize(("into", "out_of"), [(g.cudaMemcpyHostToDevice, g.cudaMemcpyDeviceToHost),
                                              (g.cudaMemcpyHostToHost, g.cudaMemcpyHostToHost),
                                              (g.cudaMemcpyDefault, g.cudaMemcpyDefault)])
def test_copies_between_pageable_host_memory_and_managed_memory(pygpu_sim, into, out_of):
    src = np.arange(32, dtype=np.float32)
    m = managed(src.nbytes)
    assert g.cudaMemcpy(m, src, src.nbytes, into) == g.cudaSuccess
    out = np.zeros_like(src)
    assert g.cudaMemcpy(out, m, src.nbytes, out_of) == g.cudaSuccess
    np.testing.assert_array_equal(out, src)
    assert g.cudaFree(m) == g.cudaSuccess


@on_sim
def test_pageable_host_memory_under_a_device_kind_is_still_refused(pygpu_sim):
    """Managed memory does not make the other side of a copy device memory."""
    m = managed(128)
    host = np.zeros(32, np.float32)
    err = g.cudaMemcpy(host, m, 128, g.cudaMemcpyDeviceToDevice)
    assert err == g.cudaErrorInvalidValue and "is not device memory" in err.message
    g.cudaGetLastError()
    assert g.cudaFree(m) == g.cudaSuccess


@on_sim
def test_copies_between_managed_and_device_memory_and_on_a_stream(pygpu_sim, dev_alloc):
    src = np.linspace(0, 1, 64, dtype=np.float32)
    m = managed(src.nbytes)
    d = dev_alloc(src.nbytes)
    floats_at(m, 64)[:] = src
    stream = g.cudaStream_t()
    assert g.cudaMemcpyAsync(d, m, src.nbytes, g.cudaMemcpyDeviceToDevice, stream) == g.cudaSuccess
    assert g.cudaMemsetAsync(m, 0, src.nbytes, stream) == g.cudaSuccess
    assert g.cudaMemcpyAsync(m, d, 16, g.cudaMemcpyDefault, stream) == g.cudaSuccess
    assert stream.synchronize() == g.cudaSuccess
    expected = np.zeros(64, np.float32)
    expected[:4] = src[:4]
    np.testing.assert_array_equal(floats_at(m, 64), expected)
    assert g.cudaFree(m) == g.cudaSuccess


@on_sim
def test_a_copy_past_the_end_of_managed_memory_is_invalid(pygpu_sim):
    m = managed(64)
    host = np.zeros(32, np.float32)
    err = g.cudaMemcpy(int(m), host, 128, g.cudaMemcpyHostToDevice)  # an int: the simulated device checks it
    assert err == g.cudaErrorInvalidValue
    assert "run 64 bytes past its end" in err.message and "managed allocation" in err.message
    err = g.cudaMemcpy(host, int(m), 128, g.cudaMemcpyHostToHost)
    assert err == g.cudaErrorInvalidValue and "past its end" in err.message
    g.cudaGetLastError()
    assert g.cudaFree(m) == g.cudaSuccess


@on_sim
def test_a_kernel_writes_managed_memory_that_numpy_reads_without_a_copy(pygpu_sim, kernels):
    n = 100
    m = managed(n * 4)
    launch(kernels["iota"], n, address(m), np.float32(10.0), np.int32(n))
    view = floats_at(m, n)
    np.testing.assert_array_equal(view, 10.0 + np.arange(n, dtype=np.float32))
    view[:] = 2.0  # the host writes, the kernel reads
    launch(kernels["scale"], n, address(m), np.float32(1.5), np.int32(n))
    np.testing.assert_array_equal(view, np.full(n, 3.0, np.float32))
    assert pygpu_sim.stats()["bytes"]["HtoD"] == 0 and pygpu_sim.stats()["bytes"]["DtoH"] == 0
    del view
    assert g.cudaFree(m) == g.cudaSuccess


@on_sim
def test_cudaFreeHost_refuses_managed_memory_and_cudaFree_releases_it_once(pygpu_sim):
    m = managed(256)
    err = g.cudaFreeHost(m)
    assert err == g.cudaErrorInvalidValue
    assert "managed allocation" in err.message and "release it with cudaFree" in err.message
    assert len(pygpu_sim.allocations()) == 1
    assert g.cudaFree(m) == g.cudaSuccess
    assert not m.alive
    assert g.cudaFree(int(m)) == g.cudaErrorInvalidValue  # double free, by address
    g.cudaGetLastError()


@on_sim
def test_cudaHostRegister_refuses_a_range_over_managed_memory(pygpu_sim):
    m = managed(8192)
    err = g.cudaHostRegister(int(m), 4096, 0)
    assert err == g.cudaErrorInvalidValue
    assert "only host memory can be registered" in err.message
    g.cudaGetLastError()
    assert g.cudaFree(m) == g.cudaSuccess


@on_sim
def test_device_reset_frees_the_managed_memory_of_its_device(pygpu_sim):
    assert g.cudaSetDevice(1) == g.cudaSuccess
    on_1 = managed(512)
    assert g.cudaSetDevice(0) == g.cudaSuccess
    on_0 = managed(512)
    assert g.cudaPointerGetAttributes(on_1)[0].device == 1
    assert g.cudaSetDevice(1) == g.cudaSuccess
    assert g.cudaDeviceReset() == g.cudaSuccess
    assert not on_1.alive and on_0.alive
    assert [a["address"] for a in pygpu_sim.allocations()] == [int(on_0)]
    assert g.cudaSetDevice(0) == g.cudaSuccess
    assert g.cudaFree(on_0) == g.cudaSuccess


@on_sim
def test_leaks_and_the_leak_report_name_managed_memory(pygpu_sim):
    m = managed(4096, label="grid")
    [leak] = pygpu_sim.leaks()
    assert leak["kind"] == "managed" and leak["size"] == 4096 and leak["label"] == "grid"
    report = pygpu_sim.leak_report()
    assert "4096 bytes of managed memory" in report
    assert "managed (device 0)" in report and "cudaMallocManaged" in report and "label 'grid'" in report
    assert g.cudaFree(m) == g.cudaSuccess
    assert pygpu_sim.leaks() == []


@on_sim
def test_injected_failures_reach_cudaMallocManaged(pygpu_sim):
    with pygpu_sim.inject("cudaMallocManaged", "cudaErrorMemoryAllocation"):
        assert g.cudaMallocManaged(64) == (None, g.cudaErrorMemoryAllocation) or \
            g.cudaMallocManaged(64)[1] == g.cudaErrorMemoryAllocation
    assert pygpu_sim.stats()["calls"]["cudaMallocManaged"] >= 1
    g.cudaGetLastError()


def test_the_hip_names_are_the_cuda_ones():
    assert g.hipMallocManaged is g.cudaMallocManaged
    assert (g.hipMemAttachGlobal, g.hipMemAttachHost, g.hipMemAttachSingle) == (1, 2, 4)
    assert (g.cudaMemAttachGlobal, g.cudaMemAttachHost, g.cudaMemAttachSingle) == (1, 2, 4)


GPU_MANAGED_CHECK = """
import PyGPU as g
print(g.cudaGetDeviceCount()[0])
for value, err in (g.cudaMallocManaged(256), g.cudaMallocManaged(256, g.cudaMemAttachHost)):
    print(value, int(err), err.name)
print(int(g.cudaFree(0)))
"""


@pytest.mark.parametrize(("backend", "answers"), [
    ("cuda", {(35, "cudaErrorInsufficientDriver"), (100, "cudaErrorNoDevice")}),
    ("hip", {(101, "hipErrorInvalidDevice"), (100, "hipErrorNoDevice")}),
])
def test_gpu_backends_answer_with_their_own_codes(backend, answers):
    """Without a device, cudaMallocManaged answers the runtime's own code and hands back no pointer."""
    if backend not in g.built_backends:
        pytest.skip(f"backend {backend} was not built")
    result = run_python(GPU_MANAGED_CHECK, PYGPU_BACKEND=backend)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().split("\n")
    if lines[0] != "None":
        pytest.skip("a device is present: this test is for machines without one")
    assert len(lines) == 4
    for line in lines[1:3]:
        value, code, name = line.split()
        assert value == "None" and (int(code), name) in answers, line


HOST_PROGRAM = r"""
#include <hip/hip_runtime.h>
#include <cstdio>

#define SHOW(name, expr) std::printf("%s %d\n", name, static_cast<int>(expr))

int main() {
    float* m = nullptr;
    SHOW("alloc", cudaMallocManaged(&m, 64 * sizeof(float)));  // CUDA's template, cudaMemAttachGlobal
    for (int i = 0; i < 64; ++i) m[i] = 2.0f * i;               // the host writes in place
    float out[64] = {};
    SHOW("copy", cudaMemcpy(out, m, sizeof out, cudaMemcpyDefault));
    SHOW("out63", out[63]);
    cudaPointerAttributes a;
    SHOW("attributes", cudaPointerGetAttributes(&a, m));
    SHOW("type", a.type == cudaMemoryTypeManaged && a.devicePointer == m && a.hostPointer == m);
    SHOW("free_host", cudaFreeHost(m));
    SHOW("free", cudaFree(m));
    void* h = nullptr;
    SHOW("hip_alloc", hipMallocManaged(&h, 16, hipMemAttachHost));
    SHOW("hip_free", hipFree(h));
    SHOW("zero", cudaMallocManaged(&h, 0, cudaMemAttachGlobal));
    SHOW("single", cudaMallocManaged(&h, 16, cudaMemAttachSingle));
    size_t v = 0;
    SHOW("set", cudaDeviceSetLimit(cudaLimitMallocHeapSize, 1 << 24));
    SHOW("get", cudaDeviceGetLimit(&v, cudaLimitMallocHeapSize));
    SHOW("heap_mib", v >> 20);
    SHOW("hip_get", hipDeviceGetLimit(&v, hipLimitPrintfFifoSize));
    SHOW("fifo_mib", v >> 20);
    SHOW("depth", cudaDeviceGetLimit(&v, cudaLimitDevRuntimeSyncDepth));
    SHOW("null", cudaDeviceGetLimit(nullptr, cudaLimitStackSize));
    return 0;
}
"""


@pytest.mark.build
def test_host_code_uses_managed_memory_and_limits_through_cudas_and_hips_headers(tmp_path):
    program = build_against_sim(tmp_path, "managed_app", HOST_PROGRAM)
    values, _ = run_program(program, lambda name: False)
    assert values == {"alloc": 0, "copy": 0, "out63": 126, "attributes": 0, "type": 1, "free_host": 1, "free": 0,
                      "hip_alloc": 0, "hip_free": 0, "zero": 1, "single": 1, "set": 0, "get": 0, "heap_mib": 16,
                      "hip_get": 0, "fifo_mib": 1, "depth": 215, "null": 1}


# --- PyGPU.driver's managed arrays -----------------------------------------------------------------------------

@on_sim
@pytest.mark.parametrize("order", ["C", "F"])
def test_managed_empty_is_a_numpy_array_over_managed_memory(pygpu_sim, order):
    a = cuda.managed_empty((3, 5), np.float64, order=order)
    assert isinstance(a, np.ndarray) and a.shape == (3, 5) and a.dtype == np.float64
    assert a.flags.c_contiguous == (order == "C") and a.flags.f_contiguous == (order == "F")
    assert isinstance(a.base, cuda.ManagedAllocation)
    assert int(a.base) == a.base.get_device_pointer() == a.ctypes.data
    attributes, err = g.cudaPointerGetAttributes(a.ctypes.data)
    assert err == g.cudaSuccess and attributes.type == g.cudaMemoryTypeManaged
    assert pygpu_sim.allocations()[0]["size"] == a.nbytes
    a[:] = np.arange(15).reshape(3, 5)
    out = np.empty(15, np.float64)
    assert g.cudaMemcpy(out, int(a.base), a.nbytes, g.cudaMemcpyDefault) == g.cudaSuccess
    np.testing.assert_array_equal(out, a.ravel(order="K"))


@on_sim
def test_managed_zeros_and_the_like_functions(pygpu_sim):
    z = cuda.managed_zeros(7, "int32", mem_flags=cuda.mem_attach_flags.HOST)
    assert z.dtype == np.int32 and z.tolist() == [0] * 7
    src = np.ones((2, 4), dtype=np.complex64, order="F")
    e = cuda.managed_empty_like(src)
    assert e.shape == (2, 4) and e.dtype == np.complex64 and e.flags.f_contiguous
    zl = cuda.managed_zeros_like(src, mem_flags=cuda.mem_attach_flags.GLOBAL)
    assert zl.flags.f_contiguous and not zl.any()
    with pytest.raises(ValueError, match="could not detect array order"):
        cuda.managed_empty_like(np.zeros((4, 4))[::2, ::2])
    assert sorted(a["kind"] for a in pygpu_sim.allocations()) == ["managed"] * 3


@on_sim
def test_a_kernel_fills_a_managed_array_in_place(pygpu_sim, kernels):
    a = cuda.managed_zeros(50, np.float32)
    launch(kernels["iota"], 50, address(a.base), np.float32(1.0), np.int32(50))
    np.testing.assert_array_equal(a, 1.0 + np.arange(50, dtype=np.float32))
    launch(kernels["scale"], 50, address(int(a.base)), np.float32(2.0), np.int32(50))
    np.testing.assert_array_equal(a, 2.0 * (1.0 + np.arange(50, dtype=np.float32)))
    # A managed array is also a copy source and destination for the driver's copies.
    dev = cuda.mem_alloc(a.nbytes)
    cuda.memcpy_htod(dev, a)
    back = cuda.managed_empty_like(a)
    cuda.memcpy_dtoh(back, dev)
    np.testing.assert_array_equal(back, a)
    back.fill(0)
    cuda.memcpy_dtod(int(back.base), dev, a.nbytes)
    cuda.Context.synchronize()  # a device-to-device copy does not wait, as on CUDA
    np.testing.assert_array_equal(back, a)


@on_sim
def test_the_allocation_lives_while_a_view_does_and_free_releases_it(pygpu_sim):
    a = cuda.managed_zeros((4, 4), np.int64)
    view = a[1:3]
    del a
    assert len(pygpu_sim.allocations()) == 1
    view[:] = 7
    assert int(view.sum()) == 56
    base = view.base
    while not isinstance(base, cuda.ManagedAllocation):
        base = base.base
    del view
    base.free()
    assert pygpu_sim.allocations() == []
    base.free()  # a second call does nothing
    with pytest.raises(ValueError, match="freed"):
        base.get_device_pointer()
    with pytest.raises(ValueError, match="freed"):
        np.asarray(base)


@on_sim
def test_an_array_freed_by_a_device_reset_is_not_freed_again(pygpu_sim):
    assert g.cudaSetDevice(1) == g.cudaSuccess
    a = cuda.managed_zeros(16, np.float32)
    assert g.cudaDeviceReset() == g.cudaSuccess
    assert g.cudaSetDevice(0) == g.cudaSuccess
    assert pygpu_sim.allocations() == []
    allocation = a.base
    del a
    allocation.free()  # nothing left to free, and no error
    assert g.cudaPeekAtLastError() == g.cudaSuccess


@on_sim
def test_empty_managed_arrays_take_one_byte(pygpu_sim):
    a = cuda.managed_empty((0, 3), np.float32)
    assert a.shape == (0, 3) and a.size == 0
    assert [x["size"] for x in pygpu_sim.allocations()] == [1]


def test_bad_arguments_of_the_managed_arrays():
    with pytest.raises(cuda.CudaError, match="SINGLE") as info:
        cuda.managed_empty(4, np.float32, mem_flags=cuda.mem_attach_flags.SINGLE)
    assert info.value.code == g.cudaErrorInvalidValue
    with pytest.raises(cuda.CudaError) as info:
        cuda.managed_empty(4, np.float32, mem_flags=8)
    assert info.value.code == g.cudaErrorInvalidValue
    with pytest.raises(TypeError, match="mem_flags must be an int"):
        cuda.managed_empty(4, np.float32, mem_flags="global")
    with pytest.raises(ValueError, match="order must be"):
        cuda.managed_empty(4, np.float32, order="K")
    with pytest.raises(ValueError, match="negative dimensions"):
        cuda.managed_empty((2, -1), np.float32)
    with pytest.raises(TypeError, match="Python objects"):
        cuda.managed_empty(3, object)
    with pytest.raises(TypeError, match="cannot be created directly"):
        cuda.ManagedAllocation()
    g.cudaGetLastError()


def test_mem_attach_flags_and_attach_not_offered():
    assert [(f.name, int(f)) for f in cuda.mem_attach_flags] == [("GLOBAL", 1), ("HOST", 2), ("SINGLE", 4)]
    a = cuda.managed_zeros(2, np.float32)
    assert not hasattr(a.base, "attach")
    with pytest.raises(cuda.NotOfferedError, match="cudaStreamAttachMemAsync"):
        a.base.attach(cuda.mem_attach_flags.GLOBAL)
    for name in ("managed_empty", "managed_zeros", "managed_empty_like", "managed_zeros_like", "ManagedAllocation",
                 "mem_attach_flags"):
        assert name in cuda.__all__ and hasattr(cuda, name), name
