// The host build, for PyGPU's simulated device: the kernels' arithmetic as loops.
#include "saxpy.h"

void saxpy_host(float a, pygpu::device_span<const float> x, pygpu::device_span<float> y) {
    for (std::ptrdiff_t i = 0; i < y.size_signed(); ++i) y(i) = a * x(i) + y(i);
}

void scal_host(float a, pygpu::device_span<float, pygpu::contiguous> x) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] *= a;
}
