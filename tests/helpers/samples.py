"""Host data to copy around: random over a dtype's range, or deterministic."""

from __future__ import annotations

import numpy as np


def sample(shape, dtype, seed: int = 0) -> np.ndarray:
    """Random values covering the whole range of `dtype` (C order)."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.integers(0, 2, shape).astype(dt)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, shape, dtype=dt, endpoint=True)
    if dt.kind == "f":
        return (rng.standard_normal(shape) * 100).astype(dt)
    return (rng.standard_normal(shape) * 100 + 1j * rng.standard_normal(shape)).astype(dt)


def dtype_sample(name: str, shape=(10,), start: int = 1) -> np.ndarray:
    """Deterministic, mostly non-zero values of dtype `name`; another `start`
    gives other values."""
    dt = np.dtype(name)
    i = np.arange(start, start + int(np.prod(shape, dtype=np.int64)))
    if dt.kind == "b":
        v = i % 3 == 0
    elif dt.kind == "c":
        v = i * 0.5 - 1j * i
    elif dt.kind == "f":
        v = i * 0.5 - 3.25
    elif dt.kind == "u":
        v = (i * 7) % 250 + 1
    else:
        v = (i * 7) % 120 - 60
    return v.astype(dt).reshape(shape)
