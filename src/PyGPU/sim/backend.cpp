// Fills the pygpu_backend table, by member name: every entry is a function of
// pygpu::sim with CUDA's semantics and error codes (see the concept files).
#include "PyGPU/sim/backend.h"

#include <cstring>

#include "PyGPU/common/backend_complete.h"
#include "PyGPU/sim/copy.h"
#include "PyGPU/sim/device.h"
#include "PyGPU/sim/errors.h"
#include "PyGPU/sim/event.h"
#include "PyGPU/sim/func.h"
#include "PyGPU/sim/instrument.h"
#include "PyGPU/sim/launch.h"
#include "PyGPU/sim/memory.h"
#include "PyGPU/sim/mempool.h"
#include "PyGPU/sim/module.h"
#include "PyGPU/sim/state.h"
#include "PyGPU/sim/sticky.h"
#include "PyGPU/sim/stream.h"

namespace pygpu {
namespace sim {

namespace {

// The simulated device's own API (pygpu/sim_api.h); nothing else.
const void* extension(const char* name) {
    if (name != nullptr && std::strcmp(name, PYGPU_SIM_API_NAME) == 0) return sim_api_table();
    return nullptr;
}

// A module's function is the kernel's host stub (module.h).
const void* stub(pygpu_function_t f) { return reinterpret_cast<const void*>(f); }

int function_get_attributes(pygpu_func_attributes* out, pygpu_function_t f) {
    return api(Call::cudaFuncGetAttributes, [&] {
        FuncInfo info;
        if (int e = func_get_attributes(out != nullptr ? &info : nullptr, stub(f))) return e;
        *out = info.common;
        return err::cudaSuccess;
    });
}

int function_max_active_blocks(int* blocks, pygpu_function_t f, int block_size, size_t dynamic_shared) {
    return api(Call::cudaOccupancyMaxActiveBlocksPerMultiprocessor,
               [&] { return occupancy_max_active_blocks(blocks, stub(f), block_size, dynamic_shared, 0); });
}

int function_max_potential_block_size(int* min_grid, int* block_size, pygpu_function_t f, size_t dynamic_shared,
                                      int limit) {
    return api(Call::cudaOccupancyMaxPotentialBlockSize, [&] {
        return occupancy_max_potential_block_size(min_grid, block_size, stub(f), dynamic_shared, limit);
    });
}

constexpr pygpu_backend make_table() {
    pygpu_backend t{};
    t.abi_version = PYGPU_BACKEND_ABI_VERSION;
    t.struct_size = sizeof(pygpu_backend);
    t.name = "sim";
    t.api_prefix = "cuda";  // the simulator speaks CUDA's error codes and names
    t.codes.success = err::cudaSuccess;
    t.codes.invalid_value = err::cudaErrorInvalidValue;
    t.codes.memory_allocation = err::cudaErrorMemoryAllocation;
    t.codes.invalid_device = err::cudaErrorInvalidDevice;
    t.codes.invalid_resource_handle = err::cudaErrorInvalidResourceHandle;
    t.codes.not_ready = err::cudaErrorNotReady;
    t.codes.no_device = err::cudaErrorNoDevice;
    t.codes.insufficient_driver = err::cudaErrorInsufficientDriver;
    t.codes.not_supported = err::cudaErrorNotSupported;

    // errors
    t.get_error_name = error_name;
    t.get_error_string = error_string;
    t.get_last_error = sticky_get_last_error;  // CUDA's sticky rule (sticky.h)
    t.peek_at_last_error = sticky_peek_at_last_error;
    t.last_message = last_message;

    // devices
    t.get_device_count = get_device_count;
    t.get_device = get_device;
    t.set_device = set_device;
    t.device_synchronize = device_synchronize;
    t.device_reset = device_reset;
    t.get_device_properties = get_device_properties;
    t.mem_get_info = mem_get_info;
    t.driver_get_version = driver_get_version;
    t.runtime_get_version = runtime_get_version;
    t.device_can_access_peer = device_can_access_peer;
    t.device_enable_peer_access = device_enable_peer_access;
    t.device_disable_peer_access = device_disable_peer_access;
    t.device_set_limit = device_set_limit;
    t.device_get_limit = device_get_limit;

    // memory (malloc, free, memcpy and memset would shadow the C library's
    // functions in this namespace, hence the longer names)
    t.malloc = malloc_device;
    t.free = free_device;
    t.malloc_managed = malloc_managed;
    t.malloc_host = malloc_host;
    t.host_alloc = host_alloc;
    t.free_host = free_host;
    t.host_register = host_register;
    t.host_unregister = host_unregister;
    t.pointer_get_attributes = pointer_get_attributes;
    t.memcpy = memcpy_sync;
    t.memcpy_async = memcpy_async;
    t.memcpy_2d = memcpy_2d;
    t.memcpy_2d_async = memcpy_2d_async;
    t.memcpy_peer = memcpy_peer;
    t.memcpy_peer_async = memcpy_peer_async;
    t.memset = memset_sync;
    t.memset_async = memset_async;
    t.malloc_async = malloc_async;
    t.free_async = free_async;
    t.malloc_from_pool_async = malloc_from_pool_async;
    t.mem_pool_create = mem_pool_create;
    t.mem_pool_destroy = mem_pool_destroy;
    t.device_get_default_mem_pool = device_get_default_mem_pool;
    t.device_get_mem_pool = device_get_mem_pool;
    t.device_set_mem_pool = device_set_mem_pool;
    t.mem_pool_set_attribute = mem_pool_set_attribute;
    t.mem_pool_get_attribute = mem_pool_get_attribute;
    t.mem_pool_trim_to = mem_pool_trim_to;

    // streams
    t.stream_create_with_priority = stream_create_with_priority;
    t.stream_destroy = stream_destroy;
    t.stream_synchronize = stream_synchronize;
    t.stream_query = stream_query;
    t.stream_wait_event = stream_wait_event;
    t.stream_get_flags = stream_get_flags;
    t.stream_get_priority = stream_get_priority;
    t.device_get_stream_priority_range = device_get_stream_priority_range;
    t.launch_host_func = launch_host_func;

    // events
    t.event_create_with_flags = event_create_with_flags;
    t.event_destroy = event_destroy;
    t.event_record = event_record;
    t.event_query = event_query;
    t.event_synchronize = event_synchronize;
    t.event_elapsed_time = event_elapsed_time;

    // modules (module.h; a function is a host stub, launched by launch.h)
    t.library_load_data = library_load_data;
    t.library_load_from_file = library_load_from_file;
    t.library_unload = library_unload;
    t.library_get_kernel = library_get_kernel;
    t.library_get_global = library_get_global;
    t.func_get_attributes = function_get_attributes;
    t.occupancy_max_active_blocks = function_max_active_blocks;
    t.occupancy_max_potential_block_size = function_max_potential_block_size;
    t.launch_kernel = launch_function;

    t.extension = extension;
    return t;
}

constexpr pygpu_backend kTable = make_table();
PYGPU_ASSERT_BACKEND_COMPLETE(kTable);

}  // namespace

const pygpu_backend* backend_table() { return &kTable; }

}  // namespace sim
}  // namespace pygpu
