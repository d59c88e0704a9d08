#include "PyGPU/sim/reset.h"

#include <mutex>

#include "PyGPU/sim/chaos.h"
#include "PyGPU/sim/func.h"
#include "PyGPU/sim/limit.h"
#include "PyGPU/sim/mempool.h"
#include "PyGPU/sim/state.h"
#include "PyGPU/sim/sticky.h"
#include "PyGPU/sim/trace.h"

namespace pygpu {
namespace sim {

namespace {

enum class Reach {
    device,     // cudaDeviceReset (its device) and PyGPU.sim.reset() (every device)
    simulator,  // PyGPU.sim.reset() only
};

enum class Phase {
    locked,   // State::mu held, nothing new can reach what is cleared
    settled,  // after the work queued before the reset has finished; State::mu not held
};

using ResetFn = void (*)(State&, const ResetScope&, ResetBatch&);

struct ResetStep {
    const char* subsystem;
    Reach reach;
    Phase phase;
    ResetFn run;
};

// A subsystem-wide clear that needs neither the state nor the scope.
template <void (*Clear)()>
void clear_all(State&, const ResetScope&, ResetBatch&) {
    Clear();
}

void reset_statistics(State& st, const ResetScope&, ResetBatch&) { st.stats.clear(st.devices.size()); }
void release_memory(State& st, const ResetScope&, ResetBatch& batch) { release(st, batch.released); }
void chaos_off() { set_chaos(false, 0, kDefaultChaosDelayUs); }  // PYGPU_SIM_CHAOS's setting included

// The registry: what each subsystem clears, in the order it runs. A new
// subsystem is one row here. Not reset, on purpose: the registered kernels
// and the registered __device__/__constant__ variables (symbols.h) belong to
// the code loaded in the process, which a reset does not unload (on CUDA a
// reset reloads the modules: their globals' contents go back to their
// initial values there, here they keep what was written); the kernel
// attributes (func.h) are one record for all devices, so only
// PyGPU.sim.reset() clears their settings.
//
// The rule of order:
//  - Phase locked runs first, under State::mu, so no call can name what it
//    makes unreachable. cudaDeviceReset runs it at once and then waits for
//    the work queued on EVERY device (under unified addressing a copy queued
//    on another device may use this device's memory); PyGPU.sim.reset()
//    first waits until nothing is queued anywhere and runs it under the lock
//    it found the device idle with. Either way no queued work runs on memory
//    released in phase settled: the same order as cudaFree.
//  - In phase locked, streams and events go before memory (no new work can
//    use an allocation being detached), the memory pools just before memory
//    (they collect the blocks of the live pool allocations that memory
//    then detaches), and memory before statistics
//    (detaching counts frees, which PyGPU.sim.reset() then clears).
//  - In phase settled, the memory goes back first; a kernel's sticky error
//    is cleared there too, once no launch queued before the reset can
//    still record one; the calling thread's
//    last error is cleared last, so nothing that runs before it can leave
//    one behind.
const ResetStep kRegistry[] = {
    {"streams", Reach::device, Phase::locked, reset_streams},
    {"events", Reach::device, Phase::locked, reset_events},
    {"memory pools", Reach::device, Phase::locked, reset_pools},
    {"memory", Reach::device, Phase::locked, reset_memory},
    {"peer access", Reach::device, Phase::locked, reset_peer_access},
    {"limits", Reach::device, Phase::locked, reset_limits},
    {"statistics", Reach::simulator, Phase::locked, reset_statistics},

    {"memory", Reach::device, Phase::settled, release_memory},
    {"memory pools", Reach::device, Phase::settled, release_pool_blocks},
    {"sticky errors", Reach::device, Phase::settled, reset_sticky_errors},
    {"calls", Reach::simulator, Phase::settled, clear_all<clear_call_counts>},
    {"injections", Reach::simulator, Phase::settled, clear_all<clear_injections>},
    {"chaos", Reach::simulator, Phase::settled, clear_all<chaos_off>},
    {"trace", Reach::simulator, Phase::settled, clear_all<trace_clear>},
    {"kernel attributes", Reach::simulator, Phase::settled, reset_func_attributes},
    {"labels", Reach::simulator, Phase::settled, clear_all<forget_labels>},
    {"current device", Reach::simulator, Phase::settled, clear_all<reset_current_device>},
    {"last error", Reach::simulator, Phase::settled, clear_all<clear_last_error>},
};

void run_phase(Phase phase, State& st, const ResetScope& scope, ResetBatch& batch) {
    for (const ResetStep& step : kRegistry) {
        if (step.phase != phase) continue;
        if (step.reach == Reach::simulator && !scope.whole()) continue;
        step.run(st, scope, batch);
    }
}

}  // namespace

void reset_device(State& st) {
    ResetBatch batch;
    std::unique_lock<std::mutex> lock(st.mu);
    const ResetScope scope{current_device()};  // under the lock: configure may replace the devices
    run_phase(Phase::locked, st, scope, batch);
    const std::vector<CompletionPtr> pending = pending_everywhere(st);
    lock.unlock();
    wait_all(pending);
    run_phase(Phase::settled, st, scope, batch);
}

void reset_simulator(State& st) {
    const ResetScope scope{ResetScope::kWholeSimulator};
    ResetBatch batch;
    for (;;) {
        std::unique_lock<std::mutex> lock(st.mu);
        // Loop: other threads may queue more while this one waits.
        std::vector<CompletionPtr> pending = pending_everywhere(st);
        if (!pending.empty()) {
            lock.unlock();
            wait_all(pending);
            continue;
        }
        run_phase(Phase::locked, st, scope, batch);
        break;
    }
    run_phase(Phase::settled, st, scope, batch);
}

}  // namespace sim
}  // namespace pygpu
