// The runtime calls of the simulated device, by name: every CALL row of the
// backend table (PYGPU_BACKEND_ENTRIES in pygpu/backend.h) with its CUDA name,
// then the simulator's own calls (PYGPU_SIM_OWN_CALLS below); the call
// counters (statistics) and error injection key on these names. A new backend
// entry is written once, there, and appears here.
//
// The REPORT rows (cudaGetErrorName, cudaGetErrorString, cudaGetLastError,
// cudaPeekAtLastError, the last message) are not calls: they report on calls,
// the bindings use them for every error object, and an injected failure of
// "get the last error" would have no meaning.
#ifndef PYGPU_SIM_CALLS_H
#define PYGPU_SIM_CALLS_H

#include <cstddef>
#include <cstdint>

#include "pygpu/backend.h"

namespace pygpu {
namespace sim {

// CUDA runtime functions that libpygpu_sim exports to user code
// (pygpu/sim/cuda_runtime_api.h) but that are not rows of the backend table,
// in the CALL rows' form; counted, injectable and named like the table's
// calls. None today: cudaLaunchKernel, the one there was, is the table's
// launch_kernel row since backend ABI version 2 (the host-stub form in
// runtime_api.cpp and the module form share its name and counter).
#define PYGPU_SIM_OWN_CALLS(X)

// X(return_type, member, cuda_name, (parameters)) for every CALL row, then
// for every call of PYGPU_SIM_OWN_CALLS.
#define PYGPU_SIM_NOT_A_CALL_(ret, member, params)
#define PYGPU_SIM_CALLS(X) PYGPU_BACKEND_ENTRIES(PYGPU_SIM_NOT_A_CALL_, X) PYGPU_SIM_OWN_CALLS(X)

enum class Call {
#define PYGPU_SIM_CALL_ENUM_(ret, member, name, params) name,
    PYGPU_SIM_CALLS(PYGPU_SIM_CALL_ENUM_)
#undef PYGPU_SIM_CALL_ENUM_
};

constexpr size_t kCallCount = 0
#define PYGPU_SIM_CALL_COUNT_(ret, member, name, params) +1
    PYGPU_SIM_CALLS(PYGPU_SIM_CALL_COUNT_)
#undef PYGPU_SIM_CALL_COUNT_
    ;

const char* call_name(Call c);

// The entry a name refers to: a name of the table; cudaStreamCreate and
// cudaStreamCreateWithFlags (the bindings reach them through
// cudaStreamCreateWithPriority) and cudaEventCreate (through
// cudaEventCreateWithFlags); and the hip* spelling of each of these
// (hipMalloc, hipHostMalloc, ...). False for anything else.
bool find_call(const char* name, Call* out);

// Every API entry counts itself, failures included, except cudaGetDevice:
// PyGPU's bindings ask it after every allocation and every stream or event
// creation for their own bookkeeping, so its count would be theirs, not the
// program's, and would make "exactly these calls" impossible to state. It
// still goes through api() (checks, error injection).
void count_call(Call c);
uint64_t calls_made(Call c);
void clear_call_counts();

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_CALLS_H
