"""Complex numbers: PyGPU's pycuda-complex.hpp in kernels, and complex64/complex128 GPUArray compute, against
numpy; every complex kernel source compiles with NVRTC and hiprtc (compile only, where they are installed)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

import PyGPU as g
from helpers import GPU_COMPILERS, kernels_compiled, without_preload
from PyGPU import elementwise, reduction, tools
from PyGPU._paths import pycuda_include_dir
from PyGPU.elementwise import ElementwiseKernel
from PyGPU.reduction import ReductionKernel
from PyGPU.scan import ExclusiveScanKernel, InclusiveScanKernel, scan_source
from test_elementwise import batched_source

pytestmark = pytest.mark.skipif(g.backend != "sim", reason="the kernels run on the simulated device")

COMPLEX = [np.dtype(np.complex64), np.dtype(np.complex128)]
RTOL = {np.dtype(np.complex64): 2e-5, np.dtype(np.complex128): 1e-12}


def cdata(dtype, n=37, seed=0):
    """Complex values of both signs in both parts, some of them real or imaginary only; none zero."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(-3, 3, n) + 1j * rng.uniform(-3, 3, n)
    z[::5] = z[::5].real + 0.5
    z[1::7] = 1j * (z[1::7].imag + 0.25)
    return z.astype(dtype)


def close(result, expected, dtype=None):
    """`result` (a GPUArray) has `expected`'s dtype and values, within the precision of `dtype`."""
    got = result.get()
    expected = np.asarray(expected)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    np.testing.assert_allclose(got, expected, rtol=RTOL[np.dtype(dtype or got.dtype)], atol=1e-6)


# ---------------------------------------------------------------------------- the header in a kernel

#: The header's functions of one complex argument -> numpy's.
UNARY = {"exp": np.exp, "log": np.log, "log10": np.log10, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
         "tan": np.tan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "conj": np.conj, "-": np.negative,
         "+": np.positive}
#: Its functions to a real value -> numpy's.
REAL = {"abs": np.abs, "arg": np.angle, "norm": lambda z: np.abs(z) ** 2, "real": np.real, "imag": np.imag}
#: Expressions of two complex numbers x, y and a real number r -> numpy's.
BINARY = {
    "x + y": lambda x, y, r: x + y, "x - y": lambda x, y, r: x - y, "x * y": lambda x, y, r: x * y,
    "x / y": lambda x, y, r: x / y, "x + r": lambda x, y, r: x + r, "r - x": lambda x, y, r: r - x,
    "x * r": lambda x, y, r: x * r, "r / x": lambda x, y, r: r / x, "x / r": lambda x, y, r: x / r,
    "2 * x + 1": lambda x, y, r: 2 * x + 1, "pow(x, y)": lambda x, y, r: x ** y, "pow(x, r)": lambda x, y, r: x ** r,
    "pow(r, y)": lambda x, y, r: r.astype(x.dtype) ** y, "pow(x, 2)": lambda x, y, r: x ** 2,
    "pycuda::polar(r, real(y))": lambda x, y, r: r * np.exp(1j * y.real),
    "pycuda::polar(r)": lambda x, y, r: r + 0j,
}
#: Compound assignments: the statement on z (starting as x) -> numpy's.
COMPOUND = {"z += y": lambda x, y, r: x + y, "z -= y": lambda x, y, r: x - y, "z *= y": lambda x, y, r: x * y,
            "z /= y": lambda x, y, r: x / y, "z += r": lambda x, y, r: x + r, "z -= 2": lambda x, y, r: x - 2,
            "z *= r": lambda x, y, r: x * r, "z /= 4": lambda x, y, r: x / 4, "z = r": lambda x, y, r: r + 0j}


def _ctypes(dtype):
    return tools.dtype_to_ctype(dtype), tools.dtype_to_ctype(np.finfo(dtype).dtype)


@pytest.mark.parametrize("dtype", COMPLEX)
def test_the_headers_functions_in_a_kernel_match_numpy(dtype):
    """One kernel per dtype writes row k of `out` with the k-th expression of the tables."""
    t, rt = _ctypes(dtype)
    statements = [f"{t} x = xv[i], y = yv[i]; {rt} r = rv[i];"]
    complex_rows = [f"{f}(x)" if f[0].isalpha() else f"{f}x" for f in UNARY] + list(BINARY)
    statements += [f"out[{k}*n + i] = {e};" for k, e in enumerate(complex_rows)]
    base = len(complex_rows)
    statements += [f"{{ {t} z = x; {stmt}; out[{base + k}*n + i] = z; }}" for k, stmt in enumerate(COMPOUND)]
    statements += [f"re[{k}*n + i] = {f}(x);" for k, f in enumerate(REAL)]
    statements += [f"re[{len(REAL)}*n + i] = x == y; re[{len(REAL) + 1}*n + i] = x != y;",
                   f"re[{len(REAL) + 2}*n + i] = x == x.real(); re[{len(REAL) + 3}*n + i] = 1.0 != x;"]
    rows = len(complex_rows) + len(COMPOUND)
    kernel = ElementwiseKernel(f"{t} *xv, {t} *yv, {rt} *rv, {t} *out, {rt} *re", "\n".join(statements),
                               f"header_{dtype.name}")
    n = 37
    x, y = cdata(dtype, n, 1), cdata(dtype, n, 2)
    y[:4] = x[:4]  # some equal pairs for == and !=
    r = np.abs(cdata(dtype, n, 3)).astype(np.finfo(dtype).dtype)
    out, re = g.empty(rows * n, dtype), g.empty((len(REAL) + 4) * n, np.finfo(dtype).dtype)
    kernel(g.to_gpu(x), g.to_gpu(y), g.to_gpu(r), out, re)  # n: the size of the first array
    got, got_re = out.get().reshape(rows, n), re.get().reshape(-1, n)
    expected = [f(x) for f in UNARY.values()] + [f(x, y, r) for f in BINARY.values()]
    expected += [f(x, y, r) for f in COMPOUND.values()]
    names = list(UNARY) + list(BINARY) + list(COMPOUND)
    for name, row, want in zip(names, got, expected):
        np.testing.assert_allclose(row, want.astype(dtype), rtol=RTOL[dtype] * 10, atol=1e-5, err_msg=name)
    for name, row, f in zip(REAL, got_re, REAL.values()):
        np.testing.assert_allclose(row, f(x), rtol=RTOL[dtype] * 10, atol=1e-6, err_msg=name)
    np.testing.assert_array_equal(got_re[len(REAL):], [x == y, x != y, x.imag == 0, x != 1])


@pytest.mark.parametrize("dtype", COMPLEX)
def test_special_values_of_the_header(dtype):
    """sqrt and division by zero as numpy (no warning of numpy's counts here), 0 ** w, large tanh."""
    t, _ = _ctypes(dtype)
    k = ElementwiseKernel(f"{t} *x, {t} *y, {t} *z", "z[3*i] = sqrt(x[i]); z[3*i+1] = x[i] / y[i]; "
                          "z[3*i+2] = pow(x[i], y[i]) + tanh(x[i])", f"special_{dtype.name}")
    x = np.array([0, -4, 4j, -1e-30, 30, -30 + 1j], dtype)
    y = np.array([2, 1, 0.5, 1, 2, 1j], dtype)
    z = g.empty(3 * x.size, dtype)
    k(g.to_gpu(x), g.to_gpu(y), z)
    got = z.get().reshape(-1, 3)
    with np.errstate(all="ignore"):
        expected = np.stack([np.sqrt(x), x / y, x ** y + np.tanh(x)], axis=1)
    np.testing.assert_allclose(got, expected, rtol=RTOL[dtype] * 10, atol=1e-6)


def test_the_layout_is_numpys():
    """A struct of {re, im}, so complex64/complex128 arrays are arrays of pycuda::complex<float>/<double>."""
    k = ElementwiseKernel("pycuda::complex<float> *z, pycuda::complex<double> *w, int *size",
                          "size[0] = sizeof(z[0]); size[1] = sizeof(w[0]); size[2] = (char *)&z[1] - (char *)z;"
                          "size[3] = (char *)&w[0]._M_im - (char *)&w[0]; z[i].imag(z[i].real()); "
                          "w[i] = pycuda::complex<double>(z[i])", "layout")
    z, w, size = g.to_gpu(np.array([1 + 2j, 3 - 4j], np.complex64)), g.zeros(2, np.complex128), g.zeros(4, np.int32)
    k(z, w, size)
    np.testing.assert_array_equal(size.get(), [8, 16, 8, 8])
    np.testing.assert_array_equal(z.get(), [1 + 1j, 3 + 3j])
    np.testing.assert_array_equal(w.get(), [1 + 1j, 3 + 3j])


def test_pycuda_complex_is_the_c_type_of_complex_dtypes():
    assert tools.dtype_to_ctype(np.complex64) == "pycuda::complex<float>"
    assert tools.dtype_to_ctype(np.complex128) == "pycuda::complex<double>"
    assert tools.parse_c_arg("pycuda::complex<float> *z").dtype == np.complex64
    assert tools.parse_c_arg("pycuda::complex<double> a").dtype == np.complex128


def test_a_source_module_includes_the_header_itself():
    from PyGPU.compiler import SourceModule

    mod = SourceModule("""
    #include <pycuda-complex.hpp>
    __global__ void rotate(pycuda::complex<float> *z, float angle)
    {
        z[threadIdx.x] *= pycuda::polar(1.0f, angle);
    }
    """)
    z = g.to_gpu(np.array([1, 1j, -2], np.complex64))
    mod.get_function("rotate")(z.gpudata, np.float32(np.pi / 2), block=(3, 1, 1), grid=(1, 1))
    np.testing.assert_allclose(z.get(), [1j, -1, -2j], atol=1e-6)


@pytest.mark.build
def test_the_header_compiles_alone_with_the_host_compiler(tmp_path):
    """Warning-free C++ (no GPU qualifiers there), with std::complex's results."""
    gxx = shutil.which("g++")
    if gxx is None:
        pytest.skip("g++ is not installed")
    (tmp_path / "use.cpp").write_text(r"""
#include <pycuda-complex.hpp>
#include <complex>
int main() {
  pycuda::complex<double> z(0.5, -1.5), w = pycuda::complex<float>(2, 1);
  std::complex<double> sz(0.5, -1.5), sw(2, 1);
  pycuda::complex<double> r = pow(z, w) + tan(z) / w - log10(z) * sqrt(w);
  std::complex<double> s = std::pow(sz, sw) + std::tan(sz) / sw - std::log10(sz) * std::sqrt(sw);
  static_assert(sizeof(pycuda::complex<float>) == 8 && alignof(pycuda::complex<double>) == 8, "numpy's layout");
  return std::abs(std::complex<double>(r.real(), r.imag()) - s) < 1e-12 ? 0 : 1;
}
""")
    build = subprocess.run([gxx, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-I", pycuda_include_dir(),
                            str(tmp_path / "use.cpp"), "-o", str(tmp_path / "use")], capture_output=True, text=True,
                           timeout=120, env=without_preload(), check=False)
    assert build.returncode == 0, build.stderr
    assert subprocess.run([str(tmp_path / "use")], timeout=60, env=without_preload(), check=False).returncode == 0


# ---------------------------------------------------------------------------- GPUArray compute

OPS = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "**": np.power}


def _apply(op, x, y):
    return {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y, "/": lambda: x / y,
            "**": lambda: x ** y}[op]()


@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("op", list(OPS))
def test_operators_with_arrays_scalars_reflected_and_in_place(dtype, op):
    x, y = cdata(dtype, seed=4), cdata(dtype, seed=5)
    a, b = g.to_gpu(x), g.to_gpu(y)
    close(_apply(op, a, b), _apply(op, x, y))
    for scalar in (2, -1.5, 0.5 - 2j, dtype.type(1 + 1j)):
        close(_apply(op, a, scalar), _apply(op, x, scalar))
        close(_apply(op, scalar, a), _apply(op, scalar, x))
    c = a.copy()
    method = {"+": "__iadd__", "-": "__isub__", "*": "__imul__", "/": "__itruediv__", "**": "__ipow__"}[op]
    assert getattr(c, method)(b) is c
    close(c, _apply(op, x, y))


@pytest.mark.parametrize(("real", "cplx"), [(np.float32, np.complex64), (np.float64, np.complex64),
                                            (np.int32, np.complex64), (np.float32, np.complex128),
                                            (np.int8, np.complex128)])
def test_real_and_complex_operands_promote_as_numpy(real, cplx):
    x = cdata(cplx, seed=6)
    r = (np.arange(x.size) % 5 + 1).astype(real)
    a, b = g.to_gpu(x), g.to_gpu(r)
    for op in OPS:
        close(_apply(op, a, b), _apply(op, x, r), np.result_type(real, cplx))
        close(_apply(op, b, a), _apply(op, r, x), np.result_type(real, cplx))
    close(b + 1j, r + 1j, np.result_type(real, cplx))


@pytest.mark.parametrize("dtype", COMPLEX)
def test_unary_minus_abs_and_equality(dtype):
    x = cdata(dtype, seed=7)
    y = x.copy()
    y[::3] += 1
    a, b = g.to_gpu(x), g.to_gpu(y)
    close(-a, -x)
    result = abs(a)
    assert result.dtype == np.finfo(dtype).dtype  # PyCUDA's: the real dtype
    close(result, np.abs(x), dtype)
    # PyCUDA's comparison dtypes: the common dtype for two arrays, the array's with a scalar
    np.testing.assert_array_equal((a == b).get(), (x == y).astype(dtype))
    np.testing.assert_array_equal((a != b).get(), (x != y).astype(dtype))
    np.testing.assert_array_equal((a == x[0]).get(), (x == x[0]).astype(dtype))
    np.testing.assert_array_equal((a != 0.5).get(), (x != 0.5).astype(dtype))


@pytest.mark.parametrize("dtype", COMPLEX)
def test_logical_functions_take_nonzero_as_true(dtype):
    x = np.array([0, 1, 1j, 0, -2 + 0.5j, 0], dtype)
    y = np.array([0, 0, 3, 1j, 1, 0], dtype)
    a, b = g.to_gpu(x), g.to_gpu(y)
    np.testing.assert_array_equal(g.logical_and(a, b).get(), np.logical_and(x, y))
    np.testing.assert_array_equal(g.logical_or(a, b).get(), np.logical_or(x, y))
    np.testing.assert_array_equal(g.logical_not(a).get(), np.logical_not(x))
    np.testing.assert_array_equal(g.logical_or(a, 0).get(), np.logical_or(x, 0))


@pytest.mark.parametrize("dtype", COMPLEX)
def test_what_complex_numbers_do_not_have_raises(dtype):
    a = g.to_gpu(cdata(dtype, seed=8))
    for compare in (a.__lt__, a.__le__, a.__gt__, a.__ge__):
        with pytest.raises(TypeError, match="not supported for complex numbers"):
            compare(a)
        with pytest.raises(TypeError, match="not ordered"):
            compare(1)
    for op in ("__floordiv__", "__mod__", "__rfloordiv__"):
        with pytest.raises(TypeError, match="not supported for the input types"):  # numpy's
            getattr(a, op)(a)
    with pytest.raises(TypeError, match="invert"):
        _ = ~a
    for call in (lambda: g.maximum(a, a), lambda: g.minimum(a, 1.0),
                 lambda: g.if_positive(a, g.zeros(a.shape, np.float32), g.ones(a.shape, np.float32))):
        with pytest.raises(TypeError, match="not ordered"):
            call()
    real = g.zeros(a.shape, np.float64)
    for call in (lambda: real.__iadd__(a), lambda: real.__imul__(1j), lambda: real.mul_add(1, a, 1, out=real),
                 lambda: a._axpbz(1, 2, real), lambda: real._axpbyz(1, a, 1, real)):
        with pytest.raises(TypeError, match="Cannot cast"):  # numpy's error for real += complex
            call()
    for reduce in (g.min, g.max):
        with pytest.raises(TypeError, match="unsupported dtype specified"):  # PyCUDA's
            reduce(a)


@pytest.mark.parametrize("dtype", COMPLEX)
def test_fill_astype_real_imag_conj(dtype):
    x = cdata(dtype, seed=9)
    a = g.to_gpu(x)
    close(g.empty(5, dtype).fill(1.5 - 2j), np.full(5, 1.5 - 2j, dtype))
    close(g.empty(5, dtype).fill(3), np.full(5, 3, dtype))
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            for target in (np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_):
                np.testing.assert_array_equal(a.astype(target).get(), x.astype(target))
    other = np.complex128 if dtype == np.complex64 else np.complex64
    close(a.astype(other), x.astype(other))
    for source in (np.float32, np.int16, np.bool_, np.uint64):
        r = (np.arange(9) - 2).astype(source)
        close(g.to_gpu(r).astype(dtype), r.astype(dtype))
    close(a.real, x.real, dtype)
    close(a.imag, x.imag, dtype)
    close(a.conj(), x.conj())
    close(a.conjugate(), x.conj())


@pytest.mark.parametrize("dtype", COMPLEX)
def test_mul_add_axpbyz_and_axpbz(dtype):
    x, y = cdata(dtype, seed=10), cdata(dtype, seed=11)
    a, b = g.to_gpu(x), g.to_gpu(y)
    close(a.mul_add(2 - 1j, b, 0.5), (2 - 1j) * x + 0.5 * y)
    close(a.mul_add(3, b, 1j), 3 * x + 1j * y)
    out = g.empty_like(a)
    assert a._axpbyz(1j, b, -2, out) is out
    close(out, 1j * x - 2 * y)
    assert a._axpbz(2 + 2j, 1 - 1j, out) is out
    close(out, (2 + 2j) * x + (1 - 1j))
    r = np.arange(x.size, dtype=np.float32)
    close(a.mul_add(2, g.to_gpu(r), 3), 2 * x + 3 * r.astype(dtype))


@pytest.mark.parametrize("dtype", COMPLEX)
def test_sum_dot_vdot_and_the_subset_reductions(dtype):
    n = 5000  # more than one block of stage 1
    x, y = cdata(dtype, n, 12), cdata(dtype, n, 13)
    a, b = g.to_gpu(x), g.to_gpu(y)
    rtol = 1e-4 if dtype == np.complex64 else 1e-12
    for got, want in [(g.sum(a), x.sum()), (a.sum(), x.sum()), (g.dot(a, b), np.dot(x, y)),
                      (g.vdot(a, b), np.vdot(x, y)), (g.vdot(b, a), np.vdot(y, x)), (a.dot(b), np.dot(x, y))]:
        value = got.get()
        assert value.shape == () and value.dtype == dtype
        np.testing.assert_allclose(value, want, rtol=rtol)
    subset = np.array([3, 0, n - 1, 3, 17], np.int32)
    s = g.to_gpu(subset)
    np.testing.assert_allclose(g.subset_sum(s, a).get(), x[subset].sum(), rtol=rtol)
    np.testing.assert_allclose(g.subset_dot(s, a, b).get(), np.dot(x[subset], y[subset]), rtol=rtol)
    assert g.any(a).get() and not g.any(g.zeros(3, dtype)).get()
    assert g.all(a).get() and not g.all(g.to_gpu(np.array([1, 0, 1j], dtype))).get()


def test_reductions_of_mixed_and_real_dtypes_into_complex():
    x = cdata(np.complex64, 300, 14)
    r = np.linspace(-1, 1, 300)
    a, b = g.to_gpu(x), g.to_gpu(r)
    np.testing.assert_allclose(g.dot(a, b).get(), np.dot(x, r), rtol=1e-5)
    assert g.dot(a, b).dtype == np.complex128
    np.testing.assert_allclose(g.vdot(b, a).get(), np.vdot(r, x), rtol=1e-5)
    np.testing.assert_allclose(g.dot(a, g.to_gpu(x.astype(np.complex128))).get(), np.dot(x, x), rtol=1e-5)
    total = g.sum(b, dtype=np.complex128)
    assert total.dtype == np.complex128
    np.testing.assert_allclose(total.get(), r.sum(), atol=1e-12)


# ---------------------------------------------------------------------------- user kernels

@pytest.mark.parametrize("dtype", COMPLEX)
def test_elementwise_and_reduction_kernels_over_pycuda_complex(dtype):
    t, rt = _ctypes(dtype)
    x, y = cdata(dtype, 100, 15), cdata(dtype, 100, 16)
    z = g.empty(100, dtype)
    ElementwiseKernel(f"{t} a, {t} *x, {rt} b, {t} *y, {t} *z", "z[i] = a*x[i] + b*exp(y[i])",
                      f"axpexp_{dtype.name}")(dtype.type(1 - 2j), g.to_gpu(x), np.finfo(dtype).dtype.type(0.5),
                                               g.to_gpu(y), z)
    close(z, (1 - 2j) * x + 0.5 * np.exp(y))
    norm2 = ReductionKernel(np.finfo(dtype).dtype, neutral="0", reduce_expr="a+b", map_expr="norm(x[i])",
                            arguments=f"const {t} *x", name=f"norm2_{dtype.name}")
    np.testing.assert_allclose(norm2(g.to_gpu(x)).get(), np.sum(np.abs(x) ** 2), rtol=1e-5)
    product = ReductionKernel(dtype, neutral=f"{t}(1)", reduce_expr="a*b", map_expr="x[i]/abs(x[i])",
                              arguments=f"const {t} *x", name=f"phase_product_{dtype.name}")
    np.testing.assert_allclose(product(g.to_gpu(x)).get(), np.prod(x / np.abs(x)), rtol=1e-4)


@pytest.mark.parametrize("dtype", COMPLEX)
def test_inclusive_and_exclusive_scans(dtype):
    x = cdata(dtype, 3000, 17)
    rtol = 1e-4 if dtype == np.complex64 else 1e-12
    np.testing.assert_allclose(InclusiveScanKernel(dtype, "a+b")(g.to_gpu(x)).get(), np.cumsum(x), rtol=rtol)
    unit = x / np.abs(x)
    got = ExclusiveScanKernel(dtype, "a*b", neutral="1")(g.to_gpu(unit[:200])).get()
    np.testing.assert_allclose(got, np.concatenate([[1], np.cumprod(unit[:199])]), rtol=rtol * 10)


# ---------------------------------------------------------------------------- the sources on GPUs

def complex_specs():
    """The elementwise kernels GPUArray's complex operations generate."""
    e = elementwise
    specs = []
    for dt in COMPLEX:
        real = np.finfo(dt).dtype
        specs += [e._binary_op_spec(dt, dt, dt, op) for op in ("+", "-", "*", "/", "**", "==", "!=")]
        specs += [e._scalar_op_spec(dt, dt, dt, op, rev) for op in ("+", "/", "**", "==") for rev in (False, True)]
        specs += [e._binary_op_spec(real, dt, dt, op) for op in ("*", "/", "**")]
        specs += [e._axpbyz_spec(dt, dt, dt), e._axpbyz_spec(real, dt, dt), e._axpbz_spec(dt, dt), e._fill_spec(dt),
                  e._reverse_spec(dt), e._unary_func_spec("-", dt), e._unary_func_spec("abs", dt, real),
                  e._pow_array_spec(dt, dt, dt, True, False), e._select_spec(np.int32, dt, "!= 0"),
                  e._select_spec(dt, np.float32, "!= 0"), e._logical_not_spec(dt, np.bool_)]
        specs += [e._copy_spec(dt, src) for src in (*COMPLEX, np.float32, np.int64, np.bool_)]
        specs += [e._copy_spec(dst, dt) for dst in (np.float64, np.int8, np.bool_)]
    return specs


def complex_reductions():
    i32 = np.dtype(np.int32)
    kernels = []
    for dt in COMPLEX:
        kernels += [reduction.get_sum_kernel(dt, dt), reduction.get_dot_kernel(dt, dt, dt),
                    reduction._get_vdot_kernel(dt, dt, np.float64), reduction.get_subset_dot_kernel(dt, i32, dt, dt),
                    reduction.get_subset_sum_kernel(dt, i32, dt), reduction.get_any_kernel(np.dtype(bool), dt)]
    return kernels


def gpu_source() -> tuple[str, int]:
    """Every complex elementwise and reduction kernel in one translation unit, and the number of kernels."""
    source, count = batched_source(complex_specs())
    reductions = complex_reductions()
    scans = [scan_source(tools.dtype_to_ctype(dt), "a*b", name_prefix=f"scan_{dt.name}") for dt in COMPLEX]
    kernels = count + sum(k.source.count("__global__") for k in reductions) + 2 * len(scans)
    return "\n".join([source, *(k.source for k in reductions), *scans]), kernels


@pytest.mark.parametrize("backend", GPU_COMPILERS)
def test_every_complex_kernel_compiles_for_gpus(backend, tmp_path, monkeypatch):
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(tmp_path))
    source, count = gpu_source()
    assert kernels_compiled(backend, source) == count
