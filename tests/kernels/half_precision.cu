// Half precision: y = a * x + y on __half with the arithmetic intrinsics, and
// on __half2 pairs with the operators; conversions to and from float.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

__global__ void haxpy(int n, __half a, const __half* x, __half* y) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = __hadd(__hmul(a, x[i]), y[i]);
}

__global__ void haxpy2(int pairs, float a, const __half2* x, __half2* y) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < pairs) {
        const __half2 a2 = __float2half2_rn(a);
        const __half2 prod = a2 * x[i];
        y[i] = prod + y[i];
    }
}

__global__ void half_to_float(const __half* h, float* f, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) f[i] = __half2float(h[i]) * 2.0f;
}

extern "C" cudaError_t launch_haxpy(int n, float a, const __half* x, __half* y, cudaStream_t stream) {
    haxpy<<<(n + 127) / 128, 128, 0, stream>>>(n, __float2half(a), x, y);
    return cudaGetLastError();
}

extern "C" cudaError_t launch_haxpy2(int n, float a, const __half* x, __half* y, cudaStream_t stream) {
    const int pairs = n / 2;
    haxpy2<<<(pairs + 127) / 128, 128, 0, stream>>>(pairs, a, reinterpret_cast<const __half2*>(x),
                                                    reinterpret_cast<__half2*>(y));
    return cudaGetLastError();
}

extern "C" cudaError_t launch_half_to_float(const __half* h, float* f, int n, cudaStream_t stream) {
    half_to_float<<<(n + 127) / 128, 128, 0, stream>>>(h, f, n);
    return cudaGetLastError();
}
