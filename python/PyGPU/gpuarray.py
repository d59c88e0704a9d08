"""A PyCUDA-compatible GPUArray: data movement, metadata and views.

Code written against ``pycuda.gpuarray`` keeps working after
``import PyGPU as gpuarray`` (or ``import PyGPU.gpuarray as gpuarray``) for
everything that moves data or makes views. Operations that need a device
kernel (arithmetic, comparisons, reductions, ``astype`` to another dtype,
``arange``, ``where``, ``take``...) raise NotImplementedError: PyGPU does not
launch kernels yet, and never returns a silently wrong result.

Where PyCUDA has a known bug, GPUArray does the right thing instead, and the
docstring says so.
"""

from __future__ import annotations

import builtins
import numbers
import operator
import warnings
from typing import Any, Optional, Sequence, Tuple

import numpy as np

from . import _copy, _core, _layout

__all__ = [
    "GPUArray", "DtypeMismatchError", "to_gpu", "to_gpu_async", "empty", "zeros", "ones", "empty_like",
    "zeros_like", "ones_like", "concatenate", "stack", "transpose", "reshape",
]

_H2D, _D2H, _D2D = _core.cudaMemcpyHostToDevice, _core.cudaMemcpyDeviceToHost, _core.cudaMemcpyDeviceToDevice
_SUPPORTED = frozenset(np.dtype(name) for name in _core.dtypes)


class DtypeMismatchError(TypeError, ValueError):
    """Two arrays of different dtypes met where one dtype is needed.

    PyCUDA raises ValueError for this in ``set`` and TypeError in ``get``;
    this exception is both, so code written for either keeps working and one
    kind of failure has one exception type.
    """


def _mem_alloc(nbytes: int):
    from .driver import mem_alloc

    return mem_alloc(nbytes)


def _check_dtype(dtype: Any) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{dtype!r} is not a dtype: {exc}") from None
    if dt not in _SUPPORTED:
        raise TypeError(f"dtype {dt} is not supported by GPUArray (supported: {', '.join(_core.dtypes)})")
    return dt


def _stream_arg(stream):
    if stream is None:
        return None
    from .driver import _stream_handle

    return _stream_handle(stream)


def _needs_kernel(name: str):
    def method(self, *args, **kwargs):
        raise NotImplementedError(
            f"GPUArray.{name} needs a device kernel, which PyGPU does not launch yet; copy the data to the "
            "host with get(), or launch your own kernel on the array's ptr")

    method.__name__ = name
    method.__doc__ = f"Not available: {name} needs a device kernel (raises NotImplementedError)."
    return method


class _Flags:
    """``c_contiguous``, ``f_contiguous`` and ``forc`` of a GPUArray."""

    def __init__(self, array: "GPUArray") -> None:
        itemsize = array.dtype.itemsize
        self.c_contiguous = _layout.is_c_contiguous(array.shape, array.strides, itemsize)
        self.f_contiguous = _layout.is_f_contiguous(array.shape, array.strides, itemsize)
        self.forc = bool(array._order)

    def __repr__(self) -> str:
        return f"  C_CONTIGUOUS : {self.c_contiguous}\n  F_CONTIGUOUS : {self.f_contiguous}"


class GPUArray:
    """An array in device memory, with PyCUDA's constructor and attributes.

    Parameters
    ----------
    shape : int, numpy integer, 0-d array or iterable of ints
    dtype : anything ``numpy.dtype`` accepts among ``PyGPU.dtypes``
    allocator : callable, optional
        ``nbytes -> object with int()`` (default: ``PyGPU.driver.mem_alloc``).
    base : object, optional
        Kept alive as long as this array (views keep their base).
    gpudata : object with int(), optional
        Device memory to adopt instead of allocating.
    strides : sequence of int, optional
        Byte strides; by default C or F contiguous per `order`. When memory is
        allocated for explicit strides, the allocation covers everything they
        reach (PyCUDA allocates ``nbytes`` only, too little for gaps).
    order : "C" or "F"

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.to_gpu(np.arange(6, dtype=np.float32).reshape(2, 3))
    >>> a.shape, a.dtype, a.flags.c_contiguous
    ((2, 3), dtype('float32'), True)
    >>> a[:, 1].get()
    array([1., 4.], dtype=float32)
    """

    __array_priority__ = 100

    def __init__(self, shape, dtype, allocator=None, base=None, gpudata=None, strides=None, order="C"):
        dtype = _check_dtype(dtype)
        shape = _layout.normalize_shape(shape)
        layout = ""  # "C" or "F" when known contiguous from the arguments
        if strides is None:
            if order == "C":
                strides = _layout.c_strides(shape, dtype.itemsize)
            elif order == "F":
                strides = _layout.f_strides(shape, dtype.itemsize)
            else:
                raise ValueError(f"invalid order: {order!r} (use 'C' or 'F')")
            layout = order
        else:
            strides = tuple(int(s) for s in strides)
            if len(strides) != len(shape):
                raise ValueError(f"strides {strides} do not match the {len(shape)}-dimensional shape {shape}")
        size = 1
        for n in shape:
            size *= n
        self.shape: Tuple[int, ...] = shape
        self.dtype: np.dtype = dtype
        self.strides: Tuple[int, ...] = strides
        self.size: int = size
        self.mem_size: int = size
        self.itemsize: int = dtype.itemsize
        self.nbytes: int = dtype.itemsize * size
        self.allocator = allocator if allocator is not None else _mem_alloc
        self._offset = 0  # element 0 relative to int(gpudata)
        if gpudata is None:
            if base is not None:
                raise ValueError("base is only meaningful with gpudata (a view of memory owned by base)")
            low, high = (0, self.nbytes) if layout else _layout.span(shape, strides, dtype.itemsize)
            self.gpudata = self.allocator(high - low) if size else None
            self._offset = -low
        else:
            if isinstance(gpudata, (str, bytes, float)) or not hasattr(gpudata, "__int__"):
                raise TypeError(f"gpudata must be an address (an object with int()), got {type(gpudata).__name__}")
            self.gpudata = gpudata
        self.base = base
        # "C", "F" or "" (neither): decides the single-copy fast paths.
        self._order = layout or ("C" if _layout.is_c_contiguous(shape, strides, dtype.itemsize)
                                 else "F" if _layout.is_f_contiguous(shape, strides, dtype.itemsize) else "")
        self._host: Optional[np.ndarray] = None
        self._last_status = _core.cudaError_t(0)

    # --- metadata -------------------------------------------------------------
    @property
    def ptr(self) -> int:
        """The device address of element 0 (0 for an empty array)."""
        return int(self.gpudata) + self._offset if self.gpudata is not None else 0

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def flags(self) -> _Flags:
        return _Flags(self)

    @property
    def T(self) -> "GPUArray":  # noqa: N802 - numpy's name
        return self.transpose()

    @property
    def __cuda_array_interface__(self) -> dict:
        """CUDA Array Interface, version 3, read-write, explicit strides.

        ``stream`` is 1 (the legacy default stream): PyGPU's synchronous
        copies are ordered on it and may still be in flight (a host-to-device
        copy from pageable memory returns once the data is staged), so a
        consumer on another stream must wait for the legacy stream first, as
        the interface prescribes. Work you queued yourself on other streams
        must be synchronised by you before handing the array over.
        """
        return {"shape": self.shape, "strides": self.strides, "data": (self.ptr, False),
                "typestr": self.dtype.str, "stream": 1, "version": 3}

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """Export as a DLPack capsule (zero-copy; the capsule keeps this array alive)."""
        from . import _dlpack

        return _dlpack.to_capsule(self, stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self) -> Tuple[int, int]:
        """(device type, device id): CUDA (2) on the cuda and sim backends, ROCm (10) on hip."""
        from . import _dlpack

        return _dlpack.device(self)

    def _view(self, shape, strides, offset: int = 0, dtype=None) -> "GPUArray":
        return GPUArray(shape, self.dtype if dtype is None else dtype, allocator=self.allocator, base=self,
                        gpudata=self.ptr + offset, strides=strides)

    def _device_view(self) -> _copy.View:
        return _copy.View(self.ptr, self.shape, self.strides)

    # --- data movement --------------------------------------------------------
    def set(self, ary, async_: bool = False, stream=None) -> None:
        """Copy a host array into this array (any strides on either side).

        As PyCUDA: a size mismatch is a ValueError, a shape mismatch of the
        same size warns and reshapes, a dtype mismatch is a
        DtypeMismatchError (a ValueError, as PyCUDA raises here).
        """
        ary = np.asarray(ary)
        if ary.size != self.size:
            raise ValueError("ary and self must be the same size")
        if ary.shape != self.shape:
            warnings.warn("Setting array from one with different shape.", stacklevel=2)
            ary = ary.reshape(self.shape)
        if ary.dtype != self.dtype:
            raise DtypeMismatchError(f"ary and self must have the same dtype ({ary.dtype} != {self.dtype})")
        if self.size == 0:
            return
        s = _stream_arg(stream) if (async_ or stream is not None) else None
        if self._order and _host_order(ary, self._order):  # one copy of the whole block
            _check(_core.cudaMemcpy(self.ptr, ary, self.nbytes, _H2D) if s is None
                   else _core.cudaMemcpyAsync(self.ptr, ary, self.nbytes, _H2D, s))
            self._host = ary
            return
        broadcast = any(st == 0 and n > 1 for n, st in zip(ary.shape, ary.strides))
        if broadcast or not _copy.same_layout(ary.shape, ary.strides, self.shape, self.strides):
            staged = _copy.host_like(self.shape, self.strides, self.dtype)
            staged[...] = ary
            ary = staged
        _copy.copy(self._device_view(), _copy.host_view(ary), self.itemsize, _H2D, s)
        self._host = ary

    def set_async(self, ary, stream=None) -> None:
        """``set(ary, async_=True, stream=stream)``."""
        self.set(ary, async_=True, stream=stream)

    def get(self, ary=None, pagelocked: bool = False, async_: bool = False, stream=None) -> np.ndarray:
        """Copy this array to the host and return the host array.

        The result keeps this array's axis order (as PyCUDA). With `ary`, a
        size mismatch is a ValueError, a dtype mismatch a DtypeMismatchError
        (a TypeError, as PyCUDA raises here). ``pagelocked=True`` returns
        pinned memory. With `async_`/`stream` the copy is stream-ordered: into
        pinned memory it is then truly asynchronous (synchronise the stream
        before reading), into pageable memory it completes before returning.
        """
        if ary is None:
            if self._order and not pagelocked:
                ary = np.empty(self.shape, self.dtype, order=self._order)
            else:
                ary = _copy.host_like(self.shape, self.strides, self.dtype, pagelocked=pagelocked)
        else:
            if not isinstance(ary, np.ndarray):
                raise TypeError(f"ary must be a numpy.ndarray, got {type(ary).__name__}")
            if ary.size != self.size:
                raise ValueError("self and ary must be the same size")
            if ary.shape != self.shape:
                warnings.warn("get() between arrays of different shape is deprecated", DeprecationWarning,
                              stacklevel=2)
                ary = ary.reshape(self.shape)
            if ary.dtype != self.dtype:
                raise DtypeMismatchError(f"self and ary must have the same dtype ({ary.dtype} != {self.dtype})")
            if not ary.flags.writeable:
                raise ValueError("ary is read-only")
        if self.size == 0:
            return ary
        s = _stream_arg(stream) if (async_ or stream is not None) else None
        if self._order and _host_order(ary, self._order):  # one copy of the whole block
            _check(_core.cudaMemcpy(ary, self.ptr, self.nbytes, _D2H) if s is None
                   else _core.cudaMemcpyAsync(ary, self.ptr, self.nbytes, _D2H, s))
        elif _copy.same_layout(ary.shape, ary.strides, self.shape, self.strides):
            _copy.copy(_copy.host_view(ary), self._device_view(), self.itemsize, _D2H, s)
        else:
            staged = _copy.host_like(self.shape, self.strides, self.dtype)
            _copy.copy(_copy.host_view(staged), self._device_view(), self.itemsize, _D2H, s)
            ary[...] = staged
        self._host = ary
        return ary

    def get_async(self, stream=None, ary=None) -> np.ndarray:
        """``get(ary, async_=True, stream=stream)``."""
        return self.get(ary=ary, async_=True, stream=stream)

    def _copy_from(self, src: "GPUArray", stream=None) -> None:
        """Device-to-device copy of a same-shape, same-dtype array."""
        if src.shape != self.shape:
            raise ValueError(f"shape mismatch: {src.shape} into {self.shape}")
        if src.dtype != self.dtype:
            raise DtypeMismatchError(f"dtype mismatch: {src.dtype} into {self.dtype}")
        if self.size == 0:
            return
        s = _stream_arg(stream)
        if self._overlaps(src):  # copies between overlapping areas are undefined: copy the source first
            src = src.copy(stream=stream)
        if _copy.same_layout(src.shape, src.strides, self.shape, self.strides):
            _copy.copy(self._device_view(), src._device_view(), self.itemsize, _D2D, s)
        else:  # no kernel to transpose on the device: stage through the host
            self.set(src.get(stream=s), stream=s)

    def _overlaps(self, other: "GPUArray") -> bool:
        a_low, a_high = _layout.span(self.shape, self.strides, self.itemsize)
        b_low, b_high = _layout.span(other.shape, other.strides, other.itemsize)
        return self.ptr + a_low < other.ptr + b_high and other.ptr + b_low < self.ptr + a_high

    def copy(self, stream=None) -> "GPUArray":
        """A new array with the same strides (allocating what they reach) and contents."""
        new = GPUArray(self.shape, self.dtype, self.allocator, strides=self.strides)
        new._copy_from(self, stream=stream)
        return new

    def fill(self, value, stream=None) -> "GPUArray":
        """Set every element to `value` (numpy's conversion rules) and return self.

        Uses cudaMemset when all bytes of the value are equal (zero, for
        example) and the array is contiguous, a staged copy otherwise; works
        for every dtype on every backend without a device kernel.
        """
        scalar = np.array(value, dtype=self.dtype)
        if self.size == 0:
            return self
        raw = scalar.tobytes()
        s = _stream_arg(stream)
        if self.flags.forc and raw == raw[:1] * len(raw):
            err = (_core.cudaMemset(self.ptr, raw[0], self.nbytes) if s is None
                   else _core.cudaMemsetAsync(self.ptr, raw[0], self.nbytes, s))
            if err:
                err.check()
        else:
            staged = _copy.host_like(self.shape, self.strides, self.dtype)
            staged.fill(scalar)
            _copy.copy(self._device_view(), _copy.host_view(staged), self.itemsize, _H2D, s)
        return self

    # --- the original PyGPU extras --------------------------------------------
    def allocate(self) -> "_core.cudaError_t":
        """Original PyGPU API: the device side exists from construction, so success."""
        return _core.cudaError_t(0)

    def _status(self, fn) -> "_core.cudaError_t":
        try:
            fn()
            self._last_status = _core.cudaError_t(0)
        except _core_error() as exc:
            self._last_status = _core.cudaError_t(exc.code)
        return self._last_status

    def to_device(self) -> "_core.cudaError_t":
        """Original PyGPU API: copy the associated host array (from to_gpu, set or get) to the device."""
        if self._host is None:
            self._last_status = _core.cudaError_t(_core.cudaErrorInvalidValue)
            return self._last_status
        return self._status(lambda: self.set(self._host))

    def to_host(self) -> "_core.cudaError_t":
        """Original PyGPU API: copy the device data into the associated host array (made on first use)."""
        return self._status(lambda: self.get(ary=self._host))

    def host_data(self):
        """Original PyGPU API: a safe pointer wrapper to the associated host array (contiguous only)."""
        if self._host is None:
            self.to_host()
        keeper = getattr(_core, f"DeviceArray_{self.dtype.name}")(self._host)
        self._host_keeper = keeper  # the wrapper stays valid while this array lives
        return keeper.host_data()

    def device_data(self):
        """Original PyGPU API: an (unsafe) pointer wrapper to element 0 on the device."""
        pointer = getattr(self.gpudata, "_ptr", None)  # driver.DeviceAllocation keeps its pointer object
        cls = getattr(_core, f"pointer_wrapper_{self.dtype.name}")
        if pointer is not None and self._offset == 0:
            return cls(pointer)
        return cls(self.ptr)

    def last_status(self) -> "_core.cudaError_t":
        """Original PyGPU API: the status of the last to_device()/to_host()."""
        return self._last_status

    # --- views ----------------------------------------------------------------
    def __getitem__(self, index) -> "GPUArray":
        """A view (never a copy) for ints, slices (any step), Ellipsis and newaxis.

        Unlike PyCUDA, ``a[5:2]`` is empty and negative steps work.
        """
        shape, strides, offset = _layout.parse_index(self.shape, self.strides, index)
        return self._view(shape, strides, offset)

    def __setitem__(self, index, value) -> None:
        """Assign a GPUArray (device to device), an ndarray (host to device) or a scalar."""
        target = self[index]
        if isinstance(value, GPUArray):
            target._copy_from(value)
        elif isinstance(value, np.ndarray):
            if value.shape != target.shape:
                raise ValueError(f"cannot assign an array of shape {value.shape} to a view of shape {target.shape}")
            target.set(value)
        elif np.isscalar(value) or (isinstance(value, np.generic)):
            target.fill(value)
        else:
            raise TypeError(f"cannot assign a {type(value).__name__} to a GPUArray (use a GPUArray, an ndarray "
                            "or a scalar)")

    def reshape(self, *shape, order: str = "C") -> "GPUArray":
        """A view with a new shape (one dimension may be -1); copies only when no view can do it."""
        if len(shape) == 1 and not isinstance(shape[0], (numbers.Integral, np.integer)):
            shape = shape[0]
        if isinstance(shape, (numbers.Integral, np.integer)):
            shape = (shape,)
        try:
            shape = tuple(operator.index(n) for n in shape)
        except TypeError:
            raise TypeError(f"shape must hold ints, got {shape!r}") from None
        if order not in ("C", "F"):
            raise ValueError(f"invalid order: {order!r}")
        if shape.count(-1) > 1:
            raise ValueError("can only specify one unknown dimension")
        if -1 in shape:
            known = 1
            for n in shape:
                if n != -1:
                    known *= n
            if known == 0 or self.size % known:
                raise ValueError(f"cannot reshape array of size {self.size} into shape {shape}")
            shape = tuple(self.size // known if n == -1 else n for n in shape)
        shape = _layout.normalize_shape(shape)
        size = 1
        for n in shape:
            size *= n
        if size != self.size:
            raise ValueError(f"cannot reshape array of size {self.size} into shape {shape}")
        contiguous = self.flags.c_contiguous if order == "C" else self.flags.f_contiguous
        source = self if contiguous else self._copy_to_order(order)
        make = _layout.c_strides if order == "C" else _layout.f_strides
        return source._view(shape, make(shape, self.itemsize))

    def _copy_to_order(self, order: str) -> "GPUArray":
        new = GPUArray(self.shape, self.dtype, self.allocator, order=order)
        new._copy_from(self)
        return new

    def ravel(self) -> "GPUArray":
        """A 1-D view (a copy when the array is not C-contiguous)."""
        return self.reshape(self.size)

    def view(self, dtype=None) -> "GPUArray":
        """The same memory seen as another dtype (the last axis must be contiguous when sizes differ)."""
        if dtype is None:
            return self._view(self.shape, self.strides)
        dtype = _check_dtype(dtype)
        old, new = self.itemsize, dtype.itemsize
        if old == new:
            return self._view(self.shape, self.strides, dtype=dtype)
        if self.ndim == 0 or self.strides[-1] != old:
            raise ValueError("changing the itemsize needs a last axis that is contiguous")
        if (self.shape[-1] * old) % new:
            raise ValueError(f"the last axis ({self.shape[-1] * old} bytes) is not a multiple of {new} bytes")
        shape = self.shape[:-1] + (self.shape[-1] * old // new,)
        return self._view(shape, self.strides[:-1] + (new,), dtype=dtype)

    def squeeze(self) -> "GPUArray":
        """A view without the axes of length 1 (PyCUDA also drops length-0 axes; PyGPU keeps them)."""
        keep = [i for i, n in enumerate(self.shape) if n != 1]
        return self._view(tuple(self.shape[i] for i in keep), tuple(self.strides[i] for i in keep))

    def transpose(self, axes: Optional[Sequence[int]] = None) -> "GPUArray":
        """A view with the axes permuted (reversed by default)."""
        if axes is None:
            axes = tuple(range(self.ndim - 1, -1, -1))
        axes = tuple(operator.index(a) for a in axes)
        if any(not -self.ndim <= a < self.ndim for a in axes):
            raise ValueError(f"axes {axes} are out of bounds for {self.ndim} dimension(s)")
        axes = tuple(a % self.ndim for a in axes)
        if sorted(axes) != list(range(self.ndim)):
            raise ValueError(f"axes {axes} are not a permutation of the {self.ndim} axes")
        return self._view(tuple(self.shape[a] for a in axes), tuple(self.strides[a] for a in axes))

    # --- Python protocol ------------------------------------------------------
    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __bool__(self) -> bool:
        if self.size == 1:
            return bool(self.get())
        raise ValueError("The truth value of an array with more than one element is ambiguous. "
                         "Use a.any() or a.all()")

    def __hash__(self):
        raise TypeError("GPUArrays are not hashable.")

    def __repr__(self) -> str:
        return repr(self.get())

    def __str__(self) -> str:
        return str(self.get())

    def __reduce__(self):
        return (to_gpu, (self.get(),))

    def astype(self, dtype, stream=None) -> "GPUArray":
        """A copy; converting to another dtype needs a device kernel (NotImplementedError)."""
        if _check_dtype(dtype) == self.dtype:
            return self.copy(stream=stream)
        raise NotImplementedError("GPUArray.astype to another dtype needs a device kernel, which PyGPU does not "
                                  "launch yet; convert on the host: to_gpu(a.get().astype(dtype))")

    @property
    def real(self) -> "GPUArray":
        if self.dtype.kind != "c":
            return self
        return _needs_kernel("real")(self)

    @property
    def imag(self) -> "GPUArray":
        if self.dtype.kind != "c":
            return zeros_like(self)
        return _needs_kernel("imag")(self)

    def conj(self, out=None) -> "GPUArray":
        """The conjugate: `self` for real dtypes (as PyCUDA); complex ones need a kernel."""
        if self.dtype.kind != "c":
            return self
        return _needs_kernel("conj")(self)

    conjugate = conj

    for _name in ("__add__", "__radd__", "__iadd__", "__sub__", "__rsub__", "__isub__", "__mul__", "__rmul__",
                  "__imul__", "__truediv__", "__rtruediv__", "__itruediv__", "__floordiv__", "__rfloordiv__",
                  "__mod__", "__pow__", "__rpow__", "__neg__", "__abs__", "__eq__", "__ne__", "__lt__", "__le__",
                  "__gt__", "__ge__", "__and__", "__or__", "__xor__", "__invert__", "mul_add", "dot", "sum", "max",
                  "min", "any", "all", "reverse", "bind_to_texref", "bind_to_texref_ext"):
        locals()[_name] = _needs_kernel(_name)
    del _name


def _host_order(ary: np.ndarray, order: str) -> bool:
    """Whether `ary` is dense in `order` ("C" or "F"), so one plain copy moves it."""
    return ary.flags.c_contiguous if order == "C" else ary.flags.f_contiguous


def _check(err) -> None:
    if err:
        err.check()


def _core_error():
    from ._errors import CudaError

    return CudaError


# --- creation ------------------------------------------------------------------

def to_gpu(ary, allocator=None) -> GPUArray:
    """A GPUArray holding a copy of `ary`, with its layout (C stays C, F stays F).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> gpuarray.to_gpu(np.eye(2)).get()
    array([[1., 0.],
           [0., 1.]])
    """
    ary = np.asarray(ary)
    result = GPUArray(ary.shape, ary.dtype, allocator,
                      strides=_layout.compact_strides(ary.shape, ary.strides, ary.itemsize))
    result.set(ary)
    return result


def to_gpu_async(ary, allocator=None, stream=None) -> GPUArray:
    """``to_gpu`` with the copy queued on `stream`."""
    ary = np.asarray(ary)
    result = GPUArray(ary.shape, ary.dtype, allocator,
                      strides=_layout.compact_strides(ary.shape, ary.strides, ary.itemsize))
    result.set_async(ary, stream)
    return result


empty = GPUArray


def zeros(shape, dtype=np.float64, allocator=None, order="C") -> GPUArray:
    """A new array of zeros (dtype float64 by default, as PyCUDA)."""
    return GPUArray(shape, dtype, allocator, order=order).fill(0)


def ones(shape, dtype=np.float64, allocator=None, order="C") -> GPUArray:
    """A new array of ones (dtype float64 by default, as PyCUDA)."""
    return GPUArray(shape, dtype, allocator, order=order).fill(1)


def _like(other: GPUArray, dtype, order: str) -> GPUArray:
    dtype = other.dtype if dtype is None else _check_dtype(dtype)
    strides = None
    if order == "A":
        order = "F" if other.flags.f_contiguous and not other.flags.c_contiguous else "C"
    elif order == "K":
        if other.flags.c_contiguous or other.ndim <= 1:
            order = "C"
        elif other.flags.f_contiguous:
            order = "F"
        else:  # keep the axis order, dense and with positive strides
            strides = _layout.compact_strides(other.shape, other.strides, dtype.itemsize)
    elif order not in ("C", "F"):
        raise ValueError(f"invalid order: {order!r} (use 'A', 'K', 'C' or 'F')")
    return GPUArray(other.shape, dtype, other.allocator, order=order if strides is None else "C", strides=strides)


def empty_like(other_ary: GPUArray, dtype=None, order="K") -> GPUArray:
    """An uninitialised array like `other_ary` (numpy's order rules)."""
    return _like(other_ary, dtype, order)


def zeros_like(other_ary: GPUArray, dtype=None, order="K") -> GPUArray:
    """An array of zeros like `other_ary`."""
    return _like(other_ary, dtype, order).fill(0)


def ones_like(other_ary: GPUArray, dtype=None, order="K") -> GPUArray:
    """An array of ones like `other_ary`."""
    return _like(other_ary, dtype, order).fill(1)


def concatenate(arrays, axis: int = 0, allocator=None) -> GPUArray:
    """Join arrays of one dtype along an existing axis (device-to-device copies)."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    first = arrays[0]
    if any(not isinstance(a, GPUArray) for a in arrays):
        raise TypeError("concatenate takes GPUArrays")
    if first.ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = _normalize_axis(axis, first.ndim)
    for a in arrays[1:]:
        if a.dtype != first.dtype:
            raise DtypeMismatchError(f"all arrays must have one dtype ({a.dtype} != {first.dtype})")
        if a.ndim != first.ndim or any(n != m for i, (n, m) in enumerate(zip(a.shape, first.shape)) if i != axis):
            raise ValueError(f"shapes {first.shape} and {a.shape} do not match outside axis {axis}")
    shape = list(first.shape)
    shape[axis] = builtins.sum(a.shape[axis] for a in arrays)
    result = GPUArray(tuple(shape), first.dtype, allocator if allocator is not None else first.allocator)
    start = 0
    for a in arrays:
        index = [slice(None)] * first.ndim
        index[axis] = slice(start, start + a.shape[axis])
        result[tuple(index)] = a
        start += a.shape[axis]
    return result


def stack(arrays, axis: int = 0, allocator=None) -> GPUArray:
    """Join arrays of one shape and dtype along a new axis."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    if any(not isinstance(a, GPUArray) for a in arrays):
        raise TypeError("stack takes GPUArrays")
    if any(a.shape != arrays[0].shape for a in arrays):
        raise ValueError("all input arrays must have the same shape")
    axis = _normalize_axis(axis, arrays[0].ndim + 1)
    expand = (slice(None),) * axis + (None,)
    return concatenate([a[expand] for a in arrays], axis=axis, allocator=allocator)


def transpose(a: GPUArray, axes=None) -> GPUArray:
    """``a.transpose(axes)``."""
    return a.transpose(axes)


def reshape(a: GPUArray, shape, order="C") -> GPUArray:
    """``a.reshape(shape, order=order)``."""
    return a.reshape(shape, order=order)


def _normalize_axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for {ndim} dimension(s)")
    return axis % ndim


def _kernel_function(name: str):
    def function(*args, **kwargs):
        raise NotImplementedError(f"{name} needs a device kernel, which PyGPU does not launch yet")

    function.__name__ = name
    function.__doc__ = f"Not available: {name} needs a device kernel (raises NotImplementedError)."
    return function


# PyCUDA's kernel-backed functions. Some shadow builtins (sum, max, min) in
# this module, as in pycuda.gpuarray: code here uses builtins.* explicitly.
for _name in ("arange", "where", "take", "if_positive", "maximum", "minimum", "sum", "dot", "vdot", "subset_dot",
              "max", "min", "subset_max", "subset_min", "multi_take", "multi_put", "multi_take_put", "cumsum"):
    globals()[_name] = _kernel_function(_name)
    __all__.append(_name)
del _name
