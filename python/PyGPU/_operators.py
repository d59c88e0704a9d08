"""The operator table of GPUArray: the methods and functions that need a device kernel PyGPU does not offer yet.

Each entry is a stub that raises NotImplementedError (reductions, take, arange: later slices of the kernel
issue); the elementwise operations are in ``_arithmetic``. GPUArray and PyGPU.gpuarray pick the stubs up from
this table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, NoReturn

if TYPE_CHECKING:
    from .gpuarray import GPUArray

#: GPUArray's methods that need a kernel.
METHODS = ("bind_to_texref", "bind_to_texref_ext")
#: PyGPU.gpuarray's functions that need a kernel (the reductions are in _reductions).
FUNCTIONS = ("take", "multi_take", "multi_put", "multi_take_put", "cumsum")


def method(name: str) -> Callable[..., NoReturn]:
    """The GPUArray method `name` (today a stub raising NotImplementedError)."""

    def stub(self: GPUArray, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(
            f"GPUArray.{name} needs a device kernel, which PyGPU does not offer yet; copy the data to the "
            "host with get(), or launch your own kernel on the array's ptr")

    stub.__name__ = name
    stub.__qualname__ = f"GPUArray.{name}"
    stub.__module__ = "PyGPU.gpuarray"
    stub.__doc__ = f"""Not available yet: {name} needs a device kernel (raises NotImplementedError).

    Raises
    ------
    NotImplementedError
        Always: PyGPU does not offer this kernel yet. Copy the data to the host
        with ``get()``, or launch your own kernel on the array's ``ptr``.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.to_gpu(np.ones(2)).{name}()
    Traceback (most recent call last):
    ...
    NotImplementedError: GPUArray.{name} needs a device kernel, which PyGPU does not offer yet; ...
    """
    return stub


def function(name: str) -> Callable[..., NoReturn]:
    """The PyGPU.gpuarray function `name` (today a stub raising NotImplementedError)."""

    def stub(*args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(f"{name} needs a device kernel, which PyGPU does not offer yet")

    stub.__name__ = name
    stub.__module__ = "PyGPU.gpuarray"
    stub.__doc__ = f"""Not available yet: {name} needs a device kernel (raises NotImplementedError).

    Raises
    ------
    NotImplementedError
        Always: PyGPU does not offer this kernel yet. Compute on the host
        (``a.get()``), or launch your own kernel on the arrays' ``ptr``.

    Examples
    --------
    >>> import PyGPU.gpuarray as gpuarray
    >>> gpuarray.{name}()
    Traceback (most recent call last):
    ...
    NotImplementedError: {name} needs a device kernel, which PyGPU does not offer yet
    """
    return stub

