// The single-precision math API in a kernel: a few functions and intrinsics
// per element, written to separate outputs.
#include <cuda_runtime.h>

__device__ __forceinline__ float logistic(float x) { return 1.0f / (1.0f + expf(-x)); }

__global__ void math_functions(const float* x, float* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const float v = x[i];
    out[0 * n + i] = sinf(v) * cosf(v);
    out[1 * n + i] = sqrtf(fabsf(v)) + rsqrtf(1.0f + v * v);
    out[2 * n + i] = logistic(v);
    out[3 * n + i] = fmaf(v, v, -1.0f);
    out[4 * n + i] = __saturatef(v);
    out[5 * n + i] = static_cast<float>(__float2int_rn(v * 10.0f));
    out[6 * n + i] = fminf(fmaxf(v, -0.5f), 0.5f);
    out[7 * n + i] = log1pf(fabsf(v)) + tanhf(v);
}

extern "C" cudaError_t launch_math_functions(const float* x, float* out, int n, cudaStream_t stream) {
    math_functions<<<(n + 63) / 64, 64, 0, stream>>>(x, out, n);
    return cudaGetLastError();
}
