// PyGPU._backend_sim: the Python extension module that ships the simulated
// device's table. Importing it parses the configuration; a bad
// PYGPU_SIM_DEVICES or PYGPU_SIM_MEMORY becomes an ImportError with the reason.
#include "PyGPU/common/backend_module.h"
#include "PyGPU/sim/backend.h"
#include "PyGPU/sim/config.h"

PYGPU_DEFINE_BACKEND_MODULE(_backend_sim, pygpu::sim::backend_table, pygpu::sim::init_check)
