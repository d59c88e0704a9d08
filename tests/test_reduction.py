"""PyGPU.reduction (ReductionKernel and the get_*_kernel generators) and GPUArray's reductions (sum, dot, vdot,
subset_dot, subset_sum, min, max, subset_min, subset_max, any, all) on the simulated device, against numpy for
every dtype PyCUDA reduces; bad input; every generated source compiled by NVRTC and hiprtc."""

from __future__ import annotations

import numpy as np
import pytest

import PyGPU
import PyGPU as gpuarray
import PyGPU.driver as cuda
from helpers import GPU_ARCH, GPU_COMPILERS
from PyGPU import reduction
from PyGPU._compile import runtime as compile_runtime
from PyGPU.reduction import ReductionKernel

pytestmark = pytest.mark.skipif(PyGPU.backend != "sim", reason="the simulated device is not the active backend")

INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOATS = ["float32", "float64"]
DTYPES = INTS + FLOATS
# one block; two stage-1 blocks; many blocks; more than 1024 blocks of 4 elements per thread (longer runs)
SIZES = [1, 5, 2048, 2049, 100_003]
BIG = 512 * 4 * 1024 + 3


def sample(n: int, dtype: str, seed: int = 0) -> np.ndarray:
    """Values whose sums and products stay exact in the dtype's arithmetic (integers wrap where numpy's do)."""
    rng = np.random.default_rng(seed + n)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return rng.random(n).astype(dt) + dt.type(0.5)
    if dt.kind == "b":
        return rng.random(n) < 0.5
    low = -3 if dt.kind == "i" else 0
    return rng.integers(low, 4, n).astype(dt)


def close(result: gpuarray.GPUArray, expected: np.generic, dtype: np.dtype) -> None:
    """A 0-d GPUArray of `dtype` equal to numpy's result (to rounding for floats)."""
    assert isinstance(result, gpuarray.GPUArray) and result.shape == () and result.dtype == dtype
    got = result.get()
    if dtype.kind == "f":
        np.testing.assert_allclose(got, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)
    else:
        assert got == np.asarray(expected).astype(dtype), (got, expected)


# ------------------------------------------------------------------------------ values ---

@pytest.mark.parametrize("dtype", [*DTYPES, "bool"])
def test_sum_keeps_the_dtype_as_pycuda(dtype):
    dt = np.dtype(dtype)
    for n in SIZES:
        x = sample(n, dtype)
        expected = x.any() if dt.kind == "b" else x.sum(dtype=dt)  # bool: a+b stored in a bool (PyCUDA's)
        close(gpuarray.sum(gpuarray.to_gpu(x)), expected, dt)


@pytest.mark.parametrize("dtype", ["int32", "float64"])
def test_sum_of_more_than_1024_blocks(dtype):
    x = sample(BIG, dtype)
    close(gpuarray.sum(gpuarray.to_gpu(x)), x.sum(dtype=x.dtype), x.dtype)


@pytest.mark.parametrize(("dtype", "dtype_out"), [("int8", "int64"), ("uint16", "float64"), ("float32", "float64")])
def test_sum_in_another_dtype(dtype, dtype_out):
    x = sample(5000, dtype)
    close(gpuarray.sum(gpuarray.to_gpu(x), dtype=dtype_out), x.sum(dtype=dtype_out), np.dtype(dtype_out))
    close(gpuarray.to_gpu(x).sum(dtype=np.dtype(dtype_out)), x.sum(dtype=dtype_out), np.dtype(dtype_out))


@pytest.mark.parametrize("barrier_free", [True, False], ids=["barrier-free passes", "tree stages"])
@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "float32", "float64"])
def test_both_kernel_designs_give_numpys_results(monkeypatch, barrier_free, dtype):
    """The simulated device runs the barrier-free passes; GPUs the tree stages, also checked here (same source)."""
    monkeypatch.setattr(reduction, "_barrier_free", lambda: barrier_free)
    for n in (0, 3, 4, 7, 64, reduction.SIM_LAST, reduction.SIM_LAST + 1, BIG):
        x = sample(n, dtype)
        close(gpuarray.sum(gpuarray.to_gpu(x)), x.sum(dtype=x.dtype), x.dtype)
        if n:
            close(gpuarray.max(gpuarray.to_gpu(x)), x.max(), x.dtype)
            close(gpuarray.min(gpuarray.to_gpu(x)), x.min(), x.dtype)


def test_three_barrier_free_passes_and_their_launches(monkeypatch):
    """More than SIM_PER_THREAD * SIM_LAST elements need three passes; each pass is one launch of
    SIM_THREADS-thread blocks, and no stage uses shared memory."""
    n = reduction.SIM_PER_THREAD * reduction.SIM_LAST + 5
    launches = []

    def wrapper(call):
        def launch(grid, block, stream, *args, shared_size=0):
            launches.append((grid, block, shared_size, args[-2:]))
            call(grid, block, stream, *args, shared_size=shared_size)
        return launch

    x = np.ones(n, np.int8)
    kernel = reduction.get_sum_kernel(np.dtype(np.int64), x.dtype)
    assert kernel(gpuarray.to_gpu(x), kernel_wrapper=wrapper).get() == n
    parts = (n + reduction.SIM_PER_THREAD - 1) // reduction.SIM_PER_THREAD
    assert [args for *_, args in launches] == [
        (reduction.SIM_PER_THREAD, n), (reduction.SIM_PER_THREAD, parts),
        ((parts + reduction.SIM_PER_THREAD - 1) // reduction.SIM_PER_THREAD,) * 2]
    assert all(shared == 0 for _, _, shared, _ in launches)
    assert launches[0][:2] == (((parts + reduction.SIM_THREADS - 1) // reduction.SIM_THREADS, 1),
                               (reduction.SIM_THREADS, 1, 1))
    assert launches[1][:2] == ((1, 1), (9, 1, 1)) and launches[2][:2] == ((1, 1), (1, 1, 1))


def test_sum_of_nothing_is_zero_and_of_2d_arrays_is_of_all_elements():
    close(gpuarray.sum(gpuarray.zeros(0, np.float32)), np.float32(0), np.dtype(np.float32))
    x = sample(600, "int32").reshape(20, 30)
    close(gpuarray.sum(gpuarray.to_gpu(x)), x.sum(dtype=x.dtype), x.dtype)
    close(gpuarray.sum(gpuarray.to_gpu(np.asfortranarray(x))), x.sum(dtype=x.dtype), x.dtype)


@pytest.mark.parametrize("dtype", [*DTYPES, "bool"])
def test_any_and_all_as_pycuda_tests_them(dtype):
    cases = [np.ones(10, dtype), np.zeros(1, dtype), np.ones(1, dtype), np.zeros(3000, dtype),
             *(np.array(bits, dtype) for bits in np.ndindex(2, 2, 2))]
    spiked = np.zeros(5000, dtype)
    spiked[4321] = 1
    cases.append(spiked)
    for x in cases:
        a = gpuarray.to_gpu(x)
        for ours, numpy_ in ((a.any(), np.any(x)), (a.all(), np.all(x)), (gpuarray.any(a), np.any(x)),
                             (gpuarray.all(a), np.all(x))):
            assert ours.shape == () and ours.dtype == np.bool_
            assert ours.get() == numpy_, (x, ours, numpy_)


def test_all_of_nothing_is_true_and_any_of_nothing_false():
    assert gpuarray.zeros(0, np.int32).all().get() and not gpuarray.zeros(0, np.int32).any().get()


@pytest.mark.parametrize("dtype", DTYPES)
def test_dot_vdot_and_the_method(dtype):
    dt = np.dtype(dtype)
    for n in SIZES:
        x, y = sample(n, dtype, 1), sample(n, dtype, 2)
        a, b = gpuarray.to_gpu(x), gpuarray.to_gpu(y)
        expected = np.dot(x, y)
        close(gpuarray.dot(a, b), expected, dt)
        close(gpuarray.vdot(a, b), np.vdot(x, y), dt)
    close(a.dot(b), expected, dt)


@pytest.mark.parametrize(("dtype_a", "dtype_b"), [("int32", "float64"), ("uint8", "int16"), ("float32", "float64")])
def test_dot_of_mixed_dtypes_gives_the_common_dtype(dtype_a, dtype_b):
    x, y = sample(3001, dtype_a, 1), sample(3001, dtype_b, 2)
    dt = np.result_type(x, y)
    close(gpuarray.dot(gpuarray.to_gpu(x), gpuarray.to_gpu(y)), np.dot(x.astype(dt), y.astype(dt)), dt)
    close(gpuarray.dot(gpuarray.to_gpu(x), gpuarray.to_gpu(y), dtype=np.float64),
          np.dot(x.astype(np.float64), y.astype(np.float64)), np.dtype(np.float64))


@pytest.mark.parametrize("dtype", DTYPES)
def test_min_and_max(dtype):
    dt = np.dtype(dtype)
    for n in SIZES:
        x = sample(n, dtype)
        if dt.kind in "iu":  # the extremes of the dtype, which are the neutral elements
            x[n // 2] = np.iinfo(dt).max
            x[n // 3] = np.iinfo(dt).min
        a = gpuarray.to_gpu(x)
        close(gpuarray.min(a), x.min(), dt)
        close(gpuarray.max(a), x.max(), dt)
        close(a.min(), x.min(), dt)
        close(a.max(), x.max(), dt)


@pytest.mark.parametrize("dtype", FLOATS)
def test_min_and_max_of_floats_skip_nan_and_see_infinities(dtype):
    """fmin/fmax as in PyCUDA: a NaN is skipped where numpy would return it."""
    x = np.array([np.nan, 2.0, -np.inf, 5.0], dtype)
    assert gpuarray.min(gpuarray.to_gpu(x)).get() == -np.inf
    assert gpuarray.max(gpuarray.to_gpu(x)).get() == 5.0
    assert gpuarray.max(gpuarray.to_gpu(np.array([-np.inf], dtype))).get() == -np.inf


def fmax_reference(x: np.ndarray, what: str) -> np.generic:
    """C's fmax/fmin folded over `x` from the neutral infinity (PyCUDA's reduction): NaN skipped."""
    kept = x[~np.isnan(x)]
    if kept.size == 0:
        return x.dtype.type(np.inf if what == "min" else -np.inf)
    return kept.min() if what == "min" else kept.max()


@pytest.mark.parametrize("barrier_free", [True, False], ids=["barrier-free passes", "tree stages"])
@pytest.mark.parametrize("what", ["min", "max"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_min_and_max_edge_values_in_every_position(monkeypatch, barrier_free, what, dtype):
    """NaN, infinities and signed zeros in the vectorised runs, their tails and the later passes: NaN is skipped
    wherever it is (the vectorised select never keeps one), an infinity wins, zeros compare equal."""
    monkeypatch.setattr(reduction, "_barrier_free", lambda: barrier_free)
    reduce = getattr(gpuarray, what)
    extreme = np.inf if what == "max" else -np.inf
    for n in (1, 7, 8, 9, 4099, BIG):
        base = sample(n, dtype) - 1
        for where in sorted({0, n // 2, n - 1, max(n - 3, 0)}):
            for value in (np.nan, extreme, -extreme):
                x = base.copy()
                x[where] = value
                x[::97] = np.nan  # NaN among the first elements of many runs and of the vector loop's lanes
                got = reduce(gpuarray.to_gpu(x)).get()
                assert got == fmax_reference(x, what), (n, where, value, got)
    for n in (1, 9, 4099):
        assert np.isneginf(gpuarray.max(gpuarray.to_gpu(np.full(n, np.nan, dtype))).get())
        assert np.isposinf(gpuarray.min(gpuarray.to_gpu(np.full(n, np.nan, dtype))).get())
        for zero in (0.0, -0.0):  # one sign throughout: that sign; both: a zero (numpy's sign depends on order)
            same = np.full(n, zero, dtype)
            assert np.signbit(reduce(gpuarray.to_gpu(same)).get()) == np.signbit(zero)
        mixed = np.resize(np.array([-0.0, 0.0], dtype), n + 1)
        assert reduce(gpuarray.to_gpu(mixed)).get() == 0
        ranged = np.resize(np.array([-1.0, -0.0, 0.0, 1.0], dtype), n)
        assert reduce(gpuarray.to_gpu(ranged)).get() == getattr(ranged, what)()


def subset_of(n: int) -> np.ndarray:
    """PyCUDA's test's indices: every fifth element left out, one index repeated."""
    keep = np.array([i for i in range(n) if i % 5 != 4], np.int32)
    return np.concatenate([keep, keep[:1]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_subset_reductions(dtype):
    dt = np.dtype(dtype)
    for n in (7, 2049, 20_000):
        x, y = sample(n, dtype, 1), sample(n, dtype, 2)
        idx = subset_of(n)
        a, b, s = gpuarray.to_gpu(x), gpuarray.to_gpu(y), gpuarray.to_gpu(idx)
        close(gpuarray.subset_sum(s, a), x[idx].sum(dtype=dt), dt)
        close(gpuarray.subset_dot(s, a, b), np.dot(x[idx], y[idx]), dt)
        close(gpuarray.subset_min(s, a), x[idx].min(), dt)
        close(gpuarray.subset_max(s, a), x[idx].max(), dt)


def test_subset_with_other_index_dtypes_and_result_dtypes():
    x = sample(1000, "float32")
    for index_dtype in (np.int64, np.uint16, np.uint32):
        idx = subset_of(1000).astype(index_dtype)
        s, a = gpuarray.to_gpu(idx), gpuarray.to_gpu(x)
        close(gpuarray.subset_sum(s, a, dtype=np.float64), x[idx].astype(np.float64).sum(), np.dtype(np.float64))
        products = (x[idx] * x[idx]).astype(np.float64)  # float * float is a float, summed in double
        close(gpuarray.subset_dot(s, a, a, dtype=np.float64), products.sum(), np.dtype(np.float64))
        close(gpuarray.subset_max(s, a), x[idx].max(), np.dtype(np.float32))


# -------------------------------------------------------------------- ReductionKernel ---

def test_reduction_kernel_with_map_expression_and_scalar_argument():
    krnl = ReductionKernel(np.float64, neutral="0", reduce_expr="a+b", map_expr="x[i]*y[i] + c",
                           arguments="const double *x, const float *y, double c", name="weighted")
    x, y = sample(10_000, "float64"), sample(10_000, "float32", 3)
    result = krnl(gpuarray.to_gpu(x), gpuarray.to_gpu(y), 0.5)
    np.testing.assert_allclose(result.get(), np.dot(x, y.astype(np.float64)) + 0.5 * x.size, rtol=1e-12)
    assert krnl.stage1_func.name == "weighted_stage1" and krnl.stage2_func.name == "weighted_stage2"


def test_reduction_kernel_arguments_as_a_list():
    from PyGPU.tools import ScalarArg, VectorArg

    krnl = ReductionKernel(np.int64, "0", "a+b", "x[i] * k", [VectorArg(np.int32, "x"), "int k"])
    assert krnl(gpuarray.to_gpu(np.arange(100, dtype=np.int32)), 3).get() == 3 * 4950
    assert krnl.arguments == [VectorArg(np.int32, "x"), ScalarArg(np.int32, "k")]


def test_struct_dtype_out_is_refused_before_compiling(monkeypatch):
    """PyCUDA reduces to a registered struct dtype; PyGPU's GPUArray holds no struct dtypes, so the result could
    not be returned: TypeError from the constructor, and nothing is compiled."""
    from PyGPU.tools import get_or_register_dtype

    mmc_dtype = np.dtype([("cur_min", np.float32), ("cur_max", np.float32)])
    get_or_register_dtype("minmax_collector", mmc_dtype)
    compiled = []
    monkeypatch.setattr(compile_runtime, "compile_for", lambda *a, **k: compiled.append(a))
    with pytest.raises(TypeError, match="not supported by GPUArray"):
        ReductionKernel(mmc_dtype, neutral="minmax_collector(10000, -10000)", reduce_expr="agg_mmc(a, b)",
                        map_expr="minmax_collector(x[i], x[i])", arguments="float *x")
    assert compiled == []


def test_a_struct_inside_the_expressions():
    """Structs and helper functions of the preamble, as in PyCUDA's struct test, with a dtype_out GPUArray holds."""
    preamble = """
    struct span { float lo, hi; };
    __device__ span make_span(float x) { span s; s.lo = x; s.hi = x; return s; }
    __device__ float width(span s) { return s.hi - s.lo; }
    """
    red = ReductionKernel(np.float32, neutral="0", reduce_expr="fmaxf(a, b)", map_expr="width(make_span(x[i]))+x[i]",
                          arguments="const float *x", preamble=preamble, name="spans")
    x = sample(20_000, "float32")
    assert red(gpuarray.to_gpu(x)).get() == x.max()


def test_out_as_pycuda_tests_it():
    x = sample(2000, "float32").reshape(10, 200)
    a = gpuarray.to_gpu(x)
    red = ReductionKernel(np.float32, neutral=0, reduce_expr="max(a,b)", arguments="float *in")
    out = gpuarray.empty(10, dtype=np.float32)
    for i in range(10):
        assert red(a[i], out=out[i]).ptr == out[i].ptr
    np.testing.assert_array_equal(out.get(), x.max(axis=1))


@pytest.mark.parametrize("barrier_free", [False, True], ids=["tree stages", "barrier-free passes"])
def test_stream_allocator_and_kernel_wrapper(monkeypatch, barrier_free):
    monkeypatch.setattr(reduction, "_barrier_free", lambda: barrier_free)
    calls, allocations, streams = [], [], []

    def allocator(nbytes):
        allocations.append(nbytes)
        return cuda.mem_alloc(nbytes)

    def wrapper(launch):
        def wrapped(grid, block, stream, *args, **kwargs):
            calls.append(grid)
            streams.append(stream)
            return launch(grid, block, stream, *args, **kwargs)
        return wrapped

    red = ReductionKernel(np.int64, "0", "a+b", arguments="const long *in", allocator=allocator)
    # two launches either way: 5 blocks of the tree's stage 1, or 12 threads' partial results, then one block
    x = np.arange(10_000 if not barrier_free else 4 * reduction.SIM_PER_THREAD + reduction.SIM_LAST, dtype=np.int64)
    grid = (5, 1) if not barrier_free else (1, 1)  # 64 threads a block on the simulated device
    parts = 5 if not barrier_free else (x.size + reduction.SIM_PER_THREAD - 1) // reduction.SIM_PER_THREAD
    stream = cuda.Stream()
    result = red(gpuarray.to_gpu(x), stream=stream, kernel_wrapper=wrapper)
    stream.synchronize()
    assert result.get() == x.sum()
    assert calls == [grid, (1, 1)] and streams == [stream, stream]
    assert allocations == [parts * 8, 8]
    seen = []
    result = red(gpuarray.to_gpu(x), allocator=lambda n: seen.append(n) or cuda.mem_alloc(n))
    assert result.get() == x.sum() and seen == [parts * 8, 8] and result.allocator is not allocator
    s = gpuarray.sum(gpuarray.to_gpu(x), stream=stream, allocator=allocator)
    stream.synchronize()
    assert s.get() == x.sum() and s.allocator is allocator


def test_generators_are_memoized_and_a_steady_loop_compiles_nothing(monkeypatch):
    a = gpuarray.to_gpu(sample(100, "float32"))
    gpuarray.sum(a), gpuarray.dot(a, a), gpuarray.max(a), a.any()
    assert reduction.get_sum_kernel(None, np.dtype(np.float32)) is reduction.get_sum_kernel(None, np.dtype(np.float32))
    compiled = []
    real = compile_runtime.compile_for
    monkeypatch.setattr(compile_runtime, "compile_for", lambda *a, **k: compiled.append(a) or real(*a, **k))
    for _ in range(3):
        gpuarray.sum(a), gpuarray.dot(a, a), gpuarray.max(a), a.any(), gpuarray.sum(a, dtype=np.float32)
    assert compiled == []


def test_reduction_source_and_module():
    src = reduction.reduction_source("int", 256, "0", "a+b", "in[i]", "const int *in", name="mine")
    assert "#define BLOCK_SIZE 256" in src and "mine_stage1" in src and "mine_stage2" in src
    mod = reduction.get_reduction_module("int", 256, "0", "a+b", "in[i]", "const int *in", name="mine")
    f = mod.get_function("mine_stage1").prepare("PPIN")
    x = gpuarray.to_gpu(np.arange(300, dtype=np.int32))
    out = gpuarray.empty(1, np.int32)
    f.prepared_call((1, 1), (256, 1, 1), out.gpudata, x.gpudata, 2, 300, shared_size=256 * 4)
    assert out.get()[0] == np.arange(300).sum()
    with pytest.raises(ValueError, match="power of two"):
        reduction.reduction_source("int", 100, "0", "a+b", "in[i]", "const int *in")


# ------------------------------------------------------------------------- bad input ---

@pytest.mark.parametrize("dtype", ["complex64", "complex128", "bool", "float16"])
def test_min_and_max_of_other_dtypes_raise_pycudas_type_error(dtype):
    a = gpuarray.zeros(3, dtype)
    for op in (gpuarray.min, gpuarray.max, gpuarray.GPUArray.max):
        with pytest.raises(TypeError, match="unsupported dtype specified"):
            op(a)
    with pytest.raises(TypeError, match="unsupported dtype specified"):
        gpuarray.subset_max(gpuarray.zeros(1, np.int32), a)


def test_float16_has_no_c_type_as_in_pycuda():
    with pytest.raises(ValueError, match="unable to map dtype 'float16'"):
        gpuarray.sum(gpuarray.zeros(3, np.float16))


def test_non_contiguous_arrays_are_pycudas_runtime_error():
    a = gpuarray.to_gpu(np.arange(20, dtype=np.float32))
    for call in (lambda: gpuarray.sum(a[::2]), lambda: gpuarray.dot(a[::2], a[:10]), lambda: gpuarray.max(a[::2]),
                 a[::2].any):
        with pytest.raises(RuntimeError, match="non-contiguous"):
            call()


def test_mismatched_operands_are_value_errors():
    a, b = gpuarray.zeros(5, np.float32), gpuarray.zeros(6, np.float32)
    with pytest.raises(ValueError, match=r"same size \(5 != 6\)"):
        gpuarray.dot(a, b)
    with pytest.raises(ValueError, match="same size"):
        gpuarray.subset_dot(gpuarray.zeros(1, np.int32), a, b)
    c, f = gpuarray.zeros((2, 3), np.float32), gpuarray.zeros((2, 3), np.float32, order="F")
    with pytest.raises(ValueError, match="same order"):
        gpuarray.dot(c, f)


def test_empty_min_and_max_are_numpys_value_error():
    for op, name in ((gpuarray.min, "minimum"), (gpuarray.max, "maximum")):
        with pytest.raises(ValueError, match=f"zero-size array to reduction operation {name}"):
            op(gpuarray.zeros(0, np.int32))
    with pytest.raises(ValueError, match="zero-size array"):
        gpuarray.subset_min(gpuarray.zeros(0, np.int32), gpuarray.zeros(3, np.int32))


def test_arguments_that_are_not_arrays_are_type_errors():
    for call in (lambda: gpuarray.sum(np.ones(3)), lambda: gpuarray.dot(gpuarray.zeros(3), [1, 2, 3]),
                 lambda: gpuarray.max(3)):
        with pytest.raises(TypeError, match="must be a GPUArray"):
            call()


def test_reduction_kernel_bad_construction():
    with pytest.raises(ValueError, match="at least one vector argument"):
        ReductionKernel(np.float32, "0", "a+b", "x", arguments="float x")
    with pytest.raises(ValueError, match="needs arguments"):
        ReductionKernel(np.float32, "0", "a+b")
    with pytest.raises(PyGPU.CompileError, match="not_a_function"):
        ReductionKernel(np.float32, "0", "not_a_function(a, b)", arguments="const float *in", name="broken")


def test_reduction_kernel_bad_calls():
    red = ReductionKernel(np.float32, "0", "a+b", "x[i] * k", "const float *x, float k", name="scaled")
    x = gpuarray.to_gpu(np.ones(4, np.float32))
    with pytest.raises(TypeError, match=r"takes 2 arguments \(x, k\), got 1"):
        red(x)
    with pytest.raises(TypeError, match="argument 'x' is a pointer: pass a GPUArray"):
        red(np.ones(4, np.float32), 1.0)
    with pytest.raises(TypeError, match=r"declared float \(4 bytes\) but the array holds float64"):
        red(gpuarray.zeros(4, np.float64), 1.0)
    with pytest.raises(ValueError, match="same dtype as dtype_out"):
        red(x, 1.0, out=gpuarray.zeros(1, np.float64))
    with pytest.raises(ValueError, match="out array is empty"):
        red(x, 1.0, out=gpuarray.zeros(0, np.float32))
    with pytest.raises(TypeError, match="out must be a GPUArray"):
        red(x, 1.0, out=np.zeros(1, np.float32))
    assert red(x, 2.0).get() == 8.0  # nothing above launched or broke the device


# ---------------------------------------------------- every generated source, NVRTC and hiprtc ---

def generated_kernels() -> list[ReductionKernel]:
    """Every kernel PyGPU.gpuarray's reductions make, for every dtype they take."""
    i32 = np.dtype(np.int32)
    kernels = []
    for name in [*DTYPES, "bool"]:
        dt = np.dtype(name)
        kernels += [reduction.get_sum_kernel(dt, dt), reduction.get_any_kernel(np.dtype(bool), dt),
                    reduction.get_all_kernel(np.dtype(bool), dt)]
        if dt.kind != "b":
            kernels += [reduction.get_dot_kernel(dt, dt, dt), reduction.get_subset_dot_kernel(dt, i32, dt, dt),
                        reduction.get_subset_sum_kernel(dt, i32, dt),
                        *(reduction.get_minmax_kernel(w, dt) for w in ("min", "max")),
                        *(reduction.get_subset_minmax_kernel(w, dt, i32) for w in ("min", "max"))]
    return kernels


@pytest.mark.parametrize("backend", GPU_COMPILERS)
def test_every_generated_source_compiles_for_gpus(backend):
    """All the sources in one translation unit (each undefines its macros; kernel names differ by dtype)."""
    sources = [k.source for k in generated_kernels()]
    assert len(sources) == 103 and len(set(sources)) == len(sources)
    image, _ = compile_runtime.compile_for(backend, "\n".join(sources), arch=GPU_ARCH[backend], cache=False)
    assert len(image) > 0
    names = [f"{k.stage1_func.name}" for k in generated_kernels()]
    text = image.decode(errors="replace") if backend == "cuda" else image.decode("latin-1")
    assert all(name in text for name in names)


def test_pycuda_reduction_and_scan_are_routed_here():
    import importlib

    import PyGPU.pycuda
    import PyGPU.scan

    PyGPU.pycuda.install()
    try:
        assert importlib.import_module("pycuda.reduction") is reduction
        assert importlib.import_module("pycuda.scan") is PyGPU.scan
        assert importlib.import_module("pycuda.gpuarray").subset_max is gpuarray.subset_max
    finally:
        PyGPU.pycuda.uninstall()


def test_signatures_match_pycuda():
    import inspect

    def params(fn):
        return list(inspect.signature(fn).parameters)

    assert params(gpuarray.sum) == params(gpuarray.subset_sum)[1:] == ["a", "dtype", "stream", "allocator"]
    assert params(gpuarray.dot) == params(gpuarray.subset_dot)[1:] == ["a", "b", "dtype", "stream", "allocator"]
    assert params(gpuarray.min) == params(gpuarray.max) == ["a", "stream"]
    assert params(gpuarray.subset_min) == params(gpuarray.subset_max) == ["subset", "a", "stream"]
    assert params(gpuarray.any) == params(gpuarray.all) == ["a", "stream", "allocator"]
    assert params(gpuarray.GPUArray.any) == params(gpuarray.GPUArray.all) == ["self", "stream", "allocator"]
    assert params(ReductionKernel.__init__)[:10] == ["self", "dtype_out", "neutral", "reduce_expr", "map_expr",
                                                     "arguments", "name", "keep", "options", "preamble"]
    assert params(reduction.get_reduction_module) == ["out_type", "block_size", "neutral", "reduce_expr", "map_expr",
                                                      "arguments", "name", "keep", "options", "preamble"]
    for generator, names in ((reduction.get_sum_kernel, ["dtype_out", "dtype_in"]),
                             (reduction.get_dot_kernel, ["dtype_out", "dtype_a", "dtype_b"]),
                             (reduction.get_subset_dot_kernel, ["dtype_out", "dtype_subset", "dtype_a", "dtype_b"]),
                             (reduction.get_minmax_kernel, ["what", "dtype"]),
                             (reduction.get_subset_minmax_kernel, ["what", "dtype", "dtype_subset"])):
        assert params(generator) == names, generator
