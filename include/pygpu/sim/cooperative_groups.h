/* cooperative_groups.h for the simulated device: namespace
 * cooperative_groups (kernel/cooperative_groups.h). */
#ifndef PYGPU_SIM_COOPERATIVE_GROUPS_H
#define PYGPU_SIM_COOPERATIVE_GROUPS_H
#include "kernel/cooperative_groups.h"
#endif
