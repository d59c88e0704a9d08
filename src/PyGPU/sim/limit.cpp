#include "PyGPU/sim/limit.h"

#include <mutex>

#include "PyGPU/sim/reset.h"
#include "PyGPU/sim/state.h"

namespace pygpu {
namespace sim {

namespace {

// The largest persisting L2 cache (cudaDeviceProp::persistingL2CacheMaxSize
// of an A100, the device the simulated one is shaped after: 30 MiB).
constexpr size_t kPersistingL2Max = size_t(30) << 20;

const char* const kLimitNames[kLimitCount] = {
    "cudaLimitStackSize",           "cudaLimitPrintfFifoSize",
    "cudaLimitMallocHeapSize",      "cudaLimitDevRuntimeSyncDepth",
    "cudaLimitDevRuntimePendingLaunchCount", "cudaLimitMaxL2FetchGranularity",
    "cudaLimitPersistingL2CacheSize"};

// The rule, limit by limit (CUDA's cudaDeviceSetLimit / cudaDeviceGetLimit
// on a compute capability 8.0 device, and what the simulator makes of it):
//  - cudaLimitStackSize (default 1024 bytes per thread): stored and
//    reported. Kernel threads run host-compiled code on the engine's own
//    host stacks (256 KiB per fiber, grid.cpp), which a GPU thread's stack
//    size does not describe, so it does not change them;
//  - cudaLimitPrintfFifoSize (default 1 MiB): bounds each launch's printf
//    output. CUDA's FIFO is circular, so older output of a launch is
//    overwritten: a launch prints the last `value` bytes of what it wrote.
//    Setting it after a kernel of the device has printed is
//    cudaErrorInvalidValue, as CUDA documents; a reset allows it again;
//  - cudaLimitMallocHeapSize (default 8 MiB): stored and reported (device
//    malloc on the simulator is the host's);
//  - cudaLimitDevRuntimeSyncDepth, cudaLimitDevRuntimePendingLaunchCount:
//    the simulator has no device runtime (no dynamic parallelism), so both
//    are cudaErrorUnsupportedLimit, CUDA's answer on devices without them;
//  - cudaLimitMaxL2FetchGranularity (default 64 bytes): a hint; CUDA takes
//    0 to 128, more is cudaErrorInvalidValue;
//  - cudaLimitPersistingL2CacheSize (default 0): CUDA may clamp a request
//    to what the hardware has; clamped to 30 MiB (persistingL2CacheMaxSize);
//  - any other value is not a cudaLimit: cudaErrorUnsupportedLimit.
bool supported(int limit) {
    return limit >= 0 && limit < kLimitCount && limit != PYGPU_LIMIT_DEV_RUNTIME_SYNC_DEPTH &&
           limit != PYGPU_LIMIT_DEV_RUNTIME_PENDING_LAUNCH_COUNT;
}

int unsupported(int limit, const char* call) {
    if (limit >= 0 && limit < kLimitCount) {
        return fail(err::cudaErrorUnsupportedLimit,
                    "%s: %s is not supported by the simulated device (it has no device runtime: no dynamic "
                    "parallelism)",
                    call, kLimitNames[limit]);
    }
    return fail(err::cudaErrorUnsupportedLimit, "%s: limit %d is not a cudaLimit (cudaLimitStackSize 0 ... "
                "cudaLimitPersistingL2CacheSize 6)", call, limit);
}

}  // namespace

DeviceLimits::DeviceLimits() {
    for (size_t& v : value) v = 0;
    value[PYGPU_LIMIT_STACK_SIZE] = 1024;
    value[PYGPU_LIMIT_PRINTF_FIFO_SIZE] = kDefaultPrintfFifo;
    value[PYGPU_LIMIT_MALLOC_HEAP_SIZE] = size_t(8) << 20;
    value[PYGPU_LIMIT_MAX_L2_FETCH_GRANULARITY] = 64;
    value[PYGPU_LIMIT_PERSISTING_L2_CACHE_SIZE] = 0;
}

void reset_limits(State& st, const ResetScope& scope, ResetBatch&) {
    for (const auto& d : st.devices) {
        if (scope.covers(d->index)) d->limits = DeviceLimits();
    }
}

int device_set_limit(int limit, size_t value) {
    return api(Call::cudaDeviceSetLimit, [&] {
        if (!supported(limit)) return unsupported(limit, "cudaDeviceSetLimit");
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        const int dev = current_device();
        DeviceLimits& l = st.devices[static_cast<size_t>(dev)]->limits;
        if (limit == PYGPU_LIMIT_PRINTF_FIFO_SIZE && l.printf_used) {
            return fail(err::cudaErrorInvalidValue,
                        "cudaDeviceSetLimit: cudaLimitPrintfFifoSize cannot change after a kernel that uses printf "
                        "has run on device %d; set it before the first such launch (or after cudaDeviceReset)",
                        dev);
        }
        if (limit == PYGPU_LIMIT_MAX_L2_FETCH_GRANULARITY && value > 128) {
            return fail(err::cudaErrorInvalidValue,
                        "cudaDeviceSetLimit: cudaLimitMaxL2FetchGranularity is %zu; it takes 0 to 128 bytes", value);
        }
        if (limit == PYGPU_LIMIT_PERSISTING_L2_CACHE_SIZE && value > kPersistingL2Max) value = kPersistingL2Max;
        l.value[limit] = value;
        return err::cudaSuccess;
    });
}

int device_get_limit(size_t* value, int limit) {
    return api(Call::cudaDeviceGetLimit, [&] {
        if (value == nullptr) return fail(err::cudaErrorInvalidValue, "pValue is NULL; pass a pointer to a size_t");
        if (!supported(limit)) return unsupported(limit, "cudaDeviceGetLimit");
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        *value = st.devices[static_cast<size_t>(current_device())]->limits.value[limit];
        return err::cudaSuccess;
    });
}

}  // namespace sim
}  // namespace pygpu
