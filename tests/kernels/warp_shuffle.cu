// Shuffles: a broadcast from lane 5 (__shfl_sync), a butterfly maximum over
// the warp (__shfl_xor_sync), and an inclusive warp scan (__shfl_up_sync),
// plus a segmented sum over 8-lane groups (the width argument).
#include <cuda_runtime.h>

__global__ void warp_shuffle(const int* in, int* broadcast, int* maximum, int* scan, int* group_sum) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    const int lane = threadIdx.x % 32;
    const int v = in[i];
    broadcast[i] = __shfl_sync(0xffffffffu, v, 5);
    int m = v;
    for (int mask = 16; mask > 0; mask >>= 1) m = max(m, __shfl_xor_sync(0xffffffffu, m, mask));
    maximum[i] = m;
    int s = v;
    for (int d = 1; d < 32; d <<= 1) {
        const int up = __shfl_up_sync(0xffffffffu, s, d);
        if (lane >= d) s += up;
    }
    scan[i] = s;
    int g = v;
    for (int d = 4; d > 0; d >>= 1) g += __shfl_down_sync(0xffffffffu, g, d, 8);
    group_sum[i] = __shfl_sync(0xffffffffu, g, 0, 8);
}

extern "C" cudaError_t launch_warp_shuffle(const int* in, int* broadcast, int* maximum, int* scan, int* group_sum,
                                           int n, cudaStream_t stream) {
    // n is a multiple of 64: two warps per block, every lane present.
    warp_shuffle<<<n / 64, 64, 0, stream>>>(in, broadcast, maximum, scan, group_sum);
    return cudaGetLastError();
}
