"""Run the example library on PyGPU arrays and check it against numpy.

    python build.py sim             # or: python build.py cuda
    python demo.py libsaxpy_sim.so  # on the simulated device (PYGPU_BACKEND=sim)

With no argument it builds the library for the active backend into a
temporary directory first.
"""

from __future__ import annotations

import sys
import tempfile

import numpy as np
from build import build
from saxpy_glue import SaxpyLibrary, default_build

import PyGPU
import PyGPU.driver as cuda


def main(path: str) -> None:
    lib = SaxpyLibrary(path)
    stream = cuda.Stream()
    rng = np.random.default_rng(0)

    # saxpy on whole arrays, then on strided views (every other element, reversed)
    x = rng.standard_normal(100_000).astype(np.float32)
    y = rng.standard_normal(100_000).astype(np.float32)
    x_gpu, y_gpu = PyGPU.to_gpu(x), PyGPU.to_gpu(y)
    lib.saxpy(2.5, x_gpu, y_gpu, stream=stream)
    lib.saxpy(-1.0, x_gpu[::2], y_gpu[::-2], stream=stream)
    expected = np.float32(2.5) * x + y
    expected[::-2] += np.float32(-1.0) * x[::2]
    result = y_gpu.get_async(stream=stream)  # stream-ordered after the launches
    stream.synchronize()
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-6)

    # the 5-point stencil, twice (ping-pong), on an interior block of a larger grid
    grid = rng.standard_normal((130, 200)).astype(np.float32)
    a = PyGPU.to_gpu(grid)
    b = PyGPU.zeros_like(a)
    inner_a, inner_b = a[1:-1, 3:-3], b[1:-1, 3:-3]
    lib.stencil(inner_a, inner_b, 0.5, 0.125, stream=stream)
    lib.stencil(inner_b, inner_a, 0.5, 0.125, stream=stream)
    result = a.get_async(stream=stream)
    stream.synchronize()
    expected = grid.copy()
    expected[1:-1, 3:-3] = stencil_reference(stencil_reference(grid[1:-1, 3:-3], 0.5, 0.125), 0.5, 0.125)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)
    print(f"ok: saxpy and stencil match numpy ({'CUDA' if lib.is_cuda else 'simulated-device'} build, "
          f"backend {PyGPU.backend})")


def stencil_reference(g: np.ndarray, center: float, neighbour: float) -> np.ndarray:
    out = g.copy()
    out[1:-1, 1:-1] = (np.float32(center) * g[1:-1, 1:-1]
                       + np.float32(neighbour) * (g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:]))
    return out


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(str(build(default_build(), tmp)))
