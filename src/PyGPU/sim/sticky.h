// Sticky kernel errors: a kernel that fails (an assert, an illegal address,
// a divergent barrier) leaves its device unusable, as on CUDA. The failing
// launch's error is reported by the next call that returns after it (a
// synchronising call returns it once it has waited), and every later runtime
// call on that device returns it, until cudaDeviceReset or PyGPU.sim.reset()
// (the reset registry's "sticky errors" row).
//
// api() (state.h) asks sticky_failure() before and after every call: one
// relaxed atomic load while no device has failed.
#ifndef PYGPU_SIM_STICKY_H
#define PYGPU_SIM_STICKY_H

#include <string>

namespace pygpu {
namespace sim {

struct State;
struct ResetScope;
struct ResetBatch;

// Records a kernel's failure on `device` (the first one stays).
void set_sticky_error(int device, int code, const std::string& message);
// The calling thread's current device's sticky error, recorded as the
// thread's last error (fail()), or 0 when its device has none.
int sticky_failure();
// The reset registry's row (State::mu held).
void reset_sticky_errors(State& st, const ResetScope& scope, ResetBatch& batch);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_STICKY_H
