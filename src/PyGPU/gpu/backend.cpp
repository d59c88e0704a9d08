// The "cuda" and "hip" backends: one source, compiled twice (see CMakeLists.txt).
//
// Every entry forwards to the CUDA runtime call of the same name; under
// PYGPU_GPU_HIP, runtime.h maps those names to HIP's. The runtime's own status
// code is returned untouched and the runtime keeps the thread's last error, so
// an entry adds nothing but handle and struct conversions. Where an output
// argument is NULL it is still passed on as NULL, so that the runtime, not this
// file, answers (and records) the error.
#include "PyGPU/common/backend_module.h"  // first: it includes Python.h

#include <cstring>

#include "PyGPU/common/backend_complete.h"
#include "runtime.h"

namespace {

// Opaque handles are the runtime's own handles, reinterpreted.
cudaStream_t S(pygpu_stream_t s) { return reinterpret_cast<cudaStream_t>(s); }
cudaMemPool_t P(pygpu_mem_pool_t p) { return reinterpret_cast<cudaMemPool_t>(p); }
cudaEvent_t E(pygpu_event_t e) { return reinterpret_cast<cudaEvent_t>(e); }
pygpu_gpu_module M(pygpu_module_t m) { return reinterpret_cast<pygpu_gpu_module>(m); }
pygpu_gpu_function F(pygpu_function_t f) { return reinterpret_cast<pygpu_gpu_function>(f); }

// Kinds 0..4 agree with pygpu_memcpy_kind. Anything else becomes 7, still
// inside the enum's range (so the cast is defined) and still invalid, so the
// runtime answers it with its invalid-direction error.
cudaMemcpyKind K(int kind) { return static_cast<cudaMemcpyKind>(kind >= 0 && kind <= 4 ? kind : 7); }

// Pools: a value outside cudaMemPoolAttr becomes 0, inside the enum's range
// and not an attribute, so the runtime answers it with its own error; the
// properties' enumerations likewise.
cudaMemPoolAttr A(int attr) { return static_cast<cudaMemPoolAttr>(attr >= 1 && attr <= 8 ? attr : 0); }

int mem_pool_create(pygpu_mem_pool_t* pool, const pygpu_mem_pool_props* props) {
    cudaMemPool_t* out = reinterpret_cast<cudaMemPool_t*>(pool);
    if (props == nullptr) return cudaMemPoolCreate(out, nullptr);
    // Outside the handle types' range (their values are bits up to 8): not a handle type.
    if (props->handle_types < 0 || props->handle_types > 15) return cudaErrorInvalidValue;
    cudaMemPoolProps p;
    std::memset(&p, 0, sizeof p);
    p.allocType = static_cast<cudaMemAllocationType>(props->alloc_type == 1 ? 1 : 0);
    p.handleTypes = static_cast<cudaMemAllocationHandleType>(props->handle_types);
    p.location.type = static_cast<cudaMemLocationType>(props->location.type == 1 ? 1 : 0);
    p.location.id = props->location.id;
    if (!pygpu_gpu_pool_max_size(&p, props->max_size)) return cudaErrorNotSupported;
    return cudaMemPoolCreate(out, &p);
}

int get_device_properties(pygpu_device_prop* prop, int device) {
    cudaDeviceProp native;
    std::memset(&native, 0, sizeof native);
    const cudaError_t status = cudaGetDeviceProperties(prop != nullptr ? &native : nullptr, device);
    if (status != cudaSuccess || prop == nullptr) return status;
    std::memset(prop, 0, sizeof *prop);
    static_assert(sizeof native.name <= sizeof prop->name, "device name does not fit");
    std::memcpy(prop->name, native.name, sizeof native.name);
    prop->name[sizeof prop->name - 1] = '\0';
#define PYGPU_COPY_SCALAR_(type, field, doc) prop->field = static_cast<type>(native.field);
#define PYGPU_COPY_ARRAY_(type, field, n, doc) \
    for (int i = 0; i < (n); ++i) prop->field[i] = static_cast<type>(native.field[i]);
    PYGPU_DEVICE_PROP_SCALARS(PYGPU_COPY_SCALAR_)
    PYGPU_DEVICE_PROP_ARRAYS(PYGPU_COPY_ARRAY_)
#undef PYGPU_COPY_SCALAR_
#undef PYGPU_COPY_ARRAY_
    return status;
}

int pointer_get_attributes(pygpu_pointer_attributes* attributes, const void* ptr) {
    cudaPointerAttributes native;
    std::memset(&native, 0, sizeof native);
    const cudaError_t status = cudaPointerGetAttributes(attributes != nullptr ? &native : nullptr, ptr);
    if (attributes == nullptr) return status;
    if (status == cudaSuccess) {
        *attributes = {pygpu_gpu_memory_type(native), native.device, native.devicePointer,
                       native.hostPointer};
        // CUDA reports device -2 (cudaInvalidDeviceId) for unregistered memory; backend.h says -1.
        if (attributes->type == PYGPU_MEMORY_UNREGISTERED) attributes->device = -1;
        return status;
    }
    // HIP 5.2 answers hipErrorInvalidValue for host memory it does not know;
    // CUDA (>= 11, whose semantics the table follows) answers success and
    // "unregistered". Give CUDA's answer and drop the error the runtime recorded.
    if (PYGPU_GPU_UNREGISTERED_IS_ERROR && status == cudaErrorInvalidValue && ptr != nullptr) {
        (void)cudaGetLastError();
        *attributes = {PYGPU_MEMORY_UNREGISTERED, -1, nullptr, nullptr};
        return cudaSuccess;
    }
    return status;
}

int stream_create_with_priority(pygpu_stream_t* stream, unsigned int flags, int priority) {
    cudaStream_t native = nullptr;
    const cudaError_t status =
        cudaStreamCreateWithPriority(stream != nullptr ? &native : nullptr, flags, priority);
    // A failed create hands back NULL, never whatever the runtime left behind.
    if (stream != nullptr) *stream = status == cudaSuccess ? reinterpret_cast<pygpu_stream_t>(native) : nullptr;
    return status;
}

int event_create_with_flags(pygpu_event_t* event, unsigned int flags) {
    cudaEvent_t native = nullptr;
    const cudaError_t status = cudaEventCreateWithFlags(event != nullptr ? &native : nullptr, flags);
    if (event != nullptr) *event = status == cudaSuccess ? reinterpret_cast<pygpu_event_t>(native) : nullptr;
    return status;
}

// A failed load or lookup hands back NULL, never what the runtime left behind.
int library_load_data(pygpu_module_t* module, const void* image, size_t size) {
    pygpu_gpu_module native = nullptr;
    const int status = pygpu_gpu_library_load_data(module != nullptr ? &native : nullptr, image, size);
    if (module != nullptr) *module = status == cudaSuccess ? reinterpret_cast<pygpu_module_t>(native) : nullptr;
    return status;
}

int library_load_from_file(pygpu_module_t* module, const char* path) {
    pygpu_gpu_module native = nullptr;
    const int status = pygpu_gpu_library_load_from_file(module != nullptr ? &native : nullptr, path);
    if (module != nullptr) *module = status == cudaSuccess ? reinterpret_cast<pygpu_module_t>(native) : nullptr;
    return status;
}

int library_get_kernel(pygpu_function_t* function, pygpu_module_t module, const char* name) {
    pygpu_gpu_function native = nullptr;
    const int status = pygpu_gpu_library_get_kernel(function != nullptr ? &native : nullptr, M(module), name);
    if (function != nullptr) *function = status == cudaSuccess ? reinterpret_cast<pygpu_function_t>(native) : nullptr;
    return status;
}

// By member name, in a constexpr function so that the check below runs at
// compile time.
constexpr pygpu_backend make_table() {
    pygpu_backend t{};
    t.abi_version = PYGPU_BACKEND_ABI_VERSION;
    t.struct_size = sizeof(pygpu_backend);
    t.name = PYGPU_GPU_NAME;
    t.api_prefix = PYGPU_GPU_NAME;
    t.codes = {cudaSuccess,           cudaErrorInvalidValue,     cudaErrorMemoryAllocation,
               cudaErrorInvalidDevice, cudaErrorInvalidResourceHandle, cudaErrorNotReady,
               cudaErrorNoDevice,     cudaErrorInsufficientDriver, cudaErrorNotSupported};

    // errors
    t.get_error_name = [](int s) { return cudaGetErrorName(static_cast<cudaError_t>(s)); };
    t.get_error_string = [](int s) { return cudaGetErrorString(static_cast<cudaError_t>(s)); };
    t.get_last_error = []() -> int { return cudaGetLastError(); };
    t.peek_at_last_error = []() -> int { return cudaPeekAtLastError(); };
    // The runtimes give no detail beyond the code, and this file rejects nothing itself.
    t.last_message = []() { return ""; };

    // devices
    t.get_device_count = [](int* n) -> int { return cudaGetDeviceCount(n); };
    t.get_device = [](int* d) -> int { return cudaGetDevice(d); };
    t.set_device = [](int d) -> int { return cudaSetDevice(d); };
    t.device_synchronize = []() -> int { return cudaDeviceSynchronize(); };
    t.device_reset = []() -> int { return cudaDeviceReset(); };
    t.get_device_properties = get_device_properties;
    t.mem_get_info = [](size_t* f, size_t* total) -> int { return cudaMemGetInfo(f, total); };
    t.driver_get_version = [](int* v) -> int { return cudaDriverGetVersion(v); };
    t.runtime_get_version = [](int* v) -> int { return cudaRuntimeGetVersion(v); };
    t.device_can_access_peer = [](int* c, int d, int p) -> int { return cudaDeviceCanAccessPeer(c, d, p); };
    t.device_enable_peer_access = [](int p, unsigned f) -> int { return cudaDeviceEnablePeerAccess(p, f); };
    t.device_disable_peer_access = [](int p) -> int { return cudaDeviceDisablePeerAccess(p); };
    t.device_set_limit = [](int l, size_t v) -> int { return pygpu_gpu_device_set_limit(l, v); };
    t.device_get_limit = [](size_t* v, int l) -> int { return pygpu_gpu_device_get_limit(v, l); };

    // memory
    t.malloc = [](void** p, size_t n) -> int { return cudaMalloc(p, n); };
    t.free = [](void* p) -> int { return cudaFree(p); };
    t.malloc_managed = [](void** p, size_t n, unsigned f) -> int { return cudaMallocManaged(p, n, f); };
    t.malloc_host = [](void** p, size_t n) -> int { return cudaMallocHost(p, n); };
    t.host_alloc = [](void** p, size_t n, unsigned f) -> int { return cudaHostAlloc(p, n, f); };
    t.free_host = [](void* p) -> int { return cudaFreeHost(p); };
    t.host_register = [](void* p, size_t n, unsigned f) -> int { return cudaHostRegister(p, n, f); };
    t.host_unregister = [](void* p) -> int { return cudaHostUnregister(p); };
    t.pointer_get_attributes = pointer_get_attributes;
    t.memcpy = [](void* d, const void* s, size_t n, int k) -> int { return cudaMemcpy(d, s, n, K(k)); };
    t.memcpy_async = [](void* d, const void* s, size_t n, int k, pygpu_stream_t st) -> int {
        return cudaMemcpyAsync(d, s, n, K(k), S(st));
    };
    t.memcpy_2d = [](void* d, size_t dp, const void* s, size_t sp, size_t w, size_t h, int k) -> int {
        return cudaMemcpy2D(d, dp, s, sp, w, h, K(k));
    };
    t.memcpy_2d_async = [](void* d, size_t dp, const void* s, size_t sp, size_t w, size_t h, int k,
                           pygpu_stream_t st) -> int { return cudaMemcpy2DAsync(d, dp, s, sp, w, h, K(k), S(st)); };
    t.memcpy_peer = [](void* d, int dd, const void* s, int sd, size_t n) -> int {
        return cudaMemcpyPeer(d, dd, s, sd, n);
    };
    t.memcpy_peer_async = [](void* d, int dd, const void* s, int sd, size_t n, pygpu_stream_t st) -> int {
        return cudaMemcpyPeerAsync(d, dd, s, sd, n, S(st));
    };
    t.memset = [](void* p, int v, size_t n) -> int { return cudaMemset(p, v, n); };
    t.memset_async = [](void* p, int v, size_t n, pygpu_stream_t st) -> int { return cudaMemsetAsync(p, v, n, S(st)); };

    // stream-ordered allocation (ABI version 3)
    t.malloc_async = [](void** p, size_t n, pygpu_stream_t st) -> int { return cudaMallocAsync(p, n, S(st)); };
    t.free_async = [](void* p, pygpu_stream_t st) -> int { return cudaFreeAsync(p, S(st)); };
    t.malloc_from_pool_async = [](void** p, size_t n, pygpu_mem_pool_t pool, pygpu_stream_t st) -> int {
        return cudaMallocFromPoolAsync(p, n, P(pool), S(st));
    };
    t.mem_pool_create = mem_pool_create;
    t.mem_pool_destroy = [](pygpu_mem_pool_t pool) -> int { return cudaMemPoolDestroy(P(pool)); };
    t.device_get_default_mem_pool = [](pygpu_mem_pool_t* pool, int d) -> int {
        return cudaDeviceGetDefaultMemPool(reinterpret_cast<cudaMemPool_t*>(pool), d);
    };
    t.device_get_mem_pool = [](pygpu_mem_pool_t* pool, int d) -> int {
        return cudaDeviceGetMemPool(reinterpret_cast<cudaMemPool_t*>(pool), d);
    };
    t.device_set_mem_pool = [](int d, pygpu_mem_pool_t pool) -> int { return cudaDeviceSetMemPool(d, P(pool)); };
    t.mem_pool_set_attribute = [](pygpu_mem_pool_t pool, int a, void* v) -> int {
        return cudaMemPoolSetAttribute(P(pool), A(a), v);
    };
    t.mem_pool_get_attribute = [](pygpu_mem_pool_t pool, int a, void* v) -> int {
        return cudaMemPoolGetAttribute(P(pool), A(a), v);
    };
    t.mem_pool_trim_to = [](pygpu_mem_pool_t pool, size_t keep) -> int { return cudaMemPoolTrimTo(P(pool), keep); };

    // streams
    t.stream_create_with_priority = stream_create_with_priority;
    t.stream_destroy = [](pygpu_stream_t s) -> int { return cudaStreamDestroy(S(s)); };
    t.stream_synchronize = [](pygpu_stream_t s) -> int { return cudaStreamSynchronize(S(s)); };
    t.stream_query = [](pygpu_stream_t s) -> int { return cudaStreamQuery(S(s)); };
    t.stream_wait_event = [](pygpu_stream_t s, pygpu_event_t e, unsigned f) -> int {
        return cudaStreamWaitEvent(S(s), E(e), f);
    };
    t.stream_get_flags = [](pygpu_stream_t s, unsigned* f) -> int { return cudaStreamGetFlags(S(s), f); };
    t.stream_get_priority = [](pygpu_stream_t s, int* p) -> int { return cudaStreamGetPriority(S(s), p); };
    t.device_get_stream_priority_range = [](int* l, int* g) -> int { return cudaDeviceGetStreamPriorityRange(l, g); };
    // pygpu_host_fn is void(*)(void*), the runtime's host-function type.
    t.launch_host_func = [](pygpu_stream_t s, pygpu_host_fn fn, void* u) -> int { return cudaLaunchHostFunc(S(s), fn, u); };

    // events
    t.event_create_with_flags = event_create_with_flags;
    t.event_destroy = [](pygpu_event_t e) -> int { return cudaEventDestroy(E(e)); };
    t.event_record = [](pygpu_event_t e, pygpu_stream_t s) -> int { return cudaEventRecord(E(e), S(s)); };
    t.event_query = [](pygpu_event_t e) -> int { return cudaEventQuery(E(e)); };
    t.event_synchronize = [](pygpu_event_t e) -> int { return cudaEventSynchronize(E(e)); };
    t.event_elapsed_time = [](float* ms, pygpu_event_t a, pygpu_event_t b) -> int {
        return cudaEventElapsedTime(ms, E(a), E(b));
    };

    // modules (runtime.h: CUDA's library API, HIP's module API). The
    // argument sizes are the simulated device's check; the runtimes take
    // the pointers alone.
    t.library_load_data = library_load_data;
    t.library_load_from_file = library_load_from_file;
    t.library_unload = [](pygpu_module_t m) -> int { return pygpu_gpu_library_unload(M(m)); };
    t.library_get_kernel = library_get_kernel;
    t.library_get_global = [](void** a, size_t* n, pygpu_module_t m, const char* name) -> int {
        return pygpu_gpu_library_get_global(a, n, M(m), name);
    };
    t.func_get_attributes = [](pygpu_func_attributes* a, pygpu_function_t f) -> int {
        return pygpu_gpu_func_get_attributes(a, F(f));
    };
    t.occupancy_max_active_blocks = [](int* n, pygpu_function_t f, int bs, size_t dyn) -> int {
        return pygpu_gpu_occupancy_max_active_blocks(n, F(f), bs, dyn);
    };
    t.occupancy_max_potential_block_size = [](int* g, int* b, pygpu_function_t f, size_t dyn, int limit) -> int {
        return pygpu_gpu_occupancy_max_potential_block_size(g, b, F(f), dyn, limit);
    };
    t.launch_kernel = [](pygpu_function_t f, pygpu_dim3 g, pygpu_dim3 b, void** args, const size_t*, size_t,
                         size_t shared, pygpu_stream_t s) -> int { return pygpu_gpu_launch(F(f), g, b, args, shared, S(s)); };

    t.extension = [](const char*) -> const void* { return nullptr; };
    return t;
}

constexpr pygpu_backend kTable = make_table();
PYGPU_ASSERT_BACKEND_COMPLETE(kTable);

const pygpu_backend* table() { return &kTable; }

// Loading never fails: with no driver or no device, every call answers with
// the runtime's own code (cudaErrorInsufficientDriver, hipErrorNoDevice).
const char* init_check() { return nullptr; }

}  // namespace

#if defined(PYGPU_GPU_CUDA)
PYGPU_DEFINE_BACKEND_MODULE(_backend_cuda, table, init_check)
#else
PYGPU_DEFINE_BACKEND_MODULE(_backend_hip, table, init_check)
#endif
