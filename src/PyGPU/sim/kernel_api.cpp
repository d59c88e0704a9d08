// The kernel-side C API of kernel ABI v2 (pygpu/sim/launch.h) that compiled
// kernels call while they run: warp exchanges, the active mask, shared
// memory, printf, the current thread; and the registration of globals. Each
// function is the engine's (grid.h) or the registry's (symbols.h) under its
// C name and the C ABI's types (launch.cpp checks the layouts match).
#include <cstdint>

#include "PyGPU/sim/errors.h"
#include "PyGPU/sim/grid.h"
#include "PyGPU/sim/symbols.h"
#include "pygpu/sim/launch.h"

extern "C" {

const uint64_t* pygpu_sim_warp_exchange(const pygpu_sim_sync_site* site, uint64_t value, unsigned mask,
                                        unsigned* lanes) {
    const pygpu::sim::WarpValues w =
        pygpu::sim::warp_exchange(*reinterpret_cast<const pygpu::sim::SyncSite*>(site), value, mask);
    if (lanes != nullptr) *lanes = w.lanes;
    return w.values;
}

unsigned pygpu_sim_active_mask(void) { return pygpu::sim::active_mask(); }

void* pygpu_sim_shared_static(const void* key, size_t size, size_t align) {
    void* at = pygpu::sim::shared_static(key, size, align);
    if (at == nullptr) {
        pygpu::sim::fail(pygpu::sim::err::cudaErrorInvalidValue,
                         "pygpu_sim_shared_static: called outside kernel code (static __shared__ memory belongs to "
                         "a block of a running kernel)");
    }
    return at;
}

void* pygpu_sim_shared_dynamic(size_t* bytes) { return pygpu::sim::shared_dynamic(bytes); }

void pygpu_sim_print(const char* text, size_t n) { pygpu::sim::kernel_print(text, n); }

pygpu_sim_thread_context* pygpu_sim_current_thread(void) {
    return reinterpret_cast<pygpu_sim_thread_context*>(pygpu::sim::current_thread());
}

int pygpu_sim_register_global(const void* addr, size_t size, const char* name) {
    return pygpu::sim::register_global(addr, size, name);
}

int pygpu_sim_unregister_global(const void* addr) { return pygpu::sim::unregister_global(addr); }

}  // extern "C"
