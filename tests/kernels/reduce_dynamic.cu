// Block sum with dynamic shared memory (extern __shared__), its size chosen at
// launch; the block size is a run-time argument. Accumulates in double.
#include <cuda_runtime.h>

__global__ void reduce_dynamic(const float* in, double* partial, int n) {
    extern __shared__ double scratch[];
    const unsigned tid = threadIdx.x;
    double v = 0.0;
    for (int i = blockIdx.x * blockDim.x + tid; i < n; i += blockDim.x * gridDim.x) v += in[i];
    scratch[tid] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s) scratch[tid] += scratch[tid + s];
        __syncthreads();
    }
    if (tid == 0) partial[blockIdx.x] = scratch[0];
}

extern "C" cudaError_t launch_reduce_dynamic(const float* in, double* partial, int n, int blocks, int threads,
                                             cudaStream_t stream) {
    reduce_dynamic<<<blocks, threads, threads * sizeof(double), stream>>>(in, partial, n);
    return cudaGetLastError();
}
