// PyGPU._backend_sim: the Python extension module that ships the simulated
// device's table. The device itself is the shared library libpygpu_sim
// (pygpu/sim_library.h), which this module links to, as a user's binary built
// for the simulated device does: one device per process. Importing it parses
// the configuration; a bad PYGPU_SIM_DEVICES or PYGPU_SIM_MEMORY becomes an
// ImportError with the reason.
#include "PyGPU/common/backend_module.h"
#include "pygpu/sim_library.h"

PYGPU_DEFINE_BACKEND_MODULE(_backend_sim, pygpu_sim_backend_table, pygpu_sim_init_check)
