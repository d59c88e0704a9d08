// Warp votes: per warp, the ballot of positive values, whether any / all are
// positive, and how many lanes precede each lane with a positive value.
#include <cuda_runtime.h>

__global__ void warp_vote(const int* in, unsigned* ballots, int* any_all, int* rank, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    const int lane = threadIdx.x & 31;
    const bool positive = i < n && in[i] > 0;
    const unsigned mask = __ballot_sync(0xffffffffu, positive);
    const int any = __any_sync(0xffffffffu, positive);
    const int all = __all_sync(0xffffffffu, positive);
    const int warp = i / 32;
    if (lane == 0) {
        ballots[warp] = mask;
        any_all[2 * warp] = any;
        any_all[2 * warp + 1] = all;
    }
    if (i < n) rank[i] = __popc(mask & ((1u << lane) - 1u));
}

extern "C" cudaError_t launch_warp_vote(const int* in, unsigned* ballots, int* any_all, int* rank, int n,
                                        cudaStream_t stream) {
    warp_vote<<<(n + 127) / 128, 128, 0, stream>>>(in, ballots, any_all, rank, n);
    return cudaGetLastError();
}
