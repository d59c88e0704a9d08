"""PyGPU.elementwise (ElementwiseKernel and PyCUDA's kernel generators) and PyGPU.tools; every generated kernel
source compiles with NVRTC and hiprtc (compile only, where they are installed)."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

import PyGPU as g
import PyGPU.driver as cuda
from helpers import needs_hiprtc, needs_nvrtc
from PyGPU import elementwise, tools
from PyGPU._compile import compile_for
from PyGPU.elementwise import ElementwiseKernel

needs_sim = pytest.mark.skipif(g.backend != "sim", reason="the kernels run on the simulated device")

DTYPES = [np.dtype(t) for t in (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64,
                                np.float32, np.float64)]


# ------------------------------------------------------------------------------ ElementwiseKernel

@needs_sim
def test_linear_combination_from_a_declaration_string():
    k = ElementwiseKernel("float a, float *x, float b, float *y, float *z", "z[i] = a*x[i] + b*y[i]", "lin")
    x, y = np.arange(50, dtype=np.float32), np.full(50, 2, np.float32)
    z = g.empty(50, np.float32)
    assert k(np.float32(3), g.to_gpu(x), np.float32(0.5), g.to_gpu(y), z) is None
    np.testing.assert_array_equal(z.get(), 3 * x + 0.5 * y)


@needs_sim
def test_arguments_as_objects_preamble_loop_prep_after_loop_and_n():
    k = ElementwiseKernel([tools.VectorArg(np.int64, "x"), tools.ScalarArg(np.int64, "k")],
                          "x[i] = twice(i) + k + offset + n", "fill_index",
                          preamble="__device__ long twice(long v) { return 2 * v; }",
                          loop_prep="long offset = 100", after_loop="(void)offset")
    a = g.empty(40, np.int64)
    k(a, np.int64(5))
    np.testing.assert_array_equal(a.get(), 2 * np.arange(40) + 5 + 100 + 40)


@needs_sim
def test_range_and_slice_run_over_part_of_the_array():
    k = ElementwiseKernel("int *x", "x[i] = -1", "mark")
    a = g.zeros(20, np.int32)
    k(a, range=slice(2, 11, 3))
    k(a, slice=slice(None, None, -5))
    k(a, slice=slice(15, 17))
    expected = np.zeros(20, np.int32)
    expected[2:11:3] = expected[::-5] = expected[15:17] = -1
    np.testing.assert_array_equal(a.get(), expected)


@needs_sim
def test_a_stream_queues_the_launch():
    s = cuda.Stream()
    k = ElementwiseKernel("double *x", "x[i] = i * 0.5", "halves")
    a = g.empty(1000, np.float64)
    k(a, stream=s)
    s.synchronize()
    np.testing.assert_array_equal(a.get(), np.arange(1000) * 0.5)


@needs_sim
def test_the_kernel_is_compiled_once_per_loop_kind(monkeypatch):
    k = ElementwiseKernel("float *x", "x[i] += 1", "inc")
    a = g.zeros(8, np.float32)
    k(a)
    calls = []
    monkeypatch.setattr(elementwise, "get_elwise_kernel_and_types", lambda *a, **kw: calls.append(a))
    k(a)
    k(a)
    assert calls == []
    np.testing.assert_array_equal(a.get(), np.full(8, 3, np.float32))


@needs_sim
def test_bad_calls_raise_pycudas_errors():
    k = ElementwiseKernel("float *x, float *y", "y[i] = x[i]", "copy_it")
    a, b = g.zeros(10, np.float32), g.zeros(10, np.float32)
    with pytest.raises(RuntimeError, match="elementwise kernel cannot deal with non-contiguous arrays"):
        k(a[::2], b[:5])
    with pytest.raises(TypeError, match="may not specify both range and slice"):
        k(a, b, range=slice(0, 2, 1), slice=slice(0, 2))
    with pytest.raises(TypeError, match="takes 2 arguments, 1 were given"):
        k(a)
    with pytest.raises(TypeError, match="unexpected keyword arguments: bogus"):
        ElementwiseKernel("float *x", "x[i] = 0", bogus="1")
    with pytest.raises(TypeError, match="at least one vector argument"):
        ElementwiseKernel("float a", "(void)a", "scalar_only")(np.float32(1))
    with pytest.raises(ValueError, match="couldn't parse C declarator"):
        ElementwiseKernel("float *", "x[i] = 0", "bad")(a)
    with pytest.raises(g.CompileError):
        ElementwiseKernel("float *x", "x[i] = undeclared_name", "broken")(a)


@needs_sim
def test_keep_prints_where_the_source_is(capsys):
    ElementwiseKernel("short *x", "x[i] = 3", "kept", keep=True)(g.zeros(4, np.int16))
    assert "*** compiler output in" in capsys.readouterr().out


@needs_sim
def test_pycuda_elementwise_and_tools_are_routed_to_pygpu():
    import importlib

    import PyGPU.pycuda as shim

    shim.install()
    try:
        elw, pycuda_tools = importlib.import_module("pycuda.elementwise"), importlib.import_module("pycuda.tools")
        assert elw is elementwise and pycuda_tools is tools
        k = elw.ElementwiseKernel("int *x", "x[i] = 7", "seven")
        a = g.zeros(3, np.int32)
        k(a)
        np.testing.assert_array_equal(a.get(), [7, 7, 7])
    finally:
        shim.uninstall()


# ------------------------------------------------------------------------------ PyGPU.tools

@pytest.mark.parametrize(("dtype", "ctype"), [
    (np.int8, "signed char"), (np.uint8, "unsigned char"), (np.int16, "short"), (np.uint16, "unsigned short"),
    (np.int32, "int"), (np.uint32, "unsigned"), (np.int64, "long"), (np.uint64, "unsigned long"),
    (np.float32, "float"), (np.float64, "double"), (np.bool_, "bool"), (np.complex64, "pycuda::complex<float>"),
    (np.complex128, "pycuda::complex<double>"), (np.intp, "long"), (np.uintp, "unsigned long")])
def test_dtype_to_ctype_is_pycudas(dtype, ctype):
    assert tools.dtype_to_ctype(dtype) == ctype
    assert tools.get_or_register_dtype(ctype) == np.dtype(dtype)


def test_dtype_to_ctype_errors_and_the_texture_names():
    with pytest.raises(ValueError, match="dtype may not be None"):
        tools.dtype_to_ctype(None)
    with pytest.raises(ValueError, match="unable to map dtype 'float16'"):
        tools.dtype_to_ctype(np.float16)
    assert tools.dtype_to_ctype(np.float32, with_fp_tex_hack=True) == "fp_tex_float"
    assert tools.dtype_to_ctype(np.complex128, with_fp_tex_hack=True) == "fp_tex_cdouble"
    assert tools.dtype_to_ctype(np.int32, with_fp_tex_hack=True) == "int"


def test_get_or_register_dtype():
    pair = np.dtype([("a", np.int32), ("b", np.float32)])
    assert tools.get_or_register_dtype(["pair_t", "struct pair"], pair) == pair
    assert tools.dtype_to_ctype(pair) == "pair_t"
    assert tools.get_or_register_dtype("struct pair") == pair
    assert tools.parse_c_arg("pair_t p") == tools.ScalarArg(pair, "p")
    assert tools.ScalarArg(pair, "p").struct_char == "8s"
    with pytest.raises(TypeError, match="unknown C type 'no_such_type'"):
        tools.get_or_register_dtype("no_such_type")
    with pytest.raises(RuntimeError, match="already names dtype"):
        tools.register_dtype(np.dtype([("q", np.int8)]), "pair_t")


@pytest.mark.parametrize(("decl", "expected"), [
    ("float *x", tools.VectorArg(np.float32, "x")),
    ("const double* __restrict__ y", tools.VectorArg(np.float64, "y")),
    ("  unsigned   int  n ", tools.ScalarArg(np.uint32, "n")),
    ("volatile long v", tools.ScalarArg(np.int64, "v")),
    ("int arr[]", tools.VectorArg(np.int32, "arr")),
    ("int arr[4]", tools.VectorArg(np.int32, "arr")),
    ("unsigned char **pp", tools.VectorArg(np.uint8, "pp")),
])
def test_parse_c_arg(decl, expected):
    got = tools.parse_c_arg(decl)
    assert got == expected and type(got) is type(expected)
    assert tools.get_arg_type(decl) == expected.struct_char


@pytest.mark.parametrize("decl", ["float *", "", "*x", "float x y!"])
def test_parse_c_arg_refuses_what_it_cannot_read(decl):
    with pytest.raises(ValueError, match="couldn't parse C declarator"):
        tools.parse_c_arg(decl)


def test_argument_declarators_and_formats():
    assert tools.VectorArg(np.uint16, "p").declarator() == "unsigned short *p"
    assert tools.VectorArg(np.uint16, "p").struct_char == "P"
    assert tools.ScalarArg(np.float64, "d").declarator() == "double d"
    assert [tools.ScalarArg(t, "v").struct_char for t in (np.int8, np.uint64, np.float32, np.bool_)] == \
        ["b", "L", "f", "?"]
    assert repr(tools.VectorArg(np.int32, "x")) == "VectorArg('x', int32)"
    assert tools.VectorArg(np.int32, "x") != tools.ScalarArg(np.int32, "x")
    assert len({tools.VectorArg(np.int32, "x"), tools.VectorArg(np.int32, "x")}) == 1


@pytest.mark.parametrize(("n", "expected"), [(0, 0), (1, 0), (2, 1), (3, 1), (1024, 10), (1025, 10), (2**40, 40)])
def test_bitlog2(n, expected):
    assert tools.bitlog2(n) == expected


def test_bitlog2_refuses_negatives():
    with pytest.raises(ValueError, match="n >= 0"):
        tools.bitlog2(-1)


def test_device_data_and_occupancy():
    data = tools.DeviceData()
    props = cuda.Device(0)
    assert data.max_threads == props.get_attribute(cuda.device_attribute.MAX_THREADS_PER_BLOCK)
    assert data.warp_size == 32 and data.thread_blocks_per_mp == 8
    assert data.register_allocation_unit == "warp" and data.smem_alloc_granularity == 128
    assert (data.align(1), data.align(65), data.align(1, 8)) == (64, 128, 128)
    assert (data.align_words(4), data.align_dtype(17, 4), data.coalesce(17)) == (16, 32, 32)
    with pytest.raises(ValueError, match="no alignment possible for fetches of size 2"):
        data.align_bytes(2)
    assert [tools.DeviceData.make_valid_tex_channel_count(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 4]
    with pytest.raises(ValueError, match="valid channel count"):
        tools.DeviceData.make_valid_tex_channel_count(5)
    assert tools.DeviceData(cuda.Device(1)).warp_size == 32
    rec = tools.OccupancyRecord(data, threads=1024)
    assert (rec.tb_per_mp, rec.limited_by, rec.warps_per_mp, rec.occupancy) == (2, "warps", 64, 1.0)
    rec = tools.OccupancyRecord(data, threads=128, shared_mem=data.shared_memory // 2 + 1)
    assert (rec.tb_per_mp, rec.limited_by) == (1, "smem")
    with pytest.raises(ValueError, match="too many threads"):
        tools.OccupancyRecord(data, threads=data.max_threads + 1)
    with pytest.raises(ValueError, match="too much smem"):
        tools.OccupancyRecord(data, threads=32, shared_mem=data.shared_memory + 1)


def test_context_dependent_memoize_is_per_device():
    calls = []

    @tools.context_dependent_memoize
    def f(x, y=0):
        calls.append((x, y))
        return [x + y]

    assert f(1) is f(1) and f(1, y=2) == [3] and f(1, y=2) is f(1, y=2)
    ctx = cuda.Device(1).make_context()
    try:
        assert f(1) == [1]
    finally:
        ctx.pop()
    assert calls == [(1, 0), (1, 2), (1, 0)]
    tools.clear_context_caches()
    f(1)
    assert len(calls) == 4


def test_mark_cuda_test_runs_in_a_context_and_clears_the_caches():
    seen = []

    @tools.context_dependent_memoize
    def cached():
        seen.append(1)
        return 1

    @tools.mark_cuda_test
    def body(value):
        cached()
        return value

    assert body(5) == 5
    assert body.__name__ == "body"
    cached()
    assert len(seen) == 2  # the cache was cleared after body


# ------------------------------------------------------------------------------ generated sources on GPUs

def generated_specs():
    """Every kernel spec GPUArray's operations generate, for every dtype (and the generators' other forms)."""
    e = elementwise
    specs = []
    ops = ["+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", "<=", ">", ">="]
    for dt in DTYPES:
        specs += [e._binary_op_spec(dt, dt, dt, op) for op in ops]
        specs += [e._binary_op_spec(dt, dt, dt, op, x_is_scalar=True) for op in ("+", "/")]
        specs += [e._scalar_op_spec(dt, dt, dt, op, reverse) for op in ops for reverse in (False, True)]
        if dt.kind in "iu":
            specs += [e._binary_op_spec(dt, dt, dt, op) for op in ("&", "|", "^")]
            specs.append(e._unary_func_spec("~", dt))
        specs += [e._axpbyz_spec(dt, dt, dt), e._axpbyz_spec(dt, dt, dt, y_is_scalar=True), e._axpbz_spec(dt, dt),
                  e._fill_spec(dt), e._reverse_spec(dt), e._rdivide_spec(dt, dt), e._unary_func_spec("-", dt),
                  e._unary_func_spec({"f4": "fabsf", "f8": "fabs"}.get(dt.str[1:], "abs"), dt),
                  e._pow_array_spec(dt, dt, dt, True, False), e._pow_array_spec(dt, dt, dt, False, True),
                  e._binary_func_spec("max", dt, dt, dt), e._binary_func_spec("min", dt, dt, dt, use_scalar=True),
                  e._select_spec(dt, dt, "> 0"), e._select_spec(dt, dt, "!= 0"), e._logical_not_spec(dt, dt),
                  e._arange_spec(dt)]
        specs += [e._copy_spec(dt, src) for src in DTYPES]
    for x, y in itertools.permutations([np.dtype(np.int32), np.dtype(np.uint64), np.dtype(np.float32)], 2):
        z = np.result_type(x, y)
        specs += [e._binary_op_spec(x, y, z, op) for op in ("+", "/", "//", "<")]
    specs += [e._linear_combination_spec(((False, np.float32, np.float32), (True, np.float32, np.float32)),
                                         np.float32), e._negate_odd_spec(np.float32), e._negate_odd_spec(np.float64),
              e._binary_op_spec(np.bool_, np.bool_, np.bool_, "+")]
    return specs


def batched_source(specs) -> tuple[str, int]:
    """One translation unit holding every spec's kernel, each in a namespace with a name of its own (the header
    every kernel includes is included first, outside them: its include guard keeps it there)."""
    parts = ["#include <pycuda-complex.hpp>\n"]
    for k, (arguments, operation, name, preamble) in enumerate(specs):
        args = elementwise._with_loop_arguments(arguments, use_range=False)
        source = elementwise._elwise_source(args, operation, f"{name}_{k}", preamble)
        parts.append(f"namespace k{k} {{\n{source}\n}}\n")
    ranged = elementwise._elwise_source(elementwise._with_loop_arguments("float *x", use_range=True), "x[i] = i",
                                        "ranged", use_range=True)
    return "".join(parts) + ranged, len(specs) + 1


def test_the_specs_cover_every_generator():
    """Each get_*_kernel of PyGPU.elementwise has its spec in generated_specs (add new ones there)."""
    covered = {spec[2] for spec in generated_specs()}
    assert {"binary_op", "scalarop_kernel", "axpbyz", "axpb", "fill", "reverse", "divide_r", "copy", "pow_method",
            "max_kernel", "min_kernel", "if_positive", "logical_not", "arange", "linear_combination",
            "negate_odd", "negative", "invert", "abs_kernel", "fabsf_kernel", "fabs_kernel"} <= covered


@needs_nvrtc
def test_every_generated_kernel_compiles_with_nvrtc(tmp_path, monkeypatch):
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(tmp_path))
    source, count = batched_source(generated_specs())
    ptx, _ = compile_for("cuda", source, arch="compute_80", cache=False)
    assert len(re.findall(rb"\.entry ", ptx)) == count


@needs_hiprtc
def test_every_generated_kernel_compiles_with_hiprtc(tmp_path, monkeypatch):
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(tmp_path))
    source, count = batched_source(generated_specs())
    image, _ = compile_for("hip", source, arch="gfx90a", cache=False)
    assert image[:4] == b"\x7fELF"
    assert image.count(b".kd\0") >= count


# ------------------------------------------------------------------------------ speed ---

@pytest.mark.parametrize("n", [1, 31, 32 * 33, 1_000_003])
def test_every_element_once_whatever_the_grid(n):
    """On the simulated device each thread takes a contiguous run of the elements (a GPU's take every
    total_threads-th one): each index is still visited once, with splay's grid or any other."""
    k = ElementwiseKernel("int *z", "z[i] = z[i] + (int) i + 1", "visit_once")
    expected = np.arange(1, n + 1, dtype=np.int32)
    z = g.zeros(n, np.int32)
    k(z)
    np.testing.assert_array_equal(z.get(), expected)
    _, func, _ = k.generate_stride_kernel_and_types(False)
    for grid, block in (((1, 1), (1, 1, 1)), ((3, 1), (7, 1, 1)), ((n // 32 + 3, 1), (32, 1, 1))):
        z = g.zeros(n, np.int32)
        func.prepared_call(grid, block, z.ptr, n)
        np.testing.assert_array_equal(z.get(), expected)


def test_fminf_and_fmaxf_keep_cs_nan_rules():
    """The simulated device computes fminf/fmaxf inline (libm's are calls): a NaN operand gives the other."""
    x = np.array([1, -2, np.nan, 3, np.nan, -0.5, np.inf], np.float32)
    y = np.array([2, -3, 4, np.nan, np.nan, -np.inf, 5], np.float32)
    k = ElementwiseKernel("float *x, float *y, float *lo, float *hi", "lo[i] = fminf(x[i], y[i]); "
                          "hi[i] = fmaxf(x[i], y[i])", "min_max_nan")
    lo, hi = g.empty(7, np.float32), g.empty(7, np.float32)
    k(g.to_gpu(x), g.to_gpu(y), lo, hi)
    np.testing.assert_array_equal(lo.get(), np.fmin(x, y))
    np.testing.assert_array_equal(hi.get(), np.fmax(x, y))
