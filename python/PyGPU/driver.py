"""PyGPU.driver: a drop-in for the most used parts of ``pycuda.driver``.

``import PyGPU.driver as cuda`` gives PyCUDA's names, signatures and
behaviour, built on the low-level API (:mod:`PyGPU`): devices and the
(primary) context, streams, events, device allocations, pinned host arrays,
synchronous and stream-ordered copies, and the ``In``/``Out``/``InOut``
argument wrappers. Every failure raises :class:`PyGPU.CudaError`, which is also
reachable here as ``Error``, ``LogicError``, ``LaunchError``, ``MemoryError``
and ``RuntimeError`` so that PyCUDA code catching those keeps working; a wrong
argument type raises ``TypeError``.

Differences from PyCUDA: there is one context per device (the runtime's primary
context), so ``Context`` objects only choose the current device; ``init()`` does
nothing; ``device_attribute`` holds only the attributes the runtime's device
properties carry.

Examples
--------
>>> import numpy as np
>>> import PyGPU.driver as cuda
>>> a = np.arange(4, dtype=np.float32)
>>> dev = cuda.mem_alloc(a.nbytes)
>>> cuda.memcpy_htod(dev, a)
>>> out = np.empty_like(a)
>>> cuda.memcpy_dtoh(out, dev)
>>> bool((out == a).all())
True
"""

from __future__ import annotations

import enum
import math
import operator
import sys
import threading
import warnings

import numpy as np

from . import _core as _g
from ._errors import CudaError

__all__ = [
    "Error", "LogicError", "LaunchError", "CudaError",
    "init", "get_version", "get_driver_version",
    "device_attribute", "event_flags", "host_alloc_flags",
    "Device", "Context", "Stream", "Event",
    "DeviceAllocation", "mem_alloc", "mem_alloc_like", "mem_get_info",
    "memcpy_htod", "memcpy_dtoh", "memcpy_dtod",
    "memcpy_htod_async", "memcpy_dtoh_async", "memcpy_dtod_async",
    "pagelocked_empty", "pagelocked_zeros", "pagelocked_empty_like", "pagelocked_zeros_like",
    "ArgumentHandler", "In", "Out", "InOut",
]

# PyCUDA raises subclasses of pycuda.driver.Error; PyGPU has one exception type.
# MemoryError and RuntimeError are set at the end of the module (and kept out of
# __all__) so they never shadow the builtins inside this module or after a
# star import.
Error = CudaError
LogicError = CudaError
LaunchError = CudaError

_POINTER_TYPES = tuple(getattr(_g, name) for name in dir(_g) if name.startswith("pointer_wrapper_"))


# --------------------------------------------------------------------- errors

def _raise(err, message: str = "", call: str = "") -> None:
    """Raise CudaError for a failed cudaError_t, with an optional better message."""
    raise CudaError(int(err), err.name, err.description, message or err.message, call or err.call)


def _check(err, message: str = "") -> None:
    if int(err) != _g.cudaSuccess:
        _raise(err, message)


def _ready(err) -> bool:
    """A query's answer: False for cudaErrorNotReady, True for success, else raise."""
    if int(err) == _g.cudaErrorNotReady:
        return False
    _check(err)
    return True


def _error(code: int, message: str, call: str) -> CudaError:
    err = _g.cudaError_t(code)
    return CudaError(int(err), err.name, err.description, message, call)


# ------------------------------------------------------------- argument helpers

def _stream_handle(stream):
    """What the low-level API takes as a stream, from None, a Stream, a cudaStream_t or an int.

    Parameters
    ----------
    stream : None, Stream, cudaStream_t or int
        ``None`` is the legacy default stream.

    Returns
    -------
    None, cudaStream_t or int

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> s = cuda.Stream()
    >>> cuda._stream_handle(s) is s._stream
    True
    >>> cuda._stream_handle(None) is None
    True
    """
    if stream is None or isinstance(stream, _g.cudaStream_t):
        return stream
    if isinstance(stream, Stream):
        return stream._stream
    try:
        return operator.index(stream)
    except TypeError:
        raise TypeError("expected a stream (PyGPU.driver.Stream, cudaStream_t, an int handle or None), "
                        f"got {type(stream).__name__}") from None


def _device_pointer(obj):
    """What the low-level API takes as device memory, from the forms PyCUDA accepts.

    A DeviceAllocation gives its pointer object (so a freed allocation is
    caught), a pointer object or an object with ``__cuda_array_interface__``
    passes through, a PyCUDA-style pointer holder (``get_pointer()``) and
    integers (numpy integers included) give an int address. Host buffers and
    other types are a TypeError.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> d = cuda.mem_alloc(16)
    >>> cuda._device_pointer(d) is d._ptr
    True
    """
    if isinstance(obj, DeviceAllocation):
        return obj._ptr
    if isinstance(obj, _POINTER_TYPES):
        return obj
    if isinstance(obj, (np.ndarray, np.generic, bytes, bytearray, memoryview)) and not isinstance(obj, np.integer):
        raise TypeError(f"expected device memory, got a host buffer ({type(obj).__name__}); "
                        "pass a DeviceAllocation, a pointer object or an int address")
    if getattr(obj, "__cuda_array_interface__", None) is not None:
        return obj
    get_pointer = getattr(obj, "get_pointer", None)
    if callable(get_pointer):
        return operator.index(get_pointer())
    try:
        return operator.index(obj)
    except TypeError:
        raise TypeError("expected device memory (a DeviceAllocation, a pointer object, an int address "
                        f"or an object with __cuda_array_interface__), got {type(obj).__name__}") from None


def _host_nbytes(obj, what: str) -> int:
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


def _size(size) -> int:
    try:
        size = operator.index(size)
    except TypeError:
        raise TypeError(f"size must be an int, got {type(size).__name__}") from None
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    return size


# ------------------------------------------------------------------- versions

def init(flags: int = 0) -> None:
    """Initialise the driver: nothing to do, PyGPU initialises at import.

    Parameters
    ----------
    flags : int
        Accepted for compatibility (CUDA requires 0).

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> cuda.init()
    """


def get_version() -> tuple:
    """The CUDA runtime version as ``(major, minor, patch)``, like PyCUDA's.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> len(cuda.get_version())
    3
    """
    version, err = _g.cudaRuntimeGetVersion()
    _check(err)
    return (version // 1000, (version % 1000) // 10, version % 10)


def get_driver_version() -> int:
    """The driver version as an int (``1000 * major + 10 * minor``).

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> cuda.get_driver_version() > 0
    True
    """
    version, err = _g.cudaDriverGetVersion()
    _check(err)
    return version


# ---------------------------------------------------------------- enumerations

class _NamedIntEnum(enum.IntEnum):
    # Like PyCUDA's enums: str() is the member's name, int() its value.
    def __str__(self) -> str:
        return self.name


class device_attribute(_NamedIntEnum):
    """Device attributes, with CUDA's ``CUdevice_attribute`` numbers.

    Only the attributes that the runtime's device properties carry are
    members; query them with :meth:`Device.get_attribute`.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> int(cuda.device_attribute.WARP_SIZE), str(cuda.device_attribute.WARP_SIZE)
    (10, 'WARP_SIZE')
    """

    MAX_THREADS_PER_BLOCK = 1
    MAX_BLOCK_DIM_X = 2
    MAX_BLOCK_DIM_Y = 3
    MAX_BLOCK_DIM_Z = 4
    MAX_GRID_DIM_X = 5
    MAX_GRID_DIM_Y = 6
    MAX_GRID_DIM_Z = 7
    MAX_SHARED_MEMORY_PER_BLOCK = 8
    SHARED_MEMORY_PER_BLOCK = 8  # deprecated alias, as in CUDA and PyCUDA
    TOTAL_CONSTANT_MEMORY = 9
    WARP_SIZE = 10
    MAX_PITCH = 11
    MAX_REGISTERS_PER_BLOCK = 12
    REGISTERS_PER_BLOCK = 12  # deprecated alias
    TEXTURE_ALIGNMENT = 14
    MULTIPROCESSOR_COUNT = 16
    INTEGRATED = 18
    CAN_MAP_HOST_MEMORY = 19
    CONCURRENT_KERNELS = 31
    ECC_ENABLED = 32
    PCI_BUS_ID = 33
    PCI_DEVICE_ID = 34
    GLOBAL_MEMORY_BUS_WIDTH = 37
    L2_CACHE_SIZE = 38
    MAX_THREADS_PER_MULTIPROCESSOR = 39
    PCI_DOMAIN_ID = 50
    COMPUTE_CAPABILITY_MAJOR = 75
    COMPUTE_CAPABILITY_MINOR = 76
    MANAGED_MEMORY = 83
    MULTI_GPU_BOARD = 84
    COOPERATIVE_LAUNCH = 95


# attribute -> how to read it from a cudaDeviceProp (one line per attribute)
_ATTRIBUTE_FIELDS = {
    device_attribute.MAX_THREADS_PER_BLOCK: lambda p: p.maxThreadsPerBlock,
    device_attribute.MAX_BLOCK_DIM_X: lambda p: p.maxThreadsDim[0],
    device_attribute.MAX_BLOCK_DIM_Y: lambda p: p.maxThreadsDim[1],
    device_attribute.MAX_BLOCK_DIM_Z: lambda p: p.maxThreadsDim[2],
    device_attribute.MAX_GRID_DIM_X: lambda p: p.maxGridSize[0],
    device_attribute.MAX_GRID_DIM_Y: lambda p: p.maxGridSize[1],
    device_attribute.MAX_GRID_DIM_Z: lambda p: p.maxGridSize[2],
    device_attribute.MAX_SHARED_MEMORY_PER_BLOCK: lambda p: p.sharedMemPerBlock,
    device_attribute.TOTAL_CONSTANT_MEMORY: lambda p: p.totalConstMem,
    device_attribute.WARP_SIZE: lambda p: p.warpSize,
    device_attribute.MAX_PITCH: lambda p: p.memPitch,
    device_attribute.MAX_REGISTERS_PER_BLOCK: lambda p: p.regsPerBlock,
    device_attribute.TEXTURE_ALIGNMENT: lambda p: p.textureAlignment,
    device_attribute.MULTIPROCESSOR_COUNT: lambda p: p.multiProcessorCount,
    device_attribute.INTEGRATED: lambda p: p.integrated,
    device_attribute.CAN_MAP_HOST_MEMORY: lambda p: p.canMapHostMemory,
    device_attribute.CONCURRENT_KERNELS: lambda p: p.concurrentKernels,
    device_attribute.ECC_ENABLED: lambda p: p.ECCEnabled,
    device_attribute.PCI_BUS_ID: lambda p: p.pciBusID,
    device_attribute.PCI_DEVICE_ID: lambda p: p.pciDeviceID,
    device_attribute.GLOBAL_MEMORY_BUS_WIDTH: lambda p: p.memoryBusWidth,
    device_attribute.L2_CACHE_SIZE: lambda p: p.l2CacheSize,
    device_attribute.MAX_THREADS_PER_MULTIPROCESSOR: lambda p: p.maxThreadsPerMultiProcessor,
    device_attribute.PCI_DOMAIN_ID: lambda p: p.pciDomainID,
    device_attribute.COMPUTE_CAPABILITY_MAJOR: lambda p: p.major,
    device_attribute.COMPUTE_CAPABILITY_MINOR: lambda p: p.minor,
    device_attribute.MANAGED_MEMORY: lambda p: p.managedMemory,
    device_attribute.MULTI_GPU_BOARD: lambda p: p.isMultiGpuBoard,
    device_attribute.COOPERATIVE_LAUNCH: lambda p: p.cooperativeLaunch,
}


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


class host_alloc_flags(enum.IntFlag):
    """``mem_flags`` for :func:`pagelocked_empty` (accepted; see its notes).

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> a = cuda.pagelocked_empty(4, "float32", mem_flags=cuda.host_alloc_flags.PORTABLE)
    """

    PORTABLE = 1
    DEVICEMAP = 2
    WRITECOMBINED = 4


# --------------------------------------------------------------------- devices

class Device:
    """A GPU, by ordinal (or by PCI bus id string, as in PyCUDA).

    Parameters
    ----------
    ordinal : int or str
        ``0 <= ordinal < Device.count()``, or a PCI bus id such as
        ``"0000:01:00.0"``. Anything else raises CudaError
        (``cudaErrorInvalidDevice``).

    Notes
    -----
    Attributes are also readable as ``dev.MAX_THREADS_PER_BLOCK`` (any case),
    as in PyCUDA.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> dev = cuda.Device(0)
    >>> dev.compute_capability() == (dev.COMPUTE_CAPABILITY_MAJOR, dev.COMPUTE_CAPABILITY_MINOR)
    True
    """

    def __init__(self, ordinal) -> None:
        if isinstance(ordinal, str):
            ordinal = self._ordinal_of_bus_id(ordinal)
        try:
            ordinal = operator.index(ordinal)
        except TypeError:
            raise TypeError("Device() takes an int ordinal or a PCI bus id string, "
                            f"got {type(ordinal).__name__}") from None
        count = Device.count()
        if not 0 <= ordinal < count:
            raise _error(_g.cudaErrorInvalidDevice, f"device {ordinal} does not exist: there are {count} device(s)",
                         "Device")
        self._ordinal = ordinal

    @staticmethod
    def _ordinal_of_bus_id(bus_id: str) -> int:
        for n in range(Device.count()):
            if Device(n).pci_bus_id().lower() == bus_id.strip().lower():
                return n
        raise _error(_g.cudaErrorInvalidDevice, f"no device has PCI bus id {bus_id!r}", "Device")

    @staticmethod
    def count() -> int:
        """The number of devices.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device.count() >= 1
        True
        """
        count, err = _g.cudaGetDeviceCount()
        _check(err)
        return count

    def _props(self):
        prop, err = _g.cudaGetDeviceProperties(self._ordinal)
        _check(err)
        return prop

    def name(self) -> str:
        """The device's name.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> isinstance(cuda.Device(0).name(), str)
        True
        """
        return self._props().name

    def compute_capability(self) -> tuple:
        """``(major, minor)``.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> major, minor = cuda.Device(0).compute_capability()
        """
        prop = self._props()
        return (prop.major, prop.minor)

    def total_memory(self) -> int:
        """Global memory in bytes.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).total_memory() > 0
        True
        """
        return self._props().totalGlobalMem

    def pci_bus_id(self) -> str:
        """The PCI bus id as CUDA writes it: ``"domain:bus:device.0"`` in hex.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> len(cuda.Device(0).pci_bus_id())
        12
        """
        prop = self._props()
        return f"{prop.pciDomainID:04X}:{prop.pciBusID:02X}:{prop.pciDeviceID:02X}.0"

    def get_attribute(self, attr) -> int:
        """The value of one :class:`device_attribute`.

        Parameters
        ----------
        attr : device_attribute or int
            An int must be the number of a member of :class:`device_attribute`;
            other numbers raise CudaError (``cudaErrorInvalidValue``).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).get_attribute(cuda.device_attribute.WARP_SIZE)
        32
        """
        return self._attribute(attr, self._props())

    @staticmethod
    def _attribute(attr, prop) -> int:
        if isinstance(attr, (bool, str)) or not isinstance(attr, (int, np.integer)):
            raise TypeError(f"expected a device_attribute, got {type(attr).__name__}")
        try:
            attr = device_attribute(int(attr))
        except ValueError:
            raise _error(_g.cudaErrorInvalidValue, f"device attribute {int(attr)} is not available in PyGPU "
                         "(see PyGPU.driver.device_attribute)", "Device.get_attribute") from None
        return int(_ATTRIBUTE_FIELDS[attr](prop))

    def get_attributes(self) -> dict:
        """All attributes: ``{device_attribute: int}``.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> attrs = cuda.Device(0).get_attributes()
        >>> attrs[cuda.device_attribute.WARP_SIZE]
        32
        """
        prop = self._props()
        return {attr: self._attribute(attr, prop) for attr in device_attribute}

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            attr = device_attribute[name.upper()]
        except KeyError:
            raise AttributeError(f"'Device' object has no attribute '{name}'") from None
        return self.get_attribute(attr)

    def make_context(self, flags: int = 0) -> "Context":
        """Make this device current and return its (primary) context, pushed.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> ctx = cuda.Device(0).make_context()
        >>> ctx.pop()
        """
        ctx = Context(self)
        ctx.push()
        return ctx

    def retain_primary_context(self) -> "Context":
        """This device's primary context (not pushed).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).retain_primary_context().get_device() is not None
        True
        """
        return Context(self)

    def can_access_peer(self, other: "Device") -> bool:
        """Whether this device can access memory on `other`.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> isinstance(cuda.Device(0).can_access_peer(cuda.Device(0)), bool)
        True
        """
        if not isinstance(other, Device):
            raise TypeError(f"expected a Device, got {type(other).__name__}")
        if other._ordinal == self._ordinal:
            return False
        result, err = _g.cudaDeviceCanAccessPeer(self._ordinal, other._ordinal)
        _check(err)
        return bool(result)

    def __int__(self) -> int:
        return self._ordinal

    def __eq__(self, other) -> bool:
        return isinstance(other, Device) and other._ordinal == self._ordinal

    def __ne__(self, other) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._ordinal)

    def __repr__(self) -> str:
        return f"<PyGPU.driver.Device {self._ordinal}>"


class Context:
    """A device's context. PyGPU uses each device's primary context, so a
    Context only chooses the calling thread's current device.

    ``push()`` makes its device current (remembering the previous one);
    ``Context.pop()`` restores the previous device and does nothing when
    nothing was pushed; ``detach()`` does nothing: the primary context lives
    as long as the process.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> ctx = cuda.Device(0).make_context()
    >>> cuda.Context.synchronize()
    >>> cuda.Context.get_device()
    <PyGPU.driver.Device 0>
    >>> ctx.pop()
    """

    _stack = threading.local()

    def __init__(self, device: Device | None = None) -> None:
        if device is None:
            device = Context.get_device()
        if not isinstance(device, Device):
            raise TypeError(f"expected a Device, got {type(device).__name__}")
        self._device = device

    @staticmethod
    def _previous() -> list:
        stack = getattr(Context._stack, "devices", None)
        if stack is None:
            stack = Context._stack.devices = []
        return stack

    @staticmethod
    def synchronize() -> None:
        """Wait for all work on the current device (cudaDeviceSynchronize).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.synchronize()
        """
        _check(_g.cudaDeviceSynchronize())

    @staticmethod
    def get_device() -> Device:
        """The current device.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.get_device() == cuda.Device(0)
        True
        """
        ordinal, err = _g.cudaGetDevice()
        _check(err)
        return Device(ordinal)

    @staticmethod
    def get_current() -> "Context":
        """The current device's context.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.get_current().get_device() == cuda.Context.get_device()
        True
        """
        return Context(Context.get_device())

    def push(self) -> None:
        """Make this context's device current (the previous one is restored by pop).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).retain_primary_context().push()
        >>> cuda.Context.pop()
        """
        previous, err = _g.cudaGetDevice()
        _check(err)
        _check(_g.cudaSetDevice(self._device._ordinal))
        Context._previous().append(previous)

    @staticmethod
    def pop() -> None:
        """Restore the device current before the last push (no-op if none).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.pop()
        """
        stack = Context._previous()
        if stack:
            _check(_g.cudaSetDevice(stack.pop()))

    def detach(self) -> None:
        """Nothing to release: the primary context lives as long as the process.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.get_current().detach()
        """

    def __eq__(self, other) -> bool:
        return isinstance(other, Context) and other._device == self._device

    def __hash__(self) -> int:
        return hash(("Context", self._device._ordinal))

    def __repr__(self) -> str:
        return f"<PyGPU.driver.Context of device {self._device._ordinal}>"


# ------------------------------------------------------------ streams, events

class Stream:
    """A stream: work queued on it runs in order, asynchronously to the host.

    Parameters
    ----------
    flags : int
        0, or ``PyGPU.cudaStreamNonBlocking`` (PyCUDA's ``NON_BLOCKING``, 1).

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
        """The raw stream handle."""
        return int(self._stream)

    handle_int = handle

    def synchronize(self) -> None:
        """Wait until all work queued on the stream is done.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Stream().synchronize()
        """
        _check(self._stream.synchronize())

    def is_done(self) -> bool:
        """Whether all work queued on the stream is done.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Stream().is_done()
        True
        """
        return _ready(self._stream.query())

    def wait_for_event(self, event: "Event") -> None:
        """Make later work on this stream wait for the event's last record.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> s, e = cuda.Stream(), cuda.Event()
        >>> s.wait_for_event(e.record())
        """
        _check(_g.cudaStreamWaitEvent(self._stream, _event_handle(event)))

    def __int__(self) -> int:
        return int(self._stream)

    def __repr__(self) -> str:
        return f"<PyGPU.driver.Stream handle={int(self._stream):#x}>"


def _event_handle(event):
    if isinstance(event, Event):
        return event._event
    if isinstance(event, _g.cudaEvent_t):
        return event
    raise TypeError(f"expected an Event, got {type(event).__name__}")


class Event:
    """An event: a marker recorded in stream order, for waiting and timing.

    Parameters
    ----------
    flags : int
        A combination of :class:`event_flags`.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> start, end = cuda.Event(), cuda.Event()
    >>> start.record()  # doctest: +ELLIPSIS
    <PyGPU.driver.Event ...>
    >>> end.record().synchronize()  # doctest: +ELLIPSIS
    <PyGPU.driver.Event ...>
    >>> start.time_till(end) >= 0
    True
    """

    def __init__(self, flags: int = 0) -> None:
        self._event = _g.cudaEvent_t(flags)

    @property
    def handle(self) -> int:
        """The raw event handle."""
        return int(self._event)

    def record(self, stream=None) -> "Event":
        """Record the event in `stream` (None: the default stream); returns self.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> e = cuda.Event().record(cuda.Stream())
        """
        _check(_g.cudaEventRecord(self._event, _stream_handle(stream)))
        return self

    def synchronize(self) -> "Event":
        """Wait until the last record has happened; returns self.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> e = cuda.Event().record().synchronize()
        """
        _check(self._event.synchronize())
        return self

    def query(self) -> bool:
        """Whether the last record has happened (True if never recorded).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Event().query()
        True
        """
        return _ready(self._event.query())

    def time_till(self, other: "Event") -> float:
        """Milliseconds from this event to `other` (both recorded and done).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> a = cuda.Event().record()
        >>> b = cuda.Event().record().synchronize()
        >>> a.time_till(b) >= 0
        True
        """
        ms, err = _g.cudaEventElapsedTime(self._event, _event_handle(other))
        _check(err)
        return ms

    def time_since(self, other: "Event") -> float:
        """Milliseconds from `other` to this event (both recorded and done).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> a = cuda.Event().record()
        >>> b = cuda.Event().record().synchronize()
        >>> b.time_since(a) >= 0
        True
        """
        ms, err = _g.cudaEventElapsedTime(_event_handle(other), self._event)
        _check(err)
        return ms

    def __int__(self) -> int:
        return int(self._event)

    def __repr__(self) -> str:
        return f"<PyGPU.driver.Event handle={int(self._event):#x}>"


# --------------------------------------------------------------- device memory

class DeviceAllocation:
    """Device memory from :func:`mem_alloc`, freed when the last reference goes.

    ``int(alloc)`` is the device address. ``free()`` frees it at once; freeing
    twice raises CudaError, and the memory is never freed twice. A failure to
    free when the object is dropped becomes a RuntimeWarning.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> d = cuda.mem_alloc(1024)
    >>> int(d) != 0
    True
    >>> d.free()
    """

    __slots__ = ("_ptr", "__weakref__")

    def __init__(self, ptr) -> None:
        self._ptr = ptr

    def free(self) -> None:
        """Free the memory now (CudaError if it was already freed).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.mem_alloc(16).free()
        """
        _check(_g.cudaFree(self._ptr))

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
            try:
                warnings.warn(f"freeing a DeviceAllocation failed: {exc}", RuntimeWarning, stacklevel=2)
            except Exception:
                pass

    def __repr__(self) -> str:
        state = "" if self._ptr.alive else ", freed"
        return f"<PyGPU.driver.DeviceAllocation {int(self._ptr):#x}{state}>"


def mem_alloc(nbytes: int) -> DeviceAllocation:
    """Allocate `nbytes` of device memory on the current device.

    Raises CudaError (``cudaErrorMemoryAllocation``) when the device is full.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> d = cuda.mem_alloc(256)
    """
    ptr, err = _g.cudaMalloc(nbytes)
    _check(err)
    return DeviceAllocation(ptr)


def mem_alloc_like(ary) -> DeviceAllocation:
    """Device memory of ``ary.nbytes`` bytes.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> d = cuda.mem_alloc_like(np.zeros(8))
    """
    return mem_alloc(ary.nbytes)


def mem_get_info() -> tuple:
    """``(free, total)`` bytes of the current device.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> free, total = cuda.mem_get_info()
    >>> free <= total
    True
    """
    info, err = _g.cudaMemGetInfo()
    _check(err)
    return tuple(info)


# ----------------------------------------------------------------------- copies

def memcpy_htod(dest, src) -> None:
    """Copy all of the host buffer `src` to device memory `dest`.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> a = np.ones(4, dtype=np.float32)
    >>> d = cuda.mem_alloc(a.nbytes)
    >>> cuda.memcpy_htod(d, a)
    """
    count = _host_nbytes(src, "src")
    _check(_g.cudaMemcpy(_device_pointer(dest), src, count, _g.cudaMemcpyHostToDevice))


def memcpy_dtoh(dest, src) -> None:
    """Fill the host buffer `dest` from device memory `src`.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> d = cuda.mem_alloc(16)
    >>> out = np.empty(4, dtype=np.float32)
    >>> cuda.memcpy_dtoh(out, d)
    """
    count = _host_nbytes(dest, "dest")
    _check(_g.cudaMemcpy(dest, _device_pointer(src), count, _g.cudaMemcpyDeviceToHost))


def memcpy_dtod(dest, src, size: int) -> None:
    """Copy `size` bytes between device memory.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> a, b = cuda.mem_alloc(64), cuda.mem_alloc(64)
    >>> cuda.memcpy_dtod(b, a, 64)
    """
    _check(_g.cudaMemcpy(_device_pointer(dest), _device_pointer(src), _size(size), _g.cudaMemcpyDeviceToDevice))


def memcpy_htod_async(dest, src, stream=None) -> None:
    """Queue a copy of the host buffer `src` to `dest` on `stream`.

    `src` should be page-locked (:func:`pagelocked_empty`) for the copy to be
    asynchronous; it must stay unchanged until the stream reaches the copy.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> a = cuda.pagelocked_zeros(4, "float32")
    >>> d, s = cuda.mem_alloc(a.nbytes), cuda.Stream()
    >>> cuda.memcpy_htod_async(d, a, s)
    >>> s.synchronize()
    """
    count = _host_nbytes(src, "src")
    _check(_g.cudaMemcpyAsync(_device_pointer(dest), src, count, _g.cudaMemcpyHostToDevice,
                              _stream_handle(stream)))


def memcpy_dtoh_async(dest, src, stream=None) -> None:
    """Queue a copy from `src` filling the host buffer `dest` on `stream`.

    `dest` should be page-locked; read it only after synchronising.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> out = cuda.pagelocked_empty(4, "float32")
    >>> d, s = cuda.mem_alloc(out.nbytes), cuda.Stream()
    >>> cuda.memcpy_dtoh_async(out, d, s)
    >>> s.synchronize()
    """
    count = _host_nbytes(dest, "dest")
    _check(_g.cudaMemcpyAsync(dest, _device_pointer(src), count, _g.cudaMemcpyDeviceToHost,
                              _stream_handle(stream)))


def memcpy_dtod_async(dest, src, size: int, stream=None) -> None:
    """Queue a copy of `size` bytes between device memory on `stream`.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> a, b, s = cuda.mem_alloc(64), cuda.mem_alloc(64), cuda.Stream()
    >>> cuda.memcpy_dtod_async(b, a, 64, s)
    >>> s.synchronize()
    """
    _check(_g.cudaMemcpyAsync(_device_pointer(dest), _device_pointer(src), _size(size),
                              _g.cudaMemcpyDeviceToDevice, _stream_handle(stream)))


# ------------------------------------------------------------ pinned host arrays

def _pinned_allocator(dtype: np.dtype):
    if dtype.isnative and dtype.name in _g.dtypes and np.dtype(dtype.name) == dtype:
        return getattr(_g, f"PagelockedAllocator_{dtype.name}")
    raise TypeError(f"pagelocked arrays of dtype {dtype} are not supported; "
                    f"supported dtypes: {', '.join(_g.dtypes)}")


def pagelocked_empty(shape, dtype, order: str = "C", mem_flags: int = 0) -> np.ndarray:
    """A numpy array in page-locked (pinned) host memory.

    Parameters
    ----------
    shape : int or tuple of int
    dtype : numpy dtype
        One of ``PyGPU.dtypes`` (TypeError otherwise).
    order : {"C", "F"}
    mem_flags : int
        A combination of :class:`host_alloc_flags`. Accepted and checked; the
        memory is always portable pinned memory, visible to every device.

    Returns
    -------
    numpy.ndarray
        Keeps the pinned memory alive; it is freed with the last view.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> a = cuda.pagelocked_empty((2, 3), "float32", order="F")
    >>> a.shape, a.flags.f_contiguous
    ((2, 3), True)
    """
    dtype = np.dtype(dtype)
    if order not in ("C", "F"):
        raise ValueError(f"order must be 'C' or 'F', got {order!r}")
    try:
        flags = operator.index(mem_flags)
    except TypeError:
        raise TypeError(f"mem_flags must be an int, got {type(mem_flags).__name__}") from None
    if flags & ~7:
        raise _error(_g.cudaErrorInvalidValue, f"unknown mem_flags {flags:#x} (use host_alloc_flags)",
                     "pagelocked_empty")
    shape = (operator.index(shape),) if np.ndim(shape) == 0 else tuple(operator.index(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"negative dimensions are not allowed: {shape}")
    allocator = _pinned_allocator(dtype)(math.prod(shape))
    return np.asarray(allocator).reshape(shape, order=order)


def pagelocked_zeros(shape, dtype, order: str = "C", mem_flags: int = 0) -> np.ndarray:
    """Like :func:`pagelocked_empty`, filled with zeros.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> float(cuda.pagelocked_zeros(3, "float64").sum())
    0.0
    """
    result = pagelocked_empty(shape, dtype, order, mem_flags)
    result.fill(0)
    return result


def _order_of(array) -> str:
    if array.flags.c_contiguous:
        return "C"
    if array.flags.f_contiguous:
        return "F"
    raise ValueError("could not detect array order")


def pagelocked_empty_like(array, mem_flags: int = 0) -> np.ndarray:
    """A pinned array with the shape, dtype and order of `array`.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> cuda.pagelocked_empty_like(np.zeros((2, 2), dtype=np.int32)).dtype
    dtype('int32')
    """
    return pagelocked_empty(array.shape, array.dtype, _order_of(array), mem_flags)


def pagelocked_zeros_like(array, mem_flags: int = 0) -> np.ndarray:
    """Like :func:`pagelocked_empty_like`, filled with zeros.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> int(cuda.pagelocked_zeros_like(np.ones(3, dtype=np.int64)).sum())
    0
    """
    result = pagelocked_empty_like(array, mem_flags)
    result.fill(0)
    return result


# -------------------------------------------------------- kernel argument wrappers

class ArgumentHandler:
    """Base of :class:`In`, :class:`Out` and :class:`InOut`: a host array that a
    kernel call passes as device memory allocated on demand.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> h = cuda.In(np.arange(4, dtype=np.float32))
    >>> h.pre_call(None)
    >>> int(h.get_device_alloc()) != 0
    True
    """

    def __init__(self, ary) -> None:
        self.array = ary
        self.dev_alloc = None

    def get_device_alloc(self) -> DeviceAllocation:
        """The device memory for the array (allocated on first use)."""
        if self.dev_alloc is None:
            try:
                self.dev_alloc = mem_alloc_like(self.array)
            except AttributeError:
                raise TypeError(f"could not determine array length of '{type(self.array)}': "
                                "unsupported array type or not an array") from None
        return self.dev_alloc

    def pre_call(self, stream) -> None:
        """Before the kernel: nothing for an output-only argument."""


class In(ArgumentHandler):
    """An input argument: copied to the device before the call.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> arg = cuda.In(np.ones(8))
    >>> arg.pre_call(None)
    """

    def pre_call(self, stream) -> None:
        """Copy the array to the device (in stream order when `stream` is given)."""
        if stream is None:
            memcpy_htod(self.get_device_alloc(), self.array)
        else:
            memcpy_htod_async(self.get_device_alloc(), self.array, stream)


class Out(ArgumentHandler):
    """An output argument: copied back to the host array after the call.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> arg = cuda.Out(np.empty(8))
    >>> arg.pre_call(None); arg.post_call(None)
    """

    def post_call(self, stream) -> None:
        """Copy the device memory back into the array; with a stream the copy
        is queued on it and waited for, so the array is ready on return."""
        if stream is None:
            memcpy_dtoh(self.array, self.get_device_alloc())
        else:
            memcpy_dtoh_async(self.array, self.get_device_alloc(), stream)
            _check(_g.cudaStreamSynchronize(_stream_handle(stream)))


class InOut(In, Out):
    """An argument copied to the device before the call and back after it.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> arg = cuda.InOut(np.ones(8))
    >>> arg.pre_call(None); arg.post_call(None)
    """


# PyCUDA's error names that shadow builtins: attributes only, not in __all__.
globals()["MemoryError"] = CudaError
globals()["RuntimeError"] = CudaError
