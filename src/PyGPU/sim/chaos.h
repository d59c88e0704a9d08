// Chaos mode: every work item queued while it is on is preceded on its
// stream by a random delay, drawn from one generator seeded by the user, so
// that streams interleave differently from seed to seed (and identically for
// one seed) and a missing synchronisation fails a test instead of passing by
// luck. Set by PYGPU_SIM_CHAOS (see config.h) or PyGPU.sim.
#ifndef PYGPU_SIM_CHAOS_H
#define PYGPU_SIM_CHAOS_H

#include <cstdint>

#include "PyGPU/sim/config.h"

namespace pygpu {
namespace sim {

// Switches chaos mode on (re-seeding the generator, so a seed always gives
// the same sequence from this point) or off. PYGPU_SIM_CHAOS (config.h)
// gives the setting at start-up.
void set_chaos(bool enabled, uint64_t seed, uint32_t max_delay_us);

// The delay for the next work item, in [0, max_delay_us] microseconds; 0 when
// chaos mode is off. Draws happen under a lock, in the order the items are
// queued (enqueue holds State::mu), so one seed gives one sequence.
uint32_t chaos_delay();
// Whether chaos mode is on (queued work then gets random delays).
bool chaos_enabled();
// A launch's chaos seed: true and the next draw of the chaos generator when
// chaos is on, false when off.
bool chaos_grid_seed(uint64_t* seed);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_CHAOS_H
