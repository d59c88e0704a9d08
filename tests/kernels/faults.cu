// Kernels with the bugs the simulated device must report: a scatter through a
// bad index (a write outside every allocation), __trap(), and a __syncthreads
// that only part of the block reaches.
#include <cuda_runtime.h>

__global__ void scatter(const int* index, const float* values, float* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[index[i]] = values[i];  // no check of index[i]: the bug
}

__global__ void trap_on_negative(const int* values, int* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    if (values[i] < 0) __trap();
    out[i] = values[i];
}

__global__ void divergent_barrier(int* out) {
    __shared__ int staged[64];
    staged[threadIdx.x] = threadIdx.x;
    if (threadIdx.x < 32) {
        __syncthreads();  // the other warp never gets here: the bug
    }
    out[threadIdx.x] = staged[(threadIdx.x + 1) % 64];
}

extern "C" cudaError_t launch_scatter(const int* index, const float* values, float* out, int n, cudaStream_t stream) {
    scatter<<<(n + 127) / 128, 128, 0, stream>>>(index, values, out, n);
    return cudaGetLastError();
}

extern "C" cudaError_t launch_trap_on_negative(const int* values, int* out, int n, cudaStream_t stream) {
    trap_on_negative<<<(n + 127) / 128, 128, 0, stream>>>(values, out, n);
    return cudaGetLastError();
}

extern "C" cudaError_t launch_divergent_barrier(int* out, cudaStream_t stream) {
    divergent_barrier<<<2, 64, 0, stream>>>(out);
    return cudaGetLastError();
}
