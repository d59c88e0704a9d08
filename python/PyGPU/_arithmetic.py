"""GPUArray's elementwise arithmetic: operators, comparisons, astype, reverse, mul_add and the selections.

Every operation launches a kernel of :mod:`PyGPU.elementwise` (compiled once per process and device, cached on
disk by the module API). The rules, PyCUDA's where it has one:

- Operands are contiguous (C or F order); a non-contiguous one is PyCUDA's RuntimeError. Two arrays have the
  same shape, or one is 0-d (broadcast); other shapes are PyCUDA's NotImplementedError. Two arrays of one
  shape in different orders are matched element by element (PyCUDA would pair the memory).
- The result dtype is numpy's for the operation (``int32 / int32`` is float64, ``int8 + 1`` stays int8), which
  for ``+ - *`` is PyCUDA's ``_get_common_dtype``; comparisons give PyCUDA's dtype (the operands' common dtype
  for two arrays, the array's dtype with a scalar), 1 for true and 0 for false. In-place operators compute in
  that dtype and store in the array's.
- Integer division and remainder by zero give 0 (numpy's result, without its warning), never a trap.
- Complex dtypes compute with ``pycuda-complex.hpp``: ``+ - * / **``, ``==``/``!=``, unary ``-`` and ``abs``
  (of the real dtype); the ordered comparisons, ``maximum``/``minimum`` and ``if_positive`` of complex operands
  are a TypeError (numpy's for ``//`` and ``%``), where PyCUDA's kernels would fail to compile.
- The result of an F-ordered operand is F-ordered.
"""

from __future__ import annotations

import functools
import numbers
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from . import elementwise as _elw
from ._public import public

if TYPE_CHECKING:
    from ._function import Function
    from ._stream import StreamLike
    from .gpuarray import GPUArray

_CONTIGUOUS = "only contiguous arrays may be used as arguments to this operation"

#: Python operator -> the numpy function that gives its result dtype.
_NUMPY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "//": np.floor_divide,
          "%": np.remainder, "**": np.power, "&": np.bitwise_and, "|": np.bitwise_or, "^": np.bitwise_xor,
          "==": np.add, "!=": np.add, "<": np.add, "<=": np.add, ">": np.add, ">=": np.add,
          "&&": np.logical_and, "||": np.logical_or}
_COMPARISONS = frozenset(("==", "!=", "<", "<=", ">", ">="))
_ORDERED = frozenset(("<", "<=", ">", ">="))
#: C's logical operators: computed in the operands' common dtype, the result is bool (numpy's).
_LOGICAL = frozenset(("&&", "||"))


_GPUARRAY: list[type[GPUArray]] = []


def _gpuarray() -> type[GPUArray]:
    if not _GPUARRAY:
        from .gpuarray import GPUArray

        _GPUARRAY.append(GPUArray)
    return _GPUARRAY[0]


def is_scalar(value: Any) -> bool:
    """Whether `value` is a number an operator takes as a scalar (numpy scalars included)."""
    return isinstance(value, (numbers.Number, np.number, np.bool_)) and not isinstance(value, np.ndarray)


def _kind(value: Any) -> tuple[bool, Any]:
    """What numpy's result dtype depends on: an array's dtype, a numpy scalar's dtype, a Python number's type
    (numpy treats Python numbers as weakly typed: only their kind counts)."""
    if isinstance(value, _gpuarray()):
        return True, value.dtype
    if isinstance(value, np.generic):
        return False, value.dtype
    return False, type(value)


@functools.lru_cache(maxsize=1024)
def _result_dtype(op: str, x: tuple[bool, Any], y: tuple[bool, Any]) -> np.dtype[Any]:
    def zero(kind: tuple[bool, Any]) -> Any:
        is_array, what = kind
        if is_array:
            return np.zeros(1, what)
        return what.type(0) if isinstance(what, np.dtype) else what(0)

    with np.errstate(all="ignore"):
        return np.asarray(_NUMPY[op](zero(x), zero(y))).dtype


def result_dtype(op: str, x: Any, y: Any) -> np.dtype[Any]:
    """numpy's dtype of ``x op y`` (x, y GPUArrays or scalars); numpy's TypeError where numpy has none."""
    return _result_dtype(op, _kind(x), _kind(y))


def common_dtype(x: Any, y: Any) -> np.dtype[Any]:
    """PyCUDA's ``_get_common_dtype``: the dtype of ``x + y`` as numpy computes it."""
    return result_dtype("+", x, y)


def to_dtype(value: Any, dtype: np.dtype[Any], wrap: bool = False) -> Any:
    """`value` as a numpy scalar of `dtype`: numpy's OverflowError for a Python int out of range, or modular
    wrapping with `wrap` (the factors -1 and 1 the operators pass for an unsigned dtype)."""
    if wrap and dtype.kind in "ui" and isinstance(value, (int, np.integer)):
        return np.array(int(value) % (1 << (8 * dtype.itemsize))).astype(dtype)[()]
    if dtype.kind in "ui" and isinstance(value, (float, np.floating)):
        return dtype.type(int(value))
    return dtype.type(value)


def check_ordered(what: str, *dtypes: np.dtype[Any]) -> None:
    """TypeError when `what` (an ordering: ``<``, ``maximum``...) is asked of a complex dtype."""
    for dtype in dtypes:
        if dtype.kind == "c":
            raise TypeError(f"{what} is not supported for complex numbers ({dtype}): they are not ordered")


def check_cast(dtype: np.dtype[Any], out: GPUArray | None, what: str) -> None:
    """numpy's TypeError for a complex result stored in a real `out` (``real_array += complex_array``), which no
    kernel can convert."""
    if out is not None and dtype.kind == "c" and out.dtype.kind != "c":
        raise TypeError(f"Cannot cast {what} output from {dtype} to {out.dtype}: a complex result needs a complex "
                        "array")


def check_contiguous(*arrays: GPUArray) -> None:
    """PyCUDA's RuntimeError for a non-contiguous operand."""
    for a in arrays:
        if not a._order:
            raise RuntimeError(_CONTIGUOUS)


def new_like(template: GPUArray, dtype: np.dtype[Any], allocator: Any = None) -> GPUArray:
    """A new array with `template`'s shape, allocator (unless `allocator` is given) and order (F when it is only
    F-contiguous)."""
    order = "F" if template._order == "F" and not template.flags.c_contiguous else "C"
    return _gpuarray()(template.shape, dtype, allocator=allocator or template.allocator, order=order)


def _same_order(x: GPUArray, y: GPUArray) -> GPUArray:
    """`y`, or a copy of it in `x`'s order when the two are contiguous in different orders."""
    if x.shape != y.shape or x.ndim < 2:
        return y
    cx, cy = x.flags.c_contiguous, y.flags.c_contiguous
    fx, fy = x.flags.f_contiguous, y.flags.f_contiguous
    if (cx and cy) or (fx and fy):
        return y
    return y._copy_to_order("C" if cx else "F")


def broadcast_template(x: GPUArray, y: GPUArray) -> GPUArray:
    """The operand whose shape the result has; PyCUDA's NotImplementedError when the shapes differ."""
    if y.shape in (x.shape, ()):
        return x
    if x.shape == ():
        return y
    raise NotImplementedError(f"Broadcasting binary operator with shapes: {x.shape}, {y.shape}.")


def launch(func: Function, n: int, stream: StreamLike, *args: Any) -> None:
    """Queue `func` over `n` elements (``n`` appended to `args`); nothing for n == 0."""
    if n:
        grid, block = _elw.splay(n)
        func.prepared_async_call(grid, block, stream, *args, n)


# ------------------------------------------------------------------------------------ binary operators

def binary(x: Any, y: Any, op: str, out: GPUArray | None = None, stream: StreamLike = None) -> GPUArray:
    """``x op y`` for GPUArrays and scalars (at least one GPUArray), into `out` (default: a new array)."""
    GPUArray = _gpuarray()
    dtype_op = common_dtype(x, y) if op in _COMPARISONS or op in _LOGICAL else result_dtype(op, x, y)
    dtype_out = np.dtype(np.bool_) if op in _LOGICAL else dtype_op
    if op in _ORDERED:
        check_ordered(f"the comparison {op}", dtype_op)
    check_cast(dtype_out, out, f"the operator {op}")
    if isinstance(x, GPUArray) and isinstance(y, GPUArray):
        check_contiguous(x, y)
        template = broadcast_template(x, y)
        if out is not None:
            if out.shape != template.shape:
                raise NotImplementedError(f"Broadcasting binary operator with shapes: {template.shape}, "
                                          f"{out.shape}.")
            check_contiguous(out)
        y = _same_order(x, y)
        result = out if out is not None else new_like(template, dtype_out)
        func = _elw.get_binary_op_kernel(x.dtype, y.dtype, result.dtype, op, x.shape == () != y.shape,
                                         y.shape == () != x.shape, dtype_op)
        launch(func, result.size, stream, x.ptr, y.ptr, result.ptr)
        return result
    array, scalar, reverse = (x, y, False) if isinstance(x, GPUArray) else (y, x, True)
    check_contiguous(array)
    if out is None:
        out = new_like(array, array.dtype if op in _COMPARISONS else dtype_out)
    elif out.shape != array.shape:
        raise NotImplementedError(f"Broadcasting binary operator with shapes: {array.shape}, {out.shape}.")
    if op == "**" and dtype_op.kind in "iu" and not reverse and scalar < 0:
        raise ValueError("Integers to negative integer powers are not allowed.")
    func = _elw.get_scalar_op_kernel(array.dtype, dtype_op, out.dtype, op, reverse)
    launch(func, out.size, stream, array.ptr, to_dtype(scalar, dtype_op), out.ptr)
    return out


def _operator(op: str, reflected: bool = False, inplace: bool = False) -> Callable[..., Any]:
    """The GPUArray method for `op` (NotImplemented for an operand that is neither a GPUArray nor a number)."""

    def method(self: GPUArray, other: Any) -> Any:
        if not (isinstance(other, _gpuarray()) or is_scalar(other)):
            return NotImplemented
        if inplace:
            return binary(self, other, op, out=self)
        return binary(other, self, op) if reflected else binary(self, other, op)

    return method


#: method name -> (operator, reflected, in place): the table GPUArray's arithmetic is generated from.
OPERATORS = {
    "__add__": ("+", False, False), "__radd__": ("+", True, False), "__iadd__": ("+", False, True),
    "__sub__": ("-", False, False), "__rsub__": ("-", True, False), "__isub__": ("-", False, True),
    "__mul__": ("*", False, False), "__rmul__": ("*", True, False), "__imul__": ("*", False, True),
    "__truediv__": ("/", False, False), "__rtruediv__": ("/", True, False), "__itruediv__": ("/", False, True),
    "__floordiv__": ("//", False, False), "__rfloordiv__": ("//", True, False),
    "__ifloordiv__": ("//", False, True),
    "__mod__": ("%", False, False), "__rmod__": ("%", True, False), "__imod__": ("%", False, True),
    "__pow__": ("**", False, False), "__rpow__": ("**", True, False), "__ipow__": ("**", False, True),
    "__and__": ("&", False, False), "__rand__": ("&", True, False), "__iand__": ("&", False, True),
    "__or__": ("|", False, False), "__ror__": ("|", True, False), "__ior__": ("|", False, True),
    "__xor__": ("^", False, False), "__rxor__": ("^", True, False), "__ixor__": ("^", False, True),
    "__eq__": ("==", False, False), "__ne__": ("!=", False, False), "__lt__": ("<", False, False),
    "__le__": ("<=", False, False), "__gt__": (">", False, False), "__ge__": (">=", False, False),
}


def _unary_method(func: Callable[[GPUArray], GPUArray]) -> Callable[[GPUArray], GPUArray]:
    def method(self: GPUArray) -> GPUArray:
        return func(self)

    method.__doc__ = func.__doc__
    return method


def methods() -> dict[str, Callable[..., Any]]:
    """GPUArray's operator methods, generated from :data:`OPERATORS`, and the unary ones."""
    made: dict[str, Callable[..., Any]] = {}
    for name, (op, reflected, inplace) in OPERATORS.items():
        form = f"other {op} self" if reflected else f"self {op}= other" if inplace else f"self {op} other"
        made[name] = _operator(op, reflected, inplace)
        made[name].__doc__ = f"``{form}`` elementwise, for a GPUArray or a scalar `other` (PyGPU._arithmetic)."
    made.update(__neg__=_unary_method(negative), __abs__=_unary_method(absolute),
                __invert__=_unary_method(invert))
    for name, method in made.items():
        method.__name__ = name
        method.__qualname__ = f"GPUArray.{name}"
        method.__module__ = "PyGPU.gpuarray"
    return made


# ------------------------------------------------------------------------------------ unary operators

def unary(self: GPUArray, func_name: str, out_dtype: np.dtype[Any] | None = None,
          stream: StreamLike = None) -> GPUArray:
    """``func_name(self)`` elementwise into a new array."""
    check_contiguous(self)
    result = new_like(self, self.dtype if out_dtype is None else out_dtype)
    launch(_elw.get_unary_func_kernel(func_name, self.dtype, result.dtype), self.size, stream, self.ptr,
           result.ptr)
    return result


def negative(self: GPUArray) -> GPUArray:
    """``-self`` (unsigned values wrap, as numpy's)."""
    if self.dtype == np.bool_:
        raise TypeError("The numpy boolean negative, the `-` operator, is not supported, use the `~` operator "
                        "or the logical_not function instead.")
    return unary(self, "-")


def invert(self: GPUArray) -> GPUArray:
    """``~self``: bitwise not of an integer array, logical not of a bool array."""
    if self.dtype.kind not in "iub":
        raise TypeError(f"ufunc 'invert' not supported for the input type {self.dtype}")
    return unary(self, "!" if self.dtype == np.bool_ else "~")


def absolute(self: GPUArray) -> GPUArray:
    """``abs(self)``: ``fabsf``/``fabs`` for floats as PyCUDA, integers without the C library; the modulus of a
    complex array, of its real dtype."""
    name = {np.dtype(np.float32): "fabsf", np.dtype(np.float64): "fabs"}.get(self.dtype, "abs")
    return unary(self, name, np.finfo(self.dtype).dtype if self.dtype.kind == "c" else None)


# ------------------------------------------------------------------------------------ PyCUDA's helpers

def axpbyz(self: GPUArray, selffac: Any, other: GPUArray, otherfac: Any, out: GPUArray,
           add_timer: Callable[[int, Callable[[], float]], Any] | None = None,
           stream: StreamLike = None) -> GPUArray:
    """``out = selffac*self + otherfac*other`` (PyCUDA's ``_axpbyz``); the factors take the operands' dtypes."""
    check_contiguous(self, other, out)
    check_cast(common_dtype(self, other), out, "_axpbyz")
    template = broadcast_template(self, other)
    if out.shape != template.shape:
        raise NotImplementedError(f"Broadcasting binary operator with shapes: {template.shape}, {out.shape}.")
    other = _same_order(self, other)
    func = _elw.get_axpbyz_kernel(self.dtype, other.dtype, out.dtype, self.shape == () != other.shape,
                                  other.shape == () != self.shape)
    args = (to_dtype(selffac, self.dtype, wrap=True), self.ptr, to_dtype(otherfac, other.dtype, wrap=True),
            other.ptr, out.ptr)
    if add_timer is not None and out.size:
        grid, block = _elw.splay(out.size)
        add_timer(3 * self.size, func.prepared_timed_call(grid, block, *args, out.size))
    else:
        launch(func, out.size, stream, *args)
    return out


def axpbz(self: GPUArray, selffac: Any, other: Any, out: GPUArray, stream: StreamLike = None) -> GPUArray:
    """``out = selffac*self + other`` for a scalar `other` (PyCUDA's ``_axpbz``); the scalars take out's dtype."""
    check_contiguous(self, out)
    check_cast(self.dtype, out, "_axpbz")
    if out.shape != self.shape:
        raise NotImplementedError(f"Broadcasting binary operator with shapes: {self.shape}, {out.shape}.")
    launch(_elw.get_axpbz_kernel(self.dtype, out.dtype), self.size, stream, to_dtype(selffac, out.dtype, True),
           self.ptr, to_dtype(other, out.dtype, True), out.ptr)
    return out


def mul_add(self: GPUArray, selffac: Any, other: GPUArray, otherfac: Any,
            add_timer: Callable[[int, Callable[[], float]], Any] | None = None, stream: StreamLike = None,
            out: GPUArray | None = None) -> GPUArray:
    """``selffac*self + otherfac*other``, into `out` or a new array of the common dtype."""
    result = out if out is not None else new_like(broadcast_template(self, other), common_dtype(self, other))
    return axpbyz(self, selffac, other, otherfac, result, add_timer, stream=stream)


def reverse(self: GPUArray, stream: StreamLike = None) -> GPUArray:
    """The elements in reverse memory order (the array taken as one-dimensional), a new array."""
    check_contiguous(self)
    result = new_like(self, self.dtype)
    launch(_elw.get_reverse_kernel(self.dtype), self.size, stream, self.ptr, result.ptr)
    return result


def convert(self: GPUArray, dtype: np.dtype[Any], stream: StreamLike = None) -> GPUArray:
    """A contiguous copy converted to `dtype` (C's conversions; float to int truncates, as numpy's)."""
    source = self if self._order else self._copy_to_order("C")
    result = new_like(source, dtype)
    launch(_elw.get_copy_kernel(dtype, source.dtype), source.size, stream, result.ptr, source.ptr)
    return result


def fill(self: GPUArray, value: Any, stream: StreamLike = None) -> None:
    """Every element of a contiguous array set to `value` (already converted to the dtype)."""
    launch(_elw.get_fill_kernel(self.dtype), self.size, stream, value, self.ptr)


def select(criterion: GPUArray, then_: GPUArray, else_: GPUArray, out: GPUArray | None, stream: StreamLike,
           kernel: Callable[[Any, Any], Function]) -> GPUArray:
    """``out = criterion ? then_ : else_`` with the test of `kernel` (shapes and dtypes checked by the caller)."""
    check_contiguous(criterion, then_, else_)
    then_, else_ = _same_order(criterion, then_), _same_order(criterion, else_)
    if out is None:
        out = new_like(criterion, then_.dtype)
    check_contiguous(out)
    launch(kernel(criterion.dtype, then_.dtype), criterion.size, stream, criterion.ptr, then_.ptr, else_.ptr,
           out.ptr)
    return out


def minmax(which: str, a: Any, b: Any, out: GPUArray | None, stream: StreamLike) -> GPUArray:
    """numpy's ``maximum``/``minimum`` (`which` ``"max"``/``"min"``) of arrays and scalars, NaN propagating."""
    GPUArray = _gpuarray()
    if not isinstance(a, GPUArray):
        a, b = b, a  # the scalar second, as PyCUDA swaps them
    if not isinstance(a, GPUArray) or not (isinstance(b, GPUArray) or is_scalar(b)):
        raise TypeError(f"{which}imum needs a GPUArray and a GPUArray or a scalar")
    dtype = common_dtype(a, b)
    check_ordered(f"{which}imum", dtype)
    if isinstance(b, GPUArray):
        check_contiguous(a, b)
        if a.shape != b.shape:
            raise NotImplementedError(f"Broadcasting binary operator with shapes: {a.shape}, {b.shape}.")
        b = _same_order(a, b)
        out = out if out is not None else new_like(a, dtype)
        func = _elw.get_binary_minmax_kernel(which, a.dtype, b.dtype, out.dtype, use_scalar=False)
        launch(func, a.size, stream, a.ptr, b.ptr, out.ptr)
        return out
    check_contiguous(a)
    out = out if out is not None else new_like(a, dtype)
    func = _elw.get_binary_minmax_kernel(which, a.dtype, dtype, out.dtype, use_scalar=True)
    launch(func, a.size, stream, a.ptr, to_dtype(b, dtype), out.ptr)
    return out


def conjugate(self: GPUArray, out: GPUArray) -> None:
    """``out = conj(self)`` for contiguous complex arrays: a copy, then the imaginary parts negated through a real
    view (no complex arithmetic in the kernel)."""
    check_contiguous(out)
    if out.ptr != self.ptr:
        out._copy_from(self)
    half = self.itemsize // 2
    flat = out._view((2 * out.size,), (half,), dtype=np.dtype(f"f{half}"))
    launch(_elw._get_negate_odd_kernel(flat.dtype), flat.size, None, flat.ptr)


#: The dtypes the elementwise kernels take (float16 has no C name in PyCUDA).
KERNEL_DTYPES = frozenset(np.dtype(t) for t in (np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32,
                                                 np.uint32, np.int64, np.uint64, np.float32, np.float64,
                                                 np.complex64, np.complex128))


# ------------------------------------------------------------------------------------ PyGPU.gpuarray functions

def _check_selection(criterion: GPUArray, then_: GPUArray, else_: GPUArray) -> None:
    if not (criterion.shape == then_.shape == else_.shape):
        raise ValueError("shapes do not match")
    if then_.dtype != else_.dtype:
        raise ValueError("dtypes do not match")


@public("PyGPU.gpuarray")
def if_positive(criterion: GPUArray, then_: GPUArray, else_: GPUArray, out: GPUArray | None = None,
                stream: StreamLike = None) -> GPUArray:
    """``then_`` where ``criterion > 0``, else ``else_``, elementwise (PyCUDA's).

    Parameters
    ----------
    criterion, then_, else_ : GPUArray
        One shape; `then_` and `else_` one dtype.
    out : GPUArray, optional
    stream : PyGPU.driver.Stream, optional

    Returns
    -------
    GPUArray

    Raises
    ------
    ValueError
        When the shapes or the dtypes of `then_` and `else_` differ.
    RuntimeError
        For a non-contiguous array.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> crit = gpuarray.to_gpu(np.array([1.0, -1.0, 0.0]))
    >>> gpuarray.if_positive(crit, gpuarray.ones(3, np.int32), gpuarray.zeros(3, np.int32)).get()
    array([1, 0, 0], dtype=int32)
    """
    _check_selection(criterion, then_, else_)
    check_ordered("if_positive's criterion", criterion.dtype)
    return select(criterion, then_, else_, out, stream, _elw.get_if_positive_kernel)


@public("PyGPU.gpuarray")
def where(criterion: GPUArray, then_: GPUArray, else_: GPUArray, out: GPUArray | None = None,
          stream: StreamLike = None) -> GPUArray:
    """``then_`` where ``criterion != 0``, else ``else_``, elementwise (PyCUDA's; no broadcasting).

    Parameters
    ----------
    criterion, then_, else_ : GPUArray
        One shape; `then_` and `else_` one dtype.
    out : GPUArray, optional
    stream : PyGPU.driver.Stream, optional

    Returns
    -------
    GPUArray

    Raises
    ------
    NotImplementedError
        When the shapes or the dtypes of `then_` and `else_` differ (PyCUDA's: no broadcasting).
    RuntimeError
        For a non-contiguous array.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> crit = gpuarray.to_gpu(np.array([0, 2, 0], np.int8))
    >>> gpuarray.where(crit, gpuarray.ones(3), gpuarray.zeros(3)).get()
    array([0., 1., 0.])
    """
    if not (criterion.shape == then_.shape == else_.shape):
        raise NotImplementedError("shape broadcast not implemented")
    if then_.dtype != else_.dtype:
        raise NotImplementedError("dtype broadcast not implemented")
    return select(criterion, then_, else_, out, stream, _elw.get_where_kernel)


def _minmax_function(which: str, example: str, result: str) -> Callable[..., GPUArray]:
    """PyGPU.gpuarray's ``maximum`` or ``minimum`` (`which` ``"max"``/``"min"``)."""

    def function(a: Any, b: Any, out: GPUArray | None = None, stream: StreamLike = None) -> GPUArray:
        return minmax(which, a, b, out, stream)

    name = f"{which}imum"
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"""The elementwise {name} of two arrays, or of an array and a scalar (numpy's: NaN propagates).

    Parameters
    ----------
    a, b : GPUArray or scalar
        At least one GPUArray; two arrays have one shape.
    out : GPUArray, optional
        Default: a new array of the common dtype.
    stream : PyGPU.driver.Stream, optional

    Returns
    -------
    GPUArray

    Raises
    ------
    NotImplementedError
        When two arrays differ in shape.
    RuntimeError
        For a non-contiguous array.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.{name}(gpuarray.to_gpu(np.array([1, 5, 3], np.int32)), {example}).get()
    {result}
    """
    return public("PyGPU.gpuarray")(function)


maximum = _minmax_function("max", "2", "array([2, 5, 3], dtype=int32)")
minimum = _minmax_function("min", "gpuarray.to_gpu(np.array([2, 4, 4], np.int32))", "array([1, 4, 3], dtype=int32)")


# ------------------------------------------------------------------------------------ logical functions

def _bool_scalar(value: Any, out: GPUArray | None, allocator: Any) -> GPUArray:
    """A 0-d bool array (`out`, or a new one) holding `value`: the result for scalar operands, as PyCUDA's."""
    if out is None:
        out = _gpuarray()((), np.bool_, allocator=allocator)
    out.fill(value)
    return out


def _check_logical_out(out: GPUArray, shape: tuple[int, ...], any_dtype: bool = False) -> GPUArray:
    """PyCUDA's AssertionError for an `out` of another shape (or, for and/or, not bool)."""
    if not isinstance(out, _gpuarray()):
        raise TypeError(f"out must be a GPUArray, got {type(out).__name__}")
    if out.shape != shape or not (any_dtype or out.dtype == np.bool_):
        raise AssertionError(f"out is a {out.dtype} array of shape {out.shape}; the result is a bool array of "
                             f"shape {shape}")
    return out


def logical(op: str, x1: Any, x2: Any, out: GPUArray | None, allocator: Any) -> GPUArray:
    """``x1 op x2`` (`op` ``&&`` or ``||``) for GPUArrays and scalars, as bool: PyCUDA's ``_logical_op``."""
    GPUArray = _gpuarray()
    if is_scalar(x1) and is_scalar(x2):
        return _bool_scalar(_NUMPY[op](x1, x2), out, allocator)
    name = "logical_and" if op == "&&" else "logical_or"
    if not all(isinstance(x, GPUArray) or is_scalar(x) for x in (x1, x2)):
        raise ValueError(f"{name} can take either scalar or GPUArrays as inputs")
    arrays = [x for x in (x1, x2) if isinstance(x, GPUArray)]
    template = arrays[0] if len(arrays) == 1 else broadcast_template(*arrays)
    check_contiguous(*arrays)
    if out is None:
        out = new_like(template, np.dtype(np.bool_), allocator)
    return binary(x1, x2, op, out=_check_logical_out(out, template.shape))


#: PyGPU.gpuarray's logical functions of two operands -> their C operator.
LOGICAL = {"logical_and": "&&", "logical_or": "||"}


def _logical_function(name: str, example: str, result: str) -> Callable[..., GPUArray]:
    """PyGPU.gpuarray's ``logical_and`` or ``logical_or`` (:data:`LOGICAL`)."""
    op = LOGICAL[name]

    def function(x1: Any, x2: Any, /, out: GPUArray | None = None, *, allocator: Any = None) -> GPUArray:
        return logical(op, x1, x2, out, allocator)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"""``x1 {op} x2`` elementwise, as a bool array (PyCUDA's ``{name}``, numpy's values).

    Parameters
    ----------
    x1, x2 : GPUArray or scalar
        Two arrays of one shape (or one 0-d), an array and a scalar, or two scalars; the operands are compared
        with zero in their common dtype.
    out : GPUArray, optional
        A bool array of the result's shape. Default: a new one.
    allocator : callable, optional
        Allocates a new result (default: the operand's allocator).

    Returns
    -------
    GPUArray
        bool; 0-d for two scalars.

    Raises
    ------
    ValueError
        For an operand that is neither a GPUArray nor a scalar (PyCUDA's).
    NotImplementedError
        When two arrays differ in shape (PyCUDA's: no broadcasting).
    AssertionError
        For an `out` that is not a bool array of the result's shape (PyCUDA's).
    RuntimeError
        For a non-contiguous array.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([0, 1, 2, 0], np.int32))
    >>> gpuarray.{name}(a, {example}).get()
    {result}
    """
    return public("PyGPU.gpuarray")(function)


logical_and = _logical_function("logical_and", "gpuarray.to_gpu(np.array([1.0, 0.0, 0.5, 0.0]))",
                                "array([False, False,  True, False])")
logical_or = _logical_function("logical_or", "0", "array([False,  True,  True, False])")


@public("PyGPU.gpuarray")
def logical_not(x: Any, /, out: GPUArray | None = None, *, allocator: Any = None) -> GPUArray:
    """``!x`` elementwise, as a bool array (PyCUDA's ``logical_not``, numpy's values).

    Parameters
    ----------
    x : GPUArray or scalar
        A contiguous array; a scalar gives a 0-d array.
    out : GPUArray, optional
        An array of `x`'s shape (PyCUDA writes 1 and 0 in any dtype). Default: a new bool array.
    allocator : callable, optional
        Allocates a new result (default: `x`'s allocator).

    Returns
    -------
    GPUArray

    Raises
    ------
    AssertionError
        For an `out` of another shape.
    RuntimeError
        For a non-contiguous array.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.logical_not(gpuarray.to_gpu(np.array([0.0, -2.0, np.nan]))).get()
    array([ True, False, False])
    """
    if is_scalar(x):
        return _bool_scalar(np.logical_not(x), out, allocator)
    if not isinstance(x, _gpuarray()):
        raise ValueError(f"logical_not takes a GPUArray or a scalar, got {type(x).__name__}")
    check_contiguous(x)
    if out is None:
        out = new_like(x, np.dtype(np.bool_), allocator)
    _check_logical_out(out, x.shape, any_dtype=True)
    check_contiguous(out)
    launch(_elw.get_logical_not_kernel(x.dtype, out.dtype), x.size, None, x.ptr, out.ptr)
    return out
