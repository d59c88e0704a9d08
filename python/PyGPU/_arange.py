"""PyGPU.gpuarray.arange: evenly spaced values, computed on the device by PyCUDA's arange kernel."""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _arithmetic
from ._public import public
from .elementwise import get_arange_kernel

if TYPE_CHECKING:
    from .gpuarray import GPUArray

#: The keyword arguments arange takes: PyCUDA's four, and the stream its code reads (PyCUDA refuses it).
_NAMES = ("start", "stop", "step", "dtype", "stream")


def _length(start: Any, stop: Any, step: Any) -> int:
    """``ceil((stop - start) / step)``, at least 0 (exact for integers)."""
    if step == 0:
        raise ZeroDivisionError("arange: step must not be zero")
    if isinstance(start, int) and isinstance(stop, int) and isinstance(step, int):
        return max(-int((start - stop) // step), 0)
    span = float((stop - start) / step)
    if not math.isfinite(span):
        raise ValueError(f"arange: the length (stop - start)/step is {span}; start, stop and step must be finite")
    return max(math.ceil(span), 0)


@public("PyGPU.gpuarray")
def arange(*args: Any, **kwargs: Any) -> GPUArray:
    """Values from `start` to `stop` spaced `step` apart, as PyCUDA's ``arange``.

    ``arange(stop)``, ``arange(start, stop)``, ``arange(start, stop, step)``, each optionally followed by a
    ``np.dtype``, or the same names as keywords. The length is ``ceil((stop - start)/step)`` (for floats the
    last value may exceed `stop`, as PyCUDA documents); element ``i`` is ``start + i*step`` computed in the
    dtype.

    Parameters
    ----------
    start : scalar, optional
        Default 0.
    stop : scalar
    step : scalar, optional
        Default 1.
    dtype : numpy dtype, optional
        Default: numpy's dtype of ``[start, stop, step]``, with PyCUDA's warning when that is not float32.
    stream : PyGPU.driver.Stream, optional
        Keyword only: the stream to queue the kernel on.

    Returns
    -------
    GPUArray
        One-dimensional.

    Raises
    ------
    ValueError
        For no `stop`, more than three positional values, a value given by position and keyword, an unknown
        keyword (PyCUDA's), or a length that is not finite.
    ZeroDivisionError
        For ``step == 0``.
    TypeError
        For a dtype that is not an integer or float dtype.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.arange(1, 10, 3, dtype=np.int32).get()
    array([1, 4, 7], dtype=int32)
    >>> gpuarray.arange(0.5, np.dtype(np.float32)).get()
    array([0.], dtype=float32)
    """
    given: dict[str, Any] = {}
    explicit_dtype = False
    if args and isinstance(args[-1], np.dtype):
        given["dtype"], args, explicit_dtype = args[-1], args[:-1], True
    if len(args) > 3:
        raise ValueError("too many arguments")
    positions = {1: ("stop",), 2: ("start", "stop"), 3: ("start", "stop", "step")}.get(len(args), ())
    given.update(zip(positions, args))
    for name, value in kwargs.items():
        if name not in _NAMES:
            raise ValueError(f"unexpected keyword argument '{name}'")
        if name in given:
            raise ValueError(f"may not specify '{name}' by position and keyword")
        given[name] = value
        explicit_dtype = explicit_dtype or name == "dtype"
    if given.get("stop") is None:
        raise ValueError("stop argument required")
    start, stop, step = given.get("start", 0), given["stop"], given.get("step", 1)
    dtype = np.dtype(given["dtype"] if given.get("dtype") is not None else np.array([start, stop, step]).dtype)
    if not explicit_dtype and dtype != np.float32:
        warnings.warn("behavior change: arange guessed dtype other than float32. suggest specifying explicit "
                      "dtype.", stacklevel=2)
    if dtype.kind not in "iuf" or dtype not in _arithmetic.KERNEL_DTYPES:
        raise TypeError(f"arange needs an integer or float dtype (float16 excluded), got {dtype}")
    start, stop, step = (dtype.type(v) for v in (start, stop, step))
    size = _length(start.item(), stop.item(), step.item())
    from .gpuarray import GPUArray

    result = GPUArray((size,), dtype)
    _arithmetic.launch(get_arange_kernel(dtype), size, given.get("stream"), result.ptr, start, step)
    return result
