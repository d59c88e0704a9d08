// Error codes, names and the per-thread last error of the simulated device.
//
// The simulator reports CUDA's own numbers (cudaError_t), generated from
// pygpu/cuda_errors.def, so code that passes here compares its status
// against the same values it will see on hardware.
#ifndef PYGPU_SIM_ERRORS_H
#define PYGPU_SIM_ERRORS_H

#include <string>

#include "pygpu/cuda_errors.def"

namespace pygpu {
namespace sim {

// err::cudaErrorInvalidValue == 1, ... one constant per row of the table.
namespace err {
#define PYGPU_SIM_ERROR_CONSTANT_(code, name, description) constexpr int name = code;
PYGPU_CUDA_ERRORS(PYGPU_SIM_ERROR_CONSTANT_)
#undef PYGPU_SIM_ERROR_CONSTANT_
}  // namespace err

// cudaGetErrorName / cudaGetErrorString. An unknown code gives
// "unrecognized error code" from both, as the CUDA 13 runtime does.
const char* error_name(int code);
const char* error_string(int code);

// Records a failure for the calling thread and returns `code`, so a failing
// path reads `return fail(err::..., "what was wrong", ...)`. CUDA: every
// failing runtime call sets the thread's last error. The one exception is
// cudaErrorNotReady: query calls return it as a status, not a failure, and
// the runtime never records it, so fail() does not either.
int fail(int code, const char* format, ...) __attribute__((format(printf, 2, 3)));

// printf into a std::string (messages are built in several steps).
std::string format(const char* format, ...) __attribute__((format(printf, 1, 2)));

// The calling thread's own last error: returned and reset to cudaSuccess,
// or returned without reset, per host thread as in CUDA. The backend table's
// cudaGetLastError and cudaPeekAtLastError add the sticky rule (sticky.h).
int get_last_error();
int peek_at_last_error();
// The calling thread's last error and message are cleared (PyGPU.sim reset).
void clear_last_error();

// The detail of the calling thread's most recent failure, "" when none.
// It survives get_last_error(): it describes the failure, not the state. The
// string stays valid until the thread's next failure.
const char* last_message();

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_ERRORS_H
