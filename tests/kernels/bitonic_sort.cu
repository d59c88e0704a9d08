// Bitonic sort of 1024-element segments in shared memory, one block of 512
// threads per segment, each thread a compare-exchange per stage.
#include <cuda_runtime.h>

#define SEGMENT 1024

__device__ __forceinline__ void compare_exchange(int& a, int& b, bool ascending) {
    if ((a > b) == ascending) {
        const int t = a;
        a = b;
        b = t;
    }
}

__global__ void bitonic_sort(int* data) {
    __shared__ int keys[SEGMENT];
    int* segment = data + blockIdx.x * SEGMENT;
    keys[threadIdx.x] = segment[threadIdx.x];
    keys[threadIdx.x + SEGMENT / 2] = segment[threadIdx.x + SEGMENT / 2];
    for (unsigned size = 2; size <= SEGMENT; size <<= 1) {
        const bool ascending = (threadIdx.x & (size / 2)) == 0;
        for (unsigned stride = size / 2; stride > 0; stride >>= 1) {
            __syncthreads();
            const unsigned pos = 2 * threadIdx.x - (threadIdx.x & (stride - 1));
            compare_exchange(keys[pos], keys[pos + stride], ascending || size == SEGMENT);
        }
    }
    __syncthreads();
    segment[threadIdx.x] = keys[threadIdx.x];
    segment[threadIdx.x + SEGMENT / 2] = keys[threadIdx.x + SEGMENT / 2];
}

extern "C" cudaError_t launch_bitonic_sort(int* data, int segments, cudaStream_t stream) {
    bitonic_sort<<<segments, SEGMENT / 2, 0, stream>>>(data);
    return cudaGetLastError();
}
