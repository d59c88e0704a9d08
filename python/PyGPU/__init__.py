"""PyGPU: a thin, fast Python binding layer over the GPU runtime API.

The low-level API follows the CUDA runtime: ``cudaMalloc``, ``cudaMemcpy``,
``cudaStreamSynchronize``... (each also under its ``hip*`` name). A call that
returns nothing returns a ``cudaError_t``; a call that returns values returns
``(value, err)``. ``err.check()`` raises :class:`CudaError` on failure.

On top of it, ``PyGPU`` is a drop-in for ``pycuda.gpuarray`` (``GPUArray``,
``to_gpu``, ``zeros``...) and ``PyGPU.driver`` for the parts of
``pycuda.driver`` used beside it.

The backend is chosen at import by ``PYGPU_BACKEND`` (``sim``, ``cuda``,
``hip`` or ``auto``); :data:`backend` names the active one and
:data:`built_backends` lists those this installation has.

Examples
--------
>>> import numpy as np, PyGPU
>>> host = np.arange(4, dtype=np.float32)
>>> dev, err = PyGPU.cudaMalloc(host.nbytes)
>>> PyGPU.cudaMemcpy(dev, host, host.nbytes, PyGPU.cudaMemcpyHostToDevice)
<cudaError_t: code=0 cudaSuccess>
"""

from __future__ import annotations

from . import _backend, _core
from ._errors import CudaError
from ._paths import get_cmake_dir, get_include

backend: str = _backend.select()
built_backends: tuple = _backend.built_backends
__version__: str = _core.__version__

_LOW_LEVEL_PREFIXES = ("cuda", "hip", "pointer_wrapper", "DeviceArray", "HostAllocator", "PagelockedAllocator")
_low_level = [name for name in dir(_core) if name.startswith(_LOW_LEVEL_PREFIXES)] + ["dtypes"]
globals().update({name: getattr(_core, name) for name in _low_level})

from . import gpuarray  # noqa: E402  (needs the backend chosen above)
from .gpuarray import *  # noqa: E402,F401,F403

if backend == "sim":  # PYGPU_SIM_INJECT, PYGPU_SIM_LEAK_CHECK... (see PyGPU.sim)
    from . import sim as _sim_env

    _sim_env._apply_environment()


def from_dlpack(x, /, *, device=None, copy=None):
    """A zero-copy GPUArray view of an object exposing DLPack or ``__cuda_array_interface__``.

    The view keeps the producer alive. `device` and `copy` are the array API
    standard's keywords (see ``PyGPU._dlpack.from_dlpack``).
    """
    from ._dlpack import from_dlpack as convert

    return convert(x, device=device, copy=copy)


def asarray(obj):
    """Like :func:`from_dlpack`; a GPUArray is returned as is."""
    from ._dlpack import asarray as convert

    return convert(obj)


__all__ = ["CudaError", "backend", "built_backends", "__version__", "gpuarray", "from_dlpack", "asarray",
           "get_include", "get_cmake_dir", *_low_level, *gpuarray.__all__]
