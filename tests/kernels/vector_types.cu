// Vector types: float4 loads and stores (four elements per thread), make_float4,
// and int2 pairs reduced to a per-pair result.
#include <cuda_runtime.h>

__global__ void scale4(const float4* in, float4* out, float s, int n4) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n4) return;
    const float4 v = in[i];
    out[i] = make_float4(v.x * s, v.y * s + 1.0f, v.z - v.w, v.w * v.x);
}

__global__ void pair_ops(const int2* pairs, int4* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const int2 p = pairs[i];
    out[i] = make_int4(p.x + p.y, p.x - p.y, min(p.x, p.y), max(p.x, p.y));
}

extern "C" cudaError_t launch_scale4(const float* in, float* out, float s, int n, cudaStream_t stream) {
    const int n4 = n / 4;
    scale4<<<(n4 + 127) / 128, 128, 0, stream>>>(reinterpret_cast<const float4*>(in), reinterpret_cast<float4*>(out),
                                                  s, n4);
    return cudaGetLastError();
}

extern "C" cudaError_t launch_pair_ops(const int* pairs, int* out, int n, cudaStream_t stream) {
    pair_ops<<<(n + 127) / 128, 128, 0, stream>>>(reinterpret_cast<const int2*>(pairs), reinterpret_cast<int4*>(out),
                                                   n);
    return cudaGetLastError();
}
