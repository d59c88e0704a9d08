"""PyGPU.scan (InclusiveScanKernel, ExclusiveScanKernel) on the simulated device against numpy for every dtype
PyCUDA scans, operand order, in-place and separate outputs, streams and allocators, bad input; every kernel
source compiled by NVRTC and hiprtc."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import PyGPU
import PyGPU as gpuarray
import PyGPU.driver as cuda
from helpers import GPU_ARCH, GPU_COMPILERS
from PyGPU._compile import runtime as compile_runtime
from PyGPU.scan import ExclusiveScanKernel, InclusiveScanKernel, scan_source

pytestmark = pytest.mark.skipif(PyGPU.backend != "sim", reason="the simulated device is not the active backend")

DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64"]
CLASSES = {"inclusive": InclusiveScanKernel, "exclusive": ExclusiveScanKernel}
# one thread's elements; one chunk; several chunks; several intervals (PyCUDA's test's sizes, the largest left out)
SIZES = [1, 7, 9, 10, 1019, 1024, 1029, 100_003]


@functools.cache
def cumsum_kernel(kind: str, dtype: str):
    """A "a+b" scan kernel per kind and dtype (made once: the tests share them)."""
    return CLASSES[kind](dtype, "a+b", "0", name_prefix=f"cumsum_{kind}_{dtype}")


def sample(n: int, dtype: str) -> np.ndarray:
    """Small whole numbers: float sums stay exact, integer sums wrap as numpy's cumsum in the dtype does."""
    return np.random.default_rng(n).integers(0, 4, n).astype(dtype)


def expected_cumsum(kind: str, x: np.ndarray) -> np.ndarray:
    inclusive = np.cumsum(x, dtype=x.dtype)
    return inclusive if kind == "inclusive" else np.concatenate([np.zeros(1, x.dtype), inclusive[:-1]])


@pytest.mark.parametrize("kind", CLASSES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cumsum_in_place(kind, dtype):
    scan = cumsum_kernel(kind, dtype)
    for n in SIZES:
        x = sample(n, dtype)
        a = gpuarray.to_gpu(x)
        assert scan(a) is a
        np.testing.assert_array_equal(a.get(), expected_cumsum(kind, x))


@pytest.mark.parametrize("kind", CLASSES)
def test_more_intervals_than_the_device_has_blocks_for(kind):
    """4 M elements: many units per interval, and the intervals' totals scanned by one block."""
    x = sample(4 * 2**20 + 3, "int32")
    a = gpuarray.to_gpu(x)
    cumsum_kernel(kind, "int32")(a)
    np.testing.assert_array_equal(a.get(), expected_cumsum(kind, x))


@pytest.mark.parametrize("kind", CLASSES)
def test_operand_order_with_an_associative_but_not_commutative_expression(kind):
    """'the first nonzero value so far': a scan that swaps its operands gives the last one instead."""
    scan = CLASSES[kind](np.int32, "a != 0 ? a : b", "0", name_prefix=f"first_nonzero_{kind}")
    rng = np.random.default_rng(5)
    for n in (10, 3000, 50_000):
        x = (rng.integers(0, 3, n) * rng.integers(1, 100, n) * (np.arange(n) > n // 3)).astype(np.int32)
        first = np.zeros(n, np.int32)
        seen = 0
        for i, value in enumerate(x):
            seen = seen or value
            first[i] = seen
        want = first if kind == "inclusive" else np.concatenate([[0], first[:-1]]).astype(np.int32)
        np.testing.assert_array_equal(scan(gpuarray.to_gpu(x)).get(), want)


def test_running_maximum_of_floats_with_a_preamble():
    scan = InclusiveScanKernel(np.float64, "biggest(a, b)", preamble="__device__ double biggest(double a, double b)"
                               " { return a > b ? a : b; }", name_prefix="running_max")
    x = np.random.default_rng(1).standard_normal(20_000)
    np.testing.assert_array_equal(scan(gpuarray.to_gpu(x)).get(), np.maximum.accumulate(x))


def test_a_separate_output_leaves_the_input_alone():
    scan = cumsum_kernel("exclusive", "int64")
    x = sample(5000, "int64")
    a, out = gpuarray.to_gpu(x), gpuarray.zeros(5000, np.int64)
    assert scan(a, out) is out
    np.testing.assert_array_equal(out.get(), expected_cumsum("exclusive", x))
    np.testing.assert_array_equal(a.get(), x)
    new = scan(a, "new")
    assert new is not a and new.ptr != a.ptr
    np.testing.assert_array_equal(new.get(), expected_cumsum("exclusive", x))


def test_stream_and_allocator():
    scan = cumsum_kernel("inclusive", "float32")
    sizes = []

    def allocator(nbytes):
        sizes.append(nbytes)
        return cuda.mem_alloc(nbytes)

    x = sample(100_003, "float32")
    a = gpuarray.to_gpu(x)
    stream = cuda.Stream()
    result = scan(a, "new", allocator=allocator, stream=stream)
    stream.synchronize()
    np.testing.assert_array_equal(result.get(), expected_cumsum("inclusive", x))
    assert result.allocator is allocator and sizes[0] == x.nbytes and len(sizes) == 3  # output, totals, unused


def test_empty_arrays_and_views():
    scan = cumsum_kernel("inclusive", "int32")
    empty = gpuarray.zeros(0, np.int32)
    assert scan(empty) is empty
    x = sample(50, "int32")
    a = gpuarray.to_gpu(x)
    scan(a[10:40])  # a view that starts inside the allocation: only its elements change
    want = x.copy()
    want[10:40] = np.cumsum(x[10:40], dtype=np.int32)
    np.testing.assert_array_equal(a.get(), want)


# ------------------------------------------------------------------------- bad input ---

def test_exclusive_scan_needs_a_neutral_element():
    with pytest.raises(ValueError, match="neutral element is required for exclusive scan"):
        ExclusiveScanKernel(np.int32, "a+b")
    with pytest.raises(ValueError, match="neutral element is required"):
        scan_source("int", "a+b", exclusive=True)


def test_dtypes_without_kernels():
    with pytest.raises(ValueError, match="unable to map dtype 'float16'"):
        InclusiveScanKernel(np.float16, "a+b")
    with pytest.raises(TypeError, match="not supported by GPUArray"):
        InclusiveScanKernel(np.dtype([("q", np.int32)]), "a+b")  # ("x", int32) is vec.int1


def test_bad_arrays():
    scan = cumsum_kernel("inclusive", "int32")
    a = gpuarray.zeros(10, np.int32)
    with pytest.raises(TypeError, match="input_ary must be a GPUArray, got ndarray"):
        scan(np.zeros(10, np.int32))
    with pytest.raises(TypeError, match="output_ary must be a GPUArray"):
        scan(a, np.zeros(10, np.int32))
    with pytest.raises(ValueError, match="output_ary must be a GPUArray, None or 'new'"):
        scan(a, "old")
    with pytest.raises(ValueError, match=r"same shape \(\(10,\) != \(11,\)\)"):
        scan(a, gpuarray.zeros(11, np.int32))
    with pytest.raises(TypeError, match="input_ary holds int64, but this scan kernel is for int32"):
        scan(gpuarray.zeros(10, np.int64))
    with pytest.raises(TypeError, match="output_ary holds float32"):
        scan(a, gpuarray.zeros(10, np.float32))
    with pytest.raises(RuntimeError, match="non-contiguous"):
        scan(gpuarray.zeros(20, np.int32)[::2])
    with pytest.raises(ValueError, match=r"1-D arrays, got shape \(2, 5\)"):
        scan(gpuarray.zeros((2, 5), np.int32))
    assert scan(gpuarray.to_gpu(np.ones(3, np.int32))).get().tolist() == [1, 2, 3]  # the device is still fine


def test_a_bad_expression_is_a_compile_error():
    with pytest.raises(PyGPU.CompileError, match="no_such_function"):
        InclusiveScanKernel(np.int32, "no_such_function(a, b)", name_prefix="broken")


# ------------------------------------------------------------------- NVRTC and hiprtc ---

@pytest.mark.parametrize("backend", GPU_COMPILERS)
def test_every_kernel_source_compiles_for_gpus(backend):
    """Both kinds for every dtype, in one translation unit (each source undefines its macros)."""
    from PyGPU.tools import dtype_to_ctype

    sources = [scan_source(dtype_to_ctype(dt), "a+b", "0", kind == "exclusive", f"cumsum_{kind}_{dt}")
               for kind in CLASSES for dt in DTYPES]
    assert sources[0] == cumsum_kernel("inclusive", DTYPES[0]).source  # what the kernels compile
    image, _ = compile_runtime.compile_for(backend, "\n".join(sources), arch=GPU_ARCH[backend], cache=False)
    text = image.decode("latin-1")
    assert all(f"cumsum_{kind}_{dt}_final_update" in text for kind in CLASSES for dt in DTYPES)


def test_signatures_match_pycuda():
    import inspect

    for cls in CLASSES.values():
        assert list(inspect.signature(cls.__init__).parameters) == [
            "self", "dtype", "scan_expr", "neutral", "name_prefix", "options", "preamble", "devices"]
        assert list(inspect.signature(cls.__call__).parameters) == [
            "self", "input_ary", "output_ary", "allocator", "stream"]
