#include "PyGPU/sim/instrument.h"

#include <cstdlib>
#include <exception>

#include "PyGPU/sim/chaos.h"
#include "PyGPU/sim/json.h"
#include "PyGPU/sim/reset.h"
#include "PyGPU/sim/state.h"
#include "PyGPU/sim/trace.h"

namespace pygpu {
namespace sim {

namespace {

// Reasons are static strings (the contract of pygpu_sim_api::configure).
const char* configure(int devices, size_t memory_bytes) {
    if (devices < 1 || devices > kMaxDevices) {
        return "the number of simulated devices must be between 1 and 1024";
    }
    if (memory_bytes == 0) return "a simulated device needs more than 0 bytes of memory";
    if (const char* why = config_error()) return why;  // lives as long as the process
    if (on_worker_thread()) {
        return "the simulated device cannot be configured from a host function running on a stream";
    }
    try {
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        // Everything that exists belongs to the devices being replaced, so
        // only an empty simulator can be reconfigured.
        bool allocated = false;
        st.memory.for_each_live([&](const Allocation&) { allocated = true; });
        if (allocated) {
            return "allocations exist (device, pinned or registered memory): free them, or reset the simulated "
                   "device, before configuring it";
        }
        if (!st.streams.empty()) {
            return "streams exist: destroy them, or reset the simulated device, before configuring it";
        }
        if (!st.events.empty()) {
            return "events exist: destroy them, or reset the simulated device, before configuring it";
        }
        if (!pending_everywhere(st).empty()) {
            return "work is still queued: synchronise (or reset the simulated device) before configuring it";
        }
        // The old streams have nothing queued; closing them ends their workers.
        for (const auto& d : st.devices) {
            close_stream(*d->legacy);
            for (const auto& s : d->streams) close_stream(*s);
        }
        Config c = st.config;
        c.devices = devices;
        c.memory_bytes = memory_bytes;
        build_devices(st, c);
        ++st.epoch;  // per-thread default streams belong to the old devices
        forget_current_devices();
        return nullptr;
    } catch (const std::exception&) {
        return "the simulator ran out of host memory while configuring the devices";
    }
}

void set_chaos_entry(int enabled, uint64_t seed, uint32_t max_delay_us) { set_chaos(enabled != 0, seed, max_delay_us); }

// Returns 0; 1 for an unknown call name; 2 for error 0 (cudaSuccess is not a
// failure: an "injected success" would skip the call and claim it worked).
int inject(const char* call, int error, uint64_t after, uint64_t count) {
    Call c;
    if (!find_call(call, &c)) return 1;
    if (error == err::cudaSuccess) return 2;
    try {
        add_injection(c, error, after, count);
    } catch (const std::exception&) {
        return 1;
    }
    return 0;
}

void clear_injections_entry() { clear_injections(); }

void set_next_label_entry(const char* label) {
    try {
        set_next_label(label);
    } catch (const std::exception&) {
        // Out of host memory for a label: the allocation goes unlabelled.
    }
}

template <class F>
char* text_of(F&& make) {
    try {
        return c_text(make());
    } catch (const std::exception&) {
        return nullptr;
    }
}

char* stats_entry() {
    return text_of([] {
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        return stats_json(st);
    });
}

char* allocations_entry() {
    return text_of([] {
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        return allocations_json(st);
    });
}

void trace_start_entry() {
    try {
        trace_start();
    } catch (const std::exception&) {
    }
}

char* trace_stop_entry() {
    return text_of([] { return trace_stop_json(); });
}

void free_text(char* text) { std::free(text); }

int reset() {
    if (config_error() != nullptr) return err::cudaErrorInitializationError;
    if (on_worker_thread()) {
        // It would wait for its own stream for ever.
        return fail(err::cudaErrorNotPermitted,
                    "the simulated device cannot be reset from a host function running on a stream");
    }
    try {
        reset_simulator(state());
        return err::cudaSuccess;
    } catch (const std::exception&) {
        return fail(err::cudaErrorMemoryAllocation, "the simulator ran out of host memory while resetting");
    }
}

const pygpu_sim_api kSimApi = {
    PYGPU_SIM_API_VERSION,
    sizeof(pygpu_sim_api),
    configure,
    set_chaos_entry,
    inject,
    clear_injections_entry,
    set_next_label_entry,
    stats_entry,
    allocations_entry,
    trace_start_entry,
    trace_stop_entry,
    free_text,
    reset,
};

}  // namespace

const pygpu_sim_api* sim_api_table() { return &kSimApi; }

}  // namespace sim
}  // namespace pygpu
