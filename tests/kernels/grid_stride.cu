// A grid-stride loop: a fixed, small grid covers an array of any length.
#include <cuda_runtime.h>

__global__ void affine_grid_stride(const double* x, double* y, double scale, double shift, size_t n) {
    const size_t stride = static_cast<size_t>(blockDim.x) * gridDim.x;
    for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
        y[i] = scale * x[i] + shift;
    }
}

extern "C" cudaError_t launch_affine_grid_stride(const double* x, double* y, double scale, double shift, size_t n,
                                                 cudaStream_t stream) {
    affine_grid_stride<<<7, 96, 0, stream>>>(x, y, scale, shift, n);
    return cudaGetLastError();
}
