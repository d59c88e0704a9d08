"""Registered host memory: PyGPU.driver.register_host_memory, RegisteredHostMemory, mem_host_register_flags.

An existing numpy array is page-locked in place with ``cudaHostRegister``; the array returned views the
same memory and keeps a :class:`RegisteredHostMemory` as its ``base``, which unregisters when it goes.
"""

from __future__ import annotations

import contextlib
import enum
import operator
import sys
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core as _g
from ._errors import check, error_for
from ._public import public

if TYPE_CHECKING:
    import numpy.typing as npt


@public("PyGPU.driver")
class mem_host_register_flags(enum.IntFlag):
    """``flags`` for :func:`register_host_memory` (``cudaHostRegisterPortable``, ``cudaHostRegisterMapped``).

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> int(cuda.mem_host_register_flags.DEVICEMAP)
    2
    """

    PORTABLE = 1
    DEVICEMAP = 2


@public("PyGPU.driver")
class RegisteredHostMemory:
    """The registration of a host array's memory: the ``base`` of the array :func:`register_host_memory` returns.

    ``unregister()`` ends it now (CudaError ``cudaErrorHostMemoryNotRegistered`` the second time); otherwise
    it ends when the last view goes. ``base`` is the array registered.

    Only :func:`register_host_memory` makes one: the constructor raises TypeError, as PyCUDA's does.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> a = cuda.register_host_memory(np.zeros(1024))
    >>> isinstance(a.base, cuda.RegisteredHostMemory)
    True
    >>> a.base.unregister()
    """

    base: npt.NDArray[Any]
    _registered: bool

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise TypeError("RegisteredHostMemory cannot be created directly; use register_host_memory(ary, flags)")

    @classmethod
    def _register(cls, ary: npt.NDArray[Any], flags: int) -> RegisteredHostMemory:
        """Register `ary`'s memory: the one way to make a RegisteredHostMemory."""
        self = cls.__new__(cls)
        self._registered = False
        if not isinstance(ary, np.ndarray):
            raise error_for(_g.cudaErrorInvalidValue, f"ary argument is not a numpy array ({type(ary).__name__})",
                            "register_host_memory")
        if not (ary.flags.c_contiguous or ary.flags.f_contiguous):
            raise error_for(_g.cudaErrorInvalidValue, "ary argument is not contiguous", "register_host_memory")
        try:
            bits = operator.index(flags)
        except TypeError:
            raise TypeError(f"flags must be an int, got {type(flags).__name__}") from None
        self.base = ary
        check(_g.cudaHostRegister(ary, ary.nbytes, bits))
        self._registered = True
        return self

    @property
    def __array_interface__(self) -> dict[str, Any]:
        return dict(self.base.__array_interface__)

    def unregister(self) -> None:
        """End the registration now (CudaError ``cudaErrorHostMemoryNotRegistered`` when already ended).

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> cuda.register_host_memory(np.ones(16)).base.unregister()
        """
        if not self._registered:
            raise error_for(_g.cudaErrorHostMemoryNotRegistered, "the memory was already unregistered",
                            "RegisteredHostMemory.unregister")
        self._registered = False
        check(_g.cudaHostUnregister(self.base))

    def __del__(self) -> None:
        if not getattr(self, "_registered", False) or sys.is_finalizing():
            return
        try:
            self._registered = False
            err = _g.cudaHostUnregister(self.base)
            if int(err) != _g.cudaSuccess:
                warnings.warn(f"unregistering host memory failed: {err.name}", RuntimeWarning, stacklevel=2)
        except Exception as exc:  # destructors never raise
            with contextlib.suppress(Exception):
                warnings.warn(f"unregistering host memory failed: {exc}", RuntimeWarning, stacklevel=2)


@public("PyGPU.driver")
def register_host_memory(ary: npt.NDArray[Any], flags: int = 0) -> npt.NDArray[Any]:
    """Page-lock the memory of the numpy array `ary` in place (``cudaHostRegister``), as PyCUDA does.

    Parameters
    ----------
    ary : numpy.ndarray
        Contiguous. It must not be registered or pinned already.
    flags : int, default 0
        A combination of :class:`mem_host_register_flags`.

    Returns
    -------
    numpy.ndarray
        A view of the same memory whose ``base`` is the :class:`RegisteredHostMemory`; the registration lasts
        while that view (or a view of it) lives.

    Raises
    ------
    TypeError
        When `flags` is not an int.
    CudaError
        ``cudaErrorInvalidValue`` for a non-array, a non-contiguous or empty array, unknown flags;
        ``cudaErrorHostMemoryAlreadyRegistered`` when the memory is registered or pinned already.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> a = cuda.register_host_memory(np.arange(4, dtype=np.float32))
    >>> d = cuda.mem_alloc(a.nbytes)
    >>> cuda.memcpy_htod_async(d, a); cuda.Context.synchronize()
    >>> cuda.from_device(d, 4, np.float32).tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    registration = RegisteredHostMemory._register(ary, flags)
    view: npt.NDArray[Any] = np.asarray(registration)
    return view
