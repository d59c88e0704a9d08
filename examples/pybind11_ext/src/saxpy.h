// The kernels' interface: device spans in, a stream to run on. Plain C++
// (pygpu/device_span.h and pygpu/stream_ref.h need neither pybind11 nor a
// vendor header), so nvcc, PyGPU's compiler driver and the C++ compiler
// read it.
#ifndef SAXPY_EXT_SAXPY_H
#define SAXPY_EXT_SAXPY_H

#include "pygpu/device_span.h"
#include "pygpu/stream_ref.h"

// saxpy.cu: queue the kernel on `stream`, return cudaGetLastError().
int saxpy_launch(float a, pygpu::device_span<const float> x, pygpu::device_span<float> y, pygpu::stream_ref stream);
int scal_launch(float a, pygpu::device_span<float, pygpu::contiguous> x, pygpu::stream_ref stream);

#endif  // SAXPY_EXT_SAXPY_H
