// The simulator's global state and the guard every API entry goes through.
//
// All shared state lives in one heap object that is created on first use and
// never destroyed: stream workers may still be blocked in it while the
// interpreter exits, and a static destructor running under them would crash
// the process at exit.
#ifndef PYGPU_SIM_STATE_H
#define PYGPU_SIM_STATE_H

#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <unordered_map>
#include <utility>
#include <vector>

// Thread-locals read on every call (the current device, "am I a stream
// worker"): the initial-exec model reads them without a __tls_get_addr call.
// A few bytes of the static TLS surplus glibc keeps for dlopen()ed modules.
#if defined(__GNUC__)
#define PYGPU_SIM_HOT_TLS __attribute__((tls_model("initial-exec")))
#else
#define PYGPU_SIM_HOT_TLS
#endif

#include "PyGPU/sim/calls.h"
#include "PyGPU/sim/config.h"
#include "PyGPU/sim/device.h"
#include "PyGPU/sim/errors.h"
#include "PyGPU/sim/event.h"
#include "PyGPU/sim/inject.h"
#include "PyGPU/sim/memory.h"
#include "PyGPU/sim/mempool.h"
#include "PyGPU/sim/stats.h"
#include "PyGPU/sim/sticky.h"
#include "PyGPU/sim/stream.h"

namespace pygpu {
namespace sim {

struct State {
    // One lock for the tables below. It is only ever held for short,
    // non-blocking bookkeeping (lookups, checks, queueing); nobody waits for
    // queued work while holding it, so a stream worker can never be stuck
    // behind an API call and vice versa.
    std::mutex mu;
    Config config;
    std::vector<std::unique_ptr<Device>> devices;
    std::unordered_map<uintptr_t, std::shared_ptr<Stream>> streams;  // live created streams
    std::unordered_map<uintptr_t, std::shared_ptr<Event>> events;    // live events
    uint64_t handles_issued = 0;                                     // see new_handle()
    uint64_t epoch = 0;  // bumped when configure replaces the devices
    MemoryTable memory;
    PoolTable pools;
    Stats stats;

    explicit State(const Config& c);
};

// Creates the devices of `c` and their legacy default streams (mu held, or
// during construction): the State constructor, and PyGPU.sim configure.
void build_devices(State& st, const Config& c);

// The global state; the configuration must be valid (api() checks it).
State& state();

// Stream and event handles are opaque values, not addresses: a serial number
// that is never reused, so a stale handle can never alias a newer object and
// a lookup can tell "destroyed" from "never was a handle".
enum class HandleKind { stream = 0, pool = 4, event = 8 };
uintptr_t new_handle(State& st, HandleKind kind);
// True when `value` has the shape of a handle this process issued (live or not).
bool was_issued(State& st, uintptr_t value, HandleKind kind);

// Runs one API entry, `call` (null: a function outside the simulator's call
// list, calls.h, neither counted nor injected): counts it (statistics),
// refuses to run with an invalid configuration (cudaErrorInitializationError,
// as the runtime answers when it cannot initialise) or from a stream worker (a
// host function calling the runtime: CUDA says no CUDA call may be made from a
// callback, and cudaErrorNotPermitted may be returned as a diagnostic), fails
// it when an injected failure is due (inject.h), returns the device's sticky
// kernel error (sticky.h) before the body and, for a call of the list that
// succeeded, after it (cudaDeviceReset, which clears it, and cudaSetDevice
// excepted; cudaLaunchKernel only before), and turns any exception into an
// error code so that none crosses the C table.
template <class Body>
int guarded_call(const Call* call, Body&& body) {
    try {
        if (call != nullptr) count_call(*call);
        if (const char* why = config_error()) {
            return fail(err::cudaErrorInitializationError, "the simulated device is not configured: %s", why);
        }
        if (on_worker_thread()) {
            return fail(err::cudaErrorNotPermitted,
                        "a CUDA runtime call was made from a host function or callback running on a "
                        "stream; CUDA forbids calls to the runtime from stream callbacks (do the work "
                        "after synchronising instead)");
        }
        if (call != nullptr) {
            if (int e = injected_failure(*call)) return e;
        }
        // cudaDeviceReset clears the sticky error; cudaSetDevice only picks
        // a device (so a program can go on with another one).
        const bool exempt = call != nullptr && (*call == Call::cudaDeviceReset || *call == Call::cudaSetDevice);
        if (!exempt) {
            if (int e = sticky_failure()) return e;
        }
        const int result = body();
        // Not after a launch: its own kernel may already have failed on the
        // stream's worker, and CUDA reports a kernel's failure at a later
        // call, never at its launch (which returns before the kernel runs).
        if (result == err::cudaSuccess && call != nullptr && !exempt && *call != Call::cudaLaunchKernel) {
            if (int e = sticky_failure()) return e;
        }
        return result;
    } catch (const std::bad_alloc&) {
        return fail(err::cudaErrorMemoryAllocation, "the simulator ran out of host memory");
    } catch (const std::exception& e) {
        return fail(err::cudaErrorUnknown, "internal error in the simulated device: %s", e.what());
    } catch (...) {
        return fail(err::cudaErrorUnknown, "internal error in the simulated device");
    }
}

template <class Body>
int api(Call call, Body&& body) {
    return guarded_call(&call, std::forward<Body>(body));
}

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_STATE_H
