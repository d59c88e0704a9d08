"""A script written against PyCUDA, running on PyGPU with only its imports changed.

It moves a 2-D array to the device, hands each row (a view: ``row.ptr``) to a
library that takes raw device pointers and a stream handle (the ctypes
library of ../ctypes_saxpy), times the work with events, and reads the result
back. With PyCUDA, the three imports below were::

    import pycuda.gpuarray as gpuarray
    import pycuda.driver as cuda
    import pycuda.autoinit

Run it: ``python rows.py [path/to/libsaxpy_sim.so or libsaxpy_cuda.so]``
(with no path it builds the library for the active backend first).
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

# In the order of the PyCUDA script this was:
# isort: off
import PyGPU as gpuarray  # was: import pycuda.gpuarray as gpuarray
import PyGPU.driver as cuda  # was: import pycuda.driver as cuda
import PyGPU.autoinit  # was: import pycuda.autoinit
# isort: on

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ctypes_saxpy"))
from saxpy_glue import SaxpyLibrary, default_build  # the user's own library


def main(lib):
    rows, cols = 48, 4096
    host = np.random.default_rng(2).standard_normal((rows, cols)).astype(np.float32)
    weights = np.linspace(0.5, 2.0, rows).astype(np.float32)

    a = gpuarray.to_gpu(host)
    out = gpuarray.zeros((rows, cols), dtype=np.float32)
    stream = cuda.Stream()
    start, stop = cuda.Event(), cuda.Event()

    start.record(stream)
    for i in range(rows):
        # out[i] = weights[i] * a[i] + out[i], one launch per row, on raw pointers
        row, out_row = a[i], out[i]
        lib.saxpy_ptr(cols, float(weights[i]), row.ptr, out_row.ptr, stream.handle)
    # strided views: every other element of the last row, reversed, into the first row
    x, y = a[rows - 1, ::-2], out[0, ::2]
    lib.saxpy_ptr(x.size, 1.0, x.ptr, y.ptr, stream.handle,
                  incx=x.strides[0] // x.dtype.itemsize, incy=y.strides[0] // y.dtype.itemsize)
    stop.record(stream)
    stop.synchronize()
    print(f"{rows + 1} launches in {stop.time_since(start):.3f} ms")

    result = out.get()
    expected = weights[:, None] * host
    expected[0, ::2] += host[rows - 1, ::-2]
    assert np.allclose(result, expected, rtol=1e-6, atol=1e-6), "mismatch"

    pinned = cuda.pagelocked_empty((rows, cols), np.float32)
    out.get_async(stream=stream, ary=pinned)
    stream.synchronize()
    assert np.array_equal(pinned, result)
    print(f"ok: {rows} rows match numpy")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(SaxpyLibrary(sys.argv[1]))
    else:
        from build import build

        with tempfile.TemporaryDirectory() as tmp:
            main(SaxpyLibrary(build(default_build(), tmp)))
