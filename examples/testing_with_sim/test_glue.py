"""Tests for the saxpy glue (../ctypes_saxpy/saxpy_glue.py), as its author
would write them: on PyGPU's simulated device, so they run in CI without a
GPU, against numpy.

- ``pygpu_sim`` resets the simulated device around each test and gives the
  PyGPU.sim module (chaos, injection, statistics);
- ``pygpu_chaos`` runs a test once per seed with random delays in every
  stream, so a missing synchronisation gives wrong data instead of passing
  by luck;
- ``PyGPU.sim.inject`` makes a chosen runtime call fail, to test the error
  paths (out of memory here);
- ``assert_no_leaks`` checks that nothing is left allocated.
"""

from __future__ import annotations

import numpy as np
import pytest

import PyGPU
import PyGPU.driver as cuda
from PyGPU.testing import assert_no_leaks

RNG = np.random.default_rng(42)
X = RNG.standard_normal(50_000).astype(np.float32)
Y = RNG.standard_normal(50_000).astype(np.float32)
GRID = RNG.standard_normal((64, 80)).astype(np.float32)


def stencil_reference(g: np.ndarray, center: float = 0.5, neighbour: float = 0.125) -> np.ndarray:
    out = g.copy()
    out[1:-1, 1:-1] = (np.float32(center) * g[1:-1, 1:-1]
                       + np.float32(neighbour) * (g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:]))
    return out


class Saxpy:
    """Glue that keeps its buffers between calls, as real glue does to avoid reallocating.

    ``__call__`` uploads x and y, runs saxpy and downloads the result into
    pinned memory, all queued on its own stream. With ``synchronise=False``
    it has the classic bug: it returns before the stream has run.
    """

    def __init__(self, lib, n: int, synchronise: bool = True) -> None:
        self.lib, self.synchronise = lib, synchronise
        self.stream = cuda.Stream()
        self.x, self.y = PyGPU.empty(n, np.float32), PyGPU.empty(n, np.float32)
        self.out = cuda.pagelocked_zeros(n, np.float32)

    def __call__(self, a: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.x.set_async(x, stream=self.stream)
        self.y.set_async(y, stream=self.stream)
        self.lib.saxpy(a, self.x, self.y, stream=self.stream)
        self.y.get_async(stream=self.stream, ary=self.out)
        if self.synchronise:
            self.stream.synchronize()
        return self.out


def test_saxpy_matches_numpy(pygpu_sim, lib):
    saxpy = Saxpy(lib, X.size)
    np.testing.assert_allclose(saxpy(2.0, X, Y), np.float32(2.0) * X + Y, rtol=1e-6)


def test_saxpy_on_views(pygpu_sim, lib):
    x, y = PyGPU.to_gpu(X), PyGPU.to_gpu(Y)
    lib.saxpy(-1.5, x[::-3], y[1::3][: x[::-3].size])
    expected = Y.copy()
    n = X[::-3].size
    expected[1::3][:n] += np.float32(-1.5) * X[::-3]
    np.testing.assert_allclose(y.get(), expected, rtol=1e-6)


def test_saxpy_under_chaos(pygpu_chaos, lib):
    """Runs once per seed (the pygpu_chaos fixture): a correct glue gives the same answer every time."""
    saxpy = Saxpy(lib, X.size)
    for a in (3.0, -1.0):
        np.testing.assert_allclose(saxpy(a, X, Y), np.float32(a) * X + Y, rtol=1e-6)


def test_chaos_catches_a_missing_synchronisation(pygpu_sim, lib):
    """What chaos mode is for: the unsynchronised variant returns stale data.

    Each seed delays the queued work by up to 2 ms, so reading the result
    before synchronising sees stale data unless every delay drawn happens to
    be tiny: once in a while for one seed, practically never for three.
    """
    wrong = []
    for seed in (1, 2, 3):
        saxpy = Saxpy(lib, X.size, synchronise=False)
        with pygpu_sim.chaos(seed):
            wrong.append(not np.allclose(saxpy(3.0, X, Y), np.float32(3.0) * X + Y, rtol=1e-6))
            saxpy.stream.synchronize()  # the queued work finishes before the buffers go
    assert any(wrong), "chaos mode should have exposed the missing synchronisation"


def test_stencil_twice_under_chaos(pygpu_chaos, lib):
    stream = cuda.Stream(flags=PyGPU.cudaStreamNonBlocking)
    # On a non-blocking stream the upload must be queued on that stream too:
    # PyGPU.to_gpu(GRID) would copy on the legacy default stream, which a
    # non-blocking stream does not wait for (chaos mode catches that).
    a = PyGPU.to_gpu_async(GRID, stream=stream)
    b = PyGPU.empty_like(a)
    lib.stencil(a, b, 0.5, 0.125, stream=stream)
    lib.stencil(b, a, 0.5, 0.125, stream=stream)
    stream.synchronize()  # a non-blocking stream: get() below would not wait for it
    np.testing.assert_allclose(a.get(), stencil_reference(stencil_reference(GRID)), rtol=1e-5)


def test_smooth_out_of_memory_leaves_input_alone(pygpu_sim, lib):
    """The out-of-memory path: the scratch allocation fails, the input is untouched, nothing leaks."""
    a = PyGPU.to_gpu(GRID)
    # GPUArray allocates with cudaMallocAsync (the stream-ordered pool), and retries after freeing what the
    # pools hold: count=0 makes every attempt in the block fail.
    with pygpu_sim.inject("cudaMallocAsync", "cudaErrorMemoryAllocation", count=0), \
            pytest.raises(MemoryError, match=r"smooth needs \d+ bytes of scratch device memory"):
        lib.smooth(a, 3)
    np.testing.assert_array_equal(a.get(), GRID)
    lib.smooth(a, 3)  # once memory is there again, it works
    np.testing.assert_allclose(a.get(), stencil_reference(stencil_reference(stencil_reference(GRID))), rtol=1e-5)
    del a
    assert_no_leaks()


def test_failed_upload_is_reported(pygpu_sim, lib):
    """Any runtime failure becomes an exception, here an upload that fails."""
    with pygpu_sim.inject("cudaMemcpy", "cudaErrorIllegalAddress"), \
            pytest.raises(PyGPU.CudaError, match="cudaErrorIllegalAddress"):
        PyGPU.to_gpu(X)
    assert_no_leaks()


def test_wrong_library_for_the_backend_is_refused(pygpu_sim, lib):
    assert not lib.is_cuda and PyGPU.backend == "sim"
    with pytest.raises(TypeError, match="expected float32 arrays"):
        lib.saxpy(1.0, PyGPU.to_gpu(X.astype(np.float64)), PyGPU.to_gpu(Y))
