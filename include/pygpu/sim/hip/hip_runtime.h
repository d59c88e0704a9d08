/* hip/hip_runtime.h for the simulated device: HIP's names over the same
 * runtime and kernel language as cuda_runtime.h.
 *
 * hipError_t has HIP's names and values (HIP 5's, which are CUDA's numbers
 * wherever both have the error, so a simulated device's cudaError_t converts
 * unchanged); hip* host functions are inline forwarders to the cuda* ones;
 * hipThreadIdx_x ... are the coordinates; hipLaunchKernelGGL(k, grid, block,
 * shared, stream, args...) launches a registered kernel with its arguments
 * converted to the parameter types; __shfl, __ballot, __any and __all are
 * HIP's mask-less warp operations (the whole warp); warpSize is 32. Host
 * API calls that the simulated device's CUDA runtime API has no counterpart
 * for are not here.
 */
#ifndef PYGPU_SIM_HIP_RUNTIME_H
#define PYGPU_SIM_HIP_RUNTIME_H

#include "../cuda_runtime.h"

/* X(value, name): HIP's error codes, one name per value (hip_runtime_api.h
 * of HIP 5), then HIP's second names for some of them. */
#define PYGPU_SIM_HIP_ERRORS(X) \
    X(0, hipSuccess) \
    X(1, hipErrorInvalidValue) \
    X(2, hipErrorOutOfMemory) \
    X(3, hipErrorNotInitialized) \
    X(4, hipErrorDeinitialized) \
    X(5, hipErrorProfilerDisabled) \
    X(6, hipErrorProfilerNotInitialized) \
    X(7, hipErrorProfilerAlreadyStarted) \
    X(8, hipErrorProfilerAlreadyStopped) \
    X(9, hipErrorInvalidConfiguration) \
    X(12, hipErrorInvalidPitchValue) \
    X(13, hipErrorInvalidSymbol) \
    X(17, hipErrorInvalidDevicePointer) \
    X(21, hipErrorInvalidMemcpyDirection) \
    X(35, hipErrorInsufficientDriver) \
    X(52, hipErrorMissingConfiguration) \
    X(53, hipErrorPriorLaunchFailure) \
    X(98, hipErrorInvalidDeviceFunction) \
    X(100, hipErrorNoDevice) \
    X(101, hipErrorInvalidDevice) \
    X(200, hipErrorInvalidImage) \
    X(201, hipErrorInvalidContext) \
    X(202, hipErrorContextAlreadyCurrent) \
    X(205, hipErrorMapFailed) \
    X(206, hipErrorUnmapFailed) \
    X(207, hipErrorArrayIsMapped) \
    X(208, hipErrorAlreadyMapped) \
    X(209, hipErrorNoBinaryForGpu) \
    X(210, hipErrorAlreadyAcquired) \
    X(211, hipErrorNotMapped) \
    X(212, hipErrorNotMappedAsArray) \
    X(213, hipErrorNotMappedAsPointer) \
    X(214, hipErrorECCNotCorrectable) \
    X(215, hipErrorUnsupportedLimit) \
    X(216, hipErrorContextAlreadyInUse) \
    X(217, hipErrorPeerAccessUnsupported) \
    X(218, hipErrorInvalidKernelFile) \
    X(219, hipErrorInvalidGraphicsContext) \
    X(300, hipErrorInvalidSource) \
    X(301, hipErrorFileNotFound) \
    X(302, hipErrorSharedObjectSymbolNotFound) \
    X(303, hipErrorSharedObjectInitFailed) \
    X(304, hipErrorOperatingSystem) \
    X(400, hipErrorInvalidHandle) \
    X(401, hipErrorIllegalState) \
    X(500, hipErrorNotFound) \
    X(600, hipErrorNotReady) \
    X(700, hipErrorIllegalAddress) \
    X(701, hipErrorLaunchOutOfResources) \
    X(702, hipErrorLaunchTimeOut) \
    X(704, hipErrorPeerAccessAlreadyEnabled) \
    X(705, hipErrorPeerAccessNotEnabled) \
    X(708, hipErrorSetOnActiveProcess) \
    X(709, hipErrorContextIsDestroyed) \
    X(710, hipErrorAssert) \
    X(712, hipErrorHostMemoryAlreadyRegistered) \
    X(713, hipErrorHostMemoryNotRegistered) \
    X(719, hipErrorLaunchFailure) \
    X(720, hipErrorCooperativeLaunchTooLarge) \
    X(801, hipErrorNotSupported) \
    X(900, hipErrorStreamCaptureUnsupported) \
    X(901, hipErrorStreamCaptureInvalidated) \
    X(902, hipErrorStreamCaptureMerge) \
    X(903, hipErrorStreamCaptureUnmatched) \
    X(904, hipErrorStreamCaptureUnjoined) \
    X(905, hipErrorStreamCaptureIsolation) \
    X(906, hipErrorStreamCaptureImplicit) \
    X(907, hipErrorCapturedEvent) \
    X(908, hipErrorStreamCaptureWrongThread) \
    X(910, hipErrorGraphExecUpdateFailure) \
    X(999, hipErrorUnknown) \
    X(1052, hipErrorRuntimeMemory) \
    X(1053, hipErrorRuntimeOther)
#define PYGPU_SIM_HIP_ERROR_ALIASES(X) \
    X(2, hipErrorMemoryAllocation) \
    X(3, hipErrorInitializationError) \
    X(205, hipErrorMapBufferObjectFailed) \
    X(400, hipErrorInvalidResourceHandle)

#ifdef __cplusplus
enum hipError_t {
#define PYGPU_SIM_HIP_ENUMERATOR_(value, name) name = value,
    PYGPU_SIM_HIP_ERRORS(PYGPU_SIM_HIP_ENUMERATOR_) PYGPU_SIM_HIP_ERROR_ALIASES(PYGPU_SIM_HIP_ENUMERATOR_)
#undef PYGPU_SIM_HIP_ENUMERATOR_
};

typedef cudaStream_t hipStream_t;
typedef cudaEvent_t hipEvent_t;
typedef cudaDeviceProp hipDeviceProp_t;
typedef cudaPointerAttributes hipPointerAttribute_t;
typedef enum cudaMemcpyKind hipMemcpyKind;
#define hipMemcpyHostToHost cudaMemcpyHostToHost
#define hipMemcpyHostToDevice cudaMemcpyHostToDevice
#define hipMemcpyDeviceToHost cudaMemcpyDeviceToHost
#define hipMemcpyDeviceToDevice cudaMemcpyDeviceToDevice
#define hipMemcpyDefault cudaMemcpyDefault
#define hipStreamDefault cudaStreamDefault
#define hipStreamNonBlocking cudaStreamNonBlocking
#define hipEventDefault cudaEventDefault
#define hipEventBlockingSync cudaEventBlockingSync
#define hipEventDisableTiming cudaEventDisableTiming
#define hipHostMallocDefault cudaHostAllocDefault
#define hipHostMallocPortable cudaHostAllocPortable
#define hipHostMallocMapped cudaHostAllocMapped
#define hipHostRegisterDefault cudaHostRegisterDefault
#define hipMemAttachGlobal cudaMemAttachGlobal
#define hipMemAttachHost cudaMemAttachHost
#define hipMemAttachSingle cudaMemAttachSingle
typedef enum cudaLimit hipLimit_t;
typedef cudaMemPool_t hipMemPool_t;
typedef cudaMemPoolAttr hipMemPoolAttr;
typedef cudaMemPoolProps hipMemPoolProps;
typedef cudaMemLocation hipMemLocation;
#define hipMemPoolReuseFollowEventDependencies cudaMemPoolReuseFollowEventDependencies
#define hipMemPoolReuseAllowOpportunistic cudaMemPoolReuseAllowOpportunistic
#define hipMemPoolReuseAllowInternalDependencies cudaMemPoolReuseAllowInternalDependencies
#define hipMemPoolAttrReleaseThreshold cudaMemPoolAttrReleaseThreshold
#define hipMemPoolAttrReservedMemCurrent cudaMemPoolAttrReservedMemCurrent
#define hipMemPoolAttrReservedMemHigh cudaMemPoolAttrReservedMemHigh
#define hipMemPoolAttrUsedMemCurrent cudaMemPoolAttrUsedMemCurrent
#define hipMemPoolAttrUsedMemHigh cudaMemPoolAttrUsedMemHigh
#define hipMemAllocationTypePinned cudaMemAllocationTypePinned
#define hipMemHandleTypeNone cudaMemHandleTypeNone
#define hipMemLocationTypeDevice cudaMemLocationTypeDevice
#define hipLimitStackSize cudaLimitStackSize
#define hipLimitPrintfFifoSize cudaLimitPrintfFifoSize
#define hipLimitMallocHeapSize cudaLimitMallocHeapSize

namespace pygpu_sim_k {
inline hipError_t hip(cudaError_t e) { return static_cast<hipError_t>(e); }
}  // namespace pygpu_sim_k

/* hipGetErrorName: HIP's name for the code; the description is CUDA's. */
inline const char* hipGetErrorName(hipError_t e) {
    switch (e) {
#define PYGPU_SIM_HIP_NAME_(value, name) \
    case value:                          \
        return #name;
        PYGPU_SIM_HIP_ERRORS(PYGPU_SIM_HIP_NAME_)
#undef PYGPU_SIM_HIP_NAME_
        default:
            return "hipErrorUnknown";
    }
}
inline const char* hipGetErrorString(hipError_t e) { return cudaGetErrorString(static_cast<cudaError_t>(e)); }

/* X(hip name, cuda name): functions taking the same arguments. */
#define PYGPU_SIM_HIP_FORWARDERS(X)                                                                    \
    X(hipGetLastError, cudaGetLastError) X(hipPeekAtLastError, cudaPeekAtLastError)                   \
    X(hipGetDeviceCount, cudaGetDeviceCount) X(hipGetDevice, cudaGetDevice) X(hipSetDevice, cudaSetDevice) \
    X(hipDeviceSynchronize, cudaDeviceSynchronize) X(hipDeviceReset, cudaDeviceReset)                \
    X(hipGetDeviceProperties, cudaGetDeviceProperties) X(hipMemGetInfo, cudaMemGetInfo)              \
    X(hipDriverGetVersion, cudaDriverGetVersion) X(hipRuntimeGetVersion, cudaRuntimeGetVersion)      \
    X(hipDeviceCanAccessPeer, cudaDeviceCanAccessPeer) X(hipDeviceEnablePeerAccess, cudaDeviceEnablePeerAccess) \
    X(hipDeviceDisablePeerAccess, cudaDeviceDisablePeerAccess) X(hipFree, cudaFree)                  \
    X(hipDeviceSetLimit, cudaDeviceSetLimit) X(hipDeviceGetLimit, cudaDeviceGetLimit)                \
    X(hipHostFree, cudaFreeHost) X(hipHostRegister, cudaHostRegister) X(hipHostUnregister, cudaHostUnregister) \
    X(hipPointerGetAttributes, cudaPointerGetAttributes) X(hipMemcpy, cudaMemcpy)                    \
    X(hipMemcpy2D, cudaMemcpy2D) X(hipMemcpyPeer, cudaMemcpyPeer) X(hipMemset, cudaMemset)            \
    X(hipStreamCreate, cudaStreamCreate) X(hipStreamCreateWithFlags, cudaStreamCreateWithFlags)      \
    X(hipStreamCreateWithPriority, cudaStreamCreateWithPriority) X(hipStreamDestroy, cudaStreamDestroy) \
    X(hipStreamSynchronize, cudaStreamSynchronize) X(hipStreamQuery, cudaStreamQuery)                \
    X(hipStreamGetFlags, cudaStreamGetFlags) X(hipStreamGetPriority, cudaStreamGetPriority)          \
    X(hipDeviceGetStreamPriorityRange, cudaDeviceGetStreamPriorityRange)                            \
    X(hipLaunchHostFunc, cudaLaunchHostFunc) X(hipEventCreate, cudaEventCreate)                      \
    X(hipEventCreateWithFlags, cudaEventCreateWithFlags) X(hipEventDestroy, cudaEventDestroy)        \
    X(hipEventQuery, cudaEventQuery) X(hipEventSynchronize, cudaEventSynchronize)                    \
    X(hipEventElapsedTime, cudaEventElapsedTime)                                                     \
    X(hipMemPoolCreate, cudaMemPoolCreate) X(hipMemPoolDestroy, cudaMemPoolDestroy)                  \
    X(hipDeviceGetDefaultMemPool, cudaDeviceGetDefaultMemPool) X(hipDeviceGetMemPool, cudaDeviceGetMemPool) \
    X(hipDeviceSetMemPool, cudaDeviceSetMemPool) X(hipMemPoolSetAttribute, cudaMemPoolSetAttribute)  \
    X(hipMemPoolGetAttribute, cudaMemPoolGetAttribute) X(hipMemPoolTrimTo, cudaMemPoolTrimTo)
#define PYGPU_SIM_HIP_FORWARD_(hip_name, cuda_name)                    \
    template <class... A>                                               \
    inline hipError_t hip_name(A... args) {                             \
        return pygpu_sim_k::hip(cuda_name(args...));                    \
    }
PYGPU_SIM_HIP_FORWARDERS(PYGPU_SIM_HIP_FORWARD_)
#undef PYGPU_SIM_HIP_FORWARD_

/* With HIP's default arguments or names. */
inline hipError_t hipMalloc(void** p, size_t size) { return pygpu_sim_k::hip(cudaMalloc(p, size)); }
template <class T>
inline hipError_t hipMalloc(T** p, size_t size) { return hipMalloc(reinterpret_cast<void**>(p), size); }
inline hipError_t hipMallocAsync(void** p, size_t size, hipStream_t stream = 0) {
    return pygpu_sim_k::hip(cudaMallocAsync(p, size, stream));
}
template <class T>
inline hipError_t hipMallocAsync(T** p, size_t size, hipStream_t stream = 0) {
    return hipMallocAsync(reinterpret_cast<void**>(p), size, stream);
}
inline hipError_t hipFreeAsync(void* p, hipStream_t stream) { return pygpu_sim_k::hip(cudaFreeAsync(p, stream)); }
inline hipError_t hipMallocFromPoolAsync(void** p, size_t size, hipMemPool_t pool, hipStream_t stream = 0) {
    return pygpu_sim_k::hip(cudaMallocFromPoolAsync(p, size, pool, stream));
}
inline hipError_t hipMallocManaged(void** p, size_t size, unsigned int flags = hipMemAttachGlobal) {
    return pygpu_sim_k::hip(cudaMallocManaged(p, size, flags));
}
template <class T>
inline hipError_t hipMallocManaged(T** p, size_t size, unsigned int flags = hipMemAttachGlobal) {
    return hipMallocManaged(reinterpret_cast<void**>(p), size, flags);
}
inline hipError_t hipHostMalloc(void** p, size_t size, unsigned int flags = hipHostMallocDefault) {
    return pygpu_sim_k::hip(cudaHostAlloc(p, size, flags));
}
template <class T>
inline hipError_t hipHostMalloc(T** p, size_t size, unsigned int flags = hipHostMallocDefault) {
    return hipHostMalloc(reinterpret_cast<void**>(p), size, flags);
}
inline hipError_t hipMemcpyAsync(void* dst, const void* src, size_t count, hipMemcpyKind kind, hipStream_t stream = 0) {
    return pygpu_sim_k::hip(cudaMemcpyAsync(dst, src, count, kind, stream));
}
inline hipError_t hipMemsetAsync(void* p, int value, size_t count, hipStream_t stream = 0) {
    return pygpu_sim_k::hip(cudaMemsetAsync(p, value, count, stream));
}
inline hipError_t hipEventRecord(hipEvent_t event, hipStream_t stream = 0) {
    return pygpu_sim_k::hip(cudaEventRecord(event, stream));
}
inline hipError_t hipStreamWaitEvent(hipStream_t stream, hipEvent_t event, unsigned int flags = 0) {
    return pygpu_sim_k::hip(cudaStreamWaitEvent(stream, event, flags));
}
template <class T>
inline hipError_t hipMemcpyToSymbol(const T& symbol, const void* src, size_t count, size_t offset = 0,
                                    hipMemcpyKind kind = hipMemcpyHostToDevice) {
    return pygpu_sim_k::hip(cudaMemcpyToSymbol(symbol, src, count, offset, kind));
}
template <class T>
inline hipError_t hipMemcpyFromSymbol(void* dst, const T& symbol, size_t count, size_t offset = 0,
                                      hipMemcpyKind kind = hipMemcpyDeviceToHost) {
    return pygpu_sim_k::hip(cudaMemcpyFromSymbol(dst, symbol, count, offset, kind));
}
template <class T>
inline hipError_t hipGetSymbolAddress(void** p, const T& symbol) { return pygpu_sim_k::hip(cudaGetSymbolAddress(p, symbol)); }

/* --- kernels ---------------------------------------------------------------- */

namespace pygpu_sim_k {
template <class... P>
inline hipError_t hip_launch_typed(void (*kernel)(P...), dim3 grid, dim3 block, size_t shared, hipStream_t stream,
                                   P... params) {
    void* args[sizeof...(P) + 1] = {static_cast<void*>(&params)...};
    return hip(cudaLaunchKernel(reinterpret_cast<const void*>(kernel), grid, block, args, shared, stream));
}
// The arguments converted to the kernel's parameter types, as a call converts them.
template <class... P, class... A>
inline hipError_t hip_launch(void (*kernel)(P...), dim3 grid, dim3 block, size_t shared, hipStream_t stream, A&&... a) {
    static_assert(sizeof...(P) == sizeof...(A), "hipLaunchKernelGGL: as many arguments as the kernel has parameters");
    return hip_launch_typed<P...>(kernel, grid, block, shared, stream, static_cast<P>(a)...);
}
}  // namespace pygpu_sim_k

/* hipLaunchKernelGGL(kernel, grid, block, sharedBytes, stream, args...): for
 * a kernel registered with the simulated device (the compiler driver
 * registers every non-template __global__ function of a source). */
#define hipLaunchKernelGGL(kernel, grid, block, shared, stream, ...) \
    ((void)::pygpu_sim_k::hip_launch(kernel, dim3(grid), dim3(block), (shared), (stream), __VA_ARGS__))
#define HIP_KERNEL_NAME(...) __VA_ARGS__
#define HIP_SYMBOL(symbol) symbol

#define hipThreadIdx_x (threadIdx.x)
#define hipThreadIdx_y (threadIdx.y)
#define hipThreadIdx_z (threadIdx.z)
#define hipBlockIdx_x (blockIdx.x)
#define hipBlockIdx_y (blockIdx.y)
#define hipBlockIdx_z (blockIdx.z)
#define hipBlockDim_x (blockDim.x)
#define hipBlockDim_y (blockDim.y)
#define hipBlockDim_z (blockDim.z)
#define hipGridDim_x (gridDim.x)
#define hipGridDim_y (gridDim.y)
#define hipGridDim_z (gridDim.z)

/* HIP's warp operations without a mask: the whole warp (their call sites
 * are these functions'). */
template <class T>
inline T __shfl(T var, int src, int width = warpSize) { return __shfl_sync(0xffffffffu, var, src, width); }
template <class T>
inline T __shfl_up(T var, unsigned int delta, int width = warpSize) {
    return __shfl_up_sync(0xffffffffu, var, delta, width);
}
template <class T>
inline T __shfl_down(T var, unsigned int delta, int width = warpSize) {
    return __shfl_down_sync(0xffffffffu, var, delta, width);
}
template <class T>
inline T __shfl_xor(T var, int lane_mask, int width = warpSize) {
    return __shfl_xor_sync(0xffffffffu, var, lane_mask, width);
}
inline unsigned long long __ballot(int predicate) { return __ballot_sync(0xffffffffu, predicate); }
inline int __any(int predicate) { return __any_sync(0xffffffffu, predicate); }
inline int __all(int predicate) { return __all_sync(0xffffffffu, predicate); }
#endif /* __cplusplus */

#endif /* PYGPU_SIM_HIP_RUNTIME_H */
