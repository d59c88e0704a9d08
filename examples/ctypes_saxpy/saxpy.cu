// The library's kernels and their launchers: ONE source for both builds.
//   CUDA GPU:               nvcc             -O2 -shared -Xcompiler -fPIC -o libsaxpy_cuda.so saxpy.cu
//   PyGPU's simulated device: python -m PyGPU.cc -O2 -shared -Xcompiler -fPIC -o libsaxpy_sim.so saxpy.cu
// Each launcher queues its kernel on the caller's stream and returns at once
// with cudaGetLastError(): on the GPU and on the simulated device alike.
#include <cuda_runtime.h>

#include "saxpy.h"

namespace {

// y[i] = a * x[i] + y[i], one thread per element; strides in elements (negative ones allowed).
__global__ void saxpy_kernel(int64_t n, float a, const float* x, int64_t incx, float* y, int64_t incy) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) y[i * incy] = a * x[i * incx] + y[i * incy];
}

// 5-point stencil on a rows x cols grid (row pitches in elements):
// out = center * in + neighbour * (up + down + left + right) inside, out = in on the border.
__global__ void stencil_kernel(int64_t rows, int64_t cols, float center, float neighbour, const float* in,
                               int64_t in_pitch, float* out, int64_t out_pitch) {
    const int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    const int64_t i = static_cast<int64_t>(blockIdx.y) * blockDim.y + threadIdx.y;
    if (i >= rows || j >= cols) return;
    const float* c = in + i * in_pitch + j;
    if (i == 0 || j == 0 || i == rows - 1 || j == cols - 1) {
        out[i * out_pitch + j] = *c;
        return;
    }
    out[i * out_pitch + j] = center * c[0] + neighbour * (c[-in_pitch] + c[in_pitch] + c[-1] + c[1]);
}

unsigned int blocks(int64_t n, unsigned int per_block) {
    return static_cast<unsigned int>((n + per_block - 1) / per_block);
}

// So that a launcher returns its own launch's error, not a stale one: a call
// that failed earlier on this thread (one that PyGPU already raised as an
// exception, say) leaves its error as the last error until it is read. On
// the simulated device this library shares the last error with PyGPU (one
// device per process); nvcc's build links a CUDA runtime of its own. A
// sticky error (a fault in a kernel) stays: every call keeps returning it.
void clear_stale_error() { (void)cudaGetLastError(); }

}  // namespace

extern "C" int saxpy_launch(int64_t n, float a, const float* x, int64_t incx, float* y, int64_t incy,
                            void* stream) {
    if (n <= 0) return cudaSuccess;
    clear_stale_error();
    saxpy_kernel<<<blocks(n, 256), 256, 0, static_cast<cudaStream_t>(stream)>>>(n, a, x, incx, y, incy);
    return cudaGetLastError();
}

extern "C" int stencil_launch(int64_t rows, int64_t cols, float center, float neighbour, const float* in,
                              int64_t in_pitch, float* out, int64_t out_pitch, void* stream) {
    if (rows <= 0 || cols <= 0) return cudaSuccess;
    clear_stale_error();
    const dim3 block(32, 8);
    const dim3 grid(blocks(cols, block.x), blocks(rows, block.y));
    stencil_kernel<<<grid, block, 0, static_cast<cudaStream_t>(stream)>>>(rows, cols, center, neighbour, in,
                                                                          in_pitch, out, out_pitch);
    return cudaGetLastError();
}
