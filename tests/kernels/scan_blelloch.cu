// Work-efficient exclusive scan (Blelloch): an up-sweep builds partial sums in
// place, the root is cleared, a down-sweep distributes them. Each block scans
// 2 * blockDim.x elements in dynamic shared memory and writes its total.
#include <cuda_runtime.h>

__global__ void scan_blelloch(const unsigned* in, unsigned* out, unsigned* block_sums, int n) {
    extern __shared__ unsigned temp[];
    const int tid = threadIdx.x;
    const int m = 2 * blockDim.x;
    const int base = blockIdx.x * m;
    temp[2 * tid] = base + 2 * tid < n ? in[base + 2 * tid] : 0u;
    temp[2 * tid + 1] = base + 2 * tid + 1 < n ? in[base + 2 * tid + 1] : 0u;
    int offset = 1;
    for (int d = m >> 1; d > 0; d >>= 1) {
        __syncthreads();
        if (tid < d) {
            const int ai = offset * (2 * tid + 1) - 1;
            const int bi = offset * (2 * tid + 2) - 1;
            temp[bi] += temp[ai];
        }
        offset *= 2;
    }
    if (tid == 0) {
        block_sums[blockIdx.x] = temp[m - 1];
        temp[m - 1] = 0;
    }
    for (int d = 1; d < m; d *= 2) {
        offset >>= 1;
        __syncthreads();
        if (tid < d) {
            const int ai = offset * (2 * tid + 1) - 1;
            const int bi = offset * (2 * tid + 2) - 1;
            const unsigned t = temp[ai];
            temp[ai] = temp[bi];
            temp[bi] += t;
        }
    }
    __syncthreads();
    if (base + 2 * tid < n) out[base + 2 * tid] = temp[2 * tid];
    if (base + 2 * tid + 1 < n) out[base + 2 * tid + 1] = temp[2 * tid + 1];
}

extern "C" cudaError_t launch_scan_blelloch(const unsigned* in, unsigned* out, unsigned* block_sums, int n,
                                            int threads, cudaStream_t stream) {
    const int per_block = 2 * threads;
    const int blocks = (n + per_block - 1) / per_block;
    scan_blelloch<<<blocks, threads, per_block * sizeof(unsigned), stream>>>(in, out, block_sums, n);
    return cudaGetLastError();
}
