"""PyGPU: a thin, fast Python binding layer over the GPU runtime API.

The low-level API follows the CUDA runtime: ``cudaMalloc``, ``cudaMemcpy``,
``cudaStreamSynchronize``... (each also under its ``hip*`` name). A call that
returns nothing returns a ``cudaError_t``; a call that returns values returns
``(value, err)``. ``err.check()`` raises :class:`CudaError` on failure.

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

backend: str = _backend.select()
built_backends: tuple = _backend.built_backends
__version__: str = _core.__version__

_LOW_LEVEL_PREFIXES = ("cuda", "hip", "pointer_wrapper", "DeviceArray", "HostAllocator", "PagelockedAllocator")
_low_level = [name for name in dir(_core) if name.startswith(_LOW_LEVEL_PREFIXES)] + ["dtypes"]
globals().update({name: getattr(_core, name) for name in _low_level})

__all__ = ["CudaError", "backend", "built_backends", "__version__", *_low_level]
