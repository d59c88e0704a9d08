"""Helpers shared by the tests (imported as `helpers`)."""

from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import sys
import threading

import numpy as np

import PyGPU as g

SIM_MEMORY = 1 << 30  # PYGPU_SIM_MEMORY set by conftest.py


class Gate:
    """Holds a stream: queued work behind the gate waits until ``open()``.

    A host function that blocks on a threading.Event is queued on the stream;
    the stream's worker runs it (releasing the GIL while it waits), so every
    later item on that stream stays pending until the gate opens.
    """

    def __init__(self, stream=None, timeout: float = 20.0) -> None:
        self.event = threading.Event()
        self.reached = threading.Event()

        def hold(_):
            self.reached.set()
            self.event.wait(timeout)

        err = g.cudaLaunchHostFunc(stream, hold, None)
        assert err == g.cudaSuccess, err

    def open(self) -> None:
        self.event.set()

    def __enter__(self) -> Gate:
        return self

    def __exit__(self, *exc) -> None:
        self.open()


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with extra environment variables."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=120,
                          check=False)


def without_preload(env=None) -> dict:
    """`env` (default: os.environ) without LD_PRELOAD: the environment for compilers and CMake.

    The sanitizer run of .ci/run preloads the ASan runtime into Python (the
    instrumented _core needs it loaded first). Python subprocesses keep it; a
    compiler, CMake or shell must not inherit it: LeakSanitizer would report
    the memory GCC never frees and fail the build.
    """
    env = dict(os.environ if env is None else env)
    env.pop("LD_PRELOAD", None)
    return env


@contextlib.contextmanager
def preload_removed():
    """os.environ without LD_PRELOAD inside the block, for code that runs compilers itself."""
    saved = os.environ.pop("LD_PRELOAD", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["LD_PRELOAD"] = saved


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


def free_bytes() -> int:
    """Free device memory once every unreachable array has been collected."""
    gc.collect()
    (free, _), err = g.cudaMemGetInfo()
    assert err == g.cudaSuccess
    return free


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
