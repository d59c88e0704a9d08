// CUDA's host runtime API on the simulated device (pygpu/sim/cuda_runtime_api.h),
// exported by libpygpu_sim with C linkage for user code.
//
// One implementation: each function forwards to the member of the simulated
// device's backend table that PyGPU's Python API calls. The functions of the
// table's CALL rows are generated (tools/gen_sim_runtime.py, from
// PYGPU_BACKEND_ENTRIES); the error reporting and CUDA's shorthands for
// calls of the table (cudaStreamCreate, cudaEventCreate, ...) are below.
// Every call but the error reporting first asks host_access.h whether user
// code may use the device in this process.
//
// Compiled on its own (not in the unity build): CUDA's header defines macros
// (cudaStreamDefault, ...) and enumerators that the other files need not see.
#include "pygpu/sim/cuda_runtime_api.h"

#include <cstddef>
#include <cstring>
#include <type_traits>

#include "PyGPU/sim/backend.h"
#include "PyGPU/sim/func.h"
#include "PyGPU/sim/grid.h"
#include "PyGPU/sim/host_access.h"
#include "PyGPU/sim/launch.h"
#include "PyGPU/sim/symbols.h"

namespace pygpu {
namespace sim {

namespace {

// The forwarding hands CUDA's structs to the table as its plain C structs:
// the same layout, field by field.
static_assert(sizeof(cudaDeviceProp) == sizeof(pygpu_device_prop), "cudaDeviceProp differs from pygpu_device_prop");
static_assert(offsetof(cudaDeviceProp, name) == offsetof(pygpu_device_prop, name), "name");
#define PYGPU_SIM_SAME_OFFSET_(type, field, ...) \
    static_assert(offsetof(cudaDeviceProp, field) == offsetof(pygpu_device_prop, field), #field);
PYGPU_DEVICE_PROP_SCALARS(PYGPU_SIM_SAME_OFFSET_)
PYGPU_DEVICE_PROP_ARRAYS(PYGPU_SIM_SAME_OFFSET_)
#undef PYGPU_SIM_SAME_OFFSET_
static_assert(sizeof(cudaPointerAttributes) == sizeof(pygpu_pointer_attributes), "cudaPointerAttributes");
static_assert(offsetof(cudaPointerAttributes, type) == offsetof(pygpu_pointer_attributes, type), "type");
static_assert(offsetof(cudaPointerAttributes, device) == offsetof(pygpu_pointer_attributes, device), "device");
static_assert(offsetof(cudaPointerAttributes, devicePointer) == offsetof(pygpu_pointer_attributes, device_pointer),
              "devicePointer");
static_assert(offsetof(cudaPointerAttributes, hostPointer) == offsetof(pygpu_pointer_attributes, host_pointer),
              "hostPointer");

// CUDA's enumerators and flags are the table's values.
static_assert(cudaMemcpyHostToHost == PYGPU_MEMCPY_HOST_TO_HOST && cudaMemcpyHostToDevice == PYGPU_MEMCPY_HOST_TO_DEVICE &&
                  cudaMemcpyDeviceToHost == PYGPU_MEMCPY_DEVICE_TO_HOST &&
                  cudaMemcpyDeviceToDevice == PYGPU_MEMCPY_DEVICE_TO_DEVICE && cudaMemcpyDefault == PYGPU_MEMCPY_DEFAULT,
              "cudaMemcpyKind");
static_assert(cudaMemoryTypeUnregistered == PYGPU_MEMORY_UNREGISTERED && cudaMemoryTypeHost == PYGPU_MEMORY_HOST &&
                  cudaMemoryTypeDevice == PYGPU_MEMORY_DEVICE && cudaMemoryTypeManaged == PYGPU_MEMORY_MANAGED,
              "cudaMemoryType");
static_assert(cudaStreamDefault == PYGPU_STREAM_DEFAULT && cudaStreamNonBlocking == PYGPU_STREAM_NON_BLOCKING &&
                  cudaEventDefault == PYGPU_EVENT_DEFAULT && cudaEventBlockingSync == PYGPU_EVENT_BLOCKING_SYNC &&
                  cudaEventDisableTiming == PYGPU_EVENT_DISABLE_TIMING &&
                  cudaEventInterprocess == PYGPU_EVENT_INTERPROCESS &&
                  cudaHostAllocDefault == PYGPU_HOST_ALLOC_DEFAULT && cudaHostAllocPortable == PYGPU_HOST_ALLOC_PORTABLE &&
                  cudaHostAllocMapped == PYGPU_HOST_ALLOC_MAPPED &&
                  cudaHostAllocWriteCombined == PYGPU_HOST_ALLOC_WRITE_COMBINED &&
                  cudaHostRegisterDefault == PYGPU_HOST_REGISTER_DEFAULT &&
                  cudaHostRegisterPortable == PYGPU_HOST_REGISTER_PORTABLE &&
                  cudaHostRegisterMapped == PYGPU_HOST_REGISTER_MAPPED &&
                  cudaHostRegisterIoMemory == PYGPU_HOST_REGISTER_IO_MEMORY &&
                  cudaHostRegisterReadOnly == PYGPU_HOST_REGISTER_READ_ONLY,
              "flags");
static_assert(cudaMemAttachGlobal == PYGPU_MEM_ATTACH_GLOBAL && cudaMemAttachHost == PYGPU_MEM_ATTACH_HOST &&
                  cudaMemAttachSingle == PYGPU_MEM_ATTACH_SINGLE,
              "cudaMemAttach");
static_assert(cudaLimitStackSize == PYGPU_LIMIT_STACK_SIZE && cudaLimitPrintfFifoSize == PYGPU_LIMIT_PRINTF_FIFO_SIZE &&
                  cudaLimitMallocHeapSize == PYGPU_LIMIT_MALLOC_HEAP_SIZE &&
                  cudaLimitDevRuntimeSyncDepth == PYGPU_LIMIT_DEV_RUNTIME_SYNC_DEPTH &&
                  cudaLimitDevRuntimePendingLaunchCount == PYGPU_LIMIT_DEV_RUNTIME_PENDING_LAUNCH_COUNT &&
                  cudaLimitMaxL2FetchGranularity == PYGPU_LIMIT_MAX_L2_FETCH_GRANULARITY &&
                  cudaLimitPersistingL2CacheSize == PYGPU_LIMIT_PERSISTING_L2_CACHE_SIZE,
              "cudaLimit");
static_assert(std::is_same<cudaHostFn_t, pygpu_host_fn>::value, "cudaHostFn_t");
static_assert(sizeof(cudaMemPoolProps) == sizeof(pygpu_mem_pool_props) &&
                  offsetof(cudaMemPoolProps, allocType) == offsetof(pygpu_mem_pool_props, alloc_type) &&
                  offsetof(cudaMemPoolProps, handleTypes) == offsetof(pygpu_mem_pool_props, handle_types) &&
                  offsetof(cudaMemPoolProps, location) == offsetof(pygpu_mem_pool_props, location) &&
                  offsetof(cudaMemPoolProps, maxSize) == offsetof(pygpu_mem_pool_props, max_size) &&
                  sizeof(cudaMemLocation) == sizeof(pygpu_mem_location),
              "cudaMemPoolProps");
static_assert(cudaMemPoolReuseFollowEventDependencies == PYGPU_MEM_POOL_REUSE_FOLLOW_EVENT_DEPENDENCIES &&
                  cudaMemPoolReuseAllowOpportunistic == PYGPU_MEM_POOL_REUSE_ALLOW_OPPORTUNISTIC &&
                  cudaMemPoolReuseAllowInternalDependencies == PYGPU_MEM_POOL_REUSE_ALLOW_INTERNAL_DEPENDENCIES &&
                  cudaMemPoolAttrReleaseThreshold == PYGPU_MEM_POOL_ATTR_RELEASE_THRESHOLD &&
                  cudaMemPoolAttrReservedMemCurrent == PYGPU_MEM_POOL_ATTR_RESERVED_MEM_CURRENT &&
                  cudaMemPoolAttrReservedMemHigh == PYGPU_MEM_POOL_ATTR_RESERVED_MEM_HIGH &&
                  cudaMemPoolAttrUsedMemCurrent == PYGPU_MEM_POOL_ATTR_USED_MEM_CURRENT &&
                  cudaMemPoolAttrUsedMemHigh == PYGPU_MEM_POOL_ATTR_USED_MEM_HIGH &&
                  cudaMemAllocationTypePinned == PYGPU_MEM_ALLOCATION_TYPE_PINNED &&
                  cudaMemHandleTypeNone == PYGPU_MEM_HANDLE_TYPE_NONE &&
                  cudaMemLocationTypeDevice == PYGPU_MEM_LOCATION_TYPE_DEVICE,
              "cudaMemPoolAttr, cudaMemAllocationType, cudaMemLocationType");
static_assert(cudaFuncAttributeMaxDynamicSharedMemorySize == kAttrMaxDynamicSharedMemorySize &&
                  cudaFuncAttributePreferredSharedMemoryCarveout == kAttrPreferredSharedMemoryCarveout &&
                  cudaFuncAttributeClusterDimMustBeSet == kAttrClusterFirst &&
                  cudaFuncAttributeClusterSchedulingPolicyPreference == kAttrClusterLast &&
                  cudaFuncCachePreferEqual == kCachePreferEqual,
              "cudaFuncAttribute, cudaFuncCache");

// An enumeration argument's value, read from its bytes: a C caller may pass
// any int (CUDA checks it: cudaErrorInvalidValue), and loading an
// enumeration outside its range as the enumeration type is undefined in C++
// (UBSan's -fsanitize=enum reports it).
template <typename Enum>
int raw_enum(const Enum& value) {
    static_assert(std::is_enum<Enum>::value && sizeof(Enum) == sizeof(int), "an int-sized enumeration");
    int raw;
    std::memcpy(&raw, &value, sizeof raw);
    return raw;
}

// A CUDA-typed argument as the table's parameter type: handles and structs
// (pointers) are reinterpreted, enumerations converted, the rest passed as is.
template <typename To, typename From>
To to_table(From value) {
    if constexpr (std::is_same<To, From>::value) {
        return value;
    } else if constexpr (std::is_pointer<To>::value && std::is_pointer<From>::value) {
        return reinterpret_cast<To>(value);
    } else {
        static_assert(std::is_enum<From>::value && std::is_integral<To>::value, "no conversion to the table's type");
        return static_cast<To>(raw_enum(value));
    }
}

}  // namespace

// Runs `body` unless user code may not use the device in this process
// (host_access.h): the calls outside the backend table.
template <typename Body>
cudaError_t host_call(const char* call, Body&& body) {
    if (const int refused = host_access_refused(call)) return static_cast<cudaError_t>(refused);
    return static_cast<cudaError_t>(body());
}

// Runs `entry` of the table with CUDA's arguments, unless user code may not
// use the device in this process (host_access.h).
template <typename... Params, typename... Args>
cudaError_t host_forward(const char* call, int (*entry)(Params...), Args... args) {
    static_assert(sizeof...(Params) == sizeof...(Args), "CUDA's function and the table's entry differ in arity");
    if (const int refused = host_access_refused(call)) return static_cast<cudaError_t>(refused);
    return static_cast<cudaError_t>(entry(to_table<Params>(args)...));
}

}  // namespace sim
}  // namespace pygpu

extern "C" {

// The table's CALL rows, with CUDA's signatures (tools/gen_sim_runtime.py).
#include "sim_runtime_calls.inc"

// Error reporting: the calling thread's state on the simulated device,
// answered in every case (a refused call sets it too).
cudaError_t cudaGetLastError(void) { return static_cast<cudaError_t>(pygpu::sim::backend_table()->get_last_error()); }

cudaError_t cudaPeekAtLastError(void) {
    return static_cast<cudaError_t>(pygpu::sim::backend_table()->peek_at_last_error());
}

const char* cudaGetErrorName(cudaError_t error) { return pygpu::sim::backend_table()->get_error_name(error); }

const char* cudaGetErrorString(cudaError_t error) { return pygpu::sim::backend_table()->get_error_string(error); }

// CUDA's shorthands: the table's call with CUDA's defaults (flags 0, priority 0).
cudaError_t cudaStreamCreate(cudaStream_t* pStream) { return cudaStreamCreateWithPriority(pStream, cudaStreamDefault, 0); }

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* pStream, unsigned int flags) {
    return cudaStreamCreateWithPriority(pStream, flags, 0);
}

cudaError_t cudaEventCreate(cudaEvent_t* event) { return cudaEventCreateWithFlags(event, cudaEventDefault); }

// Kernels by host stub (launch.h); counted and injectable as the table's
// launch_kernel row, whose module form takes handles, not CUDA's parameters.
cudaError_t cudaLaunchKernel(const void* func, dim3 gridDim, dim3 blockDim, void** args, size_t sharedMem,
                             cudaStream_t stream) {
    if (const int refused = pygpu::sim::host_access_refused("cudaLaunchKernel")) return static_cast<cudaError_t>(refused);
    return static_cast<cudaError_t>(pygpu::sim::launch_kernel(func, pygpu::sim::Dim3{gridDim.x, gridDim.y, gridDim.z},
                                                              pygpu::sim::Dim3{blockDim.x, blockDim.y, blockDim.z},
                                                              args, sharedMem, reinterpret_cast<pygpu_stream_t>(stream)));
}

// Kernel attributes and occupancy (func.h), outside the backend table.
cudaError_t cudaFuncGetAttributes(struct cudaFuncAttributes* attr, const void* func) {
    return pygpu::sim::host_call("cudaFuncGetAttributes", [&] {
        pygpu::sim::FuncInfo info;
        const int e = pygpu::sim::func_get_attributes(attr != nullptr ? &info : nullptr, func);
        if (e != 0) return e;
        *attr = cudaFuncAttributes{};
        attr->sharedSizeBytes = info.common.shared_size_bytes;
        attr->maxThreadsPerBlock = info.common.max_threads_per_block;
        attr->numRegs = info.common.num_regs;
        attr->ptxVersion = info.common.ptx_version;
        attr->binaryVersion = info.common.binary_version;
        attr->maxDynamicSharedSizeBytes = info.common.max_dynamic_shared_size_bytes;
        attr->preferredShmemCarveout = info.preferred_shmem_carveout;
        return e;
    });
}

cudaError_t cudaFuncSetAttribute(const void* func, enum cudaFuncAttribute attr, int value) {
    return pygpu::sim::host_call("cudaFuncSetAttribute",
                                 [&] { return pygpu::sim::func_set_attribute(func, pygpu::sim::raw_enum(attr), value); });
}

cudaError_t cudaFuncSetCacheConfig(const void* func, enum cudaFuncCache cacheConfig) {
    return pygpu::sim::host_call("cudaFuncSetCacheConfig",
                                 [&] { return pygpu::sim::func_set_cache_config(func, pygpu::sim::raw_enum(cacheConfig)); });
}

cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int* numBlocks, const void* func, int blockSize,
                                                                   size_t dynamicSMemSize, unsigned int flags) {
    return pygpu::sim::host_call("cudaOccupancyMaxActiveBlocksPerMultiprocessor", [&] {
        return pygpu::sim::occupancy_max_active_blocks(numBlocks, func, blockSize, dynamicSMemSize, flags);
    });
}

cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* numBlocks, const void* func, int blockSize,
                                                          size_t dynamicSMemSize) {
    return cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(numBlocks, func, blockSize, dynamicSMemSize, 0);
}

cudaError_t pygpu_sim_occupancy_max_potential_block_size(int* minGridSize, int* blockSize, const void* func,
                                                         size_t dynamicSMemSize, int blockSizeLimit) {
    return pygpu::sim::host_call("cudaOccupancyMaxPotentialBlockSize", [&] {
        return pygpu::sim::occupancy_max_potential_block_size(minGridSize, blockSize, func, dynamicSMemSize,
                                                              blockSizeLimit);
    });
}

// Symbols (symbols.h), outside the backend table.
cudaError_t cudaGetSymbolAddress(void** devPtr, const void* symbol) {
    return pygpu::sim::host_call("cudaGetSymbolAddress", [&] { return pygpu::sim::get_symbol_address(devPtr, symbol); });
}

cudaError_t cudaGetSymbolSize(size_t* size, const void* symbol) {
    return pygpu::sim::host_call("cudaGetSymbolSize", [&] { return pygpu::sim::get_symbol_size(size, symbol); });
}

cudaError_t cudaMemcpyToSymbol(const void* symbol, const void* src, size_t count, size_t offset,
                               enum cudaMemcpyKind kind) {
    return pygpu::sim::host_call("cudaMemcpyToSymbol", [&] {
        return pygpu::sim::memcpy_to_symbol(symbol, src, count, offset, pygpu::sim::raw_enum(kind), false, nullptr);
    });
}

cudaError_t cudaMemcpyFromSymbol(void* dst, const void* symbol, size_t count, size_t offset,
                                 enum cudaMemcpyKind kind) {
    return pygpu::sim::host_call("cudaMemcpyFromSymbol", [&] {
        return pygpu::sim::memcpy_from_symbol(dst, symbol, count, offset, pygpu::sim::raw_enum(kind), false, nullptr);
    });
}

cudaError_t cudaMemcpyToSymbolAsync(const void* symbol, const void* src, size_t count, size_t offset,
                                    enum cudaMemcpyKind kind, cudaStream_t stream) {
    return pygpu::sim::host_call("cudaMemcpyToSymbolAsync", [&] {
        return pygpu::sim::memcpy_to_symbol(symbol, src, count, offset, pygpu::sim::raw_enum(kind), true,
                                            reinterpret_cast<pygpu_stream_t>(stream));
    });
}

cudaError_t cudaMemcpyFromSymbolAsync(void* dst, const void* symbol, size_t count, size_t offset,
                                      enum cudaMemcpyKind kind, cudaStream_t stream) {
    return pygpu::sim::host_call("cudaMemcpyFromSymbolAsync", [&] {
        return pygpu::sim::memcpy_from_symbol(dst, symbol, count, offset, pygpu::sim::raw_enum(kind), true,
                                              reinterpret_cast<pygpu_stream_t>(stream));
    });
}

}  // extern "C"
