/* Kernel language, simulated device: block and warp barriers, memory fences.
 *
 * Each barrier call site gets its own site object (PYGPU_SIM_SITE), so the
 * engine names the barrier in a divergence error. The engine switches fibers
 * inside a barrier; the wrappers restore pygpu_sim_k::current afterwards.
 * A barrier reached by a kernel compiled as a loop (no barrier found by the
 * translator) ends the launch with cudaErrorLaunchFailure.
 */
#ifndef PYGPU_SIM_KERNEL_SYNC_H
#define PYGPU_SIM_KERNEL_SYNC_H

#include "context.h"

namespace pygpu_sim_k {

inline int block_barrier(const pygpu_sim_sync_site* site, int predicate) {
    return switching([&] { return pygpu_sim_block_barrier(site, predicate); });
}
inline void syncthreads(const pygpu_sim_sync_site* site) { block_barrier(site, 1); }
inline int syncthreads_count(const pygpu_sim_sync_site* site, int predicate) {
    return block_barrier(site, predicate != 0);
}
inline int syncthreads_and(const pygpu_sim_sync_site* site, int predicate) {
    return block_barrier(site, predicate != 0) == static_cast<int>(block_threads());
}
inline int syncthreads_or(const pygpu_sim_sync_site* site, int predicate) {
    return block_barrier(site, predicate != 0) != 0;
}

// The warp barrier of the lanes in `mask`, exchanging one value per lane:
// the 32 values by lane, valid until this thread's next exchange.
inline const unsigned long long* warp_exchange(const pygpu_sim_sync_site* site, unsigned long long value,
                                               unsigned mask, unsigned* lanes = nullptr) {
    unsigned count = 0;
    const uint64_t* values = switching([&] { return pygpu_sim_warp_exchange(site, value, mask, &count); });
    if (lanes != nullptr) *lanes = count;
    return reinterpret_cast<const unsigned long long*>(values);
}
// __syncwarp(mask = all lanes): a callable bound to its call site.
struct syncwarp_at {
    const pygpu_sim_sync_site* site;
    void operator()(unsigned mask = 0xffffffffu) const { warp_exchange(site, 0, mask); }
};

}  // namespace pygpu_sim_k

#define __syncthreads() ::pygpu_sim_k::syncthreads(PYGPU_SIM_SITE("__syncthreads"))
#define __syncthreads_count(predicate) \
    ::pygpu_sim_k::syncthreads_count(PYGPU_SIM_SITE("__syncthreads_count"), (predicate))
#define __syncthreads_and(predicate) ::pygpu_sim_k::syncthreads_and(PYGPU_SIM_SITE("__syncthreads_and"), (predicate))
#define __syncthreads_or(predicate) ::pygpu_sim_k::syncthreads_or(PYGPU_SIM_SITE("__syncthreads_or"), (predicate))
#define __syncwarp ::pygpu_sim_k::syncwarp_at{PYGPU_SIM_SITE("__syncwarp")}

/* Fences: every thread of the simulated device shares the host's memory
 * model, so each is a sequentially consistent fence. */
inline void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __threadfence_system() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

#endif /* PYGPU_SIM_KERNEL_SYNC_H */
