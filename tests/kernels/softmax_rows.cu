// Row-wise softmax, one block per row: a block maximum and a block sum, each a
// shared-memory reduction, then exp(x - max) / sum.
#include <cuda_runtime.h>

template <int Threads>
__device__ float block_reduce_max(float v, float* scratch) {
    scratch[threadIdx.x] = v;
    __syncthreads();
    for (int s = Threads / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) scratch[threadIdx.x] = fmaxf(scratch[threadIdx.x], scratch[threadIdx.x + s]);
        __syncthreads();
    }
    const float result = scratch[0];
    __syncthreads();  // scratch is reused by the next reduction
    return result;
}

template <int Threads>
__device__ float block_reduce_sum(float v, float* scratch) {
    scratch[threadIdx.x] = v;
    __syncthreads();
    for (int s = Threads / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) scratch[threadIdx.x] += scratch[threadIdx.x + s];
        __syncthreads();
    }
    const float result = scratch[0];
    __syncthreads();
    return result;
}

template <int Threads>
__global__ void softmax_rows(const float* in, float* out, int cols) {
    __shared__ float scratch[Threads];
    const float* row = in + static_cast<size_t>(blockIdx.x) * cols;
    float* dst = out + static_cast<size_t>(blockIdx.x) * cols;
    float m = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += Threads) m = fmaxf(m, row[c]);
    m = block_reduce_max<Threads>(m, scratch);
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += Threads) s += expf(row[c] - m);
    s = block_reduce_sum<Threads>(s, scratch);
    for (int c = threadIdx.x; c < cols; c += Threads) dst[c] = expf(row[c] - m) / s;
}

extern "C" cudaError_t launch_softmax_rows(const float* in, float* out, int rows, int cols, cudaStream_t stream) {
    softmax_rows<128><<<rows, 128, 0, stream>>>(in, out, cols);
    return cudaGetLastError();
}
