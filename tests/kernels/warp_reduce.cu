// Warp-shuffle reduction: each warp sums with __shfl_down_sync, lane 0 of each
// warp writes to shared memory, the first warp sums those, and thread 0 adds
// the block's sum to the total with atomicAdd.
#include <cuda_runtime.h>

__inline__ __device__ int warp_sum(int v) {
    for (int offset = warpSize / 2; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
    return v;
}

__global__ void warp_reduce(const int* in, unsigned long long* total, int n) {
    __shared__ int warp_sums[32];
    const int lane = threadIdx.x % warpSize;
    const int warp = threadIdx.x / warpSize;
    int v = 0;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) v += in[i];
    v = warp_sum(v);
    if (lane == 0) warp_sums[warp] = v;
    __syncthreads();
    const int warps = (blockDim.x + warpSize - 1) / warpSize;
    if (warp == 0) {
        v = lane < warps ? warp_sums[lane] : 0;
        v = warp_sum(v);
        if (lane == 0) atomicAdd(total, static_cast<unsigned long long>(static_cast<long long>(v)));
    }
}

extern "C" cudaError_t launch_warp_reduce(const int* in, unsigned long long* total, int n, cudaStream_t stream) {
    warp_reduce<<<24, 320, 0, stream>>>(in, total, n);
    return cudaGetLastError();
}
