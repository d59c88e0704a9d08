"""saxpy_ext: a user's pybind11 extension built against PyGPU's headers.

``saxpy(a, x, y, stream=None)`` and ``scal(a, x, stream=None)`` take PyGPU
GPUArrays (or any ``__cuda_array_interface__`` object, or a
``DeviceArray_float32``) and a stream (``PyGPU.driver.Stream``,
``PyGPU.cudaStream_t``, an int handle or None). They return once the work is
queued; synchronise the stream before reading the result on the host.
"""

from __future__ import annotations

import PyGPU

from ._saxpy import build, saxpy, scal

_NEEDS = {"sim": "sim", "cuda": "cuda"}
if PyGPU.backend != _NEEDS[build]:
    raise ImportError(f"saxpy_ext was built for {'the simulated device' if build == 'sim' else 'CUDA'} and needs "
                      f"PyGPU's '{_NEEDS[build]}' backend, but PyGPU.backend is '{PyGPU.backend}'")

__all__ = ["build", "saxpy", "scal"]
