// __device__ and __constant__ variables on the simulated device: the
// registry of globals that compiled code registers at load
// (pygpu_sim_register_global, pygpu/sim/launch.h), and CUDA's symbol calls
// (cudaMemcpyToSymbol, cudaGetSymbolAddress, ...).
//
// A global lives in its library's data segment, one copy for all devices
// (the simulated devices share the host's memory). The pointer checks of
// memory.cpp consult the registry after the allocation table: a registered
// global is device memory of the calling thread's current device for every
// copy and memset, cudaPointerGetAttributes says so, cudaFree refuses it,
// and it is never a leak. Registered globals survive both resets, like the
// code they belong to (the reset registry has no row for them); a library's
// destructor unregisters its globals when it is unloaded.
//
// The registry has its own lock, taken after State::mu (memory checks) or
// alone (registration); it never takes State::mu.
#ifndef PYGPU_SIM_SYMBOLS_H
#define PYGPU_SIM_SYMBOLS_H

#include <cstddef>
#include <cstdint>
#include <string>

#include "pygpu/backend.h"

namespace pygpu {
namespace sim {

struct GlobalSymbol {
    uintptr_t base = 0;
    size_t size = 0;
    std::string name;
};

// The registered global containing address `p` (false when none).
bool global_containing(uintptr_t p, GlobalSymbol* out);

int register_global(const void* addr, size_t size, const char* name);
int unregister_global(const void* addr);

// The CUDA calls. `kind` is the cudaMemcpyKind; `async` picks the *Async form.
int get_symbol_address(void** dev_ptr, const void* symbol);
int get_symbol_size(size_t* size, const void* symbol);
int memcpy_to_symbol(const void* symbol, const void* src, size_t count, size_t offset, int kind, bool async,
                     pygpu_stream_t stream);
int memcpy_from_symbol(void* dst, const void* symbol, size_t count, size_t offset, int kind, bool async,
                       pygpu_stream_t stream);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_SYMBOLS_H
