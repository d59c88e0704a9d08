// Pointer objects (pointer_wrapper_void and pointer_wrapper_<dtype>, pointer.cpp)
// and the liveness of the allocations made through the bindings.
//
// Every allocation made through the bindings carries a liveness token;
// freeing it through the bindings kills the token, so a pointer object that
// outlives its allocation is refused instead of reaching the runtime (or host
// memory). pointer_wrapper_void is pointer_wrapper_base; the typed
// pointer_wrapper_<dtype> classes are its per-dtype classes (dtype_family.h),
// holding the same C++ type with its dtype set.
#ifndef PYGPU_BINDINGS_POINTER_H
#define PYGPU_BINDINGS_POINTER_H

#include <cstdint>
#include <vector>

#include "backend_access.h"
#include "pygpu/pointer_wrapper.h"

namespace pygpu {

using Liveness = liveness;
using LivenessToken = liveness_token;
using PointerBase = pointer_wrapper_base;

// A Python pointer_wrapper_<dtype> (or _void when `dtype` is null) for `p`.
py::object pointer_object(const pointer_wrapper_base& p);

// Register an allocation made through the bindings and return its token.
LivenessToken track_allocation(std::uintptr_t base, bool device, int device_ordinal);
// Kill the token of the allocation at `base` (freed by `call`); false if untracked.
bool untrack_allocation(std::uintptr_t base, const char* call);

// What a reset took out of the registry (reset_marks.h), to give back if it failed.
struct TrackedAllocation {
    std::uintptr_t base;
    LivenessToken token;
    bool device;
    int device_ordinal;
};
// Kill every tracked allocation of `device_ordinal` (-1: every allocation),
// freed by `call` (cudaDeviceReset, PyGPU.sim reset), and return them.
std::vector<TrackedAllocation> untrack_for_reset(int device_ordinal, const char* call);
// Bring back what untrack_for_reset took, for a reset that failed: alive
// again, unless the address was tracked anew meanwhile.
void retrack(const std::vector<TrackedAllocation>& taken);

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_POINTER_H
