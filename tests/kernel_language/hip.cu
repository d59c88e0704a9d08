// HIP's names over the simulated device: hipMalloc, hipMemcpy, hipLaunchKernelGGL
// (arguments converted to the parameter types), hipThreadIdx_x, __shfl_down,
// hipError_t with HIP's values and names.
#include <hip/hip_runtime.h>

#include "harness.h"

__global__ void warp_sums(const float* in, double* out, int n) {
    const int i = static_cast<int>(hipBlockIdx_x * hipBlockDim_x + hipThreadIdx_x);
    float v = i < n ? in[i] : 0.0f;
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down(v, offset);
    if (hipThreadIdx_x % 32 == 0) out[i / 32] = v;
}

int main() {
    SHOW("register", harness::entry<&warp_sums>::add("warp_sums", true));
    const int n = 256;
    float host[n];
    for (int i = 0; i < n; ++i) host[i] = static_cast<float>(i);
    float* in = nullptr;
    double* out = nullptr;
    SHOW("malloc", hipMalloc(&in, n * sizeof(float)) | hipMalloc(&out, n / 32 * sizeof(double)));
    SHOW("copy", hipMemcpy(in, host, n * sizeof(float), hipMemcpyHostToDevice));
    hipStream_t s = nullptr;
    SHOW("stream", hipStreamCreate(&s));
    hipLaunchKernelGGL(warp_sums, dim3(n / 64), dim3(64), 0, s, in, out, n);  // float* -> const float*
    SHOW("launch", hipGetLastError());
    SHOW("sync", hipStreamSynchronize(s));
    double sums[n / 32];
    SHOW("back", hipMemcpy(sums, out, sizeof sums, hipMemcpyDeviceToHost));
    bool ok = true;
    for (int w = 0; w < n / 32; ++w) ok = ok && sums[w] == 32.0 * (32 * w) + 496.0;
    SHOW("sums_ok", ok);
    SHOW("invalid", hipMemcpy(nullptr, host, 4, hipMemcpyHostToDevice));
    std::printf("name %s\n", hipGetErrorName(hipErrorInvalidValue));
    std::printf("name2 %s\n", hipGetErrorName(static_cast<hipError_t>(hipErrorIllegalAddress)));
    SHOW("values", hipErrorInvalidDeviceFunction * 1000 + hipErrorNotReady);
    return 0;
}
