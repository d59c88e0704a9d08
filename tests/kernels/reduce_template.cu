// A reduction templated over the element type and the block size: the block
// size is a compile-time constant, so the loop unrolls; the last warp finishes
// with __syncwarp between the steps (lock-step warps are not guaranteed since
// Volta).
#include <cuda_runtime.h>

template <typename T, unsigned BlockSize>
__device__ void warp_finish(T* sdata, unsigned tid) {
    // Read, wait for the whole warp, then write: no lane overwrites a value
    // another lane has yet to read.
    T v = sdata[tid];
#pragma unroll
    for (unsigned s = BlockSize >= 64 ? 32 : BlockSize / 2; s > 0; s >>= 1) {
        v += sdata[tid + s];
        __syncwarp();
        sdata[tid] = v;
        __syncwarp();
    }
}

template <typename T, unsigned BlockSize>
__global__ void reduce_template(const T* in, T* partial, unsigned n) {
    __shared__ T sdata[BlockSize];
    const unsigned tid = threadIdx.x;
    T sum = T(0);
    for (unsigned i = blockIdx.x * BlockSize + tid; i < n; i += BlockSize * gridDim.x) sum += in[i];
    sdata[tid] = sum;
    __syncthreads();
#pragma unroll
    for (unsigned s = BlockSize / 2; s > 32; s >>= 1) {
        if (tid < s) sdata[tid] += sdata[tid + s];
        __syncthreads();
    }
    if (tid < 32) warp_finish<T, BlockSize>(sdata, tid);
    if (tid == 0) partial[blockIdx.x] = sdata[0];
}

template <typename T, unsigned BlockSize>
static cudaError_t launch(const T* in, T* partial, unsigned n, unsigned blocks, cudaStream_t stream) {
    reduce_template<T, BlockSize><<<blocks, BlockSize, 0, stream>>>(in, partial, n);
    return cudaGetLastError();
}

extern "C" cudaError_t launch_reduce_int_256(const int* in, int* partial, unsigned n, unsigned blocks,
                                             cudaStream_t stream) {
    return launch<int, 256>(in, partial, n, blocks, stream);
}

extern "C" cudaError_t launch_reduce_float_128(const float* in, float* partial, unsigned n, unsigned blocks,
                                               cudaStream_t stream) {
    return launch<float, 128>(in, partial, n, blocks, stream);
}

extern "C" cudaError_t launch_reduce_double_512(const double* in, double* partial, unsigned n, unsigned blocks,
                                                cudaStream_t stream) {
    return launch<double, 512>(in, partial, n, blocks, stream);
}

extern "C" cudaError_t launch_reduce_ull_64(const unsigned long long* in, unsigned long long* partial, unsigned n,
                                            unsigned blocks, cudaStream_t stream) {
    return launch<unsigned long long, 64>(in, partial, n, blocks, stream);
}
