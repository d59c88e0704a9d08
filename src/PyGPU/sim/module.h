// Modules on the simulated device (backend ABI version 2): a module is a
// kernel library built by PyGPU's compiler driver (PyGPU.sim.compile,
// pygpu-cc), loaded with dlopen from a file or, for an image in memory, from
// a memfd (a private temporary file where memfd_create is missing).
//
// The kernels and globals a library registers while its constructors run
// belong to the module being loaded: load sets a thread-local "loading
// module" around dlopen, and pygpu_sim_register_kernel and
// pygpu_sim_register_global report to it (registrations outside a module
// load stay global, as before). A function handle is the kernel's host stub,
// so a module's kernel launches, reports its attributes and is counted like
// any registered kernel. Unload removes the module's kernels from the kernel
// table (no new launch can name them), waits for the work queued on every
// device (a queued launch still runs the library's code), then dlcloses it;
// the library's destructors unregister its globals.
//
// Loading the same library twice gives two handles on one image (dlopen
// counts); the kernels stay registered until the last handle is unloaded.
// Modules are code: no reset unloads them (reset.cpp's registry has no row
// for them, like the registered kernels and globals).
#ifndef PYGPU_SIM_MODULE_H
#define PYGPU_SIM_MODULE_H

#include <cstddef>

#include "pygpu/backend.h"

namespace pygpu {
namespace sim {

// Called by the registrations (launch.cpp, symbols.cpp) after they succeed:
// records the kernel or global in the module being loaded by this thread, if any.
void module_registered_kernel(const void* host_stub, const char* name);
void module_registered_global(const void* addr, size_t size, const char* name);

// The backend table's entries, with CUDA's codes.
int library_load_data(pygpu_module_t* module, const void* image, size_t size);
int library_load_from_file(pygpu_module_t* module, const char* path);
int library_unload(pygpu_module_t module);
int library_get_kernel(pygpu_function_t* function, pygpu_module_t module, const char* name);
int library_get_global(void** address, size_t* size, pygpu_module_t module, const char* name);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_MODULE_H
