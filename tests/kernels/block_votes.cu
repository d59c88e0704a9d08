// __syncthreads_count, __syncthreads_and and __syncthreads_or: per block, how
// many values pass a threshold, whether all do, whether any does.
#include <cuda_runtime.h>

__global__ void block_votes(const float* in, float threshold, int* result, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    const bool above = i < n && in[i] > threshold;
    const int count = __syncthreads_count(above);
    const int all = __syncthreads_and(i >= n || above);
    const int any = __syncthreads_or(above);
    if (threadIdx.x == 0) {
        result[3 * blockIdx.x] = count;
        result[3 * blockIdx.x + 1] = all;
        result[3 * blockIdx.x + 2] = any;
    }
}

extern "C" cudaError_t launch_block_votes(const float* in, float threshold, int* result, int n, cudaStream_t stream) {
    block_votes<<<(n + 191) / 192, 192, 0, stream>>>(in, threshold, result, n);
    return cudaGetLastError();
}
