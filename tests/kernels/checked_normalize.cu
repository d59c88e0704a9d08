// A kernel guarded by a device-side assert: every weight must be positive
// before it divides by it. Valid input runs through; a zero weight fails the
// assert (cudaErrorAssert, sticky).
#include <cassert>
#include <cuda_runtime.h>

__global__ void checked_normalize(const float* values, const float* weights, float* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const float w = weights[i];
    assert(w > 0.0f);
    out[i] = values[i] / w;
}

extern "C" cudaError_t launch_checked_normalize(const float* values, const float* weights, float* out, int n,
                                                cudaStream_t stream) {
    checked_normalize<<<(n + 127) / 128, 128, 0, stream>>>(values, weights, out, n);
    return cudaGetLastError();
}
