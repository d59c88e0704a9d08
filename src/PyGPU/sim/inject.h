// Error injection: make chosen runtime calls fail with a chosen code, so
// that a program's error paths can be tested without a faulty device.
#ifndef PYGPU_SIM_INJECT_H
#define PYGPU_SIM_INJECT_H

#include <cstdint>

#include "PyGPU/sim/calls.h"

namespace pygpu {
namespace sim {

// From now on, the calls of `call` after the first `after` ones fail with
// `error`, `count` times (0: for ever). Several injections may be active, for
// the same call or others; each counts the calls made since it was added.
void add_injection(Call call, int error, uint64_t after, uint64_t count);
void clear_injections();

// Called by api() before the body of every entry: cudaSuccess, or the
// injected failure, recorded exactly like a real one (last error and
// message set; cudaErrorNotReady, a status, is not recorded) and returned
// before the call does anything.
int injected_failure(Call call);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_INJECT_H
