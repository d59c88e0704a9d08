// Who may use the simulated device through CUDA's host API
// (pygpu/sim/cuda_runtime_api.h), the functions user code calls.
//
// The rule: the calls are served, except when PyGPU is imported in this
// process and its simulated device is not in use there (the active backend is
// cuda or hip). The library sees that as PyGPU's extension module `_core`
// loaded while nobody has taken the simulated device's backend table
// (pygpu_sim_backend_table(), which PyGPU._backend_sim takes when it loads,
// as it does when the simulated device is the active backend). Then every
// call fails with cudaErrorNotSupported, with the reason as the thread's last
// message, written once to stderr too: host code must never silently work on
// a second device that the Python side does not see. A program or library
// used without PyGPU in the process is always served.
#ifndef PYGPU_SIM_HOST_ACCESS_H
#define PYGPU_SIM_HOST_ACCESS_H

namespace pygpu {
namespace sim {

// The backend table was handed out (pygpu_sim_backend_table()).
void note_table_taken();

// 0 when a host API call may run, else cudaErrorNotSupported with the
// thread's last error and message set (`call` names the CUDA function).
int host_access_refused(const char* call);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_HOST_ACCESS_H
