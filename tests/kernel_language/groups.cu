// Cooperative groups in a block of 64 threads: the block's ranks and sync,
// tiles of 32, 16, 8 and 4 (ranks, shfl, ballot, any, all, reduce with plus,
// greater, less) and a tile of run-time size. argv[1]: the output file.
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>

#include "harness.h"

namespace cg = cooperative_groups;
constexpr int K = 40;

template <unsigned N>
__device__ void tile_ops(cg::thread_block block, long long* o, int v) {
    cg::thread_block_tile<N> t = cg::tiled_partition<N>(block);
    o[0] = static_cast<long long>(t.thread_rank());
    o[1] = static_cast<long long>(t.size() + t.num_threads());
    o[2] = static_cast<long long>(t.meta_group_rank());
    o[3] = static_cast<long long>(t.meta_group_size());
    t.sync();
    o[4] = t.shfl(v, 1);
    o[5] = t.shfl_up(v, 1);
    o[6] = t.shfl_down(v, 1);
    o[7] = t.shfl_xor(v, 1);
    o[8] = cg::reduce(t, v, cg::plus<int>()) + 1000000LL * cg::reduce(t, v % 97, cg::greater<int>()) +
           1000000000LL * cg::reduce(t, v % 89, cg::less<int>());
}

__global__ void groups(long long* out) {
    cg::thread_block block = cg::this_thread_block();
    const int rank = static_cast<int>(block.thread_rank());
    long long* o = out + K * rank;
    const int v = rank * 13 + 5;
    o[0] = static_cast<long long>(block.size() + 1000 * block.num_threads());
    o[1] = block.thread_index().x + 100 * block.thread_index().y + 10000 * block.group_index().x;
    o[2] = block.group_dim().x + 100 * block.dim_threads().y;
    block.sync();
    cg::sync(block);
    tile_ops<32>(block, o + 3, v);
    tile_ops<16>(block, o + 12, v);
    tile_ops<8>(block, o + 21, v);
    tile_ops<4>(block, o + 30, v);
    cg::thread_block_tile<4> t4 = cg::tiled_partition<4>(block);
    o[39] = t4.ballot(v % 3 == 0) + 100 * t4.any(v % 5 == 0) + 1000 * t4.all(v % 2 == 1);
    cg::thread_group g = cg::tiled_partition(block, 8);
    g.sync();
    out[K * 64 + rank] = static_cast<long long>(g.thread_rank() + 100 * g.size());
}

int main(int, char** argv) {
    SHOW("register", harness::entry<&groups>::add("groups", true));
    long long* d = harness::device<long long>(K * 64 + 64);
    SHOW("launch", harness::launch<&groups>(dim3(1), dim3(16, 4), 0, d));
    SHOW("sync", cudaDeviceSynchronize());
    static long long h[K * 64 + 64];
    harness::fetch(h, d, K * 64 + 64);
    harness::dump(argv[1], h, K * 64 + 64);
    return 0;
}
