// Warp-shuffle reduction (fiber kernel): each thread adds up to PER_THREAD
// elements (grid-stride), then each warp of 32 lanes folds its sums with 5
// __shfl_down_sync steps; lane 0 writes the warp's sum, added up by the caller.
#include <cuda_runtime.h>

constexpr int THREADS = 256;
constexpr int PER_THREAD = 8;

__global__ void warp_reduce(const float* in, float* partial, int n) {
    float sum = 0.0f;
    for (int i = blockIdx.x * THREADS + threadIdx.x; i < n; i += gridDim.x * THREADS) sum += in[i];
    for (int offset = warpSize / 2; offset > 0; offset /= 2) sum += __shfl_down_sync(0xffffffffu, sum, offset);
    if (threadIdx.x % warpSize == 0) partial[(blockIdx.x * THREADS + threadIdx.x) / warpSize] = sum;
}

extern "C" int warp_reduce_blocks(int n) { return (n + THREADS * PER_THREAD - 1) / (THREADS * PER_THREAD); }

extern "C" int warp_reduce_launch(const float* in, float* partial, int n, void* stream) {
    warp_reduce<<<warp_reduce_blocks(n), THREADS, 0, static_cast<cudaStream_t>(stream)>>>(in, partial, n);
    return cudaGetLastError();
}
