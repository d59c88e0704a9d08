// A 1-D convolution whose filter lives in __constant__ memory, set from host
// code with cudaMemcpyToSymbol and read back with cudaMemcpyFromSymbol.
#include <cuda_runtime.h>

#define MAX_TAPS 33

__constant__ float c_taps[MAX_TAPS];
__constant__ int c_radius;

__global__ void convolve(const float* in, float* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float acc = 0.0f;
    for (int k = -c_radius; k <= c_radius; ++k) {
        const int j = i + k;
        if (j >= 0 && j < n) acc += c_taps[k + c_radius] * in[j];
    }
    out[i] = acc;
}

extern "C" cudaError_t set_filter(const float* taps, int radius) {
    if (2 * radius + 1 > MAX_TAPS) return cudaErrorInvalidValue;
    cudaError_t err = cudaMemcpyToSymbol(c_taps, taps, (2 * radius + 1) * sizeof(float));
    if (err != cudaSuccess) return err;
    return cudaMemcpyToSymbol(c_radius, &radius, sizeof(int));
}

extern "C" cudaError_t get_filter(float* taps, int* radius) {
    cudaError_t err = cudaMemcpyFromSymbol(radius, c_radius, sizeof(int));
    if (err != cudaSuccess) return err;
    return cudaMemcpyFromSymbol(taps, c_taps, (2 * *radius + 1) * sizeof(float));
}

extern "C" cudaError_t launch_convolve(const float* in, float* out, int n, cudaStream_t stream) {
    convolve<<<(n + 127) / 128, 128, 0, stream>>>(in, out, n);
    return cudaGetLastError();
}
