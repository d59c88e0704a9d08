// Tiled matrix multiply through shared memory (fiber kernel): C = A B for
// n x n row-major float32 matrices, n a multiple of TILE; each block computes
// one TILE x TILE tile of C, loading tiles of A and B into shared memory
// between two __syncthreads.
#include <cuda_runtime.h>

constexpr int TILE = 32;

__global__ void matmul(const float* a, const float* b, float* c, int n) {
    __shared__ float as[TILE][TILE];
    __shared__ float bs[TILE][TILE];
    const int row = blockIdx.y * TILE + threadIdx.y;
    const int col = blockIdx.x * TILE + threadIdx.x;
    float sum = 0.0f;
    for (int t = 0; t < n; t += TILE) {
        as[threadIdx.y][threadIdx.x] = a[row * n + t + threadIdx.x];
        bs[threadIdx.y][threadIdx.x] = b[(t + threadIdx.y) * n + col];
        __syncthreads();
        for (int k = 0; k < TILE; ++k) sum += as[threadIdx.y][k] * bs[k][threadIdx.x];
        __syncthreads();
    }
    c[row * n + col] = sum;
}

extern "C" int matmul_launch(const float* a, const float* b, float* c, int n, void* stream) {
    if (n % TILE) return cudaErrorInvalidValue;
    const dim3 block(TILE, TILE);
    const dim3 grid(n / TILE, n / TILE);
    matmul<<<grid, block, 0, static_cast<cudaStream_t>(stream)>>>(a, b, c, n);
    return cudaGetLastError();
}
