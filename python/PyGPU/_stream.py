"""Streams: PyGPU.driver.Stream and the stream argument every stream-ordered call takes."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Union

from . import _core as _g
from ._errors import check, ready
from ._public import public

if TYPE_CHECKING:
    from typing import SupportsIndex

    from typing_extensions import TypeAlias

    from ._event import Event

    #: What a stream argument may be: None is the legacy default stream.
    StreamLike: TypeAlias = Union["Stream", _g.cudaStream_t, SupportsIndex, None]
    #: What the low-level API takes as a stream.
    StreamHandle: TypeAlias = Union[_g.cudaStream_t, int, None]


@public("PyGPU.driver")
class Stream:
    """A stream: work queued on it runs in order, asynchronously to the host.

    Parameters
    ----------
    flags : int, default 0
        0, or ``PyGPU.cudaStreamNonBlocking`` (PyCUDA's ``NON_BLOCKING``, 1).

    Raises
    ------
    CudaError
        When the stream cannot be created (e.g. invalid flags).

    Notes
    -----
    ``_stream`` is the wrapped ``cudaStream_t``; pass it (or the Stream, to
    functions of this module) to the low-level API. ``int(stream)`` and
    ``handle`` are the raw handle.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> s = cuda.Stream()
    >>> s.synchronize()
    >>> s.is_done()
    True
    """

    def __init__(self, flags: int = 0) -> None:
        self._stream = _g.cudaStream_t(flags)

    @property
    def handle(self) -> int:
        """The raw stream handle (also ``handle_int`` and ``int(stream)``).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> s = cuda.Stream()
        >>> s.handle == s.handle_int == int(s) != 0
        True
        """
        return int(self._stream)

    handle_int = handle

    def synchronize(self) -> None:
        """Wait until all work queued on the stream is done.

        Raises
        ------
        CudaError
            When queued work failed.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> s, src, out = cuda.Stream(), np.array([1, 2, 3], np.int32), cuda.pagelocked_zeros(3, np.int32)
        >>> dev = cuda.mem_alloc(out.nbytes)
        >>> cuda.memcpy_htod_async(dev, src, s)
        >>> cuda.memcpy_dtoh_async(out, dev, s)
        >>> s.synchronize()
        >>> out.tolist()
        [1, 2, 3]
        >>> dev.free()
        """
        check(self._stream.synchronize())

    def is_done(self) -> bool:
        """Whether all work queued on the stream is done.

        Returns
        -------
        bool
            False while work is pending (``cudaErrorNotReady``).

        Raises
        ------
        CudaError
            When queued work failed.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> s = cuda.Stream()
        >>> s.is_done()  # nothing queued
        True
        """
        return ready(self._stream.query())

    def wait_for_event(self, event: Event | _g.cudaEvent_t) -> None:
        """Make later work on this stream wait for the event's last record.

        Parameters
        ----------
        event : Event or cudaEvent_t
            Recorded (or never recorded: then there is nothing to wait for).

        Raises
        ------
        TypeError
            When `event` is not an event.
        CudaError
            When the event or the stream is invalid.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> producer, consumer = cuda.Stream(), cuda.Stream()
        >>> src, out = np.array([7, 8], np.int32), cuda.pagelocked_zeros(2, np.int32)
        >>> dev = cuda.mem_alloc(out.nbytes)
        >>> cuda.memcpy_htod_async(dev, src, producer)
        >>> consumer.wait_for_event(cuda.Event().record(producer))
        >>> cuda.memcpy_dtoh_async(out, dev, consumer)  # runs after the upload
        >>> consumer.synchronize()
        >>> out.tolist()
        [7, 8]
        >>> dev.free()
        """
        from ._event import event_handle  # _event imports this module

        check(_g.cudaStreamWaitEvent(self._stream, event_handle(event)))

    def __int__(self) -> int:
        return int(self._stream)

    def __repr__(self) -> str:
        return f"<PyGPU.driver.Stream handle={int(self._stream):#x}>"



def stream_handle(stream: StreamLike) -> StreamHandle:
    """What the low-level API takes as a stream, from None (the legacy default), a Stream, a cudaStream_t or an int."""
    if stream is None or isinstance(stream, _g.cudaStream_t):
        return stream
    if isinstance(stream, Stream):
        return stream._stream
    try:
        return operator.index(stream)
    except TypeError:
        raise TypeError("expected a stream (PyGPU.driver.Stream, cudaStream_t, an int handle or None), "
                        f"got {type(stream).__name__}") from None
