"""Gate: hold a stream's queued work until the test lets it run."""

from __future__ import annotations

import threading

import PyGPU as g


class Gate:
    """Holds a stream: queued work behind the gate waits until ``open()``.

    A host function that blocks on a threading.Event is queued on the stream;
    the stream's worker runs it (releasing the GIL while it waits), so every
    later item on that stream stays pending until the gate opens.
    """

    def __init__(self, stream=None, timeout: float = 20.0) -> None:
        self.event = threading.Event()
        self.reached = threading.Event()

        def hold(_):
            self.reached.set()
            self.event.wait(timeout)

        err = g.cudaLaunchHostFunc(stream, hold, None)
        assert err == g.cudaSuccess, err

    def open(self) -> None:
        self.event.set()

    def __enter__(self) -> Gate:
        return self

    def __exit__(self, *exc) -> None:
        self.open()
