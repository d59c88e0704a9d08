"""PyGPU.tools: the helpers of ``pycuda.tools`` that user code and kernel generators call.

C types and dtypes (:func:`dtype_to_ctype`, :func:`get_or_register_dtype`, :func:`parse_c_arg`,
:class:`VectorArg`, :class:`ScalarArg`), device data for launch sizing (:class:`DeviceData`,
:class:`OccupancyRecord`, :func:`bitlog2`), and memoization per context (:func:`context_dependent_memoize`,
:func:`clear_context_caches`, :func:`mark_cuda_test`), and memory pools (:class:`DeviceMemoryPool`,
:class:`PageLockedMemoryPool`, GPUArray's :func:`default_pool` and :func:`set_default_allocator`).

Examples
--------
>>> import numpy as np
>>> from PyGPU.tools import dtype_to_ctype, parse_c_arg
>>> dtype_to_ctype(np.float32), parse_c_arg("const int *idx")
('float', VectorArg('idx', int32))
"""

from __future__ import annotations

import functools
import gc
import math
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

import numpy as np

from ._device import Context, Device, device_attribute
from ._pool import (
    DeviceMemoryPool,
    PageLockedMemoryPool,
    PooledDeviceAllocation,
    PooledHostAllocation,
    default_pool,
    get_default_allocator,
    set_default_allocator,
)
from ._public import public

__all__ = ["Argument", "DeviceData", "OccupancyRecord", "ScalarArg", "VectorArg", "bitlog2", "clear_context_caches",
           "context_dependent_memoize", "dtype_to_ctype", "get_arg_type", "get_or_register_dtype",
           "mark_cuda_test", "parse_c_arg", "register_dtype"]
# Memory pools (PyGPU._pool): PyCUDA's pool classes, and GPUArray's default pool and its switch.
__all__ += ["DeviceMemoryPool", "PageLockedMemoryPool", "PooledDeviceAllocation", "PooledHostAllocation",
            "default_pool", "get_default_allocator", "set_default_allocator"]

F = TypeVar("F", bound=Callable[..., Any])

# ---------------------------------------------------------------- C types <-> dtypes

#: The built-in table: dtype -> its C names, the first one being what dtype_to_ctype writes (PyCUDA's names on
#: 64-bit Linux: int64 is ``long``). One line per dtype.
_BUILTIN: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (np.bool_, ("bool",)),
    (np.int8, ("signed char", "char")),
    (np.uint8, ("unsigned char",)),
    (np.int16, ("short", "signed short", "signed short int", "short signed int", "short int")),
    (np.uint16, ("unsigned short", "unsigned short int", "short unsigned int")),
    (np.int32, ("int", "signed int")),
    (np.uint32, ("unsigned", "unsigned int")),
    (np.int64, ("long", "long int", "signed long", "signed long int", "long signed int", "long long",
                "long long int", "signed long long", "signed long long int", "int64_t")),
    (np.uint64, ("unsigned long", "unsigned long int", "long unsigned int", "unsigned long long",
                 "unsigned long long int", "size_t", "uint64_t")),
    (np.float32, ("float",)),
    (np.float64, ("double",)),
    (np.complex64, ("pycuda::complex<float>",)),
    (np.complex128, ("pycuda::complex<double>",)),
)

_DTYPE_TO_NAME: dict[np.dtype[Any], str] = {}
_NAME_TO_DTYPE: dict[str, np.dtype[Any]] = {}


@public("PyGPU.tools")
def register_dtype(dtype: Any, c_names: str | Iterable[str], alias_ok: bool = False) -> None:
    """Register the C name(s) of `dtype` (the first is what :func:`dtype_to_ctype` writes).

    Parameters
    ----------
    dtype : numpy dtype or name
    c_names : str or iterable of str
    alias_ok : bool
        Allow a dtype that already has a name to get another first name (PyCUDA's flag).

    Raises
    ------
    RuntimeError
        When a C name already names another dtype, or `dtype` has a name and `alias_ok` is False.

    Examples
    --------
    >>> import numpy as np
    >>> from PyGPU.tools import register_dtype, dtype_to_ctype
    >>> register_dtype(np.dtype([("mass", np.float32), ("id", np.int32)]), "particle")
    >>> dtype_to_ctype(np.dtype([("mass", np.float32), ("id", np.int32)]))
    'particle'
    """
    names = [c_names] if isinstance(c_names, str) else list(c_names)
    dt = np.dtype(dtype)
    if dt in _DTYPE_TO_NAME and not alias_ok and _DTYPE_TO_NAME[dt] != names[0]:
        raise RuntimeError(f"dtype {dt} is already registered as {_DTYPE_TO_NAME[dt]!r}")
    for name in names:
        old = _NAME_TO_DTYPE.get(name)
        if old is not None and old != dt:
            raise RuntimeError(f"C type {name!r} already names dtype {old}, not {dt}")
    for name in names:
        _NAME_TO_DTYPE[name] = dt
    _DTYPE_TO_NAME.setdefault(dt, names[0])


@public("PyGPU.tools")
def get_or_register_dtype(c_names: str | Iterable[str], dtype: Any = None) -> np.dtype[Any]:
    """The dtype the C name stands for; with `dtype`, register it under `c_names` first.

    Parameters
    ----------
    c_names : str or iterable of str
    dtype : numpy dtype, optional

    Returns
    -------
    numpy.dtype

    Raises
    ------
    TypeError
        When `dtype` is None and the name is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from PyGPU.tools import get_or_register_dtype
    >>> get_or_register_dtype("unsigned int")
    dtype('uint32')
    >>> get_or_register_dtype("my_float", np.float32)
    dtype('float32')
    """
    names = [c_names] if isinstance(c_names, str) else list(c_names)
    if dtype is None:
        try:
            found: np.dtype[Any] = _NAME_TO_DTYPE[" ".join(names[0].split())]
            return found
        except KeyError:
            raise TypeError(f"unknown C type {names[0]!r}: register it with get_or_register_dtype(name, dtype)") \
                from None
    dt: np.dtype[Any] = np.dtype(dtype)
    register_dtype(dt, names, alias_ok=True)
    return dt


for _dtype, _names in _BUILTIN:
    register_dtype(_dtype, _names)
del _dtype, _names


@public("PyGPU.tools")
def dtype_to_ctype(dtype: Any, with_fp_tex_hack: bool = False) -> str:
    """The C type name of `dtype` in kernel source (``float``, ``unsigned int``, ``long``...).

    Parameters
    ----------
    dtype : numpy dtype or name
    with_fp_tex_hack : bool
        PyCUDA's texture names for floating types (``fp_tex_float``...).

    Raises
    ------
    ValueError
        When `dtype` is None, or it has no C name (register one with :func:`get_or_register_dtype`).

    Examples
    --------
    >>> import numpy as np
    >>> from PyGPU.tools import dtype_to_ctype
    >>> dtype_to_ctype(np.int64), dtype_to_ctype(np.uint8), dtype_to_ctype("float64")
    ('long', 'unsigned char', 'double')
    """
    if dtype is None:
        raise ValueError("dtype may not be None")
    dt = np.dtype(dtype)
    if with_fp_tex_hack:
        hacked = {"f4": "fp_tex_float", "f8": "fp_tex_double", "c8": "fp_tex_cfloat", "c16": "fp_tex_cdouble"}
        name = hacked.get(f"{dt.kind}{dt.itemsize}")
        if name is not None:
            return name
    try:
        return _DTYPE_TO_NAME[dt]
    except KeyError:
        raise ValueError(f"unable to map dtype '{dt}' to a C type; register one with get_or_register_dtype")\
            from None


@public("PyGPU.tools")
class Argument:
    """A kernel argument: its dtype and name (base of :class:`VectorArg` and :class:`ScalarArg`).

    Examples
    --------
    >>> import numpy as np
    >>> from PyGPU.tools import Argument
    >>> Argument(np.int16, "k").dtype
    dtype('int16')
    """

    def __init__(self, dtype: Any, name: str) -> None:
        self.dtype: np.dtype[Any] = np.dtype(dtype)
        self.name = name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.dtype})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Argument) and type(other) is type(self) and (self.dtype, self.name) == (
            other.dtype, other.name)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.dtype, self.name))


@public("PyGPU.tools")
class VectorArg(Argument):
    """A pointer argument (``float *x``): passed as the array's address, struct format ``P``.

    Examples
    --------
    >>> import numpy as np
    >>> from PyGPU.tools import VectorArg
    >>> VectorArg(np.float64, "x").declarator(), VectorArg(np.float64, "x").struct_char
    ('double *x', 'P')
    """

    struct_char = "P"

    def declarator(self) -> str:
        """The C declaration, ``type *name``.

        Examples
        --------
        >>> from PyGPU.tools import VectorArg
        >>> VectorArg("uint8", "p").declarator()
        'unsigned char *p'
        """
        return f"{dtype_to_ctype(self.dtype)} *{self.name}"


@public("PyGPU.tools")
class ScalarArg(Argument):
    """A by-value argument (``int n``): its struct format is the dtype's character.

    Examples
    --------
    >>> import numpy as np
    >>> from PyGPU.tools import ScalarArg
    >>> ScalarArg(np.uintp, "n").declarator(), ScalarArg(np.int32, "k").struct_char
    ('unsigned long n', 'i')
    """

    def declarator(self) -> str:
        """The C declaration, ``type name``.

        Examples
        --------
        >>> from PyGPU.tools import ScalarArg
        >>> ScalarArg("int16", "k").declarator()
        'short k'
        """
        return f"{dtype_to_ctype(self.dtype)} {self.name}"

    @property
    def struct_char(self) -> str:
        """The ``struct`` format of the value (``Ns`` for a structured dtype of N bytes)."""
        char = self.dtype.char
        return f"{self.dtype.itemsize}s" if char == "V" else char


_DECLARATOR = re.compile(r"(\**)\s*([_a-zA-Z0-9]+)(\s*\[[ 0-9]*\])*\s*$")


@public("PyGPU.tools")
def parse_c_arg(c_arg: str) -> VectorArg | ScalarArg:
    """One C parameter declaration as a :class:`VectorArg` (a pointer or array) or :class:`ScalarArg`.

    ``const``, ``volatile`` and ``restrict`` are ignored, as in PyCUDA.

    Parameters
    ----------
    c_arg : str
        ``"float *x"``, ``"const int n"``, ``"double y[]"``...

    Raises
    ------
    ValueError
        When the declaration cannot be read.
    TypeError
        For an unknown C type.

    Examples
    --------
    >>> from PyGPU.tools import parse_c_arg
    >>> parse_c_arg("float *x"), parse_c_arg("unsigned int n")
    (VectorArg('x', float32), ScalarArg('n', uint32))
    """
    if not isinstance(c_arg, str):
        raise TypeError(f"a C argument must be a str, got {type(c_arg).__name__}")
    text = c_arg
    for word in ("const", "volatile", "__restrict__", "restrict"):
        text = re.sub(rf"\b{word}\b", " ", text)
    match = _DECLARATOR.search(text)
    if match is None:
        raise ValueError(f"couldn't parse C declarator '{c_arg.strip()}'")
    kind: type[VectorArg] | type[ScalarArg] = VectorArg if match.group(1) or match.group(3) else ScalarArg
    ctype = " ".join(text[:match.start()].split())
    if not ctype:
        raise ValueError(f"couldn't parse C declarator '{c_arg.strip()}': no type")
    return kind(get_or_register_dtype(ctype), match.group(2))


@public("PyGPU.tools")
def get_arg_type(c_arg: str) -> str:
    """The struct format character of one C parameter declaration.

    Examples
    --------
    >>> from PyGPU.tools import get_arg_type
    >>> get_arg_type("float *x"), get_arg_type("double a")
    ('P', 'd')
    """
    return parse_c_arg(c_arg).struct_char


# ---------------------------------------------------------------- device data

@public("PyGPU.tools")
def bitlog2(n: int) -> int:
    """The index of the highest set bit of `n` (``floor(log2(n))``; 0 for 0), as PyCUDA's.

    Examples
    --------
    >>> from PyGPU.tools import bitlog2
    >>> bitlog2(1), bitlog2(1024), bitlog2(1025)
    (0, 10, 10)
    """
    n = int(n)
    if n < 0:
        raise ValueError(f"bitlog2 needs n >= 0, got {n}")
    return max(n.bit_length() - 1, 0)


@public("PyGPU.tools")
class DeviceData:
    """A device's limits for sizing launches (PyCUDA's ``DeviceData``).

    Parameters
    ----------
    dev : PyGPU.driver.Device, optional
        Default: the current device.

    Examples
    --------
    >>> from PyGPU.tools import DeviceData
    >>> data = DeviceData()
    >>> data.warp_size, data.align_bytes(4), data.align_dtype(3, 4)
    (32, 64, 16)
    """

    def __init__(self, dev: Device | None = None) -> None:
        if dev is None:
            dev = Context.get_device()
        self.max_threads = dev.get_attribute(device_attribute.MAX_THREADS_PER_BLOCK)
        self.warp_size = dev.get_attribute(device_attribute.WARP_SIZE)
        cc = dev.compute_capability()
        self.warps_per_mp = 64 if cc >= (3, 0) else 48 if cc >= (2, 0) else 32 if cc >= (1, 2) else 24
        self.thread_blocks_per_mp = 8
        self.registers = dev.get_attribute(device_attribute.MAX_REGISTERS_PER_BLOCK)
        self.shared_memory = dev.get_attribute(device_attribute.MAX_SHARED_MEMORY_PER_BLOCK)
        fermi = cc >= (2, 0)
        self.smem_alloc_granularity = 128 if fermi else 512
        self.smem_granularity = 32 if fermi else 16
        self.register_allocation_unit = "warp" if fermi else "block"

    def align(self, nbytes: int, word_size: int = 4) -> int:
        """`nbytes` rounded up to the alignment of fetches of `word_size`.

        Examples
        --------
        >>> from PyGPU.tools import DeviceData
        >>> DeviceData().align(100)
        128
        """
        return _ceiling(nbytes, self.align_bytes(word_size))

    def align_dtype(self, elements: int, dtype_size: int) -> int:
        """`elements` rounded up to an aligned count of items of `dtype_size` bytes.

        Examples
        --------
        >>> from PyGPU.tools import DeviceData
        >>> DeviceData().align_dtype(10, 8)
        16
        """
        return _ceiling(elements, self.align_words(dtype_size))

    def align_words(self, word_size: int) -> int:
        """The alignment in items of `word_size` bytes.

        Examples
        --------
        >>> from PyGPU.tools import DeviceData
        >>> DeviceData().align_words(8)
        16
        """
        return self.align_bytes(word_size) // word_size

    def align_bytes(self, word_size: int = 4) -> int:
        """The alignment in bytes of fetches of `word_size` (4, 8 or 16).

        Examples
        --------
        >>> from PyGPU.tools import DeviceData
        >>> DeviceData().align_bytes(8)
        128
        """
        if word_size == 4:
            return 64
        if word_size in (8, 16):
            return 128
        raise ValueError(f"no alignment possible for fetches of size {word_size}")

    def coalesce(self, thread_count: int) -> int:
        """`thread_count` rounded up to a multiple of 16.

        Examples
        --------
        >>> from PyGPU.tools import DeviceData
        >>> DeviceData().coalesce(20)
        32
        """
        return _ceiling(thread_count, 16)

    @staticmethod
    def make_valid_tex_channel_count(size: int) -> int:
        """The smallest texture channel count (1, 2 or 4) that holds `size`.

        Examples
        --------
        >>> from PyGPU.tools import DeviceData
        >>> DeviceData.make_valid_tex_channel_count(3)
        4
        """
        for valid in (1, 2, 4):
            if size <= valid:
                return valid
        raise ValueError("could not enlarge argument to valid channel count")


def _ceiling(value: float, multiple_of: int = 1) -> int:
    return math.ceil(value / multiple_of) * multiple_of


def _floor(value: float, multiple_of: int = 1) -> int:
    return math.floor(value / multiple_of) * multiple_of


@public("PyGPU.tools")
class OccupancyRecord:
    """Blocks and warps per multiprocessor for a launch shape, as CUDA's occupancy calculator (PyCUDA's).

    Parameters
    ----------
    devdata : DeviceData
    threads : int
        Threads per block.
    shared_mem : int
        Shared memory per block, in bytes.
    registers : int
        Registers per thread.

    Raises
    ------
    ValueError
        For too many threads, registers or too much shared memory.

    Examples
    --------
    >>> from PyGPU.tools import DeviceData, OccupancyRecord
    >>> rec = OccupancyRecord(DeviceData(), threads=256)
    >>> rec.tb_per_mp, rec.limited_by, rec.occupancy
    (8, 'device', 1.0)
    """

    def __init__(self, devdata: DeviceData, threads: int, shared_mem: int = 0, registers: int = 0) -> None:
        if threads > devdata.max_threads:
            raise ValueError("too many threads")
        alloc_warps = _ceiling(threads / devdata.warp_size)
        alloc_smem = _ceiling(shared_mem, devdata.smem_alloc_granularity)
        if devdata.register_allocation_unit == "warp":
            alloc_regs = alloc_warps * 32 * registers
        else:
            alloc_regs = _ceiling(alloc_warps * 2, 4) * 16 * registers
        if alloc_regs > devdata.registers:
            raise ValueError("too many registers")
        if alloc_smem > devdata.shared_memory:
            raise ValueError("too much smem")
        self.tb_per_mp_limits = [(devdata.thread_blocks_per_mp, "device"),
                                 (_floor(devdata.warps_per_mp / alloc_warps), "warps")]
        if registers > 0:
            self.tb_per_mp_limits.append((_floor(devdata.registers / alloc_regs), "regs"))
        if shared_mem > 0:
            self.tb_per_mp_limits.append((_floor(devdata.shared_memory / alloc_smem), "smem"))
        self.tb_per_mp, self.limited_by = min(self.tb_per_mp_limits)
        self.warps_per_mp = self.tb_per_mp * alloc_warps
        self.occupancy = self.warps_per_mp / devdata.warps_per_mp


# ---------------------------------------------------------------- memoization per context

_MEMOIZED: list[dict[Any, dict[Any, Any]]] = []


@public("PyGPU.tools")
def context_dependent_memoize(func: F) -> F:
    """Memoize `func` per current context (device) and arguments, as PyCUDA's decorator.

    Examples
    --------
    >>> from PyGPU.tools import context_dependent_memoize
    >>> calls = []
    >>> @context_dependent_memoize
    ... def square(x):
    ...     calls.append(x)
    ...     return x * x
    >>> square(3), square(3), calls
    (9, 9, [3])
    """
    cache: dict[Any, dict[Any, Any]] = {}
    _MEMOIZED.append(cache)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = (args, frozenset(kwargs.items())) if kwargs else args
        per_context = cache.setdefault(Context.get_current(), {})
        try:
            return per_context[key]
        except KeyError:
            result = per_context[key] = func(*args, **kwargs)
            return result

    return cast(F, wrapper)


@public("PyGPU.tools")
def clear_context_caches() -> None:
    """Forget everything :func:`context_dependent_memoize` remembered.

    Examples
    --------
    >>> from PyGPU.tools import clear_context_caches
    >>> clear_context_caches()
    """
    for cache in _MEMOIZED:
        cache.clear()


@public("PyGPU.tools")
def mark_cuda_test(inner_f: F) -> F:
    """Run a test function in a context of device 0 and clear the context caches after it, as PyCUDA's.

    Examples
    --------
    >>> from PyGPU.tools import mark_cuda_test
    >>> @mark_cuda_test
    ... def test_something():
    ...     return None
    >>> test_something()
    """

    @functools.wraps(inner_f)
    def f(*args: Any, **kwargs: Any) -> Any:
        ctx = Device(0).make_context()
        try:
            device = ctx.get_device()
            assert isinstance(device.name(), str) and isinstance(device.compute_capability(), tuple)
            return inner_f(*args, **kwargs)
        finally:
            ctx.pop()
            clear_context_caches()
            gc.collect()

    return cast(F, f)
