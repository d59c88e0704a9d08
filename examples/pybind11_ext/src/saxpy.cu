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

// So that a launcher returns its own launch's error: an earlier failed call on
// this thread (one PyGPU already raised) leaves its error as the last error,
// which the simulated device shares with PyGPU. A sticky error stays.
void clear_stale_error() { (void)cudaGetLastError(); }

}  // namespace

int saxpy_launch(float a, pygpu::device_span<const float> x, pygpu::device_span<float> y, pygpu::stream_ref stream) {
    if (y.empty()) return cudaSuccess;
    clear_stale_error();
    saxpy_kernel<<<blocks(y.size()), 256, 0, stream.as<cudaStream_t>()>>>(a, x, y);
    return cudaGetLastError();
}

int scal_launch(float a, pygpu::device_span<float, pygpu::contiguous> x, pygpu::stream_ref stream) {
    if (x.empty()) return cudaSuccess;
    clear_stale_error();
    scal_kernel<<<blocks(x.size()), 256, 0, stream.as<cudaStream_t>()>>>(a, x);
    return cudaGetLastError();
}
