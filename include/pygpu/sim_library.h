/* The simulated device's shared library, libpygpu_sim: its exported C API.
 *
 * The simulated device is one shared library per process. PyGPU's backend
 * module (PyGPU._backend_sim) links to it, and so does a user's binary built
 * for the simulated device, so both talk to the same device: the same memory,
 * streams, events and last error. The library exports only the names declared
 * here (and, in pygpu/sim/cuda_runtime_api.h, CUDA's host runtime functions);
 * everything else in it has hidden visibility.
 *
 * Its path: PyGPU.sim.library_path() (installed as PyGPU/lib/libpygpu_sim.so,
 * whose soname is libpygpu_sim.so). Plain C types only, like pygpu/backend.h.
 */
#ifndef PYGPU_SIM_LIBRARY_H
#define PYGPU_SIM_LIBRARY_H

/* By their own directory, so that this header also works for code that puts
 * only pygpu/sim/ on its include path (cuda_runtime_api.h includes it). */
#include "backend.h"
#include "sim_api.h"

#if defined(__GNUC__) || defined(__clang__)
#define PYGPU_SIM_EXPORT __attribute__((visibility("default")))
#else
#define PYGPU_SIM_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The simulated device's backend table (static storage, valid for the life
 * of the process); its abi_version is PYGPU_BACKEND_ABI_VERSION. */
PYGPU_SIM_EXPORT const pygpu_backend* pygpu_sim_backend_table(void);

/* The simulated device's own API (configuration, chaos, injection,
 * inspection, reset): the same table as
 * pygpu_sim_backend_table()->extension(PYGPU_SIM_API_NAME). */
PYGPU_SIM_EXPORT const pygpu_sim_api* pygpu_sim_api_table(void);

/* NULL when the simulated device can be used, else why not (a static string,
 * for example a bad PYGPU_SIM_DEVICES). The configuration is read from the
 * environment on the first call of this or any other function. */
PYGPU_SIM_EXPORT const char* pygpu_sim_init_check(void);

/* The detail of the calling thread's most recent failure on the simulated
 * device ("" when none): what PyGPU.sim.last_message() shows, for host code
 * (cudaGetErrorString gives only the code's fixed description). */
PYGPU_SIM_EXPORT const char* pygpu_sim_last_message(void);

#ifdef __cplusplus
}
#endif

#endif /* PYGPU_SIM_LIBRARY_H */
