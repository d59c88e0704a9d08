"""GPUArray's reductions: PyCUDA's ``gpuarray.sum``, ``dot``, ``min``... and the methods ``any``/``all``.

Each launches a kernel of :mod:`PyGPU.reduction` (made once per operation, dtypes and device) and returns a 0-d
GPUArray, as PyCUDA. The rules, PyCUDA's where it has one:

- The result dtype is PyCUDA's: ``sum`` keeps the array's dtype (``int8`` wraps as ``numpy.sum(a, dtype=a.dtype)``
  does), ``dot`` takes the operands' common dtype, ``any``/``all`` give bool, ``min``/``max`` the array's.
- Arrays are contiguous (PyCUDA's RuntimeError otherwise); ``dot`` needs two arrays of one size (and one order),
  a ValueError otherwise, where PyCUDA would read past the shorter one.
- ``min``/``max`` reduce integers, float32 and float64 (PyCUDA's TypeError for others, a complex ``max``
  included); of an empty array they are numpy's ValueError. ``sum``, ``dot``, ``subset_*`` and ``vdot`` reduce
  complex64 and complex128 too (``pycuda-complex.hpp``).

``vdot`` is not in PyCUDA's gpuarray: it is numpy's (and pyopencl's), ``sum(conj(a) * b)``, the same as ``dot``
for real dtypes. ``GPUArray.sum``, ``min``, ``max`` and ``dot`` are PyGPU's methods (PyCUDA
has only ``any`` and ``all``), calling these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from . import reduction as _reduction
from ._public import public

if TYPE_CHECKING:
    import numpy.typing as npt

    from ._stream import StreamLike
    from .gpuarray import Allocator, GPUArray

__all__ = ["all", "any", "dot", "max", "min", "subset_dot", "subset_max", "subset_min", "subset_sum", "sum", "vdot"]


def _array(a: Any, name: str = "a") -> GPUArray:
    """`a`, checked to be a GPUArray."""
    from .gpuarray import GPUArray

    if not isinstance(a, GPUArray):
        raise TypeError(f"{name} must be a GPUArray, got {type(a).__name__}")
    return a


def _dtype(dtype: npt.DTypeLike | None) -> np.dtype[Any] | None:
    """`dtype` as a numpy dtype (one memo key per dtype, however it is spelled), or None."""
    return None if dtype is None else np.dtype(dtype)


def _pair(a: Any, b: Any) -> tuple[GPUArray, GPUArray]:
    """`a` and `b`, checked to pair element by element."""
    a, b = _array(a, "a"), _array(b, "b")
    if a.size != b.size:
        raise ValueError(f"a and b must have the same size ({a.size} != {b.size})")
    if a.ndim > 1 and a.shape == b.shape and a.flags.c_contiguous != b.flags.c_contiguous:
        raise ValueError("a and b must have the same order (C or F): their elements pair in memory order")
    return a, b


@public("PyGPU.gpuarray")
def sum(a: GPUArray, dtype: npt.DTypeLike | None = None, stream: StreamLike = None,
        allocator: Allocator | None = None) -> GPUArray:
    """The sum of the elements, a 0-d GPUArray of `dtype` (default `a`'s dtype, as PyCUDA).

    Parameters
    ----------
    a : GPUArray
        Contiguous.
    dtype : numpy dtype, optional
        The dtype to sum in and of the result.
    stream : PyGPU.driver.Stream, optional
    allocator : callable, optional
        Allocates the result (default `a`'s allocator).

    Returns
    -------
    GPUArray

    Raises
    ------
    RuntimeError
        For a non-contiguous array.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.sum(gpuarray.to_gpu(np.arange(5, dtype=np.float32))).get()
    array(10., dtype=float32)
    """
    a = _array(a)
    return _reduction.get_sum_kernel(_dtype(dtype) or a.dtype, a.dtype)(a, stream=stream, allocator=allocator)


@public("PyGPU.gpuarray")
def any(a: GPUArray, stream: StreamLike = None, allocator: Allocator | None = None) -> GPUArray:
    """Whether any element is nonzero, a 0-d bool GPUArray.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.any(gpuarray.to_gpu(np.array([0, 0, 3], np.int32))).get()
    array(True)
    """
    a = _array(a)
    return _reduction.get_any_kernel(np.dtype(bool), a.dtype)(a, stream=stream, allocator=allocator)


@public("PyGPU.gpuarray")
def all(a: GPUArray, stream: StreamLike = None, allocator: Allocator | None = None) -> GPUArray:
    """Whether every element is nonzero, a 0-d bool GPUArray (True for an empty array, as numpy).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.all(gpuarray.to_gpu(np.array([1.0, 0.0]))).get()
    array(False)
    """
    a = _array(a)
    return _reduction.get_all_kernel(np.dtype(bool), a.dtype)(a, stream=stream, allocator=allocator)


@public("PyGPU.gpuarray")
def subset_sum(subset: GPUArray, a: GPUArray, dtype: npt.DTypeLike | None = None, stream: StreamLike = None,
               allocator: Allocator | None = None) -> GPUArray:
    """The sum of ``a[subset]``: `subset` holds indices into `a`, each within its size.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([1, 10, 100], np.int64))
    >>> gpuarray.subset_sum(gpuarray.to_gpu(np.array([2, 2, 0], np.int32)), a).get()
    array(201)
    """
    subset, a = _array(subset, "subset"), _array(a)
    kernel = _reduction.get_subset_sum_kernel(_dtype(dtype) or a.dtype, subset.dtype, a.dtype)
    return kernel(subset, a, stream=stream, allocator=allocator)


@public("PyGPU.gpuarray")
def dot(a: GPUArray, b: GPUArray, dtype: npt.DTypeLike | None = None, stream: StreamLike = None,
        allocator: Allocator | None = None) -> GPUArray:
    """The sum of ``a * b`` over all elements, in `dtype` (default the common dtype of `a` and `b`).

    Raises
    ------
    ValueError
        When `a` and `b` differ in size (or, for 2-D and more, in order).
    RuntimeError
        For a non-contiguous array.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([1, 2, 3], np.int32))
    >>> gpuarray.dot(a, gpuarray.to_gpu(np.array([0.5, 0.5, 1.0]))).get()
    array(4.5)
    """
    a, b = _pair(a, b)
    dt = _dtype(dtype) or np.result_type(a.dtype, b.dtype)
    return _reduction.get_dot_kernel(dt, a.dtype, b.dtype)(a, b, stream=stream, allocator=allocator)


@public("PyGPU.gpuarray")
def vdot(a: GPUArray, b: GPUArray, dtype: npt.DTypeLike | None = None, stream: StreamLike = None,
         allocator: Allocator | None = None) -> GPUArray:
    """numpy's ``vdot``: the sum of ``conj(a) * b``, which is :func:`dot` for real dtypes (not in PyCUDA).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([1.0, 2.0]))
    >>> gpuarray.vdot(a, a).get()
    array(5.)
    >>> z = gpuarray.to_gpu(np.array([1 + 1j, 2j]))
    >>> gpuarray.vdot(z, z).get()
    array(6.+0.j)
    """
    a, b = _pair(a, b)
    dt = _dtype(dtype) or np.result_type(a.dtype, b.dtype)
    if dt.kind != "c":
        return dot(a, b, dtype=dt, stream=stream, allocator=allocator)
    return _reduction._get_vdot_kernel(dt, a.dtype, b.dtype)(a, b, stream=stream, allocator=allocator)


@public("PyGPU.gpuarray")
def subset_dot(subset: GPUArray, a: GPUArray, b: GPUArray, dtype: npt.DTypeLike | None = None,
               stream: StreamLike = None, allocator: Allocator | None = None) -> GPUArray:
    """The sum of ``a[subset] * b[subset]``, in `dtype` (default `a`'s dtype, as PyCUDA).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([1.0, 2.0, 3.0], np.float32))
    >>> gpuarray.subset_dot(gpuarray.to_gpu(np.array([0, 2], np.int32)), a, a).get()
    array(10., dtype=float32)
    """
    subset = _array(subset, "subset")
    a, b = _pair(a, b)
    kernel = _reduction.get_subset_dot_kernel(_dtype(dtype) or a.dtype, subset.dtype, a.dtype, b.dtype)
    return kernel(subset, a, b, stream=stream, allocator=allocator)


def _nonempty(a: GPUArray, what: str) -> None:
    if a.size == 0:
        name = "minimum" if what == "min" else "maximum"
        raise ValueError(f"zero-size array to reduction operation {name} which has no identity")


def _minmax(what: str) -> Callable[..., GPUArray]:
    def reduce(a: GPUArray, stream: StreamLike = None) -> GPUArray:
        a = _array(a)
        kernel = _reduction.get_minmax_kernel(what, a.dtype)
        _nonempty(a, what)
        return kernel(a, stream=stream)

    reduce.__name__ = reduce.__qualname__ = what
    reduce.__doc__ = f"""The {what}imum element, a 0-d GPUArray of `a`'s dtype.

    Parameters
    ----------
    a : GPUArray
        Contiguous, of an integer dtype, float32 or float64.
    stream : PyGPU.driver.Stream, optional

    Returns
    -------
    GPUArray

    Raises
    ------
    TypeError
        For another dtype (PyCUDA's "unsupported dtype specified").
    ValueError
        For an empty array (numpy's).
    RuntimeError
        For a non-contiguous array.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.{what}(gpuarray.to_gpu(np.array([4, -2, 9], np.int16))).get()
    array({ {"min": -2, "max": 9}[what] }, dtype=int16)
    """
    return public("PyGPU.gpuarray")(reduce)


def _subset_minmax(what: str) -> Callable[..., GPUArray]:
    def reduce(subset: GPUArray, a: GPUArray, stream: StreamLike = None) -> GPUArray:
        subset, a = _array(subset, "subset"), _array(a)
        kernel = _reduction.get_subset_minmax_kernel(what, a.dtype, subset.dtype)
        _nonempty(subset, what)
        return kernel(subset, a, stream=stream)

    reduce.__name__ = reduce.__qualname__ = f"subset_{what}"
    reduce.__doc__ = f"""The {what}imum of ``a[subset]``, a 0-d GPUArray of `a`'s dtype.

    Raises
    ------
    TypeError
        For a dtype other than integers, float32 and float64.
    ValueError
        For an empty `subset`.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([4.0, -2.0, 9.0]))
    >>> gpuarray.subset_{what}(gpuarray.to_gpu(np.array([0, 2], np.int32)), a).get()
    array({ {"min": "4.", "max": "9."}[what] })
    """
    return public("PyGPU.gpuarray")(reduce)


min = _minmax("min")
max = _minmax("max")
subset_min = _subset_minmax("min")
subset_max = _subset_minmax("max")


# ------------------------------------------------------------------ GPUArray's methods

def _method(function: Callable[..., GPUArray], name: str, doc: str) -> Callable[..., GPUArray]:
    def method(self: GPUArray, *args: Any, **kwargs: Any) -> GPUArray:
        return function(self, *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = f"GPUArray.{name}"
    method.__module__ = "PyGPU.gpuarray"
    method.__doc__ = doc
    method.__signature__ = _signature(function)  # type: ignore[attr-defined]
    return method


def _signature(function: Callable[..., Any]) -> Any:
    """`function`'s signature with its first parameter named self."""
    import inspect

    sig = inspect.signature(function)
    params = list(sig.parameters.values())
    return sig.replace(parameters=[params[0].replace(name="self", annotation=inspect.Parameter.empty), *params[1:]])


def _method_doc(name: str, what: str, example: str, result: str) -> str:
    return f"""{what} (:func:`PyGPU.gpuarray.{name}` of this array).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.to_gpu(np.array([0, 3, 1], np.int32)).{example}.get()
    {result}
    """


array_any = _method(any, "any", _method_doc("any", "Whether any element is nonzero", "any()", "array(True)"))
array_all = _method(all, "all", _method_doc("all", "Whether every element is nonzero", "all()", "array(False)"))
array_sum = _method(sum, "sum", _method_doc("sum", "The sum of the elements (PyGPU's method)", "sum()",
                                            "array(4, dtype=int32)"))
array_min = _method(min, "min", _method_doc("min", "The smallest element (PyGPU's method)", "min()",
                                            "array(0, dtype=int32)"))
array_max = _method(max, "max", _method_doc("max", "The largest element (PyGPU's method)", "max()",
                                            "array(3, dtype=int32)"))
array_dot = _method(dot, "dot", _method_doc("dot", "The sum of ``self * other`` (PyGPU's method)",
                                            "dot(gpuarray.ones(3, np.int32))", "array(4, dtype=int32)"))
