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

#define PYGPU_BACKEND_ABI_VERSION 1
#define PYGPU_BACKEND_CAPSULE_NAME "pygpu.backend"

typedef struct pygpu_stream_opaque* pygpu_stream_t; /* NULL: legacy default stream */
typedef struct pygpu_event_opaque* pygpu_event_t;
typedef void (*pygpu_host_fn)(void* user_data);

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
    PYGPU_HOST_REGISTER_READ_ONLY = 0x8
};

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

typedef struct pygpu_backend {
    uint32_t abi_version; /* PYGPU_BACKEND_ABI_VERSION */
    uint32_t struct_size; /* sizeof(pygpu_backend) */
    const char* name;     /* "sim", "cuda", "hip" */
    const char* api_prefix; /* "cuda" or "hip": how the native error names start */
    pygpu_backend_codes codes;

    /* errors */
    const char* (*get_error_name)(int status);
    const char* (*get_error_string)(int status);
    int (*get_last_error)(void);
    int (*peek_at_last_error)(void);
    const char* (*last_message)(void);

    /* devices */
    int (*get_device_count)(int* count);
    int (*get_device)(int* device);
    int (*set_device)(int device);
    int (*device_synchronize)(void);
    int (*device_reset)(void);
    int (*get_device_properties)(pygpu_device_prop* prop, int device);
    int (*mem_get_info)(size_t* free_bytes, size_t* total_bytes);
    int (*driver_get_version)(int* version);
    int (*runtime_get_version)(int* version);
    int (*device_can_access_peer)(int* can_access, int device, int peer_device);
    int (*device_enable_peer_access)(int peer_device, unsigned int flags);
    int (*device_disable_peer_access)(int peer_device);

    /* memory */
    int (*malloc)(void** ptr, size_t size);
    int (*free)(void* ptr);
    int (*malloc_host)(void** ptr, size_t size);
    int (*host_alloc)(void** ptr, size_t size, unsigned int flags);
    int (*free_host)(void* ptr);
    int (*host_register)(void* ptr, size_t size, unsigned int flags);
    int (*host_unregister)(void* ptr);
    int (*pointer_get_attributes)(pygpu_pointer_attributes* attributes, const void* ptr);
    int (*memcpy)(void* dst, const void* src, size_t count, int kind);
    int (*memcpy_async)(void* dst, const void* src, size_t count, int kind, pygpu_stream_t stream);
    int (*memcpy_2d)(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width,
                     size_t height, int kind);
    int (*memcpy_2d_async)(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width,
                           size_t height, int kind, pygpu_stream_t stream);
    int (*memcpy_peer)(void* dst, int dst_device, const void* src, int src_device, size_t count);
    int (*memcpy_peer_async)(void* dst, int dst_device, const void* src, int src_device,
                             size_t count, pygpu_stream_t stream);
    int (*memset)(void* ptr, int value, size_t count);
    int (*memset_async)(void* ptr, int value, size_t count, pygpu_stream_t stream);

    /* streams */
    int (*stream_create_with_priority)(pygpu_stream_t* stream, unsigned int flags, int priority);
    int (*stream_destroy)(pygpu_stream_t stream);
    int (*stream_synchronize)(pygpu_stream_t stream);
    int (*stream_query)(pygpu_stream_t stream);
    int (*stream_wait_event)(pygpu_stream_t stream, pygpu_event_t event, unsigned int flags);
    int (*stream_get_flags)(pygpu_stream_t stream, unsigned int* flags);
    int (*stream_get_priority)(pygpu_stream_t stream, int* priority);
    int (*device_get_stream_priority_range)(int* least, int* greatest);
    int (*launch_host_func)(pygpu_stream_t stream, pygpu_host_fn fn, void* user_data);

    /* events */
    int (*event_create_with_flags)(pygpu_event_t* event, unsigned int flags);
    int (*event_destroy)(pygpu_event_t event);
    int (*event_record)(pygpu_event_t event, pygpu_stream_t stream);
    int (*event_query)(pygpu_event_t event);
    int (*event_synchronize)(pygpu_event_t event);
    int (*event_elapsed_time)(float* ms, pygpu_event_t start, pygpu_event_t end);

    /* Backend-specific extension tables, by name (the simulated device's
     * inspection API, for example); NULL when the backend has none. */
    const void* (*extension)(const char* name);
} pygpu_backend;

#ifdef __cplusplus
}
#endif

#endif /* PYGPU_BACKEND_H */
