// Byte histograms with atomics: straight into global memory, and privatised
// per block in shared memory (atomics on shared, then one global atomicAdd per
// bin and block).
#include <cuda_runtime.h>

#define BINS 256

__global__ void histogram_global(const unsigned char* data, unsigned* bins, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        atomicAdd(&bins[data[i]], 1u);
    }
}

__global__ void histogram_shared(const unsigned char* data, unsigned* bins, int n) {
    __shared__ unsigned local[BINS];
    for (int b = threadIdx.x; b < BINS; b += blockDim.x) local[b] = 0;
    __syncthreads();
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        atomicAdd(&local[data[i]], 1u);
    }
    __syncthreads();
    for (int b = threadIdx.x; b < BINS; b += blockDim.x) {
        if (local[b] != 0) atomicAdd(&bins[b], local[b]);
    }
}

extern "C" cudaError_t launch_histogram_global(const unsigned char* data, unsigned* bins, int n,
                                               cudaStream_t stream) {
    histogram_global<<<16, 256, 0, stream>>>(data, bins, n);
    return cudaGetLastError();
}

extern "C" cudaError_t launch_histogram_shared(const unsigned char* data, unsigned* bins, int n,
                                               cudaStream_t stream) {
    histogram_shared<<<12, 192, 0, stream>>>(data, bins, n);
    return cudaGetLastError();
}
