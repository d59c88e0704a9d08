"""Python glue for libsaxpy: ctypes, device pointers (``GPUArray.ptr``) and a stream.

The same glue drives both builds of ``saxpy.cu``:

- the CUDA build (``libsaxpy_cuda.so``, nvcc; PyGPU backend ``cuda``);
- the simulated-device build (``libsaxpy_sim.so``, ``python -m PyGPU.cc``;
  backend ``sim``), which talks to the same simulated device as PyGPU in
  this process: same memory, same streams.

Either way a launcher queues its kernel on the stream and returns at once,
so the glue calls it directly: the kernel runs in stream order, after the
copies queued before it and before those queued after it.

Usage::

    lib = SaxpyLibrary("libsaxpy_sim.so")        # or libsaxpy_cuda.so
    lib.saxpy(2.0, x, y, stream=stream)         # y = 2 x + y, on the device
"""

from __future__ import annotations

import ctypes
import operator

import PyGPU

_device_ptr = ctypes.c_void_p  # device addresses travel as plain integers


def default_build() -> str:
    """The build of the library for the active backend: "cuda" on the cuda backend, else "sim"."""
    return "cuda" if PyGPU.backend == "cuda" else "sim"


def stream_handle(stream) -> int:
    """The raw handle of None (0: legacy default), an int, a cudaStream_t or a PyGPU.driver.Stream."""
    if stream is None:
        return 0
    if hasattr(stream, "handle"):  # PyGPU.driver.Stream, PyGPU.cudaStream_t
        return int(stream.handle)
    return operator.index(stream)


class SaxpyLibrary:
    """The loaded library: ``saxpy`` and ``stencil`` on GPUArrays, ``saxpy_ptr`` on raw pointers.

    Parameters
    ----------
    path : str or os.PathLike
        ``libsaxpy_cuda.so`` for the ``cuda`` backend, ``libsaxpy_sim.so``
        for the simulated device (``sim``).
    """

    def __init__(self, path) -> None:
        self._lib = lib = ctypes.CDLL(str(path))
        lib.saxpy_launch.restype = ctypes.c_int
        lib.saxpy_launch.argtypes = [ctypes.c_int64, ctypes.c_float, _device_ptr, ctypes.c_int64, _device_ptr,
                                     ctypes.c_int64, ctypes.c_void_p]
        lib.stencil_launch.restype = ctypes.c_int
        lib.stencil_launch.argtypes = [ctypes.c_int64, ctypes.c_int64, ctypes.c_float, ctypes.c_float, _device_ptr,
                                       ctypes.c_int64, _device_ptr, ctypes.c_int64, ctypes.c_void_p]
        # The simulated-device build links PyGPU's libpygpu_sim, which registers its kernels;
        # the CUDA build links the CUDA runtime.
        self.is_cuda = not hasattr(lib, "pygpu_sim_register_kernel")
        wanted = "cuda" if self.is_cuda else "sim"
        if PyGPU.backend != wanted:
            # The CUDA build cannot use the simulated device's memory, and the
            # simulated-device build cannot use a GPU's: refuse before either.
            raise RuntimeError(f"{path} is the {'CUDA' if self.is_cuda else 'simulated-device'} build and needs "
                               f"PyGPU's '{wanted}' backend, but PyGPU.backend is '{PyGPU.backend}' "
                               f"(set PYGPU_BACKEND={wanted}, or load the other build)")

    def _launch(self, fn, args, stream) -> None:
        # Queued on the stream; the arrays may be dropped at once, because
        # freeing device memory waits for the queued work (as cudaFree does).
        PyGPU.cudaError_t(fn(*args, stream_handle(stream))).check()

    def saxpy_ptr(self, n: int, a: float, x_ptr: int, y_ptr: int, stream=None, incx: int = 1, incy: int = 1) -> None:
        """``y = a * x + y`` on `n` float32 elements at device addresses `x_ptr`, `y_ptr` (strides in elements)."""
        self._launch(self._lib.saxpy_launch, (n, a, x_ptr, incx, y_ptr, incy), stream)

    def saxpy(self, a: float, x: PyGPU.GPUArray, y: PyGPU.GPUArray, stream=None) -> None:
        """``y = a * x + y`` for 1-D float32 GPUArrays of one length (any strides, views included)."""
        _check_float32(x, y)
        if x.ndim != 1 or y.shape != x.shape:
            raise ValueError(f"saxpy needs two 1-D arrays of one length, got shapes {x.shape} and {y.shape}")
        self._launch(self._lib.saxpy_launch, (x.size, a, x.ptr, x.strides[0] // 4, y.ptr, y.strides[0] // 4),
                     stream)

    def stencil(self, src: PyGPU.GPUArray, dst: PyGPU.GPUArray, center: float, neighbour: float,
                stream=None) -> None:
        """``dst = center * src + neighbour * (sum of the 4 neighbours)`` inside, ``dst = src`` on the border.

        2-D float32 arrays of one shape whose rows are contiguous (row
        slices and sub-blocks of a larger array are fine).
        """
        _check_float32(src, dst)
        if src.ndim != 2 or dst.shape != src.shape:
            raise ValueError(f"stencil needs two 2-D arrays of one shape, got {src.shape} and {dst.shape}")
        for a in (src, dst):
            if a.strides[1] != 4 or a.strides[0] % 4 or a.strides[0] < 4 * a.shape[1]:
                raise ValueError(f"stencil needs contiguous rows in increasing order, got strides {a.strides}")
        rows, cols = src.shape
        if rows and cols and _extent(dst)[0] < _extent(src)[1] and _extent(src)[0] < _extent(dst)[1]:
            raise ValueError("stencil cannot work in place: src and dst overlap")
        self._launch(self._lib.stencil_launch,
                     (rows, cols, center, neighbour, src.ptr, src.strides[0] // 4, dst.ptr, dst.strides[0] // 4),
                     stream)

    def smooth(self, a: PyGPU.GPUArray, steps: int, center: float = 0.5, neighbour: float = 0.125,
               stream=None) -> None:
        """Apply the stencil `steps` times to a C-contiguous 2-D float32 array, in place.

        Needs one scratch array of ``a.nbytes`` on the device; when there is
        not enough device memory for it, raises MemoryError and leaves `a`
        as it was. Returns once the result is in `a` (it synchronises
        `stream`, so that the scratch array is released with no work queued
        on it).
        """
        if not a.flags.c_contiguous:
            raise ValueError("smooth needs a C-contiguous array")
        try:
            scratch = PyGPU.empty_like(a)
        except PyGPU.CudaError as e:
            if e.name != "cudaErrorMemoryAllocation":
                raise
            raise MemoryError(f"smooth needs {a.nbytes} bytes of scratch device memory ({e})") from e
        src, dst = a, scratch
        for _ in range(steps):
            self.stencil(src, dst, center, neighbour, stream)
            src, dst = dst, src
        if src is not a:  # an odd number of steps: the result is in the scratch array
            PyGPU.cudaMemcpyAsync(a.ptr, src.ptr, a.nbytes, PyGPU.cudaMemcpyDeviceToDevice,
                                  stream_handle(stream)).check()
        PyGPU.cudaStreamSynchronize(stream_handle(stream)).check()


def _check_float32(*arrays) -> None:
    for a in arrays:
        if a.dtype != "float32":
            raise TypeError(f"expected float32 arrays, got {a.dtype}")


def _extent(a) -> tuple:
    """[first, last) byte addresses of a 2-D array with contiguous rows in increasing order."""
    return a.ptr, a.ptr + (a.shape[0] - 1) * a.strides[0] + a.shape[1] * 4
