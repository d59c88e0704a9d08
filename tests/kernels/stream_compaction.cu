// Stream compaction with warp votes: each warp finds its kept elements with a
// ballot, reserves space with one atomicAdd, and each kept lane writes at its
// rank in the ballot. The output order depends on which warp runs first.
#include <cuda_runtime.h>

__global__ void compact_positive(const int* in, int* out, unsigned* count, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    const unsigned lane = threadIdx.x % warpSize;
    const bool keep = i < n && in[i] > 0;
    const unsigned ballot = __ballot_sync(__activemask(), keep);
    unsigned base = 0;
    const unsigned leader = __ffs(static_cast<int>(ballot)) - 1;
    if (keep && lane == leader) base = atomicAdd(count, static_cast<unsigned>(__popc(ballot)));
    base = __shfl_sync(__activemask(), base, ballot ? leader : 0);
    if (keep) out[base + __popc(ballot & ((1u << lane) - 1u))] = in[i];
}

extern "C" cudaError_t launch_compact_positive(const int* in, int* out, unsigned* count, int n, cudaStream_t stream) {
    compact_positive<<<(n + 255) / 256, 256, 0, stream>>>(in, out, count, n);
    return cudaGetLastError();
}
