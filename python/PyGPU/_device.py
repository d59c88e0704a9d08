"""Devices and contexts: PyGPU.driver.Device, Context (with its limits), device_attribute, limit, init and the
versions."""

from __future__ import annotations

import enum
import operator
import threading
from typing import Callable, SupportsIndex

import numpy as np

from . import _core as _g
from ._errors import check, error_for
from ._public import public


@public("PyGPU.driver")
def init(flags: int = 0) -> None:
    """Initialise the driver: nothing to do, PyGPU initialises the backend at import.

    Parameters
    ----------
    flags : int, default 0
        Accepted for compatibility (CUDA requires 0); not checked.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> cuda.init()
    """



@public("PyGPU.driver")
def get_version() -> tuple[int, int, int]:
    """The active backend's runtime version as ``(major, minor, patch)``.

    Returns
    -------
    tuple of (int, int, int)
        From ``cudaRuntimeGetVersion`` (PyCUDA reports the CUDA it was compiled against).

    Raises
    ------
    CudaError
        When the runtime cannot say.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> major, minor, patch = cuda.get_version()
    """
    version, err = _g.cudaRuntimeGetVersion()
    check(err)
    assert version is not None  # set when err is cudaSuccess
    return (version // 1000, (version % 1000) // 10, version % 10)



@public("PyGPU.driver")
def get_driver_version() -> int:
    """The driver version, ``1000 * major + 10 * minor`` (0 when no driver is installed).

    Returns
    -------
    int
        From ``cudaDriverGetVersion``.

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
    check(err)
    assert version is not None
    return version



class _NamedIntEnum(enum.IntEnum):
    # Like PyCUDA's enums: str() is the member's name, int() its value.
    def __str__(self) -> str:
        return self.name



@public("PyGPU.driver")
class device_attribute(_NamedIntEnum):
    """Device attributes, with CUDA's ``CUdevice_attribute`` numbers.

    Only the attributes the runtime's device properties carry are members (PyCUDA lists every
    ``CUdevice_attribute``); query them with :meth:`Device.get_attribute`.

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



@public("PyGPU.driver")
class limit(_NamedIntEnum):
    """Device limits for :meth:`Context.set_limit` and :meth:`Context.get_limit`: CUDA's ``CUlimit`` (and
    ``cudaLimit``) numbers under PyCUDA's names.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> int(cuda.limit.STACK_SIZE), str(cuda.limit.PRINTF_FIFO_SIZE)
    (0, 'PRINTF_FIFO_SIZE')
    """

    STACK_SIZE = 0
    PRINTF_FIFO_SIZE = 1
    MALLOC_HEAP_SIZE = 2
    DEV_RUNTIME_SYNC_DEPTH = 3
    DEV_RUNTIME_PENDING_LAUNCH_COUNT = 4
    MAX_L2_FETCH_GRANULARITY = 5
    PERSISTING_L2_CACHE_SIZE = 6



@public("PyGPU.driver")
class Device:
    """A GPU, by ordinal or by PCI bus id string, as in PyCUDA.

    Attributes are also readable as ``dev.MAX_THREADS_PER_BLOCK`` (any case). Devices compare equal by
    ordinal.

    Parameters
    ----------
    ordinal : int or str
        ``0 <= ordinal < Device.count()``, or a PCI bus id such as ``"0000:01:00.0"``.

    Raises
    ------
    CudaError
        ``cudaErrorInvalidDevice`` for an ordinal out of range or an unknown bus id.
    TypeError
        For anything but an int or a str.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> dev = cuda.Device(0)
    >>> dev.compute_capability() == (dev.COMPUTE_CAPABILITY_MAJOR, dev.COMPUTE_CAPABILITY_MINOR)
    True
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
            raise error_for(_g.cudaErrorInvalidDevice, f"device {ordinal} does not exist: there are {count} device(s)",
                         "Device")
        self._ordinal = ordinal

    @staticmethod
    def _ordinal_of_bus_id(bus_id: str) -> int:
        """The ordinal of the device with PCI bus id `bus_id`; CudaError when none has it."""
        for n in range(Device.count()):
            if Device(n).pci_bus_id().lower() == bus_id.strip().lower():
                return n
        raise error_for(_g.cudaErrorInvalidDevice, f"no device has PCI bus id {bus_id!r}", "Device")

    @staticmethod
    def count() -> int:
        """The number of devices (``cudaGetDeviceCount``; CudaError when there is none or no driver).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device.count() >= 1
        True
        """
        count, err = _g.cudaGetDeviceCount()
        check(err)
        assert count is not None
        return count

    def _props(self) -> _g.cudaDeviceProp:
        """This device's cudaDeviceProp."""
        prop, err = _g.cudaGetDeviceProperties(self._ordinal)
        check(err)
        assert prop is not None
        return prop

    def name(self) -> str:
        """The device's name.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).name()  # on the simulated device
        'PyGPU Simulated Device'
        """
        return self._props().name

    def compute_capability(self) -> tuple[int, int]:
        """The compute capability, ``(major, minor)``.

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

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).total_memory() == cuda.mem_get_info()[1]
        True
        """
        return self._props().totalGlobalMem

    def pci_bus_id(self) -> str:
        """The PCI bus id as CUDA writes it, ``"domain:bus:device.0"`` in hex; :class:`Device` accepts it back.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).pci_bus_id()  # the simulated device's first bus
        '0000:01:00.0'
        """
        prop = self._props()
        return f"{prop.pciDomainID:04X}:{prop.pciBusID:02X}:{prop.pciDeviceID:02X}.0"

    def get_attribute(self, attr: device_attribute | int) -> int:
        """The value of one :class:`device_attribute` (flags are 0 or 1).

        Parameters
        ----------
        attr : device_attribute or int
            A member, or its number.

        Returns
        -------
        int

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
        """
        return self._attribute(attr, self._props())

    @staticmethod
    def _attribute(attr: object, prop: _g.cudaDeviceProp) -> int:
        """The value of attribute `attr` (a device_attribute or its number) in `prop`."""
        if isinstance(attr, (bool, str)) or not isinstance(attr, (int, np.integer)):
            raise TypeError(f"expected a device_attribute, got {type(attr).__name__}")
        try:
            member = device_attribute(int(attr))
        except ValueError:
            raise error_for(_g.cudaErrorInvalidValue, f"device attribute {int(attr)} is not available in PyGPU "
                         "(see PyGPU.driver.device_attribute)", "Device.get_attribute") from None
        return int(_ATTRIBUTE_FIELDS[member](prop))

    def get_attributes(self) -> dict[device_attribute, int]:
        """All attributes, ``{device_attribute: int}`` (an alias appears under its first name).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).get_attributes()[cuda.device_attribute.WARP_SIZE]
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
        """Make this device current and return its primary context, pushed.

        PyCUDA creates a new context; PyGPU uses the device's primary context, so this only changes the
        current device until :meth:`Context.pop`.

        Parameters
        ----------
        flags : int, default 0
            Accepted for compatibility; the primary context's flags do not change.

        Returns
        -------
        Context

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> ctx = cuda.Device(1).make_context()
        >>> cuda.Context.get_device()
        <PyGPU.driver.Device 1>
        >>> ctx.pop()
        """
        ctx = Context(self)
        ctx.push()
        return ctx

    def retain_primary_context(self) -> Context:
        """This device's primary context, not pushed.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(0).retain_primary_context() == cuda.Context.get_current()
        True
        """
        return Context(self)

    def can_access_peer(self, other: Device) -> bool:
        """Whether this device can access memory on `other` (False for itself, as in CUDA).

        Parameters
        ----------
        other : Device

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
        >>> cuda.Device(0).can_access_peer(cuda.Device(1))  # simulated devices are peers
        True
        """
        if not isinstance(other, Device):
            raise TypeError(f"expected a Device, got {type(other).__name__}")
        if other._ordinal == self._ordinal:
            return False
        result, err = _g.cudaDeviceCanAccessPeer(self._ordinal, other._ordinal)
        check(err)
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



@public("PyGPU.driver")
class Context:
    """A device's context: PyGPU uses each device's primary context, so a Context only chooses the calling
    thread's current device.

    ``push()`` makes its device current, remembering the previous one per thread; ``pop()`` restores it
    (and does nothing when nothing was pushed, where PyCUDA raises); ``detach()`` does nothing. Two
    Contexts of one device compare equal.

    Parameters
    ----------
    device : Device, optional
        The context's device; by default the current one.

    Raises
    ------
    TypeError
        When `device` is not a Device.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> ctx = cuda.Device(0).make_context()
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
        """The calling thread's stack of devices to restore on pop()."""
        stack: list[int] | None = getattr(Context._stack, "devices", None)
        if stack is None:
            stack = Context._stack.devices = []
        return stack

    @staticmethod
    def synchronize() -> None:
        """Wait for all work on the current device (``cudaDeviceSynchronize``; CudaError when queued work failed).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.synchronize()
        """
        check(_g.cudaDeviceSynchronize())

    @staticmethod
    def set_limit(limit: SupportsIndex, value: SupportsIndex) -> None:
        """Set a :class:`limit` of the current device (``cudaDeviceSetLimit``).

        Parameters
        ----------
        limit : limit or int
        value : int
            Bytes (or a count, for the device runtime's limits); what the device keeps is read back with
            :meth:`get_limit`.

        Raises
        ------
        TypeError, ValueError
            For a `limit` or `value` that is not an int, or a negative `value`.
        CudaError
            ``cudaErrorUnsupportedLimit`` for a limit the device lacks, ``cudaErrorInvalidValue`` for a value it
            refuses (see ``cudaDeviceSetLimit`` in the low-level API).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.set_limit(cuda.limit.MALLOC_HEAP_SIZE, 16 << 20)
        >>> cuda.Context.get_limit(cuda.limit.MALLOC_HEAP_SIZE)
        16777216
        """
        check(_g.cudaDeviceSetLimit(limit, value))

    @staticmethod
    def get_limit(limit: SupportsIndex) -> int:
        """A :class:`limit` of the current device (``cudaDeviceGetLimit``).

        Parameters
        ----------
        limit : limit or int

        Returns
        -------
        int

        Raises
        ------
        TypeError, ValueError
            For a `limit` that is not an int.
        CudaError
            ``cudaErrorUnsupportedLimit`` for a limit the device lacks.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.get_limit(cuda.limit.PRINTF_FIFO_SIZE) > 0
        True
        """
        value, err = _g.cudaDeviceGetLimit(limit)
        check(err)
        assert value is not None
        return value

    @staticmethod
    def get_device() -> Device:
        """The calling thread's current device.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.get_device()
        <PyGPU.driver.Device 0>
        """
        ordinal, err = _g.cudaGetDevice()
        check(err)
        assert ordinal is not None
        return Device(ordinal)

    @staticmethod
    def get_current() -> Context:
        """The current device's context, not pushed.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.get_current().get_device() == cuda.Context.get_device()
        True
        """
        return Context(Context.get_device())

    def push(self) -> None:
        """Make this context's device current; :meth:`pop` restores the previous one.

        Raises
        ------
        CudaError
            When the device cannot be made current.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Device(1).retain_primary_context().push()
        >>> cuda.Context.pop()
        """
        previous, err = _g.cudaGetDevice()
        check(err)
        assert previous is not None
        check(_g.cudaSetDevice(self._device._ordinal))
        Context._previous().append(previous)

    @staticmethod
    def pop() -> None:
        """Restore the device that was current before the last push (nothing when none was pushed).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.pop()
        """
        stack = Context._previous()
        if stack:
            check(_g.cudaSetDevice(stack.pop()))

    def detach(self) -> None:
        """Nothing to release: the primary context lives as long as the process.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Context.get_current().detach()
        """

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Context) and other._device == self._device

    def __hash__(self) -> int:
        return hash(("Context", self._device._ordinal))

    def __repr__(self) -> str:
        return f"<PyGPU.driver.Context of device {self._device._ordinal}>"
