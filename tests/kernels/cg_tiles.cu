// Cooperative-groups tiles smaller than a warp: a tile-wide sum with
// tile.shfl_down, the tile minimum with cg::reduce and cg::less, votes on the
// tile, and cg::sync on the block between two phases.
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
#include <cuda_runtime.h>

namespace cg = cooperative_groups;

template <typename Tile>
__device__ int tile_sum(const Tile& tile, int v) {
    for (unsigned offset = tile.size() / 2; offset > 0; offset /= 2) v += tile.shfl_down(v, offset);
    return tile.shfl(v, 0);
}

__global__ void cg_tiles(const int* in, int* sums8, int* mins16, unsigned* votes, int* rotated) {
    cg::thread_block block = cg::this_thread_block();
    auto tile8 = cg::tiled_partition<8>(block);
    auto tile16 = cg::tiled_partition<16>(block);
    __shared__ int staged[128];
    const unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    const int v = in[i];
    sums8[i] = tile_sum(tile8, v);
    mins16[i] = cg::reduce(tile16, v, cg::less<int>());
    // Votes are collective: every thread of the tile takes part, one writes.
    const unsigned ballot = tile16.ballot(v % 2 == 0);
    const bool any_high = tile16.any(v > 90);
    const bool all_non_negative = tile16.all(v >= 0);
    if (tile16.thread_rank() == 0) {
        const unsigned group = i / 16;
        votes[3 * group] = ballot;
        votes[3 * group + 1] = any_high ? 1u : 0u;
        votes[3 * group + 2] = all_non_negative ? 1u : 0u;
    }
    staged[block.thread_rank()] = v;
    cg::sync(block);
    rotated[i] = staged[(block.thread_rank() + 1) % block.size()];
}

extern "C" cudaError_t launch_cg_tiles(const int* in, int* sums8, int* mins16, unsigned* votes, int* rotated, int n,
                                       cudaStream_t stream) {
    // n is a multiple of 128.
    cg_tiles<<<n / 128, 128, 0, stream>>>(in, sums8, mins16, votes, rotated);
    return cudaGetLastError();
}
