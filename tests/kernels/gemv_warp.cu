// Matrix-vector product y = A x with one warp per row: lanes stride over the
// row, then a __shfl_xor_sync butterfly leaves the sum in every lane.
#include <cuda_runtime.h>

__global__ void gemv_warp(const float* A, const float* x, float* y, int rows, int cols) {
    const int warp = (blockIdx.x * blockDim.x + threadIdx.x) / warpSize;
    const int lane = threadIdx.x % warpSize;
    if (warp >= rows) return;  // whole warps leave together
    float sum = 0.0f;
    for (int c = lane; c < cols; c += warpSize) sum += A[static_cast<size_t>(warp) * cols + c] * __ldg(&x[c]);
    for (int mask = warpSize / 2; mask > 0; mask /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, mask);
    if (lane == 0) y[warp] = sum;
}

extern "C" cudaError_t launch_gemv_warp(const float* A, const float* x, float* y, int rows, int cols,
                                        cudaStream_t stream) {
    const int warps_per_block = 4;
    gemv_warp<<<(rows + warps_per_block - 1) / warps_per_block, warps_per_block * 32, 0, stream>>>(A, x, y, rows,
                                                                                                cols);
    return cudaGetLastError();
}
