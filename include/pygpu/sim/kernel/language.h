/* Kernel language, simulated device: everything cuda_runtime.h gives a CUDA
 * source in C++ (CUDA's cuda_runtime.h brings the same: qualifiers,
 * coordinates, barriers, warp operations, atomics, the math API,
 * intrinsics, printf and assert). Half precision is cuda_fp16.h's and
 * cooperative groups are cooperative_groups.h's, as on CUDA. */
#ifndef PYGPU_SIM_KERNEL_LANGUAGE_H
#define PYGPU_SIM_KERNEL_LANGUAGE_H

#include "assert.h"
#include "atomics.h"
#include "context.h"
#include "conversions.h"
#include "device_functions.h"
#include "integer_intrinsics.h"
#include "math_functions.h"
#include "printf.h"
#include "sync.h"
#include "vector_functions.h"
#include "vector_types.h"
#include "warp.h"

#endif /* PYGPU_SIM_KERNEL_LANGUAGE_H */
