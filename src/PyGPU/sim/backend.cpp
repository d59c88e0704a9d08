// Fills the pygpu_backend table: every entry forwards to pygpu::sim, where
// each call has CUDA's semantics and error codes (see the concept files).
#include "PyGPU/sim/backend.h"

#include <cstring>

#include "PyGPU/sim/copy.h"
#include "PyGPU/sim/device.h"
#include "PyGPU/sim/errors.h"
#include "PyGPU/sim/event.h"
#include "PyGPU/sim/instrument.h"
#include "PyGPU/sim/memory.h"
#include "PyGPU/sim/stream.h"

namespace pygpu {
namespace sim {

namespace {

// The simulated device's own API (pygpu/sim_api.h); nothing else.
const void* extension(const char* name) {
    if (name != nullptr && std::strcmp(name, PYGPU_SIM_API_NAME) == 0) return sim_api_table();
    return nullptr;
}

const pygpu_backend kTable = {
    PYGPU_BACKEND_ABI_VERSION,
    sizeof(pygpu_backend),
    "sim",
    "cuda",  // the simulator speaks CUDA's error codes and names
    {
        err::cudaSuccess,
        err::cudaErrorInvalidValue,
        err::cudaErrorMemoryAllocation,
        err::cudaErrorInvalidDevice,
        err::cudaErrorInvalidResourceHandle,
        err::cudaErrorNotReady,
        err::cudaErrorNoDevice,
        err::cudaErrorInsufficientDriver,
        err::cudaErrorNotSupported,
    },

    // errors
    error_name,
    error_string,
    get_last_error,
    peek_at_last_error,
    last_message,

    // devices
    get_device_count,
    get_device,
    set_device,
    device_synchronize,
    device_reset,
    get_device_properties,
    mem_get_info,
    driver_get_version,
    runtime_get_version,
    device_can_access_peer,
    device_enable_peer_access,
    device_disable_peer_access,

    // memory
    malloc_device,
    free_device,
    malloc_host,
    host_alloc,
    free_host,
    host_register,
    host_unregister,
    pointer_get_attributes,
    memcpy_sync,
    memcpy_async,
    memcpy_2d,
    memcpy_2d_async,
    memcpy_peer,
    memcpy_peer_async,
    memset_sync,
    memset_async,

    // streams
    stream_create_with_priority,
    stream_destroy,
    stream_synchronize,
    stream_query,
    stream_wait_event,
    stream_get_flags,
    stream_get_priority,
    device_get_stream_priority_range,
    launch_host_func,

    // events
    event_create_with_flags,
    event_destroy,
    event_record,
    event_query,
    event_synchronize,
    event_elapsed_time,

    extension,
};

}  // namespace

const pygpu_backend* backend_table() { return &kTable; }

}  // namespace sim
}  // namespace pygpu
