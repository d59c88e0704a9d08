"""Hostile input to every public callable, found by introspection (Hypothesis).

Every public module of the package (``PyGPU``, ``PyGPU.driver``,
``PyGPU.sim``, ``PyGPU.gpuarray`` and any added later, such as a compiler or
kernel module) is walked; each public function, each class (its constructor,
one target per family of per-dtype classes, the class drawn per example) and
each public method and property getter (methods inherited from Python's own
types left out) is a test case. Nothing here names the callables, so a new
one is fuzzed without editing this file; only the exclusions below are by
name, each with its reason.

Arguments are drawn from any kind of Python object: numpy arrays of every
dtype and of many shapes (0-d and non-contiguous ones included), numpy
scalars, iterators and generators, objects whose ``__index__``, ``__len__``,
``__iter__``, ``__getitem__`` or ``__buffer__`` raise, huge and negative ints,
floats, NaN, None, bytes, strings, freed pointers, pointers of another dtype
or of another allocation, destroyed streams and events, and live PyGPU
objects. The property: the call returns (any result, a cudaError_t among
them) or raises an ``Exception`` that says something; never a crash, a hang
(a watchdog ends the process with a traceback), a ``SystemError`` (a C-API
bug) or pybind11's "Unable to cast" (an unchecked conversion).

Raw integers are never drawn where a callable takes a memory address (a
parameter named like one): a raw integer used as a host address is trusted,
as by the CUDA runtime, and no test can probe that without risking the
process (tests/test_hostile.py). Ints that cannot be addresses (negative,
2**64 and above) are drawn there too. Sizes between 2**24 and 2**62 are not
drawn at all: such a size is valid, and filling it would only measure the
machine's memory.

Examples per callable: 6, or 3 in the sanitizer run (PYGPU_EXPECT_SANITIZED=1,
.ci/run), or PYGPU_FUZZ_EXAMPLES; HYPOTHESIS_PROFILE=long gives 100.
"""

from __future__ import annotations

import contextlib
import faulthandler
import importlib
import inspect
import os
import pkgutil
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import PyGPU
from PyGPU import driver, sim

pytestmark = pytest.mark.hostile

if os.environ.get("PYGPU_FUZZ_EXAMPLES"):
    EXAMPLES = int(os.environ["PYGPU_FUZZ_EXAMPLES"])
elif os.environ.get("HYPOTHESIS_PROFILE") == "long":
    EXAMPLES = 100
elif os.environ.get("PYGPU_EXPECT_SANITIZED"):
    EXAMPLES = 3  # ASan + UBSan: about three times slower; every callable is still reached
else:
    EXAMPLES = 6
CALL_LOG = os.environ.get("PYGPU_FUZZ_LOG", "")
CALL_TIMEOUT_S = 60  # a call that takes longer is a hang: the watchdog ends the run with a traceback

# --- what is not fuzzed, and why ---------------------------------------------

# Modules that are no API of callables.
NOT_FUZZED_MODULES = {
    "PyGPU.autoinit": "importing it is its whole effect (it pushes a context, as pycuda.autoinit); no callables",
    "PyGPU.pycuda": "main() runs a script or module named by its argument, install() changes the import system "
                    "of the whole process (tests/test_pycuda_shim.py)",
}

# Callables left out by name (qualified as found), each with its reason.
EXCLUDED = {
    "PyGPU.cudaDeviceReset": "destroys every allocation, stream and event of the current device, the other "
                             "tests' and this file's live objects included (tests/test_device.py covers it)",
    "PyGPU.sim.reset": "resets the whole simulated device, as cudaDeviceReset (tests/test_sim.py)",
    "PyGPU.sim.configure": "changes the number and size of devices for the process (tests/test_sim.py)",
    "PyGPU.sim.inject": "makes later calls fail on purpose (tests/test_sim.py)",
    "PyGPU.sim.chaos": "switches the process-wide chaos mode (tests/test_concurrency.py)",
    "PyGPU.sim.trace": "writes a trace file at a drawn path (tests/test_sim.py)",
    "PyGPU.cudaDeviceSetLimit": "changes a limit of the device for the rest of the process (a drawn printf FIFO "
                                "size would cut later kernels' output; tests/test_limits.py)",
    "PyGPU.driver.Context.set_limit": "the same, through PyGPU.driver (tests/test_limits.py)",
}


def _is_fixture(obj: object) -> bool:
    """pytest fixtures (PyGPU.testing) are no API to call: pytest calls them."""
    return any(hasattr(obj, a) for a in ("_pytestfixturefunction", "_fixture_function_marker", "_get_wrapped_function"))


# --- discovery ---------------------------------------------------------------

ADDRESS_NAMES = {"address", "dest", "device_address", "dst", "gpudata", "host", "host_address", "ptr", "src", "base"}


@dataclass
class Target:
    """One callable to fuzz: a function, a constructor (of any class in
    `owners`) or a method (of an instance of any class in `owners`)."""

    name: str
    kind: str  # "function" | "constructor" | "method" | "property" (its getter)
    call: Callable[..., Any]
    owners: list[type] = field(default_factory=list)
    attr: str = ""
    arity: int = 3
    address_positions: frozenset[int] = frozenset()


def public_modules() -> list[str]:
    found = ["PyGPU"] + [m.name for m in pkgutil.walk_packages(PyGPU.__path__, "PyGPU.")]
    return sorted(name for name in found
                  if not any(part.startswith("_") for part in name.split(".")[1:]) and name not in NOT_FUZZED_MODULES)


def public_names(module: Any) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")
                 and (getattr(getattr(module, n), "__module__", "") or "").startswith("PyGPU")]
    return list(names)


def parameters(fn: Any) -> list[list[str]]:
    """Positional parameter names, per overload (pybind11 lists overloads in the docstring)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        doc = getattr(fn, "__doc__", "") or ""
        out = []
        for m in re.finditer(r"^\s*(?:\d+\. )?[\w.]+\((.*)\) ->", doc, re.M):
            names = [a.split(":")[0].strip() for a in re.split(r",\s*(?![^\[]*\])", m.group(1)) if a.strip()]
            out.append([n for n in names if n not in ("self", "*args", "**kwargs")])
        return out or [["a", "b", "c"]]
    return [[p.name for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name not in ("self", "cls")]]


def shape_of(fn: Any) -> tuple[int, frozenset[int]]:
    overloads = parameters(fn)
    arity = max(len(p) for p in overloads)
    addresses = frozenset(i for p in overloads for i, n in enumerate(p) if n in ADDRESS_NAMES)
    return arity, addresses


def excluded_objects() -> set[int]:
    """The EXCLUDED callables, by identity: their hip* aliases are the same objects."""
    out = set()
    for qual in EXCLUDED:
        modname, name = qual.rsplit(".", 1)
        owner: Any
        try:
            owner = importlib.import_module(modname)
        except ModuleNotFoundError:  # a method: module.Class.name
            modname, cls = modname.rsplit(".", 1)
            owner = getattr(importlib.import_module(modname), cls)
        out.add(id(getattr(owner, name)))
    return out


def discover() -> list[Target]:
    skip = excluded_objects()
    functions: dict[int, Target] = {}
    families: dict[int, Target] = {}  # constructor targets, by the __init__ the classes share
    methods: dict[tuple[int, str], Target] = {}
    for modname in public_modules():
        module = importlib.import_module(modname)
        for name in public_names(module):
            obj = getattr(module, name, None)
            qual = f"{modname}.{name}"
            if (not callable(obj) or isinstance(obj, PyGPU.cudaError_t) or _is_fixture(obj) or id(obj) in skip
                    or not (getattr(obj, "__module__", "") or "").startswith("PyGPU")):
                continue
            if not inspect.isclass(obj):
                if id(obj) not in functions:
                    arity, addresses = shape_of(obj)
                    functions[id(obj)] = Target(qual, "function", obj, arity=arity, address_positions=addresses)
                continue
            key = id(obj.__init__)
            if key not in families:
                arity, addresses = shape_of(obj.__init__ if obj.__init__ is not object.__init__ else obj)
                families[key] = Target(qual, "constructor", obj, [obj], arity=arity, address_positions=addresses)
            elif obj not in families[key].owners:
                families[key].owners.append(obj)
            if issubclass(obj, BaseException):
                continue  # exceptions: constructed; their methods are Python's
            for attr, member in inspect.getmembers(obj):
                static = inspect.getattr_static(obj, attr, member)
                defined_by = next((k for k in obj.__mro__ if attr in vars(k)), type)  # else: from the metaclass
                if attr.startswith("_") or not defined_by.__module__.startswith("PyGPU"):
                    continue  # private, or Python's (int's methods of an IntEnum, the metaclass's)
                if id(member) in skip:
                    continue
                if isinstance(static, property):  # the getter, with a hostile or a real self
                    kind, call, arity = "property", static.fget, 0
                elif callable(member) and not inspect.isclass(member):
                    kind, call, (arity, addresses) = "method", member, shape_of(member)
                else:
                    continue
                mkey = (id(static), attr)
                if mkey not in methods:
                    methods[mkey] = Target(f"{qual}.{attr}", kind, call, [obj], attr, arity,
                                           addresses if kind == "method" else frozenset())
                elif obj not in methods[mkey].owners:
                    methods[mkey].owners.append(obj)
    return sorted([*functions.values(), *families.values(), *methods.values()], key=lambda t: t.name)


TARGETS = discover()


def test_discovery_reaches_every_module():
    """The walk found the API: every public module and the families of per-dtype classes."""
    names = {t.name for t in TARGETS}
    kinds = {t.kind for t in TARGETS}
    assert kinds == {"function", "constructor", "method", "property"}
    for expected in ("PyGPU.cudaMalloc", "PyGPU.cudaMemcpy2D", "PyGPU.driver.memcpy_htod", "PyGPU.sim.stats",
                     "PyGPU.to_gpu", "PyGPU.GPUArray.get", "PyGPU.DeviceArray.to_device"):
        assert expected in names, expected
    owners = {cls for t in TARGETS if t.kind == "constructor" for cls in t.owners}
    for dtype in PyGPU.dtypes:
        assert getattr(PyGPU, f"DeviceArray_{dtype}") in owners, dtype
        assert getattr(PyGPU, f"pointer_wrapper_{dtype}") in owners, dtype
    for excluded in EXCLUDED:
        assert excluded not in names


# --- hostile objects ---------------------------------------------------------


class HostileError(Exception):
    """Raised by the hostile objects' special methods."""


class RaisingIndex:
    def __index__(self) -> int:
        raise HostileError("__index__ raised")


class HugeIndex:
    def __index__(self) -> int:
        return 2**80


class NegativeIndex:
    def __index__(self) -> int:
        return -1


class RaisingLen:
    """Iterable by __getitem__ (two items); len() raises."""

    def __len__(self) -> int:
        raise HostileError("__len__ raised")

    def __getitem__(self, i: int) -> int:
        if i >= 2:
            raise IndexError(i)  # an endless sequence would hang any consumer, tuple() included
        return 1


class LyingLen:
    """Says it holds 3 items, has one."""

    def __len__(self) -> int:
        return 3

    def __getitem__(self, i: int) -> int:
        if i == 0:
            return 2
        raise IndexError(i)


class RaisingGetitem:
    def __len__(self) -> int:
        return 2

    def __getitem__(self, i: int) -> int:
        raise HostileError("__getitem__ raised")


class RaisingIter:
    def __iter__(self) -> Iterator[int]:
        raise HostileError("__iter__ raised")


class RaisingBuffer:
    def __buffer__(self, flags: int) -> memoryview:  # Python >= 3.12
        raise HostileError("__buffer__ raised")


class RaisingCai:
    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        raise HostileError("__cuda_array_interface__ raised")


class JunkCai:
    """A CUDA array interface with a huge shape at address 0."""

    __cuda_array_interface__: ClassVar[dict[str, Any]] = {
        "shape": (2**62, 2**62), "typestr": "<f4", "data": (0, False), "version": 3}


SPECIAL = [RaisingIndex, HugeIndex, NegativeIndex, RaisingLen, LyingLen, RaisingGetitem, RaisingIter,
           RaisingBuffer, RaisingCai, JunkCai]

NUMPY_DTYPES = [np.dtype(t) for t in ("?", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8", "c8",
                                      "c16", ">f4", "<i8", "U3", "S2", "O", "M8[s]", "m8[s]")] + [
    np.dtype([("a", "i4"), ("b", "f8")])]
# Sizes and counts: small ones, type limits, and values past size_t and ptrdiff_t
# (2**24 .. 2**62 left out: valid, and only a test of the machine's memory).
INTS = st.one_of(st.integers(-3, 300), st.sampled_from(
    [4096, 65537, 2**62, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**80,
     -(2**31), -(2**63), -(2**63) - 1, -(2**64), -(2**80)]))
SMALL = st.integers(-2, 5)


@st.composite
def numpy_arrays(draw: Any) -> np.ndarray:
    dtype = draw(st.sampled_from(NUMPY_DTYPES))
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    values = np.array(draw(st.lists(st.sampled_from([0, 1, 2, 3, -1, 2**62]), min_size=1, max_size=4)),
                      dtype=object)
    size = int(np.prod(shape))
    flat = np.resize(values, size) if size else values[:0]
    try:
        with np.errstate(all="ignore"):
            a = flat.astype(dtype).reshape(shape)
    except (TypeError, ValueError, OverflowError):
        a = np.zeros(shape, dtype)
    layout = draw(st.sampled_from(["c", "f", "strided", "reversed", "readonly"]))
    if layout == "f":
        a = np.asfortranarray(a)
    elif layout == "strided" and a.ndim:
        a = np.repeat(a, 2, axis=0)[::2]
    elif layout == "reversed" and a.ndim:
        a = a[::-1]
    elif layout == "readonly":
        a.flags.writeable = False
    return a


def _scalar(dtype: np.dtype, value: int) -> Any:
    with np.errstate(all="ignore"):
        return np.array(value).astype(dtype)[()]


def numpy_scalars() -> st.SearchStrategy[Any]:
    return st.builds(_scalar, st.sampled_from([d for d in NUMPY_DTYPES if d.kind not in "UVSO"]),
                     st.sampled_from([0, 1, -1, 7, 2**40]))


def plain_values(addresses: bool) -> st.SearchStrategy[Any]:
    """Everything but live PyGPU objects; no raw addresses where `addresses`."""
    ints = st.one_of(st.just(0), st.integers(-(2**70), -1), st.integers(2**64, 2**80)) if addresses else INTS
    return st.one_of(
        ints, st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True), st.just(float("nan")),
        st.text(max_size=4), st.sampled_from(["C", "F", "float32", "cudaMalloc", "", "\x00"]), st.binary(max_size=6),
        st.just(bytearray(8)), st.lists(SMALL, max_size=3), st.lists(SMALL, max_size=3).map(tuple),
        st.tuples(INTS, SMALL), st.lists(SMALL, max_size=3).map(iter),
        st.lists(SMALL, max_size=3).map(lambda v: (x for x in v)), numpy_arrays(), numpy_scalars(),
        st.sampled_from(SPECIAL).map(lambda cls: cls()), st.just(object()), st.just({"shape": (1,)}),
        st.sampled_from([np.float32, "int8", np.dtype("f4"), complex(1, 2), Ellipsis, slice(None)]))


class LiveObjects:
    """PyGPU objects made fresh for each example (a call may free or destroy
    them), cleaned up after it."""

    def __init__(self) -> None:
        self.pointers: list[Any] = []
        device, err = PyGPU.cudaMalloc(4096)
        assert err == PyGPU.cudaSuccess, err
        freed, _ = PyGPU.cudaMalloc(256)
        PyGPU.cudaFree(freed)
        pinned, err = PyGPU.cudaMallocHost(256)
        assert err == PyGPU.cudaSuccess, err
        self.pointers += [device, pinned]
        host = PyGPU.HostAllocator_float32(8)
        freed_host = PyGPU.HostAllocator_uint8(8)
        freed_host_ptr = freed_host.ptr()
        freed_host.free()
        stream, destroyed_stream = PyGPU.cudaStream_t(), PyGPU.cudaStream_t()
        destroyed_stream.destroy()
        event, destroyed_event = PyGPU.cudaEvent_t(), PyGPU.cudaEvent_t()
        destroyed_event.destroy()
        array = PyGPU.DeviceArray_float32(np.arange(4, dtype=np.float32))
        array.allocate()
        self.objects = [
            device, freed, pinned, host, host.ptr(), freed_host_ptr,
            PyGPU.pointer_wrapper_int8(device),      # another dtype, same allocation
            PyGPU.pointer_wrapper_float64(freed),    # another dtype, freed
            PyGPU.pointer_wrapper_void(host.ptr()),  # untyped
            device + 4000,                           # 96 bytes left
            stream, destroyed_stream, event, destroyed_event, array, PyGPU.DeviceArray_int8((0,)),
            PyGPU.to_gpu(np.arange(6, dtype=np.float32).reshape(2, 3)),
            PyGPU.to_gpu(np.arange(6, dtype=np.int64))[::2],
            driver.Stream(), PyGPU.cudaError_t(1), PyGPU.cudaSuccess,
        ]

    def values(self, addresses: bool) -> st.SearchStrategy[Any]:
        return st.one_of(plain_values(addresses), st.sampled_from(self.objects))

    def close(self) -> None:
        for p in self.pointers:
            if p.alive:
                (PyGPU.cudaFree if p.is_device else PyGPU.cudaFreeHost)(p)


# --- the property -------------------------------------------------------------


def release_results(value: Any, depth: int = 0) -> None:
    """Free the runtime memory a call handed back as raw pointers (cudaMalloc...)."""
    if isinstance(value, (tuple, list)) and depth < 2:
        for v in value:
            release_results(v, depth + 1)
    elif isinstance(value, PyGPU.pointer_wrapper_void) and value.alive and int(value) != 0:
        info = PyGPU.cudaPointerGetAttributes(value)[0]
        if info is not None and value.is_device:
            PyGPU.cudaFree(value)
        elif info is not None and int(info.type) == PyGPU.cudaMemoryTypeHost:
            PyGPU.cudaFreeHost(value)


def restore_state(args: tuple[Any, ...]) -> None:
    """Undo what a call may have changed for the process: the context stack,
    the current device, peer access, registered host memory, pending work,
    the last error."""
    with contextlib.suppress(Exception):  # whatever PyGPU raises for an empty stack
        for _ in range(4):  # a call pushes at most once; popping an empty stack does nothing
            driver.Context.pop()
    for device in (1, 0):
        PyGPU.cudaSetDevice(device)
        PyGPU.cudaDeviceDisablePeerAccess(1 - device)
        PyGPU.cudaDeviceSynchronize()
    for arg in args:
        if isinstance(arg, (np.ndarray, bytearray)):
            PyGPU.cudaHostUnregister(arg)
    sim.clear_injections()
    PyGPU.cudaGetLastError()


def _log_call(fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """PYGPU_FUZZ_LOG=<path>: each call is appended there before it is made, so
    the last line names the call that crashed the process."""
    if CALL_LOG:
        with open(CALL_LOG, "a", encoding="utf-8") as log:
            log.write(f"{getattr(fn, '__qualname__', fn)!s} {[safe_repr(a) for a in args]}\n")


def safe_repr(value: Any) -> str:
    try:
        return f"{type(value).__name__}:{value!r:.200}"
    except Exception:  # the hostile objects' repr may raise too
        return type(value).__name__


def call_once(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Call under a watchdog; return the result or the exception, checked."""
    _log_call(fn, args)
    faulthandler.dump_traceback_later(CALL_TIMEOUT_S, exit=True, file=_WATCHDOG_OUTPUT[0])
    try:
        return fn(*args)
    except SystemError as exc:  # a C-API misuse inside the binding
        raise AssertionError(f"SystemError: {exc}") from exc
    except Exception as exc:
        if isinstance(exc, RuntimeError) and str(exc).startswith("Unable to cast"):
            raise AssertionError(f"unchecked pybind11 conversion: {exc}") from exc
        if not str(exc) and not isinstance(exc, (HostileError, KeyError, StopIteration, MemoryError)):
            raise AssertionError(f"{type(exc).__name__} without a message") from exc
        return exc
    finally:
        faulthandler.cancel_dump_traceback_later()


_WATCHDOG_OUTPUT: list[Any] = [sys.stderr]


@pytest.fixture(scope="module")
def watchdog_output(pytestconfig: pytest.Config) -> Iterator[None]:
    """The watchdog writes to the real stderr: pytest's capture would swallow
    the traceback of the hung call along with the process."""
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        stream = os.fdopen(os.dup(sys.stderr.fileno()), "w")
    _WATCHDOG_OUTPUT[0] = stream
    yield
    _WATCHDOG_OUTPUT[0] = sys.stderr
    stream.close()


@pytest.mark.usefixtures("watchdog_output")
@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_any_arguments(target: Target) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def run(data: Any) -> None:
        live = LiveObjects()
        args: tuple[Any, ...] = ()
        result: Any = None
        try:
            nargs = data.draw(st.integers(0, target.arity + 1), "number of arguments")
            args = tuple(data.draw(live.values(i in target.address_positions), f"argument {i}")
                         for i in range(nargs))
            if target.kind == "function":
                result = call_once(target.call, args)
            elif target.kind == "constructor":
                cls = data.draw(st.sampled_from(target.owners), "class")
                result = call_once(cls, args)
            else:
                cls = data.draw(st.sampled_from(target.owners), "class")
                instance = sample_instance(cls, live)
                hostile_self = instance is None or data.draw(st.integers(0, 4), "hostile self") == 0
                self_arg = data.draw(live.values(True), "self") if hostile_self else instance
                if target.kind == "property":
                    result = call_once(target.call, (self_arg, *args))
                elif hostile_self:  # unbound, with something else as self
                    result = call_once(getattr(cls, target.attr), (self_arg, *args))
                else:
                    result = call_once(getattr(instance, target.attr), args)
            if target.kind == "function":
                release_results(result)
        finally:
            restore_state(args)
            live.close()

    run()


# Constructor arguments tried, in order, to make an instance whose methods are
# fuzzed; the first that works is remembered per class.
def _candidates(cls: type) -> list[tuple[Any, ...]]:
    name = cls.__name__.rsplit("_", 1)[-1]
    dtype = np.dtype(name) if name in PyGPU.dtypes else np.dtype("float32")
    return [(np.arange(4).astype(dtype),), (4,), ((2, 2),), ((4,), dtype), (), (0,)]


_RECIPES: dict[type, tuple[Any, ...] | None] = {}


def sample_instance(cls: type, live: LiveObjects) -> Any:
    for obj in live.objects:
        if type(obj) is cls:
            return obj
    if cls not in _RECIPES:
        _RECIPES[cls] = None
        for args in _candidates(cls):
            try:
                cls(*args)
            except Exception:
                continue
            _RECIPES[cls] = args
            break
    recipe = _RECIPES[cls]
    return None if recipe is None else cls(*recipe)
