// A 3-D grid of 3-D blocks over a volume whose sides are not multiples of the
// block: out[z][y][x] = a hash of the coordinates and of the block's place.
#include <cuda_runtime.h>

__global__ void fill_volume(unsigned* out, int nx, int ny, int nz) {
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;
    const int z = blockIdx.z * blockDim.z + threadIdx.z;
    if (x >= nx || y >= ny || z >= nz) return;
    const unsigned block = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    const unsigned thread = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
    out[(static_cast<size_t>(z) * ny + y) * nx + x] = (block << 16) ^ (thread << 4) ^ (x * 7u + y * 13u + z * 31u);
}

extern "C" cudaError_t launch_fill_volume(unsigned* out, int nx, int ny, int nz, cudaStream_t stream) {
    const dim3 block(8, 4, 4);
    const dim3 grid((nx + block.x - 1) / block.x, (ny + block.y - 1) / block.y, (nz + block.z - 1) / block.z);
    fill_volume<<<grid, block, 0, stream>>>(out, nx, ny, nz);
    return cudaGetLastError();
}
