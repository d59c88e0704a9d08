"""The two resets of the simulated device run one registry (src/PyGPU/sim/reset.cpp):
cudaDeviceReset clears the subsystems that belong to the device, PyGPU.sim.reset()
clears every subsystem. One case per registry row and reset."""

from __future__ import annotations

import ctypes
import functools
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import PyGPU as g
from helpers import KERNELS, build_against_sim

REGISTRY = Path(__file__).resolve().parents[1] / "src" / "PyGPU" / "sim" / "reset.cpp"
ROW = re.compile(r'\{"([^"]+)", Reach::(\w+), Phase::(\w+), ')


def _memset_async(n: int = 1) -> Any:
    """Queues n memsets on a new allocation of the current device and waits for them."""
    ptr, err = g.cudaMalloc(256)
    assert err == g.cudaSuccess
    for _ in range(n):
        assert g.cudaMemsetAsync(ptr, 0, 256, None) == g.cudaSuccess
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    return ptr


def _x_events(trace: Any) -> list[dict[str, Any]]:
    return [e for e in trace.events["traceEvents"] if e["ph"] == "X"]


def _setup_memory(sim: Any) -> Any:
    ptr, _ = g.cudaMalloc(256)
    pinned, _ = g.cudaMallocHost(4096)
    assert len(sim.allocations()) == 2
    return ptr, pinned


def _memory_cleared(sim: Any, made: Any) -> bool:
    ptr, pinned = made
    return not ptr.alive and not pinned.alive and sim.allocations() == []


def _setup_trace(sim: Any) -> Any:
    trace = sim.trace()
    trace.__enter__()
    _memset_async()
    return trace


def _trace_cleared(sim: Any, trace: Any) -> bool:
    trace.__exit__(None, None, None)
    return _x_events(trace) == []


def _setup_chaos(sim: Any) -> None:
    sim.chaos(7, max_delay_us=200)


def _chaos_cleared(sim: Any, _: Any) -> bool:
    with sim.trace() as trace:
        _memset_async(20)
    delays = [e["args"]["chaos_delay_us"] for e in _x_events(trace)]
    assert len(delays) == 20
    return not any(delays)


def _labels_cleared(sim: Any, _: Any) -> bool:
    ptr, err = g.cudaMalloc(256)
    assert err == g.cudaSuccess
    [allocation] = [a for a in sim.allocations() if a["address"] == int(ptr)]
    return allocation["label"] is None


ASSERTING = KERNELS + r"""
// The kernel attributes row: vadd's dynamic shared memory limit, set and read back.
extern "C" int raise_vadd_limit(void) {
    if (int e = register_kernels()) return e;
    return cudaFuncSetAttribute(reinterpret_cast<const void*>(&vadd), cudaFuncAttributeMaxDynamicSharedMemorySize,
                                100000);
}
extern "C" int vadd_limit(void) {
    cudaFuncAttributes attr;
    if (cudaFuncGetAttributes(&attr, reinterpret_cast<const void*>(&vadd)) != cudaSuccess) return -1;
    return attr.maxDynamicSharedSizeBytes;
}
extern "C" int launch_failing_assert(void) {
    int limit = 0;
    void* args[] = {&limit};
    if (int e = register_kernels()) return e;
    return cudaLaunchKernel(reinterpret_cast<const void*>(&checked), dim3(2), dim3(32), args, 0, 0);
}
"""


@functools.cache
def _asserting_library() -> ctypes.CDLL:
    directory = Path(tempfile.mkdtemp(prefix="pygpu_sticky_"))
    return ctypes.CDLL(str(build_against_sim(directory, "libasserting.so", ASSERTING, "-shared", "-fPIC")))


def _setup_sticky(sim: Any) -> None:
    """A kernel's failed assert: cudaErrorAssert for every call on the device until a reset."""
    assert _asserting_library().launch_failing_assert() == 0
    assert g.cudaDeviceSynchronize() == g.cudaErrorAssert
    assert g.cudaMalloc(16)[1] == g.cudaErrorAssert


def _setup_kernel_attributes(sim: Any) -> None:
    assert _asserting_library().raise_vadd_limit() == 0
    assert _asserting_library().vadd_limit() == 100000


def _kernel_attributes_cleared(sim: Any, _: Any) -> bool:
    return bool(_asserting_library().vadd_limit() == 49152)  # the default: sharedMemPerBlock


def _sticky_cleared(sim: Any, _: Any) -> bool:
    ptr, err = g.cudaMalloc(16)
    if err != g.cudaSuccess:
        return False
    assert g.cudaFree(ptr) == g.cudaSuccess
    return True


def _setup_pools(sim: Any) -> Any:
    """A pool of one's own as device 0's current pool, and 512 bytes held idle by the default pool."""
    props = g.cudaMemPoolProps()
    props.allocType = g.cudaMemAllocationTypePinned
    props.location.type = g.cudaMemLocationTypeDevice
    pool, err = g.cudaMemPoolCreate(props)
    assert err == g.cudaSuccess
    assert g.cudaDeviceSetMemPool(0, pool) == g.cudaSuccess
    default, _ = g.cudaDeviceGetDefaultMemPool(0)
    assert g.cudaMemPoolSetAttribute(default, g.cudaMemPoolAttrReleaseThreshold, 1 << 20) == g.cudaSuccess
    ptr, _ = g.cudaMallocFromPoolAsync(512, default)
    assert g.cudaFreeAsync(ptr) == g.cudaSuccess
    return pool, default


def _pools_cleared(sim: Any, made: Any) -> bool:
    pool, default = made
    return (g.cudaMemPoolGetAttribute(pool, g.cudaMemPoolAttrUsedMemCurrent)[1] == g.cudaErrorInvalidValue
            and g.cudaDeviceGetMemPool(0) == (default, g.cudaSuccess)
            and g.cudaMemPoolGetAttribute(default, g.cudaMemPoolAttrReservedMemCurrent) == (0, g.cudaSuccess)
            and g.cudaMemPoolGetAttribute(default, g.cudaMemPoolAttrReleaseThreshold) == (0, g.cudaSuccess))


# subsystem -> (reach, setup(sim) -> made, cleared(sim, made) -> bool). The reach is
# "device" when cudaDeviceReset clears it too, "simulator" when only PyGPU.sim.reset() does.
Case = tuple[str, Callable[[Any], Any], Callable[[Any, Any], bool]]
CASES: dict[str, Case] = {
    "streams": ("device", lambda sim: g.cudaStream_t(),
                lambda sim, s: s.query() == g.cudaErrorInvalidResourceHandle),
    "events": ("device", lambda sim: g.cudaEvent_t(),
               lambda sim, ev: ev.query() == g.cudaErrorInvalidResourceHandle),
    "memory": ("device", _setup_memory, _memory_cleared),
    "memory pools": ("device", _setup_pools, _pools_cleared),
    "peer access": ("device", lambda sim: g.cudaDeviceEnablePeerAccess(1),
                    lambda sim, _: g.cudaDeviceEnablePeerAccess(1) == g.cudaSuccess),
    "limits": ("device", lambda sim: g.cudaDeviceSetLimit(g.cudaLimitMallocHeapSize, 12345),
               lambda sim, _: g.cudaDeviceGetLimit(g.cudaLimitMallocHeapSize) == (8 << 20, g.cudaSuccess)),
    "statistics": ("simulator", lambda sim: _memset_async(),
                   lambda sim, _: sim.stats()["bytes"]["memset"] == 0),
    "calls": ("simulator", lambda sim: g.cudaRuntimeGetVersion(),
              lambda sim, _: "cudaRuntimeGetVersion" not in sim.stats()["calls"]),
    "injections": ("simulator", lambda sim: sim.inject("cudaDriverGetVersion", "cudaErrorUnknown", count=0),
                   lambda sim, _: g.cudaDriverGetVersion()[1] == g.cudaSuccess),
    "chaos": ("simulator", _setup_chaos, _chaos_cleared),
    "trace": ("simulator", _setup_trace, _trace_cleared),
    "labels": ("simulator", lambda sim: sim.label("stale"), _labels_cleared),
    "current device": ("simulator", lambda sim: g.cudaSetDevice(1), lambda sim, _: g.cudaGetDevice()[0] == 0),
    "sticky errors": ("device", _setup_sticky, _sticky_cleared),
    "kernel attributes": ("simulator", _setup_kernel_attributes, _kernel_attributes_cleared),
    "last error": ("simulator", lambda sim: g.cudaFree(999),
                   lambda sim, _: g.cudaPeekAtLastError() == g.cudaSuccess),
}


KERNEL_ROWS = ("sticky errors", "kernel attributes")


def test_every_registry_row_has_a_case():
    if not REGISTRY.is_file():
        pytest.skip("the source tree is not available")
    rows = ROW.findall(REGISTRY.read_text())
    assert len(rows) >= len(CASES)
    reach = {name: r for name, r, _phase in rows}
    assert len(reach) == len({(name, r) for name, r, _phase in rows})  # one reach per subsystem
    assert reach == {name: case[0] for name, case in CASES.items()}


@pytest.mark.parametrize("reset", ["cudaDeviceReset", "sim.reset"])
@pytest.mark.parametrize("subsystem", [pytest.param(name, marks=pytest.mark.build) if name in KERNEL_ROWS else name
                                       for name in CASES])  # these rows need a compiled kernel
def test_reset_clears_what_the_registry_says(pygpu_sim, subsystem, reset):
    reach, setup, cleared = CASES[subsystem]
    made = setup(pygpu_sim)
    if reset == "cudaDeviceReset":
        assert g.cudaDeviceReset() == g.cudaSuccess
    else:
        pygpu_sim.reset()
    assert cleared(pygpu_sim, made) == (reach == "device" or reset == "sim.reset")


def test_device_reset_of_device_1_leaves_device_0_alone(pygpu_sim):
    ptr, _ = g.cudaMalloc(256)
    s0 = g.cudaStream_t()
    assert g.cudaDeviceEnablePeerAccess(1) == g.cudaSuccess
    g.cudaSetDevice(1)
    s1 = g.cudaStream_t()
    assert g.cudaDeviceEnablePeerAccess(0) == g.cudaSuccess
    assert g.cudaDeviceReset() == g.cudaSuccess
    assert s1.query() == g.cudaErrorInvalidResourceHandle
    assert g.cudaDeviceEnablePeerAccess(0) == g.cudaSuccess  # 1 -> 0 went
    g.cudaSetDevice(0)
    assert ptr.alive and s0.query() == g.cudaSuccess
    assert g.cudaDeviceEnablePeerAccess(1) == g.cudaSuccess  # 0 -> 1 went too: both directions
