// Kernel launches on the simulated device: the kernels registered by
// compiled code (pygpu/sim/launch.h) and cudaLaunchKernel.
//
// A launch is one work item on its stream, like a copy: it waits for what
// was queued before it (events, cudaStreamWaitEvent and the legacy default
// stream's rules order it), synchronising calls wait for it, and in chaos
// mode it gets a delay before it and a chaos seed for the engine (block and
// warp order, poisoned shared memory). The item runs the grid with
// run_grid() (grid.h) on the stream's worker; the blocks go to the engine's
// pool. A grid that fails makes its device's error sticky (sticky.h).
#ifndef PYGPU_SIM_LAUNCH_H
#define PYGPU_SIM_LAUNCH_H

#include <cstddef>
#include <string>

#include "PyGPU/sim/grid.h"
#include "pygpu/backend.h"

namespace pygpu {
namespace sim {

// The name of the kernel registered for `host_stub` (false when none).
bool registered_kernel_name(const void* host_stub, std::string* name);

// cudaLaunchKernel, with the configuration checks of launch.cpp.
int launch_kernel(const void* host_stub, Dim3 grid, Dim3 block, void** args, size_t dynamic_shared,
                  pygpu_stream_t stream);

// The backend table's launch (a module's kernel): the same, after checking
// the arguments against the kernel's parameters: `arg_count` must be its
// parameter count and `arg_sizes[i]` parameter i's size, else
// cudaErrorInvalidValue with a message naming the parameter ("parameter 1
// is 4 bytes, argument 1 is 8 bytes").
int launch_function(pygpu_function_t function, pygpu_dim3 grid, pygpu_dim3 block, void** args,
                    const size_t* arg_sizes, size_t arg_count, size_t dynamic_shared, pygpu_stream_t stream);

// Removes the kernel registered for `host_stub` (a module's unload, module.h);
// launches already queued keep their record.
void unregister_kernel(const void* host_stub);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_LAUNCH_H
