"""Device memsets: PyGPU.driver.memset_d8/d16/d32 and their _async forms, over one pattern fill.

The runtime sets bytes (``cudaMemset``). A 16- or 32-bit value whose bytes are all equal is such a byte
fill; any other pattern is written by copies on the same stream: the first elements from a host buffer
(staged by the runtime when the call is made, so the buffer may go at once), then each copy doubles the
filled part device to device. Everything is queued in order, so the fill is ordered like one memset.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core as _g
from ._errors import check
from ._memory import device_pointer, offset_pointer
from ._public import public
from ._stream import stream_handle

if TYPE_CHECKING:
    from typing import SupportsIndex

    from ._memory import DeviceMemory
    from ._stream import StreamLike

#: Elements written from the host before the device-to-device doubling starts.
SEED_ELEMENTS = 4096

_DTYPES: dict[int, np.dtype[Any]] = {1: np.dtype(np.uint8), 2: np.dtype(np.uint16), 4: np.dtype(np.uint32)}


def fill(dest: DeviceMemory, data: SupportsIndex, count: SupportsIndex, itemsize: int, stream: StreamLike,
         asynchronous: bool) -> None:
    """Set `count` elements of `itemsize` bytes at `dest` to the unsigned value `data`."""
    try:
        value, n = operator.index(data), operator.index(count)
    except TypeError:
        raise TypeError(f"data and size must be ints, got {type(data).__name__} and {type(count).__name__}") \
            from None
    bits = 8 * itemsize
    if not 0 <= value < 1 << bits:
        raise OverflowError(f"data must be an unsigned {bits}-bit value (0 .. {(1 << bits) - 1}), got {value}")
    if n < 0:
        raise ValueError(f"size must be >= 0, got {n}")
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


@public("PyGPU.driver")
def memset_d8(dest: DeviceMemory, data: SupportsIndex, size: SupportsIndex) -> None:
    """Set `size` bytes at `dest` to `data`.

    Parameters
    ----------
    dest : DeviceAllocation, pointer object, int address or device array
    data : int
        0 .. 255.
    size : int
        The number of bytes.

    Raises
    ------
    TypeError
        When `dest` is host memory or `data`/`size` is not an int.
    OverflowError
        When `data` does not fit 8 unsigned bits.
    ValueError
        When `size` is negative.
    CudaError
        ``cudaErrorInvalidValue`` when the range runs past the end of the allocation or it was freed.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> d = cuda.mem_alloc(4)
    >>> cuda.memset_d8(d, 7, 4)
    >>> out = np.empty(4, np.uint8); cuda.memcpy_dtoh(out, d); out.tolist()
    [7, 7, 7, 7]
    """
    fill(dest, data, size, 1, None, asynchronous=False)


@public("PyGPU.driver")
def memset_d16(dest: DeviceMemory, data: SupportsIndex, size: SupportsIndex) -> None:
    """Set `size` 16-bit elements at `dest` to `data`.

    Parameters
    ----------
    dest : DeviceAllocation, pointer object, int address or device array
    data : int
        0 .. 65535.
    size : int
        The number of 16-bit elements (``2 * size`` bytes).

    Raises
    ------
    TypeError, OverflowError, ValueError, CudaError
        As :func:`memset_d8`.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> d = cuda.mem_alloc(8)
    >>> cuda.memset_d16(d, 0x1234, 4)
    >>> out = np.empty(4, np.uint16); cuda.memcpy_dtoh(out, d); [hex(v) for v in out]
    ['0x1234', '0x1234', '0x1234', '0x1234']
    """
    fill(dest, data, size, 2, None, asynchronous=False)


@public("PyGPU.driver")
def memset_d32(dest: DeviceMemory, data: SupportsIndex, size: SupportsIndex) -> None:
    """Set `size` 32-bit elements at `dest` to `data` (a float's bits: ``np.float32(x).view(np.uint32)``).

    Parameters
    ----------
    dest : DeviceAllocation, pointer object, int address or device array
    data : int
        0 .. 2**32 - 1.
    size : int
        The number of 32-bit elements (``4 * size`` bytes).

    Raises
    ------
    TypeError, OverflowError, ValueError, CudaError
        As :func:`memset_d8`.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> d = cuda.mem_alloc(12)
    >>> cuda.memset_d32(d, int(np.float32(1.5).view(np.uint32)), 3)
    >>> out = np.empty(3, np.float32); cuda.memcpy_dtoh(out, d); out.tolist()
    [1.5, 1.5, 1.5]
    """
    fill(dest, data, size, 4, None, asynchronous=False)


@public("PyGPU.driver")
def memset_d8_async(dest: DeviceMemory, data: SupportsIndex, size: SupportsIndex, stream: StreamLike = None) -> None:
    """Queue :func:`memset_d8` on `stream` (None: the legacy default stream).

    Parameters
    ----------
    dest, data, size
        As :func:`memset_d8`.
    stream : Stream, cudaStream_t, int or None, default None

    Raises
    ------
    TypeError, OverflowError, ValueError, CudaError
        As :func:`memset_d8`; ``cudaErrorInvalidResourceHandle`` for a destroyed stream.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> s = cuda.Stream()
    >>> cuda.memset_d8_async(cuda.mem_alloc(16), 0, 16, s)
    >>> s.synchronize()
    """
    fill(dest, data, size, 1, stream, asynchronous=True)


@public("PyGPU.driver")
def memset_d16_async(dest: DeviceMemory, data: SupportsIndex, size: SupportsIndex,
                     stream: StreamLike = None) -> None:
    """Queue :func:`memset_d16` on `stream` (None: the legacy default stream).

    Parameters
    ----------
    dest, data, size
        As :func:`memset_d16`.
    stream : Stream, cudaStream_t, int or None, default None

    Raises
    ------
    TypeError, OverflowError, ValueError, CudaError
        As :func:`memset_d8_async`.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> s = cuda.Stream()
    >>> cuda.memset_d16_async(cuda.mem_alloc(16), 0xABCD, 8, s)
    >>> s.synchronize()
    """
    fill(dest, data, size, 2, stream, asynchronous=True)


@public("PyGPU.driver")
def memset_d32_async(dest: DeviceMemory, data: SupportsIndex, size: SupportsIndex,
                     stream: StreamLike = None) -> None:
    """Queue :func:`memset_d32` on `stream` (None: the legacy default stream).

    Parameters
    ----------
    dest, data, size
        As :func:`memset_d32`.
    stream : Stream, cudaStream_t, int or None, default None

    Raises
    ------
    TypeError, OverflowError, ValueError, CudaError
        As :func:`memset_d8_async`.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> s = cuda.Stream()
    >>> cuda.memset_d32_async(cuda.mem_alloc(16), 0xDEADBEEF, 4, s)
    >>> s.synchronize()
    """
    fill(dest, data, size, 4, stream, asynchronous=True)
