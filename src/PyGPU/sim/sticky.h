// Sticky kernel errors: a kernel that fails (an assert, an illegal address,
// a divergent barrier) leaves its device unusable, as on CUDA. The failing
// launch's error is reported by the next call that returns after it (a
// synchronising call returns it once it has waited), and every later runtime
// call on that device returns it, until cudaDeviceReset or PyGPU.sim.reset()
// (the reset registry's "sticky errors" row).
//
// cudaGetLastError and cudaPeekAtLastError follow the same rule: they return
// the sticky error too, and cudaGetLastError does not clear it. NVIDIA's
// CUDA Runtime API reference, enum cudaError (driver_types.h; "Data types
// used by CUDA Runtime", https://docs.nvidia.com/cuda/cuda-runtime-api/
// group__CUDART__TYPES.html), says of cudaErrorIllegalAddress (700),
// cudaErrorLaunchFailure (719) and the other kernel faults: "This leaves the
// process in an inconsistent state and any further CUDA work will return the
// same error", and of cudaErrorAssert (710): "The device cannot be used
// again"; cudaGetLastError "may also return error codes from previous,
// asynchronous launches" (group__CUDART__ERROR.html). Only the non-sticky
// last error is what cudaGetLastError resets to cudaSuccess.
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
// cudaGetLastError: the sticky error of the calling thread's current device
// when it has one (its text becomes the thread's last message), else the
// thread's own last error; that one is reset to cudaSuccess either way, so
// once a reset clears the sticky error the next call answers cudaSuccess.
int sticky_get_last_error();
// cudaPeekAtLastError: the same answer, nothing reset.
int sticky_peek_at_last_error();
// The reset registry's row (State::mu held): also resets the calling
// thread's last error when it is the sticky error being cleared.
void reset_sticky_errors(State& st, const ResetScope& scope, ResetBatch& batch);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_STICKY_H
