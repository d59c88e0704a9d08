// Integer intrinsics: population count, leading zeros, first set bit, bit
// reversal, 24-bit multiply, integer min/max overloads.
#include <cuda_runtime.h>

struct BitStats {
    int popc;
    int clz;
    int ffs;
    unsigned brev;
    int mul24;
    int lo;
    int hi;
};

__global__ void bit_stats(const unsigned* in, BitStats* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const unsigned v = in[i];
    BitStats s;
    s.popc = __popc(v);
    s.clz = __clz(static_cast<int>(v));
    s.ffs = __ffs(static_cast<int>(v));
    s.brev = __brev(v);
    s.mul24 = __mul24(static_cast<int>(v & 0x7FFu), static_cast<int>((v >> 11) & 0x7FFu));
    s.lo = min(static_cast<int>(v & 0xFFFFu), static_cast<int>(v >> 16));
    s.hi = max(static_cast<int>(v & 0xFFFFu), static_cast<int>(v >> 16));
    out[i] = s;
}

extern "C" cudaError_t launch_bit_stats(const unsigned* in, BitStats* out, int n, cudaStream_t stream) {
    bit_stats<<<(n + 127) / 128, 128, 0, stream>>>(in, out, n);
    return cudaGetLastError();
}
