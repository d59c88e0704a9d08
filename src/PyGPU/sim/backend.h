// The simulated device's table of the PyGPU backend interface.
#ifndef PYGPU_SIM_BACKEND_H
#define PYGPU_SIM_BACKEND_H

#include "pygpu/backend.h"

namespace pygpu {
namespace sim {

// The filled table (static storage, valid for the life of the process).
const pygpu_backend* backend_table();

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_BACKEND_H
