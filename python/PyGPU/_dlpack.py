"""DLPack and ``__cuda_array_interface__`` interchange for GPUArray.

Export (``GPUArray.__dlpack__`` / ``__dlpack_device__``) and import
(``PyGPU.from_dlpack`` / ``PyGPU.asarray``) follow the Python array API
standard (v2024.12) and DLPack 1.x; the capsules themselves are built and
consumed in C++ (``bindings/dlpack.cpp``). Every exchange is zero-copy: PyGPU
never copies across devices or to the host here, and says so with a
BufferError when a copy is asked for.

Streams: PyGPU's own copies are ordered on the legacy default stream, so
exporting to a consumer on another stream makes that stream wait for the
legacy stream (an event, no host synchronisation); importing asks producers
for the legacy default stream (``stream=None``).
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, SupportsIndex

import numpy as np

from . import _core

if TYPE_CHECKING:
    import numpy.typing as npt
    from typing_extensions import CapsuleType

    from .gpuarray import GPUArray

__all__ = ["DLDeviceType", "device", "to_capsule", "from_dlpack", "asarray"]


class DLDeviceType(enum.IntEnum):
    """dlpack.h's ``DLDeviceType`` values that PyGPU names (an int, as the standard's Enum)."""

    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLROCM = 10
    kDLROCMHost = 11
    kDLCUDAManaged = 13


# The version of capsule a consumer must accept for the versioned struct.
_VERSIONED = (1, 0)
_HOST_TYPES = (DLDeviceType.kDLCPU, DLDeviceType.kDLCUDAHost, DLDeviceType.kDLROCMHost)


def _device_type() -> DLDeviceType:
    # The simulated device reports CUDA, so that consumers (and user code)
    # take the same path as on hardware.
    return DLDeviceType.kDLROCM if _core._backend_name() == "hip" else DLDeviceType.kDLCUDA


def _device_types() -> tuple[DLDeviceType, ...]:
    """The device types whose memory the active backend can address."""
    if _device_type() == DLDeviceType.kDLROCM:
        return (DLDeviceType.kDLROCM,)
    return (DLDeviceType.kDLCUDA, DLDeviceType.kDLCUDAManaged)


def _current_device() -> int:
    dev, err = _core.cudaGetDevice()
    err.check()
    return dev  # type: ignore[return-value]  # not None once err.check() passed


def _device_of(ptr: int) -> int:
    """The device that owns `ptr`, or the current device when the runtime does not know it."""
    if ptr == 0:
        return _current_device()
    pending = _core.cudaPeekAtLastError()
    attributes, err = _core.cudaPointerGetAttributes(ptr)
    if err.success and attributes is not None and attributes.device >= 0:
        return attributes.device
    if not err.success and pending.success:
        _core.cudaGetLastError()  # a lookup that failed is no error of the caller's
    return _current_device()


def device(array: GPUArray) -> tuple[DLDeviceType, int]:
    """``__dlpack_device__`` of a GPUArray: ``(device_type, device_id)``.

    Parameters
    ----------
    array : GPUArray
        Anything with an int ``ptr`` (the address of element 0).

    Returns
    -------
    tuple
        ``(DLDeviceType.kDLCUDA, id)`` on the cuda and sim backends,
        ``(DLDeviceType.kDLROCM, id)`` on hip; ``id`` is the device that owns
        the memory (the current device for an empty array).
    """
    return _device_type(), _device_of(int(array.ptr))


_dlpack_device = device  # from_dlpack's `device` keyword (the standard's name) hides this function


def _consumer_stream(stream: Any, device_type: DLDeviceType) -> int | None:
    """The handle of the consumer's stream that must wait for PyGPU's legacy
    default stream, or None when no wait is needed (the array API's rules)."""
    if stream is None:
        return None  # the consumer works on the legacy default stream itself
    if isinstance(stream, _core.cudaStream_t):
        if stream.destroyed:
            raise ValueError("__dlpack__: the stream was destroyed")
        # An object is unambiguous: handle 0 is cudaStreamLegacy.
        return None if stream.handle in (0, 1) else stream.handle
    if isinstance(stream, bool):
        raise TypeError("__dlpack__: stream must be None or an int stream handle, got bool")
    try:
        handle = operator.index(stream)
    except TypeError:
        raise TypeError("__dlpack__: stream must be None or an int stream handle, got "
                        f"{type(stream).__name__}") from None
    if handle == -1:
        return None  # the consumer asks for no synchronisation
    if handle < -1:
        raise ValueError(f"__dlpack__: stream={handle} is not a stream (use None, -1 or a handle >= 0)")
    if device_type == DLDeviceType.kDLROCM:
        if handle in (1, 2):
            raise ValueError(f"__dlpack__: stream={handle} is a CUDA default stream; for ROCm the DLPack standard "
                             "allows None or 0 for the default stream, or a stream handle > 2")
        return None if handle == 0 else handle
    if handle == 0:
        raise ValueError("__dlpack__: stream=0 is ambiguous for CUDA and the DLPack standard disallows it: pass 1 "
                         "(or None) for the legacy default stream, 2 for the per-thread default stream, or a "
                         "stream handle")
    return None if handle == 1 else handle


def _wait_for_legacy_stream(handle: int, device_id: int) -> None:
    """Make work queued later on `handle` wait for everything queued so far
    on the legacy default stream of `device_id`, without blocking the host."""
    previous = _current_device()
    if previous != device_id:
        _core.cudaSetDevice(device_id).check()
    try:
        event = _core.cudaEvent_t(_core.cudaEventDisableTiming)
        _core.cudaEventRecord(event, None).check()
        _core.cudaStreamWaitEvent(handle, event, 0).check()
    finally:
        if previous != device_id:
            _core.cudaSetDevice(previous).check()


def _requested_device(dl_device: Any) -> tuple[int, int]:
    try:
        kind, index = dl_device
        return int(kind), operator.index(index)
    except (TypeError, ValueError):
        raise TypeError(f"dl_device must be a (device_type, device_id) tuple as __dlpack_device__ returns, got "
                        f"{dl_device!r}") from None


def to_capsule(array: GPUArray, stream: _core.cudaStream_t | int | None = None,
               max_version: tuple[int, int] | None = None, dl_device: tuple[int, int] | None = None,
               copy: bool | None = None) -> CapsuleType:
    """``__dlpack__`` of a GPUArray: a zero-copy DLPack capsule that keeps `array` alive.

    Parameters
    ----------
    array : GPUArray
        Needs ``ptr``, ``shape``, ``strides`` (bytes) and ``dtype``.
    stream : None, int or cudaStream_t, optional
        The consumer's stream, per the array API standard. CUDA: None or 1
        the legacy default stream, 2 the per-thread default stream, another
        int a stream handle, -1 no synchronisation; 0 is ambiguous and
        refused. ROCm: None or 0 the default stream, a handle > 2, -1; 1 and
        2 refused. Except for -1 and the legacy default stream, the stream is
        made to wait for PyGPU's work on the legacy default stream.
    max_version : tuple of two ints, optional
        None or below (1, 0): a legacy ``"dltensor"`` capsule; from (1, 0): a
        ``"dltensor_versioned"`` capsule of DLPack 1.1.
    dl_device : tuple, optional
        Must be None or ``device(array)``; PyGPU does not copy across devices.
    copy : bool, optional
        None or False: zero-copy. True is refused (BufferError).

    Returns
    -------
    PyCapsule

    Raises
    ------
    BufferError
        For ``copy=True``, another `dl_device`, or a layout DLPack cannot
        describe (strides that are not a multiple of the item size).
    ValueError
        For a stream value the standard disallows on this device type.
    TypeError
        For a `stream` or `copy` of the wrong type, or a `dl_device` that is
        not a ``(device_type, device_id)`` tuple.
    """
    device_type, device_id = device(array)
    if copy is not None and not isinstance(copy, (bool, np.bool_)):
        raise TypeError(f"__dlpack__: copy must be None or a bool, got {type(copy).__name__}")
    if copy:
        raise BufferError("__dlpack__(copy=True): PyGPU exports zero-copy only; copy the array first "
                          "(array.copy()) and export the copy, or pass copy=None")
    if dl_device is not None:
        wanted = _requested_device(dl_device)
        if wanted != (device_type, device_id):
            raise BufferError(f"__dlpack__: the array is on DLPack device {(int(device_type), device_id)} and "
                              f"cannot be exported to {wanted}: PyGPU does not copy across devices (for host "
                              "memory use array.get())")
    wait_on = _consumer_stream(stream, device_type)
    versioned = max_version is not None and tuple(max_version) >= _VERSIONED
    dtype = np.dtype(array.dtype)
    if not dtype.isnative:
        raise BufferError(f"__dlpack__: dtype {dtype.str} is not in native byte order, which DLPack requires")
    try:
        capsule = _core._dlpack_export(int(array.ptr), tuple(array.shape), tuple(array.strides), dtype.name,
                                       int(device_type), device_id, array, versioned, False)
    except (TypeError, ValueError) as exc:  # the standard: data that DLPack cannot describe is a BufferError
        raise BufferError(str(exc).replace("_dlpack_export", "__dlpack__", 1)) from exc
    if wait_on is not None:
        _wait_for_legacy_stream(wait_on, device_id)
    return capsule


# --- import ---------------------------------------------------------------------

def _array_type() -> type[GPUArray]:
    from .gpuarray import GPUArray  # imported on use: PyGPU/__init__ imports gpuarray, which uses this module

    return GPUArray


def _is_capsule(obj: Any) -> bool:
    return type(obj).__name__ == "PyCapsule"


def _check_device(device_type: int, what: str) -> None:
    if device_type in _device_types():
        return
    try:
        name = DLDeviceType(device_type).name
    except ValueError:
        name = f"device type {device_type}"
    if device_type in _HOST_TYPES:
        raise BufferError(f"{what}: the object's memory is host memory ({name}), not device memory; copy it to "
                          "the device with PyGPU.to_gpu(numpy.asarray(obj))")
    raise BufferError(f"{what}: the object's memory is on a {name} device, which the '{_core._backend_name()}' "
                      f"backend cannot address (it uses {', '.join(t.name for t in _device_types())})")


def _wrap(ptr: int, shape: Sequence[int], strides: Sequence[int] | None, dtype: npt.DTypeLike,
          base: object) -> GPUArray:
    return _array_type()(tuple(shape), np.dtype(dtype), gpudata=ptr, base=base,
                         strides=None if strides is None else tuple(strides))


def _export(x: Any) -> CapsuleType:
    """The capsule of a DLPack producer, asking for a versioned one first (the standard's consumer logic)."""
    capsule: CapsuleType
    try:
        capsule = x.__dlpack__(stream=None, max_version=_VERSIONED)
    except TypeError:  # a producer older than the 2023.12 standard
        capsule = x.__dlpack__()
    return capsule


def _from_capsule(capsule: CapsuleType, what: str) -> GPUArray:
    ptr, shape, strides, dtype, device_type, _device_id, _read_only, keepalive = _core._dlpack_import(capsule)
    # A read-only tensor is imported as writable: the standard prefers that a
    # consumer without read-only arrays ignore the flag over refusing it.
    _check_device(device_type, what)  # on failure `keepalive` goes, releasing the tensor
    return _wrap(ptr, shape, strides, dtype, keepalive)


def _from_dlpack_object(x: Any, what: str) -> GPUArray:
    if hasattr(x, "__dlpack_device__"):
        device_type, _ = x.__dlpack_device__()
        _check_device(int(device_type), what)  # before exporting: nothing to release
    return _from_capsule(_export(x), what)


def _cai_dtype(typestr: str) -> np.dtype[Any]:
    try:
        dtype = np.dtype(typestr)
    except TypeError:
        raise TypeError(f"__cuda_array_interface__: typestr {typestr!r} is not a numpy type string") from None
    if not dtype.isnative and dtype.itemsize > 1:
        raise TypeError(f"__cuda_array_interface__: typestr {typestr!r} is not in native byte order")
    if dtype.newbyteorder("=") not in tuple(np.dtype(name) for name in _core.dtypes):
        raise TypeError(f"__cuda_array_interface__: dtype {dtype} is not supported by PyGPU "
                        f"(supported: {', '.join(_core.dtypes)})")
    native: np.dtype[Any] = dtype.newbyteorder("=")
    return native


def _cai_stream(stream: Any) -> None:
    """CAI v3: the consumer must synchronise on the producer's stream before use."""
    if stream is None:
        return
    if isinstance(stream, bool) or not isinstance(stream, (int, np.integer)):
        raise TypeError(f"__cuda_array_interface__: stream must be None or an int, got {type(stream).__name__}")
    if stream == 0:
        raise ValueError("__cuda_array_interface__: stream 0 is disallowed by the interface (ambiguous); the "
                         "producer must use 1 for the legacy default stream or 2 for the per-thread one")
    if stream in (1, 2):
        return  # default streams: PyGPU's work on the legacy stream is ordered after them
    _core.cudaStreamSynchronize(int(stream)).check()


def _from_cuda_array_interface(obj: Any, what: str) -> GPUArray:
    cai = obj.__cuda_array_interface__
    version = cai.get("version")
    if not isinstance(version, int) or not 0 <= version <= 3:
        raise ValueError(f"{what}: __cuda_array_interface__ version {version!r} is not supported (0 to 3)")
    if cai.get("mask") is not None:
        raise BufferError(f"{what}: masked arrays (__cuda_array_interface__ 'mask') are not supported")
    shape = tuple(operator.index(n) for n in cai["shape"])
    dtype = _cai_dtype(cai["typestr"])
    ptr, _read_only = cai["data"]  # writable either way: GPUArray has no read-only arrays
    strides = cai.get("strides")
    strides = None if strides is None else tuple(operator.index(s) for s in strides)
    _cai_stream(cai.get("stream"))
    return _wrap(int(ptr or 0), shape, strides, dtype, obj)


def from_dlpack(x: Any, /, *, device: SupportsIndex | tuple[int, int] | None = None,
                copy: bool | None = None) -> GPUArray:
    """A zero-copy GPUArray view of another library's device array.

    Parameters
    ----------
    x : object
        An object with ``__dlpack__`` (and ``__dlpack_device__``), a DLPack
        capsule, or an object with ``__cuda_array_interface__`` (version 0 to
        3; its ``stream`` is synchronised before use).
    device : int or tuple, optional
        None, or the device the data is on (a device ordinal or a
        ``(device_type, device_id)`` tuple); any other is a BufferError.
    copy : bool, optional
        None or False; True is a BufferError (PyGPU imports zero-copy only).

    Returns
    -------
    GPUArray
        A view whose ``base`` keeps the producer's memory alive.

    Raises
    ------
    BufferError
        For host memory (use ``PyGPU.to_gpu``), memory of a device type the
        backend cannot address, ``copy=True`` or another `device`.
    TypeError
        For an object that exposes neither interface, or a dtype PyGPU lacks.
    ValueError
        For a ``__cuda_array_interface__`` of an unknown version or with
        ``stream`` 0.

    Notes
    -----
    PyCUDA has no DLPack import; it reads ``__cuda_array_interface__`` only
    through ``GPUArray(gpudata=...)`` by hand. A read-only DLPack tensor is
    imported as writable (GPUArray has no read-only arrays), as the standard
    prefers over refusing it.
    """
    what = "from_dlpack"
    if copy:
        raise BufferError("from_dlpack(copy=True): PyGPU imports zero-copy only; call .copy() on the result")
    if _is_capsule(x):
        result = _from_capsule(x, what)
    elif hasattr(x, "__dlpack__"):
        result = _from_dlpack_object(x, what)
    elif hasattr(x, "__cuda_array_interface__"):
        result = _from_cuda_array_interface(x, what)
    else:
        raise TypeError(f"{what}: {type(x).__name__} exposes neither __dlpack__ nor __cuda_array_interface__; "
                        "for host data use PyGPU.to_gpu")
    if device is not None:
        have = _dlpack_device(result)
        wanted = _requested_device(device) if isinstance(device, tuple) else (int(have[0]), operator.index(device))
        if wanted != (int(have[0]), have[1]):
            raise BufferError(f"{what}: the data is on DLPack device {(int(have[0]), have[1])}, not {wanted}; "
                              "PyGPU does not copy across devices")
    return result


def asarray(obj: Any) -> GPUArray:
    """`obj` as a GPUArray: a GPUArray as is, anything else through :func:`from_dlpack`.

    Parameters
    ----------
    obj : object
        A GPUArray, an object with ``__dlpack__`` or
        ``__cuda_array_interface__``, or a DLPack capsule.

    Returns
    -------
    GPUArray
        `obj` itself, or a zero-copy view that keeps it alive.

    Raises
    ------
    BufferError, TypeError, ValueError
        As :func:`from_dlpack`.
    """
    if isinstance(obj, _array_type()):
        return obj
    return from_dlpack(obj)
