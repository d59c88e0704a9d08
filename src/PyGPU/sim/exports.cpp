// The library's exported C API (pygpu/sim_library.h): the only functions of
// libpygpu_sim with default visibility, besides CUDA's host runtime names.
#include "pygpu/sim_library.h"

#include "PyGPU/sim/backend.h"
#include "PyGPU/sim/config.h"
#include "PyGPU/sim/errors.h"
#include "PyGPU/sim/host_access.h"
#include "PyGPU/sim/instrument.h"

extern "C" {

// Whoever takes the table (PyGPU._backend_sim) uses the simulated device, so
// host code in the process may too (host_access.h).
const pygpu_backend* pygpu_sim_backend_table(void) {
    pygpu::sim::note_table_taken();
    return pygpu::sim::backend_table();
}

const pygpu_sim_api* pygpu_sim_api_table(void) { return pygpu::sim::sim_api_table(); }

const char* pygpu_sim_init_check(void) { return pygpu::sim::init_check(); }

const char* pygpu_sim_last_message(void) { return pygpu::sim::last_message(); }

}  // extern "C"
