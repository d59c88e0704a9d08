// Device limits of the simulated device (cudaDeviceSetLimit,
// cudaDeviceGetLimit): stored per device, back to CUDA's defaults on a reset
// (reset.h). What each limit does on the simulator is written in limit.cpp.
#ifndef PYGPU_SIM_LIMIT_H
#define PYGPU_SIM_LIMIT_H

#include <cstddef>

namespace pygpu {
namespace sim {

struct State;
struct ResetScope;
struct ResetBatch;

// pygpu_limit values 0 .. kLimitCount - 1 (backend.h).
constexpr int kLimitCount = 7;

// The default printf FIFO (cudaLimitPrintfFifoSize): 1 MiB, as CUDA's.
constexpr size_t kDefaultPrintfFifo = size_t(1) << 20;

// Guarded by State::mu (a member of Device).
struct DeviceLimits {
    size_t value[kLimitCount];  // by pygpu_limit; unused for the limits the simulator lacks
    // A kernel of the device printed: its printf FIFO size is fixed from then on.
    bool printf_used = false;
    DeviceLimits();  // CUDA's defaults on a device like the simulated one
};

// Reset (reset.h), mu held: the reset devices' limits go back to the defaults.
void reset_limits(State& st, const ResetScope& scope, ResetBatch& batch);

int device_set_limit(int limit, size_t value);
int device_get_limit(size_t* value, int limit);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_LIMIT_H
