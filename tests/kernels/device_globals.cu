// __device__ variables: a global counter and a lookup table, reached from host
// code through cudaGetSymbolAddress and the symbol copies.
#include <cuda_runtime.h>

__device__ unsigned long long d_matches = 0;
__device__ int d_table[16];

__global__ void count_matches(const int* keys, int* values, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const int k = keys[i] & 15;
    values[i] = d_table[k];
    if (d_table[k] < 0) atomicAdd(&d_matches, 1ull);
}

extern "C" cudaError_t set_table(const int* table, cudaStream_t stream) {
    cudaError_t err = cudaMemcpyToSymbolAsync(d_table, table, sizeof(d_table), 0, cudaMemcpyHostToDevice, stream);
    if (err != cudaSuccess) return err;
    return cudaStreamSynchronize(stream);
}

extern "C" cudaError_t reset_matches(cudaStream_t stream) {
    void* address = nullptr;
    cudaError_t err = cudaGetSymbolAddress(&address, d_matches);
    if (err != cudaSuccess) return err;
    return cudaMemsetAsync(address, 0, sizeof(unsigned long long), stream);
}

extern "C" cudaError_t get_matches(unsigned long long* matches) {
    return cudaMemcpyFromSymbol(matches, d_matches, sizeof(unsigned long long));
}

extern "C" cudaError_t launch_count_matches(const int* keys, int* values, int n, cudaStream_t stream) {
    count_matches<<<(n + 255) / 256, 256, 0, stream>>>(keys, values, n);
    return cudaGetLastError();
}
