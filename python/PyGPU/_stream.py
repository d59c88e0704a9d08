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

    ``_stream`` is the wrapped ``cudaStream_t``: pass it (or the Stream, to PyGPU.driver's functions) to the
    low-level API.

    Parameters
    ----------
    flags : int, default 0
        0, or ``PyGPU.cudaStreamNonBlocking`` (PyCUDA's ``NON_BLOCKING``, 1).

    Raises
    ------
    CudaError
        When the stream cannot be created (e.g. invalid flags).

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> s = cuda.Stream()
    >>> s.synchronize()
    """

    def __init__(self, flags: int = 0) -> None:
        self._stream = _g.cudaStream_t(flags)

    @property
    def handle(self) -> int:
        """The raw stream handle (also ``handle_int`` and ``int(stream)``)."""
        return int(self._stream)

    handle_int = handle

    def synchronize(self) -> None:
        """Wait until all work queued on the stream is done (CudaError when it failed).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Stream().synchronize()
        """
        check(self._stream.synchronize())

    def is_done(self) -> bool:
        """Whether all work queued on the stream is done (CudaError when it failed).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Stream().is_done()  # nothing queued
        True
        """
        return ready(self._stream.query())

    def wait_for_event(self, event: Event | _g.cudaEvent_t) -> None:
        """Make later work on this stream wait for the event's last record (nothing to wait for if never recorded).

        Parameters
        ----------
        event : Event or cudaEvent_t

        Raises
        ------
        TypeError
            When `event` is not an event.
        CudaError
            When the event or the stream is invalid.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> producer, consumer = cuda.Stream(), cuda.Stream()
        >>> consumer.wait_for_event(cuda.Event().record(producer))
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
