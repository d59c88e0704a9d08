// A 3x3 box blur through a shared-memory tile with a one-cell halo: every
// thread loads its cell, the edge threads load the halo, __syncthreads, then
// each thread reads its nine neighbours from the tile. Clamped at the edges.
#include <cuda_runtime.h>

#define TILE 16

__device__ __forceinline__ int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

__global__ void box_blur_shared(const float* in, float* out, int width, int height) {
    __shared__ float tile[TILE + 2][TILE + 2];
    const int x = blockIdx.x * TILE + threadIdx.x;
    const int y = blockIdx.y * TILE + threadIdx.y;
    // The tile covers [x0 - 1, x0 + TILE] x [y0 - 1, y0 + TILE]; threads cooperate to fill it.
    for (int ty = threadIdx.y; ty < TILE + 2; ty += TILE) {
        for (int tx = threadIdx.x; tx < TILE + 2; tx += TILE) {
            const int gx = clampi(static_cast<int>(blockIdx.x * TILE) + tx - 1, 0, width - 1);
            const int gy = clampi(static_cast<int>(blockIdx.y * TILE) + ty - 1, 0, height - 1);
            tile[ty][tx] = in[gy * width + gx];
        }
    }
    __syncthreads();
    if (x >= width || y >= height) return;
    float sum = 0.0f;
    for (int dy = 0; dy < 3; ++dy)
        for (int dx = 0; dx < 3; ++dx)
            sum += tile[threadIdx.y + dy][threadIdx.x + dx];
    out[y * width + x] = sum / 9.0f;
}

extern "C" cudaError_t launch_box_blur_shared(const float* in, float* out, int width, int height,
                                              cudaStream_t stream) {
    const dim3 block(TILE, TILE);
    const dim3 grid((width + TILE - 1) / TILE, (height + TILE - 1) / TILE);
    box_blur_shared<<<grid, block, 0, stream>>>(in, out, width, height);
    return cudaGetLastError();
}
