"""Device memsets: PyGPU.driver.memset_d8/d16/d32 and their _async forms, over one pattern fill.

The runtime sets bytes (``cudaMemset``). A 16- or 32-bit value whose bytes are all equal is such a byte
fill; any other pattern is written by copies on the same stream: the first elements from a host buffer
(staged by the runtime when the call is made, so the buffer may go at once), then each copy doubles the
filled part device to device. Everything is queued in order, so the fill is ordered like one memset.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, Callable, Protocol

import numpy as np

from . import _core as _g
from ._errors import check
from ._memory import count, device_pointer, offset_pointer
from ._public import public
from ._stream import stream_handle

if TYPE_CHECKING:
    from typing import SupportsIndex

    from ._memory import DeviceMemory
    from ._stream import StreamLike


class Memset(Protocol):
    """The signature of ``memset_d8``, ``memset_d16`` and ``memset_d32``."""

    def __call__(self, dest: DeviceMemory, data: SupportsIndex, size: SupportsIndex) -> None: ...


class MemsetAsync(Protocol):
    """The signature of the ``_async`` forms."""

    def __call__(self, dest: DeviceMemory, data: SupportsIndex, size: SupportsIndex,
                 stream: StreamLike = None) -> None: ...

#: Elements written from the host before the device-to-device doubling starts.
SEED_ELEMENTS = 4096

_DTYPES: dict[int, np.dtype[Any]] = {1: np.dtype(np.uint8), 2: np.dtype(np.uint16), 4: np.dtype(np.uint32)}


def fill(dest: DeviceMemory, data: SupportsIndex, size: SupportsIndex, itemsize: int, stream: StreamLike,
         asynchronous: bool) -> None:
    """Set `size` elements of `itemsize` bytes at `dest` to the unsigned value `data`."""
    try:
        value = operator.index(data)
    except TypeError:
        raise TypeError(f"data must be an int, got {type(data).__name__}") from None
    bits = 8 * itemsize
    if not 0 <= value < 1 << bits:
        raise OverflowError(f"data must be an unsigned {bits}-bit value (0 .. {(1 << bits) - 1}), got {value}")
    n = count(size, "size")
    ptr = device_pointer(dest)
    handle = stream_handle(stream) if asynchronous else None
    pattern = value.to_bytes(itemsize, "little")
    if pattern == pattern[:1] * itemsize:  # one repeated byte: the runtime's memset
        if asynchronous:
            check(_g.cudaMemsetAsync(ptr, pattern[0], n * itemsize, handle))
        else:
            check(_g.cudaMemset(ptr, pattern[0], n * itemsize))
        return
    nbytes = n * itemsize
    # A byte fill of the whole range first: a range past the end of the allocation fails here, before
    # anything is written, as one memset would.
    if asynchronous:
        check(_g.cudaMemsetAsync(ptr, 0, nbytes, handle))
    else:
        check(_g.cudaMemset(ptr, 0, nbytes))
    seed = np.full(min(n, SEED_ELEMENTS), value, dtype=_DTYPES[itemsize])
    if asynchronous:
        check(_g.cudaMemcpyAsync(ptr, seed, seed.nbytes, _g.cudaMemcpyHostToDevice, handle))
    else:
        check(_g.cudaMemcpy(ptr, seed, seed.nbytes, _g.cudaMemcpyHostToDevice))
    done = seed.nbytes
    while done < nbytes:
        step = min(done, nbytes - done)
        target = offset_pointer(ptr, done)
        if asynchronous:
            check(_g.cudaMemcpyAsync(target, ptr, step, _g.cudaMemcpyDeviceToDevice, handle))
        else:
            check(_g.cudaMemcpy(target, ptr, step, _g.cudaMemcpyDeviceToDevice))
        done += step


#: The memsets, one row each: element size in bytes, and a value and its repr for the Examples.
TABLE: dict[str, tuple[int, int, str]] = {
    "d8": (1, 0xA5, "0xa5"),
    "d16": (2, 0x1234, "0x1234"),
    "d32": (4, 0xDEADBEEF, "0xdeadbeef"),
}

_SYNC_DOC = """Set `size` {bits}-bit elements at `dest` to `data` ({size_note}).

    Parameters
    ----------
    dest : DeviceAllocation, pointer object, int address or device array
    data : int
        An unsigned {bits}-bit value, 0 .. {top}{float_note}.
    size : int
        The number of {bits}-bit elements.

    Raises
    ------
    TypeError
        When `dest` is host memory or `data`/`size` is not an int.
    OverflowError
        When `data` does not fit {bits} unsigned bits.
    ValueError
        When `size` is negative.
    CudaError
        ``cudaErrorInvalidValue`` when the range runs past the end of the allocation (nothing is written) or
        it was freed.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> d = cuda.mem_alloc({example_bytes})
    >>> cuda.memset_{name}(d, {value}, 3)
    >>> out = np.empty(3, np.uint{bits}); cuda.memcpy_dtoh(out, d); [hex(v) for v in out]
    ['{value}', '{value}', '{value}']
    """

_ASYNC_DOC = """Queue :func:`memset_{name}` on `stream` (None: the legacy default stream).

    Parameters
    ----------
    dest, data, size
        As :func:`memset_{name}`.
    stream : Stream, cudaStream_t, int or None, default None

    Raises
    ------
    TypeError, OverflowError, ValueError, CudaError
        As :func:`memset_{name}`; CudaError ``cudaErrorInvalidResourceHandle`` for a destroyed stream.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> d, s = cuda.mem_alloc({example_bytes}), cuda.Stream()
    >>> cuda.memset_{name}_async(d, {value}, 3, s)
    >>> s.synchronize()
    >>> [hex(v) for v in cuda.from_device(d, 3, np.uint{bits})]
    ['{value}', '{value}', '{value}']
    """


def _make(name: str, itemsize: int, value: int, shown: str) -> tuple[Memset, MemsetAsync]:
    """The synchronous and the stream-ordered memset of one row of :data:`TABLE`."""

    def memset(dest: DeviceMemory, data: SupportsIndex, size: SupportsIndex) -> None:
        fill(dest, data, size, itemsize, None, asynchronous=False)

    def memset_async(dest: DeviceMemory, data: SupportsIndex, size: SupportsIndex,
                     stream: StreamLike = None) -> None:
        fill(dest, data, size, itemsize, stream, asynchronous=True)

    bits = 8 * itemsize
    fields = {"name": name, "bits": bits, "top": (1 << bits) - 1, "value": shown, "example_bytes": 3 * itemsize,
              "size_note": "``size`` bytes" if itemsize == 1 else f"``{itemsize} * size`` bytes",
              "float_note": "; a float's bits: ``int(np.float32(x).view(np.uint32))``" if bits == 32 else ""}
    functions: list[Callable[..., None]] = [memset, memset_async]
    for function, suffix, doc in zip(functions, ("", "_async"), (_SYNC_DOC, _ASYNC_DOC)):
        function.__name__ = function.__qualname__ = f"memset_{name}{suffix}"
        function.__doc__ = doc.format(**fields)
        public("PyGPU.driver")(function)
    return memset, memset_async


memset_d8, memset_d8_async = _make("d8", *TABLE["d8"])
memset_d16, memset_d16_async = _make("d16", *TABLE["d16"])
memset_d32, memset_d32_async = _make("d32", *TABLE["d32"])
