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
// Kill every device allocation of `device_ordinal` (cudaDeviceReset).
void untrack_device(int device_ordinal);
// Kill every tracked allocation, freed by `call` (PyGPU.sim reset).
void untrack_all(const char* call);

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_POINTER_H
