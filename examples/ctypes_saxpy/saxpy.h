/* The library's C interface, the same in both builds of saxpy.cu. Pointers
 * are device addresses (GPUArray.ptr), sizes and strides are in elements,
 * `stream` is a raw stream handle (0: the legacy default stream). Each
 * launcher queues its kernel on `stream` and returns a cudaError_t value
 * (0: success). */
#ifndef SAXPY_EXAMPLE_H
#define SAXPY_EXAMPLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

int saxpy_launch(int64_t n, float a, const float* x, int64_t incx, float* y, int64_t incy, void* stream);

int stencil_launch(int64_t rows, int64_t cols, float center, float neighbour, const float* in, int64_t in_pitch,
                   float* out, int64_t out_pitch, void* stream);

#ifdef __cplusplus
}
#endif

#endif /* SAXPY_EXAMPLE_H */
