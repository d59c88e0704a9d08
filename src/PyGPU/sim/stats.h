// Statistics of the simulated device: bytes moved by direction, allocations
// and peak memory per device and for pinned memory, kernel launches per
// kernel, and reports of notable events (a free that had to wait for queued
// work using the memory, ...).
// Calls are counted apart, by calls.h, because every entry counts itself
// before it takes any lock.
#ifndef PYGPU_SIM_STATS_H
#define PYGPU_SIM_STATS_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "PyGPU/sim/memory.h"

namespace pygpu {
namespace sim {

struct State;

enum class Direction { HtoD, DtoH, DtoD, HtoH, peer, memset };
constexpr size_t kDirections = 6;

struct AllocationCounters {
    uint64_t allocations = 0;
    uint64_t frees = 0;      // cudaFree/cudaFreeHost, and releases by cudaDeviceReset
    uint64_t current_bytes = 0;  // bytes asked for by the live allocations
    uint64_t peak_bytes = 0;
};

// The launches of the kernels of one name (kernels of several libraries, or
// registered again, that share a name add up).
struct KernelCounters {
    uint64_t launches = 0;  // accepted (queued) launches
    uint64_t blocks = 0;    // the blocks of their grids
    uint64_t threads = 0;   // blocks times threads per block
    uint64_t failures = 0;  // launches that ended with an error (sticky.h)
    double time_us = 0;     // time their grids ran on the device, summed over the finished launches
};

// Guarded by State::mu.
struct Stats {
    uint64_t bytes[kDirections] = {};  // bytes of copies and memsets accepted (queued)
    std::vector<AllocationCounters> devices;
    AllocationCounters pinned;  // cudaMallocHost and cudaHostAlloc (registered ranges are the caller's memory)
    std::map<std::string, KernelCounters> kernels;  // by kernel name
    std::vector<std::string> reports;
    uint64_t reports_dropped = 0;

    void clear(size_t device_count);
    void allocated(const Allocation& a);
    void freed(const Allocation& a);
    void moved(Direction d, uint64_t n) { bytes[static_cast<size_t>(d)] += n; }
    // A launch of `kernel` was queued; one of it finished after `micros` on the device.
    void launched(const std::string& kernel, uint64_t blocks, uint64_t threads);
    void kernel_finished(const std::string& kernel, double micros, bool failed);
    void report(std::string text);
};

// JSON of the inspection API (mu held); see pygpu/sim_api.h for the shapes.
std::string stats_json(const State& st);
std::string allocations_json(const State& st);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_STATS_H
