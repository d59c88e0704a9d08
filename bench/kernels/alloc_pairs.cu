// Stream-ordered allocation from C: `pairs` cudaMallocAsync + cudaFreeAsync
// of `bytes` on `stream` (the pool reuses the block each time), the figure of
// issue 19; noop_pairs() is the bare ctypes call it is measured against.
#include <cuda_runtime.h>

extern "C" int alloc_free_pairs(void* stream, int pairs, size_t bytes) {
    const cudaStream_t s = static_cast<cudaStream_t>(stream);
    for (int i = 0; i < pairs; ++i) {
        void* p = nullptr;
        if (cudaError_t e = cudaMallocAsync(&p, bytes, s)) return e;
        if (cudaError_t e = cudaFreeAsync(p, s)) return e;
    }
    return cudaSuccess;
}

extern "C" int noop_pairs(void* stream, int pairs, size_t bytes) {
    (void)stream;
    (void)pairs;
    (void)bytes;
    return 0;
}
