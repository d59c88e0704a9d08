/* cuda_runtime.h for the simulated device: what a CUDA source includes.
 *
 * Today the host runtime API (cuda_runtime_api.h); the kernel language
 * (__global__, threadIdx, <<<...>>>, ...) is added here by the kernel work,
 * keeping the host API in its own header.
 */
#ifndef PYGPU_SIM_CUDA_RUNTIME_H
#define PYGPU_SIM_CUDA_RUNTIME_H

#include "cuda_runtime_api.h"

#endif /* PYGPU_SIM_CUDA_RUNTIME_H */
