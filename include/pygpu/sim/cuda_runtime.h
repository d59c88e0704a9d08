/* cuda_runtime.h for the simulated device: what a CUDA source includes.
 *
 * The host runtime API (cuda_runtime_api.h) and, in C++, CUDA's template
 * overloads of it (below); the kernel language (__global__, threadIdx,
 * <<<...>>>, ...) is added here by the kernel headers, keeping the host API
 * in its own header.
 */
#ifndef PYGPU_SIM_CUDA_RUNTIME_H
#define PYGPU_SIM_CUDA_RUNTIME_H

#include "cuda_runtime_api.h"

#ifdef __cplusplus
/* CUDA's C++ overloads of the host API, taking a kernel or a symbol as
 * itself rather than as `const void*`. */

/* cudaMalloc(&p, n) for any T* p, as CUDA's cuda_runtime.h allows. */
template <class T>
static inline cudaError_t cudaMalloc(T** devPtr, size_t size) {
    return ::cudaMalloc(reinterpret_cast<void**>(devPtr), size);
}

template <class T>
static inline cudaError_t cudaMallocManaged(T** devPtr, size_t size, unsigned int flags = cudaMemAttachGlobal) {
    return ::cudaMallocManaged(reinterpret_cast<void**>(devPtr), size, flags);
}

template <class T>
static inline cudaError_t cudaMallocHost(T** ptr, size_t size) {
    return ::cudaMallocHost(reinterpret_cast<void**>(ptr), size);
}

template <class T>
static inline cudaError_t cudaHostAlloc(T** ptr, size_t size, unsigned int flags) {
    return ::cudaHostAlloc(reinterpret_cast<void**>(ptr), size, flags);
}

template <class T>
static inline cudaError_t cudaMemcpyToSymbol(const T& symbol, const void* src, size_t count, size_t offset = 0,
                                             enum cudaMemcpyKind kind = cudaMemcpyHostToDevice) {
    return ::cudaMemcpyToSymbol(static_cast<const void*>(&symbol), src, count, offset, kind);
}

template <class T>
static inline cudaError_t cudaMemcpyFromSymbol(void* dst, const T& symbol, size_t count, size_t offset = 0,
                                               enum cudaMemcpyKind kind = cudaMemcpyDeviceToHost) {
    return ::cudaMemcpyFromSymbol(dst, static_cast<const void*>(&symbol), count, offset, kind);
}

template <class T>
static inline cudaError_t cudaMemcpyToSymbolAsync(const T& symbol, const void* src, size_t count, size_t offset = 0,
                                                  enum cudaMemcpyKind kind = cudaMemcpyHostToDevice,
                                                  cudaStream_t stream = 0) {
    return ::cudaMemcpyToSymbolAsync(static_cast<const void*>(&symbol), src, count, offset, kind, stream);
}

template <class T>
static inline cudaError_t cudaMemcpyFromSymbolAsync(void* dst, const T& symbol, size_t count, size_t offset = 0,
                                                    enum cudaMemcpyKind kind = cudaMemcpyDeviceToHost,
                                                    cudaStream_t stream = 0) {
    return ::cudaMemcpyFromSymbolAsync(dst, static_cast<const void*>(&symbol), count, offset, kind, stream);
}

template <class T>
static inline cudaError_t cudaGetSymbolAddress(void** devPtr, const T& symbol) {
    return ::cudaGetSymbolAddress(devPtr, static_cast<const void*>(&symbol));
}

template <class T>
static inline cudaError_t cudaGetSymbolSize(size_t* size, const T& symbol) {
    return ::cudaGetSymbolSize(size, static_cast<const void*>(&symbol));
}

template <class T>
static inline cudaError_t cudaLaunchKernel(T* func, dim3 grid, dim3 block, void** args, size_t sharedMem = 0,
                                           cudaStream_t stream = 0) {
    return ::cudaLaunchKernel(reinterpret_cast<const void*>(func), grid, block, args, sharedMem, stream);
}

template <class T>
static inline cudaError_t cudaFuncGetAttributes(struct cudaFuncAttributes* attr, T* func) {
    return ::cudaFuncGetAttributes(attr, reinterpret_cast<const void*>(func));
}

template <class T>
static inline cudaError_t cudaFuncSetAttribute(T* func, enum cudaFuncAttribute attr, int value) {
    return ::cudaFuncSetAttribute(reinterpret_cast<const void*>(func), attr, value);
}

template <class T>
static inline cudaError_t cudaFuncSetCacheConfig(T* func, enum cudaFuncCache cacheConfig) {
    return ::cudaFuncSetCacheConfig(reinterpret_cast<const void*>(func), cacheConfig);
}

template <class T>
static inline cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* numBlocks, T* func, int blockSize,
                                                                        size_t dynamicSMemSize) {
    return ::cudaOccupancyMaxActiveBlocksPerMultiprocessor(numBlocks, reinterpret_cast<const void*>(func), blockSize,
                                                           dynamicSMemSize);
}

/* CUDA's template: the block size giving the most resident threads per
 * multiprocessor, and the grid size that fills the device with it. */
template <class T>
static inline cudaError_t cudaOccupancyMaxPotentialBlockSize(int* minGridSize, int* blockSize, T func,
                                                             size_t dynamicSMemSize = 0, int blockSizeLimit = 0) {
    return ::pygpu_sim_occupancy_max_potential_block_size(minGridSize, blockSize, reinterpret_cast<const void*>(func),
                                                          dynamicSMemSize, blockSizeLimit);
}
#endif /* __cplusplus */

/* The kernel language (C++ only; kernel/language.h lists it). */
#ifdef __cplusplus
#include "kernel/language.h"
#ifdef PYGPU_SIM_DEVICE_SUPPORT
#include "kernel/device_support.h"
#endif
#endif

#endif /* PYGPU_SIM_CUDA_RUNTIME_H */
