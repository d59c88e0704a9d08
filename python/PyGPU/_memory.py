"""Device memory: PyGPU.driver.DeviceAllocation, mem_alloc*, and the synchronous and stream-ordered copies."""

from __future__ import annotations

import contextlib
import operator
import sys
import warnings
from typing import TYPE_CHECKING, Any, Protocol, SupportsIndex, Union, cast

import numpy as np

from . import _core as _g
from ._errors import check
from ._public import public
from ._stream import stream_handle

if TYPE_CHECKING:
    import numpy.typing as npt
    from typing_extensions import Buffer, TypeAlias

    from ._stream import StreamLike

    class HasCudaArrayInterface(Protocol):
        @property
        def __cuda_array_interface__(self) -> dict[str, object]: ...

    class HasGetPointer(Protocol):
        def get_pointer(self) -> SupportsIndex: ...

    class HasNbytes(Protocol):
        @property
        def nbytes(self) -> int: ...

    #: The forms of device memory that PyCUDA's functions accept.
    DeviceMemory: TypeAlias = Union["DeviceAllocation", _g.pointer_wrapper_void, HasCudaArrayInterface,
                                    HasGetPointer, SupportsIndex]
    #: What the low-level API takes as device memory.
    DevicePointer: TypeAlias = Union[_g.pointer_wrapper_void, HasCudaArrayInterface, int]
    #: A host buffer: numpy declares ndarray.__buffer__ only from Python 3.12 (PEP 688).
    HostBuffer: TypeAlias = Union[Buffer, npt.NDArray[Any]]

_POINTER_TYPES: tuple[type[_g.pointer_wrapper_void], ...] = tuple(
    getattr(_g, name) for name in dir(_g) if name.startswith("pointer_wrapper_"))



@public("PyGPU.driver")
class DeviceAllocation:
    """Device memory from :func:`mem_alloc`, freed when the last reference goes.

    ``int(alloc)`` is the device address. ``free()`` frees it at once; freeing
    twice raises CudaError, and the memory is never freed twice. A failure to
    free when the object is dropped becomes a RuntimeWarning.

    Parameters
    ----------
    ptr : pointer_wrapper_void
        The pointer object ``cudaMalloc`` returned; the allocation owns it.

    Notes
    -----
    Both PyCUDA and PyGPU raise on a second ``free()``: PyCUDA a LogicError
    with ``CUDA_ERROR_INVALID_HANDLE``, PyGPU a CudaError with
    ``cudaErrorInvalidValue`` (what ``cudaFree`` of a freed pointer gives).

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> d = cuda.mem_alloc(1024)
    >>> int(d) != 0
    True
    >>> d.free()
    >>> d  # doctest: +ELLIPSIS
    <PyGPU.driver.DeviceAllocation 0x..., freed>
    """

    __slots__ = ("__weakref__", "_ptr")

    def __init__(self, ptr: _g.pointer_wrapper_void) -> None:
        self._ptr = ptr

    def free(self) -> None:
        """Free the memory now (CudaError if it was already freed).

        Raises
        ------
        CudaError
            ``cudaErrorInvalidValue`` when it was already freed.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> d = cuda.mem_alloc(16)
        >>> d.free()
        >>> try:
        ...     d.free()
        ... except cuda.Error as exc:
        ...     print(exc.call, exc.name)
        cudaFree cudaErrorInvalidValue
        """
        check(_g.cudaFree(self._ptr))

    def __int__(self) -> int:
        return int(self._ptr)

    __index__ = __int__

    def __del__(self) -> None:
        ptr = getattr(self, "_ptr", None)
        if ptr is None or not ptr.alive or sys.is_finalizing():
            # At interpreter exit the process is ending: freeing would wait for
            # queued work (as cudaFree does), which may never finish.
            return
        try:
            err = _g.cudaFree(ptr)
            if int(err) != _g.cudaSuccess:
                warnings.warn(f"freeing a DeviceAllocation failed: {err.name}: {err.message or err.description}",
                              RuntimeWarning, stacklevel=2)
        except Exception as exc:  # destructors never raise
            with contextlib.suppress(Exception):
                warnings.warn(f"freeing a DeviceAllocation failed: {exc}", RuntimeWarning, stacklevel=2)

    def __repr__(self) -> str:
        state = "" if self._ptr.alive else ", freed"
        return f"<PyGPU.driver.DeviceAllocation {int(self._ptr):#x}{state}>"



def pointer_of(memory: object) -> _g.pointer_wrapper_void | None:
    """The pointer object of a DeviceAllocation (its liveness token refuses a freed one), else None."""
    return memory._ptr if isinstance(memory, DeviceAllocation) else None


def device_pointer(obj: DeviceMemory) -> DevicePointer:
    """What the low-level API takes as device memory, from the forms PyCUDA accepts; TypeError for host buffers.

    A DeviceAllocation gives its pointer object (so a freed one is refused), pointer objects and objects with
    ``__cuda_array_interface__`` pass through, ``get_pointer()`` holders and integers give an int address.
    """
    if isinstance(obj, DeviceAllocation):
        return obj._ptr
    if isinstance(obj, _POINTER_TYPES):
        return obj
    if isinstance(obj, (np.ndarray, np.generic, bytes, bytearray, memoryview)) and not isinstance(obj, np.integer):
        raise TypeError(f"expected device memory, got a host buffer ({type(obj).__name__}); "
                        "pass a DeviceAllocation, a pointer object or an int address")
    if getattr(obj, "__cuda_array_interface__", None) is not None:
        return cast("HasCudaArrayInterface", obj)
    get_pointer = getattr(obj, "get_pointer", None)
    if callable(get_pointer):
        return operator.index(get_pointer())
    try:
        return operator.index(cast("SupportsIndex", obj))
    except TypeError:
        raise TypeError("expected device memory (a DeviceAllocation, a pointer object, an int address "
                        f"or an object with __cuda_array_interface__), got {type(obj).__name__}") from None


def host_nbytes(obj: HostBuffer, what: str) -> int:
    """The byte size of host buffer `obj` (argument `what`); TypeError for device memory or a non-buffer."""
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if isinstance(obj, (DeviceAllocation, _POINTER_TYPES)):
        raise TypeError(f"{what} must be a host buffer (a numpy array, bytes, ...), got device memory "
                        f"({type(obj).__name__})")
    try:
        with memoryview(obj) as view:
            return view.nbytes
    except TypeError:
        raise TypeError(f"{what} must be a host buffer (a numpy array, bytes, ...), got {type(obj).__name__}") from None


def _size(size: SupportsIndex) -> int:
    """A byte count: an int >= 0."""
    try:
        n = operator.index(size)
    except TypeError:
        raise TypeError(f"size must be an int, got {type(size).__name__}") from None
    if n < 0:
        raise ValueError(f"size must be >= 0, got {n}")
    return n



@public("PyGPU.driver")
def mem_alloc(nbytes: SupportsIndex) -> DeviceAllocation:
    """Allocate `nbytes` of device memory on the current device.

    Parameters
    ----------
    nbytes : int
        Size in bytes (0 gives a null allocation, as ``cudaMalloc(0)`` does).

    Returns
    -------
    DeviceAllocation
        Freed when the last reference goes, or by ``free()``.

    Raises
    ------
    CudaError
        ``cudaErrorMemoryAllocation`` when the device is full.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> free_before = cuda.mem_get_info()[0]
    >>> d = cuda.mem_alloc(1 << 20)
    >>> free_before - cuda.mem_get_info()[0] >= 1 << 20
    True
    >>> d.free()
    >>> try:
    ...     cuda.mem_alloc(1 << 40)
    ... except cuda.Error as exc:
    ...     print(exc.call, exc.name)
    cudaMalloc cudaErrorMemoryAllocation
    """
    ptr, err = _g.cudaMalloc(nbytes)
    check(err)
    return DeviceAllocation(ptr)  # type: ignore[arg-type]  # not None once err is cudaSuccess (no assert: hot path)



@public("PyGPU.driver")
def mem_alloc_like(ary: HasNbytes) -> DeviceAllocation:
    """Device memory of ``ary.nbytes`` bytes.

    Parameters
    ----------
    ary : array-like with ``nbytes``
        A numpy array, a GPUArray...

    Returns
    -------
    DeviceAllocation

    Raises
    ------
    CudaError
        ``cudaErrorMemoryAllocation`` when the device is full.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> import PyGPU.sim as sim
    >>> d = cuda.mem_alloc_like(np.zeros(8))
    >>> [a["size"] for a in sim.allocations() if a["address"] == int(d)]
    [64]
    >>> d.free()
    """
    return mem_alloc(ary.nbytes)



@public("PyGPU.driver")
def mem_get_info() -> tuple[int, int]:
    """``(free, total)`` bytes of the current device.

    Returns
    -------
    tuple of (int, int)
        From ``cudaMemGetInfo``.

    Raises
    ------
    CudaError
        When the device cannot say.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> free, total = cuda.mem_get_info()
    >>> 0 < free <= total == cuda.Context.get_device().total_memory()
    True
    """
    info, err = _g.cudaMemGetInfo()
    check(err)
    assert info is not None
    return (info[0], info[1])



@public("PyGPU.driver")
def memcpy_htod(dest: DeviceMemory, src: HostBuffer) -> None:
    """Copy all of the host buffer `src` to device memory `dest`.

    Parameters
    ----------
    dest : DeviceAllocation, pointer object, int address or device array
        Device memory of at least ``src.nbytes`` bytes.
    src : numpy.ndarray or buffer
        The host data; all of its bytes are copied.

    Raises
    ------
    TypeError
        When `dest` is host memory or `src` is device memory (or neither).
    CudaError
        When the copy fails, e.g. ``cudaErrorInvalidValue`` for a `dest`
        smaller than `src` or already freed.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> a = np.arange(4, dtype=np.float32)
    >>> d = cuda.mem_alloc(a.nbytes)
    >>> cuda.memcpy_htod(d, a)
    >>> out = np.zeros_like(a)
    >>> cuda.memcpy_dtoh(out, d)
    >>> out.tolist()
    [0.0, 1.0, 2.0, 3.0]
    >>> d.free()
    """
    count = host_nbytes(src, "src")
    check(_g.cudaMemcpy(device_pointer(dest), src, count, _g.cudaMemcpyHostToDevice))



@public("PyGPU.driver")
def memcpy_dtoh(dest: HostBuffer, src: DeviceMemory) -> None:
    """Fill the host buffer `dest` from device memory `src`.

    Parameters
    ----------
    dest : numpy.ndarray or writable buffer
        The host array to fill; all of its bytes are written.
    src : DeviceAllocation, pointer object, int address or device array
        Device memory of at least ``dest.nbytes`` bytes.

    Raises
    ------
    TypeError
        When `dest` is device memory or `src` is host memory (or neither).
    CudaError
        When the copy fails, e.g. ``cudaErrorInvalidValue`` for a `src`
        smaller than `dest` or already freed.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> d = cuda.mem_alloc(16)
    >>> cuda.memcpy_htod(d, np.array([1, 2, 3, 4], dtype=np.int32))
    >>> out = np.empty(4, dtype=np.int32)
    >>> cuda.memcpy_dtoh(out, d)
    >>> out.tolist()
    [1, 2, 3, 4]
    >>> d.free()
    """
    count = host_nbytes(dest, "dest")
    check(_g.cudaMemcpy(dest, device_pointer(src), count, _g.cudaMemcpyDeviceToHost))



@public("PyGPU.driver")
def memcpy_dtod(dest: DeviceMemory, src: DeviceMemory, size: SupportsIndex) -> None:
    """Copy `size` bytes between device memory.

    Parameters
    ----------
    dest, src : DeviceAllocation, pointer object, int address or device array
        Device memory of at least `size` bytes each, on any device.
    size : int
        Bytes to copy (>= 0).

    Raises
    ------
    TypeError
        When `dest` or `src` is host memory, or `size` is not an int.
    ValueError
        When `size` is negative.
    CudaError
        When the copy fails, e.g. ``cudaErrorInvalidValue`` for a `size`
        larger than either allocation.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> a, b = cuda.mem_alloc(16), cuda.mem_alloc(16)
    >>> cuda.memcpy_htod(a, np.arange(4, dtype=np.int32))
    >>> cuda.memcpy_dtod(b, a, 16)
    >>> out = np.empty(4, dtype=np.int32)
    >>> cuda.memcpy_dtoh(out, b)
    >>> out.tolist()
    [0, 1, 2, 3]
    >>> a.free(); b.free()
    """
    check(_g.cudaMemcpy(device_pointer(dest), device_pointer(src), _size(size), _g.cudaMemcpyDeviceToDevice))



@public("PyGPU.driver")
def memcpy_htod_async(dest: DeviceMemory, src: HostBuffer, stream: StreamLike = None) -> None:
    """Queue a copy of the host buffer `src` to `dest` on `stream`.

    `src` should be page-locked (:func:`pagelocked_empty`) for the copy to be
    asynchronous; it must stay unchanged until the stream reaches the copy.

    Parameters
    ----------
    dest : DeviceAllocation, pointer object, int address or device array
        Device memory of at least ``src.nbytes`` bytes.
    src : numpy.ndarray or buffer
        The host data; all of its bytes are copied.
    stream : Stream, cudaStream_t, int or None, default None
        The stream to queue the copy on; None is the legacy default stream.

    Raises
    ------
    TypeError
        When `dest`, `src` or `stream` has the wrong kind.
    CudaError
        When the copy cannot be queued (``cudaErrorInvalidValue`` for a
        `dest` too small, ``cudaErrorInvalidResourceHandle`` for a destroyed
        stream).

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> a = cuda.pagelocked_empty(4, "float32")
    >>> a[:] = [1, 2, 3, 4]
    >>> d, s = cuda.mem_alloc(a.nbytes), cuda.Stream()
    >>> cuda.memcpy_htod_async(d, a, s)
    >>> s.synchronize()
    >>> out = np.zeros(4, np.float32)
    >>> cuda.memcpy_dtoh(out, d)
    >>> out.tolist()
    [1.0, 2.0, 3.0, 4.0]
    >>> d.free()
    """
    count = host_nbytes(src, "src")
    check(_g.cudaMemcpyAsync(device_pointer(dest), src, count, _g.cudaMemcpyHostToDevice,
                              stream_handle(stream)))



@public("PyGPU.driver")
def memcpy_dtoh_async(dest: HostBuffer, src: DeviceMemory, stream: StreamLike = None) -> None:
    """Queue a copy from `src` filling the host buffer `dest` on `stream`.

    `dest` should be page-locked; read it only after synchronising.

    Parameters
    ----------
    dest : numpy.ndarray or writable buffer
        The host array to fill; all of its bytes are written.
    src : DeviceAllocation, pointer object, int address or device array
        Device memory of at least ``dest.nbytes`` bytes.
    stream : Stream, cudaStream_t, int or None, default None
        The stream to queue the copy on; None is the legacy default stream.

    Raises
    ------
    TypeError
        When `dest`, `src` or `stream` has the wrong kind.
    CudaError
        When the copy cannot be queued.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> d = cuda.mem_alloc(16)
    >>> cuda.memcpy_htod(d, np.full(4, 2.5, np.float32))
    >>> out, s = cuda.pagelocked_empty(4, "float32"), cuda.Stream()
    >>> cuda.memcpy_dtoh_async(out, d, s)
    >>> s.synchronize()  # only now is `out` filled
    >>> out.tolist()
    [2.5, 2.5, 2.5, 2.5]
    >>> d.free()
    """
    count = host_nbytes(dest, "dest")
    check(_g.cudaMemcpyAsync(dest, device_pointer(src), count, _g.cudaMemcpyDeviceToHost,
                              stream_handle(stream)))



@public("PyGPU.driver")
def memcpy_dtod_async(dest: DeviceMemory, src: DeviceMemory, size: SupportsIndex,
                      stream: StreamLike = None) -> None:
    """Queue a copy of `size` bytes between device memory on `stream`.

    Parameters
    ----------
    dest, src : DeviceAllocation, pointer object, int address or device array
        Device memory of at least `size` bytes each.
    size : int
        Bytes to copy (>= 0).
    stream : Stream, cudaStream_t, int or None, default None
        The stream to queue the copy on; None is the legacy default stream.

    Raises
    ------
    TypeError
        When an argument has the wrong kind.
    ValueError
        When `size` is negative.
    CudaError
        When the copy cannot be queued.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> a, b, s = cuda.mem_alloc(8), cuda.mem_alloc(8), cuda.Stream()
    >>> cuda.memcpy_htod(a, np.array([5, 6], np.int32))
    >>> cuda.memcpy_dtod_async(b, a, 8, s)
    >>> s.synchronize()
    >>> out = np.zeros(2, np.int32)
    >>> cuda.memcpy_dtoh(out, b)
    >>> out.tolist()
    [5, 6]
    >>> a.free(); b.free()
    """
    check(_g.cudaMemcpyAsync(device_pointer(dest), device_pointer(src), _size(size),
                              _g.cudaMemcpyDeviceToDevice, stream_handle(stream)))
