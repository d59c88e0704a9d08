"""Pitched (2D and 3D) memory: PyGPU.driver.Memcpy2D, Memcpy3D, memory_type and mem_alloc_pitch.

The copies are PyCUDA's parameter objects: set a source and a destination (host buffer or device memory),
their pitches and offsets, the extent, then call the object. They run over ``cudaMemcpy2D`` and
``cudaMemcpy2DAsync``; a 3D copy is one 2D copy per slice, queued in order on the same stream.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Union

from . import _core as _g
from ._errors import check, error_for
from ._memory import _POINTER_TYPES, DeviceAllocation, address_of, count, device_pointer, mem_alloc, offset_pointer
from ._public import public
from ._pycuda_names import NotOffered
from ._stream import stream_handle

if TYPE_CHECKING:
    from typing import SupportsIndex

    from typing_extensions import TypeAlias

    from ._memory import DeviceMemory, DevicePointer, HostBuffer
    from ._stream import StreamLike

    #: One side of a copy as the runtime takes it: a device pointer, or a host buffer's bytes.
    Side: TypeAlias = Union[DevicePointer, memoryview]

#: The pitch :func:`mem_alloc_pitch` rounds a row up to a multiple of.
PITCH_ALIGNMENT = 512


@public("PyGPU.driver")
class memory_type(enum.IntEnum):
    """Where one side of a :class:`Memcpy2D`/:class:`Memcpy3D` lives (``src_memory_type``, ``dst_memory_type``).

    ``ARRAY`` and ``UNIFIED`` are PyCUDA's values for CUDA arrays and unified addressing, which PyGPU's
    copies do not take.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> int(cuda.memory_type.DEVICE)
    2
    """

    HOST = 1
    DEVICE = 2
    ARRAY = 3
    UNIFIED = 4


def _host_bytes(buffer: HostBuffer, what: str) -> memoryview:
    """The bytes of a C-contiguous host buffer; TypeError for device memory or anything else."""
    if isinstance(buffer, (DeviceAllocation, _POINTER_TYPES)):
        raise TypeError(f"{what} takes a host buffer (a numpy array, bytes, ...), got device memory "
                        f"({type(buffer).__name__}); use the set_*_device method")
    try:
        view = memoryview(buffer)  # type: ignore[arg-type]  # numpy arrays are buffers
    except TypeError:
        raise TypeError(f"{what} takes a host buffer (a numpy array, bytes, ...), got {type(buffer).__name__}") \
            from None
    if not view.c_contiguous:
        raise TypeError(f"{what} takes a contiguous host buffer")
    return view.cast("B")


def _offset(side: Side, offset: int) -> Side:
    """`side` moved on by `offset` bytes (a host view is sliced, so the runtime still checks its end)."""
    if isinstance(side, memoryview):
        return side[offset:] if offset else side
    return offset_pointer(side, offset)


@public("PyGPU.driver")
class Memcpy2D:
    """A 2D copy between host buffers and device memory, as PyCUDA's ``Memcpy2D``.

    Set the source with :meth:`set_src_host` or :meth:`set_src_device`, the destination with
    :meth:`set_dst_host` or :meth:`set_dst_device`, then ``src_pitch``/``dst_pitch`` (bytes from one row
    to the next), ``width_in_bytes`` and ``height`` (the extent), and optionally ``src_x_in_bytes``,
    ``src_y``, ``dst_x_in_bytes``, ``dst_y`` (where the copied rectangle starts). Calling the object
    copies: ``copy()`` or ``copy(aligned=True)`` at once, ``copy(stream)`` queued on `stream`.

    Errors are the runtime's: ``cudaErrorInvalidPitchValue`` for a width larger than a pitch,
    ``cudaErrorInvalidValue`` for a rectangle running past the end of a buffer or allocation or for a
    side never set.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> a = np.arange(12, dtype=np.float32).reshape(3, 4)
    >>> d, pitch = cuda.mem_alloc_pitch(4 * 4, 3, 4)
    >>> copy = cuda.Memcpy2D()
    >>> copy.set_src_host(a)
    >>> copy.set_dst_device(d)
    >>> copy.src_pitch, copy.dst_pitch = a.strides[0], pitch
    >>> copy.width_in_bytes, copy.height = 4 * 4, 3
    >>> copy(aligned=True)
    >>> back = cuda.Memcpy2D()
    >>> back.set_src_device(d)
    >>> out = np.zeros((3, 2), dtype=np.float32)
    >>> back.set_dst_host(out)
    >>> back.src_pitch, back.dst_pitch = pitch, out.strides[0]
    >>> back.src_x_in_bytes, back.width_in_bytes, back.height = 8, 8, 3
    >>> back()
    >>> out.tolist()
    [[2.0, 3.0], [6.0, 7.0], [10.0, 11.0]]
    """

    _fields = ("src_x_in_bytes", "src_y", "src_pitch", "dst_x_in_bytes", "dst_y", "dst_pitch",
               "width_in_bytes", "height")

    # CUDA arrays and unified-address sides: PyGPU's copies take host buffers and device memory only.
    set_src_array = NotOffered("PyGPU has no CUDA arrays")
    set_dst_array = NotOffered("PyGPU has no CUDA arrays")
    set_src_unified = NotOffered("use set_src_host or set_src_device")
    set_dst_unified = NotOffered("use set_dst_host or set_dst_device")

    def __init__(self) -> None:
        self.src_x_in_bytes = self.src_y = self.src_pitch = 0
        self.dst_x_in_bytes = self.dst_y = self.dst_pitch = 0
        self.width_in_bytes = self.height = 0
        self.src_memory_type = self.dst_memory_type = 0
        self._src: Side | None = None
        self._dst: Side | None = None
        self._keep: list[Any] = [None, None]  # the objects behind the sides, alive while set

    # -- the two sides ---------------------------------------------------------------------------------------

    def set_src_host(self, buffer: HostBuffer) -> None:
        """Copy from the host buffer `buffer` (C-contiguous; TypeError otherwise).

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> cuda.Memcpy2D().set_src_host(np.zeros(4))
        """
        self._src, self._keep[0] = _host_bytes(buffer, "set_src_host"), buffer
        self.src_memory_type = memory_type.HOST

    def set_src_device(self, memory: DeviceMemory) -> None:
        """Copy from device memory (a DeviceAllocation, pointer object, int address, ...; TypeError for host).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Memcpy2D().set_src_device(cuda.mem_alloc(16))
        """
        self._src, self._keep[0] = device_pointer(memory), memory
        self.src_memory_type = memory_type.DEVICE

    def set_dst_host(self, buffer: HostBuffer) -> None:
        """Copy into the writable host buffer `buffer` (C-contiguous; TypeError otherwise).

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> cuda.Memcpy2D().set_dst_host(np.zeros(4))
        """
        self._dst, self._keep[1] = _host_bytes(buffer, "set_dst_host"), buffer
        self.dst_memory_type = memory_type.HOST

    def set_dst_device(self, memory: DeviceMemory) -> None:
        """Copy into device memory (a DeviceAllocation, pointer object, int address, ...; TypeError for host).

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> cuda.Memcpy2D().set_dst_device(cuda.mem_alloc(16))
        """
        self._dst, self._keep[1] = device_pointer(memory), memory
        self.dst_memory_type = memory_type.DEVICE

    @property
    def src_device(self) -> int:
        """The source's device address (0 unless set), as PyCUDA's attribute; assigning calls set_src_device.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> c, d = cuda.Memcpy2D(), cuda.mem_alloc(16)
        >>> c.src_device = d
        >>> c.src_device == int(d)
        True
        """
        return self._address(self._src, self.src_memory_type)

    @src_device.setter
    def src_device(self, memory: DeviceMemory) -> None:
        self.set_src_device(memory)

    @property
    def dst_device(self) -> int:
        """The destination's device address (0 unless set); assigning calls set_dst_device.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> c = cuda.Memcpy2D()
        >>> c.dst_device
        0
        """
        return self._address(self._dst, self.dst_memory_type)

    @dst_device.setter
    def dst_device(self, memory: DeviceMemory) -> None:
        self.set_dst_device(memory)

    @staticmethod
    def _address(side: Side | None, kind: int) -> int:
        if side is None or kind != memory_type.DEVICE or isinstance(side, memoryview):
            return 0
        return address_of(side)

    # -- copying ---------------------------------------------------------------------------------------------

    def _kind(self) -> int:
        if self._src is None or self._dst is None:
            raise error_for(_g.cudaErrorInvalidValue, f"the {'source' if self._src is None else 'destination'} "
                            "was never set (set_src_host/set_src_device, set_dst_host/set_dst_device)",
                            type(self).__name__)
        host_src = self.src_memory_type == memory_type.HOST
        host_dst = self.dst_memory_type == memory_type.HOST
        if host_src:
            return int(_g.cudaMemcpyHostToHost if host_dst else _g.cudaMemcpyHostToDevice)
        return int(_g.cudaMemcpyDeviceToHost if host_dst else _g.cudaMemcpyDeviceToDevice)

    def _slice(self, stream: StreamLike | bool, src_row: int, dst_row: int) -> None:
        """Copy the rectangle whose first rows are `src_row` and `dst_row` of the two sides."""
        kind = self._kind()
        src_pitch, dst_pitch = count(self.src_pitch, "src_pitch"), count(self.dst_pitch, "dst_pitch")
        width, height = count(self.width_in_bytes, "width_in_bytes"), count(self.height, "height")
        assert self._src is not None and self._dst is not None
        src = _offset(self._src, src_row * src_pitch + count(self.src_x_in_bytes, "src_x_in_bytes"))
        dst = _offset(self._dst, dst_row * dst_pitch + count(self.dst_x_in_bytes, "dst_x_in_bytes"))
        if stream is None or isinstance(stream, bool):
            check(_g.cudaMemcpy2D(dst, dst_pitch, src, src_pitch, width, height, kind))
        else:
            check(_g.cudaMemcpy2DAsync(dst, dst_pitch, src, src_pitch, width, height, kind,
                                       stream_handle(stream)))

    def __call__(self, stream: StreamLike | bool = None, aligned: bool = False) -> None:
        """Copy now (``copy()``, ``copy(aligned=True)``), or queue the copy on `stream` (``copy(stream)``).

        `aligned` is accepted for PyCUDA's sake: the runtime's 2D copy has no alignment restriction.

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> c = cuda.Memcpy2D()
        >>> c.set_src_host(np.ones(4, np.uint8)); c.set_dst_host(out := np.zeros(4, np.uint8))
        >>> c.src_pitch = c.dst_pitch = c.width_in_bytes = 4; c.height = 1
        >>> c(cuda.Stream()); cuda.Context.synchronize(); out.tolist()
        [1, 1, 1, 1]
        """
        self._slice(stream, count(self.src_y, "src_y"), count(self.dst_y, "dst_y"))


@public("PyGPU.driver")
class Memcpy3D(Memcpy2D):
    """A 3D copy, as PyCUDA's ``Memcpy3D``: :class:`Memcpy2D` plus ``depth`` slices.

    A slice of the source is ``src_height`` rows of ``src_pitch`` bytes (the destination: ``dst_height``
    rows of ``dst_pitch``); ``src_z``/``dst_z`` is the first slice copied. ``src_lod``/``dst_lod`` (levels of
    CUDA arrays) must stay 0. ``copy()`` copies now, ``copy(stream)`` queues every slice on `stream`.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> a = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    >>> d = cuda.mem_alloc(a.nbytes)
    >>> c = cuda.Memcpy3D()
    >>> c.set_src_host(a); c.set_dst_device(d)
    >>> c.src_pitch = c.dst_pitch = c.width_in_bytes = 16
    >>> c.src_height = c.dst_height = c.height = 3
    >>> c.depth = 2
    >>> c()
    >>> out = np.empty_like(a); cuda.memcpy_dtoh(out, d); bool((out == a).all())
    True
    """

    def __init__(self) -> None:
        super().__init__()
        self.src_z = self.src_lod = self.src_height = 0
        self.dst_z = self.dst_lod = self.dst_height = 0
        self.depth = 0

    def __call__(self, stream: StreamLike | bool = None, aligned: bool = False) -> None:
        """Copy every slice now (``copy()``), or queue them in order on `stream` (``copy(stream)``).

        Examples
        --------
        >>> import numpy as np, PyGPU.driver as cuda
        >>> c = cuda.Memcpy3D()
        >>> c.set_src_host(np.ones(8, np.uint8)); c.set_dst_host(out := np.zeros(8, np.uint8))
        >>> c.src_pitch = c.dst_pitch = c.width_in_bytes = 4
        >>> c.src_height = c.dst_height = c.height = 1; c.depth = 2
        >>> c(); out.tolist()
        [1, 1, 1, 1, 1, 1, 1, 1]
        """
        self._kind()  # a side never set is the first error
        depth, height = count(self.depth, "depth"), count(self.height, "height")
        src_y, dst_y = count(self.src_y, "src_y"), count(self.dst_y, "dst_y")
        src_z, dst_z = count(self.src_z, "src_z"), count(self.dst_z, "dst_z")
        src_height, dst_height = count(self.src_height, "src_height"), count(self.dst_height, "dst_height")
        if count(self.src_lod, "src_lod") or count(self.dst_lod, "dst_lod"):
            raise error_for(_g.cudaErrorInvalidValue, "src_lod and dst_lod are levels of CUDA arrays and must be 0",
                            "Memcpy3D")
        if depth > 1 and (src_y + height > src_height or dst_y + height > dst_height):
            raise error_for(_g.cudaErrorInvalidValue,
                            f"the rows copied (y + height = {max(src_y, dst_y) + height}) run past a slice "
                            f"(src_height {src_height}, dst_height {dst_height})", "Memcpy3D")
        for z in range(depth):
            self._slice(stream, (src_z + z) * src_height + src_y, (dst_z + z) * dst_height + dst_y)


@public("PyGPU.driver")
def mem_alloc_pitch(width: SupportsIndex, height: SupportsIndex,
                    access_size: SupportsIndex) -> tuple[DeviceAllocation, int]:
    """Device memory for `height` rows of `width` bytes, each row starting at a multiple of 512 bytes.

    Parameters
    ----------
    width : int
        Bytes per row (> 0).
    height : int
        Rows (> 0).
    access_size : int
        The size of the elements the kernels read, 4, 8 or 16, as ``cuMemAllocPitch`` requires.

    Returns
    -------
    (DeviceAllocation, int)
        The memory, ``pitch * height`` bytes, and the pitch: `width` rounded up to a multiple of 512.

    Raises
    ------
    TypeError
        When an argument is not an int.
    CudaError
        ``cudaErrorInvalidValue`` for a zero `width` or `height` or an `access_size` other than 4, 8, 16;
        ``cudaErrorMemoryAllocation`` when the device is full.

    Examples
    --------
    >>> import PyGPU.driver as cuda
    >>> d, pitch = cuda.mem_alloc_pitch(100, 4, 4)
    >>> pitch
    512
    """
    width, height = count(width, "width"), count(height, "height")
    access = count(access_size, "access_size")
    if access not in (4, 8, 16):
        raise error_for(_g.cudaErrorInvalidValue, f"access_size must be 4, 8 or 16, got {access}", "mem_alloc_pitch")
    if width == 0 or height == 0:
        raise error_for(_g.cudaErrorInvalidValue, f"width and height must be > 0, got {width} x {height}",
                        "mem_alloc_pitch")
    pitch = -(-width // PITCH_ALIGNMENT) * PITCH_ALIGNMENT
    return mem_alloc(pitch * height), pitch
