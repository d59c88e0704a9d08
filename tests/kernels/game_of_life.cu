// Conway's game of life on a torus: a 2-D stencil on bytes, exact.
#include <cuda_runtime.h>

__global__ void life_step(const unsigned char* cells, unsigned char* next, int width, int height) {
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= width || y >= height) return;
    int alive = 0;
    for (int dy = -1; dy <= 1; ++dy) {
        for (int dx = -1; dx <= 1; ++dx) {
            if (dx == 0 && dy == 0) continue;
            const int nx = (x + dx + width) % width;
            const int ny = (y + dy + height) % height;
            alive += cells[ny * width + nx];
        }
    }
    const unsigned char self = cells[y * width + x];
    next[y * width + x] = (alive == 3 || (self && alive == 2)) ? 1 : 0;
}

extern "C" cudaError_t launch_life_step(const unsigned char* cells, unsigned char* next, int width, int height,
                                        cudaStream_t stream) {
    const dim3 block(32, 8);
    const dim3 grid((width + block.x - 1) / block.x, (height + block.y - 1) / block.y);
    life_step<<<grid, block, 0, stream>>>(cells, next, width, height);
    return cudaGetLastError();
}
