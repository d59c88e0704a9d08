// printf from device code: one line per block from its thread 0, with the
// block's partial sum, and a line from the last thread of the grid.
#include <cstdio>
#include <cuda_runtime.h>

__global__ void report_blocks(const int* values, int n) {
    __shared__ int block_total;
    if (threadIdx.x == 0) block_total = 0;
    __syncthreads();
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) atomicAdd(&block_total, values[i]);
    __syncthreads();
    if (threadIdx.x == 0) printf("block %d of %d: sum %d\n", blockIdx.x, gridDim.x, block_total);
    if (i == n - 1) printf("last element %d = %.2f\n", i, static_cast<double>(values[i]) / 4.0);
}

extern "C" cudaError_t launch_report_blocks(const int* values, int n, cudaStream_t stream) {
    report_blocks<<<(n + 63) / 64, 64, 0, stream>>>(values, n);
    return cudaGetLastError();
}
