// C = A * B with square shared-memory tiles, for any M, N, K (the tiles are
// padded with zeros at the edges).
#include <cuda_runtime.h>

template <int Tile>
__global__ void matmul_tiled(const float* A, const float* B, float* C, int M, int N, int K) {
    __shared__ float As[Tile][Tile];
    __shared__ float Bs[Tile][Tile];
    const int row = blockIdx.y * Tile + threadIdx.y;
    const int col = blockIdx.x * Tile + threadIdx.x;
    float acc = 0.0f;
    for (int t = 0; t < (K + Tile - 1) / Tile; ++t) {
        const int ak = t * Tile + threadIdx.x;
        const int bk = t * Tile + threadIdx.y;
        As[threadIdx.y][threadIdx.x] = (row < M && ak < K) ? A[row * K + ak] : 0.0f;
        Bs[threadIdx.y][threadIdx.x] = (bk < K && col < N) ? B[bk * N + col] : 0.0f;
        __syncthreads();
#pragma unroll
        for (int k = 0; k < Tile; ++k) acc += As[threadIdx.y][k] * Bs[k][threadIdx.x];
        __syncthreads();
    }
    if (row < M && col < N) C[row * N + col] = acc;
}

extern "C" cudaError_t launch_matmul_tiled(const float* A, const float* B, float* C, int M, int N, int K,
                                           cudaStream_t stream) {
    constexpr int tile = 16;
    const dim3 block(tile, tile);
    const dim3 grid((N + tile - 1) / tile, (M + tile - 1) / tile);
    matmul_tiled<tile><<<grid, block, 0, stream>>>(A, B, C, M, N, K);
    return cudaGetLastError();
}
