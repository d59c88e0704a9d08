"""The simulated device (backend ``sim``) as a testing instrument.

With ``PYGPU_BACKEND=sim`` every runtime call runs on a simulated device that
follows CUDA's documented rules, and checks more than hardware does. This
module controls and inspects it:

- :func:`configure` the number of devices and their memory (before first use);
- :func:`chaos` mode: random delays in every stream, so a missing
  synchronisation shows as wrong data instead of passing by luck;
- :func:`inject` errors into chosen calls (out of memory on the third
  ``cudaMalloc``...);
- :func:`stats`, :func:`allocations`, :func:`leaks`, :func:`leak_report`,
  :func:`trace`, :func:`label`: what ran, what is allocated and by whom;
- :func:`reset`: back to the initial state, between tests.

The environment can switch some of these on for a whole run, without
changing the program (read when PyGPU is imported):

``PYGPU_SIM_CHAOS=<seed>[:<max_delay_us>]``
    chaos mode with that seed (read by the simulated device itself);
``PYGPU_SIM_INJECT=call=error[@after][xcount];...``
    error injections, e.g. ``cudaMalloc=cudaErrorMemoryAllocation@2x1;cudaMemcpy=700``;
``PYGPU_SIM_LEAK_CHECK=1``
    print a report of the memory still allocated when the interpreter exits.

Every function except :func:`available` and :func:`last_message` raises
RuntimeError when the active backend is not the simulated device. The
pytest plugin :mod:`PyGPU.testing` wraps this module in fixtures.

Examples
--------
>>> import numpy as np, PyGPU, PyGPU.sim as sim
>>> with sim.inject("cudaMalloc", "cudaErrorMemoryAllocation"):
...     ptr, err = PyGPU.cudaMalloc(256)
>>> err.name
'cudaErrorMemoryAllocation'
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

from . import _core, _pool
from ._errors import CompileError

__all__ = [
    "CompileError", "SimEnvironmentError", "Trace", "allocations", "available", "chaos", "clear_injections", "compile",
    "configure", "inject", "label", "last_message", "leak_report", "leaks", "library_path", "load_library",
    "parse_size", "reset", "stats", "trace",
]

CHAOS_VAR = "PYGPU_SIM_CHAOS"
INJECT_VAR = "PYGPU_SIM_INJECT"
LEAK_CHECK_VAR = "PYGPU_SIM_LEAK_CHECK"
DEVICES_VAR = "PYGPU_SIM_DEVICES"
MEMORY_VAR = "PYGPU_SIM_MEMORY"

# The simulated device's defaults (src/PyGPU/sim/config.h), used when the
# environment no longer names a value.
DEFAULT_DEVICES = 1
DEFAULT_MEMORY = 4 << 30
MAX_DEVICES = 1024
DEFAULT_MAX_DELAY_US = 2000
MAX_DELAY_US = (1 << 32) - 1  # a uint32_t in pygpu_sim_api

_U64 = 1 << 64

# The kernel ABI this PyGPU's simulated device implements (PYGPU_SIM_KERNEL_ABI_VERSION, pygpu/sim/launch.h).
KERNEL_ABI_VERSION = 2


class SimEnvironmentError(ImportError, ValueError):
    """A ``PYGPU_SIM_*`` environment variable has a value that cannot be used.

    Raised while PyGPU is imported, so it is an ImportError (as the simulated device's own configuration
    errors are) and a ValueError; the message names the variable.

    Examples
    --------
    >>> from PyGPU.sim import SimEnvironmentError
    >>> issubclass(SimEnvironmentError, ImportError), issubclass(SimEnvironmentError, ValueError)
    (True, True)
    """


# --------------------------------------------------------------- helpers ---

def _has_api() -> bool:
    return hasattr(_core, "_sim_available")


def _require(what: str) -> None:
    """RuntimeError unless the simulated device is the active backend."""
    if not _has_api():
        raise RuntimeError(f"PyGPU.sim.{what}: this build of PyGPU has no simulated-device API")
    if not _core._sim_available():
        active = _core._backend_name()
        raise RuntimeError(f"PyGPU.sim.{what} needs the simulated device (PYGPU_BACKEND=sim); "
                           f"the active backend is {active!r}")


def _int_arg(value: Any, name: str, low: int, high: int) -> int:
    """An int in [low, high) (bool refused), else TypeError / ValueError."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    v: int = value.__index__()
    if not low <= v < high:
        raise ValueError(f"{name} must be in [{low}, {high - 1}], got {v}")
    return v


_SIZE_RE = re.compile(r"^\s*(\d+)\s*([A-Za-z]*)\s*$")
_UNITS = {
    "": 1, "b": 1,
    "k": 1 << 10, "kib": 1 << 10, "kb": 10 ** 3,
    "m": 1 << 20, "mib": 1 << 20, "mb": 10 ** 6,
    "g": 1 << 30, "gib": 1 << 30, "gb": 10 ** 9,
    "t": 1 << 40, "tib": 1 << 40, "tb": 10 ** 12,
}


def parse_size(size: int | str) -> int:
    """Bytes from an int or a size string, as ``PYGPU_SIM_MEMORY`` reads them.

    A string is an integer with an optional unit: K/M/G/T or KiB/MiB/GiB/TiB
    (powers of 1024), KB/MB/GB/TB (powers of 1000), B; case does not matter
    and a space may separate number and unit. The result must be > 0.

    Parameters
    ----------
    size : int or str
        ``1073741824``, ``"1GiB"``, ``"512 MiB"``, ``"2GB"``...

    Returns
    -------
    int
        The number of bytes.

    Raises
    ------
    ValueError
        For an unknown unit, a malformed or non-positive size.
    TypeError
        For anything but an int or a str.

    Examples
    --------
    >>> from PyGPU.sim import parse_size
    >>> parse_size("512MiB"), parse_size("2 GB"), parse_size(4096)
    (536870912, 2000000000, 4096)
    """
    if isinstance(size, str):
        m = _SIZE_RE.match(size)
        if m is None:
            raise ValueError(f"{size!r} is not a size; give an integer with an optional unit, e.g. '512MiB' or '4 GiB'")
        unit = m.group(2).lower()
        if unit not in _UNITS:
            raise ValueError(f"{size!r} has an unknown unit {m.group(2)!r}; use K/M/G/T, KiB/MiB/GiB/TiB "
                             "(powers of 1024) or KB/MB/GB/TB (powers of 1000)")
        value = int(m.group(1)) * _UNITS[unit]
    else:
        value = _int_arg(size, "memory", -(1 << 62), _U64)
    if value <= 0:
        raise ValueError(f"a simulated device needs more than 0 bytes of memory, got {size!r}")
    if value >= _U64:
        raise ValueError(f"{size!r} is too large: it does not fit in 64 bits")
    return value


# ------------------------------------------------------------ availability ---

def available() -> bool:
    """Whether the active backend is the simulated device.

    Returns
    -------
    bool
        True with ``PYGPU_BACKEND=sim`` (or ``auto`` on a machine without a
        GPU backend), False on CUDA or HIP.

    Examples
    --------
    >>> import PyGPU, PyGPU.sim
    >>> PyGPU.sim.available() == (PyGPU.backend == "sim")
    True
    """
    return _has_api() and bool(_core._sim_available())


def library_path() -> str:
    """The path of the simulated device's shared library, ``libpygpu_sim.so``.

    The simulated device is one shared library per process: PyGPU's backend
    module links to it, and a program or library built for the simulated
    device links to the same file (``-L`` its directory, ``-lpygpu_sim``, and
    an rpath to it), so that both use the same device, memory and last error.
    It exports only its C API (``pygpu/sim_library.h``). Answers whichever
    backend is active.

    Returns
    -------
    str
        The installed ``PyGPU/lib/libpygpu_sim.so``.

    Raises
    ------
    FileNotFoundError
        When the library is not installed beside the package.

    Examples
    --------
    >>> import os, PyGPU.sim
    >>> os.path.basename(PyGPU.sim.library_path())
    'libpygpu_sim.so'
    """
    from ._paths import sim_library_path

    return sim_library_path()


def compile(
    source: str | None = None,
    *,
    files: Sequence[str | os.PathLike[str]] = (),
    options: Sequence[str] = (),
    output: str | os.PathLike[str] | None = None,
    kind: str = "shared",
    cache: bool = True,
) -> str:
    """Compiles CUDA or HIP source for the simulated device; returns the path of the result.

    What ``pygpu-cc`` does (docs/compiler_driver.md): the source is translated
    (``<<<...>>>``, ``__shared__``, ``__global__`` registration), compiled with
    ``$CXX`` (else ``c++``) against PyGPU's headers and linked to
    libpygpu_sim. Load a shared library with :func:`load_library` (or
    ``ctypes.CDLL``) after ``import PyGPU``: its host code and kernels use
    the same device, memory and streams as PyGPU. The result is cached on disk
    (``PYGPU_CACHE_DIR``; ``PYGPU_CACHE=0`` switches the cache off).

    Parameters
    ----------
    source : str, optional
        Source text (a ``.cu``); its quoted includes are found relative to
        the working directory and the ``-I`` options.
    files : sequence of path-like
        Source files (``.cu``, ``.cpp``, ``.cc``, ``.cxx``, ``.hip``) and
        files to link (``.o``, ``.a``, ``.so``).
    options : sequence of str
        nvcc-style options: ``-I``, ``-D``, ``-U``, ``-O0``..``-O3``, ``-g``,
        ``-std=``, ``-Xcompiler``, ``-Xlinker``, ``-l``, ``-L``, ``--sim-fibers``;
        ``-arch``, ``-gencode``, ... are accepted and have no effect.
    output : path-like, optional
        Where to put the result; by default the path inside the cache (or a
        temporary directory without the cache) is returned.
    kind : {"shared", "object", "executable"}
        A shared library, an object file or an executable.
    cache : bool
        Use the compile cache.

    Returns
    -------
    str
        The path of the built file.

    Raises
    ------
    CompileError
        For an unsupported construct (named, with its line), the compiler's
        errors (on the user's lines) or a missing compiler ("set CXX").
    ValueError
        For bad arguments (an unknown option, no source, an unknown kind).

    Examples
    --------
    >>> import ctypes, PyGPU, PyGPU.sim
    >>> path = PyGPU.sim.compile('''
    ... __global__ void fill(int* p, int v) { p[threadIdx.x] = v; }
    ... extern "C" int run(int* p, int v) { fill<<<1, 4>>>(p, v); return cudaDeviceSynchronize(); }
    ... ''')
    >>> lib = PyGPU.sim.load_library(path)
    >>> a = PyGPU.zeros(4, dtype="int32")
    >>> lib.run(ctypes.c_void_p(int(a.gpudata)), 7), a.get().tolist()
    (0, [7, 7, 7, 7])
    """
    from ._compile import host

    if kind not in host.ARTIFACT:
        raise ValueError(f"kind must be one of {sorted(host.ARTIFACT)}, got {kind!r}")
    if isinstance(options, str):
        raise TypeError("options must be a sequence of strings (['-O2', '-DN=4']), not one string")
    try:
        opts = host.parse_args(list(options), allow_inputs=False)
    except host.UsageError as e:
        raise ValueError(str(e)) from None
    if opts.output is not None:
        raise ValueError("give the output as output=..., not -o in options")
    if opts.kind != "executable":
        raise ValueError("give the kind as kind=..., not -c/-shared in options")
    opts.kind = kind
    sources: list[tuple[str, str]] = []
    if source is not None:
        if not isinstance(source, str):
            raise TypeError(f"source must be a str, got {type(source).__name__}")
        import hashlib

        digest = hashlib.sha256(source.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        sources.append((os.path.join(os.getcwd(), f"pygpu_source_{digest}.cu"), source))
    for f in files:
        path = os.fspath(f)
        if path.endswith(host.SOURCE_SUFFIXES):
            try:
                with open(path, encoding="utf-8", errors="surrogateescape") as fh:
                    sources.append((os.path.abspath(path), fh.read()))
            except OSError as e:
                raise ValueError(f"{path}: cannot read it ({e.strerror})") from None
        else:
            try:
                host.parse_args([path])
            except host.UsageError as e:
                raise ValueError(str(e)) from None
            opts.link_inputs.append(os.path.abspath(path))
    if not sources:
        raise ValueError("nothing to compile: give source=... or files=[...] with a source file")
    out = None if output is None else os.fspath(output)
    return host.build(host.Build(sources, opts, out, use_cache=cache, in_place=out is None))[0]


def load_library(path: str | os.PathLike[str]) -> Any:
    """Loads a library built for the simulated device (:func:`compile`, ``pygpu-cc -shared``) with ctypes.

    The same as ``ctypes.CDLL(path)``, with two checks that turn a crash or a
    cryptic loader message into a clear error: the simulated device must be
    the active backend, and the library must be built for this PyGPU's kernel
    ABI (a library built by another PyGPU refuses to load, naming both
    versions).

    Parameters
    ----------
    path : path-like
        The shared library.

    Returns
    -------
    ctypes.CDLL
        The loaded library.

    Raises
    ------
    RuntimeError
        When the active backend is not the simulated device.
    OSError
        When the library cannot be loaded; for another kernel ABI the message
        names the library's version and this PyGPU's.

    Examples
    --------
    >>> import PyGPU.sim
    >>> try:
    ...     PyGPU.sim.load_library("/nonexistent/libk.so")
    ... except OSError as e:
    ...     print("cannot load")
    cannot load
    """
    import ctypes

    _require("load_library")
    name = os.fspath(path)
    try:
        return ctypes.CDLL(name)
    except OSError as e:
        m = re.search(r"undefined symbol: pygpu_sim_kernel_abi_v(\d+)", str(e))
        if m is None:
            raise
        raise OSError(f"{name} was built for the simulated device's kernel ABI version {m.group(1)}, but this PyGPU "
                      f"({_core.__version__}) implements version {KERNEL_ABI_VERSION}: rebuild it with this PyGPU's "
                      f"pygpu-cc or PyGPU.sim.compile") from None


def last_message() -> str:
    """What was wrong with the calling thread's last failed call ('' if nothing).

    Every backend answers; only the simulated device gives details (which
    pointer, which allocation, how many bytes over).

    Returns
    -------
    str
        The message, or ``''`` when the thread's last call succeeded.

    Examples
    --------
    >>> import PyGPU, PyGPU.sim
    >>> PyGPU.cudaFree(12345)
    <cudaError_t: code=1 cudaErrorInvalidValue>
    >>> "12345" in PyGPU.sim.last_message() or "0x3039" in PyGPU.sim.last_message()
    True
    """
    return _core._last_message()


# ----------------------------------------------------------- configuration ---

def configure(devices: int | None = None, memory: int | str | None = None) -> None:
    """Replace the simulated devices: `devices` devices of `memory` bytes each.

    Only before first use: while no allocation, stream or event exists and
    no work is pending. A value left as None keeps the current one. The
    environment variables ``PYGPU_SIM_DEVICES`` and ``PYGPU_SIM_MEMORY`` give
    the configuration at import; this changes it afterwards.

    Parameters
    ----------
    devices : int, optional
        Number of devices, 1 to 1024.
    memory : int or str, optional
        Memory per device in bytes, or a size string (``"512MiB"``, see
        :func:`parse_size`).

    Raises
    ------
    RuntimeError
        When refused (something already exists), with the simulated device's
        reason; or when the active backend is not the simulated device.
    ValueError, TypeError
        For a value out of range or of the wrong type.

    Examples
    --------
    In a fresh process, before anything is allocated:

    >>> import PyGPU, PyGPU.sim
    >>> PyGPU.sim.configure(devices=2, memory="512MiB")  # doctest: +SKIP
    >>> PyGPU.cudaGetDeviceCount()  # doctest: +SKIP
    (2, <cudaError_t: code=0 cudaSuccess>)

    Once memory is allocated the configuration is fixed:

    >>> ptr, err = PyGPU.cudaMalloc(256)
    >>> PyGPU.sim.configure(devices=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    RuntimeError: PyGPU.sim configure: allocations exist (device, pinned or registered memory): free them, ...
    >>> _ = PyGPU.cudaFree(ptr)
    """
    _require("configure()")
    n = None if devices is None else _int_arg(devices, "devices", 1, MAX_DEVICES + 1)
    size = None if memory is None else parse_size(memory)
    if n is None:
        count, err = _core.cudaGetDeviceCount()
        err.check()
        assert count is not None  # set when err is cudaSuccess
        n = count
    if size is None:
        prop, err = _core.cudaGetDeviceProperties(0)
        err.check()
        assert prop is not None
        size = prop.totalGlobalMem
    _core._sim_configure(n, size)


# ------------------------------------------------------------------- chaos ---

class _State:
    """This module's own state, one instance (attributes, not globals)."""

    def __init__(self) -> None:
        # What Python last asked for: None (off) or (seed, max_delay_us). Starts
        # from PYGPU_SIM_CHAOS, which the simulated device reads itself at import.
        self.chaos: tuple[int, int] | None = None
        # Whether a trace() block is recording (traces do not nest).
        self.tracing = False
        # Whether the PYGPU_SIM_LEAK_CHECK report is registered with atexit.
        self.leak_check_registered = False


_state = _State()


class _Restore:
    """The value of :func:`chaos`: already applied; as a context manager it
    puts back the previous setting on exit."""

    def __init__(self, previous: tuple[int, int] | None, current: tuple[int, int] | None) -> None:
        self._previous = previous
        self.seed = None if current is None else current[0]
        self.max_delay_us = None if current is None else current[1]

    def __enter__(self) -> _Restore:
        return self

    def __exit__(self, *exc: Any) -> None:
        _set_chaos(self._previous)

    def __repr__(self) -> str:
        if self.seed is None:
            return "<PyGPU.sim.chaos off>"
        return f"<PyGPU.sim.chaos seed={self.seed} max_delay_us={self.max_delay_us}>"


def _set_chaos(setting: tuple[int, int] | None) -> None:
    if setting is None:
        _core._sim_chaos(False)
    else:
        _core._sim_chaos(True, setting[0], setting[1])
    _state.chaos = setting


def chaos(seed: int | None, max_delay_us: int = DEFAULT_MAX_DELAY_US) -> _Restore:
    """Switch chaos mode on with `seed`, or off with ``chaos(None)``.

    In chaos mode every queued operation (copy, memset, event record, host
    function...) first waits a random delay in [0, `max_delay_us`]
    microseconds, drawn from a generator seeded with `seed`. Streams then
    interleave differently from seed to seed, so a missing synchronisation
    gives wrong data (reproducibly for one seed) instead of passing by luck.
    Results of a correctly synchronised program do not change.

    The call takes effect at once; used as a context manager it restores the
    previous setting (off, unless chaos was on before) when the block ends.

    Parameters
    ----------
    seed : int or None
        Seed of the delay generator (0 to 2**64 - 1); None switches chaos off.
    max_delay_us : int, default 2000
        Largest delay in microseconds (0 to 2**32 - 1).

    Returns
    -------
    context manager
        Restores the previous chaos setting on exit; its ``seed`` and
        ``max_delay_us`` are the setting now in force (None when off).

    Raises
    ------
    TypeError, ValueError
        For a seed or delay that is not an int in range.
    RuntimeError
        When the active backend is not the simulated device.

    Examples
    --------
    >>> import PyGPU.sim as sim
    >>> with sim.chaos(7, max_delay_us=500):
    ...     pass  # run the code under test here
    >>> sim.chaos(3)  # on until switched off
    <PyGPU.sim.chaos seed=3 max_delay_us=2000>
    >>> sim.chaos(None)
    <PyGPU.sim.chaos off>
    """
    _require("chaos()")
    previous = _state.chaos
    if seed is None:
        setting = None
    else:
        setting = (_int_arg(seed, "seed", 0, _U64), _int_arg(max_delay_us, "max_delay_us", 0, MAX_DELAY_US + 1))
    _set_chaos(setting)
    return _Restore(previous, setting)


def _parse_chaos(text: str) -> tuple[int, int] | None:
    """``<seed>[:<max_delay_us>]`` -> (seed, delay); '' -> None."""
    text = text.strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d+)\s*(?::\s*(\d+))?", text)
    if m is None or int(m.group(1)) >= _U64 or (m.group(2) is not None and int(m.group(2)) > MAX_DELAY_US):
        raise SimEnvironmentError(f"{CHAOS_VAR}={text!r} is not <seed>[:<max_delay_us>] (integers, e.g. '7' or "
                                  "'7:500')")
    return int(m.group(1)), int(m.group(2)) if m.group(2) is not None else DEFAULT_MAX_DELAY_US


# --------------------------------------------------------------- injection ---

class _Injection:
    """The value of :func:`inject`: already active; as a context manager it
    clears every injection on exit."""

    def __init__(self, call: str, error: int, after: int, count: int) -> None:
        self.call, self.error, self.after, self.count = call, error, after, count

    def __enter__(self) -> _Injection:
        return self

    def __exit__(self, *exc: Any) -> None:
        clear_injections()

    def __repr__(self) -> str:
        times = "forever" if self.count == 0 else f"{self.count} time{'s' if self.count != 1 else ''}"
        return (f"<PyGPU.sim.inject {self.call} -> {_error_name(self.error)} after {self.after} call"
                f"{'s' if self.after != 1 else ''}, {times}>")


def _error_name(code: int) -> str:
    try:
        return _core.cudaGetErrorName(code)
    except Exception:  # pragma: no cover - a code the runtime cannot name
        return str(code)


def _error_code(error: object) -> int:
    """A native error code from an int, a cudaError_t or an error name."""
    if isinstance(error, str):
        name = error.strip()
        if name.isdigit():
            return _error_code(int(name))
        value = getattr(_core, name, None) if name.startswith(("cudaError", "hipError")) else None
        if isinstance(value, bool) or not isinstance(value, int):
            known = [n for n in dir(_core) if n.startswith("cudaError")]
            import difflib  # only for this message

            close = difflib.get_close_matches(name, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else " (use a cudaError* name or an int)"
            raise ValueError(f"{error!r} is not an error name{hint}")
        return _error_code(value)
    if isinstance(error, _core.cudaError_t):
        error = error.code
    code = _int_arg(error, "error", -(1 << 31), 1 << 31)
    if code == 0:
        raise ValueError("error 0 is cudaSuccess: an injected failure needs a failing code")
    if code < 0:
        raise ValueError(f"error must be a positive error code, got {code}")
    return code


def _call_name(call: object) -> str:
    """The runtime call's CUDA name; hip* names are accepted for their cuda* twin."""
    if not isinstance(call, str):
        raise TypeError(f"call must be a str naming a runtime call, got {type(call).__name__}")
    call = call.strip()
    if call.startswith("hip") and hasattr(_core, call):
        target = getattr(_core, call)
        for name in dir(_core):
            if name.startswith("cuda") and getattr(_core, name) is target:
                return name
    return call


def inject(call: str, error: int | str | _core.cudaError_t, after: int = 0, count: int = 1) -> _Injection:
    """Make calls to `call` fail with `error`: the ones after the first `after`, `count` times.

    An injected failure is exactly like a real one: the call returns the
    error, sets the thread's last error and :func:`last_message`, and does
    nothing (no allocation, no copy queued). Injections add up; they last
    until :func:`clear_injections` or :func:`reset`, or until the block ends
    when the result is used as a context manager.

    Parameters
    ----------
    call : str
        The runtime call, by its CUDA name (``"cudaMalloc"``,
        ``"cudaMemcpyAsync"``, ``"cudaLaunchKernel"``...); a hip* name is
        taken for its cuda* twin.
    error : int, cudaError_t or str
        The error to return: ``2``, ``PyGPU.cudaErrorMemoryAllocation``, a
        ``cudaError_t`` or ``"cudaErrorMemoryAllocation"``.
    after : int, default 0
        Calls that succeed before the first failure (counted from now).
    count : int, default 1
        Failures in a row; 0 means every call from then on.

    Returns
    -------
    context manager
        Clears all injections on exit.

    Raises
    ------
    ValueError
        For an unknown call or error name, cudaSuccess, or a negative count.
    TypeError
        For a `call` that is not a str, or a non-int `after` or `count`.
    RuntimeError
        When the active backend is not the simulated device.

    Examples
    --------
    Out of memory on the third cudaMalloc:

    >>> import PyGPU, PyGPU.sim as sim
    >>> with sim.inject("cudaMalloc", "cudaErrorMemoryAllocation", after=2):
    ...     results = [PyGPU.cudaMalloc(256) for _ in range(4)]
    >>> [err.name for _, err in results]
    ['cudaSuccess', 'cudaSuccess', 'cudaErrorMemoryAllocation', 'cudaSuccess']
    >>> for ptr, err in results:
    ...     if ptr is not None:
    ...         _ = PyGPU.cudaFree(ptr)
    """
    _require("inject()")
    name = _call_name(call)
    code = _error_code(error)
    n_after = _int_arg(after, "after", 0, _U64)
    n_count = _int_arg(count, "count", 0, _U64)
    _core._sim_inject(name, code, n_after, n_count)
    return _Injection(name, code, n_after, n_count)


def clear_injections() -> None:
    """Remove every error injection (calls behave normally again).

    Examples
    --------
    >>> import PyGPU, PyGPU.sim as sim
    >>> _ = sim.inject("cudaMalloc", 2, count=0)  # every cudaMalloc fails
    >>> PyGPU.cudaMalloc(256)[1].name
    'cudaErrorMemoryAllocation'
    >>> sim.clear_injections()
    >>> ptr, err = PyGPU.cudaMalloc(256)
    >>> err.name
    'cudaSuccess'
    >>> _ = PyGPU.cudaFree(ptr)
    """
    _require("clear_injections()")
    _core._sim_clear_injections()


_INJECT_ENTRY = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*([A-Za-z_]\w*?|\d+)\s*(?:@\s*(\d+))?\s*(?:[xX]\s*(\d+))?\s*$")


def _parse_injections(text: str) -> list[tuple[str, int, int, int]]:
    """``call=error[@after][xcount];...`` -> [(call, code, after, count)]."""
    out = []
    for entry in text.split(";"):
        if not entry.strip():
            continue
        m = _INJECT_ENTRY.match(entry)
        if m is None:
            raise SimEnvironmentError(f"{INJECT_VAR}={text!r}: {entry.strip()!r} is not call=error[@after][xcount] "
                                      "(e.g. 'cudaMalloc=cudaErrorMemoryAllocation@2x1;cudaMemcpy=700')")
        call, error, after, count = m.groups()
        try:
            code = _error_code(error)
        except ValueError as exc:
            raise SimEnvironmentError(f"{INJECT_VAR}={text!r}: in {entry.strip()!r}: {exc}") from None
        out.append((_call_name(call), code, int(after or 0), int(count if count is not None else 1)))
    return out


def _apply_injections(text: str) -> None:
    entries = _parse_injections(text)
    try:
        for call, code, after, count in entries:
            _core._sim_inject(call, code, after, count)
    except ValueError as exc:
        _core._sim_clear_injections()
        raise SimEnvironmentError(f"{INJECT_VAR}={text!r}: {exc}") from None


# -------------------------------------------------------------- inspection ---

class label:
    """Label the calling thread's next allocation (device or pinned memory).

    The label appears in :func:`allocations`, :func:`leaks` and the leak
    report. It applies to the next ``cudaMalloc``, ``cudaMallocHost`` or
    ``cudaHostAlloc`` of this thread, including those made inside GPUArray
    and ``PyGPU.driver``, and is then used up. Those three calls also take
    ``label=`` directly. As a context manager the label is cleared when the
    block ends, if no allocation used it.

    Parameters
    ----------
    text : str or None
        The label; None or '' clears a pending label.

    Raises
    ------
    TypeError
        When `text` is neither a str nor None.

    Examples
    --------
    >>> import numpy as np, PyGPU, PyGPU.sim as sim
    >>> with sim.label("weights"):
    ...     w = PyGPU.to_gpu(np.zeros(4, np.float32))
    >>> [a["label"] for a in sim.allocations() if a["address"] == w.ptr]
    ['weights']
    >>> ptr, err = PyGPU.cudaMalloc(256, label="scratch")
    >>> _ = PyGPU.cudaFree(ptr)
    """

    def __init__(self, text: str | None) -> None:
        _require("label()")
        if text is not None and not isinstance(text, str):
            raise TypeError(f"label must be a str or None, got {type(text).__name__}")
        self.text = text or None
        _core._sim_set_next_label(self.text)
        _pool.label_pending(self.text is not None)  # so that a pool hands out a new block, which it names

    def __enter__(self) -> label:
        return self

    def __exit__(self, *exc: Any) -> None:
        _core._sim_set_next_label(None)
        _pool.label_pending(False)

    def __repr__(self) -> str:
        return f"<PyGPU.sim.label {self.text!r}>"


def stats() -> dict[str, Any]:
    """Counters of the simulated device since import or the last :func:`reset`.

    Returns
    -------
    dict
        ``calls``
            {call name: number of calls}, e.g. ``{"cudaMalloc": 2}``;
            failed calls count too, calls never made are absent.
            ``cudaGetDevice`` is not counted (PyGPU calls it for its own
            bookkeeping on every allocation, stream and event).
        ``bytes``
            bytes moved by direction: ``HtoD``, ``DtoH``, ``DtoD``, ``HtoH``,
            ``peer`` (cudaMemcpyPeer*) and ``memset``.
        ``devices``
            one dict per device: ``allocations``, ``frees``,
            ``current_bytes`` and ``peak_bytes`` of device memory (managed
            memory included: it is charged to its device).
        ``pinned``
            the same four counters for pinned host memory.
        ``kernels``
            {kernel name: record} for the kernels launched with
            ``cudaLaunchKernel``: ``launches`` (accepted), the ``blocks`` and
            ``threads`` of their grids, ``failures`` (launches that ended
            with a sticky error) and ``time_us`` (microseconds their grids
            ran, added when they finish).
        ``reports``
            texts about suspicious but legal behaviour, e.g. a ``cudaFree``
            that had to wait for pending work ("frees wait for pending
            work").

    Examples
    --------
    >>> import PyGPU, PyGPU.sim as sim
    >>> before = sim.stats()["devices"][0]["allocations"]
    >>> ptr, err = PyGPU.cudaMalloc(1024)
    >>> sim.stats()["devices"][0]["allocations"] - before
    1
    >>> _ = PyGPU.cudaFree(ptr)
    """
    _require("stats()")
    result: dict[str, Any] = json.loads(_core._sim_stats())
    return result


def allocations() -> list[dict[str, Any]]:
    """Every live allocation: device and managed memory, pinned and registered host memory.

    Returns
    -------
    list of dict
        One dict per allocation, by address: ``address`` (int), ``size``
        (bytes asked for), ``device`` (owning device; for host memory the
        device current at the call), ``kind`` (``"device"``, ``"managed"``,
        ``"pinned"`` or ``"registered"``), ``label`` (None when none, see :func:`label`) and
        ``origin`` (the call that made it, e.g. ``"cudaMalloc"``).

    Examples
    --------
    >>> import PyGPU, PyGPU.sim as sim
    >>> ptr, err = PyGPU.cudaMalloc(512, label="weights")
    >>> [(a["size"], a["kind"], a["label"]) for a in sim.allocations() if a["address"] == int(ptr)]
    [(512, 'device', 'weights')]
    >>> _ = PyGPU.cudaFree(ptr)
    """
    _require("allocations()")
    result: list[dict[str, Any]] = json.loads(_core._sim_allocations())
    return result


def leaks() -> list[dict[str, Any]]:
    """The allocations still live: what would leak if the program ended now.

    The same dicts as :func:`allocations`. Objects that still reference
    memory (a GPUArray in a variable) count: drop them first. Unreachable
    objects are collected (``gc.collect()``) before looking. Blocks that a
    memory pool holds for reuse (GPUArray's default pool,
    ``PyGPU.tools.default_pool``) are no leak and are left out;
    :func:`allocations` lists them.

    Returns
    -------
    list of dict
        As :func:`allocations` returns them.

    Examples
    --------
    >>> import PyGPU, PyGPU.sim as sim
    >>> ptr, err = PyGPU.cudaMalloc(256, label="forgotten")
    >>> any(a["label"] == "forgotten" for a in sim.leaks())
    True
    >>> _ = PyGPU.cudaFree(ptr)
    >>> any(a["label"] == "forgotten" for a in sim.leaks())
    False
    """
    _require("leaks()")
    gc.collect()
    held = _pool.held_addresses()  # blocks a memory pool keeps for reuse are no leak
    return [a for a in allocations() if a["address"] not in held]


def _size_text(n: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} bytes"


def leak_report(live: list[dict[str, Any]] | None = None) -> str:
    """A printable report of live allocations (by default :func:`leaks`).

    Parameters
    ----------
    live : list of dict, optional
        Allocations to report, as :func:`allocations` gives them.

    Returns
    -------
    str
        One line of totals, then one line per allocation with its kind,
        device, address, size, label and origin; ``"... no leaks"`` when the
        list is empty.

    Examples
    --------
    >>> import PyGPU, PyGPU.sim as sim
    >>> ptr, err = PyGPU.cudaMalloc(4096, label="weights")
    >>> mine = [a for a in sim.leaks() if a["address"] == int(ptr)]  # leave out what else is live
    >>> print(sim.leak_report(mine))  # doctest: +ELLIPSIS
    PyGPU simulated device: 1 allocation still live (4096 bytes of device memory)
      device 0  0x...  4096 bytes  cudaMalloc  label 'weights'
    >>> _ = PyGPU.cudaFree(ptr)
    """
    if live is None:
        live = leaks()
    if not live:
        return "PyGPU simulated device: no leaks (no allocation is live)"
    totals: dict[str, int] = {}
    for a in live:
        totals[a["kind"]] = totals.get(a["kind"], 0) + a["size"]
    words = {"device": "device memory", "managed": "managed memory", "pinned": "pinned host memory",
             "registered": "registered host memory"}
    parts = [f"{n} bytes of {words.get(k, k)}" for k, n in sorted(totals.items())]
    lines = [(f"PyGPU simulated device: {len(live)} allocation{'s' if len(live) != 1 else ''} still live "
              f"({', '.join(parts)})")]
    for a in sorted(live, key=lambda a: (a["kind"] != "device", a["device"], a["address"])):
        where = {"device": f"device {a['device']}",
                 "managed": f"managed (device {a['device']})"}.get(a["kind"], a["kind"])
        text = f"  {where}  {a['address']:#x}  {a['size']} bytes  {a.get('origin') or '?'}"
        if a.get("label"):
            text += f"  label {a['label']!r}"
        lines.append(text)
    return "\n".join(lines)


# ------------------------------------------------------------------- trace ---

class Trace:
    """Records the queued operations of a block; see :func:`trace`.

    Parameters
    ----------
    path : str, path-like or None
        Where the trace is written on exit (None: not written).
    synchronize : bool, default True
        Wait for all queued work on every device when the block ends.

    Attributes
    ----------
    path : str or None
        Where the trace is written on exit (None: not written).
    synchronize : bool
        As given.
    events : dict or None
        The parsed Chrome trace, ``{"traceEvents": [...]}``, once the block
        has ended.

    Raises
    ------
    RuntimeError
        On entering the block, when a trace is already being recorded or the
        active backend is not the simulated device.

    Examples
    --------
    >>> import os, tempfile, numpy as np, PyGPU, PyGPU.sim as sim
    >>> ptr, err = PyGPU.cudaMalloc(64)
    >>> path = os.path.join(tempfile.mkdtemp(), "memset.json")
    >>> with sim.Trace(path) as t:
    ...     _ = PyGPU.cudaMemset(ptr, 0, 64)
    >>> [e["name"] for e in t.events["traceEvents"] if e.get("ph") == "X"]
    ['cudaMemset 64 B']
    >>> os.path.getsize(path) > 0
    True
    >>> os.remove(path); os.rmdir(os.path.dirname(path))
    >>> _ = PyGPU.cudaFree(ptr)
    """

    def __init__(self, path: str | os.PathLike[str] | None, synchronize: bool = True) -> None:
        self.path = None if path is None else os.fspath(path)
        self.synchronize = synchronize
        self.events: dict[str, Any] | None = None

    def __enter__(self) -> Trace:
        _require("trace()")
        if _state.tracing:
            raise RuntimeError("PyGPU.sim.trace(): a trace is already being recorded; traces do not nest")
        _core._sim_trace_start()
        _state.tracing = True
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if self.synchronize:
                _synchronize_all()
        finally:
            _state.tracing = False
            self.events = json.loads(_core._sim_trace_stop())
        if self.path is not None:
            with open(self.path, "w", encoding="utf-8") as f:
                json.dump(self.events, f)

    def __repr__(self) -> str:
        n = "recording" if self.events is None else f"{len(self.events.get('traceEvents', []))} events"
        return f"<PyGPU.sim.trace {self.path!r}: {n}>"


def _synchronize_all() -> None:
    """cudaDeviceSynchronize on every device; the current device is kept."""
    current, err = _core.cudaGetDevice()
    err.check()
    count, err = _core.cudaGetDeviceCount()
    err.check()
    assert current is not None and count is not None  # set when err is cudaSuccess
    try:
        for device in range(count):
            _core.cudaSetDevice(device).check()
            _core.cudaDeviceSynchronize().check()
    finally:
        _core.cudaSetDevice(current)


def trace(path: str | os.PathLike[str] | None = None, synchronize: bool = True) -> Trace:
    """Record every operation queued inside the block as a Chrome trace.

    Each copy, memset, event record, wait, host function and kernel launch
    queued while the block runs becomes one complete event (``"ph": "X"``)
    with its name (``"kernel vadd"`` for a launch, with ``grid`` and
    ``block`` in its ``args``), the device as ``pid``, the stream as ``tid``,
    and its start and duration in microseconds (``args`` add when it was
    queued and its chaos delay). On
    exit the trace is written to `path` as JSON (open it in
    https://ui.perfetto.dev or chrome://tracing) and kept, parsed, in the
    context object's ``events``.

    An operation is recorded when it finishes, so by default the block ends
    by synchronising every device (``cudaDeviceSynchronize``, which the call
    statistics count); with ``synchronize=False`` operations still pending
    then are left out.

    Parameters
    ----------
    path : str or path-like, optional
        The JSON file to write; None keeps the trace in memory only.
    synchronize : bool, default True
        Wait for all queued work before stopping the recording.

    Returns
    -------
    Trace
        A context manager; ``.events`` is ``{"traceEvents": [...]}`` after
        the block.

    Raises
    ------
    RuntimeError
        On entering the block, when a trace is already being recorded (traces
        do not nest) or the active backend is not the simulated device.

    Examples
    --------
    >>> import numpy as np, PyGPU, PyGPU.sim as sim
    >>> host = np.zeros(256, np.uint8)
    >>> ptr, err = PyGPU.cudaMalloc(256)
    >>> with sim.trace() as t:
    ...     _ = PyGPU.cudaMemcpy(ptr, host, 256, PyGPU.cudaMemcpyHostToDevice)
    >>> [e["ph"] for e in t.events["traceEvents"] if e.get("ph") == "X"]
    ['X']
    >>> _ = PyGPU.cudaFree(ptr)
    """
    return Trace(path, synchronize)


# ------------------------------------------------------------------- reset ---

def reset() -> None:
    """Return the simulated device to its initial state.

    Waits for all queued work, frees every allocation (pointer objects made
    before become dead), invalidates every stream and event (later use gives
    cudaErrorInvalidResourceHandle), clears statistics, reports, injections,
    labels, peer access, chaos mode (``PYGPU_SIM_CHAOS`` included), the
    calling thread's last errors and any trace being recorded, and makes
    device 0 current. The configuration (devices, memory) stays.

    Examples
    --------
    >>> import PyGPU, PyGPU.sim as sim
    >>> ptr, err = PyGPU.cudaMalloc(1 << 20)
    >>> sim.reset()
    >>> ptr.alive, sim.allocations()
    (False, [])
    """
    _require("reset()")
    _core._sim_reset()
    _state.chaos = None
    _state.tracing = False


# ------------------------------------------------------------- environment ---

def _truthy(name: str, text: str) -> bool:
    v = text.strip().lower()
    if v in ("", "0", "false", "no", "off"):
        return False
    if v in ("1", "true", "yes", "on"):
        return True
    raise SimEnvironmentError(f"{name}={text!r} is not a switch; use 1 (on) or 0 (off)")


def _leak_check_at_exit() -> None:
    """atexit: report device and host memory still allocated, to stderr."""
    if os.environ.get(LEAK_CHECK_VAR) is not None and not _truthy_quiet(os.environ[LEAK_CHECK_VAR]):
        return
    try:
        live = leaks()
    except Exception as exc:  # never fail the exit
        print(f"PyGPU simulated device: the leak check failed: {exc}", file=sys.stderr)
        return
    if live:
        print(leak_report(live), file=sys.stderr)
        sys.stderr.flush()


def _truthy_quiet(text: str) -> bool:
    try:
        return _truthy(LEAK_CHECK_VAR, text)
    except SimEnvironmentError:
        return True


def _env_snapshot() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in
            (DEVICES_VAR, MEMORY_VAR, CHAOS_VAR, INJECT_VAR, LEAK_CHECK_VAR)}


def _apply_environment() -> None:
    """Apply PYGPU_SIM_INJECT and PYGPU_SIM_LEAK_CHECK (called at import).

    PYGPU_SIM_DEVICES, PYGPU_SIM_MEMORY and PYGPU_SIM_CHAOS are read by the
    simulated device itself.

    Raises SimEnvironmentError (an ImportError and a ValueError) naming the
    variable for a value that cannot be used.
    """
    env = _env_snapshot()
    chaos_text, inject_text, leak_check_text = env[CHAOS_VAR], env[INJECT_VAR], env[LEAK_CHECK_VAR]
    if chaos_text is not None:
        _state.chaos = _parse_chaos(chaos_text)
    if inject_text is not None:
        _apply_injections(inject_text)
    if leak_check_text is not None and _truthy(LEAK_CHECK_VAR, leak_check_text):
        _register_leak_check()


def _register_leak_check() -> None:
    if not _state.leak_check_registered:
        atexit.register(_leak_check_at_exit)
        _state.leak_check_registered = True
