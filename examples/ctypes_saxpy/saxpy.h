/* The library's C interface, the same in both builds. Pointers are device
 * addresses (GPUArray.ptr), sizes and strides are in elements, `stream` is a
 * raw stream handle (0: the legacy default stream). Each launcher returns a
 * cudaError_t value (0: success). */
#ifndef SAXPY_EXAMPLE_H
#define SAXPY_EXAMPLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1: the CUDA build (launches kernels, asynchronously on `stream`);
 * 0: the host build for the simulated device (runs at once, on the calling
 * thread: the caller queues it in stream order, see saxpy_glue.py). */
int saxpy_library_is_cuda(void);

int saxpy_launch(int64_t n, float a, const float* x, int64_t incx, float* y, int64_t incy, void* stream);

int stencil_launch(int64_t rows, int64_t cols, float center, float neighbour, const float* in, int64_t in_pitch,
                   float* out, int64_t out_pitch, void* stream);

#ifdef __cplusplus
}
#endif

#endif /* SAXPY_EXAMPLE_H */
