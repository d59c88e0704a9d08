// The host build, for PyGPU's simulated device, whose device memory is host
// memory: the same element functions, run by a loop on the calling thread.
//   c++ -O2 -shared -fPIC -o libsaxpy_host.so saxpy_host.cpp
// It runs synchronously and ignores `stream`: saxpy_glue.py queues the call
// on the stream (cudaLaunchHostFunc), so it runs in stream order, after the
// work queued before it and before the work queued after it, as a kernel.
#include "kernels.h"
#include "saxpy.h"

extern "C" int saxpy_library_is_cuda(void) { return 0; }

extern "C" int saxpy_launch(int64_t n, float a, const float* x, int64_t incx, float* y, int64_t incy,
                            void* /*stream*/) {
    for (int64_t i = 0; i < n; ++i) saxpy_element(i, a, x, incx, y, incy);
    return 0;
}

extern "C" int stencil_launch(int64_t rows, int64_t cols, float center, float neighbour, const float* in,
                              int64_t in_pitch, float* out, int64_t out_pitch, void* /*stream*/) {
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j)
            stencil_element(i, j, rows, cols, center, neighbour, in, in_pitch, out, out_pitch);
    return 0;
}
