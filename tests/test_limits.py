"""Device limits: cudaDeviceSetLimit/cudaDeviceGetLimit on the simulated device (defaults, values kept per
device, what is refused, the printf FIFO bounding a launch's output, resets), the codes the CUDA and HIP
backends answer without a device, and PyGPU.driver's Context.set_limit/get_limit and limit."""

from __future__ import annotations

import numpy as np
import pytest

import PyGPU as g
import PyGPU.driver as cuda
from helpers import module_kernels, run_python

on_sim = pytest.mark.skipif(g.backend != "sim", reason="the simulated device is not the active backend")

DEFAULTS = {g.cudaLimitStackSize: 1024, g.cudaLimitPrintfFifoSize: 1 << 20, g.cudaLimitMallocHeapSize: 8 << 20,
            g.cudaLimitMaxL2FetchGranularity: 64, g.cudaLimitPersistingL2CacheSize: 0}

SOURCE = r"""
extern "C" __global__ void shout(int n) {
    for (int i = 0; i < n; ++i) printf("line %d\n", i);
}

extern "C" __global__ void quiet(int* x) { *x = 1; }
"""


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    """The kernels of SOURCE, by name."""
    yield from module_kernels(tmp_path_factory, SOURCE, ("shout", "quiet"))


def shout(kernels, lines: int) -> None:
    assert g.cudaLaunchKernel(kernels["shout"], (1,), (1,), [np.int32(lines)]) == g.cudaSuccess
    assert g.cudaDeviceSynchronize() == g.cudaSuccess  # the output is written when the launch completes


@on_sim
def test_the_defaults(pygpu_sim):
    for limit, value in DEFAULTS.items():
        assert g.cudaDeviceGetLimit(limit) == (value, g.cudaSuccess), limit


@on_sim
@pytest.mark.parametrize(("limit", "value"), [(g.cudaLimitStackSize, 4096), (g.cudaLimitStackSize, 0),
                                              (g.cudaLimitMallocHeapSize, 64 << 20),
                                              (g.cudaLimitPrintfFifoSize, 4096),
                                              (g.cudaLimitMaxL2FetchGranularity, 0),
                                              (g.cudaLimitMaxL2FetchGranularity, 128),
                                              (g.cudaLimitPersistingL2CacheSize, 1 << 20)])
def test_a_limit_set_is_read_back(pygpu_sim, limit, value):
    assert g.cudaDeviceSetLimit(limit, value) == g.cudaSuccess
    assert g.cudaDeviceGetLimit(limit) == (value, g.cudaSuccess)


@on_sim
def test_the_persisting_l2_cache_is_clamped_to_what_the_device_has(pygpu_sim):
    assert g.cudaDeviceSetLimit(g.cudaLimitPersistingL2CacheSize, 1 << 40) == g.cudaSuccess
    assert g.cudaDeviceGetLimit(g.cudaLimitPersistingL2CacheSize) == (30 << 20, g.cudaSuccess)


@on_sim
def test_an_l2_fetch_granularity_over_128_is_invalid_and_changes_nothing(pygpu_sim):
    err = g.cudaDeviceSetLimit(g.cudaLimitMaxL2FetchGranularity, 129)
    assert err == g.cudaErrorInvalidValue and "0 to 128" in err.message
    assert g.cudaGetLastError() == g.cudaErrorInvalidValue
    assert g.cudaDeviceGetLimit(g.cudaLimitMaxL2FetchGranularity) == (64, g.cudaSuccess)


@on_sim
@pytest.mark.parametrize("limit", [g.cudaLimitDevRuntimeSyncDepth, g.cudaLimitDevRuntimePendingLaunchCount])
def test_the_device_runtime_limits_are_unsupported(pygpu_sim, limit):
    err = g.cudaDeviceSetLimit(limit, 4)
    assert err == g.cudaErrorUnsupportedLimit and "no device runtime" in err.message
    value, err = g.cudaDeviceGetLimit(limit)
    assert value is None and err == g.cudaErrorUnsupportedLimit
    assert g.cudaGetLastError() == g.cudaErrorUnsupportedLimit


@on_sim
@pytest.mark.parametrize("limit", [7, -1, 1000, 2**31 - 1, -(2**31)])
def test_a_value_that_is_no_cudaLimit_is_unsupported(pygpu_sim, limit):
    err = g.cudaDeviceSetLimit(limit, 1)
    assert err == g.cudaErrorUnsupportedLimit and "not a cudaLimit" in err.message
    assert g.cudaDeviceGetLimit(limit)[1] == g.cudaErrorUnsupportedLimit
    g.cudaGetLastError()


def test_the_bindings_check_the_arguments():
    with pytest.raises(TypeError, match="limit must be an int"):
        g.cudaDeviceSetLimit("stack", 1)
    with pytest.raises(TypeError, match="limit must be an int"):
        g.cudaDeviceGetLimit(True)
    with pytest.raises(TypeError, match="limit must be an int"):
        g.cudaDeviceGetLimit(1.0)
    with pytest.raises(ValueError, match="limit must be a cudaLimit"):
        g.cudaDeviceGetLimit(2**31)
    with pytest.raises(ValueError, match="limit must be a cudaLimit"):
        g.cudaDeviceSetLimit(-(2**70), 1)
    with pytest.raises(ValueError, match="value must be >= 0"):
        g.cudaDeviceSetLimit(g.cudaLimitStackSize, -1)
    with pytest.raises(TypeError):
        g.cudaDeviceSetLimit(g.cudaLimitStackSize, "big")


@on_sim
def test_limits_belong_to_the_current_device_and_a_reset_restores_its_defaults(pygpu_sim):
    assert g.cudaSetDevice(1) == g.cudaSuccess
    assert g.cudaDeviceSetLimit(g.cudaLimitMallocHeapSize, 1 << 26) == g.cudaSuccess
    assert g.cudaSetDevice(0) == g.cudaSuccess
    assert g.cudaDeviceSetLimit(g.cudaLimitMallocHeapSize, 1 << 25) == g.cudaSuccess
    assert g.cudaDeviceGetLimit(g.cudaLimitMallocHeapSize) == (1 << 25, g.cudaSuccess)
    assert g.cudaSetDevice(1) == g.cudaSuccess
    assert g.cudaDeviceGetLimit(g.cudaLimitMallocHeapSize) == (1 << 26, g.cudaSuccess)
    assert g.cudaDeviceReset() == g.cudaSuccess
    assert g.cudaDeviceGetLimit(g.cudaLimitMallocHeapSize) == (8 << 20, g.cudaSuccess)
    assert g.cudaSetDevice(0) == g.cudaSuccess
    assert g.cudaDeviceGetLimit(g.cudaLimitMallocHeapSize) == (1 << 25, g.cudaSuccess)  # not reset


@on_sim
def test_the_calls_are_counted_and_injectable(pygpu_sim):
    g.cudaDeviceGetLimit(g.cudaLimitStackSize)
    g.cudaDeviceSetLimit(g.cudaLimitStackSize, 2048)
    calls = pygpu_sim.stats()["calls"]
    assert calls["cudaDeviceGetLimit"] == 1 and calls["cudaDeviceSetLimit"] == 1
    with pygpu_sim.inject("cudaDeviceSetLimit", "cudaErrorUnknown"):
        assert g.cudaDeviceSetLimit(g.cudaLimitStackSize, 4096) == g.cudaErrorUnknown
    assert g.cudaDeviceGetLimit(g.cudaLimitStackSize) == (2048, g.cudaSuccess)
    g.cudaGetLastError()


# --- the printf FIFO --------------------------------------------------------------------------------------------

@on_sim
def test_a_launch_prints_everything_within_the_default_fifo(pygpu_sim, kernels, capfd):
    capfd.readouterr()
    shout(kernels, 10)
    assert capfd.readouterr().out == "".join(f"line {i}\n" for i in range(10))


@on_sim
def test_the_printf_fifo_keeps_the_last_bytes_of_a_launch_and_is_fixed_after_printing(pygpu_sim, kernels, capfd):
    """CUDA's FIFO is circular: older output is overwritten. Its size cannot change once a kernel that prints
    has run on the device (cudaErrorInvalidValue) until the device is reset."""
    assert g.cudaSetDevice(1) == g.cudaSuccess
    quiet = np.zeros(1, np.int32)
    ptr, _ = g.cudaMalloc(4)
    assert g.cudaLaunchKernel(kernels["quiet"], (1,), (1,), [np.uint64(int(ptr))]) == g.cudaSuccess
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    assert g.cudaMemcpy(quiet, ptr, 4, g.cudaMemcpyDeviceToHost) == g.cudaSuccess and quiet[0] == 1
    # A kernel that did not print leaves the FIFO size free to change.
    assert g.cudaDeviceSetLimit(g.cudaLimitPrintfFifoSize, 14) == g.cudaSuccess
    capfd.readouterr()
    shout(kernels, 10)
    assert capfd.readouterr().out == "line 8\nline 9\n"
    shout(kernels, 1000)  # well past the FIFO: the buffer stays bounded and keeps the last bytes
    assert capfd.readouterr().out == "line 998\nline 999\n"[-14:]
    err = g.cudaDeviceSetLimit(g.cudaLimitPrintfFifoSize, 1 << 20)
    assert err == g.cudaErrorInvalidValue and "uses printf" in err.message
    g.cudaGetLastError()
    assert g.cudaDeviceSetLimit(g.cudaLimitStackSize, 8192) == g.cudaSuccess  # the others can still change
    assert g.cudaDeviceGetLimit(g.cudaLimitPrintfFifoSize) == (14, g.cudaSuccess)
    assert g.cudaDeviceReset() == g.cudaSuccess
    assert g.cudaDeviceGetLimit(g.cudaLimitPrintfFifoSize) == (1 << 20, g.cudaSuccess)
    assert g.cudaDeviceSetLimit(g.cudaLimitPrintfFifoSize, 1 << 21) == g.cudaSuccess
    # Device 0 never printed in this test: its FIFO can change.
    assert g.cudaSetDevice(0) == g.cudaSuccess
    assert g.cudaDeviceSetLimit(g.cudaLimitPrintfFifoSize, 1 << 20) == g.cudaSuccess


def test_the_hip_names_are_the_cuda_ones():
    assert g.hipDeviceSetLimit is g.cudaDeviceSetLimit and g.hipDeviceGetLimit is g.cudaDeviceGetLimit
    names = ["StackSize", "PrintfFifoSize", "MallocHeapSize", "DevRuntimeSyncDepth", "DevRuntimePendingLaunchCount",
             "MaxL2FetchGranularity", "PersistingL2CacheSize"]
    assert [getattr(g, f"cudaLimit{n}") for n in names] == list(range(7))
    assert [getattr(g, f"hipLimit{n}") for n in names] == list(range(7))


GPU_LIMIT_CHECK = """
import PyGPU as g
print(g.cudaGetDeviceCount()[0])
print(int(g.cudaDeviceSetLimit(g.cudaLimitStackSize, 4096)), g.cudaDeviceSetLimit(g.cudaLimitStackSize, 4096).name)
for limit in (g.cudaLimitMallocHeapSize, g.cudaLimitStackSize, 99):
    value, err = g.cudaDeviceGetLimit(limit)
    print(value, int(err), err.name)
"""


@pytest.mark.parametrize(("backend", "answers"), [
    ("cuda", {(35, "cudaErrorInsufficientDriver"), (100, "cudaErrorNoDevice")}),
    ("hip", {(101, "hipErrorInvalidDevice"), (100, "hipErrorNoDevice")}),
])
def test_gpu_backends_answer_with_their_own_codes(backend, answers):
    """Without a device, both calls answer the runtime's own code (HIP 5.2 has no hipDeviceSetLimit: setting
    reads the limit first, and answers what that answered)."""
    if backend not in g.built_backends:
        pytest.skip(f"backend {backend} was not built")
    result = run_python(GPU_LIMIT_CHECK, PYGPU_BACKEND=backend)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().split("\n")
    if lines[0] != "None":
        pytest.skip("a device is present: this test is for machines without one")
    assert len(lines) == 5
    code, name = lines[1].split()
    assert (int(code), name) in answers
    for line in lines[2:]:
        value, code, name = line.split()
        assert value == "None" and (int(code), name) in answers, line


# --- PyGPU.driver ----------------------------------------------------------------------------------------------

def test_driver_limit_has_pycudas_names_and_cudas_numbers():
    assert [(m.name, int(m)) for m in cuda.limit] == [
        ("STACK_SIZE", 0), ("PRINTF_FIFO_SIZE", 1), ("MALLOC_HEAP_SIZE", 2), ("DEV_RUNTIME_SYNC_DEPTH", 3),
        ("DEV_RUNTIME_PENDING_LAUNCH_COUNT", 4), ("MAX_L2_FETCH_GRANULARITY", 5), ("PERSISTING_L2_CACHE_SIZE", 6)]
    assert str(cuda.limit.STACK_SIZE) == "STACK_SIZE"
    assert "limit" in cuda.__all__


@on_sim
def test_context_set_limit_and_get_limit(pygpu_sim):
    assert cuda.Context.get_limit(cuda.limit.STACK_SIZE) == 1024
    cuda.Context.set_limit(cuda.limit.STACK_SIZE, 16384)
    assert cuda.Context.get_limit(cuda.limit.STACK_SIZE) == 16384
    ctx = cuda.Device(0).make_context()
    try:
        ctx.set_limit(cuda.limit.MALLOC_HEAP_SIZE, 1 << 24)  # PyCUDA's static methods, through an instance too
        assert ctx.get_limit(2) == 1 << 24
    finally:
        ctx.pop()
    with pytest.raises(cuda.CudaError) as info:
        cuda.Context.get_limit(cuda.limit.DEV_RUNTIME_SYNC_DEPTH)
    assert info.value.code == g.cudaErrorUnsupportedLimit
    with pytest.raises(cuda.CudaError) as info:
        cuda.Context.set_limit(cuda.limit.MAX_L2_FETCH_GRANULARITY, 256)
    assert info.value.code == g.cudaErrorInvalidValue
    with pytest.raises(TypeError):
        cuda.Context.set_limit("STACK_SIZE", 1)
    with pytest.raises(ValueError, match="value must be >= 0"):
        cuda.Context.set_limit(cuda.limit.STACK_SIZE, -5)
    g.cudaGetLastError()
