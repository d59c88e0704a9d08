"""Memory pools: PyGPU.tools.DeviceMemoryPool, PageLockedMemoryPool, and GPUArray's default allocator.

PyCUDA's design (``src/cpp/mempool.hpp``), in Python so that it works on every backend: a freed block is
kept in a bin of blocks of one size class and handed out again by the next allocation of that class.
A size class (a "bin") keeps the 4 leading bits of the size below its highest bit and rounds the rest up,
so a block is at most 1/16 larger than what was asked for.

A block the pool holds is real memory of the backend (``PyGPU.sim.allocations()`` lists it), but no leak:
``PyGPU.sim.leaks()`` leaves out what a pool holds (:func:`held_addresses`). A reset of the device frees the
blocks behind the pool's back; the pool forgets dead blocks when it next looks at them (every query prunes).
"""

from __future__ import annotations

import gc
import math
import operator
import os
import sys
import warnings
import weakref
from threading import get_ident
from typing import TYPE_CHECKING, Any, Callable, SupportsIndex

import numpy as np

from . import _core as _g
from ._errors import CudaError, error_for
from ._memory import DeviceAllocation, count, mem_alloc
from ._public import public

if TYPE_CHECKING:
    import numpy.typing as npt

    from ._pinned import ShapeLike

#: A block of a pool: a device pointer object, or a pinned uint8 numpy array.
Block = Any

#: Bits of the size kept below its highest bit in a bin number (PyCUDA's ``leading_bits_in_bin_id``).
_LEADING_BITS = 4
_MANTISSA_MASK = (1 << _LEADING_BITS) - 1

#: Threads with a PyGPU.sim.label pending: their next pool allocation is a new, labelled block.
_labelled_threads: set[int] = set()

#: Every pool alive, for held_addresses() (PyGPU.sim.leaks leaves their blocks out).
_POOLS: weakref.WeakSet[_MemoryPool] = weakref.WeakSet()


_finalizing = sys.is_finalizing


def bin_number(size: int) -> int:
    """PyCUDA's bin of `size` bytes: its highest bit's index, then the 4 bits below it."""
    top = max(size.bit_length() - 1, 0)
    shift = top - _LEADING_BITS
    return top << _LEADING_BITS | ((size >> shift if shift >= 0 else size << -shift) & _MANTISSA_MASK)


#: bin_number of the sizes up to 64 KiB that are multiples of 4 bytes, for the allocation fast path.
_BIN_OF: dict[int, int] = {}


def alloc_size(bin_nr: int) -> int:
    """The bytes a block of bin `bin_nr` has: the largest size in that bin."""
    shift = (bin_nr >> _LEADING_BITS) - _LEADING_BITS
    head = (1 << _LEADING_BITS) | (bin_nr & _MANTISSA_MASK)
    if shift >= 0:
        return head << shift | ((1 << shift) - 1)
    return head >> -shift


_BIN_OF.update((n, bin_number(n)) for n in range(4, 1 << 16, 4))


def _size(size: SupportsIndex) -> int:
    """An allocation size: an int >= 0 (TypeError, ValueError)."""
    return count(size, "size")


class _MemoryPool:
    """The bins and counters of a pool; subclasses say how to get, free and check a block.

    Counters follow PyCUDA: an *active* block is in use by the program, a *held* one waits in a bin;
    *managed* bytes are the sizes of all blocks, active and held; *active* bytes are the sizes asked for.
    No lock: a block is taken and given back by single list operations, which the GIL makes atomic, and a
    destructor run by the garbage collector in the middle of an allocation can safely give a block back.
    """

    _kind = "memory"

    def __init__(self) -> None:
        self._bins: dict[int, list[Block]] = {}
        self._blocks = 0  # blocks got from the backend and not given back: active + held
        self._managed_bytes = 0
        self._active_bytes = 0
        self._holding = True
        _POOLS.add(self)

    # --- what a subclass provides ---------------------------------------------------------
    def _new_block(self, nbytes: int) -> tuple[Block | None, int, str]:
        """A fresh block of `nbytes` from the backend, 0 and "", or None, the backend's error code and message."""
        raise NotImplementedError

    def _release(self, block: Block) -> None:
        """Give `block` back to the backend."""
        raise NotImplementedError

    @staticmethod
    def _alive(block: Block) -> bool:
        """Whether `block` is still memory of the backend (a device reset frees blocks behind the pool)."""
        return True

    @staticmethod
    def _address(block: Block) -> int:
        raise NotImplementedError

    # --- PyCUDA's interface ---------------------------------------------------------------
    def bin_number(self, size: SupportsIndex) -> int:
        """The bin (size class) of an allocation of `size` bytes.

        Examples
        --------
        >>> from PyGPU.tools import DeviceMemoryPool
        >>> pool = DeviceMemoryPool()
        >>> pool.bin_number(4096), pool.alloc_size(pool.bin_number(4097))
        (192, 4351)
        """
        return bin_number(_size(size))

    def alloc_size(self, bin_nr: SupportsIndex) -> int:
        """The bytes of a block in bin `bin_nr` (what the pool allocates for any size of that bin).

        Examples
        --------
        >>> from PyGPU.tools import DeviceMemoryPool
        >>> DeviceMemoryPool().alloc_size(192)
        4351
        """
        return alloc_size(_size(bin_nr))

    @property
    def held_blocks(self) -> int:
        """Blocks freed by the program and kept for reuse."""
        self._prune()
        return sum(len(bin_) for bin_ in list(self._bins.values()))

    @property
    def active_blocks(self) -> int:
        """Blocks in use by the program."""
        return self._blocks - self.held_blocks

    @property
    def managed_bytes(self) -> int:
        """Bytes of all blocks, held and active (block sizes, rounded up to their bins)."""
        self._prune()
        return self._managed_bytes

    @property
    def active_bytes(self) -> int:
        """Bytes the program asked for in the active blocks."""
        return self._active_bytes

    def free_held(self) -> None:
        """Give every held block back to the backend (active ones stay).

        Examples
        --------
        >>> from PyGPU.tools import DeviceMemoryPool
        >>> pool = DeviceMemoryPool()
        >>> pool.allocate(1024).free()
        >>> pool.held_blocks, pool.free_held(), pool.held_blocks
        (1, None, 0)
        """
        for nr, bin_ in list(self._bins.items()):
            while True:
                try:
                    block = bin_.pop()
                except IndexError:
                    break
                self._forget(nr)
                if self._alive(block):
                    self._release(block)

    def stop_holding(self) -> None:
        """Free what the pool holds, and from now on free blocks when the program frees them.

        Allocating still works (each allocation is a fresh block), as in PyCUDA.

        Examples
        --------
        >>> from PyGPU.tools import DeviceMemoryPool
        >>> pool = DeviceMemoryPool()
        >>> pool.stop_holding()
        >>> pool.allocate(16).free()
        >>> pool.held_blocks
        0
        """
        self._holding = False
        self.free_held()

    # --- the pool's work ------------------------------------------------------------------
    def _bin(self, size: int) -> list[Block]:
        """The bin of `size` bytes (made on first use)."""
        nr = bin_number(size)
        bin_ = self._bins.get(nr)
        return bin_ if bin_ is not None else self._bins.setdefault(nr, [])

    def _forget(self, nr: int) -> None:
        """Count a block of bin `nr` as no longer the pool's."""
        self._blocks -= 1
        self._managed_bytes -= alloc_size(nr)

    def _take(self, size: int, bin_: list[Block]) -> Block:
        """A block of at least `size` bytes from `bin_` (its bin), else a new one (freeing held ones on OOM).

        A thread with a ``PyGPU.sim.label`` pending gets a new block, which the label names.
        """
        labelled = bool(_labelled_threads) and get_ident() in _labelled_threads
        if labelled:
            _labelled_threads.discard(get_ident())  # the new block's cudaMalloc uses the label up
            bin_ = []
        while bin_:
            try:
                block = bin_.pop()
            except IndexError:  # another thread took the last one
                break
            if self._alive(block):
                self._active_bytes += size
                return block
            self._forget(bin_number(size))  # freed by a device reset
        nbytes = alloc_size(bin_number(size))
        fresh, code, message = self._new_block(nbytes)
        if fresh is None and code == _g.cudaErrorMemoryAllocation:
            self.free_held()  # as CuPy: what the pool holds goes first, then what the garbage holds
            fresh, code, message = self._new_block(nbytes)
            if fresh is None and code == _g.cudaErrorMemoryAllocation:
                gc.collect()
                self.free_held()
                fresh, code, message = self._new_block(nbytes)
        if fresh is None:
            retried = f", even after freeing the {self._kind} it held" if code == _g.cudaErrorMemoryAllocation else ""
            raise error_for(code, f"{type(self).__name__} could not allocate a block of {nbytes} bytes for {size} "
                                  f"bytes{retried}" + (f": {message}" if message else ""),
                            f"{type(self).__name__}.allocate")
        self._blocks += 1
        self._managed_bytes += nbytes
        self._active_bytes += size
        return fresh

    def _give(self, block: Block, size: int, bin_: list[Block]) -> None:
        """Take back a block the program freed: hold it, or free it (stop_holding, or dead after a reset)."""
        self._active_bytes -= size
        if self._holding and self._alive(block):
            bin_.append(block)
            return
        self._forget(bin_number(size))
        if self._alive(block):
            self._release(block)

    def _prune(self) -> None:
        """Forget held blocks that a device reset freed."""
        for nr, bin_ in list(self._bins.items()):
            for block in list(bin_):
                if not self._alive(block):
                    try:
                        bin_.remove(block)
                    except ValueError:  # taken meanwhile
                        continue
                    self._forget(nr)

    def _held_addresses(self) -> list[int]:
        return [self._address(block) for bin_ in list(self._bins.values()) for block in list(bin_)
                if self._alive(block)]

    def __del__(self) -> None:
        if sys.is_finalizing() or getattr(self, "_bins", None) is None:
            return  # the process is ending (freeing would wait for queued work), or __init__ failed
        try:
            self.free_held()
        except Exception as exc:  # destructors never raise
            warnings.warn(f"freeing the blocks of a {type(self).__name__} failed: {exc}", RuntimeWarning,
                          stacklevel=2)

    def __repr__(self) -> str:
        return (f"<{type(self).__module__}.{type(self).__name__}: {self.active_blocks} active blocks "
                f"({self.active_bytes} bytes), {self.held_blocks} held, {self.managed_bytes} bytes managed>")


def label_pending(pending: bool) -> None:
    """PyGPU.sim.label says whether the calling thread has a label pending for its next allocation."""
    if pending:
        _labelled_threads.add(get_ident())
    else:
        _labelled_threads.discard(get_ident())


def held_addresses() -> set[int]:
    """The addresses of the blocks every live pool holds (device and pinned): memory that is no leak."""
    return {address for pool in list(_POOLS) for address in pool._held_addresses()}


def _give_back(holder: PooledDeviceAllocation | PooledHostAllocation, block: Block, call: str | None) -> None:
    """Give `holder`'s block back to its pool, once: `call` names a free(), which raises the second time;
    None is a destructor, which never raises (a failure becomes a warning) and does nothing at exit."""
    pool = holder._pool
    if pool is None:
        if call is None:
            return
        raise error_for(_g.cudaErrorInvalidValue, "this pooled allocation was already freed "
                        "(a block is given back to its pool once)", call)
    if call is None and _finalizing():
        return  # the process is ending: freeing would wait for queued work
    holder._pool = None
    try:
        pool._give(block, holder._size, holder._bin)
    except Exception as exc:
        if call is not None:
            raise
        warnings.warn(f"giving a block back to its pool failed: {exc}", RuntimeWarning, stacklevel=3)


# ----------------------------------------------------------------------------------- device


@public("PyGPU.tools")
class PooledDeviceAllocation(DeviceAllocation):
    """A block of a :class:`DeviceMemoryPool`: device memory that goes back to the pool when freed.

    ``int(alloc)`` is the device address and ``len(alloc)`` the bytes asked for, as in PyCUDA. ``free()``
    gives the block back at once, and dropping the last reference does the same; a second ``free()``
    raises CudaError (``cudaErrorInvalidValue``) and the block is never given back twice. It is a
    :class:`PyGPU.driver.DeviceAllocation`, accepted wherever one is.

    Examples
    --------
    >>> from PyGPU.tools import DeviceMemoryPool
    >>> pool = DeviceMemoryPool()
    >>> a = pool.allocate(100)
    >>> len(a), pool.active_blocks
    (100, 1)
    >>> a.free()
    >>> pool.active_blocks, pool.held_blocks
    (0, 1)
    """

    __slots__ = ("_bin", "_pool", "_size")
    _release = None  # type: ignore[assignment]  # __del__ gives the block back to the pool, never frees it
    _pool: DeviceMemoryPool | None
    _size: int
    _bin: list[_g.pointer_wrapper_void]

    def __init__(self, ptr: _g.pointer_wrapper_void) -> None:  # pools make them (DeviceMemoryPool.allocate)
        raise TypeError("PooledDeviceAllocation objects come from DeviceMemoryPool.allocate()")

    def free(self) -> None:
        """Give the block back to its pool now (CudaError ``cudaErrorInvalidValue`` if it was already freed).

        Examples
        --------
        >>> from PyGPU.tools import DeviceMemoryPool
        >>> DeviceMemoryPool().allocate(16).free()
        """
        _give_back(self, self._ptr, "PooledDeviceAllocation.free")

    def __len__(self) -> int:
        return self._size

    def __del__(self) -> None:
        if getattr(self, "_pool", None) is not None:
            _give_back(self, self._ptr, None)

    def __repr__(self) -> str:
        state = "" if getattr(self, "_pool", None) is not None else ", freed"
        return f"<PyGPU.tools.PooledDeviceAllocation {int(self._ptr):#x}, {self._size} bytes{state}>"


_new_pooled = PooledDeviceAllocation.__new__


@public("PyGPU.tools")
class DeviceMemoryPool(_MemoryPool):
    """A pool of device memory, as PyCUDA's: ``allocate`` reuses blocks the program freed.

    ``pool.allocate`` is an allocator: pass it as ``allocator=`` to ``GPUArray``, ``empty``, ``zeros``,
    ``to_gpu`` ... of :mod:`PyGPU.gpuarray`. The pool allocates on the device that was current when it was
    made. When the device is full, the pool frees what it holds (and what
    the garbage collector finds) and tries again before raising.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.tools import DeviceMemoryPool
    >>> pool = DeviceMemoryPool()
    >>> a = gpuarray.to_gpu(np.arange(4.0), allocator=pool.allocate)
    >>> del a
    >>> pool.held_blocks, pool.active_blocks
    (1, 0)
    >>> b = gpuarray.zeros(4, allocator=pool.allocate)  # the same block again
    >>> pool.held_blocks, pool.active_blocks
    (0, 1)
    """

    _kind = "device memory"

    def __init__(self) -> None:
        super().__init__()
        device, err = _g.cudaGetDevice()
        self._device = device if device is not None and int(err) == _g.cudaSuccess else 0

    def allocate(self, size: SupportsIndex) -> PooledDeviceAllocation:
        """`size` bytes of device memory from the pool.

        Parameters
        ----------
        size : int
            Bytes (>= 0).

        Returns
        -------
        PooledDeviceAllocation
            Goes back to the pool when freed or dropped.

        Raises
        ------
        TypeError, ValueError
            For a size that is not an int >= 0.
        PyGPU.CudaError
            ``cudaErrorMemoryAllocation`` when the device is full even after the pool freed what it held.

        Examples
        --------
        >>> from PyGPU.tools import DeviceMemoryPool
        >>> pool = DeviceMemoryPool()
        >>> a = pool.allocate(1000)
        >>> pool.active_bytes, pool.managed_bytes
        (1000, 1023)
        """
        n = size if type(size) is int and size >= 0 else _size(size)
        bin_ = self._bins.get(_BIN_OF.get(n) or bin_number(n)) or self._bin(n)
        result = _new_pooled(PooledDeviceAllocation)
        result._ptr = self._take(n, bin_)
        result._size = n
        result._bin = bin_
        result._pool = self
        return result

    def _new_block(self, nbytes: int) -> tuple[_g.pointer_wrapper_void | None, int, str]:
        current, _ = _g.cudaGetDevice()
        if current != self._device:
            _g.cudaSetDevice(self._device)
        try:
            ptr, err = _g.cudaMalloc(nbytes)
        finally:
            if current is not None and current != self._device:
                _g.cudaSetDevice(current)
        return (ptr, 0, "") if int(err) == _g.cudaSuccess else (None, int(err), err.message or err.description)

    def _release(self, block: _g.pointer_wrapper_void) -> None:
        err = _g.cudaFree(block)
        if int(err) != _g.cudaSuccess:
            warnings.warn(f"freeing a pool block failed: {err.name}: {err.message or err.description}",
                          RuntimeWarning, stacklevel=3)

    @staticmethod
    def _alive(block: _g.pointer_wrapper_void) -> bool:
        return block.alive

    @staticmethod
    def _address(block: _g.pointer_wrapper_void) -> int:
        return int(block)


# ----------------------------------------------------------------------------------- pinned host


@public("PyGPU.tools")
class PooledHostAllocation:
    """A block of a :class:`PageLockedMemoryPool`: the base of the numpy array ``allocate`` returned.

    The block goes back to the pool when the array (and every view of it) is gone, or at ``free()``;
    a second ``free()`` raises CudaError (``cudaErrorInvalidValue``). ``len()`` is the bytes asked for.

    Examples
    --------
    >>> from PyGPU.tools import PageLockedMemoryPool
    >>> a = PageLockedMemoryPool().allocate((2, 3), "float32")
    >>> type(a.base.base).__name__, len(a.base.base)
    ('PooledHostAllocation', 24)
    """

    __slots__ = ("__weakref__", "_bin", "_block", "_pool", "_size")

    def __init__(self, pool: PageLockedMemoryPool, size: int) -> None:
        self._bin = bin_ = pool._bin(size)
        self._block = pool._take(size, bin_)
        self._size = size
        self._pool: PageLockedMemoryPool | None = pool

    @property
    def __array_interface__(self) -> dict[str, Any]:
        """The block's first ``len(self)`` bytes, for numpy (arrays made from it keep it alive)."""
        return {"shape": (self._size,), "typestr": "|u1", "data": (self._block.ctypes.data, False), "version": 3}

    def free(self) -> None:
        """Give the block back to its pool now; arrays on it must no longer be used.

        Examples
        --------
        >>> from PyGPU.tools import PageLockedMemoryPool
        >>> a = PageLockedMemoryPool().allocate(4, "int32")
        >>> a.base.base.free()
        """
        _give_back(self, self._block, "PooledHostAllocation.free")

    def __len__(self) -> int:
        return self._size

    def __del__(self) -> None:
        if getattr(self, "_pool", None) is not None:
            _give_back(self, self._block, None)


@public("PyGPU.tools")
class PageLockedMemoryPool(_MemoryPool):
    """A pool of page-locked (pinned) host memory, as PyCUDA's: ``allocate`` returns numpy arrays.

    PyCUDA takes a ``PageLockedAllocator(flags)``; PyGPU's pinned memory is always portable (see
    :func:`PyGPU.driver.pagelocked_empty`), so this pool takes no allocator.

    Examples
    --------
    >>> from PyGPU.tools import PageLockedMemoryPool
    >>> pool = PageLockedMemoryPool()
    >>> a = pool.allocate((2, 2), "float64")
    >>> a.fill(1.5); float(a.sum())
    6.0
    >>> del a
    >>> pool.held_blocks
    1
    """

    _kind = "pinned memory"

    def allocate(self, shape: ShapeLike, dtype: npt.DTypeLike, order: str = "C") -> npt.NDArray[Any]:
        """An uninitialised pinned numpy array from the pool.

        Parameters
        ----------
        shape : int or tuple of int
        dtype : numpy dtype
            Any fixed-size numpy dtype.
        order : {"C", "F"}, default "C"

        Returns
        -------
        numpy.ndarray
            Its memory goes back to the pool when the array and its views are gone.

        Raises
        ------
        TypeError, ValueError
            For a shape that is not ints >= 0, a dtype numpy does not know, or an invalid `order`.
        PyGPU.CudaError
            ``cudaErrorMemoryAllocation`` when pinned memory runs out even after the pool freed what it held.

        Examples
        --------
        >>> from PyGPU.tools import PageLockedMemoryPool
        >>> PageLockedMemoryPool().allocate(3, "int16", order="F").shape
        (3,)
        """
        dtype = np.dtype(dtype)
        if order not in ("C", "F"):
            raise ValueError(f"order must be 'C' or 'F', got {order!r}")
        raw: Any = shape
        dims = (_size(raw),) if np.ndim(raw) == 0 else tuple(_size(n) for n in raw)
        nbytes = dtype.itemsize * math.prod(dims)
        holder = PooledHostAllocation(self, nbytes)
        result: npt.NDArray[Any] = np.asarray(holder).view(dtype).reshape(dims, order=order)  # type: ignore[call-overload]
        return result

    def _new_block(self, nbytes: int) -> tuple[npt.NDArray[np.uint8] | None, int, str]:
        try:
            return np.asarray(_g.PagelockedAllocator_uint8(nbytes)), 0, ""
        except CudaError as exc:
            return None, exc.code, exc.message or exc.description
        except MemoryError as exc:
            return None, _g.cudaErrorMemoryAllocation, str(exc)

    def _release(self, block: npt.NDArray[np.uint8]) -> None:
        del block  # the pinned buffer is freed with its last reference

    @staticmethod
    def _alive(block: npt.NDArray[np.uint8]) -> bool:
        owner: Any = block.base  # a memoryview of the PagelockedAllocator
        return bool(owner.obj.ptr().alive)  # a reset unpins it: the pool must not hand it out as pinned

    @staticmethod
    def _address(block: npt.NDArray[np.uint8]) -> int:
        return int(block.ctypes.data)


# ----------------------------------------------------------------------------------- GPUArray's default

_malloc_async = _g.cudaMallocAsync
_ordered_alloc = _g._ordered_alloc


class StreamOrderedAllocation(DeviceAllocation):
    """Device memory from the device's stream-ordered pool: GPUArray's default allocation.

    ``cudaMallocAsync`` on the legacy default stream made it; freeing it (``free()``, or dropping the last
    reference) is a ``cudaFreeAsync`` on that stream, so the memory goes back to the pool only once the
    work queued before the free, on the legacy stream and every blocking stream, has run. Work on a
    non-blocking stream is not ordered by it (CUDA's rule): keep such an array alive, or synchronise that
    stream, until the work is done. A second ``free()`` raises CudaError (``cudaErrorInvalidValue``), as
    :class:`PyGPU.driver.DeviceAllocation`, which it is.

    Examples
    --------
    >>> import PyGPU as gpuarray
    >>> a = gpuarray.empty(4, "float32")
    >>> type(a.gpudata).__name__
    'StreamOrderedAllocation'
    >>> a.gpudata.free()
    """

    __slots__ = ()

    def __init__(self, ptr: _g.pointer_wrapper_void) -> None:  # async_alloc makes them
        raise TypeError("StreamOrderedAllocation objects come from GPUArray's default allocator")

    # free() and dropping the last reference: cudaFreeAsync on the legacy default stream (its default).
    _release = staticmethod(_g.cudaFreeAsync)

    def __repr__(self) -> str:
        state = "" if self._ptr.alive else ", freed"
        return f"<PyGPU.StreamOrderedAllocation {int(self._ptr):#x}{state}>"


_new_ordered = StreamOrderedAllocation.__new__


def trim_stream_ordered(device: int | None = None, wait: bool = True) -> None:
    """Give the memory the stream-ordered pools of `device` (the current one when None) hold unused back:
    the device's current pool, and the pool of GPUArray's large arrays.

    A pool gives back only memory whose free the device has reached (``cudaMemPoolTrimTo``): with `wait`,
    the device's legacy stream, where GPUArray frees, is synchronised first (as CuPy's ``free_all_blocks``
    does), so the memory of arrays dropped just before is given back too.
    """
    current, err = _g.cudaGetDevice()
    current = current if current is not None and int(err) == _g.cudaSuccess else 0
    if device is None:
        device = current
    if wait:
        if device != current:
            _g.cudaSetDevice(device)
        _g.cudaStreamSynchronize(None)  # an error (a host function cannot wait) leaves what is not reached
        if device != current:
            _g.cudaSetDevice(current)
    mempool, err = _g.cudaDeviceGetMemPool(device)
    if mempool is not None and int(err) == _g.cudaSuccess:
        _g.cudaMemPoolTrimTo(mempool, 0)
    large = _large_pools.get(device)
    if large is not None and int(_g.cudaMemPoolTrimTo(large, 0)) != _g.cudaSuccess:
        del _large_pools[device]  # gone with a device reset


#: Arrays of at least LARGE bytes come from a stream-ordered pool of GPUArray's own per device, which keeps up
#: to LARGE_KEEP idle bytes across synchronisations (its release threshold), as CuPy advises for
#: cudaMallocAsync: the device's default pool keeps none (CUDA's threshold of 0), so a loop that makes and
#: drops a large array between synchronisations would map and fault in new memory every time, where
#: cudaFree's blocks stay warm. Small arrays use the device's current pool (no device lookup on that path).
LARGE = 2 << 20
LARGE_KEEP = 256 << 20
_large_pools: dict[int, Any] = {}


def _large_pool(device: int) -> Any:
    """GPUArray's pool for large arrays on `device`, made on first use (None when the runtime refuses)."""
    pool = _large_pools.get(device)
    if pool is None:
        props = _g.cudaMemPoolProps()
        props.allocType = _g.cudaMemAllocationTypePinned
        props.location.type = _g.cudaMemLocationTypeDevice
        props.location.id = device
        pool, _err = _g.cudaMemPoolCreate(props)
        if pool is None:
            return None
        _g.cudaMemPoolSetAttribute(pool, _g.cudaMemPoolAttrReleaseThreshold, LARGE_KEEP)
        _large_pools[device] = pool
    return pool


def _large_alloc(nbytes: int) -> _g.pointer_wrapper_void | None:
    """`nbytes` from the current device's large-array pool, or None (then the device's pool serves it)."""
    device, _err = _g.cudaGetDevice()
    if device is None:
        return None
    for _ in range(2):  # a device reset destroyed a pool made before it: make a new one once
        pool = _large_pool(device)
        if pool is None:
            return None
        ptr, err = _g.cudaMallocFromPoolAsync(nbytes, pool, None)
        if ptr is not None or int(err) == _g.cudaErrorMemoryAllocation:
            return ptr
        _large_pools.pop(device, None)
    return None


def async_alloc(nbytes: SupportsIndex) -> StreamOrderedAllocation:
    """GPUArray's default allocator: `nbytes` from the current device's stream-ordered pool (legacy stream)."""
    n = operator.index(nbytes)
    if n < LARGE:
        result = _ordered_alloc(StreamOrderedAllocation, n)  # the hot path: one call, the object made in C
        if type(result) is StreamOrderedAllocation:
            return result
        return ordered(async_retry(n, result))
    ptr = _large_alloc(n)
    if ptr is None:
        ptr, err = _malloc_async(n, None)
        if ptr is None:
            ptr = async_retry(n, err)
    return ordered(ptr)


def ordered(ptr: _g.pointer_wrapper_void) -> StreamOrderedAllocation:
    """A StreamOrderedAllocation owning `ptr`, memory from the legacy stream's cudaMallocAsync."""
    result = _new_ordered(StreamOrderedAllocation)
    result._ptr = ptr
    return result


def async_retry(nbytes: SupportsIndex, err: Any) -> _g.pointer_wrapper_void:
    """After a failed cudaMallocAsync: on out-of-memory, give back what the pools hold (the Python pools,
    the garbage's arrays, the stream-ordered pool once the legacy stream reached the frees) and retry;
    then raise the error."""
    if int(err) == _g.cudaErrorMemoryAllocation:
        for pool in list(_POOLS):
            pool.free_held()
        trim_stream_ordered(wait=False)
        ptr, err = _malloc_async(nbytes, None)
        if ptr is not None:
            return ptr
        gc.collect()  # dropped arrays in reference cycles free their memory in stream order
        for pool in list(_POOLS):
            pool.free_held()
        _g.cudaStreamSynchronize(None)  # the legacy stream reaches the frees: their memory is idle
        trim_stream_ordered()
        ptr, err = _malloc_async(nbytes, None)
        if ptr is not None:
            return ptr
    retried = ", even after freeing what the memory pools held" if int(err) == _g.cudaErrorMemoryAllocation else ""
    raise error_for(int(err), f"could not allocate {int(nbytes)} bytes from the stream-ordered pool{retried}"
                    + (f": {err.message or err.description}" if (err.message or err.description) else ""),
                    "cudaMallocAsync")


#: The environment variable read once at import: "async" (the default), "pool" or "malloc".
ALLOCATOR_VAR = "PYGPU_ALLOCATOR"
_KINDS = ("async", "pool", "malloc")

#: The Python pool of each device ("pool"), made on first use.
_default_pools: dict[int, DeviceMemoryPool] = {}


class _DevicePool(DeviceMemoryPool):
    """A device's pool for GPUArray: ``free_held`` also trims the device's stream-ordered pool."""

    def free_held(self) -> None:
        super().free_held()
        trim_stream_ordered(self._device)


@public("PyGPU.tools")
def default_pool(device: int | None = None) -> DeviceMemoryPool:
    """The Python pool GPUArray allocates from on `device` (the current device when None) with
    ``set_default_allocator("pool")``, made on first use.

    Its counters show what GPUArrays use (``active_bytes``) and what the pool keeps for reuse
    (``held_blocks``, ``managed_bytes``); ``free_held()`` gives the kept memory back to the device, and
    also what the device's stream-ordered pool (the default allocator's) holds unused.

    Parameters
    ----------
    device : int, optional
        A device number.

    Returns
    -------
    DeviceMemoryPool

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.tools import default_pool
    >>> pool = default_pool()
    >>> pool.free_held()
    >>> a = gpuarray.to_gpu(np.zeros(1000, np.uint8), allocator=pool.allocate)
    >>> pool.active_bytes >= 1000
    True
    >>> del a
    >>> pool.held_blocks >= 1
    True
    >>> pool.free_held()
    """
    if device is None:
        current, err = _g.cudaGetDevice()
        device = current if current is not None and int(err) == _g.cudaSuccess else 0
    pool = _default_pools.get(device)
    if pool is None:
        previous, _ = _g.cudaGetDevice()
        if previous != device:
            _g.cudaSetDevice(device)
        try:
            pool = _default_pools.setdefault(device, _DevicePool())
        finally:
            if previous is not None and previous != device:
                _g.cudaSetDevice(previous)
    return pool


def pooled_alloc(nbytes: SupportsIndex) -> PooledDeviceAllocation:
    """GPUArray's default allocator with "pool": `nbytes` from the current device's default pool."""
    device = _g.cudaGetDevice()[0]
    pool = _default_pools.get(device)  # type: ignore[arg-type]
    if pool is None:
        pool = default_pool()
    return pool.allocate(nbytes)


_ALLOCATORS: dict[str, Callable[[Any], Any]] = {"async": async_alloc, "pool": pooled_alloc, "malloc": mem_alloc}

#: What GPUArray allocates with when no allocator is given (set_default_allocator changes it).
default_allocator: Callable[[Any], Any] = async_alloc


@public("PyGPU.tools")
def set_default_allocator(kind: str) -> None:
    """Set what GPUArray allocates with when no ``allocator`` is given.

    ``PYGPU_ALLOCATOR`` sets the same at import. Arrays made before keep the allocator they were made with.

    Parameters
    ----------
    kind : {"async", "pool", "malloc"}
        "async" (the default): the current device's stream-ordered pool, ``cudaMallocAsync`` and
        ``cudaFreeAsync`` on the legacy default stream; "pool": the current device's :func:`default_pool`
        (PyCUDA's Python pool); "malloc": a plain ``cudaMalloc`` per array (:func:`PyGPU.driver.mem_alloc`),
        freed with the array.

    Raises
    ------
    ValueError
        For another `kind`.

    Examples
    --------
    >>> import PyGPU as gpuarray
    >>> from PyGPU.tools import get_default_allocator, set_default_allocator
    >>> set_default_allocator("malloc")
    >>> type(gpuarray.empty(4, "float32").gpudata).__name__
    'DeviceAllocation'
    >>> set_default_allocator("async")
    >>> get_default_allocator()
    'async'
    """
    global default_allocator  # noqa: PLW0603  (one module attribute: GPUArray's hot path reads it)
    if not isinstance(kind, str) or kind not in _ALLOCATORS:
        raise ValueError(f"the default allocator is 'async', 'pool' or 'malloc', got {kind!r}")
    default_allocator = _ALLOCATORS[kind]


@public("PyGPU.tools")
def get_default_allocator() -> str:
    """"async", "pool" or "malloc": what GPUArray allocates with when no ``allocator`` is given.

    Examples
    --------
    >>> from PyGPU.tools import get_default_allocator
    >>> get_default_allocator() in ("async", "pool", "malloc")
    True
    """
    return next(kind for kind, alloc in _ALLOCATORS.items() if alloc is default_allocator)


def _from_environment() -> None:
    text = os.environ.get(ALLOCATOR_VAR)
    if text is None or not text.strip():
        return
    kind = text.strip().lower()
    if kind not in _KINDS:
        raise ImportError(f"{ALLOCATOR_VAR}={text!r} is not an allocator; use 'async', 'pool' or 'malloc'")
    set_default_allocator(kind)


_from_environment()
