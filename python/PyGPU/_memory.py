"""Device memory: PyGPU.driver.DeviceAllocation, mem_alloc*, and the synchronous and stream-ordered copies."""

from __future__ import annotations

import operator
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
class DeviceAllocation(_g._DeviceAllocationBase):
    """Device memory from :func:`mem_alloc`, freed when the last reference goes.

    ``int(alloc)`` is the device address. ``free()`` frees it at once; a second ``free()`` raises CudaError
    (``cudaErrorInvalidValue``; PyCUDA raises a LogicError), and the memory is never freed twice. A failure
    to free when the object is dropped becomes a RuntimeWarning.

    Parameters
    ----------
    ptr : pointer_wrapper_void
        The pointer object ``cudaMalloc`` returned; the allocation owns it.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> d = cuda.mem_alloc(1024)
    >>> d.free()
    >>> d  # doctest: +ELLIPSIS
    <PyGPU.driver.DeviceAllocation 0x..., freed>
    """

    # `_ptr` (the pointer object) is the C base's; so is freeing on drop, by the call `_release` names
    # (bindings/device_allocation.cpp): no Python destructor runs for an array dropped in a loop.
    __slots__ = ("__weakref__",)
    _ptr: _g.pointer_wrapper_void

    def __init__(self, ptr: _g.pointer_wrapper_void) -> None:
        if not isinstance(ptr, _g.pointer_wrapper_void):  # anything else would own nothing to free
            raise TypeError(f"DeviceAllocation wraps a pointer from cudaMalloc, got {type(ptr).__name__}")
        self._ptr = ptr

    def free(self) -> None:
        """Free the memory now (CudaError ``cudaErrorInvalidValue`` if it was already freed).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.mem_alloc(16).free()
        """
        check(self._release(self._ptr))

    #: The call that frees the memory, on free() and when the last reference goes (a subclass that allocates
    #: otherwise frees otherwise; None: the subclass gives the memory back itself). When dropped, nothing is
    #: freed twice, nor while the interpreter finalizes (freeing would wait for queued work, which may never
    #: finish), and a failure becomes a RuntimeWarning.
    _release = staticmethod(_g.cudaFree)

    def __int__(self) -> int:
        return int(self._ptr)

    __index__ = __int__

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


def address_of(ptr: DevicePointer) -> int:
    """The int address of a device pointer as :func:`device_pointer` gives it."""
    interface = getattr(ptr, "__cuda_array_interface__", None)
    if interface is not None:
        return int(interface["data"][0])
    return operator.index(cast("SupportsIndex", ptr))


def offset_pointer(ptr: DevicePointer, offset: int) -> DevicePointer:
    """The device pointer `offset` bytes past `ptr` (an allocation's pointer object keeps its liveness check)."""
    if offset == 0:
        return ptr
    if type(ptr) is _g.pointer_wrapper_void:
        return ptr + offset
    return address_of(ptr) + offset


@public("PyGPU.driver")
class PointerHolderBase:
    """A base for user objects that hold device memory: subclasses define ``get_pointer()``.

    Wherever PyGPU.driver takes device memory (copies, memsets, ``Memcpy2D``), an object with
    ``get_pointer()`` is accepted and its address used, as in PyCUDA; ``int(holder)`` is that address.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> class Holder(cuda.PointerHolderBase):
    ...     def __init__(self, nbytes):
    ...         super().__init__()
    ...         self.alloc = cuda.mem_alloc(nbytes)
    ...     def get_pointer(self):
    ...         return int(self.alloc)
    >>> h = Holder(16)
    >>> cuda.memcpy_htod(h, np.arange(4, dtype=np.int32))
    >>> cuda.from_device(h, 4, np.int32).tolist()
    [0, 1, 2, 3]
    """

    def get_pointer(self) -> SupportsIndex:
        """The device address; a subclass must define it (NotImplementedError here).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> class Fixed(cuda.PointerHolderBase):
        ...     def get_pointer(self):
        ...         return 0
        >>> int(Fixed())
        0
        """
        raise NotImplementedError(f"{type(self).__name__} must define get_pointer() (PointerHolderBase is a base)")

    def __int__(self) -> int:
        return operator.index(self.get_pointer())

    __index__ = __int__


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


def count(value: SupportsIndex, what: str = "size") -> int:
    """A count, size or offset named `what`: an int >= 0 (TypeError, ValueError)."""
    try:
        n = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an int, got {type(value).__name__}") from None
    if n < 0:
        raise ValueError(f"{what} must be >= 0, got {n}")
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
    >>> d = cuda.mem_alloc(1 << 20)
    >>> d.free()
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
    >>> d = cuda.mem_alloc_like(np.zeros(8))
    """
    return mem_alloc(ary.nbytes)



@public("PyGPU.driver")
def mem_get_info() -> tuple[int, int]:
    """``(free, total)`` bytes of the current device (``cudaMemGetInfo``; CudaError when it cannot say).

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> free, total = cuda.mem_get_info()
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
        The host data.

    Raises
    ------
    TypeError
        When `dest` is host memory or `src` is device memory (or neither).
    CudaError
        When the copy fails, e.g. ``cudaErrorInvalidValue`` for a `dest` too small or freed.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> d = cuda.mem_alloc(16)
    >>> cuda.memcpy_htod(d, np.arange(4, dtype=np.float32))
    """
    count = host_nbytes(src, "src")
    check(_g.cudaMemcpy(device_pointer(dest), src, count, _g.cudaMemcpyHostToDevice))



@public("PyGPU.driver")
def memcpy_dtoh(dest: HostBuffer, src: DeviceMemory) -> None:
    """Fill the host buffer `dest` from device memory `src`.

    Parameters
    ----------
    dest : numpy.ndarray or writable buffer
        All of its bytes are written.
    src : DeviceAllocation, pointer object, int address or device array
        Device memory of at least ``dest.nbytes`` bytes.

    Raises
    ------
    TypeError
        When `dest` is device memory or `src` is host memory (or neither).
    CudaError
        When the copy fails, e.g. ``cudaErrorInvalidValue`` for a `src` too small or freed.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> d = cuda.mem_alloc(16)
    >>> cuda.memcpy_htod(d, np.array([1, 2, 3, 4], dtype=np.int32))
    >>> out = np.empty(4, dtype=np.int32)
    >>> cuda.memcpy_dtoh(out, d)
    >>> out.tolist()
    [1, 2, 3, 4]
    """
    count = host_nbytes(dest, "dest")
    check(_g.cudaMemcpy(dest, device_pointer(src), count, _g.cudaMemcpyDeviceToHost))



@public("PyGPU.driver")
def memcpy_dtod(dest: DeviceMemory, src: DeviceMemory, size: SupportsIndex) -> None:
    """Copy `size` bytes between device memory, on any devices.

    Parameters
    ----------
    dest, src : DeviceAllocation, pointer object, int address or device array
        Device memory of at least `size` bytes each.
    size : int
        Bytes to copy (>= 0).

    Raises
    ------
    TypeError
        When `dest` or `src` is host memory, or `size` is not an int.
    ValueError
        When `size` is negative.
    CudaError
        When the copy fails, e.g. ``cudaErrorInvalidValue`` for a `size` larger than either allocation.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> a, b = cuda.mem_alloc(16), cuda.mem_alloc(16)
    >>> cuda.memcpy_dtod(b, a, 16)
    """
    check(_g.cudaMemcpy(device_pointer(dest), device_pointer(src), count(size), _g.cudaMemcpyDeviceToDevice))



@public("PyGPU.driver")
def memcpy_htod_async(dest: DeviceMemory, src: HostBuffer, stream: StreamLike = None) -> None:
    """Queue a copy of the host buffer `src` to `dest` on `stream`.

    `src` should be page-locked (:func:`pagelocked_empty`) for the copy to be asynchronous, and stay
    unchanged until the stream reaches the copy.

    Parameters
    ----------
    dest : DeviceAllocation, pointer object, int address or device array
        Device memory of at least ``src.nbytes`` bytes.
    src : numpy.ndarray or buffer
        The host data.
    stream : Stream, cudaStream_t, int or None, default None
        None is the legacy default stream.

    Raises
    ------
    TypeError
        When `dest`, `src` or `stream` has the wrong kind.
    CudaError
        When the copy cannot be queued (``cudaErrorInvalidValue`` for a `dest` too small,
        ``cudaErrorInvalidResourceHandle`` for a destroyed stream).

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> a, s = cuda.pagelocked_zeros(4, "float32"), cuda.Stream()
    >>> cuda.memcpy_htod_async(cuda.mem_alloc(a.nbytes), a, s)
    >>> s.synchronize()
    """
    count = host_nbytes(src, "src")
    check(_g.cudaMemcpyAsync(device_pointer(dest), src, count, _g.cudaMemcpyHostToDevice,
                              stream_handle(stream)))



@public("PyGPU.driver")
def memcpy_dtoh_async(dest: HostBuffer, src: DeviceMemory, stream: StreamLike = None) -> None:
    """Queue a copy from `src` filling the host buffer `dest` on `stream`; read `dest` after synchronising.

    Parameters
    ----------
    dest : numpy.ndarray or writable buffer
        Should be page-locked for the copy to be asynchronous.
    src : DeviceAllocation, pointer object, int address or device array
        Device memory of at least ``dest.nbytes`` bytes.
    stream : Stream, cudaStream_t, int or None, default None
        None is the legacy default stream.

    Raises
    ------
    TypeError
        When `dest`, `src` or `stream` has the wrong kind.
    CudaError
        When the copy cannot be queued.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> out, s = cuda.pagelocked_empty(4, "float32"), cuda.Stream()
    >>> cuda.memcpy_dtoh_async(out, cuda.mem_alloc(16), s)
    >>> s.synchronize()
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
        None is the legacy default stream.

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
    >>> import PyGPU.driver as cuda
    >>> a, b, s = cuda.mem_alloc(8), cuda.mem_alloc(8), cuda.Stream()
    >>> cuda.memcpy_dtod_async(b, a, 8, s)
    >>> s.synchronize()
    """
    check(_g.cudaMemcpyAsync(device_pointer(dest), device_pointer(src), count(size),
                              _g.cudaMemcpyDeviceToDevice, stream_handle(stream)))



@public("PyGPU.driver")
def to_device(bf_obj: HostBuffer) -> DeviceAllocation:
    """New device memory holding a copy of the host buffer `bf_obj` (in C order if it is not contiguous).

    Parameters
    ----------
    bf_obj : numpy.ndarray or buffer

    Returns
    -------
    DeviceAllocation
        Of ``bf_obj.nbytes`` bytes.

    Raises
    ------
    TypeError
        When `bf_obj` is not a host buffer.
    CudaError
        ``cudaErrorMemoryAllocation`` when the device is full.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> d = cuda.to_device(np.arange(3, dtype=np.float64))
    >>> cuda.from_device(d, 3, np.float64).tolist()
    [0.0, 1.0, 2.0]
    """
    host_nbytes(bf_obj, "bf_obj")  # TypeError for device memory or a non-buffer
    data = memoryview(bf_obj)  # type: ignore[arg-type]  # numpy arrays are buffers
    if not data.c_contiguous:
        data = memoryview(data.tobytes())
    result = mem_alloc(data.nbytes)
    memcpy_htod(result, data)
    return result


@public("PyGPU.driver")
def from_device(devptr: DeviceMemory, shape: SupportsIndex | tuple[SupportsIndex, ...], dtype: npt.DTypeLike,
                order: str = "C") -> npt.NDArray[Any]:
    """A new numpy array of `shape` and `dtype` filled from device memory `devptr`.

    Parameters
    ----------
    devptr : DeviceAllocation, pointer object, int address or device array
        At least as many bytes as the array.
    shape : int or tuple of int
    dtype : numpy dtype
    order : {"C", "F"}, default "C"

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError
        When `devptr` is host memory.
    CudaError
        ``cudaErrorInvalidValue`` when `devptr` is too small or freed.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> d = cuda.to_device(np.arange(6, dtype=np.int16))
    >>> cuda.from_device(d, (2, 3), np.int16).tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    result: npt.NDArray[Any] = np.empty(shape, dtype, order=cast("Any", order))
    memcpy_dtoh(result, devptr)
    return result


@public("PyGPU.driver")
def from_device_like(devptr: DeviceMemory, other_ary: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A new numpy array like `other_ary` (shape, dtype, layout) filled from device memory `devptr`.

    Parameters
    ----------
    devptr : DeviceAllocation, pointer object, int address or device array
    other_ary : numpy.ndarray

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError, CudaError
        As :func:`from_device`.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> a = np.array([1.5, 2.5], dtype=np.float32)
    >>> cuda.from_device_like(cuda.to_device(a), a).tolist()
    [1.5, 2.5]
    """
    result: npt.NDArray[Any] = np.empty_like(other_ary)
    memcpy_dtoh(result, devptr)
    return result
