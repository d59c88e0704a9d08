/* CUDA's host runtime API, on the simulated device.
 *
 * Host code written for CUDA (cudaMalloc, cudaMemcpyAsync, streams, events,
 * cudaGetLastError, ...) compiles against this header with the system C or
 * C++ compiler and links to the simulated device's library, libpygpu_sim
 * (PyGPU.sim.library_path()):
 *
 *     c++ -I "$(python -c 'import PyGPU; print(PyGPU.get_include())')/pygpu/sim" \
 *         app.cpp -L <dir of libpygpu_sim.so> -lpygpu_sim -Wl,-rpath,<that dir>
 *
 * The names, signatures, enumerator values and semantics are CUDA's: each
 * function runs the simulated device's implementation of the runtime call of
 * that name, the one PyGPU's Python API calls, on the same device, memory,
 * streams and per-thread last error as the rest of the process.
 *
 * Who may use the device (the rule; docs/simulated-device.md): the calls are
 * served unless PyGPU is imported in the process with another backend active
 * (cuda or hip), which this library sees as PyGPU's `_core` loaded without
 * its simulated-device backend module. Then every call fails with
 * cudaErrorNotSupported, says why once on stderr, and the reason is the
 * simulated device's last message (pygpu_sim_last_message()), so host code
 * never silently works on a device the Python side does not use.
 *
 * Only the host API is here; cuda_runtime.h includes it. Plain C and C++.
 */
#ifndef PYGPU_SIM_CUDA_RUNTIME_API_H
#define PYGPU_SIM_CUDA_RUNTIME_API_H

#include <stddef.h>

#include "../backend.h"      /* the device property table (PYGPU_DEVICE_PROP_*) */
#include "../cuda_errors.def" /* CUDA's error codes (PYGPU_CUDA_ERRORS) */
#include "../sim_library.h"  /* PYGPU_SIM_EXPORT, pygpu_sim_last_message() */
#include "kernel/vector_types.h" /* dim3 */

/* The CUDA version whose runtime API this is (cudaRuntimeGetVersion answers it). */
#define CUDART_VERSION 13000

/* Default arguments, in C++ only (CUDA's __dv). */
#ifdef __cplusplus
#define PYGPU_SIM_DEFAULT(value) = value
#else
#define PYGPU_SIM_DEFAULT(value)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* --- types ------------------------------------------------------------------ */

enum cudaError {
#define PYGPU_SIM_ERROR_ENUMERATOR_(code, name, description) name = code,
    PYGPU_CUDA_ERRORS(PYGPU_SIM_ERROR_ENUMERATOR_)
#undef PYGPU_SIM_ERROR_ENUMERATOR_
};
typedef enum cudaError cudaError_t;

enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0,
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3,
    cudaMemcpyDefault = 4
};
typedef enum cudaMemcpyKind cudaMemcpyKind;

enum cudaMemoryType {
    cudaMemoryTypeUnregistered = 0,
    cudaMemoryTypeHost = 1,
    cudaMemoryTypeDevice = 2,
    cudaMemoryTypeManaged = 3
};
typedef enum cudaMemoryType cudaMemoryType;

typedef struct CUstream_st* cudaStream_t; /* 0: the legacy default stream */
#define cudaStreamLegacy ((cudaStream_t)0x1)    /* the legacy default stream, by name */
#define cudaStreamPerThread ((cudaStream_t)0x2) /* the calling host thread's default stream */
typedef struct CUevent_st* cudaEvent_t;
typedef void (*cudaHostFn_t)(void* userData);

struct cudaPointerAttributes {
    enum cudaMemoryType type;
    int device;
    void* devicePointer;
    void* hostPointer;
};
typedef struct cudaPointerAttributes cudaPointerAttributes;

/* The fields the simulated device fills (those cudaDeviceProp and
 * hipDeviceProp_t share), with CUDA's names and types. */
struct cudaDeviceProp {
    char name[PYGPU_DEVICE_NAME_LENGTH];
#define PYGPU_SIM_PROP_FIELD_(type, field, doc) type field;
#define PYGPU_SIM_PROP_ARRAY_(type, field, n, doc) type field[n];
    PYGPU_DEVICE_PROP_SCALARS(PYGPU_SIM_PROP_FIELD_)
    PYGPU_DEVICE_PROP_ARRAYS(PYGPU_SIM_PROP_ARRAY_)
#undef PYGPU_SIM_PROP_FIELD_
#undef PYGPU_SIM_PROP_ARRAY_
};
typedef struct cudaDeviceProp cudaDeviceProp;

/* A kernel's attributes (cudaFuncGetAttributes), CUDA's fields. On the
 * simulated device: sharedSizeBytes is the static shared memory the kernel
 * was seen to use so far (its registration's count, then the largest block's
 * pygpu_sim_shared_static total), constSizeBytes and localSizeBytes 0, numRegs 0,
 * ptxVersion and binaryVersion the device's compute capability (80). */
struct cudaFuncAttributes {
    size_t sharedSizeBytes;
    size_t constSizeBytes;
    size_t localSizeBytes;
    int maxThreadsPerBlock;
    int numRegs;
    int ptxVersion;
    int binaryVersion;
    int cacheModeCA;
    int maxDynamicSharedSizeBytes;
    int preferredShmemCarveout;
    int clusterDimMustBeSet;
    int requiredClusterWidth;
    int requiredClusterHeight;
    int requiredClusterDepth;
    int clusterSchedulingPolicyPreference;
    int nonPortableClusterSizeAllowed;
    int reserved[16];
};
typedef struct cudaFuncAttributes cudaFuncAttributes;

/* cudaFuncSetAttribute's attributes (CUDA's values). */
enum cudaFuncAttribute {
    cudaFuncAttributeMaxDynamicSharedMemorySize = 8,
    cudaFuncAttributePreferredSharedMemoryCarveout = 9,
    cudaFuncAttributeClusterDimMustBeSet = 10,
    cudaFuncAttributeRequiredClusterWidth = 11,
    cudaFuncAttributeRequiredClusterHeight = 12,
    cudaFuncAttributeRequiredClusterDepth = 13,
    cudaFuncAttributeNonPortableClusterSizeAllowed = 14,
    cudaFuncAttributeClusterSchedulingPolicyPreference = 15,
    cudaFuncAttributeMax
};
typedef enum cudaFuncAttribute cudaFuncAttribute;

enum cudaFuncCache {
    cudaFuncCachePreferNone = 0,
    cudaFuncCachePreferShared = 1,
    cudaFuncCachePreferL1 = 2,
    cudaFuncCachePreferEqual = 3
};
typedef enum cudaFuncCache cudaFuncCache;

/* cudaDeviceSetLimit's limits (CUDA's values). On the simulated device
 * (limit.cpp of the simulator): cudaLimitPrintfFifoSize bounds each launch's
 * printf output (the last bytes are kept; it cannot change after a kernel
 * that printed, until cudaDeviceReset), the DevRuntime limits are
 * cudaErrorUnsupportedLimit (no dynamic parallelism), the others are stored
 * and reported. */
enum cudaLimit {
    cudaLimitStackSize = 0x00,
    cudaLimitPrintfFifoSize = 0x01,
    cudaLimitMallocHeapSize = 0x02,
    cudaLimitDevRuntimeSyncDepth = 0x03,
    cudaLimitDevRuntimePendingLaunchCount = 0x04,
    cudaLimitMaxL2FetchGranularity = 0x05,
    cudaLimitPersistingL2CacheSize = 0x06
};
typedef enum cudaLimit cudaLimit;

/* Flags: CUDA's values. */
#define cudaStreamDefault 0x00
#define cudaStreamNonBlocking 0x01
#define cudaEventDefault 0x00
#define cudaEventBlockingSync 0x01
#define cudaEventDisableTiming 0x02
#define cudaEventInterprocess 0x04
#define cudaHostAllocDefault 0x00
#define cudaHostAllocPortable 0x01
#define cudaHostAllocMapped 0x02
#define cudaHostAllocWriteCombined 0x04
#define cudaHostRegisterDefault 0x00
#define cudaHostRegisterPortable 0x01
#define cudaHostRegisterMapped 0x02
#define cudaHostRegisterIoMemory 0x04
#define cudaHostRegisterReadOnly 0x08
#define cudaMemAttachGlobal 0x01
#define cudaMemAttachHost 0x02
#define cudaMemAttachSingle 0x04

/* Stream-ordered memory pools (CUDA's values). On the simulated device
 * (mempool.cpp of the simulator) a pool's properties are these fields:
 * allocType cudaMemAllocationTypePinned, handleTypes cudaMemHandleTypeNone,
 * location a device, maxSize 0 for no limit but the device's. */
typedef struct CUmemPoolHandle_st* cudaMemPool_t;
enum cudaMemPoolAttr {
    cudaMemPoolReuseFollowEventDependencies = 0x1,
    cudaMemPoolReuseAllowOpportunistic = 0x2,
    cudaMemPoolReuseAllowInternalDependencies = 0x3,
    cudaMemPoolAttrReleaseThreshold = 0x4,
    cudaMemPoolAttrReservedMemCurrent = 0x5,
    cudaMemPoolAttrReservedMemHigh = 0x6,
    cudaMemPoolAttrUsedMemCurrent = 0x7,
    cudaMemPoolAttrUsedMemHigh = 0x8
};
typedef enum cudaMemPoolAttr cudaMemPoolAttr;
enum cudaMemAllocationType { cudaMemAllocationTypeInvalid = 0x0, cudaMemAllocationTypePinned = 0x1 };
typedef enum cudaMemAllocationType cudaMemAllocationType;
enum cudaMemAllocationHandleType { cudaMemHandleTypeNone = 0x0, cudaMemHandleTypePosixFileDescriptor = 0x1 };
typedef enum cudaMemAllocationHandleType cudaMemAllocationHandleType;
enum cudaMemLocationType { cudaMemLocationTypeInvalid = 0, cudaMemLocationTypeDevice = 1 };
typedef enum cudaMemLocationType cudaMemLocationType;
struct cudaMemLocation {
    enum cudaMemLocationType type;
    int id;
};
typedef struct cudaMemLocation cudaMemLocation;
struct cudaMemPoolProps {
    enum cudaMemAllocationType allocType;
    enum cudaMemAllocationHandleType handleTypes;
    struct cudaMemLocation location;
    size_t maxSize;
};
typedef struct cudaMemPoolProps cudaMemPoolProps;

/* --- errors ------------------------------------------------------------------ */

PYGPU_SIM_EXPORT cudaError_t cudaGetLastError(void);
PYGPU_SIM_EXPORT cudaError_t cudaPeekAtLastError(void);
PYGPU_SIM_EXPORT const char* cudaGetErrorName(cudaError_t error);
PYGPU_SIM_EXPORT const char* cudaGetErrorString(cudaError_t error);

/* --- devices ----------------------------------------------------------------- */

PYGPU_SIM_EXPORT cudaError_t cudaGetDeviceCount(int* count);
PYGPU_SIM_EXPORT cudaError_t cudaGetDevice(int* device);
PYGPU_SIM_EXPORT cudaError_t cudaSetDevice(int device);
PYGPU_SIM_EXPORT cudaError_t cudaDeviceSynchronize(void);
PYGPU_SIM_EXPORT cudaError_t cudaDeviceReset(void);
PYGPU_SIM_EXPORT cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device);
PYGPU_SIM_EXPORT cudaError_t cudaMemGetInfo(size_t* free, size_t* total);
PYGPU_SIM_EXPORT cudaError_t cudaDriverGetVersion(int* driverVersion);
PYGPU_SIM_EXPORT cudaError_t cudaRuntimeGetVersion(int* runtimeVersion);
PYGPU_SIM_EXPORT cudaError_t cudaDeviceCanAccessPeer(int* canAccessPeer, int device, int peerDevice);
PYGPU_SIM_EXPORT cudaError_t cudaDeviceEnablePeerAccess(int peerDevice, unsigned int flags);
PYGPU_SIM_EXPORT cudaError_t cudaDeviceDisablePeerAccess(int peerDevice);
PYGPU_SIM_EXPORT cudaError_t cudaDeviceSetLimit(enum cudaLimit limit, size_t value);
PYGPU_SIM_EXPORT cudaError_t cudaDeviceGetLimit(size_t* pValue, enum cudaLimit limit);

/* --- memory ------------------------------------------------------------------ */

PYGPU_SIM_EXPORT cudaError_t cudaMalloc(void** devPtr, size_t size);
PYGPU_SIM_EXPORT cudaError_t cudaFree(void* devPtr);
/* Memory that host code and kernels both use at one address; flags
 * cudaMemAttachGlobal or cudaMemAttachHost; size 0 is cudaErrorInvalidValue.
 * Released by cudaFree. */
PYGPU_SIM_EXPORT cudaError_t cudaMallocManaged(void** devPtr, size_t size,
                                               unsigned int flags PYGPU_SIM_DEFAULT(cudaMemAttachGlobal));
PYGPU_SIM_EXPORT cudaError_t cudaMallocHost(void** ptr, size_t size);
PYGPU_SIM_EXPORT cudaError_t cudaHostAlloc(void** pHost, size_t size, unsigned int flags);
PYGPU_SIM_EXPORT cudaError_t cudaFreeHost(void* ptr);
PYGPU_SIM_EXPORT cudaError_t cudaHostRegister(void* ptr, size_t size, unsigned int flags);
PYGPU_SIM_EXPORT cudaError_t cudaHostUnregister(void* ptr);
PYGPU_SIM_EXPORT cudaError_t cudaPointerGetAttributes(cudaPointerAttributes* attributes, const void* ptr);
PYGPU_SIM_EXPORT cudaError_t cudaMemcpy(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind);
PYGPU_SIM_EXPORT cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind,
                                             cudaStream_t stream PYGPU_SIM_DEFAULT(0));
PYGPU_SIM_EXPORT cudaError_t cudaMemcpy2D(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width,
                                          size_t height, enum cudaMemcpyKind kind);
PYGPU_SIM_EXPORT cudaError_t cudaMemcpy2DAsync(void* dst, size_t dpitch, const void* src, size_t spitch,
                                               size_t width, size_t height, enum cudaMemcpyKind kind,
                                               cudaStream_t stream PYGPU_SIM_DEFAULT(0));
PYGPU_SIM_EXPORT cudaError_t cudaMemcpyPeer(void* dst, int dstDevice, const void* src, int srcDevice, size_t count);
PYGPU_SIM_EXPORT cudaError_t cudaMemcpyPeerAsync(void* dst, int dstDevice, const void* src, int srcDevice,
                                                 size_t count, cudaStream_t stream PYGPU_SIM_DEFAULT(0));
PYGPU_SIM_EXPORT cudaError_t cudaMemset(void* devPtr, int value, size_t count);
PYGPU_SIM_EXPORT cudaError_t cudaMemsetAsync(void* devPtr, int value, size_t count,
                                             cudaStream_t stream PYGPU_SIM_DEFAULT(0));

/* --- stream-ordered allocation ------------------------------------------------ */

PYGPU_SIM_EXPORT cudaError_t cudaMallocAsync(void** devPtr, size_t size, cudaStream_t hStream);
PYGPU_SIM_EXPORT cudaError_t cudaFreeAsync(void* devPtr, cudaStream_t hStream);
PYGPU_SIM_EXPORT cudaError_t cudaMallocFromPoolAsync(void** ptr, size_t size, cudaMemPool_t memPool,
                                                     cudaStream_t stream);
PYGPU_SIM_EXPORT cudaError_t cudaMemPoolCreate(cudaMemPool_t* memPool, const cudaMemPoolProps* poolProps);
PYGPU_SIM_EXPORT cudaError_t cudaMemPoolDestroy(cudaMemPool_t memPool);
PYGPU_SIM_EXPORT cudaError_t cudaDeviceGetDefaultMemPool(cudaMemPool_t* memPool, int device);
PYGPU_SIM_EXPORT cudaError_t cudaDeviceGetMemPool(cudaMemPool_t* memPool, int device);
PYGPU_SIM_EXPORT cudaError_t cudaDeviceSetMemPool(int device, cudaMemPool_t memPool);
PYGPU_SIM_EXPORT cudaError_t cudaMemPoolSetAttribute(cudaMemPool_t memPool, enum cudaMemPoolAttr attr, void* value);
PYGPU_SIM_EXPORT cudaError_t cudaMemPoolGetAttribute(cudaMemPool_t memPool, enum cudaMemPoolAttr attr, void* value);
PYGPU_SIM_EXPORT cudaError_t cudaMemPoolTrimTo(cudaMemPool_t memPool, size_t minBytesToKeep);

/* --- streams ----------------------------------------------------------------- */

PYGPU_SIM_EXPORT cudaError_t cudaStreamCreate(cudaStream_t* pStream);
PYGPU_SIM_EXPORT cudaError_t cudaStreamCreateWithFlags(cudaStream_t* pStream, unsigned int flags);
PYGPU_SIM_EXPORT cudaError_t cudaStreamCreateWithPriority(cudaStream_t* pStream, unsigned int flags, int priority);
PYGPU_SIM_EXPORT cudaError_t cudaStreamDestroy(cudaStream_t stream);
PYGPU_SIM_EXPORT cudaError_t cudaStreamSynchronize(cudaStream_t stream);
PYGPU_SIM_EXPORT cudaError_t cudaStreamQuery(cudaStream_t stream);
PYGPU_SIM_EXPORT cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event,
                                                 unsigned int flags PYGPU_SIM_DEFAULT(0));
PYGPU_SIM_EXPORT cudaError_t cudaStreamGetFlags(cudaStream_t hStream, unsigned int* flags);
PYGPU_SIM_EXPORT cudaError_t cudaStreamGetPriority(cudaStream_t hStream, int* priority);
PYGPU_SIM_EXPORT cudaError_t cudaDeviceGetStreamPriorityRange(int* leastPriority, int* greatestPriority);
PYGPU_SIM_EXPORT cudaError_t cudaLaunchHostFunc(cudaStream_t stream, cudaHostFn_t fn, void* userData);

/* --- kernels ---------------------------------------------------------------- */

/* Launches the kernel registered for the host stub `func` (pygpu/sim/launch.h):
 * cudaErrorInvalidDeviceFunction for an unregistered one,
 * cudaErrorInvalidConfiguration for a configuration the device cannot run,
 * cudaErrorInvalidValue for too much shared memory. A kernel that fails makes
 * the device's error sticky until cudaDeviceReset. */
PYGPU_SIM_EXPORT cudaError_t cudaLaunchKernel(const void* func, dim3 gridDim, dim3 blockDim, void** args,
                                              size_t sharedMem PYGPU_SIM_DEFAULT(0),
                                              cudaStream_t stream PYGPU_SIM_DEFAULT(0));

/* Kernels registered by compiled code, looked up by their host stub: an
 * unregistered `func` is cudaErrorInvalidDeviceFunction. */
PYGPU_SIM_EXPORT cudaError_t cudaFuncGetAttributes(struct cudaFuncAttributes* attr, const void* func);
/* cudaFuncAttributeMaxDynamicSharedMemorySize sets the kernel's dynamic
 * shared memory limit, up to the device's sharedMemPerBlockOptin (166912)
 * minus its static shared bytes (above: cudaErrorInvalidValue); launches
 * with more dynamic shared memory than the limit (default: sharedMemPerBlock
 * minus the static bytes) fail with cudaErrorInvalidValue.
 * cudaFuncAttributePreferredSharedMemoryCarveout takes -1 or 0..100 (a hint,
 * recorded); the cluster attributes are cudaErrorNotSupported (no clusters
 * on the simulated device); anything else is cudaErrorInvalidValue. */
PYGPU_SIM_EXPORT cudaError_t cudaFuncSetAttribute(const void* func, enum cudaFuncAttribute attr, int value);
/* A hint: accepted for a registered kernel and a valid cudaFuncCache. */
PYGPU_SIM_EXPORT cudaError_t cudaFuncSetCacheConfig(const void* func, enum cudaFuncCache cacheConfig);

/* Occupancy, from the device's limits (maxThreadsPerMultiProcessor 2048, 32
 * blocks and sharedMemPerMultiprocessor 167936 bytes per multiprocessor, 1 KiB
 * reserved per block; no register limit: numRegs is 0). */
PYGPU_SIM_EXPORT cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* numBlocks, const void* func,
                                                                           int blockSize, size_t dynamicSMemSize);
PYGPU_SIM_EXPORT cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int* numBlocks,
                                                                                    const void* func, int blockSize,
                                                                                    size_t dynamicSMemSize,
                                                                                    unsigned int flags);
/* The C function under CUDA's template cudaOccupancyMaxPotentialBlockSize
 * (cuda_runtime.h): the block size (a multiple of 32, at most
 * `blockSizeLimit` when it is not 0) that gives the most resident threads
 * per multiprocessor, and the grid size that fills the device with it;
 * `dynamicSMemSize` bytes of dynamic shared memory per block. */
PYGPU_SIM_EXPORT cudaError_t pygpu_sim_occupancy_max_potential_block_size(int* minGridSize, int* blockSize,
                                                                          const void* func, size_t dynamicSMemSize,
                                                                          int blockSizeLimit);

/* --- symbols (__device__ and __constant__ variables) --------------------------
 * `symbol` is the variable's host address, registered by the compiled code
 * (pygpu_sim_register_global, pygpu/sim/launch.h): an unregistered one is
 * cudaErrorInvalidSymbol; offset + count past the variable's end is
 * cudaErrorInvalidValue; a kind other than HostToDevice, DeviceToDevice or
 * Default (To) / DeviceToHost, DeviceToDevice or Default (From) is
 * cudaErrorInvalidMemcpyDirection. One copy for all devices. */
PYGPU_SIM_EXPORT cudaError_t cudaGetSymbolAddress(void** devPtr, const void* symbol);
PYGPU_SIM_EXPORT cudaError_t cudaGetSymbolSize(size_t* size, const void* symbol);
PYGPU_SIM_EXPORT cudaError_t cudaMemcpyToSymbol(const void* symbol, const void* src, size_t count,
                                                size_t offset PYGPU_SIM_DEFAULT(0),
                                                enum cudaMemcpyKind kind PYGPU_SIM_DEFAULT(cudaMemcpyHostToDevice));
PYGPU_SIM_EXPORT cudaError_t cudaMemcpyFromSymbol(void* dst, const void* symbol, size_t count,
                                                  size_t offset PYGPU_SIM_DEFAULT(0),
                                                  enum cudaMemcpyKind kind PYGPU_SIM_DEFAULT(cudaMemcpyDeviceToHost));
PYGPU_SIM_EXPORT cudaError_t cudaMemcpyToSymbolAsync(const void* symbol, const void* src, size_t count,
                                                     size_t offset PYGPU_SIM_DEFAULT(0),
                                                     enum cudaMemcpyKind kind PYGPU_SIM_DEFAULT(cudaMemcpyHostToDevice),
                                                     cudaStream_t stream PYGPU_SIM_DEFAULT(0));
PYGPU_SIM_EXPORT cudaError_t cudaMemcpyFromSymbolAsync(void* dst, const void* symbol, size_t count,
                                                       size_t offset PYGPU_SIM_DEFAULT(0),
                                                       enum cudaMemcpyKind kind PYGPU_SIM_DEFAULT(cudaMemcpyDeviceToHost),
                                                       cudaStream_t stream PYGPU_SIM_DEFAULT(0));

/* --- events ------------------------------------------------------------------ */

PYGPU_SIM_EXPORT cudaError_t cudaEventCreate(cudaEvent_t* event);
PYGPU_SIM_EXPORT cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags);
PYGPU_SIM_EXPORT cudaError_t cudaEventDestroy(cudaEvent_t event);
PYGPU_SIM_EXPORT cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream PYGPU_SIM_DEFAULT(0));
PYGPU_SIM_EXPORT cudaError_t cudaEventQuery(cudaEvent_t event);
PYGPU_SIM_EXPORT cudaError_t cudaEventSynchronize(cudaEvent_t event);
PYGPU_SIM_EXPORT cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end);

#ifdef __cplusplus
}
#endif

#endif /* PYGPU_SIM_CUDA_RUNTIME_API_H */
