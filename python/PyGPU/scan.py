"""PyGPU.scan: ``pycuda.scan`` on every backend.

:class:`InclusiveScanKernel` and :class:`ExclusiveScanKernel` compute prefix scans of a 1-D GPUArray with an
associative C expression over ``a`` and ``b`` (``"a+b"`` gives ``numpy.cumsum``), in place by default, in
PyCUDA's two levels: blocks scan intervals of the array, one block scans the intervals' totals, and a final
kernel combines each interval with the total before it. The kernel source is ``PyGPU/_kernels/scan.cu``,
compiled by :class:`PyGPU.compiler.SourceModule` on every backend (the module API caches the image on disk).

Examples
--------
>>> import numpy as np, PyGPU as gpuarray
>>> from PyGPU.scan import ExclusiveScanKernel, InclusiveScanKernel
>>> a = gpuarray.to_gpu(np.array([1, 2, 3, 4], np.int32))
>>> InclusiveScanKernel(np.int32, "a+b")(a).get()
array([ 1,  3,  6, 10], dtype=int32)
>>> ExclusiveScanKernel(np.int32, "a+b", "0")(gpuarray.to_gpu(np.array([1, 2, 3, 4], np.int32))).get()
array([0, 1, 3, 6], dtype=int32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._dtypes import check_dtype
from ._kernels import template
from ._public import public
from .tools import dtype_to_ctype

if TYPE_CHECKING:
    from ._function import Function
    from ._stream import StreamLike
    from .gpuarray import Allocator, GPUArray

__all__ = ["ExclusiveScanKernel", "InclusiveScanKernel", "scan_source"]

SCAN_WG_SIZE = 128  # threads per block of the interval scans, PyCUDA's
SCAN_SEQ = 8  # consecutive elements each thread of an interval scan scans on its own
UPDATE_WG_SIZE = 256  # threads per block of the final update, PyCUDA's
UNIT_SIZE = SCAN_WG_SIZE * SCAN_SEQ  # intervals are multiples of this


@public("PyGPU.scan")
def scan_source(scan_type: str, scan_expr: str, neutral: str | None = None, exclusive: bool = False,
                name_prefix: str = "scan", preamble: str = "") -> str:
    """The CUDA C source of a scan: kernels ``{name_prefix}_scan_intervals`` and ``{name_prefix}_final_update``.

    Parameters
    ----------
    scan_type : str
        The C type of the elements.
    scan_expr : str
        An associative C expression of ``a`` and ``b`` (``a`` comes first in the array).
    neutral : str, optional
        The C expression of the neutral element; required when `exclusive`.
    exclusive : bool
        Make the exclusive scan's final update.
    name_prefix : str
        The kernels' name prefix.
    preamble : str
        C source placed before the kernels.

    Returns
    -------
    str

    Examples
    --------
    >>> from PyGPU.scan import scan_source
    >>> src = scan_source("int", "a+b", name_prefix="cumsum")
    >>> "#define scan_type int" in src, "void cumsum_final_update(scan_type *output" in src
    (True, True)
    """
    if exclusive and neutral is None:
        raise ValueError("neutral element is required for exclusive scan")
    return template("scan.cu").substitute(scan_wg_size=SCAN_WG_SIZE, scan_seq=SCAN_SEQ,
                                          update_wg_size=UPDATE_WG_SIZE, scan_type=scan_type, scan_expr=scan_expr,
                                          neutral="" if neutral is None else neutral, exclusive=int(exclusive),
                                          name_prefix=name_prefix, preamble=preamble)


def _split(n: int, max_groups: int) -> tuple[int, int]:
    """(interval size, intervals) for `n` elements: whole units, at most `max_groups` intervals."""
    units = (n + UNIT_SIZE - 1) // UNIT_SIZE
    per_interval = (units + max_groups - 1) // max_groups
    interval_size = per_interval * UNIT_SIZE
    return interval_size, (n + interval_size - 1) // interval_size


class _ScanKernelBase:
    """What the two scan kernels share: PyCUDA's constructor and call."""

    exclusive = False

    def __init__(self, dtype: Any, scan_expr: str, neutral: Any = None, name_prefix: str = "scan",
                 options: Sequence[str] | None = None, preamble: str = "", devices: Any = None) -> None:
        if self.exclusive and neutral is None:
            raise ValueError("neutral element is required for exclusive scan")
        self.dtype: np.dtype[Any] = check_dtype(dtype)  # the arrays are GPUArrays of this dtype
        self.neutral = neutral
        self.scan_wg_size, self.update_wg_size = SCAN_WG_SIZE, UPDATE_WG_SIZE
        self.source = scan_source(dtype_to_ctype(self.dtype), scan_expr, None if neutral is None else str(neutral),
                                  self.exclusive, name_prefix, preamble)
        from .compiler import SourceModule

        module = SourceModule(self.source, options=options, no_extern_c=True)
        self.scan_intervals_knl: Function = module.get_function(name_prefix + "_scan_intervals").prepare("PNNPP")
        self.final_update_knl: Function = module.get_function(name_prefix + "_final_update").prepare("PNNP")

    def __call__(self, input_ary: GPUArray, output_ary: GPUArray | str | None = None,
                 allocator: Allocator | None = None, stream: StreamLike = None) -> GPUArray:
        """Scan `input_ary` into `output_ary` (default: in place; ``"new"``: a new array); returns the output.

        Parameters
        ----------
        input_ary : GPUArray
            1-D, contiguous, of the kernel's dtype.
        output_ary : GPUArray or "new", optional
            Of the same shape and dtype (may be `input_ary`, the default).
        allocator : callable, optional
            Allocates the intervals' totals and a new output (default `input_ary`'s allocator).
        stream : PyGPU.driver.Stream, optional
            The stream to queue the kernels on.

        Returns
        -------
        GPUArray

        Raises
        ------
        TypeError
            For an array that is not a GPUArray, or not of the kernel's dtype.
        ValueError
            For shapes that differ, or an array that is not 1-D.
        RuntimeError
            For a non-contiguous array (PyCUDA's error).

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> from PyGPU.scan import InclusiveScanKernel
        >>> running_max = InclusiveScanKernel(np.float64, "fmax(a, b)")
        >>> a = gpuarray.to_gpu(np.array([1.0, 3.0, 2.0, 5.0, 4.0]))
        >>> running_max(a, "new").get(), a.get()
        (array([1., 3., 3., 5., 5.]), array([1., 3., 2., 5., 4.]))
        """
        from ._device import Context, device_attribute
        from .gpuarray import GPUArray, empty

        if not isinstance(input_ary, GPUArray):
            raise TypeError(f"input_ary must be a GPUArray, got {type(input_ary).__name__}")
        allocator = allocator or input_ary.allocator
        if output_ary is None:
            output_ary = input_ary
        elif isinstance(output_ary, str):
            if output_ary != "new":
                raise ValueError(f"output_ary must be a GPUArray, None or 'new', got {output_ary!r}")
            output_ary = empty(input_ary.shape, self.dtype, allocator=allocator)
        elif not isinstance(output_ary, GPUArray):
            raise TypeError(f"output_ary must be a GPUArray, got {type(output_ary).__name__}")
        if input_ary.shape != output_ary.shape:
            raise ValueError(f"input and output must have the same shape ({input_ary.shape} != {output_ary.shape})")
        for name, ary in (("input_ary", input_ary), ("output_ary", output_ary)):
            if ary.dtype != self.dtype:
                raise TypeError(f"{name} holds {ary.dtype}, but this scan kernel is for {self.dtype}")
            if not ary.flags.forc:
                raise RuntimeError("ScanKernel cannot deal with non-contiguous arrays")
        if input_ary.ndim != 1:
            raise ValueError(f"ScanKernel scans 1-D arrays, got shape {input_ary.shape}")
        (n,) = input_ary.shape
        if not n:
            return output_ary
        max_groups = 3 * Context.get_device().get_attribute(device_attribute.MULTIPROCESSOR_COUNT)
        interval_size, groups = _split(n, max_groups)
        totals = empty((groups,), self.dtype, allocator=allocator)
        unused = empty((1,), self.dtype, allocator=allocator)
        scan, update = self.scan_intervals_knl, self.final_update_knl
        scan.prepared_async_call((groups, 1), (self.scan_wg_size, 1, 1), stream, input_ary.ptr, n, interval_size,
                                 output_ary.ptr, totals.ptr)
        scan.prepared_async_call((1, 1), (self.scan_wg_size, 1, 1), stream, totals.ptr, groups, groups, totals.ptr,
                                 unused.ptr)
        update.prepared_async_call((groups, 1), (self.update_wg_size, 1, 1), stream, output_ary.ptr, n, interval_size,
                                   totals.ptr)
        return output_ary  # freeing totals waits for the kernels that use them (cudaFree synchronises)


@public("PyGPU.scan")
class InclusiveScanKernel(_ScanKernelBase):
    """``out[i] = in[0] op in[1] op ... op in[i]``, as ``pycuda.scan.InclusiveScanKernel``.

    Parameters
    ----------
    dtype : numpy dtype
        The elements' dtype, one of ``PyGPU.dtypes`` with a C type (not float16 yet); complex
        dtypes are ``pycuda::complex<float>``/``<double>`` in `scan_expr`.
    scan_expr : str
        An associative C expression of ``a`` and ``b`` (``"a+b"``, ``"max(a, b)"``).
    neutral : str, optional
        Not needed by the inclusive scan.
    name_prefix : str
        The kernels' name prefix.
    options : list of str, optional
        Compiler options (:class:`PyGPU.compiler.SourceModule`).
    preamble : str
        C source placed before the kernels.
    devices : optional
        Accepted for PyCUDA's signature (the current device is used).

    Raises
    ------
    TypeError
        For a dtype GPUArray does not hold.
    PyGPU.CompileError
        When the source does not compile.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.scan import InclusiveScanKernel
    >>> cumprod = InclusiveScanKernel(np.int64, "a*b")
    >>> cumprod(gpuarray.to_gpu(np.arange(1, 6, dtype=np.int64))).get()
    array([  1,   2,   6,  24, 120])
    """


@public("PyGPU.scan")
class ExclusiveScanKernel(_ScanKernelBase):
    """``out[0] = neutral``, ``out[i] = in[0] op ... op in[i-1]``, as ``pycuda.scan.ExclusiveScanKernel``.

    Parameters
    ----------
    dtype : numpy dtype
        The elements' dtype, one of ``PyGPU.dtypes`` with a C type (not float16 yet); complex
        dtypes are ``pycuda::complex<float>``/``<double>`` in `scan_expr`.
    scan_expr : str
        An associative C expression of ``a`` and ``b``.
    neutral : str
        The C expression of the neutral element of `scan_expr` (``"0"`` for a sum).
    name_prefix, options, preamble, devices
        As :class:`InclusiveScanKernel`.

    Raises
    ------
    ValueError
        When `neutral` is None.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.scan import ExclusiveScanKernel
    >>> offsets = ExclusiveScanKernel(np.uint32, "a+b", "0")
    >>> offsets(gpuarray.to_gpu(np.array([3, 0, 2, 4], np.uint32))).get()
    array([0, 3, 3, 5], dtype=uint32)
    """

    exclusive = True
