/* cuda_fp16.h for the simulated device: __half, __half2 and their
 * functions (kernel/half.h). */
#ifndef PYGPU_SIM_CUDA_FP16_H
#define PYGPU_SIM_CUDA_FP16_H
#include "kernel/half.h"
#endif
