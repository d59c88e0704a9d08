/* The kernels' bodies, one element at a time, shared by the CUDA build
 * (saxpy.cu: one thread per element) and the host build for PyGPU's
 * simulated device (saxpy_host.cpp: a loop over the elements). Keeping the
 * arithmetic in one place is what makes a test on the simulated device say
 * something about the GPU build. */
#ifndef SAXPY_EXAMPLE_KERNELS_H
#define SAXPY_EXAMPLE_KERNELS_H

#include <stddef.h>

#if defined(__CUDACC__) || defined(__HIPCC__)
#define EXAMPLE_HD __host__ __device__
#else
#define EXAMPLE_HD
#endif

/* y[i] = a * x[i] + y[i]; strides in elements (negative ones allowed). */
EXAMPLE_HD inline void saxpy_element(ptrdiff_t i, float a, const float* x, ptrdiff_t incx, float* y,
                                     ptrdiff_t incy) {
    y[i * incy] = a * x[i * incx] + y[i * incy];
}

/* 5-point stencil on a rows x cols grid (row pitches in elements):
 * out = center * in + neighbour * (up + down + left + right) inside,
 * out = in on the border. */
EXAMPLE_HD inline void stencil_element(ptrdiff_t i, ptrdiff_t j, ptrdiff_t rows, ptrdiff_t cols, float center,
                                       float neighbour, const float* in, ptrdiff_t in_pitch, float* out,
                                       ptrdiff_t out_pitch) {
    const float* c = in + i * in_pitch + j;
    if (i == 0 || j == 0 || i == rows - 1 || j == cols - 1) {
        out[i * out_pitch + j] = *c;
        return;
    }
    out[i * out_pitch + j] = center * c[0] + neighbour * (c[-in_pitch] + c[in_pitch] + c[-1] + c[1]);
}

#endif /* SAXPY_EXAMPLE_KERNELS_H */
