"""Modules and launches through the backend table (backend ABI version 2): cudaLibraryLoadData,
cudaLibraryLoadFromFile, cudaLibraryUnload, cudaLibraryGetKernel, cudaLibraryGetGlobal, cudaFuncGetAttributes,
the occupancy calls and cudaLaunchKernel, on the simulated device (a module is a library built by
PyGPU.sim.compile) and, where they are built, the codes the CUDA and HIP backends answer without a device."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

import PyGPU as g
import PyGPU.sim
from helpers.processes import preload_removed, run_python

SOURCE = r"""
extern "C" __global__ void scale(float* x, float a, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= a;
}

__device__ int counter;
__constant__ float coeff[4];

__global__ void add_coeff(float* x) {
    x[threadIdx.x] += coeff[threadIdx.x % 4];
    atomicAdd(&counter, 1);
}

__global__ void block_sum(const int* in, int* out) {
    __shared__ int buf[64];
    buf[threadIdx.x] = in[threadIdx.x];
    __syncthreads();
    if (threadIdx.x == 0) {
        int s = 0;
        for (int i = 0; i < blockDim.x; ++i) s += buf[i];
        *out = s;
    }
}
"""

on_sim = pytest.mark.skipif(g.backend != "sim", reason="the simulated device is not the active backend")


@pytest.fixture(scope="module")
def library_path(tmp_path_factory) -> Path:
    """The test library, compiled once (its own compile cache)."""
    if g.backend != "sim":
        pytest.skip("the simulated device is not the active backend")
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp, preload_removed():
        mp.setenv("PYGPU_CACHE_DIR", str(cache))
        return Path(PyGPU.sim.compile(SOURCE))


@pytest.fixture
def library(library_path):
    """A module loaded from the library's bytes, unloaded after the test."""
    lib, err = g.cudaLibraryLoadData(library_path.read_bytes())
    assert err == g.cudaSuccess, err
    yield lib
    g.cudaLibraryUnload(lib)


def kernel(lib: int, name: str) -> int:
    f, err = g.cudaLibraryGetKernel(lib, name)
    assert err == g.cudaSuccess, err
    return f


def address(p) -> bytes:
    return struct.pack("P", int(p))


def device_floats(dev_alloc, values):
    a = np.asarray(values, np.float32)
    p = dev_alloc(a.nbytes)
    assert g.cudaMemcpy(p, a, a.nbytes, g.cudaMemcpyHostToDevice) == g.cudaSuccess
    return p


def read_floats(p, n):
    out = np.empty(n, np.float32)
    assert g.cudaMemcpy(out, p, out.nbytes, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
    return out


@on_sim
def test_load_data_get_kernel_and_launch(library, dev_alloc):
    x = np.arange(100, dtype=np.float32)
    p = device_floats(dev_alloc, x)
    f = kernel(library, "scale")
    before = PyGPU.sim.stats()["calls"].get("cudaLaunchKernel", 0)  # earlier tests' launches count too
    err = g.cudaLaunchKernel(f, (4,), (32,), [address(p), np.float32(2.5), np.int32(100)])
    assert err == g.cudaSuccess, err
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    np.testing.assert_array_equal(read_floats(p, 100), x * 2.5)
    assert PyGPU.sim.stats()["calls"]["cudaLaunchKernel"] == before + 1


@on_sim
def test_load_from_file_and_the_hip_names(library_path, dev_alloc):
    lib, err = g.hipModuleLoad(str(library_path))
    assert err == g.cudaSuccess, err
    try:
        f, err = g.hipModuleGetFunction(lib, "scale")
        assert err == g.hipSuccess
        p = device_floats(dev_alloc, [1, 2, 3])
        assert g.hipModuleLaunchKernel(f, 1, 3, [address(p), np.float32(-1), np.int32(3)], 0, None) == g.hipSuccess
        g.cudaDeviceSynchronize()
        np.testing.assert_array_equal(read_floats(p, 3), [-1, -2, -3])
    finally:
        assert g.hipModuleUnload(lib) == g.hipSuccess


@on_sim
def test_globals_belong_to_the_module(library, dev_alloc):
    (addr, size), err = g.cudaLibraryGetGlobal(library, "coeff")
    assert err == g.cudaSuccess and size == 16 and addr != 0
    coeff = np.array([1, 10, 100, 1000], np.float32)
    assert g.cudaMemcpy(addr, coeff, 16, g.cudaMemcpyHostToDevice) == g.cudaSuccess
    (counter, csize), err = g.cudaLibraryGetGlobal(library, "counter")
    assert err == g.cudaSuccess and csize == 4
    assert g.cudaMemset(counter, 0, 4) == g.cudaSuccess
    p = device_floats(dev_alloc, np.zeros(8))
    assert g.cudaLaunchKernel(kernel(library, "add_coeff"), 1, 8, [address(p)]) == g.cudaSuccess
    g.cudaDeviceSynchronize()
    np.testing.assert_array_equal(read_floats(p, 8), np.tile(coeff, 2))
    n = np.zeros(1, np.int32)
    assert g.cudaMemcpy(n, counter, 4, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
    assert n[0] == 8
    attrs, err = g.cudaPointerGetAttributes(addr)
    assert err == g.cudaSuccess and attrs.type == 2


@on_sim
def test_unknown_names_list_the_modules_names(library):
    f, err = g.cudaLibraryGetKernel(library, "nope")
    assert f is None and err == g.cudaErrorSymbolNotFound
    assert "no kernel 'nope'" in err.message
    assert "add_coeff, block_sum, scale" in err.message
    v, err = g.cudaLibraryGetGlobal(library, "nope")
    assert v is None and err == g.cudaErrorSymbolNotFound
    assert "coeff, counter" in err.message


@on_sim
def test_argument_count_and_sizes_are_checked(library, dev_alloc):
    f = kernel(library, "scale")
    p = dev_alloc(16)
    err = g.cudaLaunchKernel(f, 1, 1, [address(p), np.float32(1), np.int64(4)])
    assert err == g.cudaErrorInvalidValue
    assert "parameter 2 is 4 bytes, argument 2 is 8 bytes" in err.message
    err = g.cudaLaunchKernel(f, 1, 1, [address(p), np.float32(1)])
    assert err == g.cudaErrorInvalidValue and "takes 3 arguments, 2 were given" in err.message
    with pytest.raises(TypeError, match="argument 1 is a float"):
        g.cudaLaunchKernel(f, 1, 1, [address(p), 1.0, np.int32(4)])
    with pytest.raises(TypeError, match="list or tuple"):
        g.cudaLaunchKernel(f, 1, 1, address(p))
    assert g.cudaGetLastError() == g.cudaErrorInvalidValue


@on_sim
def test_bad_configuration_and_handles(library, dev_alloc):
    f = kernel(library, "scale")
    args = [address(dev_alloc(16)), np.float32(1), np.int32(4)]
    assert g.cudaLaunchKernel(f, (1, 0), 1, args) == g.cudaErrorInvalidConfiguration
    assert g.cudaLaunchKernel(f, 1, 2048, args) == g.cudaErrorInvalidConfiguration
    with pytest.raises(ValueError, match="1 to 3 dimensions"):
        g.cudaLaunchKernel(f, (1, 1, 1, 1), 1, args)
    with pytest.raises(ValueError, match=r"0 \.\. 2\*\*32 - 1"):
        g.cudaLaunchKernel(f, -1, 1, args)
    assert g.cudaLaunchKernel(12345, 1, 1, args) == g.cudaErrorInvalidDeviceFunction
    assert g.cudaLibraryGetKernel(12345, "scale")[1] == g.cudaErrorInvalidResourceHandle
    assert g.cudaLibraryGetGlobal(12345, "coeff")[1] == g.cudaErrorInvalidResourceHandle
    assert g.cudaLibraryUnload(12345) == g.cudaErrorInvalidResourceHandle
    assert g.cudaFuncGetAttributes(12345)[1] == g.cudaErrorInvalidDeviceFunction
    g.cudaGetLastError()


@on_sim
def test_function_attributes_and_occupancy(library):
    attrs, err = g.cudaFuncGetAttributes(kernel(library, "block_sum"))
    assert err == g.cudaSuccess
    assert attrs.maxThreadsPerBlock == 1024 and attrs.numRegs == 0 and attrs.constSizeBytes == 0
    assert attrs.maxDynamicSharedSizeBytes == 48 * 1024 - attrs.sharedSizeBytes
    assert attrs.ptxVersion == attrs.binaryVersion > 0
    f = kernel(library, "scale")
    n, err = g.cudaOccupancyMaxActiveBlocksPerMultiprocessor(f, 256)
    assert err == g.cudaSuccess and n > 0
    assert g.cudaOccupancyMaxActiveBlocksPerMultiprocessor(f, 0)[1] == g.cudaErrorInvalidValue
    (min_grid, block), err = g.cudaOccupancyMaxPotentialBlockSize(f)
    assert err == g.cudaSuccess and block % 32 == 0 and 0 < block <= 1024 and min_grid > 0
    (_, limited), err = g.cudaOccupancyMaxPotentialBlockSize(f, 0, 96)
    assert err == g.cudaSuccess and limited <= 96
    assert g.cudaOccupancyMaxPotentialBlockSize(f, 0, -1)[1] == g.cudaErrorInvalidValue
    g.cudaGetLastError()


@on_sim
def test_shared_memory_kernel(library, dev_alloc):
    data = np.arange(64, dtype=np.int32)
    src, out = dev_alloc(256), dev_alloc(4)
    g.cudaMemcpy(src, data, 256, g.cudaMemcpyHostToDevice)
    assert g.cudaLaunchKernel(kernel(library, "block_sum"), 1, 64, (address(src), address(out))) == g.cudaSuccess
    result = np.zeros(1, np.int32)
    g.cudaMemcpy(result, out, 4, g.cudaMemcpyDeviceToHost)
    assert result[0] == data.sum()


@on_sim
def test_unload_waits_and_removes_the_kernels(library_path, dev_alloc):
    lib, err = g.cudaLibraryLoadData(library_path.read_bytes())
    assert err == g.cudaSuccess
    f = kernel(lib, "scale")
    p = device_floats(dev_alloc, np.ones(1000))
    stream, _ = g.cudaStreamCreate()
    try:
        for _ in range(3):
            assert g.cudaLaunchKernel(f, 4, 256, [address(p), np.float32(2), np.int32(1000)], 0, stream) == 0
        assert g.cudaLibraryUnload(lib) == g.cudaSuccess
        assert g.cudaStreamQuery(stream) == g.cudaSuccess  # the launches ran before the unload returned
        np.testing.assert_array_equal(read_floats(p, 1000), np.full(1000, 8, np.float32))
        err = g.cudaLaunchKernel(f, 1, 1, [address(p), np.float32(2), np.int32(1)])
        assert err == g.cudaErrorInvalidDeviceFunction and "cudaLibraryUnload" in err.message
        assert g.cudaLibraryUnload(lib) == g.cudaErrorInvalidResourceHandle
        assert g.cudaLibraryGetKernel(lib, "scale")[1] == g.cudaErrorInvalidResourceHandle
    finally:
        g.cudaStreamDestroy(stream)
        g.cudaGetLastError()


@on_sim
def test_the_same_library_twice_shares_its_kernels(library_path, dev_alloc):
    a, err = g.cudaLibraryLoadFromFile(str(library_path))
    assert err == g.cudaSuccess
    b, err = g.cudaLibraryLoadFromFile(str(library_path))
    assert err == g.cudaSuccess and a != b
    assert kernel(a, "scale") == kernel(b, "scale")
    assert g.cudaLibraryUnload(a) == g.cudaSuccess
    p = device_floats(dev_alloc, [3])
    assert g.cudaLaunchKernel(kernel(b, "scale"), 1, 1, [address(p), np.float32(2), np.int32(1)]) == 0
    g.cudaDeviceSynchronize()
    assert read_floats(p, 1)[0] == 6
    assert g.cudaLibraryUnload(b) == g.cudaSuccess


@on_sim
def test_modules_survive_reset(library, dev_alloc):
    f = kernel(library, "scale")
    PyGPU.sim.reset()
    assert g.cudaLibraryGetKernel(library, "scale") == (f, g.cudaSuccess)
    p = device_floats(dev_alloc, [1])
    assert g.cudaLaunchKernel(f, 1, 1, [address(p), np.float32(4), np.int32(1)]) == g.cudaSuccess
    g.cudaDeviceSynchronize()
    assert read_floats(p, 1)[0] == 4


@on_sim
@pytest.mark.parametrize(("image", "what"), [
    (b"//\n// Generated by NVIDIA NVVM Compiler\n.version 8.0\n.target sm_80\n" + b"\0" * 64, "looks like PTX"),
    (b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<HH", 2, 190) + b"\0" * 60, "NVIDIA CUDA (a cubin)"),
    (b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<HH", 3, 224) + b"\0" * 60, "AMD GPU"),
    (b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<HH", 3, 62) + b"\0" * 60, "dlopen refused"),
    (b"", "no ELF header"),
])
def test_images_for_another_machine_are_refused(image, what):
    lib, err = g.cudaLibraryLoadData(image)
    assert lib is None and err == g.cudaErrorInvalidKernelImage
    assert what in err.message
    assert g.cudaGetLastError() == g.cudaErrorInvalidKernelImage


@on_sim
def test_load_from_file_errors(tmp_path):
    lib, err = g.cudaLibraryLoadFromFile(str(tmp_path / "missing.so"))
    assert lib is None and err == g.cudaErrorInvalidValue and "cannot open" in err.message
    (tmp_path / "k.ptx").write_text(".version 8.0\n.target sm_80\n" + " " * 64)
    assert g.cudaLibraryLoadFromFile(str(tmp_path / "k.ptx"))[1] == g.cudaErrorInvalidKernelImage
    with pytest.raises(TypeError):
        g.cudaLibraryLoadData("not bytes")  # type: ignore[arg-type]
    g.cudaGetLastError()


@on_sim
def test_injected_failures_reach_the_module_calls(library_path, pygpu_sim):
    with pygpu_sim.inject("cudaLibraryLoadData", "cudaErrorMemoryAllocation"):
        assert g.cudaLibraryLoadData(library_path.read_bytes())[1] == g.cudaErrorMemoryAllocation
    g.cudaGetLastError()


GPU_MODULE_CHECK = """
import PyGPU as g
calls = [
    lambda: g.cudaLibraryLoadData(b"\\x7fELF" + bytes(60)),
    lambda: g.cudaLibraryLoadFromFile("/nonexistent.cubin"),
    lambda: g.cudaLibraryGetKernel(0, "k"),
    lambda: g.cudaLibraryGetGlobal(0, "k"),
    lambda: g.cudaFuncGetAttributes(0),
    lambda: g.cudaOccupancyMaxActiveBlocksPerMultiprocessor(0, 32),
    lambda: g.cudaOccupancyMaxPotentialBlockSize(0),
    lambda: (None, g.cudaLaunchKernel(0, 1, 1, [])),
    lambda: (None, g.cudaLibraryUnload(0)),
]
print(g.cudaGetDeviceCount()[0])
for call in calls:
    value, err = call()
    print(value, int(err), err.name)
"""


# What each runtime answers on a machine with no device: CUDA (static runtime,
# no driver) cudaErrorInsufficientDriver, or cudaErrorNoDevice with a driver;
# HIP 5.2's module calls hipErrorInvalidDevice (its hipGetDeviceCount says
# hipErrorNoDevice, test_backend.py).
@pytest.mark.parametrize(("backend", "answers"), [
    ("cuda", {(35, "cudaErrorInsufficientDriver"), (100, "cudaErrorNoDevice")}),
    ("hip", {(101, "hipErrorInvalidDevice")}),
])
def test_gpu_backends_answer_with_their_own_codes(backend, answers):
    """Without a device, every module call answers the runtime's own code, and hands back no value."""
    if backend not in g.built_backends:
        pytest.skip(f"backend {backend} was not built")
    result = run_python(GPU_MODULE_CHECK, PYGPU_BACKEND=backend)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().split("\n")
    if lines[0] != "None":
        pytest.skip("a device is present: this test is for machines without one")
    assert len(lines) == 10
    for line in lines[1:]:
        value, code, name = line.split()
        assert value == "None" and (int(code), name) in answers, line


@on_sim
def test_loads_from_several_threads_each_see_the_kernels(library_path):
    """The same file loaded by four threads at once: every handle finds the kernels (one image, four handles)."""
    from concurrent.futures import ThreadPoolExecutor

    def load(_):
        lib, err = g.cudaLibraryLoadFromFile(str(library_path))
        assert err == g.cudaSuccess
        return lib, g.cudaLibraryGetKernel(lib, "scale")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(load, range(4)))
    assert len({lib for lib, _ in results}) == 4
    assert len({f for _, (f, _err) in results}) == 1
    assert all(err == g.cudaSuccess for _, (_f, err) in results)
    for lib, _ in results:
        assert g.cudaLibraryUnload(lib) == g.cudaSuccess
