"""The operator table of GPUArray: the methods and functions that need a device kernel.

Each entry is a stub that raises NotImplementedError today (PyGPU launches no kernels yet); the kernel
issues replace the stubs here, and GPUArray and PyGPU.gpuarray pick them up from this table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, NoReturn

if TYPE_CHECKING:
    from .gpuarray import GPUArray

#: GPUArray's methods that need a kernel.
METHODS = ("__add__", "__radd__", "__iadd__", "__sub__", "__rsub__", "__isub__", "__mul__", "__rmul__",
           "__imul__", "__truediv__", "__rtruediv__", "__itruediv__", "__floordiv__", "__rfloordiv__",
           "__mod__", "__pow__", "__rpow__", "__neg__", "__abs__", "__eq__", "__ne__", "__lt__", "__le__",
           "__gt__", "__ge__", "__and__", "__or__", "__xor__", "__invert__", "mul_add", "reverse", "bind_to_texref",
           "bind_to_texref_ext")
#: PyGPU.gpuarray's functions that need a kernel (the reductions are in _reductions).
FUNCTIONS = ("arange", "where", "take", "if_positive", "maximum", "minimum", "multi_take", "multi_put",
             "multi_take_put", "cumsum")


def method(name: str) -> Callable[..., NoReturn]:
    """The GPUArray method `name` (today a stub raising NotImplementedError)."""

    def stub(self: GPUArray, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(
            f"GPUArray.{name} needs a device kernel, which PyGPU does not launch yet; copy the data to the "
            "host with get(), or launch your own kernel on the array's ptr")

    stub.__name__ = name
    stub.__qualname__ = f"GPUArray.{name}"
    stub.__module__ = "PyGPU.gpuarray"
    stub.__doc__ = f"""Not available: {name} needs a device kernel (raises NotImplementedError).

    Raises
    ------
    NotImplementedError
        Always: PyGPU does not launch kernels yet. Copy the data to the host
        with ``get()``, or launch your own kernel on the array's ``ptr``.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.to_gpu(np.ones(2)).{name}()
    Traceback (most recent call last):
    ...
    NotImplementedError: GPUArray.{name} needs a device kernel, which PyGPU does not launch yet; ...
    """
    return stub


def function(name: str) -> Callable[..., NoReturn]:
    """The PyGPU.gpuarray function `name` (today a stub raising NotImplementedError)."""

    def stub(*args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(f"{name} needs a device kernel, which PyGPU does not launch yet")

    stub.__name__ = name
    stub.__module__ = "PyGPU.gpuarray"
    stub.__doc__ = f"""Not available: {name} needs a device kernel (raises NotImplementedError).

    Raises
    ------
    NotImplementedError
        Always: PyGPU does not launch kernels yet. Compute on the host
        (``a.get()``), or launch your own kernel on the arrays' ``ptr``.

    Examples
    --------
    >>> import PyGPU.gpuarray as gpuarray
    >>> gpuarray.{name}()
    Traceback (most recent call last):
    ...
    NotImplementedError: {name} needs a device kernel, which PyGPU does not launch yet
    """
    return stub

