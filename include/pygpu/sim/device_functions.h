/* device_functions.h for the simulated device: the device functions and
 * intrinsics of CUDA's header of that name (kernel/language.h). */
#include "kernel/language.h"
