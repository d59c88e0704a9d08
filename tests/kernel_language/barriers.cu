// __syncthreads and its counting forms, in a block of 3 warps (32 x 3):
// each thread records what every barrier returned. argv[1]: the output file.
#include "harness.h"

__global__ void barriers(int* out, int n) {
    const int tid = static_cast<int>(threadIdx.y * blockDim.x + threadIdx.x);
    int* o = out + 8 * (static_cast<int>(blockIdx.x) * n + tid);
    __syncthreads();
    o[0] = __syncthreads_count(tid % 3 == 0);
    o[1] = __syncthreads_count(7);  // any nonzero predicate counts once
    o[2] = __syncthreads_and(tid < n);
    o[3] = __syncthreads_and(tid < n - 1);
    o[4] = __syncthreads_or(tid == n - 1);
    o[5] = __syncthreads_or(tid > n);
    o[6] = __syncthreads_count(0);
    __syncthreads();
    o[7] = 1;
}

int main(int, char** argv) {
    SHOW("register", harness::entry<&barriers>::add("barriers", true));
    const int n = 96, blocks = 4;
    int* d = harness::device<int>(8 * n * blocks);
    SHOW("launch", harness::launch<&barriers>(dim3(blocks), dim3(32, 3), 0, d, n));
    SHOW("sync", cudaDeviceSynchronize());
    static int h[8 * 96 * 4];
    harness::fetch(h, d, 8 * n * blocks);
    harness::dump(argv[1], h, 8 * n * blocks);
    return 0;
}
