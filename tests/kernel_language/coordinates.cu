// threadIdx, blockIdx, blockDim, gridDim, warpSize in a 3-D grid of 3-D
// blocks, as a loop kernel and as a fiber kernel: each thread writes its
// coordinates at its global linear index. argv[1]: the output file.
#include "harness.h"

__global__ void where(unsigned* out) {
    const unsigned block = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    const unsigned thread = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
    unsigned* o = out + 16 * (block * blockDim.x * blockDim.y * blockDim.z + thread);
    const uint3 t = threadIdx, b = blockIdx;
    const dim3 bd = blockDim, gd = gridDim;
    const unsigned v[16] = {t.x, t.y, t.z, b.x, b.y, b.z, bd.x, bd.y, bd.z, gd.x, gd.y, gd.z,
                            static_cast<unsigned>(warpSize), 0, 0, 0};
    for (int i = 0; i < 16; ++i) o[i] = v[i];
}
__global__ void where_fibers(unsigned* out) { where(out); }

int main(int, char** argv) {
    SHOW("register", harness::entry<&where>::add("where", false) | harness::entry<&where_fibers>::add("where_fibers", true));
    const dim3 grid(3, 2, 2), block(4, 3, 5);
    const size_t n = 16 * 12 * 60;
    unsigned* d = harness::device<unsigned>(2 * n);
    SHOW("loop", harness::launch<&where>(grid, block, 0, d));
    SHOW("fibers", harness::launch<&where_fibers>(grid, block, 0, d + n));
    SHOW("sync", cudaDeviceSynchronize());
    static unsigned h[2 * 16 * 12 * 60];
    harness::fetch(h, d, 2 * n);
    harness::dump(argv[1], h, 2 * n);
    return 0;
}
