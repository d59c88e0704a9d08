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

import contextlib
import enum
import math
import operator
import sys
import threading
import warnings
from typing import TYPE_CHECKING, Any, Callable, Literal, NoReturn, Protocol, SupportsIndex, Union, cast

import numpy as np
import numpy.typing as npt

from . import _core as _g
from ._errors import CudaError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from typing_extensions import Buffer, TypeAlias

    class _HasCudaArrayInterface(Protocol):
        @property
        def __cuda_array_interface__(self) -> dict[str, object]: ...

    class _HasGetPointer(Protocol):
        def get_pointer(self) -> SupportsIndex: ...

    class _HasNbytes(Protocol):
        @property
        def nbytes(self) -> int: ...

    #: What a stream argument may be: None is the legacy default stream.
    _StreamLike: TypeAlias = Union["Stream", _g.cudaStream_t, SupportsIndex, None]
    #: What the low-level API takes as a stream.
    _StreamHandle: TypeAlias = Union[_g.cudaStream_t, int, None]
    #: The forms of device memory that PyCUDA's functions accept.
    _DeviceMemory: TypeAlias = Union["DeviceAllocation", _g.pointer_wrapper_void, _HasCudaArrayInterface,
                                     _HasGetPointer, SupportsIndex]
    #: What the low-level API takes as device memory.
    _DevicePointer: TypeAlias = Union[_g.pointer_wrapper_void, _HasCudaArrayInterface, int]
    #: A host buffer: numpy declares ndarray.__buffer__ only from Python 3.12 (PEP 688).
    _HostBuffer: TypeAlias = Union[Buffer, npt.NDArray[Any]]
    #: An array shape: an int or a sequence of ints.
    _ShapeLike: TypeAlias = Union[SupportsIndex, Sequence[SupportsIndex]]

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

_POINTER_TYPES: tuple[type[_g.pointer_wrapper_void], ...] = tuple(
    getattr(_g, name) for name in dir(_g) if name.startswith("pointer_wrapper_"))


# --------------------------------------------------------------------- errors

def _raise(err: _g.cudaError_t, message: str = "", call: str = "") -> NoReturn:
    """Raise CudaError for a failed cudaError_t, with an optional better message."""
    raise CudaError(int(err), err.name, err.description, message or err.message, call or err.call)


def _check(err: _g.cudaError_t, message: str = "") -> None:
    if int(err) != _g.cudaSuccess:
        _raise(err, message)


def _ready(err: _g.cudaError_t) -> bool:
    """A query's answer: False for cudaErrorNotReady, True for success, else raise."""
    if int(err) == _g.cudaErrorNotReady:
        return False
    _check(err)
    return True


def _error(code: int, message: str, call: str) -> CudaError:
    err = _g.cudaError_t(code)
    return CudaError(int(err), err.name, err.description, message, call)


# ------------------------------------------------------------- argument helpers

def _stream_handle(stream: _StreamLike) -> _StreamHandle:
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


def _device_pointer(obj: _DeviceMemory) -> _DevicePointer:
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
        return cast("_HasCudaArrayInterface", obj)
    get_pointer = getattr(obj, "get_pointer", None)
    if callable(get_pointer):
        return operator.index(get_pointer())
    try:
        return operator.index(cast("SupportsIndex", obj))
    except TypeError:
        raise TypeError("expected device memory (a DeviceAllocation, a pointer object, an int address "
                        f"or an object with __cuda_array_interface__), got {type(obj).__name__}") from None


def _host_nbytes(obj: _HostBuffer, what: str) -> int:
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
    try:
        n = operator.index(size)
    except TypeError:
        raise TypeError(f"size must be an int, got {type(size).__name__}") from None
    if n < 0:
        raise ValueError(f"size must be >= 0, got {n}")
    return n


# ------------------------------------------------------------------- versions

def init(flags: int = 0) -> None:
    """Initialise the driver: nothing to do, PyGPU initialises at import.

    Parameters
    ----------
    flags : int, default 0
        Accepted for compatibility (CUDA requires 0); not checked.

    Notes
    -----
    PyCUDA's ``init()`` must be called before anything else; in PyGPU the
    backend is initialised when :mod:`PyGPU` is imported, so calling it is
    optional and calling it again is harmless.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> cuda.init()
    >>> cuda.Device.count() >= 1
    True
    """


def get_version() -> tuple[int, int, int]:
    """The CUDA runtime version as ``(major, minor, patch)``, like PyCUDA's.

    Returns
    -------
    tuple of (int, int, int)
        From ``cudaRuntimeGetVersion`` (``1000 * major + 10 * minor + patch``).

    Raises
    ------
    CudaError
        When the runtime cannot say.

    Notes
    -----
    PyCUDA reports the CUDA version it was compiled against; PyGPU reports
    the active backend's runtime (the simulated device reports the runtime
    it imitates).

    Examples
    --------
    >>> import PyGPU, PyGPU.driver as cuda
    >>> major, minor, patch = cuda.get_version()
    >>> 1000 * major + 10 * minor + patch == PyGPU.cudaRuntimeGetVersion()[0]
    True
    """
    version, err = _g.cudaRuntimeGetVersion()
    _check(err)
    assert version is not None  # set when err is cudaSuccess
    return (version // 1000, (version % 1000) // 10, version % 10)


def get_driver_version() -> int:
    """The driver version as an int (``1000 * major + 10 * minor``).

    Returns
    -------
    int
        From ``cudaDriverGetVersion``; 0 when no driver is installed.

    Raises
    ------
    CudaError
        When the runtime cannot say.

    Examples
    --------
    >>> import PyGPU, PyGPU.driver as cuda
    >>> cuda.get_driver_version() == PyGPU.cudaDriverGetVersion()[0]
    True
    """
    version, err = _g.cudaDriverGetVersion()
    _check(err)
    assert version is not None
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

    Notes
    -----
    PyCUDA lists every ``CUdevice_attribute``; PyGPU, built on the runtime
    API, has the ones ``cudaGetDeviceProperties`` answers. Another number
    raises CudaError (``cudaErrorInvalidValue``) in
    :meth:`Device.get_attribute`.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> int(cuda.device_attribute.WARP_SIZE), str(cuda.device_attribute.WARP_SIZE)
    (10, 'WARP_SIZE')
    >>> cuda.device_attribute(75)
    <device_attribute.COMPUTE_CAPABILITY_MAJOR: 75>
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
_ATTRIBUTE_FIELDS: dict[device_attribute, Callable[[_g.cudaDeviceProp], int]] = {
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
    >>> import PyGPU, PyGPU.driver as cuda
    >>> cuda.event_flags.DISABLE_TIMING == PyGPU.cudaEventDisableTiming
    True
    >>> e = cuda.Event(cuda.event_flags.DISABLE_TIMING | cuda.event_flags.BLOCKING_SYNC)
    >>> e.record().synchronize().query()
    True
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
    >>> a = cuda.pagelocked_zeros(4, "float32", mem_flags=cuda.host_alloc_flags.PORTABLE)
    >>> a.tolist(), int(cuda.host_alloc_flags.DEVICEMAP)
    ([0.0, 0.0, 0.0, 0.0], 2)
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

    Raises
    ------
    CudaError
        ``cudaErrorInvalidDevice`` for an ordinal out of range or an unknown
        bus id.
    TypeError
        For anything but an int or a str.

    Notes
    -----
    Attributes are also readable as ``dev.MAX_THREADS_PER_BLOCK`` (any case),
    as in PyCUDA. Devices compare equal by ordinal, so ``Device(0) ==
    Device(0)``.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> dev = cuda.Device(0)
    >>> dev.compute_capability() == (dev.COMPUTE_CAPABILITY_MAJOR, dev.COMPUTE_CAPABILITY_MINOR)
    True
    >>> cuda.Device(dev.pci_bus_id()) == dev
    True
    >>> try:
    ...     cuda.Device(cuda.Device.count())
    ... except cuda.Error as exc:
    ...     print(exc.name)
    cudaErrorInvalidDevice
    """

    def __init__(self, ordinal: SupportsIndex | str) -> None:
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

        Returns
        -------
        int
            From ``cudaGetDeviceCount``.

        Raises
        ------
        CudaError
            When the backend has no device (``cudaErrorNoDevice``) or no
            driver.

        Examples
        --------
        >>> import PyGPU, PyGPU.driver as cuda
        >>> cuda.Device.count() == PyGPU.cudaGetDeviceCount()[0]
        True
        """
        count, err = _g.cudaGetDeviceCount()
        _check(err)
        assert count is not None
        return count

    def _props(self) -> _g.cudaDeviceProp:
        prop, err = _g.cudaGetDeviceProperties(self._ordinal)
        _check(err)
        assert prop is not None
        return prop

    def name(self) -> str:
        """The device's name.

        Returns
        -------
        str
            The ``name`` of its ``cudaDeviceProp``.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).name()  # on the simulated device
        'PyGPU Simulated Device'
        """
        return self._props().name

    def compute_capability(self) -> tuple[int, int]:
        """The compute capability, ``(major, minor)``.

        Returns
        -------
        tuple of (int, int)

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).compute_capability()  # the simulated device imitates an sm_80
        (8, 0)
        """
        prop = self._props()
        return (prop.major, prop.minor)

    def total_memory(self) -> int:
        """Global memory in bytes.

        Returns
        -------
        int
            ``totalGlobalMem`` of the device's properties.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).total_memory() == cuda.mem_get_info()[1]
        True
        """
        return self._props().totalGlobalMem

    def pci_bus_id(self) -> str:
        """The PCI bus id as CUDA writes it: ``"domain:bus:device.0"`` in hex.

        Returns
        -------
        str
            E.g. ``"0000:01:00.0"``; :class:`Device` accepts it back.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).pci_bus_id()  # the simulated device's first bus
        '0000:01:00.0'
        """
        prop = self._props()
        return f"{prop.pciDomainID:04X}:{prop.pciBusID:02X}:{prop.pciDeviceID:02X}.0"

    def get_attribute(self, attr: device_attribute | int) -> int:
        """The value of one :class:`device_attribute`.

        Parameters
        ----------
        attr : device_attribute or int
            An int must be the number of a member of :class:`device_attribute`;
            other numbers raise CudaError (``cudaErrorInvalidValue``).

        Returns
        -------
        int
            The value (flags are 0 or 1).

        Raises
        ------
        CudaError
            ``cudaErrorInvalidValue`` for a number that is not a member.
        TypeError
            For anything but a device_attribute or an int.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).get_attribute(cuda.device_attribute.WARP_SIZE)
        32
        >>> cuda.Device(0).get_attribute(10)
        32
        """
        return self._attribute(attr, self._props())

    @staticmethod
    def _attribute(attr: object, prop: _g.cudaDeviceProp) -> int:
        if isinstance(attr, (bool, str)) or not isinstance(attr, (int, np.integer)):
            raise TypeError(f"expected a device_attribute, got {type(attr).__name__}")
        try:
            member = device_attribute(int(attr))
        except ValueError:
            raise _error(_g.cudaErrorInvalidValue, f"device attribute {int(attr)} is not available in PyGPU "
                         "(see PyGPU.driver.device_attribute)", "Device.get_attribute") from None
        return int(_ATTRIBUTE_FIELDS[member](prop))

    def get_attributes(self) -> dict[device_attribute, int]:
        """All attributes: ``{device_attribute: int}``.

        Returns
        -------
        dict
            One entry per member of :class:`device_attribute` (aliases such as
            ``SHARED_MEMORY_PER_BLOCK`` appear under their first name).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> attrs = cuda.Device(0).get_attributes()
        >>> attrs[cuda.device_attribute.WARP_SIZE]
        32
        """
        prop = self._props()
        return {attr: self._attribute(attr, prop) for attr in device_attribute}

    def __getattr__(self, name: str) -> int:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            attr = device_attribute[name.upper()]
        except KeyError:
            raise AttributeError(f"'Device' object has no attribute '{name}'") from None
        return self.get_attribute(attr)

    def make_context(self, flags: int = 0) -> Context:
        """Make this device current and return its (primary) context, pushed.

        Parameters
        ----------
        flags : int, default 0
            Accepted for compatibility; the primary context's flags do not
            change.

        Returns
        -------
        Context
            Pop it (:meth:`Context.pop`) to make the previous device current
            again.

        Notes
        -----
        PyCUDA creates a new context; PyGPU uses the device's primary context,
        so ``make_context`` only changes the current device.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> ctx = cuda.Device(1).make_context()
        >>> cuda.Context.get_device()
        <PyGPU.driver.Device 1>
        >>> ctx.pop()
        >>> cuda.Context.get_device()
        <PyGPU.driver.Device 0>
        """
        ctx = Context(self)
        ctx.push()
        return ctx

    def retain_primary_context(self) -> Context:
        """This device's primary context (not pushed).

        Returns
        -------
        Context
            Push it (:meth:`Context.push`) to make the device current.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).retain_primary_context() == cuda.Context.get_current()
        True
        """
        return Context(self)

    def can_access_peer(self, other: Device) -> bool:
        """Whether this device can access memory on `other`.

        Parameters
        ----------
        other : Device
            Another device; a device and itself give False, as in CUDA.

        Returns
        -------
        bool
            From ``cudaDeviceCanAccessPeer``.

        Raises
        ------
        TypeError
            When `other` is not a Device.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).can_access_peer(cuda.Device(0))
        False
        >>> cuda.Device(0).can_access_peer(cuda.Device(1))  # simulated devices are peers
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

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Device) and other._ordinal == self._ordinal

    def __ne__(self, other: object) -> bool:
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

    Parameters
    ----------
    device : Device, optional
        The context's device; by default the current one.

    Raises
    ------
    TypeError
        When `device` is not a Device.

    Notes
    -----
    PyCUDA's contexts are separate driver contexts with their own memory;
    PyGPU's are the runtime's primary contexts, one per device, so two
    Context objects of one device compare equal.

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
    def _previous() -> list[int]:
        stack: list[int] | None = getattr(Context._stack, "devices", None)
        if stack is None:
            stack = Context._stack.devices = []
        return stack

    @staticmethod
    def synchronize() -> None:
        """Wait for all work on the current device (cudaDeviceSynchronize).

        Raises
        ------
        CudaError
            When queued work failed.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> src, host = np.ones(4, np.float32), cuda.pagelocked_zeros(4, np.float32)
        >>> dev, s = cuda.mem_alloc(host.nbytes), cuda.Stream()
        >>> cuda.memcpy_htod_async(dev, src, s)
        >>> cuda.memcpy_dtoh_async(host, dev, s)
        >>> cuda.Context.synchronize()  # waits for every stream of the device
        >>> host.tolist()
        [1.0, 1.0, 1.0, 1.0]
        >>> dev.free()
        """
        _check(_g.cudaDeviceSynchronize())

    @staticmethod
    def get_device() -> Device:
        """The calling thread's current device.

        Returns
        -------
        Device
            From ``cudaGetDevice``.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.get_device() == cuda.Device(0)
        True
        """
        ordinal, err = _g.cudaGetDevice()
        _check(err)
        assert ordinal is not None
        return Device(ordinal)

    @staticmethod
    def get_current() -> Context:
        """The current device's context.

        Returns
        -------
        Context
            Not pushed.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.get_current().get_device() == cuda.Context.get_device()
        True
        """
        return Context(Context.get_device())

    def push(self) -> None:
        """Make this context's device current (the previous one is restored by pop).

        The stack of previous devices is per thread.

        Raises
        ------
        CudaError
            When the device cannot be made current.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(1).retain_primary_context().push()
        >>> int(cuda.Context.get_device())
        1
        >>> cuda.Context.pop()
        >>> int(cuda.Context.get_device())
        0
        """
        previous, err = _g.cudaGetDevice()
        _check(err)
        assert previous is not None
        _check(_g.cudaSetDevice(self._device._ordinal))
        Context._previous().append(previous)

    @staticmethod
    def pop() -> None:
        """Restore the device current before the last push (no-op if none).

        Notes
        -----
        PyCUDA raises when the context stack is empty; PyGPU's primary
        context is always there, so popping with nothing pushed does nothing.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> ctx = cuda.Device(1).make_context()
        >>> cuda.Context.pop()
        >>> cuda.Context.get_device()
        <PyGPU.driver.Device 0>
        >>> cuda.Context.pop()  # nothing pushed: nothing changes
        >>> cuda.Context.get_device()
        <PyGPU.driver.Device 0>
        """
        stack = Context._previous()
        if stack:
            _check(_g.cudaSetDevice(stack.pop()))

    def detach(self) -> None:
        """Nothing to release: the primary context lives as long as the process.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> ctx = cuda.Context.get_current()
        >>> ctx.detach()
        >>> ctx.get_device() == cuda.Context.get_device()  # still usable
        True
        """

    def __eq__(self, other: object) -> bool:
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
        _check(self._stream.synchronize())

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
        return _ready(self._stream.query())

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
        _check(_g.cudaStreamWaitEvent(self._stream, _event_handle(event)))

    def __int__(self) -> int:
        return int(self._stream)

    def __repr__(self) -> str:
        return f"<PyGPU.driver.Stream handle={int(self._stream):#x}>"


def _event_handle(event: Event | _g.cudaEvent_t) -> _g.cudaEvent_t:
    if isinstance(event, Event):
        return event._event
    if isinstance(event, _g.cudaEvent_t):
        return event
    raise TypeError(f"expected an Event, got {type(event).__name__}")


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
        """The raw event handle (also ``int(event)``).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> e = cuda.Event()
        >>> e.handle == int(e) != 0
        True
        """
        return int(self._event)

    def record(self, stream: _StreamLike = None) -> Event:
        """Record the event in `stream` (None: the default stream); returns self.

        Parameters
        ----------
        stream : Stream, cudaStream_t, int or None, default None
            Where to record; None is the legacy default stream.

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
        >>> s = cuda.Stream()
        >>> e = cuda.Event().record(s)
        >>> e.synchronize().query()
        True
        """
        _check(_g.cudaEventRecord(self._event, _stream_handle(stream)))
        return self

    def synchronize(self) -> Event:
        """Wait until the last record has happened; returns self.

        Returns
        -------
        Event
            This event.

        Raises
        ------
        CudaError
            When work before the record failed.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> e = cuda.Event().record()
        >>> e.synchronize() is e, e.query()
        (True, True)
        """
        _check(self._event.synchronize())
        return self

    def query(self) -> bool:
        """Whether the last record has happened (True if never recorded).

        Returns
        -------
        bool
            False while the record is pending (``cudaErrorNotReady``).

        Raises
        ------
        CudaError
            When work before the record failed.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Event().query()
        True
        """
        return _ready(self._event.query())

    def time_till(self, other: Event | _g.cudaEvent_t) -> float:
        """Milliseconds from this event to `other` (both recorded and done).

        Parameters
        ----------
        other : Event or cudaEvent_t
            The later event.

        Returns
        -------
        float
            Elapsed time in milliseconds (negative when `other` came first).

        Raises
        ------
        CudaError
            ``cudaErrorNotReady`` when a record is pending,
            ``cudaErrorInvalidResourceHandle`` when one was never recorded or
            was created with ``DISABLE_TIMING``.

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
        assert ms is not None
        return ms

    def time_since(self, other: Event | _g.cudaEvent_t) -> float:
        """Milliseconds from `other` to this event (both recorded and done).

        Parameters
        ----------
        other : Event or cudaEvent_t
            The earlier event.

        Returns
        -------
        float
            ``other.time_till(self)``.

        Raises
        ------
        CudaError
            As :meth:`time_till`.

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
        assert ms is not None
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
        if not isinstance(ptr, _g.pointer_wrapper_void):  # else __del__ would fail on it
            raise TypeError(f"DeviceAllocation wraps a pointer from cudaMalloc, got {type(ptr).__name__}")
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
            with contextlib.suppress(Exception):
                warnings.warn(f"freeing a DeviceAllocation failed: {exc}", RuntimeWarning, stacklevel=2)

    def __repr__(self) -> str:
        state = "" if self._ptr.alive else ", freed"
        return f"<PyGPU.driver.DeviceAllocation {int(self._ptr):#x}{state}>"


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
    _check(err)
    return DeviceAllocation(ptr)  # type: ignore[arg-type]  # not None once err is cudaSuccess (no assert: hot path)


def mem_alloc_like(ary: _HasNbytes) -> DeviceAllocation:
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
    _check(err)
    assert info is not None
    return (info[0], info[1])


# ----------------------------------------------------------------------- copies

def memcpy_htod(dest: _DeviceMemory, src: _HostBuffer) -> None:
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
    count = _host_nbytes(src, "src")
    _check(_g.cudaMemcpy(_device_pointer(dest), src, count, _g.cudaMemcpyHostToDevice))


def memcpy_dtoh(dest: _HostBuffer, src: _DeviceMemory) -> None:
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
    count = _host_nbytes(dest, "dest")
    _check(_g.cudaMemcpy(dest, _device_pointer(src), count, _g.cudaMemcpyDeviceToHost))


def memcpy_dtod(dest: _DeviceMemory, src: _DeviceMemory, size: SupportsIndex) -> None:
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
    _check(_g.cudaMemcpy(_device_pointer(dest), _device_pointer(src), _size(size), _g.cudaMemcpyDeviceToDevice))


def memcpy_htod_async(dest: _DeviceMemory, src: _HostBuffer, stream: _StreamLike = None) -> None:
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
    count = _host_nbytes(src, "src")
    _check(_g.cudaMemcpyAsync(_device_pointer(dest), src, count, _g.cudaMemcpyHostToDevice,
                              _stream_handle(stream)))


def memcpy_dtoh_async(dest: _HostBuffer, src: _DeviceMemory, stream: _StreamLike = None) -> None:
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
    count = _host_nbytes(dest, "dest")
    _check(_g.cudaMemcpyAsync(dest, _device_pointer(src), count, _g.cudaMemcpyDeviceToHost,
                              _stream_handle(stream)))


def memcpy_dtod_async(dest: _DeviceMemory, src: _DeviceMemory, size: SupportsIndex,
                      stream: _StreamLike = None) -> None:
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
    _check(_g.cudaMemcpyAsync(_device_pointer(dest), _device_pointer(src), _size(size),
                              _g.cudaMemcpyDeviceToDevice, _stream_handle(stream)))


# ------------------------------------------------------------ pinned host arrays

def _pinned_allocator(dtype: np.dtype[Any]) -> Callable[[int], _g.PagelockedAllocator]:
    if dtype.isnative and dtype.name in _g.dtypes and np.dtype(dtype.name) == dtype:
        allocator: Callable[[int], _g.PagelockedAllocator] = getattr(_g, f"PagelockedAllocator_{dtype.name}")
        return allocator
    raise TypeError(f"pagelocked arrays of dtype {dtype} are not supported; "
                    f"supported dtypes: {', '.join(_g.dtypes)}")


def pagelocked_empty(shape: _ShapeLike, dtype: npt.DTypeLike, order: Literal["C", "F"] = "C",
                     mem_flags: int = 0) -> npt.NDArray[Any]:
    """A numpy array in page-locked (pinned) host memory.

    Parameters
    ----------
    shape : int or tuple of int
        The array's shape.
    dtype : numpy dtype
        One of ``PyGPU.dtypes`` (TypeError otherwise).
    order : {"C", "F"}, default "C"
        Memory layout.
    mem_flags : int, default 0
        A combination of :class:`host_alloc_flags`. Accepted and checked; the
        memory is always portable pinned memory, visible to every device.

    Returns
    -------
    numpy.ndarray
        Keeps the pinned memory alive; it is freed with the last view.

    Raises
    ------
    TypeError
        For an unsupported dtype or a non-int `mem_flags`.
    ValueError
        For an `order` other than "C" or "F", or a negative dimension.
    CudaError
        ``cudaErrorInvalidValue`` for unknown `mem_flags` bits,
        ``cudaErrorMemoryAllocation`` when pinned memory runs out.

    Notes
    -----
    PyCUDA allocates with ``cuMemHostAlloc(mem_flags)``; PyGPU always
    allocates portable pinned memory (``cudaHostAllocPortable``), which
    satisfies every flag a program can observe here.

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
    raw: Any = shape  # an int, a sequence of ints, or anything numpy takes as a shape
    dims = (operator.index(raw),) if np.ndim(raw) == 0 else tuple(operator.index(n) for n in raw)
    if any(n < 0 for n in dims):
        raise ValueError(f"negative dimensions are not allowed: {dims}")
    allocator = _pinned_allocator(dtype)(math.prod(dims))
    return np.asarray(allocator).reshape(dims, order=order)


def pagelocked_zeros(shape: _ShapeLike, dtype: npt.DTypeLike, order: Literal["C", "F"] = "C",
                     mem_flags: int = 0) -> npt.NDArray[Any]:
    """Like :func:`pagelocked_empty`, filled with zeros.

    Parameters
    ----------
    shape : int or tuple of int
        The array's shape.
    dtype : numpy dtype
        One of ``PyGPU.dtypes``.
    order : {"C", "F"}, default "C"
        Memory layout.
    mem_flags : int, default 0
        As :func:`pagelocked_empty`.

    Returns
    -------
    numpy.ndarray
        Zeros in pinned memory.

    Raises
    ------
    TypeError, ValueError, CudaError
        As :func:`pagelocked_empty`.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> float(cuda.pagelocked_zeros(3, "float64").sum())
    0.0
    """
    result = pagelocked_empty(shape, dtype, order, mem_flags)
    result.fill(0)
    return result


def _order_of(array: npt.NDArray[Any]) -> Literal["C", "F"]:
    if array.flags.c_contiguous:
        return "C"
    if array.flags.f_contiguous:
        return "F"
    raise ValueError("could not detect array order")


def pagelocked_empty_like(array: npt.NDArray[Any], mem_flags: int = 0) -> npt.NDArray[Any]:
    """A pinned array with the shape, dtype and order of `array`.

    Parameters
    ----------
    array : numpy.ndarray
        C- or F-contiguous.
    mem_flags : int, default 0
        As :func:`pagelocked_empty`.

    Returns
    -------
    numpy.ndarray
        Uninitialised, in pinned memory.

    Raises
    ------
    ValueError
        When `array` is neither C- nor F-contiguous ("could not detect array
        order", as PyCUDA says).
    TypeError, CudaError
        As :func:`pagelocked_empty`.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> cuda.pagelocked_empty_like(np.zeros((2, 2), dtype=np.int32)).dtype
    dtype('int32')
    """
    return pagelocked_empty(array.shape, array.dtype, _order_of(array), mem_flags)


def pagelocked_zeros_like(array: npt.NDArray[Any], mem_flags: int = 0) -> npt.NDArray[Any]:
    """Like :func:`pagelocked_empty_like`, filled with zeros.

    Parameters
    ----------
    array : numpy.ndarray
        C- or F-contiguous.
    mem_flags : int, default 0
        As :func:`pagelocked_empty`.

    Returns
    -------
    numpy.ndarray
        Zeros in pinned memory.

    Raises
    ------
    ValueError, TypeError, CudaError
        As :func:`pagelocked_empty_like`.

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

    Parameters
    ----------
    ary : numpy.ndarray
        The host array (kept as ``array``); ``dev_alloc`` is its device
        memory once allocated.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> h = cuda.In(np.arange(4, dtype=np.float32))
    >>> h.pre_call(None)
    >>> int(h.get_device_alloc()) != 0
    True
    """

    def __init__(self, ary: npt.NDArray[Any]) -> None:
        self.array = ary
        self.dev_alloc: DeviceAllocation | None = None

    def get_device_alloc(self) -> DeviceAllocation:
        """The device memory for the array (allocated on first use).

        Returns
        -------
        DeviceAllocation
            Of ``array.nbytes`` bytes; the same one on every call.

        Raises
        ------
        TypeError
            When ``array`` has no ``nbytes`` (not an array).
        CudaError
            When the device is full.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> arg = cuda.Out(np.zeros(4, np.float64))
        >>> arg.get_device_alloc() is arg.get_device_alloc()
        True
        >>> arg.dev_alloc.free()
        """
        if self.dev_alloc is None:
            try:
                self.dev_alloc = mem_alloc_like(self.array)
            except AttributeError:
                raise TypeError(f"could not determine array length of '{type(self.array)}': "
                                "unsupported array type or not an array") from None
        return self.dev_alloc

    def pre_call(self, stream: _StreamLike) -> None:
        """Before the kernel: nothing for an output-only argument.

        Parameters
        ----------
        stream : Stream, cudaStream_t, int or None
            The stream the kernel runs on (None: synchronous copies).

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> arg = cuda.Out(np.zeros(2))
        >>> arg.pre_call(None)
        >>> arg.dev_alloc is None  # nothing allocated, nothing copied
        True
        """


class In(ArgumentHandler):
    """An input argument: copied to the device before the call.

    Parameters
    ----------
    ary : numpy.ndarray
        The host array to send.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> arg = cuda.In(np.ones(8))
    >>> arg.pre_call(None)
    >>> back = np.zeros(8)
    >>> cuda.memcpy_dtoh(back, arg.get_device_alloc())
    >>> float(back.sum())
    8.0
    >>> arg.dev_alloc.free()
    """

    def pre_call(self, stream: _StreamLike) -> None:
        """Copy the array to the device (in stream order when `stream` is given).

        Parameters
        ----------
        stream : Stream, cudaStream_t, int or None
            None copies synchronously; otherwise the copy is queued on it.

        Raises
        ------
        CudaError
            When the allocation or the copy fails.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> arg = cuda.In(np.array([1.5, 2.5]))
        >>> arg.pre_call(None)
        >>> out = np.zeros(2)
        >>> cuda.memcpy_dtoh(out, arg.get_device_alloc())
        >>> out.tolist()
        [1.5, 2.5]
        >>> arg.dev_alloc.free()
        """
        if stream is None:
            memcpy_htod(self.get_device_alloc(), self.array)
        else:
            memcpy_htod_async(self.get_device_alloc(), self.array, stream)


class Out(ArgumentHandler):
    """An output argument: copied back to the host array after the call.

    Parameters
    ----------
    ary : numpy.ndarray
        The host array to fill.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> arg = cuda.Out(np.zeros(3))
    >>> arg.pre_call(None)  # nothing to send
    >>> cuda.memcpy_htod(arg.get_device_alloc(), np.array([1.0, 2.0, 3.0]))  # the kernel's output
    >>> arg.post_call(None)
    >>> arg.array.tolist()
    [1.0, 2.0, 3.0]
    >>> arg.dev_alloc.free()
    """

    def post_call(self, stream: _StreamLike) -> None:
        """Copy the device memory back into the array; with a stream the copy
        is queued on it and waited for, so the array is ready on return.

        Parameters
        ----------
        stream : Stream, cudaStream_t, int or None
            None copies synchronously; otherwise the copy is queued on it
            and the stream synchronised.

        Raises
        ------
        CudaError
            When the copy fails.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> arg = cuda.Out(np.zeros(2, np.int32))
        >>> cuda.memcpy_htod(arg.get_device_alloc(), np.array([3, 4], np.int32))  # what a kernel would write
        >>> arg.post_call(cuda.Stream())
        >>> arg.array.tolist()
        [3, 4]
        >>> arg.dev_alloc.free()
        """
        if stream is None:
            memcpy_dtoh(self.array, self.get_device_alloc())
        else:
            memcpy_dtoh_async(self.array, self.get_device_alloc(), stream)
            _check(_g.cudaStreamSynchronize(_stream_handle(stream)))


class InOut(In, Out):
    """An argument copied to the device before the call and back after it.

    Parameters
    ----------
    ary : numpy.ndarray
        The host array to send and then fill.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> host = np.ones(4)
    >>> arg = cuda.InOut(host)
    >>> arg.pre_call(None)
    >>> host[:] = 0  # the device copy keeps the ones
    >>> arg.post_call(None)
    >>> host.tolist()
    [1.0, 1.0, 1.0, 1.0]
    >>> arg.dev_alloc.free()
    """


# PyCUDA's error names that shadow builtins: attributes only, not in __all__.
globals()["MemoryError"] = CudaError
globals()["RuntimeError"] = CudaError
