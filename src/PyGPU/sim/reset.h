// Resets of the simulated device: one registry of what each subsystem
// clears, run by both resets.
//
//  - cudaDeviceReset resets the calling thread's current device: its streams
//    and events become invalid, its allocations (and the pinned and
//    registered memory made while it was current) are freed, its peer
//    mappings go, in both directions, and its limits (limit.h) go back to
//    their defaults. Everything else stays: statistics,
//    call counts, injections, chaos mode, traces, labels, the current device
//    and the last error are the program's, not the device's.
//  - PyGPU.sim.reset() (pygpu_sim_api::reset) does that for every device and
//    also clears the simulator-wide subsystems, back to the initial state.
//
// The registry (reset.cpp) has one row per subsystem and phase: its reach
// (device: both resets; simulator: PyGPU.sim.reset() only), its phase, and
// the function that clears it. The rule of order is written next to it.
#ifndef PYGPU_SIM_RESET_H
#define PYGPU_SIM_RESET_H

#include <vector>

#include "PyGPU/sim/memory.h"

namespace pygpu {
namespace sim {

struct State;

// What a reset covers.
struct ResetScope {
    static constexpr int kWholeSimulator = -1;
    int device;  // the device cudaDeviceReset resets, or kWholeSimulator
    bool whole() const { return device == kWholeSimulator; }
    bool covers(int d) const { return whole() || d == device; }
};

// What the locked phase hands to the settled phase.
struct ResetBatch {
    // Ranges taken out of the memory table, released once the work queued
    // before the reset has finished.
    std::vector<Released> released;
    // Device blocks of the memory pools (mempool.h), given back likewise.
    std::vector<HostMemory> pool_blocks;
};

// The body of cudaDeviceReset, for the calling thread's current device.
void reset_device(State& st);
// The body of PyGPU.sim.reset(). The caller refuses a stream worker (the
// reset would wait for its own stream for ever).
void reset_simulator(State& st);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_RESET_H
