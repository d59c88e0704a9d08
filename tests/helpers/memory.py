"""Device memory: copies to and from the device, and what is free."""

from __future__ import annotations

import gc

import numpy as np

import PyGPU as g
from PyGPU import tools

SIM_MEMORY = 1 << 30  # PYGPU_SIM_MEMORY set by conftest.py


def to_device(host: np.ndarray):
    """A fresh device copy of `host` (caller frees)."""
    ptr, err = g.cudaMalloc(host.nbytes)
    assert err == g.cudaSuccess
    assert g.cudaMemcpy(ptr, host, host.nbytes, g.cudaMemcpyHostToDevice) == g.cudaSuccess
    return ptr


def from_device(ptr, like: np.ndarray) -> np.ndarray:
    out = np.empty_like(like)
    assert g.cudaMemcpy(out, ptr, out.nbytes, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
    return out


def free_bytes() -> int:
    """Free device memory once every unreachable array has been collected and GPUArray's default pool has
    given back what it holds (a dropped array's block waits there for reuse; live arrays' blocks stay)."""
    gc.collect()
    tools.default_pool().free_held()
    (free, _), err = g.cudaMemGetInfo()
    assert err == g.cudaSuccess
    return free
