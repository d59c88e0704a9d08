/* cooperative_groups/reduce.h for the simulated device: cg::reduce and its
 * operators (kernel/cooperative_groups_reduce.h). */
#ifndef PYGPU_SIM_COOPERATIVE_GROUPS_REDUCE_H
#define PYGPU_SIM_COOPERATIVE_GROUPS_REDUCE_H
#include "../kernel/cooperative_groups_reduce.h"
#endif
