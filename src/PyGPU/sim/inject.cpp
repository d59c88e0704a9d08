#include "PyGPU/sim/inject.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "PyGPU/sim/errors.h"

namespace pygpu {
namespace sim {

namespace {

struct Rule {
    Call call;
    int error;
    uint64_t after;
    uint64_t count;     // 0: for ever
    uint64_t seen = 0;  // matching calls since the rule was added
    uint64_t fired = 0;
};

struct Injections {
    std::mutex mu;
    std::vector<Rule> rules;
};

// Never destroyed: a stream worker or a late thread may still call in at exit.
Injections& injections() {
    static Injections* i = new Injections();
    return *i;
}

// Lets every call skip the lock while no injection is active (the usual case).
std::atomic<bool> g_active{false};

}  // namespace

void add_injection(Call call, int error, uint64_t after, uint64_t count) {
    Injections& in = injections();
    std::lock_guard<std::mutex> lock(in.mu);
    Rule r;
    r.call = call;
    r.error = error;
    r.after = after;
    r.count = count;
    in.rules.push_back(r);
    g_active.store(true, std::memory_order_release);
}

void clear_injections() {
    Injections& in = injections();
    std::lock_guard<std::mutex> lock(in.mu);
    in.rules.clear();
    g_active.store(false, std::memory_order_release);
}

int injected_failure(Call call) {
    if (!g_active.load(std::memory_order_acquire)) return err::cudaSuccess;
    Injections& in = injections();
    int error = err::cudaSuccess;
    uint64_t number = 0;
    {
        std::lock_guard<std::mutex> lock(in.mu);
        for (Rule& r : in.rules) {
            if (r.call != call) continue;
            ++r.seen;
            if (error == err::cudaSuccess && r.seen > r.after && (r.count == 0 || r.fired < r.count)) {
                ++r.fired;
                error = r.error;
                number = r.seen;
            }
        }
        in.rules.erase(std::remove_if(in.rules.begin(), in.rules.end(),
                                      [](const Rule& r) { return r.count != 0 && r.fired >= r.count; }),
                       in.rules.end());
        g_active.store(!in.rules.empty(), std::memory_order_release);
    }
    if (error == err::cudaSuccess) return err::cudaSuccess;
    return fail(error, "injected failure: %s call #%llu fails with %s (PyGPU.sim.inject)", call_name(call),
                static_cast<unsigned long long>(number), error_name(error));
}

}  // namespace sim
}  // namespace pygpu
