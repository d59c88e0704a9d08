/* device_launch_parameters.h for the simulated device: threadIdx, blockIdx,
 * blockDim, gridDim, warpSize (kernel/context.h). */
#include "kernel/context.h"
