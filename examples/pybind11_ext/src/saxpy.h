// The kernels' interface: device spans in, a stream to run on. Plain C++
// (pygpu/device_span.h and pygpu/stream_ref.h need neither pybind11 nor a
// vendor header), so both nvcc and the C++ compiler read it.
#ifndef SAXPY_EXT_SAXPY_H
#define SAXPY_EXT_SAXPY_H

#include "pygpu/device_span.h"
#include "pygpu/stream_ref.h"

// CUDA build (saxpy.cu): launch on `stream`, return cudaGetLastError().
int saxpy_cuda(float a, pygpu::device_span<const float> x, pygpu::device_span<float> y, pygpu::stream_ref stream);
int scal_cuda(float a, pygpu::device_span<float, pygpu::contiguous> x, pygpu::stream_ref stream);

// Host build (saxpy_host.cpp), for the simulated device, whose device memory
// is host memory: the same arithmetic as a loop, run when called (module.cpp
// queues the call on the stream).
void saxpy_host(float a, pygpu::device_span<const float> x, pygpu::device_span<float> y);
void scal_host(float a, pygpu::device_span<float, pygpu::contiguous> x);

#endif  // SAXPY_EXT_SAXPY_H
