"""Kernel argument wrappers: PyGPU.driver.ArgumentHandler, In, Out and InOut."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _core as _g
from ._errors import check
from ._memory import DeviceAllocation, mem_alloc_like, memcpy_dtoh, memcpy_dtoh_async, memcpy_htod, memcpy_htod_async
from ._public import public
from ._stream import stream_handle

if TYPE_CHECKING:
    import numpy.typing as npt

    from ._stream import StreamLike


@public("PyGPU.driver")
class ArgumentHandler:
    """Base of :class:`In`, :class:`Out` and :class:`InOut`: a host array that a kernel call passes as
    device memory, allocated on first use.

    Parameters
    ----------
    ary : numpy.ndarray
        The host array (kept as ``array``); ``dev_alloc`` is its device memory once allocated.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> arg = cuda.Out(np.zeros(4))
    >>> int(arg.get_device_alloc()) != 0
    True
    """

    def __init__(self, ary: npt.NDArray[Any]) -> None:
        self.array = ary
        self.dev_alloc: DeviceAllocation | None = None

    def get_device_alloc(self) -> DeviceAllocation:
        """The device memory for the array, of ``array.nbytes`` bytes: allocated on the first call, the same after.

        Raises
        ------
        TypeError
            When ``array`` has no ``nbytes``.
        CudaError
            When the device is full.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> arg = cuda.Out(np.zeros(4))
        >>> arg.get_device_alloc() is arg.get_device_alloc()
        True
        """
        if self.dev_alloc is None:
            try:
                self.dev_alloc = mem_alloc_like(self.array)
            except AttributeError:
                raise TypeError(f"could not determine array length of '{type(self.array)}': "
                                "unsupported array type or not an array") from None
        return self.dev_alloc

    def pre_call(self, stream: StreamLike) -> None:
        """Before the kernel: nothing for an output-only argument.

        Parameters
        ----------
        stream : Stream, cudaStream_t, int or None
            The stream the kernel runs on (None: synchronous copies).

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> cuda.Out(np.zeros(2)).pre_call(None)
        """



@public("PyGPU.driver")
class In(ArgumentHandler):
    """An input argument: copied to the device before the call.

    Parameters
    ----------
    ary : numpy.ndarray
        The host array to send.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> arg = cuda.In(np.ones(8))
    >>> arg.pre_call(None)
    """

    def pre_call(self, stream: StreamLike) -> None:
        """Copy the array to the device: synchronously when `stream` is None, else queued on it.

        Parameters
        ----------
        stream : Stream, cudaStream_t, int or None

        Raises
        ------
        CudaError
            When the allocation or the copy fails.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> cuda.In(np.array([1.5, 2.5])).pre_call(cuda.Stream())
        """
        if stream is None:
            memcpy_htod(self.get_device_alloc(), self.array)
        else:
            memcpy_htod_async(self.get_device_alloc(), self.array, stream)



@public("PyGPU.driver")
class Out(ArgumentHandler):
    """An output argument: copied back to the host array after the call.

    Parameters
    ----------
    ary : numpy.ndarray
        The host array to fill.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> arg = cuda.Out(np.zeros(3))
    >>> cuda.memcpy_htod(arg.get_device_alloc(), np.array([1.0, 2.0, 3.0]))  # what a kernel would write
    >>> arg.post_call(None)
    >>> arg.array.tolist()
    [1.0, 2.0, 3.0]
    """

    def post_call(self, stream: StreamLike) -> None:
        """Copy the device memory back into the array; with a stream the copy is queued on it and waited for, so
        the array is ready on return.

        Parameters
        ----------
        stream : Stream, cudaStream_t, int or None

        Raises
        ------
        CudaError
            When the copy fails.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> cuda.Out(np.zeros(2, np.int32)).post_call(cuda.Stream())
        """
        if stream is None:
            memcpy_dtoh(self.array, self.get_device_alloc())
        else:
            memcpy_dtoh_async(self.array, self.get_device_alloc(), stream)
            check(_g.cudaStreamSynchronize(stream_handle(stream)))



@public("PyGPU.driver")
class InOut(In, Out):
    """An argument copied to the device before the call and back after it.

    Parameters
    ----------
    ary : numpy.ndarray
        The host array to send and then fill.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> arg = cuda.InOut(np.ones(4))
    >>> arg.pre_call(None)
    >>> arg.post_call(None)
    """
