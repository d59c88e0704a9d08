"""GPUArray's elementwise arithmetic (PyGPU._arithmetic) against numpy, for every dtype PyCUDA's kernels take:
operators with arrays and scalars, in place and reflected, comparisons, unary operators, astype, fill, reverse,
mul_add, if_positive, where, maximum, minimum, real/imag/conj, and the errors PyCUDA raises."""

from __future__ import annotations

import numpy as np
import pytest

import PyGPU as g
from PyGPU import _arithmetic, elementwise

pytestmark = pytest.mark.skipif(g.backend != "sim", reason="the kernels run on the simulated device")

INTS = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]
FLOATS = [np.float32, np.float64]
DTYPES = INTS + FLOATS
IDS = [np.dtype(t).name for t in DTYPES]


def data(dtype, n=37, seed=0, nonzero=False, small=False):
    """Values that exercise signs, zeros and (for the small integer types) wrap-around."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        x = (rng.standard_normal(n) * 20).astype(dt)
        x[::7] = np.round(x[::7])
    else:
        info = np.iinfo(dt)
        lo, hi = (max(info.min, -4), min(info.max, 4)) if small else (max(info.min, -100), min(info.max, 100))
        x = rng.integers(lo, hi + 1, n).astype(dt)
    if nonzero:
        x[x == 0] = 1
    else:
        x[5] = 0
    return x


def numpy_op(op, x, y):
    with np.errstate(all="ignore"):
        return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "//": np.floor_divide,
                "%": np.remainder, "**": np.power}[op](x, y)


def check(result, expected, approx=False):
    got = result.get()
    assert got.dtype == np.asarray(expected).dtype, (got.dtype, np.asarray(expected).dtype)
    if approx:
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    else:
        np.testing.assert_array_equal(got, expected)


# ------------------------------------------------------------------------------ binary operators

ARITHMETIC = ["+", "-", "*", "/", "//", "%"]


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("op", ARITHMETIC)
def test_array_op_array(op, dtype):
    x, y = data(dtype, seed=1), data(dtype, seed=2)
    check(eval(f"a {op} b", {"a": g.to_gpu(x), "b": g.to_gpu(y)}), numpy_op(op, x, y))


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_power_of_arrays_and_scalars(dtype):
    x, y = data(dtype, seed=3, small=True), np.abs(data(dtype, seed=4, small=True))
    approx = np.dtype(dtype).kind == "f"
    a, b = g.to_gpu(x), g.to_gpu(y)
    check(a ** b, numpy_op("**", x, y), approx)
    check(a ** 3, numpy_op("**", x, 3), approx)
    check(2 ** b, numpy_op("**", 2, y), approx)
    a **= 2
    check(a, numpy_op("**", x, 2), approx)


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_array_op_scalar_and_reflected(op, dtype):
    x = data(dtype, seed=5, nonzero=True)
    a = g.to_gpu(x)
    check(eval(f"a {op} 3", {"a": a}), numpy_op(op, x, 3))
    check(eval(f"3 {op} a", {"a": a}), numpy_op(op, 3, x))


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("op", ["//", "%"])
def test_floor_division_and_remainder_with_scalars(op, dtype):
    x = data(dtype, seed=6)
    a = g.to_gpu(x)
    check(eval(f"a {op} 7", {"a": a}), numpy_op(op, x, 7))
    check(eval(f"50 {op} a", {"a": a}), numpy_op(op, 50, x))  # a holds zeros: numpy's 0 (or nan), no trap


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_in_place_operators_keep_the_array(dtype):
    x, y = data(dtype, seed=7), data(dtype, seed=8, nonzero=True)
    a, b = g.to_gpu(x), g.to_gpu(y)
    ptr = a.ptr
    a += b
    a -= 2
    a *= b
    expected = (x + y - np.asarray(2).astype(dtype)) * y
    check(a, expected)
    a //= b
    check(a, numpy_op("//", expected, y))
    a %= 5
    check(a, numpy_op("%", numpy_op("//", expected, y), 5))
    assert a.ptr == ptr and a.dtype == np.dtype(dtype)


def test_in_place_true_division_stores_in_the_arrays_dtype():
    a = g.to_gpu(np.array([7, -7, 9], np.int32))
    a /= 2  # computed in float64, stored as int32 (C's conversion truncates)
    check(a, np.array([3, -3, 4], np.int32))
    f = g.to_gpu(np.array([1.0, 3.0], np.float32))
    f /= g.to_gpu(np.array([4.0, 2.0], np.float32))
    check(f, np.array([0.25, 1.5], np.float32))


@pytest.mark.parametrize(("tx", "ty"), [(np.int8, np.int16), (np.uint8, np.int8), (np.int32, np.float32),
                                        (np.uint32, np.int64), (np.int64, np.uint64), (np.float32, np.float64),
                                        (np.uint16, np.float64)])
@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_mixed_dtypes_promote_as_numpy(op, tx, ty):
    x, y = data(tx, seed=9), data(ty, seed=10, nonzero=True)
    check(eval(f"a {op} b", {"a": g.to_gpu(x), "b": g.to_gpu(y)}), numpy_op(op, x, y))


@pytest.mark.parametrize(("dtype", "scalar"), [(np.int8, 2), (np.int8, 2.5), (np.uint8, 300 - 299), (np.float32, 0.1),
                                               (np.int32, np.float32(1.5)), (np.float32, np.float64(0.1)),
                                               (np.int16, np.int64(3)), (np.uint64, True)])
def test_scalars_are_weak_as_in_numpy(dtype, scalar):
    x = data(dtype, seed=11)
    a = g.to_gpu(x)
    check(a + scalar, numpy_op("+", x, scalar))
    check(a * scalar, numpy_op("*", x, scalar))


def test_integer_wrap_around_and_division_edge_cases():
    x = np.array([-128, 127, -128, 5, -5, 0], np.int8)
    y = np.array([-1, 1, 1, 0, -1, 0], np.int8)
    a, b = g.to_gpu(x), g.to_gpu(y)
    for op in ("+", "-", "*", "//", "%"):
        check(eval(f"a {op} b", {"a": a, "b": b}), numpy_op(op, x, y))
    big = np.array([np.iinfo(np.int64).min, 7], np.int64)
    check(g.to_gpu(big) // g.to_gpu(np.array([-1, 0], np.int64)), numpy_op("//", big, np.array([-1, 0])))
    u = np.array([0, 1, 255], np.uint8)
    check(g.to_gpu(u) - 1, numpy_op("-", u, 1))
    check(-g.to_gpu(u), -u)


def test_python_integers_out_of_range_raise_numpys_overflow_error():
    with pytest.raises(OverflowError):
        _ = g.to_gpu(np.zeros(3, np.int8)) + 1000


def test_negative_integer_power_of_a_scalar_exponent_is_numpys_value_error():
    with pytest.raises(ValueError, match="Integers to negative integer powers are not allowed"):
        _ = g.to_gpu(np.arange(3, dtype=np.int32)) ** -1


# ------------------------------------------------------------------------------ comparisons

COMPARISONS = ["==", "!=", "<", "<=", ">", ">="]


@pytest.mark.parametrize("dtype", [np.int8, np.uint32, np.int64, np.float32, np.float64],
                         ids=["int8", "uint32", "int64", "float32", "float64"])
@pytest.mark.parametrize("op", COMPARISONS)
def test_comparisons_give_pycudas_dtype(op, dtype):
    """1 where true, 0 where false, in the operands' common dtype (PyCUDA's), not bool."""
    x, y = data(dtype, seed=12), data(dtype, seed=12)
    y[::3] = data(dtype, seed=13)[::3]
    arrays = {"a": g.to_gpu(x), "b": g.to_gpu(y)}
    check(eval(f"a {op} b", arrays), eval(f"x {op} y").astype(dtype))
    check(eval(f"a {op} 1", arrays), eval(f"x {op} 1").astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_equality_and_order_for_every_dtype(dtype):
    x, y = data(dtype, seed=14), data(dtype, seed=14)
    y[::2] = data(dtype, seed=15)[::2]
    a, b = g.to_gpu(x), g.to_gpu(y)
    check(a == b, (x == y).astype(dtype))
    check(a < b, (x < y).astype(dtype))


def test_comparison_of_mixed_dtypes_is_in_the_common_dtype():
    a = g.to_gpu(np.array([1, 2, 3], np.int32))
    b = g.to_gpu(np.array([1.5, 2.0, 2.5], np.float64))
    check(a > b, np.array([0.0, 0.0, 1.0]))
    f = g.to_gpu(np.array([0.1, 0.2], np.float32))
    check(f == 0.1, np.array([1.0, 0.0], np.float32))  # 0.1 taken as float32, as numpy does


def test_comparison_with_something_else_is_not_implemented():
    a = g.zeros(3, np.float32)
    assert (a == "x") is False
    assert (a != None) is True  # noqa: E711
    with pytest.raises(TypeError):
        _ = a < "x"


# ------------------------------------------------------------------------------ unary operators

@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_negation_and_absolute_value(dtype):
    x = data(dtype, seed=16)
    a = g.to_gpu(x)
    with np.errstate(all="ignore"):
        check(-a, -x)
        check(abs(a), np.abs(x))
    assert +a is a


@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int64, np.bool_], ids=["int8", "uint16", "int64", "bool"])
def test_bitwise_operators(dtype):
    x = data(np.int8, seed=17).astype(dtype)
    y = data(np.int8, seed=18).astype(dtype)
    a, b = g.to_gpu(x), g.to_gpu(y)
    check(a & b, x & y)
    check(a | b, x | y)
    check(a ^ b, x ^ y)
    check(~a, ~x)


def test_bitwise_operators_on_floats_are_numpys_type_error():
    a = g.zeros(3, np.float32)
    with pytest.raises(TypeError):
        _ = a & a
    with pytest.raises(TypeError, match="invert"):
        _ = ~a


# ------------------------------------------------------------------------------ shapes, layouts, errors

def test_zero_dimensional_arrays_broadcast_as_pycudas():
    x = data(np.float64, seed=19, nonzero=True)
    a, s = g.to_gpu(x), g.to_gpu(np.array(2.5))
    check(a + s, x + 2.5)
    check(s - a, 2.5 - x)
    check(a * s, x * 2.5)
    check(s / a, 2.5 / x)


def test_different_shapes_are_pycudas_not_implemented_error():
    a, b = g.zeros((2, 3), np.float32), g.zeros((3, 2), np.float32)
    with pytest.raises(NotImplementedError, match=r"Broadcasting binary operator with shapes: \(2, 3\), \(3, 2\)"):
        _ = a + b
    with pytest.raises(NotImplementedError, match="Broadcasting"):
        a += g.zeros(6, np.float32)
    with pytest.raises(NotImplementedError, match="Broadcasting"):
        a.mul_add(1, b, 1)


def test_non_contiguous_operands_are_pycudas_runtime_error():
    a = g.to_gpu(np.arange(10, dtype=np.float32))
    strided = a[::2]
    for operation in (lambda: strided + 1, lambda: a[:5] * strided, lambda: -strided, strided.reverse,
                      lambda: strided == 1, lambda: g.maximum(strided, 0)):
        with pytest.raises(RuntimeError, match="only contiguous arrays may be used as arguments to this operation"):
            operation()
    check(a, np.arange(10, dtype=np.float32))  # nothing was written


def test_fortran_order_is_kept_and_mixed_orders_pair_elements():
    x = np.asfortranarray(data(np.float32, n=12, seed=20).reshape(3, 4))
    y = np.ascontiguousarray(data(np.float32, n=12, seed=21).reshape(3, 4))
    a, b = g.to_gpu(x), g.to_gpu(y)
    r = a + b
    assert r.flags.f_contiguous and not r.flags.c_contiguous
    check(r, x + y)
    check(b - a, y - x)
    check(a.astype(np.float64), x.astype(np.float64))


def test_empty_arrays_launch_nothing():
    a = g.zeros(0, np.int32)
    assert (a + a).shape == (0,) and (a * 2).size == 0 and a.astype(np.float32).dtype == np.float32


def test_unsupported_operands_return_not_implemented():
    a = g.zeros(3, np.float32)
    assert a.__add__("x") is NotImplemented
    assert a.__mul__(np.zeros(3)) is NotImplemented
    with pytest.raises(TypeError):
        _ = a + "x"


def test_float16_has_no_c_type_as_in_pycuda():
    a = g.zeros(3, np.float16)
    with pytest.raises(ValueError, match="unable to map dtype 'float16'"):
        _ = a + a


def test_operations_queue_on_the_given_stream():
    import PyGPU.driver as cuda

    s = cuda.Stream()
    x, y = data(np.float64, seed=22), data(np.float64, seed=23)
    a, b = g.to_gpu(x), g.to_gpu(y)
    out = a.mul_add(2.0, b, 3.0, stream=s)
    r = a.reverse(stream=s)
    c = a.astype(np.float32, stream=s)
    m = g.maximum(a, b, stream=s)
    s.synchronize()
    check(out, 2 * x + 3 * y)
    check(r, x[::-1])
    check(c, x.astype(np.float32))
    check(m, np.maximum(x, y))


# ------------------------------------------------------------------------------ methods and functions

@pytest.mark.parametrize("src", DTYPES, ids=IDS)
def test_astype_to_every_dtype(src):
    x = np.abs(data(src, seed=24))
    a = g.to_gpu(x)
    for dst in (np.int8, np.uint64, np.float32, np.float64):
        check(a.astype(dst), x.astype(dst))


def test_astype_through_the_host_for_float16_and_complex():
    x = np.array([1.5, -2.0, 3.25], np.float64)
    a = g.to_gpu(x)
    check(a.astype(np.float16), x.astype(np.float16))
    check(a.astype(np.complex128), x.astype(np.complex128))
    check(g.to_gpu(x[::-1].copy())[::2].astype(np.float32), x[::-1][::2].astype(np.float32))


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_fill_and_reverse(dtype):
    a = g.empty((3, 5), dtype)
    value = np.asarray(-7).astype(dtype)[()] if np.dtype(dtype).kind != "f" else dtype(-7.25)
    assert a.fill(value) is a
    check(a, np.full((3, 5), value, dtype))
    x = data(dtype, seed=25)
    check(g.to_gpu(x).reverse(), x[::-1])


def test_fill_of_a_non_contiguous_view_writes_only_the_view():
    a = g.zeros(6, np.float32)
    a[::2].fill(3.5)
    check(a, np.array([3.5, 0, 3.5, 0, 3.5, 0], np.float32))


def test_mul_add_axpbyz_and_axpbz():
    x, y = data(np.float32, seed=26), data(np.float32, seed=27)
    a, b = g.to_gpu(x), g.to_gpu(y)
    check(a.mul_add(np.float32(2), b, np.float32(-3)), np.float32(2) * x + np.float32(-3) * y)
    out = g.empty_like(a)
    assert a._axpbyz(1, b, 1, out) is out
    check(out, x + y)
    assert a._axpbz(2, 1, out) is out
    check(out, 2 * x + 1)
    timings = []
    a.mul_add(1, b, 1, add_timer=lambda n, t: timings.append((n, t())))
    assert timings[0][0] == 3 * x.size and timings[0][1] >= 0
    u = g.to_gpu(np.array([5, 7], np.uint32))
    check(u.mul_add(1, g.to_gpu(np.array([1, 2], np.uint32)), -1), np.array([4, 5], np.uint32))


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.float32, np.float64], ids=["int32", "uint8", "f32", "f64"])
def test_maximum_and_minimum(dtype):
    x, y = data(dtype, seed=28), data(dtype, seed=29)
    a, b = g.to_gpu(x), g.to_gpu(y)
    check(g.maximum(a, b), np.maximum(x, y))
    check(g.minimum(a, b), np.minimum(x, y))
    check(g.maximum(a, 3), np.maximum(x, np.asarray(3).astype(dtype)))
    check(g.minimum(3, a), np.minimum(x, np.asarray(3).astype(dtype)))


def test_maximum_propagates_nan_as_numpy():
    x = np.array([np.nan, 1.0, 2.0])
    y = np.array([0.0, np.nan, 1.0])
    check(g.maximum(g.to_gpu(x), g.to_gpu(y)), np.maximum(x, y))
    check(g.minimum(g.to_gpu(x), g.to_gpu(y)), np.minimum(x, y))


def test_if_positive_and_where():
    crit = np.array([1.0, -1.0, 0.0, 2.0])
    then_, else_ = np.arange(4, dtype=np.int64), -np.arange(4, dtype=np.int64)
    c, t, e = g.to_gpu(crit), g.to_gpu(then_), g.to_gpu(else_)
    check(g.if_positive(c, t, e), np.where(crit > 0, then_, else_))
    check(g.where(c, t, e), np.where(crit != 0, then_, else_))
    out = g.empty_like(t)
    assert g.where(c, t, e, out=out) is out
    with pytest.raises(ValueError, match="shapes do not match"):
        g.if_positive(c, t, g.zeros(3, np.int64))
    with pytest.raises(ValueError, match="dtypes do not match"):
        g.if_positive(c, t, g.zeros(4, np.int32))
    with pytest.raises(NotImplementedError, match="shape broadcast not implemented"):
        g.where(c, t, g.zeros(3, np.int64))
    with pytest.raises(NotImplementedError, match="dtype broadcast not implemented"):
        g.where(c, t, g.zeros(4, np.int32))


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_real_imag_and_conj_of_complex_arrays(dtype):
    x = (data(np.float64, seed=30) + 1j * data(np.float64, seed=31)).astype(dtype)
    a = g.to_gpu(x)
    check(a.real, x.real)
    check(a.imag, x.imag)
    check(a.conj(), x.conj())
    check(a.conjugate(), x.conj())
    out = g.empty_like(a)
    assert a.conj(out=out) is out
    check(out, x.conj())
    f = g.to_gpu(np.asfortranarray(x[:36].reshape(4, 9)))
    check(f.real, np.asfortranarray(x[:36].reshape(4, 9)).real)
    with pytest.raises(ValueError, match="out must have shape"):
        a.conj(out=g.empty(3, dtype))


def test_grid_and_block_are_pycudas_splay():
    a = g.zeros(10**6, np.float32)
    assert (a._grid, a._block) == elementwise.splay(10**6)
    assert elementwise.splay(5) == ((1, 1), (32, 1, 1))
    assert elementwise.splay(100)[1] == (32, 1, 1)


def test_result_dtype_matches_pycudas_common_dtype():
    a8, a32, f32 = g.zeros(2, np.int8), g.zeros(2, np.int32), g.zeros(2, np.float32)
    assert _arithmetic.common_dtype(a8, 1) == np.int8
    assert _arithmetic.common_dtype(a8, a32) == np.int32
    assert _arithmetic.common_dtype(a32, 1.5) == np.float64
    assert _arithmetic.common_dtype(f32, 1.5) == np.float32
    assert _arithmetic.result_dtype("/", a32, a32) == np.float64


def test_a_steady_loop_compiles_nothing(monkeypatch):
    a, b = g.zeros(64, np.float32), g.ones(64, np.float32)
    a += b
    compiled = []
    monkeypatch.setattr(elementwise, "get_elwise_kernel", lambda *args, **kw: compiled.append(args))
    for _ in range(5):
        a += b
        _ = a * 2 + b
    assert compiled == []
    check(a, np.full(64, 6, np.float32))
