"""The dtypes GPUArray supports (PyGPU.dtypes and the vector types of gpuarray.vec) and the check every
constructor makes."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core
from ._vec import DTYPES as VECTOR_DTYPES

SUPPORTED = frozenset(np.dtype(name) for name in _core.dtypes)


def check_dtype(dtype: Any) -> np.dtype[Any]:
    """`dtype` as a numpy dtype; TypeError when it is not one or GPUArray does not support it."""
    try:
        dt: np.dtype[Any] = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{dtype!r} is not a dtype: {exc}") from None
    except Exception as exc:  # numpy's own: SyntaxError for b",", DeprecationWarning (b"a") as an error
        raise TypeError(f"{dtype!r} is not a dtype GPUArray supports: {exc}") from None
    if dt not in SUPPORTED and dt not in VECTOR_DTYPES:
        raise TypeError(f"dtype {dt} is not supported by GPUArray (supported: {', '.join(_core.dtypes)} and the "
                        "vector types of gpuarray.vec)")
    return dt

