/* vector_types.h for the simulated device: CUDA's header of that name. */
#include "kernel/vector_types.h"
