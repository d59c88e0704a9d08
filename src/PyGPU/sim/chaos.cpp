#include "PyGPU/sim/chaos.h"

#include <atomic>
#include <mutex>
#include <random>

#include "PyGPU/sim/config.h"

namespace pygpu {
namespace sim {

namespace {

struct Chaos {
    std::mutex mu;
    bool enabled = false;
    uint32_t max_delay_us = kDefaultChaosDelayUs;
    std::mt19937_64 rng;
};

std::atomic<bool> g_enabled{false};  // lets enqueue skip the lock while off

void apply(Chaos& c, bool enabled, uint64_t seed, uint32_t max_delay_us) {
    c.enabled = enabled;
    c.max_delay_us = max_delay_us;
    c.rng.seed(seed);
    g_enabled.store(enabled, std::memory_order_release);
}

// Never destroyed (stream workers may outlive static destructors); starts
// with the environment's setting.
Chaos& chaos() {
    static Chaos* c = [] {
        Chaos* created = new Chaos();
        const Config& cfg = config();
        apply(*created, cfg.chaos, cfg.chaos_seed, cfg.chaos_max_delay_us);
        return created;
    }();
    return *c;
}

}  // namespace

void set_chaos(bool enabled, uint64_t seed, uint32_t max_delay_us) {
    Chaos& c = chaos();
    std::lock_guard<std::mutex> lock(c.mu);
    apply(c, enabled, seed, max_delay_us);
}

bool chaos_enabled() {
    chaos();  // first use reads the environment's setting
    return g_enabled.load(std::memory_order_acquire);
}

bool chaos_grid_seed(uint64_t* seed) {
    Chaos& c = chaos();
    if (!g_enabled.load(std::memory_order_acquire)) return false;
    std::lock_guard<std::mutex> lock(c.mu);
    if (!c.enabled) return false;
    *seed = c.rng();
    return true;
}

uint32_t chaos_delay() {
    Chaos& c = chaos();  // first use reads the environment's setting
    if (!g_enabled.load(std::memory_order_acquire)) return 0;
    std::lock_guard<std::mutex> lock(c.mu);
    if (!c.enabled) return 0;
    // A plain modulo rather than std::uniform_int_distribution, whose output
    // differs between standard libraries: a seed means the same delays
    // everywhere. The bias (max + 1 against 2^64) is negligible.
    return static_cast<uint32_t>(c.rng() % (static_cast<uint64_t>(c.max_delay_us) + 1));
}

}  // namespace sim
}  // namespace pygpu
