// Cooperative groups: the block as a group, 32-thread tiles, cg::reduce over
// each tile (sum and maximum), tile results combined in shared memory.
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
#include <cuda_runtime.h>

#include <climits>

namespace cg = cooperative_groups;

__global__ void cg_reduce(const int* in, int* block_sum, int* block_max, int n) {
    cg::thread_block block = cg::this_thread_block();
    cg::thread_block_tile<32> tile = cg::tiled_partition<32>(block);
    __shared__ int tile_sums[32];
    __shared__ int tile_maxes[32];
    const int i = blockIdx.x * blockDim.x + block.thread_rank();
    const int v = i < n ? in[i] : 0;
    const int m = i < n ? in[i] : INT_MIN;
    const int s = cg::reduce(tile, v, cg::plus<int>());
    const int mx = cg::reduce(tile, m, cg::greater<int>());
    if (tile.thread_rank() == 0) {
        tile_sums[tile.meta_group_rank()] = s;
        tile_maxes[tile.meta_group_rank()] = mx;
    }
    block.sync();
    if (block.thread_rank() == 0) {
        int total = 0, top = INT_MIN;
        for (unsigned t = 0; t < tile.meta_group_size(); ++t) {
            total += tile_sums[t];
            top = max(top, tile_maxes[t]);
        }
        block_sum[blockIdx.x] = total;
        block_max[blockIdx.x] = top;
    }
}

extern "C" cudaError_t launch_cg_reduce(const int* in, int* block_sum, int* block_max, int n, cudaStream_t stream) {
    cg_reduce<<<(n + 255) / 256, 256, 0, stream>>>(in, block_sum, block_max, n);
    return cudaGetLastError();
}
