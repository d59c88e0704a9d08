// The dot product of "CUDA by Example": per-thread partial sums, a shared
// cache reduced by halving, one partial result per block.
#include <cuda_runtime.h>

const int threadsPerBlock = 256;

__global__ void dot(const float* a, const float* b, float* c, int n) {
    __shared__ float cache[threadsPerBlock];
    int tid = threadIdx.x + blockIdx.x * blockDim.x;
    const int cacheIndex = threadIdx.x;
    float temp = 0;
    while (tid < n) {
        temp += a[tid] * b[tid];
        tid += blockDim.x * gridDim.x;
    }
    cache[cacheIndex] = temp;
    __syncthreads();
    int i = blockDim.x / 2;
    while (i != 0) {
        if (cacheIndex < i) cache[cacheIndex] += cache[cacheIndex + i];
        __syncthreads();
        i /= 2;
    }
    if (cacheIndex == 0) c[blockIdx.x] = cache[0];
}

extern "C" cudaError_t launch_dot(const float* a, const float* b, float* partial, int n, int blocks,
                                  cudaStream_t stream) {
    dot<<<blocks, threadsPerBlock, 0, stream>>>(a, b, partial, n);
    return cudaGetLastError();
}
