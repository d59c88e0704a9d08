"""PyGPU.cumath: PyCUDA's ``pycuda.cumath``, elementwise math functions of GPUArrays on every backend.

The unary functions (``fabs``, ``ceil``, ``floor``, ``exp``, ``log``, ``log10``, ``sqrt``, ``sin``, ``cos``,
``tan``, ``asin``, ``acos``, ``atan``, ``sinh``, ``cosh``, ``tanh``) take ``(array, stream_or_out=None,
**kwargs)`` with ``out=`` and ``stream=`` as PyCUDA's, and are generated from one table (``_UNARY``). A
float32 array calls the C library's float function (``expf``), as PyCUDA does, a float64 array the double one
(``exp``); an integer or bool array is computed in double and stored in its own dtype (PyCUDA's result dtype),
except ``fabs``, ``ceil`` and ``floor``, which are exact on integers. ``fmod``, ``frexp``, ``ldexp`` and
``modf`` take float32 and float64 arrays. Each kernel is an elementwise kernel of :mod:`PyGPU.elementwise`,
compiled once per device and dtype (a steady-state loop compiles nothing).

Complex arrays: ``exp``, ``log``, ``log10``, ``sqrt``, ``sin``, ``cos``, ``tan``, ``sinh``, ``cosh`` and
``tanh`` of them are computed by the functions of ``pycuda-complex.hpp``, as PyCUDA's; the other functions have
no complex form (TypeError, as numpy's).

Examples
--------
>>> import numpy as np, PyGPU as gpuarray
>>> from PyGPU import cumath
>>> a = gpuarray.to_gpu(np.array([0.0, 1.0, 4.0]))
>>> cumath.sqrt(a).get()
array([0., 1., 2.])
>>> cumath.exp(a, out=a) is a
True
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

import numpy as np

from . import _arithmetic
from ._public import public
from .elementwise import get_elwise_kernel
from .gpuarray import GPUArray
from .tools import context_dependent_memoize, dtype_to_ctype

if TYPE_CHECKING:
    from ._function import Function
    from ._stream import StreamLike

__all__ = ["acos", "asin", "atan", "ceil", "cos", "cosh", "exp", "fabs", "floor", "fmod", "frexp",
           "ldexp", "log", "log10", "modf", "sin", "sinh", "sqrt", "tan", "tanh"]


class _Unary(NamedTuple):
    """One row of `_UNARY`: how each kind of dtype computes a cumath function."""

    #: numpy's function with the same values (the docs and the tests compare with it).
    numpy: str
    #: the function of ``pycuda-complex.hpp`` for complex arrays, None where PyCUDA has no complex form.
    complex: str | None
    #: an exact C expression of ``{x}`` for integer and bool arrays; None: the float64 function, in double.
    integer: str | None = None


_ABS = "{x} < 0 ? -{x} : {x}"

#: cumath's unary functions: name -> row. The C function is the name itself for float64 and the name with an
#: ``f`` for float32 (``expf``), as PyCUDA's ``cumath`` writes it.
_UNARY: dict[str, _Unary] = {
    "fabs": _Unary("fabs", None, _ABS),
    "ceil": _Unary("ceil", None, "{x}"),
    "floor": _Unary("floor", None, "{x}"),
    "exp": _Unary("exp", "exp"),
    "log": _Unary("log", "log"),
    "log10": _Unary("log10", "log10"),
    "sqrt": _Unary("sqrt", "sqrt"),
    "sin": _Unary("sin", "sin"),
    "cos": _Unary("cos", "cos"),
    "tan": _Unary("tan", "tan"),
    "asin": _Unary("arcsin", None),
    "acos": _Unary("arccos", None),
    "atan": _Unary("arctan", None),
    "sinh": _Unary("sinh", "sinh"),
    "cosh": _Unary("cosh", "cosh"),
    "tanh": _Unary("tanh", "tanh"),
}

_FLOATS = frozenset((np.dtype(np.float32), np.dtype(np.float64)))
_INTEGER_KINDS = "iub"

Spec = tuple[str, str, str, str]


def _c_name(name: str, dtype: np.dtype[Any]) -> str:
    """The C library's function `name` for `dtype`: ``expf`` for float32, ``exp`` otherwise (PyCUDA's rule)."""
    return name + "f" if dtype == np.float32 else name


def _no_complex_form(name: str, dtype: np.dtype[Any]) -> TypeError:
    return TypeError(f"cumath.{name} does not take {dtype} arrays: pycuda-complex.hpp has no {name}, and "
                     "PyCUDA's cumath computes it for real arrays only")


def _unary_spec(name: str, dtype: np.dtype[Any]) -> Spec:
    """``z[i] = name(y[i])`` for arrays of `dtype` (complex through pycuda-complex.hpp)."""
    row = _UNARY[name]
    t = dtype_to_ctype(dtype)
    if dtype.kind == "c":
        if row.complex is None:
            raise _no_complex_form(name, dtype)
        return f"{t} *y, {t} *z", f"z[i] = {row.complex}(y[i])", f"{name}_kernel", "#include <pycuda-complex.hpp>"
    if dtype.kind in _INTEGER_KINDS:
        integer = "{x}" if row.integer == _ABS and dtype.kind != "i" else row.integer
        expr = integer.format(x="y[i]") if integer is not None else f"{name}((double) y[i])"
    else:
        expr = f"{_c_name(name, dtype)}(y[i])"
    return f"{t} *y, {t} *z", f"z[i] = ({t}) ({expr})", f"{_c_name(name, dtype)}_kernel", ""


@context_dependent_memoize
def _unary_kernel(name: str, dtype: np.dtype[Any]) -> Function:
    return _compile(_unary_spec(name, dtype))


def _compile(spec: Spec) -> Function:
    arguments, operation, name, preamble = spec
    return get_elwise_kernel(arguments, operation, name, preamble=preamble)


def _check_array(array: Any, function: str) -> GPUArray:
    """`array` if it is a contiguous GPUArray (PyCUDA's RuntimeError for a non-contiguous one)."""
    if not isinstance(array, GPUArray):
        raise TypeError(f"cumath.{function} takes a GPUArray, got {type(array).__name__}")
    _arithmetic.check_contiguous(array)
    return array


def _check_out(out: Any, array: GPUArray) -> GPUArray:
    """PyCUDA's AssertionError for an `out` whose dtype, strides or shape differ from `array`'s."""
    if not isinstance(out, GPUArray):
        raise TypeError(f"out must be a GPUArray, got {type(out).__name__}")
    for what in ("dtype", "strides", "shape"):
        if getattr(out, what) != getattr(array, what):
            raise AssertionError(f"out.{what} is {getattr(out, what)}, but the argument's is "
                                 f"{getattr(array, what)}: out must be an array like the argument")
    return out


def _make_unary(name: str) -> Callable[..., GPUArray]:
    """The cumath function `name` of `_UNARY`."""
    numpy_name = _UNARY[name].numpy

    def function(array: GPUArray, stream_or_out: Any = None, **kwargs: Any) -> GPUArray:
        out: Any = None
        stream: StreamLike = None
        if stream_or_out is not None:
            warnings.warn("please use 'out' or 'stream' keyword arguments", DeprecationWarning, stacklevel=2)
            if isinstance(stream_or_out, GPUArray):
                out = stream_or_out
            else:
                stream = stream_or_out
        unknown = set(kwargs) - {"out", "stream"}
        if unknown:
            raise TypeError(f"cumath.{name} got unexpected keyword arguments: {', '.join(sorted(unknown))}")
        out = kwargs.get("out", out)
        stream = kwargs.get("stream", stream)
        _check_array(array, name)
        func = _unary_kernel(name, array.dtype)
        result: GPUArray = _arithmetic.new_like(array, array.dtype) if out is None else _check_out(out, array)
        _arithmetic.launch(func, array.size, stream, array.ptr, result.ptr)
        return result

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"""``{name}`` of every element, as PyCUDA's ``cumath.{name}`` (numpy's ``np.{numpy_name}``).

    Parameters
    ----------
    array : GPUArray
        Contiguous (C or F order).
    stream_or_out : Stream or GPUArray, optional
        Deprecated (a DeprecationWarning, as PyCUDA's): the stream or the output array, by position.
    out : GPUArray, optional
        Keyword only: where the result goes, an array of `array`'s dtype, shape and strides (`array` itself
        computes in place). Default: a new array like `array`.
    stream : PyGPU.driver.Stream, optional
        Keyword only: the stream to queue the kernel on.

    Returns
    -------
    GPUArray
        `out`, or a new array of `array`'s dtype (an integer array gives integers, as in PyCUDA).

    Raises
    ------
    RuntimeError
        For a non-contiguous array (PyCUDA's).
    AssertionError
        For an `out` of another dtype, shape or strides (PyCUDA's).
    TypeError
        For an unknown keyword argument, or a complex array where PyCUDA has no complex {name}.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU import cumath
    >>> x = np.linspace(0.1, 0.9, 5)
    >>> bool(np.allclose(cumath.{name}(gpuarray.to_gpu(x)).get(), np.{numpy_name}(x)))
    True
    """
    return public("PyGPU.cumath")(function)


fabs = _make_unary("fabs")
ceil = _make_unary("ceil")
floor = _make_unary("floor")
exp = _make_unary("exp")
log = _make_unary("log")
log10 = _make_unary("log10")
sqrt = _make_unary("sqrt")
sin = _make_unary("sin")
cos = _make_unary("cos")
tan = _make_unary("tan")
asin = _make_unary("asin")
acos = _make_unary("acos")
atan = _make_unary("atan")
sinh = _make_unary("sinh")
cosh = _make_unary("cosh")
tanh = _make_unary("tanh")


# ------------------------------------------------------------------------------------ fmod, frexp, ldexp, modf

def _check_float(array: Any, function: str) -> GPUArray:
    """A contiguous float32 or float64 GPUArray (what PyCUDA's kernels for `function` take)."""
    checked = _check_array(array, function)
    if checked.dtype not in _FLOATS:
        if checked.dtype.kind == "c":
            raise _no_complex_form(function, checked.dtype)
        raise TypeError(f"cumath.{function} takes float32 or float64 arrays, got {checked.dtype}")
    return checked


def _second_operand(first: GPUArray, second: Any, function: str, role: str) -> GPUArray:
    """`second`, an array of `first`'s shape in `first`'s order (a real dtype: it is converted in the kernel)."""
    _check_array(second, function)
    if second.dtype.kind not in "iuf" or second.dtype not in _arithmetic.KERNEL_DTYPES:
        raise TypeError(f"cumath.{function}: {role} must be a real array, got {second.dtype}")
    if second.shape != first.shape:
        raise ValueError(f"cumath.{function}: the arrays differ in shape: {first.shape} and {second.shape}")
    return _arithmetic._same_order(first, second)


def _fmod_spec(dtype: np.dtype[Any], dtype_mod: np.dtype[Any]) -> Spec:
    """``z[i] = fmod(arg[i], mod[i])``, `mod` converted to `dtype`."""
    t = dtype_to_ctype(dtype)
    return (f"{t} *arg, {dtype_to_ctype(dtype_mod)} *mod, {t} *z",
            f"z[i] = {_c_name('fmod', dtype)}(arg[i], ({t}) mod[i])", "fmod_kernel", "")


def _frexp_spec(dtype: np.dtype[Any]) -> Spec:
    """``significand[i] = frexp(x[i], &e); exponent[i] = e``, both in `dtype`."""
    t = dtype_to_ctype(dtype)
    return (f"{t} *x, {t} *significand, {t} *exponent",
            f"int expt = 0; significand[i] = {_c_name('frexp', dtype)}(x[i], &expt); exponent[i] = ({t}) expt",
            "frexp_kernel", "")


def _ldexp_spec(dtype: np.dtype[Any], dtype_exponent: np.dtype[Any]) -> Spec:
    """``z[i] = ldexp(sig[i], (int) expt[i])``."""
    t = dtype_to_ctype(dtype)
    return (f"{t} *sig, {dtype_to_ctype(dtype_exponent)} *expt, {t} *z",
            f"z[i] = {_c_name('ldexp', dtype)}(sig[i], (int) expt[i])", "ldexp_kernel", "")


def _modf_spec(dtype: np.dtype[Any]) -> Spec:
    """``fracpart[i] = modf(x[i], &intpart[i])``."""
    t = dtype_to_ctype(dtype)
    return (f"{t} *x, {t} *intpart, {t} *fracpart", f"fracpart[i] = {_c_name('modf', dtype)}(x[i], &intpart[i])",
            "modf_kernel", "")


#: fmod, frexp, ldexp and modf -> the function generating their kernel's source from dtypes.
_SPECS: dict[str, Callable[..., Spec]] = {"fmod": _fmod_spec, "frexp": _frexp_spec, "ldexp": _ldexp_spec,
                                          "modf": _modf_spec}


@context_dependent_memoize
def _kernel(function: str, *dtypes: np.dtype[Any]) -> Function:
    """The kernel of `function` (a key of ``_SPECS``) for `dtypes`, compiled once per device."""
    return _compile(_SPECS[function](*dtypes))


@public("PyGPU.cumath")
def fmod(arg: GPUArray, mod: GPUArray, stream: StreamLike = None) -> GPUArray:
    """The floating-point remainder of ``arg / mod``, elementwise (C's ``fmod``: the sign of `arg`).

    Parameters
    ----------
    arg : GPUArray
        float32 or float64, contiguous.
    mod : GPUArray
        Of `arg`'s shape, a real dtype (converted to `arg`'s).
    stream : PyGPU.driver.Stream, optional

    Returns
    -------
    GPUArray
        A new array of `arg`'s dtype.

    Raises
    ------
    RuntimeError
        For a non-contiguous array (PyCUDA's).
    TypeError
        For an `arg` that is not float32 or float64.
    ValueError
        When the shapes differ.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU import cumath
    >>> x, m = gpuarray.to_gpu(np.array([5.5, -5.5])), gpuarray.to_gpu(np.array([2.0, 2.0]))
    >>> cumath.fmod(x, m).get()
    array([ 1.5, -1.5])
    """
    _check_float(arg, "fmod")
    mod = _second_operand(arg, mod, "fmod", "mod")
    result = _arithmetic.new_like(arg, arg.dtype)
    _arithmetic.launch(_kernel("fmod", arg.dtype, mod.dtype), arg.size, stream, arg.ptr, mod.ptr, result.ptr)
    return result


@public("PyGPU.cumath")
def frexp(arg: GPUArray, stream: StreamLike = None) -> tuple[GPUArray, GPUArray]:
    """``(significands, exponents)`` with ``arg == significand * 2**exponent``, elementwise (C's ``frexp``).

    Parameters
    ----------
    arg : GPUArray
        float32 or float64, contiguous.
    stream : PyGPU.driver.Stream, optional

    Returns
    -------
    tuple of GPUArray
        Two new arrays of `arg`'s dtype (the exponents are whole numbers in `arg`'s dtype, as PyCUDA's; numpy
        gives int32).

    Raises
    ------
    RuntimeError
        For a non-contiguous array (PyCUDA's).
    TypeError
        For an `arg` that is not float32 or float64.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU import cumath
    >>> sig, expt = cumath.frexp(gpuarray.to_gpu(np.array([8.0, 0.375])))
    >>> sig.get(), expt.get()
    (array([0.5 , 0.75]), array([ 4., -1.]))
    """
    _check_float(arg, "frexp")
    sig, expt = _arithmetic.new_like(arg, arg.dtype), _arithmetic.new_like(arg, arg.dtype)
    _arithmetic.launch(_kernel("frexp", arg.dtype), arg.size, stream, arg.ptr, sig.ptr, expt.ptr)
    return sig, expt


@public("PyGPU.cumath")
def ldexp(significand: GPUArray, exponent: GPUArray, stream: StreamLike = None) -> GPUArray:
    """``significand * 2**exponent``, elementwise (C's ``ldexp``), the inverse of :func:`frexp`.

    Parameters
    ----------
    significand : GPUArray
        float32 or float64, contiguous.
    exponent : GPUArray
        Of `significand`'s shape, a real dtype (as :func:`frexp` returns it, or integers); each converted to
        ``int``.
    stream : PyGPU.driver.Stream, optional

    Returns
    -------
    GPUArray
        A new array of `significand`'s dtype.

    Raises
    ------
    RuntimeError
        For a non-contiguous array (PyCUDA's).
    TypeError
        For a `significand` that is not float32 or float64.
    ValueError
        When the shapes differ.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU import cumath
    >>> sig, expt = gpuarray.to_gpu(np.array([0.5, 0.75])), gpuarray.to_gpu(np.array([4.0, -1.0]))
    >>> cumath.ldexp(sig, expt).get()
    array([8.   , 0.375])
    """
    _check_float(significand, "ldexp")
    exponent = _second_operand(significand, exponent, "ldexp", "exponent")
    result = _arithmetic.new_like(significand, significand.dtype)
    _arithmetic.launch(_kernel("ldexp", significand.dtype, exponent.dtype), significand.size, stream,
                       significand.ptr, exponent.ptr, result.ptr)
    return result


@public("PyGPU.cumath")
def modf(arg: GPUArray, stream: StreamLike = None) -> tuple[GPUArray, GPUArray]:
    """``(fracpart, intpart)``: the fractional and integer parts of every element, both with its sign.

    Parameters
    ----------
    arg : GPUArray
        float32 or float64, contiguous.
    stream : PyGPU.driver.Stream, optional

    Returns
    -------
    tuple of GPUArray
        Two new arrays of `arg`'s dtype, in PyCUDA's (and numpy's) order.

    Raises
    ------
    RuntimeError
        For a non-contiguous array (PyCUDA's).
    TypeError
        For an `arg` that is not float32 or float64.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU import cumath
    >>> frac, whole = cumath.modf(gpuarray.to_gpu(np.array([2.5, -1.25])))
    >>> frac.get(), whole.get()
    (array([ 0.5 , -0.25]), array([ 2., -1.]))
    """
    _check_float(arg, "modf")
    intpart, fracpart = _arithmetic.new_like(arg, arg.dtype), _arithmetic.new_like(arg, arg.dtype)
    _arithmetic.launch(_kernel("modf", arg.dtype), arg.size, stream, arg.ptr, intpart.ptr, fracpart.ptr)
    return fracpart, intpart
