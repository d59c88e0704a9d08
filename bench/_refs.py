"""The references the suite measures against, loaded when installed.

- **cuda-python** (``pip install cuda-python`` or ``cuda-bindings``): NVIDIA's
  bindings calling the real CUDA runtime. Without a GPU the runtime answers at
  once with an error, the same work as PyGPU's CUDA backend answering the
  same call.
- **ctypes**: a bare foreign call into the CUDA runtime library
  (``libcudart.so``), found through ``PYGPU_BENCH_CUDART``, ``CUDA_HOME``,
  ``CUDA_PATH``, ``/usr/local/cuda`` or the loader's search path.

- **ctypes, HIP**: the same bare call into the HIP runtime
  (``libamdhip64.so``), the reference of PyGPU's HIP backend, whose runtime
  does its own work on every call.

Each loader returns ``(object, None)`` or ``(None, why it is missing)``; a
missing reference skips its ratios and the runner says why.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os

# The runtime calls the benchmarks make through ctypes: (name, argtypes, restype).
_CALLS = (
    ("GetDevice", [ctypes.POINTER(ctypes.c_int)], ctypes.c_int),
    ("GetDeviceCount", [ctypes.POINTER(ctypes.c_int)], ctypes.c_int),
    ("StreamQuery", [ctypes.c_void_p], ctypes.c_int),
    ("EventRecord", [ctypes.c_void_p, ctypes.c_void_p], ctypes.c_int),
    ("GetErrorName", [ctypes.c_int], ctypes.c_char_p),
)


def _declare(lib: ctypes.CDLL, prefix: str) -> None:
    """Declare the signatures of the calls above, as cuda* or hip* names."""
    for name, argtypes, restype in _CALLS:
        fn = getattr(lib, prefix + name)
        fn.argtypes = argtypes
        fn.restype = restype

def cuda_python() -> tuple[object | None, str | None]:
    """The ``cuda.bindings.runtime`` module (cuda-bindings >= 12.6), or the older ``cuda.cudart``."""
    try:
        from cuda.bindings import runtime
        return runtime, None
    except ImportError:
        pass
    try:
        from cuda import cudart  # cuda-python < 12.6
        return cudart, None
    except ImportError:
        return None, "cuda-python is not installed (pip install cuda-python)"


def cuda_python_version() -> str:
    found = (_dist_version(dist) for dist in ("cuda-bindings", "cuda-python"))
    return next((v for v in found if v is not None), "unknown")


def _dist_version(dist: str) -> str | None:
    try:
        from importlib.metadata import version

        return f"{dist} {version(dist)}"
    except Exception:
        return None


def _cudart_candidates():
    explicit = os.environ.get("PYGPU_BENCH_CUDART")
    if explicit:
        yield explicit
    for var in ("CUDA_HOME", "CUDA_PATH"):
        root = os.environ.get(var)
        if root:
            yield from sorted(glob.glob(os.path.join(root, "lib64", "libcudart.so*")))
    yield from sorted(glob.glob("/usr/local/cuda/lib64/libcudart.so*"))
    yield from sorted(glob.glob("/usr/local/cuda-*/lib64/libcudart.so*"), reverse=True)
    found = ctypes.util.find_library("cudart")
    if found:
        yield found


def _first_loadable(candidates, prefix: str) -> tuple[ctypes.CDLL | None, list[str]]:
    """The first library of `candidates` that loads, declared with `prefix` names; else the reasons."""
    errors = []
    for path in filter(None, candidates):
        try:
            lib = ctypes.CDLL(path)
        except OSError as exc:
            errors.append(f"{path}: {exc}")
            continue
        _declare(lib, prefix)
        lib._pygpu_bench_path = path
        return lib, errors
    return None, errors


def cudart_ctypes() -> tuple[ctypes.CDLL | None, str | None]:
    """The CUDA runtime as a ctypes library, with the signatures the suite calls."""
    lib, errors = _first_loadable(_cudart_candidates(), "cuda")
    if lib is not None:
        return lib, None
    why = "; ".join(errors) if errors else "no libcudart.so found (set PYGPU_BENCH_CUDART or CUDA_HOME)"
    return None, f"ctypes reference unavailable: {why}"


def hip_ctypes() -> tuple[ctypes.CDLL | None, str | None]:
    """The HIP runtime as a ctypes library (hip* names, same signatures as the CUDA calls)."""
    candidates = [os.environ.get("PYGPU_BENCH_AMDHIP"), "libamdhip64.so",
                  *sorted(glob.glob("/opt/rocm*/lib/libamdhip64.so*"))]
    lib, errors = _first_loadable(candidates, "hip")
    if lib is not None:
        return lib, None
    return None, "HIP ctypes reference unavailable: " + ("; ".join(errors) or "no libamdhip64.so found")
