"""Events: PyGPU.driver.Event and event_flags."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from . import _core as _g
from ._errors import check, ready
from ._public import public
from ._stream import stream_handle

if TYPE_CHECKING:
    from ._stream import StreamLike


@public("PyGPU.driver")
class event_flags(enum.IntFlag):
    """Flags for :class:`Event` (the runtime's ``cudaEvent*`` values).

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> e = cuda.Event(cuda.event_flags.DISABLE_TIMING | cuda.event_flags.BLOCKING_SYNC)
    """

    DEFAULT = _g.cudaEventDefault
    BLOCKING_SYNC = _g.cudaEventBlockingSync
    DISABLE_TIMING = _g.cudaEventDisableTiming
    INTERPROCESS = _g.cudaEventInterprocess



def event_handle(event: Event | _g.cudaEvent_t) -> _g.cudaEvent_t:
    """The cudaEvent_t of an Event or cudaEvent_t; TypeError for anything else."""
    if isinstance(event, Event):
        return event._event
    if isinstance(event, _g.cudaEvent_t):
        return event
    raise TypeError(f"expected an Event, got {type(event).__name__}")



@public("PyGPU.driver")
class Event:
    """An event: a marker recorded in stream order, for waiting and timing.

    Parameters
    ----------
    flags : int, default 0
        A combination of :class:`event_flags`.

    Raises
    ------
    CudaError
        When the event cannot be created (e.g. unknown flags).

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> start = cuda.Event().record()
    >>> end = cuda.Event().record().synchronize()
    >>> start.time_till(end) >= 0
    True
    """

    def __init__(self, flags: int = 0) -> None:
        self._event = _g.cudaEvent_t(flags)

    @property
    def handle(self) -> int:
        """The raw event handle (also ``int(event)``)."""
        return int(self._event)

    def record(self, stream: StreamLike = None) -> Event:
        """Record the event in `stream`; returns self.

        Parameters
        ----------
        stream : Stream, cudaStream_t, int or None, default None
            None is the legacy default stream.

        Returns
        -------
        Event
            This event, so that calls chain.

        Raises
        ------
        CudaError
            When the stream or the event is invalid.
        TypeError
            When `stream` is not a stream.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> e = cuda.Event().record(cuda.Stream())
        """
        check(_g.cudaEventRecord(self._event, stream_handle(stream)))
        return self

    def synchronize(self) -> Event:
        """Wait until the last record has happened; returns self (CudaError when work before it failed).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> e = cuda.Event().record().synchronize()
        """
        check(self._event.synchronize())
        return self

    def query(self) -> bool:
        """Whether the last record has happened (True if never recorded; CudaError when work before it failed).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Event().query()
        True
        """
        return ready(self._event.query())

    def time_till(self, other: Event | _g.cudaEvent_t) -> float:
        """Milliseconds from this event to `other` (negative when `other` came first).

        Parameters
        ----------
        other : Event or cudaEvent_t
            The later event.

        Returns
        -------
        float

        Raises
        ------
        CudaError
            ``cudaErrorNotReady`` when a record is pending, ``cudaErrorInvalidResourceHandle`` when one was
            never recorded or was created with ``DISABLE_TIMING``.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> a, b = cuda.Event().record(), cuda.Event().record().synchronize()
        >>> a.time_till(b) >= 0
        True
        """
        ms, err = _g.cudaEventElapsedTime(self._event, event_handle(other))
        check(err)
        assert ms is not None
        return ms

    def time_since(self, other: Event | _g.cudaEvent_t) -> float:
        """Milliseconds from `other` to this event: ``other.time_till(self)``.

        Parameters
        ----------
        other : Event or cudaEvent_t
            The earlier event.

        Returns
        -------
        float

        Raises
        ------
        CudaError
            As :meth:`time_till`.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> a, b = cuda.Event().record(), cuda.Event().record().synchronize()
        >>> b.time_since(a) >= 0
        True
        """
        ms, err = _g.cudaEventElapsedTime(event_handle(other), self._event)
        check(err)
        assert ms is not None
        return ms

    def __int__(self) -> int:
        return int(self._event)

    def __repr__(self) -> str:
        return f"<PyGPU.driver.Event handle={int(self._event):#x}>"
