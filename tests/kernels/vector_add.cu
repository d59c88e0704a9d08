// Element-wise vector addition, one thread per element: the first CUDA kernel.
// Launched with <<<>>> and, for the same kernel, through cudaLaunchKernel.
#include <cuda_runtime.h>

__global__ void vector_add(const float* a, const float* b, float* c, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        c[i] = a[i] + b[i];
    }
}

extern "C" cudaError_t launch_vector_add(const float* a, const float* b, float* c, int n, cudaStream_t stream) {
    const int threads = 256;
    const int blocks = (n + threads - 1) / threads;
    vector_add<<<blocks, threads, 0, stream>>>(a, b, c, n);
    return cudaGetLastError();
}

extern "C" cudaError_t launch_vector_add_api(const float* a, const float* b, float* c, int n, cudaStream_t stream) {
    void* args[] = {&a, &b, &c, &n};
    const dim3 block(128);
    const dim3 grid((n + block.x - 1) / block.x);
    cudaError_t err = cudaLaunchKernel(reinterpret_cast<const void*>(&vector_add), grid, block, args, 0, stream);
    if (err != cudaSuccess) return err;
    return cudaGetLastError();
}
