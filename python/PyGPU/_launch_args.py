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
    """Base of :class:`In`, :class:`Out` and :class:`InOut`: a host array that a
    kernel call passes as device memory allocated on demand.

    Parameters
    ----------
    ary : numpy.ndarray
        The host array (kept as ``array``); ``dev_alloc`` is its device
        memory once allocated.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> h = cuda.In(np.arange(4, dtype=np.float32))
    >>> h.pre_call(None)
    >>> int(h.get_device_alloc()) != 0
    True
    """

    def __init__(self, ary: npt.NDArray[Any]) -> None:
        self.array = ary
        self.dev_alloc: DeviceAllocation | None = None

    def get_device_alloc(self) -> DeviceAllocation:
        """The device memory for the array (allocated on first use).

        Returns
        -------
        DeviceAllocation
            Of ``array.nbytes`` bytes; the same one on every call.

        Raises
        ------
        TypeError
            When ``array`` has no ``nbytes`` (not an array).
        CudaError
            When the device is full.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> arg = cuda.Out(np.zeros(4, np.float64))
        >>> arg.get_device_alloc() is arg.get_device_alloc()
        True
        >>> arg.dev_alloc.free()
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
        >>> arg = cuda.Out(np.zeros(2))
        >>> arg.pre_call(None)
        >>> arg.dev_alloc is None  # nothing allocated, nothing copied
        True
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
    >>> back = np.zeros(8)
    >>> cuda.memcpy_dtoh(back, arg.get_device_alloc())
    >>> float(back.sum())
    8.0
    >>> arg.dev_alloc.free()
    """

    def pre_call(self, stream: StreamLike) -> None:
        """Copy the array to the device (in stream order when `stream` is given).

        Parameters
        ----------
        stream : Stream, cudaStream_t, int or None
            None copies synchronously; otherwise the copy is queued on it.

        Raises
        ------
        CudaError
            When the allocation or the copy fails.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> arg = cuda.In(np.array([1.5, 2.5]))
        >>> arg.pre_call(None)
        >>> out = np.zeros(2)
        >>> cuda.memcpy_dtoh(out, arg.get_device_alloc())
        >>> out.tolist()
        [1.5, 2.5]
        >>> arg.dev_alloc.free()
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
    >>> arg.pre_call(None)  # nothing to send
    >>> cuda.memcpy_htod(arg.get_device_alloc(), np.array([1.0, 2.0, 3.0]))  # the kernel's output
    >>> arg.post_call(None)
    >>> arg.array.tolist()
    [1.0, 2.0, 3.0]
    >>> arg.dev_alloc.free()
    """

    def post_call(self, stream: StreamLike) -> None:
        """Copy the device memory back into the array; with a stream the copy
        is queued on it and waited for, so the array is ready on return.

        Parameters
        ----------
        stream : Stream, cudaStream_t, int or None
            None copies synchronously; otherwise the copy is queued on it
            and the stream synchronised.

        Raises
        ------
        CudaError
            When the copy fails.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> arg = cuda.Out(np.zeros(2, np.int32))
        >>> cuda.memcpy_htod(arg.get_device_alloc(), np.array([3, 4], np.int32))  # what a kernel would write
        >>> arg.post_call(cuda.Stream())
        >>> arg.array.tolist()
        [3, 4]
        >>> arg.dev_alloc.free()
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
    >>> host = np.ones(4)
    >>> arg = cuda.InOut(host)
    >>> arg.pre_call(None)
    >>> host[:] = 0  # the device copy keeps the ones
    >>> arg.post_call(None)
    >>> host.tolist()
    [1.0, 1.0, 1.0, 1.0]
    >>> arg.dev_alloc.free()
    """
