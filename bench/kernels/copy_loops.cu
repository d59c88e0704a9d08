// Synchronous copies from C: `copies` cudaMemcpy of `bytes` between device
// memory and a pageable host buffer, on the legacy default stream with
// nothing queued (the copies of a to_gpu(x).get() round trip), the figures of
// issue 19; noop_copies() is the bare ctypes call they are measured against.
#include <cuda_runtime.h>

extern "C" int memcpy_loop(void* dst, const void* src, size_t bytes, int kind, int copies) {
    for (int i = 0; i < copies; ++i) {
        if (cudaError_t e = cudaMemcpy(dst, src, bytes, static_cast<cudaMemcpyKind>(kind))) return e;
    }
    return cudaSuccess;
}

extern "C" int noop_copies(void* dst, const void* src, size_t bytes, int kind, int copies) {
    (void)dst;
    (void)src;
    (void)bytes;
    (void)kind;
    (void)copies;
    return 0;
}
