// The CUDA build: one thread per element, launched on the caller's stream.
//   nvcc -O2 -shared -Xcompiler -fPIC -o libsaxpy_cuda.so saxpy.cu
#include <cuda_runtime.h>

#include "kernels.h"
#include "saxpy.h"

namespace {

__global__ void saxpy_kernel(int64_t n, float a, const float* x, int64_t incx, float* y, int64_t incy) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) saxpy_element(i, a, x, incx, y, incy);
}

__global__ void stencil_kernel(int64_t rows, int64_t cols, float center, float neighbour, const float* in,
                               int64_t in_pitch, float* out, int64_t out_pitch) {
    const int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    const int64_t i = static_cast<int64_t>(blockIdx.y) * blockDim.y + threadIdx.y;
    if (i < rows && j < cols) stencil_element(i, j, rows, cols, center, neighbour, in, in_pitch, out, out_pitch);
}

unsigned int blocks(int64_t n, unsigned int per_block) {
    return static_cast<unsigned int>((n + per_block - 1) / per_block);
}

}  // namespace

extern "C" int saxpy_library_is_cuda(void) { return 1; }

extern "C" int saxpy_launch(int64_t n, float a, const float* x, int64_t incx, float* y, int64_t incy,
                            void* stream) {
    if (n <= 0) return cudaSuccess;
    saxpy_kernel<<<blocks(n, 256), 256, 0, static_cast<cudaStream_t>(stream)>>>(n, a, x, incx, y, incy);
    return cudaGetLastError();
}

extern "C" int stencil_launch(int64_t rows, int64_t cols, float center, float neighbour, const float* in,
                              int64_t in_pitch, float* out, int64_t out_pitch, void* stream) {
    if (rows <= 0 || cols <= 0) return cudaSuccess;
    const dim3 block(32, 8);
    const dim3 grid(blocks(cols, block.x), blocks(rows, block.y));
    stencil_kernel<<<grid, block, 0, static_cast<cudaStream_t>(stream)>>>(rows, cols, center, neighbour, in,
                                                                          in_pitch, out, out_pitch);
    return cudaGetLastError();
}
