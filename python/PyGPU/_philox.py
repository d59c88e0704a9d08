"""The Philox4x32-10 kernels behind PyGPU.curandom: their source, one compiled module per device, the launch.

``_kernels/curandom.cu`` is compiled once per process and device through :class:`PyGPU.compiler.SourceModule`
(whose disk cache spares later processes the compile); each kernel is fetched and prepared once, so a
steady-state call compiles nothing and packs its arguments with one ``struct`` call.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core as _g
from ._errors import check

if TYPE_CHECKING:
    from ._function import Function
    from ._module import Module
    from ._stream import StreamLike
    from .gpuarray import GPUArray

SOURCE_PATH = Path(__file__).parent / "_kernels" / "curandom.cu"
#: Every kernel's parameters: out, n, key (2 x 32 bits), first counter, mean (or Poisson's lambda), standard deviation.
ARG_FORMAT = "PQIIQdd"
BLOCK = 256
MAX_GRID = 4096
UINT64 = 1 << 64

# (distribution, dtype) -> (the kind in curandom.cu, its C type, elements made from one 128-bit Philox block)
KINDS: dict[tuple[str, np.dtype[Any]], tuple[str, str, int]] = {
    ("uniform", np.dtype(np.float32)): ("uniform_float", "float", 4),
    ("uniform", np.dtype(np.float64)): ("uniform_double", "double", 2),
    ("uniform", np.dtype(np.int32)): ("uniform_int", "unsigned int", 4),
    ("uniform", np.dtype(np.uint32)): ("uniform_int", "unsigned int", 4),
    ("normal", np.dtype(np.float32)): ("normal_float", "float", 4),
    ("normal", np.dtype(np.float64)): ("normal_double", "double", 2),
    ("log_normal", np.dtype(np.float32)): ("log_normal_float", "float", 4),
    ("log_normal", np.dtype(np.float64)): ("log_normal_double", "double", 2),
    ("poisson", np.dtype(np.uint32)): ("poisson_int", "unsigned int", 1),
    ("poisson_inplace", np.dtype(np.float32)): ("poisson_inplace_float", "float", 1),
    ("poisson_inplace", np.dtype(np.float64)): ("poisson_inplace_double", "double", 1),
    ("poisson_inplace", np.dtype(np.uint32)): ("poisson_inplace_int", "unsigned int", 1),
}
KERNEL = "pygpu_philox_{kind}"
WRAPPER = """
extern "C" __global__ void pygpu_philox_{kind}({ctype}* out, unsigned long long n, unsigned int k0, unsigned int k1,
                                             unsigned long long base, double a, double b) {{
    pygpu_philox::fill<pygpu_philox::{kind}>(out, n, k0, k1, base, a, b);
}}
"""

_LOCK = threading.Lock()
_MODULES: dict[tuple[str, int], Module] = {}
_FUNCTIONS: dict[tuple[str, int, str], Function] = {}


def source() -> str:
    """The kernels' CUDA C source for every backend: curandom.cu and a kernel per kind of :data:`KINDS`."""
    kinds = {kind: ctype for kind, ctype, _per in KINDS.values()}
    return SOURCE_PATH.read_text() + "".join(WRAPPER.format(kind=k, ctype=c) for k, c in kinds.items())


def _device_key() -> tuple[str, int]:
    ordinal, err = _g.cudaGetDevice()
    check(err)
    assert ordinal is not None
    return _g._backend_name() or "sim", ordinal


def module() -> Module:
    """The module of :func:`source` compiled and loaded for the current device (once per process and device)."""
    key = _device_key()
    found = _MODULES.get(key)
    if found is None:
        with _LOCK:
            found = _MODULES.get(key)
            if found is None:
                from .compiler import SourceModule

                found = _MODULES[key] = SourceModule(source(), no_extern_c=True).module
    return found


def function(name: str) -> Function:
    """The kernel `name` of :func:`module`, prepared with :data:`ARG_FORMAT` (once per process and device)."""
    key = (*_device_key(), name)
    found = _FUNCTIONS.get(key)
    if found is None:
        found = _FUNCTIONS[key] = module().get_function(name).prepare(ARG_FORMAT)
    return found


def check_dtype(distribution: str, dtype: Any, method: str) -> np.dtype[Any]:
    """`dtype` as a numpy dtype; NotImplementedError (PyCUDA's) when `distribution` has no kernel for it."""
    dt: np.dtype[Any] = np.dtype(dtype)
    if (distribution, dt) not in KINDS:
        offered = ", ".join(str(d) for dist, d in KINDS if dist == distribution)
        raise NotImplementedError(f"{method}: dtype {dt} is not offered (it makes {offered})")
    return dt


def blocks_for(distribution: str, dtype: np.dtype[Any], size: int) -> int:
    """How many Philox blocks (counters) an array of `size` elements uses."""
    per = KINDS[distribution, dtype][2]
    return -(-size // per)


def fill(distribution: str, data: GPUArray, key: tuple[int, int], counter: int, stream: StreamLike,
         method: str, mean: float = 0.0, sigma: float = 1.0, grid: int | None = None,
         block: int = BLOCK) -> int:
    """Queue the kernel filling `data` from counter `counter` on; returns how many counters it used.

    `grid` and `block` choose the launch (any gives the same values); None: enough blocks of `block`
    threads, at most :data:`MAX_GRID`.
    """
    from .gpuarray import GPUArray

    if not isinstance(data, GPUArray):
        raise TypeError(f"{method}: data must be a GPUArray, got {type(data).__name__}")
    dtype = check_dtype(distribution, data.dtype, method)
    if not (data.flags.c_contiguous or data.flags.f_contiguous):
        raise ValueError(f"{method}: data must be contiguous (C or F order); fill a contiguous array and copy "
                         "it into the view")
    size = int(data.size)
    used = blocks_for(distribution, dtype, size)
    if size == 0:
        return 0
    kernel = function(KERNEL.format(kind=KINDS[distribution, dtype][0]))
    if grid is None:
        grid = min(-(-used // block), MAX_GRID)
    kernel.prepared_async_call((grid, 1), (block, 1, 1), stream, data.gpudata, size, key[0], key[1],
                               counter % UINT64, float(mean), float(sigma))
    return used
