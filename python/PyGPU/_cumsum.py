"""``gpuarray.cumsum``: numpy's ``cumsum`` of a GPUArray, on :class:`PyGPU.scan.InclusiveScanKernel`.

PyCUDA's ``gpuarray`` has no ``cumsum`` (its users build an ``InclusiveScanKernel(dtype, "a+b")``); PyGPU offers
numpy's, over the flattened array, with numpy's result dtype.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._dtypes import check_dtype
from ._public import public
from .tools import context_dependent_memoize

if TYPE_CHECKING:
    import numpy.typing as npt

    from ._stream import StreamLike
    from .gpuarray import Allocator, GPUArray
    from .scan import InclusiveScanKernel

__all__ = ["cumsum"]


@context_dependent_memoize
def _kernel(dtype: np.dtype[Any]) -> InclusiveScanKernel:
    from .scan import InclusiveScanKernel

    return InclusiveScanKernel(dtype, "a+b", name_prefix="cumsum")


@public("PyGPU.gpuarray")
def cumsum(a: GPUArray, dtype: npt.DTypeLike | None = None, stream: StreamLike = None,
           allocator: Allocator | None = None) -> GPUArray:
    """The cumulative sum of the elements of `a` taken in C order, a new 1-D array (``numpy.cumsum(a)``).

    Parameters
    ----------
    a : GPUArray
        Any shape and layout.
    dtype : numpy dtype, optional
        The dtype to sum in and of the result; default numpy's (integers narrower than ``int64`` and ``bool``
        sum in ``int64``, unsigned ones in ``uint64``).
    stream : PyGPU.driver.Stream, optional
    allocator : callable, optional
        Allocates the result (default `a`'s allocator).

    Returns
    -------
    GPUArray

    Raises
    ------
    TypeError
        When `a` is not a GPUArray, or for a float16 result (sum in float32 with ``dtype=numpy.float32``).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.cumsum(gpuarray.to_gpu(np.array([[1, 2], [3, 4]], np.int8))).get()
    array([ 1,  3,  6, 10])
    """
    from .gpuarray import GPUArray

    if not isinstance(a, GPUArray):
        raise TypeError(f"cumsum takes a GPUArray, got {type(a).__name__}")
    result_dtype = np.cumsum(np.zeros(1, a.dtype), dtype=None if dtype is None else check_dtype(dtype)).dtype
    if result_dtype == np.float16:
        raise TypeError("cumsum has no float16 kernel; sum in float32 with dtype=numpy.float32")
    kernel = _kernel(result_dtype)
    flat = a.reshape(a.size)
    result = GPUArray(flat.shape, result_dtype, allocator if allocator is not None else a.allocator)
    result._copy_from(flat.astype(result_dtype, stream=stream) if flat.dtype != result_dtype else flat, stream)
    return kernel(result, stream=stream)
