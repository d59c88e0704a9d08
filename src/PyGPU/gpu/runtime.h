// The one place that includes a vendor runtime header.
//
// backend.cpp is written against the CUDA runtime API. Built with
// PYGPU_GPU_CUDA it uses CUDA itself; built with PYGPU_GPU_HIP the cuda* names
// are mapped to HIP 5.2's by cuda_to_hip.h. What the two runtimes do not share
// (pointer attributes, the backend's name) is defined here, once per runtime.
#ifndef PYGPU_GPU_RUNTIME_H
#define PYGPU_GPU_RUNTIME_H

#include "pygpu/backend.h"

#if defined(PYGPU_GPU_CUDA) == defined(PYGPU_GPU_HIP)
#error "define exactly one of PYGPU_GPU_CUDA and PYGPU_GPU_HIP"
#endif

#if defined(PYGPU_GPU_CUDA)

#include <cuda_runtime_api.h>

#define PYGPU_GPU_NAME "cuda"

// CUDA >= 11 answers success and cudaMemoryTypeUnregistered for plain host memory.
#define PYGPU_GPU_UNREGISTERED_IS_ERROR 0

// backend.h's pygpu_memory_type values are cudaMemoryType's.
#define PYGPU_SAME_(a, b) (static_cast<int>(a) == static_cast<int>(b))
static_assert(PYGPU_SAME_(cudaMemoryTypeUnregistered, PYGPU_MEMORY_UNREGISTERED) &&
                  PYGPU_SAME_(cudaMemoryTypeHost, PYGPU_MEMORY_HOST) &&
                  PYGPU_SAME_(cudaMemoryTypeDevice, PYGPU_MEMORY_DEVICE) &&
                  PYGPU_SAME_(cudaMemoryTypeManaged, PYGPU_MEMORY_MANAGED),
              "cudaMemoryType differs from pygpu_memory_type");
#undef PYGPU_SAME_
inline int pygpu_gpu_memory_type(const cudaPointerAttributes& a) { return static_cast<int>(a.type); }

#else  // PYGPU_GPU_HIP

#include <hip/hip_runtime_api.h>

#include <new>

#include "cuda_to_hip.h"

#define PYGPU_GPU_NAME "hip"

// HIP 5.2 keeps CUDA 10's behaviour: plain host memory is hipErrorInvalidValue.
#define PYGPU_GPU_UNREGISTERED_IS_ERROR 1

// hipMemoryType counts from Host = 0 (CUDA from Unregistered = 0), has an
// Array type and no Managed one (managed memory is flagged by isManaged).
inline int pygpu_gpu_memory_type(const hipPointerAttribute_t& a) {
    if (a.isManaged) return PYGPU_MEMORY_MANAGED;
    switch (a.memoryType) {
        case hipMemoryTypeHost: return PYGPU_MEMORY_HOST;
        case hipMemoryTypeDevice:
        case hipMemoryTypeArray: return PYGPU_MEMORY_DEVICE;
        case hipMemoryTypeUnified: return PYGPU_MEMORY_MANAGED;
    }
    return PYGPU_MEMORY_UNREGISTERED;
}

// cudaLaunchHostFunc on hipStreamAddCallback (see cuda_to_hip.h). The function
// runs even when the stream reports an error: user_data may own something that
// only the function releases.
struct pygpu_hip_host_call {
    pygpu_host_fn fn;
    void* user_data;
};
inline void pygpu_hip_host_trampoline(hipStream_t, hipError_t, void* p) {
    const pygpu_hip_host_call call = *static_cast<pygpu_hip_host_call*>(p);
    delete static_cast<pygpu_hip_host_call*>(p);
    call.fn(call.user_data);
}
inline hipError_t pygpu_hip_launch_host_func(hipStream_t stream, pygpu_host_fn fn, void* user_data) {
    if (fn == nullptr) return hipStreamAddCallback(stream, nullptr, nullptr, 0);  // HIP's own error
    auto* call = new (std::nothrow) pygpu_hip_host_call{fn, user_data};
    if (call == nullptr) return hipErrorOutOfMemory;
    const hipError_t status = hipStreamAddCallback(stream, pygpu_hip_host_trampoline, call, 0);
    if (status != hipSuccess) delete call;  // never queued: the trampoline will not run
    return status;
}

#endif

#endif  // PYGPU_GPU_RUNTIME_H
