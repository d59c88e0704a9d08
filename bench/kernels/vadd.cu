// Barrier-free vector add, one thread per element: the loop-mode kernel.
#include <cuda_runtime.h>

__global__ void vadd(const float* a, const float* b, float* c, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = a[i] + b[i];
}

extern "C" int vadd_launch(const float* a, const float* b, float* c, int n, void* stream) {
    vadd<<<(n + 255) / 256, 256, 0, static_cast<cudaStream_t>(stream)>>>(a, b, c, n);
    return cudaGetLastError();
}
