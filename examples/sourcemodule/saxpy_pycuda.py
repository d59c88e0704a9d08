"""A PyCUDA script, unedited: SourceModule, get_function, In/Out/InOut, a prepared call, a timed call.

Run it on any machine through PyGPU's runner, which routes ``import pycuda...`` to PyGPU for the run:
``PYGPU_BACKEND=sim python -m PyGPU.pycuda saxpy_pycuda.py`` (the simulated device compiles the kernels with
the host's C++ compiler; on a GPU, NVRTC or hiprtc does). With PyCUDA installed it runs as it is.
"""

import numpy as np
import pycuda.autoinit  # noqa: F401  (the context)
import pycuda.driver as cuda
from pycuda.compiler import SourceModule

mod = SourceModule("""
__global__ void saxpy(int n, float a, const float* x, float* y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a * x[i] + y[i];
}

__global__ void scale(float* out, const float* in, float factor, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = factor * in[i];
}
""")

n = 10000
rng = np.random.default_rng(1)
x = rng.random(n, dtype=np.float32)
y = rng.random(n, dtype=np.float32)
expected = 2.5 * x + y

# 1. A plain call: In/InOut copy the host arrays around the launch.
saxpy = mod.get_function("saxpy")
block = (256, 1, 1)
grid = ((n + block[0] - 1) // block[0], 1)
saxpy(np.int32(n), np.float32(2.5), cuda.In(x), cuda.InOut(y), block=block, grid=grid)
assert np.allclose(y, expected), "saxpy differs from numpy"
print("ok: saxpy with In/InOut matches numpy")

# 2. A prepared call on device memory, then Out.
scale = mod.get_function("scale").prepare("PPfi")
x_gpu = cuda.mem_alloc(x.nbytes)
out_gpu = cuda.mem_alloc(x.nbytes)
cuda.memcpy_htod(x_gpu, x)
scale.prepared_call(grid, block, out_gpu, x_gpu, 3.0, n)
out = np.empty_like(x)
cuda.memcpy_dtoh(out, out_gpu)
assert np.allclose(out, 3 * x), "scale differs from numpy"
print("ok: prepared_call matches numpy")

# 3. A timed prepared call and an asynchronous one on a stream.
seconds = scale.prepared_timed_call(grid, block, out_gpu, x_gpu, 0.5, n)()
stream = cuda.Stream()
scale.prepared_async_call(grid, block, stream, out_gpu, out_gpu, 4.0, n)
stream.synchronize()
cuda.memcpy_dtoh(out, out_gpu)
assert np.allclose(out, 2 * x), "the chained calls differ from numpy"
print(f"ok: prepared_timed_call took {seconds * 1e3:.3f} ms; prepared_async_call matches numpy")
print("kernel attributes: max_threads_per_block =", scale.max_threads_per_block, "num_regs =", scale.num_regs)
