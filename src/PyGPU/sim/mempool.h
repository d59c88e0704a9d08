// Stream-ordered memory pools of the simulated device (cudaMallocAsync,
// cudaFreeAsync, cudaMemPool*), with the rules of CUDA's "Stream Ordered
// Memory Allocator":
//
//  - a pool reserves device blocks (the same guarded mappings as cudaMalloc,
//    memory.h) and hands them out as allocations of the memory table, so
//    every pointer check, the leak report and the statistics see them; a
//    freed block leaves the table (a use of it is a use after free) and waits
//    idle in its pool;
//  - an idle block is reused at once by an allocation on the stream that
//    freed it; on another stream only when the free is ordered before the
//    allocation: a synchronisation showed the host the free completed, the
//    legacy default stream's implicit order, an event recorded after the
//    free and waited for by the allocating stream (ReuseFollowEventDependencies),
//    the free has completed (ReuseAllowOpportunistic), or the allocation
//    waits for it (ReuseAllowInternalDependencies: a wait queued on the
//    allocating stream);
//  - idle memory stays reserved up to the release threshold; above it,
//    synchronisations (cudaStreamSynchronize, cudaEventSynchronize,
//    cudaDeviceSynchronize) give completed idle blocks back to the host;
//    cudaMemPoolTrimTo does so down to its argument;
//  - an idle block is only reused for an allocation of the same charged size
//    (256-byte granules), so used and reserved are exact figures.
//
// Everything here is guarded by State::mu.
#ifndef PYGPU_SIM_MEMPOOL_H
#define PYGPU_SIM_MEMPOOL_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "PyGPU/sim/work.h"
#include "pygpu/backend.h"

namespace pygpu {
namespace sim {

struct State;
struct ResetScope;
struct ResetBatch;

// A reserved device block waiting in its pool, and where it was freed.
struct IdleBlock {
    void* mem = nullptr;
    size_t extent = 0;
    size_t charged = 0;
    bool guarded = false;           // PROT_NONE (guard_idle_pools)
    uint64_t stream = 0;            // Stream::serial of the freeing stream
    int stream_device = -1;
    bool stream_legacy = false;     // the legacy default stream
    bool stream_blocking = false;   // synchronises with the legacy default stream
    uint64_t position = 0;          // Stream::queued_items at the free
    CompletionPtr done;             // the work queued before the free; null: none was pending
    bool known_complete = false;    // a synchronisation showed the host the free completed
    bool complete() const { return known_complete || !done || done->done(); }
};

struct MemPool {
    uintptr_t handle = 0;
    int device = 0;
    bool is_default = false;
    bool destroyed = false;  // cudaMemPoolDestroy with allocations still live: gone once they are freed
    size_t max_size = 0;     // 0: the device's capacity
    uint64_t release_threshold = 0;
    int follow_event_dependencies = 1;
    int allow_opportunistic = 1;
    int allow_internal_dependencies = 1;
    size_t used = 0;
    size_t reserved = 0;
    size_t used_high = 0;
    size_t reserved_high = 0;
    size_t live = 0;                          // allocations handed out and not freed
    std::multimap<size_t, IdleBlock> idle;    // by charged bytes
};

struct PoolTable {
    std::unordered_map<uintptr_t, std::unique_ptr<MemPool>> pools;  // by handle, the defaults included
    std::vector<std::unique_ptr<MemPool>> draining;                 // destroyed with allocations live
    std::vector<MemPool*> defaults;                                 // per device, made on first use
    std::vector<MemPool*> current;                                  // per device; null: the default
};

// Idle blocks in any pool: synchronisations look at the pools only then.
extern std::atomic<size_t> g_idle_pool_blocks;

// What a synchronisation showed the host complete: everything queued on a
// device (cudaDeviceSynchronize), or on one stream (Stream::serial) before
// a position (cudaStreamSynchronize: all of it; cudaEventSynchronize: up to
// the event's record).
struct SyncPoint {
    int device = -1;
    uint64_t stream = 0;  // 0: the whole device
    uint64_t before = UINT64_MAX;
};
// A synchronisation completed (mu not held): the idle blocks whose frees it
// showed complete become reusable by every stream, and pools above their
// release threshold give completed idle blocks back to the host.
void pools_synchronized(State& st, const SyncPoint& point);
inline void pools_synchronized_if_idle(State& st, const SyncPoint& point) {
    if (g_idle_pool_blocks.load(std::memory_order_relaxed) != 0) pools_synchronized(st, point);
}
// Before a grid (mu held): idle blocks whose free has completed become
// PROT_NONE, so a kernel using freed pool memory faults.
void guard_idle_pools(State& st);
// cudaFree of a pool allocation `base` (mu held through `lock`): waits for
// queued work, as cudaFree does, and returns the block to its pool.
int free_pool_allocation_sync(State& st, std::unique_lock<std::mutex>& lock, uintptr_t base);
// Reset (reset.h), mu held: the reset device's pools (every pool) are
// destroyed and their blocks given back in the settled phase; the default
// pools are emptied and become current again.
void reset_pools(State& st, const ResetScope& scope, ResetBatch& batch);
void release_pool_blocks(State& st, const ResetScope& scope, ResetBatch& batch);

int malloc_async(void** ptr, size_t size, pygpu_stream_t stream);
int free_async(void* ptr, pygpu_stream_t stream);
int malloc_from_pool_async(void** ptr, size_t size, pygpu_mem_pool_t pool, pygpu_stream_t stream);
int mem_pool_create(pygpu_mem_pool_t* pool, const pygpu_mem_pool_props* props);
int mem_pool_destroy(pygpu_mem_pool_t pool);
int device_get_default_mem_pool(pygpu_mem_pool_t* pool, int device);
int device_get_mem_pool(pygpu_mem_pool_t* pool, int device);
int device_set_mem_pool(int device, pygpu_mem_pool_t pool);
int mem_pool_set_attribute(pygpu_mem_pool_t pool, int attr, void* value);
int mem_pool_get_attribute(pygpu_mem_pool_t pool, int attr, void* value);
int mem_pool_trim_to(pygpu_mem_pool_t pool, size_t min_bytes_to_keep);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_MEMPOOL_H
