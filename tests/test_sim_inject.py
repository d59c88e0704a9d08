"""Error injection: chosen calls fail exactly like real failures, and nothing happens."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import PyGPU as g
from helpers import run_python
from PyGPU import sim


def mallocs(n: int, size: int = 256) -> list:
    return [g.cudaMalloc(size) for _ in range(n)]


def free_all(results) -> None:
    for ptr, _ in results:
        if ptr is not None:
            assert g.cudaFree(ptr) == g.cudaSuccess


def test_out_of_memory_on_the_third_malloc(pygpu_sim):
    (free_before, _), _ = g.cudaMemGetInfo()
    with sim.inject("cudaMalloc", "cudaErrorMemoryAllocation", after=2):
        p1, e1 = g.cudaMalloc(1024)
        p2, e2 = g.cudaMalloc(1024)
        stats_before = sim.stats()
        allocations_before = sim.allocations()
        p3, e3 = g.cudaMalloc(1024)
        # Exactly the third failed, as a real failure does:
        assert (e1, e2) == (g.cudaSuccess, g.cudaSuccess)
        assert p3 is None and e3 == g.cudaErrorMemoryAllocation and e3.call == "cudaMalloc"
        assert "injected" in e3.message and "cudaMalloc call #3" in e3.message
        assert "injected" in sim.last_message()
        assert g.cudaPeekAtLastError() == g.cudaErrorMemoryAllocation  # the last error is set
        # ... and nothing was allocated.
        assert sim.allocations() == allocations_before
        stats_after = sim.stats()
        assert stats_after["devices"] == stats_before["devices"]
        assert stats_after["pinned"] == stats_before["pinned"]
        assert stats_after["calls"]["cudaMalloc"] == stats_before["calls"]["cudaMalloc"] + 1  # still a call
        (free_now, _), _ = g.cudaMemGetInfo()
        assert free_before - free_now == 2048
        p4, e4 = g.cudaMalloc(1024)  # the fourth succeeds (count=1)
        assert e4 == g.cudaSuccess
    assert g.cudaGetLastError() == g.cudaErrorMemoryAllocation
    assert g.cudaGetLastError() == g.cudaSuccess
    assert len(sim.allocations()) == 3
    for p in (p1, p2, p4):
        assert g.cudaFree(p) == g.cudaSuccess


def test_count_greater_than_one(pygpu_sim):
    with sim.inject("cudaMalloc", g.cudaErrorMemoryAllocation, after=1, count=2):
        results = mallocs(5)
    assert [err.code for _, err in results] == [0, 2, 2, 0, 0]
    free_all(results)


def test_count_zero_fails_for_ever(pygpu_sim):
    with sim.inject("cudaMalloc", 2, after=1, count=0):
        results = mallocs(30)
    assert [err.code for _, err in results] == [0] + [2] * 29
    free_all(results)
    ptr, err = g.cudaMalloc(256)  # the block cleared it
    assert err == g.cudaSuccess and g.cudaFree(ptr) == g.cudaSuccess


def test_after_counts_from_the_injection(pygpu_sim):
    earlier = mallocs(4)
    with sim.inject("cudaMalloc", "cudaErrorMemoryAllocation", after=1):
        results = mallocs(3)
    assert [err.code for _, err in results] == [0, 2, 0]
    free_all(earlier + results)


def test_injections_add_up_and_clear(pygpu_sim):
    sim.inject("cudaMalloc", "cudaErrorMemoryAllocation", count=0)
    sim.inject("cudaStreamCreate", "cudaErrorInvalidValue", count=0)
    assert g.cudaMalloc(256)[1] == g.cudaErrorMemoryAllocation
    assert g.cudaStreamCreate()[1] == g.cudaErrorInvalidValue
    sim.clear_injections()
    results = mallocs(1)
    assert results[0][1] == g.cudaSuccess
    _stream, err = g.cudaStreamCreate()
    assert err == g.cudaSuccess
    free_all(results)


def test_two_injections_on_one_call(pygpu_sim):
    sim.inject("cudaMalloc", "cudaErrorMemoryAllocation", after=0)
    sim.inject("cudaMalloc", "cudaErrorInvalidValue", after=2)
    results = mallocs(4)
    sim.clear_injections()
    assert [err.code for _, err in results] == [2, 0, 1, 0]
    free_all(results)


@pytest.mark.parametrize("error", ["cudaErrorMemoryAllocation", " cudaErrorMemoryAllocation ", "2", 2,
                                   g.cudaErrorMemoryAllocation, g.cudaError_t(2), "hipErrorOutOfMemory"])
def test_error_forms(pygpu_sim, error):
    with sim.inject("cudaMalloc", error) as injection:
        ptr, err = g.cudaMalloc(256)
    assert injection.error == 2 and injection.call == "cudaMalloc"
    assert ptr is None and err == g.cudaErrorMemoryAllocation
    assert err.name == "cudaErrorMemoryAllocation"


def test_hip_call_name(pygpu_sim):
    with sim.inject("hipMalloc", "cudaErrorMemoryAllocation"):
        assert g.cudaMalloc(256)[1] == g.cudaErrorMemoryAllocation
    with sim.inject("hipHostMalloc", "cudaErrorMemoryAllocation"):
        assert g.cudaMallocHost(256)[1] == g.cudaErrorMemoryAllocation


@pytest.mark.parametrize("call", ["cudaMallocc", "malloc", "", "cudaGetLastError", "cudaGetErrorName"])
def test_unknown_call_is_a_value_error(pygpu_sim, call):
    with pytest.raises(ValueError, match="not a runtime call"):
        sim.inject(call, 2)


@pytest.mark.parametrize(("error", "exc"), [
    ("cudaErrorMemoryAlocation", ValueError), ("cudaSuccess", ValueError), (0, ValueError), ("nonsense", ValueError),
    (-3, ValueError), (1 << 40, ValueError), (2.0, TypeError), (None, TypeError), (True, TypeError),
])
def test_bad_error_is_refused(pygpu_sim, error, exc):
    with pytest.raises(exc):
        sim.inject("cudaMalloc", error)
    results = mallocs(2)
    assert all(err == g.cudaSuccess for _, err in results)  # nothing was injected
    free_all(results)


def test_misspelt_error_name_suggests_the_right_one(pygpu_sim):
    with pytest.raises(ValueError, match="cudaErrorMemoryAllocation"):
        sim.inject("cudaMalloc", "cudaErrorMemoryAlocation")


@pytest.mark.parametrize(("after", "count", "exc"), [(-1, 1, ValueError), (0, -1, ValueError), ("1", 1, TypeError),
                                                     (0, 1.0, TypeError)])
def test_bad_after_or_count(pygpu_sim, after, count, exc):
    with pytest.raises(exc):
        sim.inject("cudaMalloc", 2, after=after, count=count)


def test_refused_injection_leaves_nothing_behind(pygpu_sim):
    with pytest.raises(ValueError, match="is not an error name"):
        sim.inject("cudaMalloc", "nonsense")
    results = mallocs(3)
    assert all(err == g.cudaSuccess for _, err in results)
    free_all(results)


def test_context_manager_clears_on_exception(pygpu_sim):
    with pytest.raises(RuntimeError), sim.inject("cudaMalloc", 2, count=0):
        raise RuntimeError("inside")
    results = mallocs(1)
    assert results[0][1] == g.cudaSuccess
    free_all(results)


def test_injected_copy_failure_moves_nothing(pygpu_sim):
    host = np.full(4096, 9, np.uint8)
    ptr, _ = g.cudaMalloc(4096)
    assert g.cudaMemset(ptr, 0, 4096) == g.cudaSuccess
    before = sim.stats()["bytes"]
    with sim.inject("cudaMemcpy", 700):
        err = g.cudaMemcpy(ptr, host, 4096, g.cudaMemcpyHostToDevice)
    assert err == g.cudaErrorIllegalAddress and err.name == "cudaErrorIllegalAddress"
    assert sim.stats()["bytes"] == before
    out = np.ones(4096, np.uint8)
    assert g.cudaMemcpy(out, ptr, 4096, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
    assert not out.any()  # the failed copy did not happen
    assert g.cudaFree(ptr) == g.cudaSuccess


def test_injected_stream_create_failure_raises_from_the_constructor(pygpu_sim):
    with sim.inject("cudaStreamCreate", "cudaErrorMemoryAllocation"), pytest.raises(g.CudaError) as info:
        g.cudaStream_t()
    assert info.value.name == "cudaErrorMemoryAllocation"


def test_injected_failure_through_gpuarray_is_a_cuda_error(pygpu_sim):
    host = np.arange(64, dtype=np.float32)
    # count=3: GPUArray's default allocator frees what the pools hold and retries twice before it reports it
    with sim.inject("cudaMallocAsync", "cudaErrorMemoryAllocation", count=3), pytest.raises(g.CudaError) as info:
        g.to_gpu(host)
    assert info.value.name == "cudaErrorMemoryAllocation"
    assert info.value.code == g.cudaErrorMemoryAllocation
    assert "injected" in info.value.message
    assert sim.allocations() == []
    a = g.to_gpu(host)
    with sim.inject("cudaMemcpy", "cudaErrorIllegalAddress"), pytest.raises(g.CudaError) as info:
        a.get()
    assert info.value.name == "cudaErrorIllegalAddress"
    assert np.array_equal(a.get(), host)


def test_injected_failure_sets_only_the_calling_threads_last_error(pygpu_sim):
    with sim.inject("cudaMalloc", "cudaErrorMemoryAllocation"):
        seen = []
        t = threading.Thread(target=lambda: seen.append((g.cudaMalloc(256)[1].code, g.cudaGetLastError().code)))
        t.start()
        t.join()
    assert seen == [(2, 2)]
    assert g.cudaGetLastError() == g.cudaSuccess


def test_injection_repr(pygpu_sim):
    with sim.inject("cudaMalloc", "cudaErrorMemoryAllocation", after=2) as injection:
        text = repr(injection)
    assert "cudaMalloc" in text and "cudaErrorMemoryAllocation" in text and "after 2" in text


ENV_PROGRAM = """
import numpy as np, PyGPU as g
results = [g.cudaMalloc(256) for _ in range(4)]
ptr = next(p for p, _ in results if p is not None)
host = np.zeros(256, np.uint8)
codes = [err.name for _, err in results]
codes += [g.cudaMemcpy(ptr, host, 256, g.cudaMemcpyHostToDevice).name for _ in range(2)]
print(" ".join(codes))
"""


def test_injection_from_the_environment():
    result = run_python(ENV_PROGRAM, PYGPU_BACKEND="sim",
                        PYGPU_SIM_INJECT="cudaMalloc=cudaErrorMemoryAllocation@2x1;cudaMemcpy=700")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["cudaSuccess", "cudaSuccess", "cudaErrorMemoryAllocation", "cudaSuccess",
                                     "cudaErrorIllegalAddress", "cudaSuccess"]


def test_injection_from_the_environment_with_spaces_and_forever():
    result = run_python(ENV_PROGRAM, PYGPU_BACKEND="sim", PYGPU_SIM_INJECT=" cudaMalloc = 2 @ 1 x 0 ; ")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["cudaSuccess"] + ["cudaErrorMemoryAllocation"] * 3 + ["cudaSuccess"] * 2


@pytest.mark.parametrize(("value", "detail"), [
    ("cudaMalloc", "is not call=error"),
    ("cudaMalloc=cudaErrorNope", "is not an error name"),
    ("cudaMalloc=2@x", "is not call=error"),
    ("cudaMalloc=2x-1", "is not call=error"),
    ("cudaMalloc=0", "cudaSuccess"),
    ("cudaMallocc=2", "not a runtime call"),
])
def test_bad_injection_variable_fails_the_import(value, detail):
    result = run_python("import PyGPU", PYGPU_BACKEND="sim", PYGPU_SIM_INJECT=value)
    assert result.returncode != 0
    assert "PYGPU_SIM_INJECT" in result.stderr
    assert detail in result.stderr
    assert "SimEnvironmentError" in result.stderr


def test_injection_variable_is_ignored_off_the_simulator():
    code = "import PyGPU; print(PyGPU.backend)"
    result = run_python(code, PYGPU_BACKEND="cuda", PYGPU_SIM_INJECT="cudaMalloc=2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "cuda"


def test_sim_functions_refuse_other_backends():
    code = """
import PyGPU, PyGPU.sim as sim
print(sim.available())
for call in (lambda: sim.inject("cudaMalloc", 2), sim.stats, sim.allocations, sim.reset, sim.clear_injections,
             lambda: sim.chaos(1), lambda: sim.configure(1), lambda: sim.label("x"), lambda: sim.trace().__enter__()):
    try:
        call()
    except RuntimeError as e:
        print("RuntimeError", "simulated device" in str(e))
for name in ("_sim_stats", "_sim_reset", "_sim_allocations", "_sim_trace_start", "_sim_clear_injections"):
    try:
        getattr(PyGPU._core, name)()
    except RuntimeError as e:
        print("RuntimeError", "simulated device" in str(e))
"""
    result = run_python(code, PYGPU_BACKEND="cuda")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "False"
    assert lines[1:] == ["RuntimeError True"] * 14
