"""The original PyGPU API of GPUArray (allocate, to_device, to_host, host_data, device_data, last_status).

GPUArray takes these functions as its methods. They work on the array's own host side (``_host``): the array
given to ``to_gpu``/``set``, or the one the first ``to_host`` makes; ``get`` never becomes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, TypeVar

from . import _core
from ._errors import CudaError
from ._memory import pointer_of

if TYPE_CHECKING:
    from .gpuarray import GPUArray

F = TypeVar("F", bound=Callable[..., object])


def _method(function: F) -> F:
    """Name `function` as the GPUArray method it becomes (module, qualified name: docs, doctests, pickles)."""
    function.__module__ = "PyGPU.gpuarray"
    function.__qualname__ = f"GPUArray.{function.__name__}"
    return function


@_method
def allocate(self: GPUArray) -> _core.cudaError_t:
    """Original PyGPU API: the device side exists from construction, so ``cudaSuccess``.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.empty(2, np.float32).allocate()
    <cudaError_t: code=0 cudaSuccess>
    """
    return _core.cudaError_t(0)


def _status(self: GPUArray, fn: Callable[[], object]) -> _core.cudaError_t:
    """Run `fn`, keep its status for last_status() and return it."""
    try:
        fn()
        self._last_status = _core.cudaError_t(0)
    except CudaError as exc:
        self._last_status = _core.cudaError_t(exc.code)
    return self._last_status


@_method
def to_device(self: GPUArray) -> _core.cudaError_t:
    """Original PyGPU API: copy the associated host array to the device; returns the status, kept for
    :meth:`last_status`.

    The associated host array is the one given to ``to_gpu`` or ``set``, or the one the first
    :meth:`to_host` made; without one the status is ``cudaErrorInvalidValue``.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> host = np.zeros(3, dtype=np.float32)
    >>> a = gpuarray.to_gpu(host)
    >>> host[:] = 7
    >>> a.to_device()
    <cudaError_t: code=0 cudaSuccess>
    """
    host = self._host
    if host is None:
        self._last_status = _core.cudaError_t(_core.cudaErrorInvalidValue)
        return self._last_status
    return _status(self, lambda: self.set(host))


@_method
def to_host(self: GPUArray) -> _core.cudaError_t:
    """Original PyGPU API: copy the device data into the associated host array (made by the first call);
    returns the status, kept for :meth:`last_status`.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.zeros(2, np.int32).to_host()
    <cudaError_t: code=0 cudaSuccess>
    """

    def copy() -> None:
        self._host = self.get(ary=self._host)

    return _status(self, copy)


@_method
def host_data(self: GPUArray) -> _core.pointer_wrapper_void:
    """Original PyGPU API: a safe pointer wrapper to the associated host array (contiguous only; ValueError
    otherwise), valid while this array lives.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.array([1, 2, 3], dtype=np.int32))
    >>> p = a.host_data()
    >>> int(p[2]), p.count()
    (3, 3)
    """
    if self._host is None:
        self.to_host()
    keeper: _core.DeviceArray = getattr(_core, f"DeviceArray_{self.dtype.name}")(self._host)
    self._host_keeper = keeper  # the wrapper stays valid while this array lives
    return keeper.host_data()


@_method
def device_data(self: GPUArray) -> _core.pointer_wrapper_void:
    """Original PyGPU API: an unsafe typed pointer wrapper to element 0 on the device (no bounds, no
    lifetime: keep this array alive while using it).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.zeros(4, np.float32)
    >>> int(a.device_data()) == a.ptr
    True
    """
    pointer = pointer_of(self.gpudata)
    cls: type[_core.pointer_wrapper_void] = getattr(_core, f"pointer_wrapper_{self.dtype.name}")
    if pointer is not None and self._offset == 0:
        return cls(pointer)
    return cls(self.ptr)


@_method
def last_status(self: GPUArray) -> _core.cudaError_t:
    """Original PyGPU API: the status of the last to_device()/to_host() (``cudaSuccess`` for a new array).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.empty(2, np.float32).last_status()
    <cudaError_t: code=0 cudaSuccess>
    """
    return self._last_status
