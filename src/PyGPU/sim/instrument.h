// The simulated device's own API (pygpu/sim_api.h): configuration, chaos
// mode, error injection, labels, inspection and reset. It is what makes the
// simulator a testing instrument; the CUDA-shaped calls live in the concept
// files and report here through the statistics, traces and reports.
#ifndef PYGPU_SIM_INSTRUMENT_H
#define PYGPU_SIM_INSTRUMENT_H

#include "pygpu/sim_api.h"

namespace pygpu {
namespace sim {

// The filled table (static storage), returned by the backend's
// extension(PYGPU_SIM_API_NAME).
const pygpu_sim_api* sim_api_table();

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_INSTRUMENT_H
