// The one place that includes a vendor runtime header.
//
// backend.cpp is written against the CUDA runtime API. Built with
// PYGPU_GPU_CUDA it uses CUDA itself; built with PYGPU_GPU_HIP the cuda* names
// are mapped to HIP 5.2's by cuda_to_hip.h. What the two runtimes do not share
// (pointer attributes, the backend's name) is defined here, once per runtime.
#ifndef PYGPU_GPU_RUNTIME_H
#define PYGPU_GPU_RUNTIME_H

#include <cstring>

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

// Modules: the runtime's library API (CUDA 12+), a library and a kernel
// handle being cudaLibrary_t and cudaKernel_t. A cudaKernel_t is accepted
// wherever the runtime takes a function (cudaLaunchKernel,
// cudaFuncGetAttributes, the occupancy calls).
using pygpu_gpu_module = cudaLibrary_t;
using pygpu_gpu_function = cudaKernel_t;
inline cudaError_t pygpu_gpu_library_load_data(cudaLibrary_t* m, const void* image, size_t) {
    return cudaLibraryLoadData(m, image, nullptr, nullptr, 0, nullptr, nullptr, 0);
}
inline cudaError_t pygpu_gpu_library_load_from_file(cudaLibrary_t* m, const char* path) {
    return cudaLibraryLoadFromFile(m, path, nullptr, nullptr, 0, nullptr, nullptr, 0);
}
inline cudaError_t pygpu_gpu_library_unload(cudaLibrary_t m) { return cudaLibraryUnload(m); }
inline cudaError_t pygpu_gpu_library_get_kernel(cudaKernel_t* f, cudaLibrary_t m, const char* name) {
    return cudaLibraryGetKernel(f, m, name);
}
inline cudaError_t pygpu_gpu_library_get_global(void** address, size_t* size, cudaLibrary_t m, const char* name) {
    return cudaLibraryGetGlobal(address, size, m, name);
}
inline cudaError_t pygpu_gpu_func_get_attributes(pygpu_func_attributes* out, cudaKernel_t f) {
    cudaFuncAttributes a;
    std::memset(&a, 0, sizeof a);
    const cudaError_t status = cudaFuncGetAttributes(out != nullptr ? &a : nullptr, reinterpret_cast<const void*>(f));
    if (status == cudaSuccess && out != nullptr) {
        *out = {a.sharedSizeBytes, a.constSizeBytes, a.localSizeBytes, a.maxThreadsPerBlock, a.numRegs,
                a.ptxVersion,      a.binaryVersion,  a.maxDynamicSharedSizeBytes};
    }
    return status;
}
inline cudaError_t pygpu_gpu_occupancy_max_active_blocks(int* blocks, cudaKernel_t f, int block_size,
                                                         size_t dynamic_shared) {
    return cudaOccupancyMaxActiveBlocksPerMultiprocessor(blocks, reinterpret_cast<const void*>(f), block_size,
                                                         dynamic_shared);
}
// cudaOccupancyMaxPotentialBlockSize is a template of cuda_runtime.h (a
// header for nvcc); the same search, on the runtime calls it makes: from the
// largest block down by warps, the most resident threads per multiprocessor.
inline cudaError_t pygpu_gpu_occupancy_max_potential_block_size(int* min_grid, int* block_size, cudaKernel_t f,
                                                                size_t dynamic_shared, int limit) {
    if (min_grid == nullptr || block_size == nullptr || limit < 0) return cudaErrorInvalidValue;
    int device = 0, warp = 0, sms = 0, device_max = 0;
    cudaError_t status = cudaGetDevice(&device);
    if (status == cudaSuccess) status = cudaDeviceGetAttribute(&warp, cudaDevAttrWarpSize, device);
    if (status == cudaSuccess) status = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
    if (status == cudaSuccess) status = cudaDeviceGetAttribute(&device_max, cudaDevAttrMaxThreadsPerBlock, device);
    cudaFuncAttributes a;
    if (status == cudaSuccess) status = cudaFuncGetAttributes(&a, reinterpret_cast<const void*>(f));
    if (status != cudaSuccess) return status;
    int top = a.maxThreadsPerBlock < device_max ? a.maxThreadsPerBlock : device_max;
    if (limit != 0 && limit < top) top = limit;
    int best_size = 0, best_blocks = 0;
    for (int size = (top + warp - 1) / warp * warp; size > 0; size -= warp) {
        const int threads = size < top ? size : top;
        int n = 0;
        status = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, reinterpret_cast<const void*>(f), threads,
                                                               dynamic_shared);
        if (status != cudaSuccess) return status;
        if (n * threads > best_blocks * best_size) {
            best_size = threads;
            best_blocks = n;
        }
    }
    *block_size = best_size;
    *min_grid = best_blocks * sms;
    return cudaSuccess;
}
// Limits: cudaLimit's values are backend.h's. A value outside the enum
// becomes 7, still inside the enum's range (so the cast is defined) and not
// a limit, so the runtime answers it with its own error.
inline cudaLimit pygpu_gpu_limit(int limit) { return static_cast<cudaLimit>(limit >= 0 && limit <= 6 ? limit : 7); }
inline cudaError_t pygpu_gpu_device_set_limit(int limit, size_t value) {
    return cudaDeviceSetLimit(pygpu_gpu_limit(limit), value);
}
inline cudaError_t pygpu_gpu_device_get_limit(size_t* value, int limit) {
    return cudaDeviceGetLimit(value, pygpu_gpu_limit(limit));
}
// Memory pools (backend.cpp builds the properties): CUDA's have a maxSize.
inline bool pygpu_gpu_pool_max_size(cudaMemPoolProps* p, size_t max_size) {
    p->maxSize = max_size;
    return true;
}
inline cudaError_t pygpu_gpu_launch(cudaKernel_t f, pygpu_dim3 g, pygpu_dim3 b, void** args, size_t shared,
                                    cudaStream_t stream) {
    return cudaLaunchKernel(reinterpret_cast<const void*>(f), dim3(g.x, g.y, g.z), dim3(b.x, b.y, b.z), args, shared,
                            stream);
}

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

// Modules: hipModule_t and hipFunction_t (the module API; hipModuleLoadData
// reads the code object's own size).
using pygpu_gpu_module = hipModule_t;
using pygpu_gpu_function = hipFunction_t;
inline hipError_t pygpu_gpu_library_load_data(hipModule_t* m, const void* image, size_t) {
    return hipModuleLoadData(m, image);
}
inline hipError_t pygpu_gpu_library_load_from_file(hipModule_t* m, const char* path) { return hipModuleLoad(m, path); }
inline hipError_t pygpu_gpu_library_unload(hipModule_t m) { return hipModuleUnload(m); }
inline hipError_t pygpu_gpu_library_get_kernel(hipFunction_t* f, hipModule_t m, const char* name) {
    return hipModuleGetFunction(f, m, name);
}
inline hipError_t pygpu_gpu_library_get_global(void** address, size_t* size, hipModule_t m, const char* name) {
    hipDeviceptr_t p = nullptr;
    const hipError_t status = hipModuleGetGlobal(address != nullptr ? &p : nullptr, size, m, name);
    if (address != nullptr) *address = status == hipSuccess ? reinterpret_cast<void*>(p) : nullptr;
    return status;
}
// hipFuncGetAttributes takes a host function; a module's is read field by field.
inline hipError_t pygpu_gpu_func_get_attributes(pygpu_func_attributes* out, hipFunction_t f) {
    if (out == nullptr) return hipErrorInvalidValue;
    const hipFunction_attribute which[] = {
        HIP_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, HIP_FUNC_ATTRIBUTE_CONST_SIZE_BYTES, HIP_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES,
        HIP_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, HIP_FUNC_ATTRIBUTE_NUM_REGS, HIP_FUNC_ATTRIBUTE_PTX_VERSION,
        HIP_FUNC_ATTRIBUTE_BINARY_VERSION, HIP_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES};
    int v[8] = {};
    for (int i = 0; i < 8; ++i) {
        const hipError_t status = hipFuncGetAttribute(&v[i], which[i], f);
        if (status != hipSuccess) return status;
    }
    *out = {static_cast<size_t>(v[0]), static_cast<size_t>(v[1]), static_cast<size_t>(v[2]), v[3], v[4], v[5], v[6],
            v[7]};
    return hipSuccess;
}
inline hipError_t pygpu_gpu_occupancy_max_active_blocks(int* blocks, hipFunction_t f, int block_size,
                                                        size_t dynamic_shared) {
    return hipModuleOccupancyMaxActiveBlocksPerMultiprocessor(blocks, f, block_size, dynamic_shared);
}
inline hipError_t pygpu_gpu_occupancy_max_potential_block_size(int* min_grid, int* block_size, hipFunction_t f,
                                                               size_t dynamic_shared, int limit) {
    return hipModuleOccupancyMaxPotentialBlockSize(min_grid, block_size, f, dynamic_shared, limit);
}
// Limits. hipLimit_t has only some of cudaLimit's values (the same
// numbers); another value becomes 3, inside the enum's range (its values
// fit in two bits) and not a limit, so the runtime answers it with its own
// error. HIP 5.2 declares hipDeviceGetLimit but has no hipDeviceSetLimit
// (libamdhip64 5.2 does not export one): setting a limit reads it with
// hipDeviceGetLimit (the runtime's own answer when there is no device or
// the limit is unknown), succeeds when the value is the current one and is
// hipErrorNotSupported for any other value.
inline hipLimit_t pygpu_gpu_limit(int limit) { return static_cast<hipLimit_t>(limit >= 0 && limit <= 3 ? limit : 3); }
inline hipError_t pygpu_gpu_device_get_limit(size_t* value, int limit) {
    return hipDeviceGetLimit(value, pygpu_gpu_limit(limit));
}
inline hipError_t pygpu_gpu_device_set_limit(int limit, size_t value) {
    size_t current = 0;
    const hipError_t status = hipDeviceGetLimit(&current, pygpu_gpu_limit(limit));
    if (status != hipSuccess) return status;
    return value == current ? hipSuccess : hipErrorNotSupported;
}
// Memory pools: HIP 5.2's properties have no maxSize, so a limit cannot be
// passed on (backend.cpp answers hipErrorNotSupported).
inline bool pygpu_gpu_pool_max_size(hipMemPoolProps*, size_t max_size) { return max_size == 0; }
inline hipError_t pygpu_gpu_launch(hipFunction_t f, pygpu_dim3 g, pygpu_dim3 b, void** args, size_t shared,
                                   hipStream_t stream) {
    return hipModuleLaunchKernel(f, g.x, g.y, g.z, b.x, b.y, b.z, static_cast<unsigned>(shared), stream, args, nullptr);
}

#endif

#endif  // PYGPU_GPU_RUNTIME_H
