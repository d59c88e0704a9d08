"""PyGPU.cumath against numpy: every function on float32 and float64 (within a few ulp where the C library and
numpy legitimately differ), integer arrays as PyCUDA treats them, out=, stream=, the errors PyCUDA raises, and
every generated kernel source compiled by NVRTC and hiprtc (compile only)."""

from __future__ import annotations

import numpy as np
import pytest

import PyGPU as g
import PyGPU.driver as cuda
from helpers import GPU_COMPILERS, kernels_compiled
from PyGPU import cumath
from test_elementwise import batched_source

needs_sim = pytest.mark.skipif(g.backend != "sim", reason="the kernels run on the simulated device")

FLOATS = [np.dtype(np.float32), np.dtype(np.float64)]
INTS = [np.dtype(t) for t in (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64)]
#: Each function's argument range (both signs where the function takes them, no zero of the result).
DOMAIN = {"log": (0.05, 80.0), "log10": (0.05, 80.0), "sqrt": (0.0, 1e4), "asin": (-0.99, 0.99),
          "acos": (-0.99, 0.99), "tan": (-1.4, 1.4), "exp": (-20.0, 20.0), "sinh": (-20.0, 20.0),
          "cosh": (-20.0, 20.0)}
#: ulp of difference allowed between the C library and numpy (0: they must agree exactly).
ULP = {"fabs": 0, "ceil": 0, "floor": 0, "sqrt": 0}


def values(name, dtype, n=1001, seed=0):
    lo, hi = DOMAIN.get(name, (-30.0, 30.0))
    x = np.random.default_rng(seed).uniform(lo, hi, n)
    x[:3] = [lo, hi, (lo + hi) / 2]
    return x.astype(dtype)


def assert_ulp(got, expected, maxulp):
    assert got.dtype == expected.dtype and got.shape == expected.shape
    if maxulp == 0:
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_array_max_ulp(got, expected, maxulp=maxulp)


# ------------------------------------------------------------------------------ values

@needs_sim
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("name", list(cumath._UNARY))
def test_unary_functions_match_numpy(name, dtype):
    x = values(name, dtype)
    got = getattr(cumath, name)(g.to_gpu(x))
    assert_ulp(got.get(), getattr(np, cumath._UNARY[name].numpy)(x), ULP.get(name, 4))


@needs_sim
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("name", list(cumath._UNARY))
def test_special_values_follow_the_c_library(name, dtype):
    """inf, -inf, nan, +-0: the results C99's Annex F gives, which are numpy's too (a NaN's sign is not)."""
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0], dtype)
    with np.errstate(all="ignore"):
        expected = getattr(np, cumath._UNARY[name].numpy)(x)
    got = getattr(cumath, name)(g.to_gpu(x)).get()
    np.testing.assert_array_equal(got, expected)
    number = ~np.isnan(expected)
    np.testing.assert_array_equal(np.signbit(got[number]), np.signbit(expected[number]))


@needs_sim
@pytest.mark.parametrize("dtype", [*INTS, np.dtype(np.bool_)], ids=str)
def test_integer_arrays_keep_their_dtype_as_in_pycuda(dtype):
    """fabs, ceil and floor are exact; the others are computed in double and converted back (PyCUDA's dtype)."""
    info = np.iinfo(dtype) if dtype.kind != "b" else None
    x = (np.array([0, 1, 1, 0, 1]) if info is None else
         np.array([info.min, info.max, 0, 3, 1, 7], dtype)).astype(dtype)
    a = g.to_gpu(x)
    for name in ("ceil", "floor"):
        np.testing.assert_array_equal(getattr(cumath, name)(a).get(), x)
    fabs = cumath.fabs(a).get()
    assert fabs.dtype == dtype
    np.testing.assert_array_equal(fabs, np.abs(x))  # numpy's wrap of the most negative value included
    small = np.array([0, 1, 2, 3, 4], dtype)
    for name in ("exp", "sqrt", "log10", "cosh", "atan"):
        with np.errstate(all="ignore"):
            expected = getattr(np, cumath._UNARY[name].numpy)(small.astype(np.float64))
        got = getattr(cumath, name)(g.to_gpu(small)).get()
        assert got.dtype == dtype
        finite = np.isfinite(expected)
        np.testing.assert_array_equal(got[finite], expected[finite].astype(dtype))


@needs_sim
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_fmod_matches_numpy(dtype):
    rng = np.random.default_rng(1)
    x, m = rng.uniform(-50, 50, 500).astype(dtype), rng.uniform(-7, 7, 500).astype(dtype)
    x[:4], m[:4] = [5.5, -5.5, 3.0, 1.0], [2.0, 2.0, -0.7, 0.0]
    with np.errstate(invalid="ignore"):
        expected = np.fmod(x, m)
    got = cumath.fmod(g.to_gpu(x), g.to_gpu(m))
    assert got.dtype == dtype
    np.testing.assert_array_equal(got.get(), expected)  # fmod is exact


@needs_sim
def test_fmod_converts_a_modulus_of_another_dtype():
    x = np.array([7.5, -7.5, 9.0])
    np.testing.assert_array_equal(cumath.fmod(g.to_gpu(x), g.to_gpu(np.array([2, 2, -4], np.int32))).get(),
                                  np.fmod(x, [2.0, 2.0, -4.0]))
    f = np.array([7.5, 1.0], np.float32)
    got = cumath.fmod(g.to_gpu(f), g.to_gpu(np.array([0.1, 0.3])))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.get(), np.fmod(f, np.array([0.1, 0.3], np.float32)))


@needs_sim
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_frexp_and_ldexp_invert_each_other(dtype):
    x = np.array([8.0, 0.375, -3.0, 0.0, 1e-30, 6e20, np.inf, -np.inf], dtype)
    sig, expt = cumath.frexp(g.to_gpu(x))
    ref_sig, ref_expt = np.frexp(x)
    assert sig.dtype == expt.dtype == dtype  # PyCUDA's: the exponents in the argument's dtype
    np.testing.assert_array_equal(sig.get(), ref_sig)
    np.testing.assert_array_equal(expt.get(), ref_expt.astype(dtype))
    np.testing.assert_array_equal(cumath.ldexp(sig, expt).get(), x)


@needs_sim
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_ldexp_takes_integer_exponents(dtype):
    sig, expt = np.array([0.5, 0.75, -1.5, 3.0], dtype), np.array([4, -1, 10, 0], np.int32)
    got = cumath.ldexp(g.to_gpu(sig), g.to_gpu(expt))
    assert got.dtype == dtype
    np.testing.assert_array_equal(got.get(), np.ldexp(sig, expt))


@needs_sim
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_modf_matches_numpy(dtype):
    x = np.array([2.5, -1.25, 0.0, -0.0, 7.0, 1e10, np.inf, -np.inf, np.nan], dtype)
    frac, whole = cumath.modf(g.to_gpu(x))
    ref_frac, ref_whole = np.modf(x)
    for got, ref in ((frac.get(), ref_frac), (whole.get(), ref_whole)):
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, ref)
        number = ~np.isnan(ref)
        np.testing.assert_array_equal(np.signbit(got[number]), np.signbit(ref[number]))


@needs_sim
def test_fortran_ordered_and_empty_arrays():
    x = np.asfortranarray(np.linspace(0.1, 2.0, 12).reshape(3, 4))
    a = g.to_gpu(x)
    got = cumath.sqrt(a)
    assert got.flags.f_contiguous and got.strides == a.strides
    np.testing.assert_array_equal(got.get(), np.sqrt(x))
    m = g.to_gpu(np.ascontiguousarray(x) + 1)  # C order: paired element by element, not by memory position
    np.testing.assert_array_equal(cumath.fmod(a, m).get(), np.fmod(x, x + 1))
    empty = cumath.exp(g.empty((0, 3), np.float32))
    assert empty.shape == (0, 3) and empty.dtype == np.float32
    assert [part.shape for part in cumath.modf(g.empty(0, np.float64))] == [(0,), (0,)]


# ------------------------------------------------------------------------------ out= and stream=

@needs_sim
def test_out_in_place_and_into_another_array():
    x = np.linspace(-3, 3, 50)
    a = g.to_gpu(x)
    out = g.empty_like(a)
    assert cumath.sin(a, out=out) is out
    np.testing.assert_array_equal(out.get(), np.sin(x))
    assert cumath.exp(a, out=a) is a
    np.testing.assert_array_max_ulp(a.get(), np.exp(x), maxulp=4)


@needs_sim
def test_stream_keyword_queues_the_kernel():
    s = cuda.Stream()
    x = np.linspace(0, 1, 10000, dtype=np.float32)
    a = g.to_gpu(x)
    out = cumath.cos(a, stream=s)
    s.synchronize()
    np.testing.assert_array_max_ulp(out.get(), np.cos(x), maxulp=4)
    for result in (cumath.fmod(a, a + 1, stream=s), cumath.ldexp(a, a, stream=s), *cumath.frexp(a, stream=s),
                   *cumath.modf(a, stream=s)):
        s.synchronize()
        assert result.shape == a.shape


@needs_sim
def test_the_positional_stream_or_out_is_deprecated_and_honoured():
    x = np.linspace(0.5, 1.5, 8)
    a = g.to_gpu(x)
    out = g.empty_like(a)
    with pytest.warns(DeprecationWarning, match="please use 'out' or 'stream' keyword arguments"):
        assert cumath.log(a, out) is out
    np.testing.assert_array_max_ulp(out.get(), np.log(x), maxulp=4)
    s = cuda.Stream()
    with pytest.warns(DeprecationWarning, match="please use 'out' or 'stream'"):
        result = cumath.tanh(a, s)
    s.synchronize()
    np.testing.assert_array_max_ulp(result.get(), np.tanh(x), maxulp=4)


@needs_sim
def test_a_steady_state_loop_compiles_nothing(monkeypatch):
    a = g.to_gpu(np.ones(16, np.float32))
    cumath.exp(a)
    cumath.frexp(a)
    calls = []
    monkeypatch.setattr(cumath, "get_elwise_kernel", lambda *args, **kwargs: calls.append(args))
    for _ in range(3):
        cumath.exp(a, out=a)
        cumath.frexp(a)
    assert calls == []


# ------------------------------------------------------------------------------ bad input

@needs_sim
def test_a_bad_out_is_pycudas_assertion_error():
    a = g.to_gpu(np.ones((2, 3)))
    for bad in (g.empty((2, 3), np.float32), g.empty((3, 2), np.float64),
                g.empty((2, 3), np.float64, order="F"), g.empty(6, np.float64)):
        with pytest.raises(AssertionError, match="out must be an array like the argument"):
            cumath.exp(a, out=bad)
    with pytest.raises(TypeError, match="out must be a GPUArray, got ndarray"):
        cumath.exp(a, out=np.empty((2, 3)))


@needs_sim
def test_non_contiguous_arrays_are_pycudas_runtime_error():
    a = g.to_gpu(np.ones(10))
    message = "only contiguous arrays may be used as arguments to this operation"
    for call in (lambda: cumath.exp(a[::2]), lambda: cumath.fmod(a[::2], a[:5]), lambda: cumath.fmod(a[:5], a[::2]),
                 lambda: cumath.frexp(a[::2]), lambda: cumath.ldexp(a[::2], a[:5]), lambda: cumath.modf(a[::2])):
        with pytest.raises(RuntimeError, match=message):
            call()


@needs_sim
def test_other_bad_arguments():
    a = g.to_gpu(np.ones(4))
    with pytest.raises(TypeError, match="unexpected keyword arguments: outt"):
        cumath.exp(a, outt=a)
    with pytest.raises(TypeError, match=r"cumath\.sqrt takes a GPUArray, got ndarray"):
        cumath.sqrt(np.ones(4))
    with pytest.raises(TypeError, match=r"cumath\.fmod takes float32 or float64 arrays, got int32"):
        cumath.fmod(g.zeros(4, np.int32), a)
    with pytest.raises(TypeError, match="mod must be a real array, got bool"):
        cumath.fmod(a, g.zeros(4, np.bool_))
    with pytest.raises(ValueError, match=r"the arrays differ in shape: \(4,\) and \(5,\)"):
        cumath.ldexp(a, g.zeros(5, np.int32))
    with pytest.raises(ValueError, match="unable to map dtype"):
        cumath.exp(g.zeros(4, np.float16))


@needs_sim
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_arrays(dtype):
    """PyCUDA's complex functions (pycuda-complex.hpp's) match numpy's; the others have no complex form."""
    rng = np.random.default_rng(3)
    x = (rng.uniform(-3, 3, 200) + 1j * rng.uniform(-3, 3, 200)).astype(dtype)
    a = g.to_gpu(x)
    rtol = 2e-5 if dtype == np.complex64 else 1e-12
    for name, row in cumath._UNARY.items():
        if row.complex is None:
            with pytest.raises(TypeError, match=f"cumath.{name} does not take complex"):
                getattr(cumath, name)(a)
        else:
            got = getattr(cumath, name)(a)
            assert got.dtype == dtype
            np.testing.assert_allclose(got.get(), getattr(np, row.numpy)(x), rtol=rtol, atol=1e-6, err_msg=name)
    out = g.empty_like(a)
    assert cumath.exp(a, out=out) is out
    np.testing.assert_allclose(out.get(), np.exp(x), rtol=rtol)
    for call in (lambda: cumath.fmod(a, a), lambda: cumath.frexp(a), lambda: cumath.modf(a),
                 lambda: cumath.ldexp(a, a)):
        with pytest.raises(TypeError, match="does not take complex"):
            call()


def test_every_pycuda_cumath_function_is_here():
    assert {"fabs", "ceil", "floor", "exp", "log", "log10", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan",
            "sinh", "cosh", "tanh", "fmod", "frexp", "ldexp", "modf"} <= set(cumath.__all__)
    assert all(getattr(cumath, name).__module__ == "PyGPU.cumath" for name in cumath.__all__)


def test_pycuda_cumath_is_routed_here():
    from PyGPU import _pycuda_shim

    _pycuda_shim.install()
    try:
        import pycuda.cumath

        assert pycuda.cumath is cumath
    finally:
        _pycuda_shim.uninstall()


# ------------------------------------------------------------------------------ generated sources on GPUs

def cumath_specs():
    """Every kernel source cumath generates, for every dtype it takes."""
    specs = []
    for dt in [*FLOATS, *INTS, np.dtype(np.bool_)]:
        specs += [cumath._unary_spec(name, dt) for name in cumath._UNARY]
    for dt in (np.dtype(np.complex64), np.dtype(np.complex128)):
        specs += [cumath._unary_spec(name, dt) for name, row in cumath._UNARY.items() if row.complex is not None]
    for dt in FLOATS:
        specs += [cumath._fmod_spec(dt, dt), cumath._fmod_spec(dt, np.dtype(np.int32)), cumath._frexp_spec(dt),
                  cumath._ldexp_spec(dt, dt), cumath._ldexp_spec(dt, np.dtype(np.int64)), cumath._modf_spec(dt)]
    return specs


def test_the_specs_name_the_c_functions_of_pycuda():
    names = {spec[2] for spec in cumath_specs()}
    assert {"expf_kernel", "exp_kernel", "asinf_kernel", "fabs_kernel", "fmod_kernel", "frexp_kernel",
            "ldexp_kernel", "modf_kernel"} <= names
    assert "expf(y[i])" in cumath._unary_spec("exp", np.dtype(np.float32))[1]
    assert "exp((double) y[i])" in cumath._unary_spec("exp", np.dtype(np.int16))[1]
    assert "fmodf(" in cumath._fmod_spec(np.dtype(np.float32), np.dtype(np.float32))[1]


@pytest.mark.parametrize("backend", GPU_COMPILERS)
def test_every_cumath_kernel_compiles_for_gpus(backend, tmp_path, monkeypatch):
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(tmp_path))
    source, count = batched_source(cumath_specs())
    assert kernels_compiled(backend, source) == count
