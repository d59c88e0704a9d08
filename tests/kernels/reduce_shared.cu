// Block sum in static shared memory: the classic tree reduction with
// sequential addressing (no divergent warps), one partial sum per block.
#include <cuda_runtime.h>

#define BLOCK 256

__global__ void reduce_shared(const int* in, int* partial, int n) {
    __shared__ int sdata[BLOCK];
    const unsigned tid = threadIdx.x;
    const unsigned i = blockIdx.x * (BLOCK * 2) + tid;
    int v = 0;
    if (i < n) v = in[i];
    if (i + BLOCK < n) v += in[i + BLOCK];
    sdata[tid] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s) sdata[tid] += sdata[tid + s];
        __syncthreads();
    }
    if (tid == 0) partial[blockIdx.x] = sdata[0];
}

extern "C" cudaError_t launch_reduce_shared(const int* in, int* partial, int n, cudaStream_t stream) {
    const int blocks = (n + BLOCK * 2 - 1) / (BLOCK * 2);
    reduce_shared<<<blocks, BLOCK, 0, stream>>>(in, partial, n);
    return cudaGetLastError();
}
