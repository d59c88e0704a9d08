/* Kernel language, simulated device: the running thread, its coordinates and
 * CUDA's function qualifiers.
 *
 * pygpu_sim_k::current is THE per-library pointer to the kernel thread that
 * is running on this OS thread: the trampolines (kernel/launch.h) set it on
 * entry, and every wrapper that can switch fibers (barriers, warp operations)
 * saves it before calling the engine and restores it after, since another
 * fiber of the block ran in between. Hidden, so each kernel library has its
 * own; thread_local, so the workers do not share it.
 *
 * threadIdx, blockIdx, blockDim and gridDim read it (values of CUDA's types,
 * uint3 and dim3); warpSize is the constant 32. The four are macros, so
 * they cannot name anything else in a source that includes this header (on
 * CUDA they are built-in variables). Outside kernel code current is null and reading them
 * is an error of the caller (as using them in host code is).
 */
#ifndef PYGPU_SIM_KERNEL_CONTEXT_H
#define PYGPU_SIM_KERNEL_CONTEXT_H

#include "../cuda_runtime_api.h" /* before the coordinate macros: it names parameters gridDim, blockDim */
#include "../launch.h"
#include "vector_types.h"

namespace pygpu_sim_k {

__attribute__((visibility("hidden"))) inline thread_local pygpu_sim_thread_context* current = nullptr;

inline uint3 thread_idx() noexcept {
    const pygpu_sim_dim3& d = current->thread_idx;
    return uint3{d.x, d.y, d.z};
}
inline uint3 block_idx() noexcept {
    const pygpu_sim_dim3& d = current->block->block_idx;
    return uint3{d.x, d.y, d.z};
}
inline dim3 block_dim() noexcept {
    const pygpu_sim_dim3& d = current->block->block_dim;
    return dim3(d.x, d.y, d.z);
}
inline dim3 grid_dim() noexcept {
    const pygpu_sim_dim3& d = current->block->grid_dim;
    return dim3(d.x, d.y, d.z);
}

// The calling thread's index in its block (x fastest) and its lane.
inline unsigned linear_thread() noexcept {
    const pygpu_sim_thread_context* t = current;
    const pygpu_sim_dim3& d = t->block->block_dim;
    return (t->thread_idx.z * d.y + t->thread_idx.y) * d.x + t->thread_idx.x;
}
inline unsigned lane() noexcept { return linear_thread() & 31u; }
inline unsigned block_threads() noexcept {
    const pygpu_sim_dim3& d = current->block->block_dim;
    return d.x * d.y * d.z;
}

// Runs `call` (which may switch fibers) and restores current afterwards.
// current is hidden and its address never escapes, so the compiler may prove
// that the engine's call neither reads nor writes it: it could sink the
// trampoline's store past the call or drop the restore as redundant. But
// the other fibers of the block run inside the call and set it; the empty
// asm statements, which take its address and clobber memory, say so.
inline void fibers_may_switch() { __asm__ __volatile__("" : : "r"(&current) : "memory"); }
template <class Call>
inline auto switching(Call&& call) -> decltype(call()) {
    pygpu_sim_thread_context* const self = current;
    fibers_may_switch();
    struct Restore {
        pygpu_sim_thread_context* self;
        ~Restore() {
            fibers_may_switch();
            current = self;
        }
    } restore{self};
    return call();
}

}  // namespace pygpu_sim_k

/* One static site object per call site of a barrier or warp operation (the
 * engine tells divergent barriers apart by it). */
#define PYGPU_SIM_SITE(what)                                                  \
    ([]() -> const pygpu_sim_sync_site* {                                     \
        static const pygpu_sim_sync_site pygpu_sim_site_{what, __FILE__, __LINE__}; \
        return &pygpu_sim_site_;                                              \
    }())

#define threadIdx (::pygpu_sim_k::thread_idx())
#define blockIdx (::pygpu_sim_k::block_idx())
#define blockDim (::pygpu_sim_k::block_dim())
#define gridDim (::pygpu_sim_k::grid_dim())
/* A constant, not a macro: host code reads cudaDeviceProp::warpSize. */
inline constexpr int warpSize = 32;

/* Function and variable qualifiers. Kernels and device functions are plain
 * host functions here; __constant__ and __device__ variables are plain
 * globals (the translator registers them with the simulator). __shared__
 * is the translator's (a variable in the block's shared memory), and
 * __restrict__ is a GCC keyword already. */
#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __grid_constant__

#endif /* PYGPU_SIM_KERNEL_CONTEXT_H */
