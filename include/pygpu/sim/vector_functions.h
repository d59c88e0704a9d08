/* vector_functions.h for the simulated device: CUDA's header of that name. */
#include "kernel/vector_functions.h"
