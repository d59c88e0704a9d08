// Every warp intrinsic with full and partial masks and every width, in
// blocks of 48 threads (a full warp and a warp of 16 lanes): each thread
// writes K results (-1: not taking part). argv[1]: the output file.
#include <cuda_fp16.h>

#include "harness.h"

constexpr int K = 48;

__global__ void warps(long long* out) {
    const int tid = static_cast<int>(threadIdx.x);
    const int lane = tid % 32;
    const unsigned lanes = blockDim.x - static_cast<unsigned>(tid / 32 * 32) < 32 ? blockDim.x % 32 : 32;
    long long* o = out + K * (static_cast<int>(blockIdx.x * blockDim.x) + tid);
    for (int k = 0; k < K; ++k) o[k] = -1;
    const unsigned full = 0xffffffffu;
    const unsigned val = static_cast<unsigned>(tid * 7 + 3 + static_cast<int>(blockIdx.x) * 1000);
    const int widths[5] = {32, 16, 8, 4, 2};
    o[0] = __shfl_sync(full, val, static_cast<int>((static_cast<unsigned>(lane) * 5 + 3) % lanes));
    for (int w = 0; w < 5; ++w) {
        o[1 + w] = __shfl_sync(full, val, lane * 3 + 1, widths[w]);
        o[6 + w] = __shfl_up_sync(full, val, 3, widths[w]);
        o[11 + w] = __shfl_down_sync(full, val, 3, widths[w]);
        o[16 + w] = __shfl_xor_sync(full, val, 5, widths[w]);
    }
    o[21] = __ballot_sync(full, val % 3 == 0);
    o[22] = __any_sync(full, lane == 7);
    o[23] = __all_sync(full, val > 0);
    o[24] = __all_sync(full, lane != 5);
    o[25] = __activemask();
    o[26] = __match_any_sync(full, val % 4);
    int pred = -1;
    o[27] = __match_all_sync(full, 5, &pred);
    o[28] = pred;
    o[29] = __match_all_sync(full, lane, &pred);
    o[30] = pred;
    o[31] = __reduce_add_sync(full, val);
    o[32] = __reduce_min_sync(full, val);
    o[33] = __reduce_max_sync(full, val);
    o[34] = __reduce_and_sync(full, val);
    o[35] = __reduce_or_sync(full, val);
    o[36] = __reduce_xor_sync(full, val);
    o[37] = __reduce_add_sync(full, -static_cast<int>(val));
    __syncwarp();
    o[38] = 1;
    if (lane % 2 == 0) {  // the even lanes only
        o[39] = __ballot_sync(0x55555555u, lane % 4 == 0);
        o[40] = __shfl_sync(0x55555555u, val, (lane + 2) & 31);
    }
    if (lane < 16) {  // the two halves of a warp at different sites, with their own masks
        o[41] = __reduce_add_sync(0x0000ffffu, val);
        o[42] = __shfl_xor_sync(0x0000ffffu, val, 1, 16);
        __syncwarp(0x0000ffffu);
        o[43] = 1;
    } else {
        o[41] = __reduce_max_sync(0xffff0000u, val);
        o[42] = __shfl_down_sync(0xffff0000u, val, 2, 16);
        __syncwarp(0xffff0000u);
        o[43] = 2;
    }
    o[44] = static_cast<long long>(2.0 * __shfl_xor_sync(full, 0.5 * val, 1));
    o[45] = static_cast<long long>(__shfl_up_sync(full, static_cast<float>(val), 1));
    o[46] = __shfl_down_sync(full, static_cast<long long>(val) << 33, 1) >> 33;
    o[47] = static_cast<long long>(__half2float(__shfl_sync(full, __float2half(static_cast<float>(val % 1000)), 0)));
}

int main(int, char** argv) {
    SHOW("register", harness::entry<&warps>::add("warps", true));
    const int threads = 48, blocks = 2;
    long long* d = harness::device<long long>(K * threads * blocks);
    SHOW("launch", harness::launch<&warps>(dim3(blocks), dim3(threads), 0, d));
    SHOW("sync", cudaDeviceSynchronize());
    static long long h[K * 48 * 2];
    harness::fetch(h, d, K * threads * blocks);
    harness::dump(argv[1], h, K * threads * blocks);
    return 0;
}
