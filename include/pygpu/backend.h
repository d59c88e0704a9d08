/* PyGPU backend interface.
 *
 * A backend (the simulated device, the CUDA runtime, the HIP runtime) fills one
 * `pygpu_backend` table of function pointers. `PyGPU._core` calls the runtime
 * only through this table, so nothing above this header includes a vendor
 * header, and a new backend is one more file that fills the table.
 *
 * Rules for every entry:
 *  - plain C types only: addresses are `void*`, sizes `size_t`, streams and
 *    events opaque handles, status the backend's *native* integer code
 *    (CUDA's `cudaError_t` values for "cuda" and "sim", `hipError_t` for "hip");
 *  - a NULL stream handle is the legacy default stream of the current device;
 *  - semantics are those of the CUDA runtime call of the same name
 *    (`get_device` is `cudaGetDevice`, ...); a failing call sets the calling
 *    thread's last error exactly as the runtime does;
 *  - `last_message` returns a human-readable detail for the calling thread's
 *    most recent failure ("" when the backend has none), for error reports.
 *
 * Modules (ABI version 2): `library_load_data` takes an image of `size`
 * bytes (a cubin/PTX/fatbin on CUDA, a code object on HIP, a simulated-device
 * kernel library on "sim"), `library_load_from_file` a path. `launch_kernel`
 * takes the kernel's arguments as `arg_count` pointers, `args[i]` pointing at
 * `arg_sizes[i]` bytes: the simulated device checks the count and the sizes
 * against the kernel's parameters (cudaErrorInvalidValue, naming the
 * parameter), CUDA and HIP pass `args` on as they are.
 *
 * Managed memory and device limits (also ABI version 2): `malloc_managed`
 * is cudaMallocManaged (flags PYGPU_MEM_ATTACH_GLOBAL or _HOST; `free`
 * releases it), `device_set_limit`/`device_get_limit` are
 * cudaDeviceSetLimit/cudaDeviceGetLimit of the current device, `limit` a
 * pygpu_limit value.
 *
 * Stream-ordered allocation (ABI version 3): `malloc_async`/`free_async`
 * are cudaMallocAsync/cudaFreeAsync (the stream's device's current pool),
 * `malloc_from_pool_async` cudaMallocFromPoolAsync, and the mem_pool rows
 * the cudaMemPool* calls; `attr` is a pygpu_mem_pool_attr and `value`
 * points at an int (the reuse policies) or a uint64_t (the others), as in
 * CUDA.
 *
 * Each backend is shipped as a tiny Python extension module
 * `PyGPU._backend_<name>` whose attribute `table` is a PyCapsule named
 * PYGPU_BACKEND_CAPSULE_NAME holding a `const pygpu_backend*`. `_core`
 * refuses a table whose `abi_version` differs from PYGPU_BACKEND_ABI_VERSION.
 */
#ifndef PYGPU_BACKEND_H
#define PYGPU_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PYGPU_BACKEND_ABI_VERSION 3
#define PYGPU_BACKEND_CAPSULE_NAME "pygpu.backend"

typedef struct pygpu_stream_opaque* pygpu_stream_t; /* NULL: legacy default stream */
typedef struct pygpu_event_opaque* pygpu_event_t;
typedef void (*pygpu_host_fn)(void* user_data);
/* A loaded module of device code (cudaLibrary_t, hipModule_t, a simulated-
 * device library) and one of its kernels (cudaKernel_t, hipFunction_t, a
 * simulated-device host stub). */
typedef struct pygpu_module_opaque* pygpu_module_t;
typedef struct pygpu_function_opaque* pygpu_function_t;
/* A stream-ordered memory pool (cudaMemPool_t, hipMemPool_t). */
typedef struct pygpu_mem_pool_opaque* pygpu_mem_pool_t;

typedef struct pygpu_dim3 {
    unsigned int x, y, z;
} pygpu_dim3;

/* cudaFuncAttributes' fields that CUDA and HIP share (hipFuncGetAttribute
 * answers each for a module's function); 0 where a backend has no value. */
typedef struct pygpu_func_attributes {
    size_t shared_size_bytes;          /* static shared memory */
    size_t const_size_bytes;           /* constant memory */
    size_t local_size_bytes;           /* local memory per thread */
    int max_threads_per_block;
    int num_regs;
    int ptx_version;
    int binary_version;
    int max_dynamic_shared_size_bytes;
} pygpu_func_attributes;

/* Values are CUDA's and HIP's (they agree). */
enum pygpu_memcpy_kind {
    PYGPU_MEMCPY_HOST_TO_HOST = 0,
    PYGPU_MEMCPY_HOST_TO_DEVICE = 1,
    PYGPU_MEMCPY_DEVICE_TO_HOST = 2,
    PYGPU_MEMCPY_DEVICE_TO_DEVICE = 3,
    PYGPU_MEMCPY_DEFAULT = 4
};

/* Flag values; CUDA's and HIP's agree on every one. */
enum pygpu_flags {
    PYGPU_STREAM_DEFAULT = 0x0,
    PYGPU_STREAM_NON_BLOCKING = 0x1,
    PYGPU_EVENT_DEFAULT = 0x0,
    PYGPU_EVENT_BLOCKING_SYNC = 0x1,
    PYGPU_EVENT_DISABLE_TIMING = 0x2,
    PYGPU_EVENT_INTERPROCESS = 0x4,
    PYGPU_HOST_ALLOC_DEFAULT = 0x0,
    PYGPU_HOST_ALLOC_PORTABLE = 0x1,
    PYGPU_HOST_ALLOC_MAPPED = 0x2,
    PYGPU_HOST_ALLOC_WRITE_COMBINED = 0x4,
    PYGPU_HOST_REGISTER_DEFAULT = 0x0,
    PYGPU_HOST_REGISTER_PORTABLE = 0x1,
    PYGPU_HOST_REGISTER_MAPPED = 0x2,
    PYGPU_HOST_REGISTER_IO_MEMORY = 0x4,
    PYGPU_HOST_REGISTER_READ_ONLY = 0x8,
    PYGPU_MEM_ATTACH_GLOBAL = 0x1, /* cudaMallocManaged: any stream on any device may use it */
    PYGPU_MEM_ATTACH_HOST = 0x2,   /* ... only the host until attached to a stream */
    PYGPU_MEM_ATTACH_SINGLE = 0x4  /* cudaStreamAttachMemAsync only */
};

/* cudaLimit values (device_set_limit, device_get_limit); HIP's hipLimit_t
 * agrees on the ones it has. */
enum pygpu_limit {
    PYGPU_LIMIT_STACK_SIZE = 0,
    PYGPU_LIMIT_PRINTF_FIFO_SIZE = 1,
    PYGPU_LIMIT_MALLOC_HEAP_SIZE = 2,
    PYGPU_LIMIT_DEV_RUNTIME_SYNC_DEPTH = 3,
    PYGPU_LIMIT_DEV_RUNTIME_PENDING_LAUNCH_COUNT = 4,
    PYGPU_LIMIT_MAX_L2_FETCH_GRANULARITY = 5,
    PYGPU_LIMIT_PERSISTING_L2_CACHE_SIZE = 6
};

/* cudaMemPoolAttr values (mem_pool_set_attribute, mem_pool_get_attribute);
 * HIP's hipMemPoolAttr agrees. The reuse policies take an int, the others a
 * uint64_t. */
enum pygpu_mem_pool_attr {
    PYGPU_MEM_POOL_REUSE_FOLLOW_EVENT_DEPENDENCIES = 1,
    PYGPU_MEM_POOL_REUSE_ALLOW_OPPORTUNISTIC = 2,
    PYGPU_MEM_POOL_REUSE_ALLOW_INTERNAL_DEPENDENCIES = 3,
    PYGPU_MEM_POOL_ATTR_RELEASE_THRESHOLD = 4,
    PYGPU_MEM_POOL_ATTR_RESERVED_MEM_CURRENT = 5,
    PYGPU_MEM_POOL_ATTR_RESERVED_MEM_HIGH = 6,
    PYGPU_MEM_POOL_ATTR_USED_MEM_CURRENT = 7,
    PYGPU_MEM_POOL_ATTR_USED_MEM_HIGH = 8
};

/* cudaMemAllocationType, cudaMemAllocationHandleType and cudaMemLocationType
 * values a pool's properties use (CUDA's and HIP's agree). */
enum pygpu_mem_pool_values {
    PYGPU_MEM_ALLOCATION_TYPE_INVALID = 0,
    PYGPU_MEM_ALLOCATION_TYPE_PINNED = 1,
    PYGPU_MEM_HANDLE_TYPE_NONE = 0,
    PYGPU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR = 1,
    PYGPU_MEM_LOCATION_TYPE_INVALID = 0,
    PYGPU_MEM_LOCATION_TYPE_DEVICE = 1
};

/* cudaMemLocation and the cudaMemPoolProps fields PyGPU passes on (CUDA's
 * names, in this order); `max_size` 0 is "no limit but the device's". */
typedef struct pygpu_mem_location {
    int type; /* enum pygpu_mem_pool_values: PYGPU_MEM_LOCATION_TYPE_* */
    int id;   /* the device */
} pygpu_mem_location;

typedef struct pygpu_mem_pool_props {
    int alloc_type;   /* PYGPU_MEM_ALLOCATION_TYPE_* */
    int handle_types; /* PYGPU_MEM_HANDLE_TYPE_* (a bit set) */
    pygpu_mem_location location;
    size_t max_size;
} pygpu_mem_pool_props;

/* cudaMemoryType values, as reported by pointer_get_attributes. */
enum pygpu_memory_type {
    PYGPU_MEMORY_UNREGISTERED = 0,
    PYGPU_MEMORY_HOST = 1,
    PYGPU_MEMORY_DEVICE = 2,
    PYGPU_MEMORY_MANAGED = 3
};

typedef struct pygpu_pointer_attributes {
    int type;             /* enum pygpu_memory_type */
    int device;           /* device the memory belongs to, -1 when none */
    void* device_pointer; /* address usable on the device, NULL when none */
    void* host_pointer;   /* address usable on the host, NULL when none */
} pygpu_pointer_attributes;

/* The device properties PyGPU exposes: the fields that cudaDeviceProp and
 * hipDeviceProp_t share, under their common names. This one table generates
 * the C struct, the backends' copy code and the Python attributes.
 *   X(c_type, name, docstring)                scalar fields
 *   A(c_type, name, length, docstring)        fixed-size arrays */
#define PYGPU_DEVICE_PROP_SCALARS(X)                                                        \
    X(size_t, totalGlobalMem, "Global memory on the device, in bytes.")                     \
    X(size_t, sharedMemPerBlock, "Shared memory available to a block, in bytes.")           \
    X(int, regsPerBlock, "32-bit registers available to a block.")                          \
    X(int, warpSize, "Warp size, in threads.")                                              \
    X(size_t, memPitch, "Largest pitch allowed by pitched memory copies, in bytes.")        \
    X(int, maxThreadsPerBlock, "Largest number of threads in a block.")                     \
    X(size_t, totalConstMem, "Constant memory on the device, in bytes.")                    \
    X(int, major, "Major compute capability.")                                              \
    X(int, minor, "Minor compute capability.")                                              \
    X(size_t, textureAlignment, "Alignment requirement for textures, in bytes.")            \
    X(int, multiProcessorCount, "Number of multiprocessors.")                               \
    X(int, integrated, "1 when the device is integrated with the host memory system.")      \
    X(int, canMapHostMemory, "1 when the device can map host memory.")                      \
    X(int, concurrentKernels, "1 when the device can run several kernels at once.")         \
    X(int, ECCEnabled, "1 when ECC is enabled.")                                            \
    X(int, pciBusID, "PCI bus identifier.")                                                 \
    X(int, pciDeviceID, "PCI device identifier.")                                           \
    X(int, pciDomainID, "PCI domain identifier.")                                           \
    X(int, memoryBusWidth, "Global memory bus width, in bits.")                             \
    X(int, l2CacheSize, "L2 cache size, in bytes.")                                         \
    X(int, maxThreadsPerMultiProcessor, "Largest number of resident threads per multiprocessor.") \
    X(int, managedMemory, "1 when the device supports managed memory.")                     \
    X(int, isMultiGpuBoard, "1 when the device is on a multi-GPU board.")                   \
    X(int, cooperativeLaunch, "1 when the device supports cooperative launches.")

#define PYGPU_DEVICE_PROP_ARRAYS(A)                                                         \
    A(int, maxThreadsDim, 3, "Largest block size in each dimension (x, y, z).")             \
    A(int, maxGridSize, 3, "Largest grid size in each dimension (x, y, z).")

#define PYGPU_DEVICE_NAME_LENGTH 256

typedef struct pygpu_device_prop {
    char name[PYGPU_DEVICE_NAME_LENGTH];
#define PYGPU_PROP_FIELD_(type, field, doc) type field;
#define PYGPU_PROP_ARRAY_(type, field, n, doc) type field[n];
    PYGPU_DEVICE_PROP_SCALARS(PYGPU_PROP_FIELD_)
    PYGPU_DEVICE_PROP_ARRAYS(PYGPU_PROP_ARRAY_)
#undef PYGPU_PROP_FIELD_
#undef PYGPU_PROP_ARRAY_
} pygpu_device_prop;

/* Native codes the bindings need to produce or recognise themselves (for
 * example when an argument is rejected before the backend is called). */
typedef struct pygpu_backend_codes {
    int success;
    int invalid_value;           /* cudaErrorInvalidValue */
    int memory_allocation;       /* cudaErrorMemoryAllocation / hipErrorOutOfMemory */
    int invalid_device;          /* cudaErrorInvalidDevice */
    int invalid_resource_handle; /* cudaErrorInvalidResourceHandle / hipErrorInvalidHandle */
    int not_ready;               /* cudaErrorNotReady */
    int no_device;               /* cudaErrorNoDevice */
    int insufficient_driver;     /* cudaErrorInsufficientDriver */
    int not_supported;           /* cudaErrorNotSupported */
} pygpu_backend_codes;

/* The runtime entries of the table: one row each, written once here and
 * expanded wherever a list of entries is needed (the struct below, the
 * simulated device's call counters and error injection).
 *   REPORT(return_type, member, (parameters))
 *       error reporting: reports on the calls rather than being one, so the
 *       simulated device neither counts it nor injects failures into it;
 *   CALL(return_type, member, cuda_name, (parameters))
 *       a runtime call, with the name of the CUDA runtime function whose
 *       semantics it has (the name statistics and error injection use).
 * The order of the rows is the layout of the struct: a new entry is a new
 * PYGPU_BACKEND_ABI_VERSION. */
#define PYGPU_BACKEND_ENTRIES(REPORT, CALL)                                                              \
    /* errors */                                                                                         \
    REPORT(const char*, get_error_name, (int status))                                                    \
    REPORT(const char*, get_error_string, (int status))                                                  \
    REPORT(int, get_last_error, (void))                                                                  \
    REPORT(int, peek_at_last_error, (void))                                                              \
    REPORT(const char*, last_message, (void))                                                            \
    /* devices */                                                                                        \
    CALL(int, get_device_count, cudaGetDeviceCount, (int* count))                                        \
    CALL(int, get_device, cudaGetDevice, (int* device))                                                  \
    CALL(int, set_device, cudaSetDevice, (int device))                                                   \
    CALL(int, device_synchronize, cudaDeviceSynchronize, (void))                                         \
    CALL(int, device_reset, cudaDeviceReset, (void))                                                     \
    CALL(int, get_device_properties, cudaGetDeviceProperties, (pygpu_device_prop* prop, int device))     \
    CALL(int, mem_get_info, cudaMemGetInfo, (size_t* free_bytes, size_t* total_bytes))                   \
    CALL(int, driver_get_version, cudaDriverGetVersion, (int* version))                                  \
    CALL(int, runtime_get_version, cudaRuntimeGetVersion, (int* version))                                \
    CALL(int, device_can_access_peer, cudaDeviceCanAccessPeer, (int* can_access, int device,             \
                                                                int peer_device))                        \
    CALL(int, device_enable_peer_access, cudaDeviceEnablePeerAccess, (int peer_device,                   \
                                                                      unsigned int flags))               \
    CALL(int, device_disable_peer_access, cudaDeviceDisablePeerAccess, (int peer_device))                \
    CALL(int, device_set_limit, cudaDeviceSetLimit, (int limit, size_t value))                           \
    CALL(int, device_get_limit, cudaDeviceGetLimit, (size_t* value, int limit))                          \
    /* memory */                                                                                         \
    CALL(int, malloc, cudaMalloc, (void** ptr, size_t size))                                             \
    CALL(int, free, cudaFree, (void* ptr))                                                               \
    CALL(int, malloc_managed, cudaMallocManaged, (void** ptr, size_t size, unsigned int flags))          \
    CALL(int, malloc_host, cudaMallocHost, (void** ptr, size_t size))                                    \
    CALL(int, host_alloc, cudaHostAlloc, (void** ptr, size_t size, unsigned int flags))                  \
    CALL(int, free_host, cudaFreeHost, (void* ptr))                                                      \
    CALL(int, host_register, cudaHostRegister, (void* ptr, size_t size, unsigned int flags))             \
    CALL(int, host_unregister, cudaHostUnregister, (void* ptr))                                          \
    CALL(int, pointer_get_attributes, cudaPointerGetAttributes, (pygpu_pointer_attributes* attributes,   \
                                                                 const void* ptr))                       \
    CALL(int, memcpy, cudaMemcpy, (void* dst, const void* src, size_t count, int kind))                  \
    CALL(int, memcpy_async, cudaMemcpyAsync, (void* dst, const void* src, size_t count, int kind,        \
                                              pygpu_stream_t stream))                                    \
    CALL(int, memcpy_2d, cudaMemcpy2D, (void* dst, size_t dpitch, const void* src, size_t spitch,        \
                                        size_t width, size_t height, int kind))                          \
    CALL(int, memcpy_2d_async, cudaMemcpy2DAsync, (void* dst, size_t dpitch, const void* src,            \
                                                   size_t spitch, size_t width, size_t height, int kind, \
                                                   pygpu_stream_t stream))                               \
    CALL(int, memcpy_peer, cudaMemcpyPeer, (void* dst, int dst_device, const void* src, int src_device,  \
                                            size_t count))                                               \
    CALL(int, memcpy_peer_async, cudaMemcpyPeerAsync, (void* dst, int dst_device, const void* src,       \
                                                       int src_device, size_t count,                     \
                                                       pygpu_stream_t stream))                           \
    CALL(int, memset, cudaMemset, (void* ptr, int value, size_t count))                                  \
    CALL(int, memset_async, cudaMemsetAsync, (void* ptr, int value, size_t count,                        \
                                              pygpu_stream_t stream))                                    \
    /* stream-ordered allocation (ABI version 3) */                                                      \
    CALL(int, malloc_async, cudaMallocAsync, (void** ptr, size_t size, pygpu_stream_t stream))           \
    CALL(int, free_async, cudaFreeAsync, (void* ptr, pygpu_stream_t stream))                             \
    CALL(int, malloc_from_pool_async, cudaMallocFromPoolAsync, (void** ptr, size_t size,                 \
                                                                pygpu_mem_pool_t pool,                   \
                                                                pygpu_stream_t stream))                  \
    CALL(int, mem_pool_create, cudaMemPoolCreate, (pygpu_mem_pool_t* pool,                               \
                                                   const pygpu_mem_pool_props* props))                   \
    CALL(int, mem_pool_destroy, cudaMemPoolDestroy, (pygpu_mem_pool_t pool))                             \
    CALL(int, device_get_default_mem_pool, cudaDeviceGetDefaultMemPool, (pygpu_mem_pool_t* pool,         \
                                                                         int device))                    \
    CALL(int, device_get_mem_pool, cudaDeviceGetMemPool, (pygpu_mem_pool_t* pool, int device))           \
    CALL(int, device_set_mem_pool, cudaDeviceSetMemPool, (int device, pygpu_mem_pool_t pool))            \
    CALL(int, mem_pool_set_attribute, cudaMemPoolSetAttribute, (pygpu_mem_pool_t pool, int attr,         \
                                                                void* value))                            \
    CALL(int, mem_pool_get_attribute, cudaMemPoolGetAttribute, (pygpu_mem_pool_t pool, int attr,         \
                                                                void* value))                            \
    CALL(int, mem_pool_trim_to, cudaMemPoolTrimTo, (pygpu_mem_pool_t pool, size_t min_bytes_to_keep))    \
    /* streams */                                                                                        \
    CALL(int, stream_create_with_priority, cudaStreamCreateWithPriority, (pygpu_stream_t* stream,        \
                                                                          unsigned int flags,            \
                                                                          int priority))                 \
    CALL(int, stream_destroy, cudaStreamDestroy, (pygpu_stream_t stream))                                \
    CALL(int, stream_synchronize, cudaStreamSynchronize, (pygpu_stream_t stream))                        \
    CALL(int, stream_query, cudaStreamQuery, (pygpu_stream_t stream))                                    \
    CALL(int, stream_wait_event, cudaStreamWaitEvent, (pygpu_stream_t stream, pygpu_event_t event,       \
                                                       unsigned int flags))                              \
    CALL(int, stream_get_flags, cudaStreamGetFlags, (pygpu_stream_t stream, unsigned int* flags))        \
    CALL(int, stream_get_priority, cudaStreamGetPriority, (pygpu_stream_t stream, int* priority))        \
    CALL(int, device_get_stream_priority_range, cudaDeviceGetStreamPriorityRange, (int* least,           \
                                                                                   int* greatest))       \
    CALL(int, launch_host_func, cudaLaunchHostFunc, (pygpu_stream_t stream, pygpu_host_fn fn,            \
                                                     void* user_data))                                   \
    /* events */                                                                                         \
    CALL(int, event_create_with_flags, cudaEventCreateWithFlags, (pygpu_event_t* event,                  \
                                                                  unsigned int flags))                   \
    CALL(int, event_destroy, cudaEventDestroy, (pygpu_event_t event))                                    \
    CALL(int, event_record, cudaEventRecord, (pygpu_event_t event, pygpu_stream_t stream))               \
    CALL(int, event_query, cudaEventQuery, (pygpu_event_t event))                                        \
    CALL(int, event_synchronize, cudaEventSynchronize, (pygpu_event_t event))                            \
    CALL(int, event_elapsed_time, cudaEventElapsedTime, (float* ms, pygpu_event_t start,                 \
                                                         pygpu_event_t end))                             \
    /* modules (ABI version 2): load device code, find its kernels and globals, launch */                \
    CALL(int, library_load_data, cudaLibraryLoadData, (pygpu_module_t* module, const void* image,        \
                                                       size_t size))                                     \
    CALL(int, library_load_from_file, cudaLibraryLoadFromFile, (pygpu_module_t* module, const char* path)) \
    CALL(int, library_unload, cudaLibraryUnload, (pygpu_module_t module))                                \
    CALL(int, library_get_kernel, cudaLibraryGetKernel, (pygpu_function_t* function,                     \
                                                         pygpu_module_t module, const char* name))       \
    CALL(int, library_get_global, cudaLibraryGetGlobal, (void** address, size_t* size,                   \
                                                         pygpu_module_t module, const char* name))       \
    CALL(int, func_get_attributes, cudaFuncGetAttributes, (pygpu_func_attributes* attributes,            \
                                                           pygpu_function_t function))                   \
    CALL(int, occupancy_max_active_blocks, cudaOccupancyMaxActiveBlocksPerMultiprocessor, (int* blocks,  \
         pygpu_function_t function, int block_size, size_t dynamic_shared))                              \
    CALL(int, occupancy_max_potential_block_size, cudaOccupancyMaxPotentialBlockSize, (int* min_grid_size, \
         int* block_size, pygpu_function_t function, size_t dynamic_shared, int block_size_limit))       \
    CALL(int, launch_kernel, cudaLaunchKernel, (pygpu_function_t function, pygpu_dim3 grid,              \
                                                pygpu_dim3 block, void** args, const size_t* arg_sizes,  \
                                                size_t arg_count, size_t dynamic_shared,                 \
                                                pygpu_stream_t stream))

typedef struct pygpu_backend {
    uint32_t abi_version; /* PYGPU_BACKEND_ABI_VERSION */
    uint32_t struct_size; /* sizeof(pygpu_backend) */
    const char* name;     /* "sim", "cuda", "hip" */
    const char* api_prefix; /* "cuda" or "hip": how the native error names start */
    pygpu_backend_codes codes;

    /* The rows of PYGPU_BACKEND_ENTRIES, in its order. */
#define PYGPU_BACKEND_REPORT_MEMBER_(ret, member, params) ret(*member) params;
#define PYGPU_BACKEND_CALL_MEMBER_(ret, member, cuda_name, params) ret(*member) params;
    PYGPU_BACKEND_ENTRIES(PYGPU_BACKEND_REPORT_MEMBER_, PYGPU_BACKEND_CALL_MEMBER_)
#undef PYGPU_BACKEND_REPORT_MEMBER_
#undef PYGPU_BACKEND_CALL_MEMBER_

    /* Backend-specific extension tables, by name (the simulated device's
     * inspection API, for example); NULL when the backend has none. */
    const void* (*extension)(const char* name);
} pygpu_backend;

#ifdef __cplusplus
}
#endif

#endif /* PYGPU_BACKEND_H */
