// The kernels and their launchers: ONE source for both builds. CMake builds
// it with nvcc for a CUDA GPU (-DSAXPY_EXT_CUDA=ON) and with PyGPU's
// compiler driver for the simulated device (pygpu_add_sim_library).
// Spans are passed to the kernels by value.
#include <cuda_runtime.h>

#include "saxpy.h"

namespace {

__global__ void saxpy_kernel(float a, pygpu::device_span<const float> x, pygpu::device_span<float> y) {
    const std::ptrdiff_t i = static_cast<std::ptrdiff_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < y.size_signed()) y(i) = a * x(i) + y(i);  // any strides
}

__global__ void scal_kernel(float a, pygpu::device_span<float, pygpu::contiguous> x) {
    const std::ptrdiff_t i = static_cast<std::ptrdiff_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < x.size_signed()) x[i] *= a;  // dense: flat indexing
}

unsigned int blocks(std::size_t n) { return static_cast<unsigned int>((n + 255) / 256); }

}  // namespace

int saxpy_launch(float a, pygpu::device_span<const float> x, pygpu::device_span<float> y, pygpu::stream_ref stream) {
    if (y.empty()) return cudaSuccess;
    saxpy_kernel<<<blocks(y.size()), 256, 0, stream.as<cudaStream_t>()>>>(a, x, y);
    return cudaGetLastError();
}

int scal_launch(float a, pygpu::device_span<float, pygpu::contiguous> x, pygpu::stream_ref stream) {
    if (x.empty()) return cudaSuccess;
    scal_kernel<<<blocks(x.size()), 256, 0, stream.as<cudaStream_t>()>>>(a, x);
    return cudaGetLastError();
}
