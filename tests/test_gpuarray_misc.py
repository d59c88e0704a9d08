"""PyGPU.gpuarray.logical_and, logical_or, logical_not and arange against numpy, with PyCUDA's signatures, result
dtypes and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import PyGPU as g
from helpers import GPU_COMPILERS, kernels_compiled
from PyGPU import _arithmetic, elementwise
from test_elementwise import batched_source

pytestmark = pytest.mark.skipif(g.backend != "sim", reason="the kernels run on the simulated device")

DTYPES = [np.dtype(t) for t in (np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64,
                                np.uint64, np.float32, np.float64)]
LOGICAL = {"logical_and": np.logical_and, "logical_or": np.logical_or}


def data(dtype, seed):
    x = np.random.default_rng(seed).integers(0, 3, 40)
    if dtype.kind == "f":
        x = x * 0.25  # 0.25 and 0.5 are true, as numpy says
        x[7] = np.nan
    return x.astype(dtype)


# ------------------------------------------------------------------------------ logical_and, logical_or

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", list(LOGICAL))
def test_two_arrays(name, dtype):
    x, y = data(dtype, 1), data(np.dtype(np.float32), 2)
    for a, b in ((x, x[::-1].copy()), (x, y), (y, x)):
        got = getattr(g, name)(g.to_gpu(a), g.to_gpu(b))
        assert got.dtype == np.bool_ and got.shape == a.shape
        np.testing.assert_array_equal(got.get(), LOGICAL[name](a, b))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", list(LOGICAL))
def test_an_array_and_a_scalar(name, dtype):
    x = data(dtype, 3)
    for scalar in (0, 1, 0.5, np.float32(0.0), True):
        for args in ((x, scalar), (scalar, x)):
            gpu = [g.to_gpu(v) if isinstance(v, np.ndarray) else v for v in args]
            got = getattr(g, name)(*gpu)
            assert got.dtype == np.bool_
            np.testing.assert_array_equal(got.get(), LOGICAL[name](*args))


@pytest.mark.parametrize("name", list(LOGICAL))
def test_two_scalars_give_a_0d_bool_array(name):
    for x, y in ((0, 1), (2.5, 1), (0, 0.0), (True, True)):
        got = getattr(g, name)(x, y)
        assert isinstance(got, g.GPUArray) and got.shape == () and got.dtype == np.bool_
        assert got.get()[()] == LOGICAL[name](x, y)


@pytest.mark.parametrize("name", list(LOGICAL))
def test_out_and_allocator(name):
    a, b = g.to_gpu(np.array([0, 1, 2, 0])), g.to_gpu(np.array([1, 1, 0, 0]))
    out = g.empty(4, np.bool_)
    assert getattr(g, name)(a, b, out=out) is out
    np.testing.assert_array_equal(out.get(), LOGICAL[name]([0, 1, 2, 0], [1, 1, 0, 0]))
    assert getattr(g, name)(a, 0, out=out) is out
    np.testing.assert_array_equal(out.get(), LOGICAL[name]([0, 1, 2, 0], 0))
    calls = []

    def allocator(nbytes):
        calls.append(nbytes)
        return g.driver.mem_alloc(nbytes)

    np.testing.assert_array_equal(getattr(g, name)(a, b, allocator=allocator).get(),
                                  LOGICAL[name]([0, 1, 2, 0], [1, 1, 0, 0]))
    assert calls == [4]
    with pytest.raises(TypeError):
        getattr(g, name)(x1=a, x2=b)  # positional only, as PyCUDA's


@pytest.mark.parametrize("name", list(LOGICAL))
def test_logical_errors_are_pycudas(name):
    a = g.to_gpu(np.ones(4))
    with pytest.raises(ValueError, match=f"{name} can take either scalar or GPUArrays as inputs"):
        getattr(g, name)(a, np.ones(4))
    with pytest.raises(NotImplementedError, match="Broadcasting"):
        getattr(g, name)(a, g.ones(5))
    for bad in (g.empty(4, np.int8), g.empty(5, np.bool_)):
        with pytest.raises(AssertionError, match="the result is a bool array of shape"):
            getattr(g, name)(a, a, out=bad)
        with pytest.raises(AssertionError, match="the result is a bool array of shape"):
            getattr(g, name)(a, 1, out=bad)
    with pytest.raises(RuntimeError, match="only contiguous arrays"):
        getattr(g, name)(g.ones(8)[::2], a)


# ------------------------------------------------------------------------------ logical_not

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_logical_not(dtype):
    x = data(dtype, 4)
    got = g.logical_not(g.to_gpu(x))
    assert got.dtype == np.bool_
    np.testing.assert_array_equal(got.get(), np.logical_not(x))
    f = np.asfortranarray(x.reshape(5, 8))
    got = g.logical_not(g.to_gpu(f))
    assert got.flags.f_contiguous
    np.testing.assert_array_equal(got.get(), np.logical_not(f))


def test_logical_not_of_a_scalar_and_into_out():
    for x in (0, 3, 0.0, np.nan, False):
        got = g.logical_not(x)
        assert got.shape == () and got.dtype == np.bool_ and got.get()[()] == np.logical_not(x)
    a = g.to_gpu(np.array([0, 5, -1], np.int16))
    out = g.zeros(3, np.float32)  # PyCUDA writes 1 and 0 into an out of any dtype
    assert g.logical_not(a, out=out) is out
    np.testing.assert_array_equal(out.get(), [1.0, 0.0, 0.0])
    with pytest.raises(AssertionError, match="shape"):
        g.logical_not(a, out=g.empty(4, np.bool_))
    with pytest.raises(RuntimeError, match="only contiguous arrays"):
        g.logical_not(g.ones(8)[::2])
    with pytest.raises(ValueError, match="logical_not takes a GPUArray or a scalar, got list"):
        g.logical_not([1, 2])


# ------------------------------------------------------------------------------ arange

@pytest.mark.parametrize("dtype", [d for d in DTYPES if d.kind in "iu"], ids=str)
def test_arange_integers(dtype):
    for args in ((10,), (2, 9), (1, 20, 3), (0, 0), (5, 2), (3, 7, 10)):
        got = g.arange(*args, dtype=dtype)
        assert got.dtype == dtype and got.ndim == 1
        np.testing.assert_array_equal(got.get(), np.arange(*args, dtype=dtype))
    if dtype.kind == "i":
        for args in ((9, 2, -2), (0, -10, -3), (-5, 5, 1)):
            np.testing.assert_array_equal(g.arange(*args, dtype=dtype).get(), np.arange(*args, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.dtype(np.float32), np.dtype(np.float64)], ids=str)
def test_arange_floats(dtype):
    for args in ((5.0,), (0, 1, 0.1), (1.5, -2.0, -0.25), (0, 1, 0.3), (-1e3, 1e3, 7.5)):
        got = g.arange(*args, dtype=dtype)
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (*args, 1)[:3]
        size = int(np.ceil((dtype.type(stop) - dtype.type(start)) / dtype.type(step)))
        assert got.shape == (size,) and got.dtype == dtype  # PyCUDA's length: ceil((stop - start)/step)
        expected = dtype.type(start) + np.arange(size, dtype=dtype) * dtype.type(step)
        np.testing.assert_allclose(got.get(), expected, rtol=2 * np.finfo(dtype).eps, atol=abs(step) * 1e-6)


def test_arange_dtype_by_position_and_keyword_and_pycudas_warning():
    np.testing.assert_array_equal(g.arange(4, np.dtype(np.float32)).get(), np.arange(4, dtype=np.float32))
    np.testing.assert_array_equal(g.arange(stop=4, start=1, step=2, dtype=np.int16).get(), [1, 3])
    with pytest.warns(UserWarning, match="arange guessed dtype other than float32"):
        got = g.arange(1, 7, 2)
    assert got.dtype == np.array([1, 7, 2]).dtype
    np.testing.assert_array_equal(got.get(), [1, 3, 5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g.arange(np.float32(1), np.float32(2), np.float32(0.5)).dtype == np.float32  # guessed float32: silent
        assert g.arange(3, dtype=np.int8).dtype == np.int8


def test_arange_stream():
    s = g.driver.Stream()
    got = g.arange(0, 1000, dtype=np.int32, stream=s)
    s.synchronize()
    np.testing.assert_array_equal(got.get(), np.arange(1000, dtype=np.int32))


def test_arange_errors_are_pycudas():
    i32 = np.dtype(np.int32)
    with pytest.raises(ValueError, match="stop argument required"):
        g.arange(dtype=i32)
    with pytest.raises(ValueError, match="stop argument required"):
        g.arange()
    with pytest.raises(ValueError, match="too many arguments"):
        g.arange(1, 2, 3, 4)
    with pytest.raises(ValueError, match="may not specify 'stop' by position and keyword"):
        g.arange(5, stop=6, dtype=i32)
    with pytest.raises(ValueError, match="may not specify 'dtype' by position and keyword"):
        g.arange(5, i32, dtype=i32)
    with pytest.raises(ValueError, match="unexpected keyword argument 'num'"):
        g.arange(5, num=3)
    with pytest.raises(ZeroDivisionError, match="step must not be zero"):
        g.arange(0, 5, 0, dtype=i32)
    with pytest.raises(ValueError, match="must be finite"):
        g.arange(0, np.inf, 1.0, dtype=np.float64)
    with pytest.raises(TypeError, match="integer or float dtype"):
        g.arange(5, dtype=np.complex64)  # PyCUDA: a TypeError too (its ceil of a complex length)
    with pytest.raises(TypeError, match="integer or float dtype"):
        g.arange(2, dtype=np.bool_)
    with pytest.raises(TypeError, match="integer or float dtype"):
        g.arange(2, dtype=np.float16)
    with pytest.raises(OverflowError):
        g.arange(300, dtype=np.int8)


def logical_specs():
    """The sources logical_and/logical_or generate (logical_not's and arange's are in tests/test_elementwise.py)."""
    specs = []
    for dt in DTYPES:
        for op in _arithmetic.LOGICAL.values():
            specs += [elementwise._binary_op_spec(dt, dt, np.bool_, op, dtype_op=dt),
                      elementwise._binary_op_spec(dt, np.float32, np.bool_, op, dtype_op=np.result_type(dt, "f4")),
                      elementwise._scalar_op_spec(dt, dt, np.bool_, op),
                      elementwise._scalar_op_spec(dt, np.float64, np.bool_, op, reverse=True)]
    return specs


def test_logical_specs_compute_in_the_common_dtype():
    arguments, operation, _name, _preamble = elementwise._binary_op_spec(np.float32, np.int32, np.bool_, "&&",
                                                                         dtype_op=np.float64)
    assert operation == "z[i] = (bool) ((double) x[i] && (double) y[i])"
    assert arguments == "float *x, int *y, bool *z"


@pytest.mark.parametrize("backend", GPU_COMPILERS)
def test_every_logical_kernel_compiles_for_gpus(backend, tmp_path, monkeypatch):
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(tmp_path))
    source, count = batched_source(logical_specs())
    assert kernels_compiled(backend, source) == count
