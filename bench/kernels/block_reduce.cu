// Block reduction through shared memory and __syncthreads (fiber kernel):
// each thread adds up to PER_THREAD elements (grid-stride), then the block's
// 256 partial sums are halved in 8 barrier-separated steps; one partial sum
// per block, added up by the caller.
#include <cuda_runtime.h>

constexpr int THREADS = 256;
constexpr int PER_THREAD = 8;

__global__ void block_reduce(const float* in, float* partial, int n) {
    __shared__ float sums[THREADS];
    const int tid = threadIdx.x;
    float sum = 0.0f;
    for (int i = blockIdx.x * THREADS + tid; i < n; i += gridDim.x * THREADS) sum += in[i];
    sums[tid] = sum;
    __syncthreads();
    for (int s = THREADS / 2; s > 0; s /= 2) {
        if (tid < s) sums[tid] += sums[tid + s];
        __syncthreads();
    }
    if (tid == 0) partial[blockIdx.x] = sums[0];
}

extern "C" int block_reduce_blocks(int n) { return (n + THREADS * PER_THREAD - 1) / (THREADS * PER_THREAD); }

extern "C" int block_reduce_launch(const float* in, float* partial, int n, void* stream) {
    block_reduce<<<block_reduce_blocks(n), THREADS, 0, static_cast<cudaStream_t>(stream)>>>(in, partial, n);
    return cudaGetLastError();
}
