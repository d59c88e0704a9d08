// Inclusive prefix sum of one block's segment (Hillis and Steele): log2(n)
// steps over a double buffer in shared memory, a barrier after each step.
#include <cuda_runtime.h>

#define SCAN_BLOCK 512

__global__ void scan_hillis_steele(const int* in, int* out, int n) {
    __shared__ int buffer[2][SCAN_BLOCK];
    const int tid = threadIdx.x;
    const int i = blockIdx.x * SCAN_BLOCK + tid;
    int pout = 0, pin = 1;
    buffer[pout][tid] = i < n ? in[i] : 0;
    __syncthreads();
    for (int offset = 1; offset < SCAN_BLOCK; offset *= 2) {
        pout = 1 - pout;
        pin = 1 - pout;
        if (tid >= offset)
            buffer[pout][tid] = buffer[pin][tid] + buffer[pin][tid - offset];
        else
            buffer[pout][tid] = buffer[pin][tid];
        __syncthreads();
    }
    if (i < n) out[i] = buffer[pout][tid];
}

extern "C" cudaError_t launch_scan_hillis_steele(const int* in, int* out, int n, cudaStream_t stream) {
    scan_hillis_steele<<<(n + SCAN_BLOCK - 1) / SCAN_BLOCK, SCAN_BLOCK, 0, stream>>>(in, out, n);
    return cudaGetLastError();
}
