#include "PyGPU/sim/mempool.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "PyGPU/common/block_cache.h"
#include "PyGPU/sim/reset.h"
#include "PyGPU/sim/state.h"

namespace pygpu {
namespace sim {

std::atomic<size_t> g_idle_pool_blocks{0};

namespace {

const char* attr_name(int attr) {
    switch (attr) {
        case PYGPU_MEM_POOL_REUSE_FOLLOW_EVENT_DEPENDENCIES:
            return "cudaMemPoolReuseFollowEventDependencies";
        case PYGPU_MEM_POOL_REUSE_ALLOW_OPPORTUNISTIC:
            return "cudaMemPoolReuseAllowOpportunistic";
        case PYGPU_MEM_POOL_REUSE_ALLOW_INTERNAL_DEPENDENCIES:
            return "cudaMemPoolReuseAllowInternalDependencies";
        case PYGPU_MEM_POOL_ATTR_RELEASE_THRESHOLD:
            return "cudaMemPoolAttrReleaseThreshold";
        case PYGPU_MEM_POOL_ATTR_RESERVED_MEM_CURRENT:
            return "cudaMemPoolAttrReservedMemCurrent";
        case PYGPU_MEM_POOL_ATTR_RESERVED_MEM_HIGH:
            return "cudaMemPoolAttrReservedMemHigh";
        case PYGPU_MEM_POOL_ATTR_USED_MEM_CURRENT:
            return "cudaMemPoolAttrUsedMemCurrent";
        case PYGPU_MEM_POOL_ATTR_USED_MEM_HIGH:
            return "cudaMemPoolAttrUsedMemHigh";
        default:
            return nullptr;
    }
}

void grow_tables(State& st) {
    const size_t n = st.devices.size();
    if (st.pools.defaults.size() < n) st.pools.defaults.resize(n, nullptr);
    if (st.pools.current.size() < n) st.pools.current.resize(n, nullptr);
}

MemPool* new_pool(State& st, int device, bool is_default, size_t max_size) {
    auto pool = std::make_unique<MemPool>();
    pool->handle = new_handle(st, HandleKind::pool);
    pool->device = device;
    pool->is_default = is_default;
    pool->max_size = max_size;
    MemPool* p = pool.get();
    st.pools.pools.emplace(p->handle, std::move(pool));
    return p;
}

// The device's default pool, made on first use (mu held; `device` valid).
MemPool* default_pool(State& st, int device) {
    grow_tables(st);
    MemPool*& d = st.pools.defaults[static_cast<size_t>(device)];
    if (d == nullptr) d = new_pool(st, device, true, 0);
    return d;
}

MemPool* current_pool(State& st, int device) {
    grow_tables(st);
    MemPool* c = st.pools.current[static_cast<size_t>(device)];
    return c != nullptr ? c : default_pool(st, device);
}

int resolve_pool(State& st, pygpu_mem_pool_t handle, MemPool** out) {
    const uintptr_t v = reinterpret_cast<uintptr_t>(handle);
    if (handle == nullptr) return fail(err::cudaErrorInvalidValue, "memPool is NULL; pass a cudaMemPool_t");
    auto it = st.pools.pools.find(v);
    if (it == st.pools.pools.end()) {
        if (was_issued(st, v, HandleKind::pool)) {
            return fail(err::cudaErrorInvalidValue, "memPool %p was destroyed (cudaMemPoolDestroy or a device reset)",
                        handle);
        }
        return fail(err::cudaErrorInvalidValue, "memPool %p is not a memory pool", handle);
    }
    *out = it->second.get();
    return err::cudaSuccess;
}

void note_idle(int delta) {
    if (delta > 0) {
        g_idle_pool_blocks.fetch_add(static_cast<size_t>(delta), std::memory_order_relaxed);
    } else {
        g_idle_pool_blocks.fetch_sub(static_cast<size_t>(-delta), std::memory_order_relaxed);
    }
}

// Gives an idle block back to the host: off the pool's and the device's books.
void release_idle(State& st, MemPool& pool, std::multimap<size_t, IdleBlock>::iterator it,
                  std::vector<HostMemory>* out) {
    const IdleBlock& b = it->second;
    pool.reserved -= b.charged;
    st.devices[static_cast<size_t>(pool.device)]->used -= b.charged;
    out->push_back(HostMemory{b.mem, b.extent, true});
    pool.idle.erase(it);
    note_idle(-1);
}

// Releases completed idle blocks while the pool holds more than `keep` bytes
// of reserved memory beyond what is in use.
void trim(State& st, MemPool& pool, size_t keep, std::vector<HostMemory>* out) {
    for (auto it = pool.idle.begin(); it != pool.idle.end() && pool.reserved > keep;) {
        auto next = std::next(it);
        if (it->second.complete()) release_idle(st, pool, it, out);
        it = next;
    }
}

void give_back_all(const std::vector<HostMemory>& blocks) {
    for (const HostMemory& m : blocks) unmap_device_block(m.mem, m.extent);
}

// A destroyed pool goes once its last allocation is freed and its frees completed.
void drop_if_drained(State& st, MemPool* pool, std::vector<HostMemory>* out) {
    if (!pool->destroyed || pool->live != 0) return;
    trim(st, *pool, 0, out);
    if (!pool->idle.empty()) return;  // frees still pending: the next synchronisation tries again
    auto& v = st.pools.draining;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const std::unique_ptr<MemPool>& p) { return p.get() == pool; }),
            v.end());
}

// Can an allocation on `s` take `b` (CUDA's reuse rules, mempool.h)? Sets
// *wait when the allocating stream must first wait for the free.
bool reusable(const MemPool& pool, const IdleBlock& b, const Stream& s, bool* wait) {
    *wait = false;
    if (b.stream == s.serial || b.known_complete) return true;
    // The legacy default stream's implicit order (same device).
    if (b.stream_device == s.device &&
        ((s.kind == StreamKind::legacy && b.stream_blocking) || (b.stream_legacy && s.blocking()))) {
        return true;
    }
    if (pool.follow_event_dependencies != 0 && s.waited_for(b.stream) > b.position) return true;
    if (pool.allow_opportunistic != 0 && b.complete()) return true;
    if (pool.allow_internal_dependencies != 0) {
        *wait = !b.complete();
        return true;
    }
    return false;
}

// An allocation of `size` bytes from `pool` in stream order on `s` (mu held).
int pool_alloc(State& st, MemPool& pool, Stream& s, size_t size, const char* origin,
               void** ptr) {
    size_t charged = 0;
    Device& d = *st.devices[static_cast<size_t>(pool.device)];
    if (!device_charge(size, &charged) || charged > d.capacity) {
        return fail(err::cudaErrorMemoryAllocation, "cannot allocate %zu bytes from a memory pool of device %d: the "
                    "device has %zu bytes", size, pool.device, d.capacity);
    }
    IdleBlock block;
    bool found = false;
    const auto range = pool.idle.equal_range(charged);
    for (auto it = range.first; it != range.second; ++it) {
        bool wait = false;
        if (!reusable(pool, it->second, s, &wait)) continue;
        block = std::move(it->second);
        pool.idle.erase(it);
        note_idle(-1);
        if (wait) enqueue(st, s.shared_from_this(), nullptr, nullptr, {block.done});
        found = true;
        break;
    }
    if (!found) {
        const size_t limit = pool.max_size != 0 ? pool.max_size : d.capacity;
        std::vector<HostMemory> released;
        // Out of memory: first give back what this pool holds unused.
        if (charged > d.capacity - d.used || pool.reserved + charged > limit) trim(st, pool, 0, &released);
        give_back_all(released);
        if (charged > d.capacity - d.used || pool.reserved + charged > limit) {
            return fail(err::cudaErrorMemoryAllocation,
                        "cannot allocate %zu bytes from a memory pool of device %d: %zu of the device's %zu bytes "
                        "are free, the pool reserves %zu bytes%s",
                        size, pool.device, d.capacity - d.used, d.capacity, pool.reserved,
                        pool.max_size != 0 ? " of its maxSize" : "");
        }
        block.mem = st.memory.take_block(charged, &block.extent);
        if (block.mem == nullptr) {
            return fail(err::cudaErrorMemoryAllocation,
                        "the host could not provide %zu bytes to back a pool allocation on device %d", charged,
                        pool.device);
        }
        block.charged = charged;
        d.used += charged;
        pool.reserved += charged;
        pool.reserved_high = std::max(pool.reserved_high, pool.reserved);
    } else if (block.guarded || block.extent >= BlockCache::kHugePage) {
        // PROT_NONE while idle; a large block also keeps its last allocation's tail guard.
        if (mprotect(block.mem, block.extent, PROT_READ | PROT_WRITE) != 0) {
            pool.reserved -= block.charged;
            d.used -= block.charged;
            unmap_device_block(block.mem, block.extent);
            return fail(err::cudaErrorMemoryAllocation, "the host refused to map a pool block of %zu bytes again",
                        block.extent);
        }
    }
    Allocation a;
    a.base = place_in_block(block.mem, block.extent, charged);
    a.size = size;
    a.charged = charged;
    a.device = pool.device;
    a.kind = MemKind::device;
    a.origin = origin;
    a.pool = &pool;
    a.block = block.mem;
    a.extent = block.extent;
    *ptr = addr(a.base);
    insert_allocation(st, std::move(a));
    pool.used += charged;
    pool.used_high = std::max(pool.used_high, pool.used);
    ++pool.live;
    return err::cudaSuccess;
}

// Whether work that the legacy default stream's implicit order puts before
// an item on `s` is still pending on other streams (the legacy stream waits
// for every blocking stream of its device, a blocking stream for the legacy one).
bool implicit_order_pending(const State& st, const Stream& s) {
    const Device& d = *st.devices[static_cast<size_t>(s.device)];
    if (s.kind == StreamKind::legacy) {
        for (const auto& t : d.streams) {
            if (t->blocking() && t->tail && !t->tail->done()) return true;
        }
        return false;
    }
    return s.blocking() && d.legacy->tail && !d.legacy->tail->done();
}

// Takes pool allocation `base` out of the table into its pool's idle blocks,
// freed in stream order on `s` (null: cudaFree, after waiting for everything).
// `done`, when set, is the free's own item on `s` (its completion: the work
// the free is ordered after has run).
void pool_free(State& st, uintptr_t base, const Stream* s, const char* how, CompletionPtr done = nullptr) {
    const Allocation a = st.memory.detach(base, how);
    st.memory.trim_history();
    st.stats.freed(a);
    MemPool& pool = *a.pool;
    IdleBlock b;
    b.mem = a.block;
    b.extent = a.extent;
    b.charged = a.charged;
    if (s != nullptr) {
        b.stream = s->serial;
        b.stream_device = s->device;
        b.stream_legacy = s->kind == StreamKind::legacy;
        b.stream_blocking = s->blocking();
        b.position = s->queued_items;
        if (done) {
            b.done = std::move(done);
        } else if (s->tail && !s->tail->done()) {
            b.done = s->tail;
        }
    } else {
        b.known_complete = true;
    }
    pool.used -= a.charged;
    --pool.live;
    pool.idle.emplace(b.charged, std::move(b));
    note_idle(1);
    request_guard();  // the next grid makes it PROT_NONE once its free has completed
    if (pool.destroyed) {
        std::vector<HostMemory> released;
        drop_if_drained(st, &pool, &released);
        give_back_all(released);
    }
}

// cudaMallocAsync (from_pool false: the stream's device's current pool) and cudaMallocFromPoolAsync.
int alloc_checked(void** ptr, size_t size, pygpu_stream_t stream, bool from_pool, pygpu_mem_pool_t pool_handle,
                  const char* call) {
    if (ptr == nullptr) return fail(err::cudaErrorInvalidValue, "devPtr is NULL; pass the address of a pointer");
    if (size == 0) return fail(err::cudaErrorInvalidValue, "size is 0; %s needs at least one byte", call);
    State& st = state();
    std::lock_guard<std::mutex> lock(st.mu);
    Stream* s = nullptr;
    if (int e = resolve_stream(st, stream, &s)) return e;
    MemPool* pool = nullptr;
    if (from_pool) {
        if (int e = resolve_pool(st, pool_handle, &pool)) return e;
    } else {
        pool = current_pool(st, s->device);
    }
    return pool_alloc(st, *pool, *s, size, call, ptr);
}

}  // namespace

void pools_synchronized(State& st, const SyncPoint& point) {
    std::vector<HostMemory> released;
    {
        std::lock_guard<std::mutex> lock(st.mu);
        auto shown = [&](const IdleBlock& b) {
            if (point.stream != 0) return b.stream == point.stream && b.position < point.before;
            return b.stream_device == point.device;
        };
        auto visit = [&](MemPool& pool) {
            for (auto& kv : pool.idle) {
                if (shown(kv.second) && kv.second.complete()) kv.second.known_complete = true;
            }
            if (pool.reserved > pool.release_threshold) trim(st, pool, pool.release_threshold, &released);
        };
        for (auto& kv : st.pools.pools) visit(*kv.second);
        for (size_t i = 0; i < st.pools.draining.size();) {
            MemPool* p = st.pools.draining[i].get();
            visit(*p);
            const size_t before = st.pools.draining.size();
            drop_if_drained(st, p, &released);
            if (st.pools.draining.size() == before) ++i;
        }
    }
    give_back_all(released);
}

void guard_idle_pools(State& st) {
    bool pending = false;
    auto visit = [&](MemPool& pool) {
        for (auto& kv : pool.idle) {
            IdleBlock& b = kv.second;
            if (b.guarded) continue;
            if (!b.complete()) {
                pending = true;  // still in use by work queued before the free
                continue;
            }
            mprotect(b.mem, b.extent, PROT_NONE);  // a guard only: failure is harmless
            b.guarded = true;
        }
    };
    if (g_idle_pool_blocks.load(std::memory_order_relaxed) == 0) return;
    for (auto& kv : st.pools.pools) visit(*kv.second);
    for (auto& p : st.pools.draining) visit(*p);
    if (pending) request_guard();
}

int free_pool_allocation_sync(State& st, std::unique_lock<std::mutex>& lock, uintptr_t base) {
    std::vector<CompletionPtr> pending = pending_everywhere(st);
    lock.unlock();
    wait_all(pending);
    lock.lock();
    // Another thread may have freed it meanwhile.
    const Allocation* al = st.memory.containing(base);
    if (al == nullptr || al->base != base || al->pool == nullptr) {
        return fail(err::cudaErrorInvalidValue, "devPtr %p was freed by another thread while cudaFree waited",
                    addr(base));
    }
    pool_free(st, base, nullptr, "cudaFree");
    request_guard();
    return err::cudaSuccess;
}

void reset_pools(State& st, const ResetScope& scope, ResetBatch& batch) {
    // The blocks of live pool allocations: reset_memory (after this) takes
    // the allocations out of the table and off their devices' books.
    st.memory.for_each_live([&](const Allocation& a) {
        if (a.pool != nullptr && scope.covers(a.device)) batch.pool_blocks.push_back(HostMemory{a.block, a.extent, true});
    });
    auto empty = [&](MemPool& pool) {
        for (auto& kv : pool.idle) {
            batch.pool_blocks.push_back(HostMemory{kv.second.mem, kv.second.extent, true});
            st.devices[static_cast<size_t>(pool.device)]->used -= kv.second.charged;
        }
        note_idle(-static_cast<int>(pool.idle.size()));
        pool.idle.clear();
        pool.used = pool.reserved = pool.used_high = pool.reserved_high = 0;
        pool.live = 0;
    };
    auto& draining = st.pools.draining;
    for (auto it = draining.begin(); it != draining.end();) {
        if (scope.covers((*it)->device)) {
            empty(**it);
            it = draining.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = st.pools.pools.begin(); it != st.pools.pools.end();) {
        MemPool& pool = *it->second;
        if (!scope.covers(pool.device)) {
            ++it;
            continue;
        }
        empty(pool);
        if (pool.is_default) {
            pool.release_threshold = 0;
            pool.follow_event_dependencies = pool.allow_opportunistic = pool.allow_internal_dependencies = 1;
            ++it;
        } else {
            it = st.pools.pools.erase(it);
        }
    }
    for (size_t d = 0; d < st.pools.current.size(); ++d) {
        if (scope.covers(static_cast<int>(d))) st.pools.current[d] = nullptr;
    }
}

void release_pool_blocks(State&, const ResetScope&, ResetBatch& batch) {
    give_back_all(batch.pool_blocks);
    batch.pool_blocks.clear();
}

// --- the API -------------------------------------------------------------------

int malloc_async(void** ptr, size_t size, pygpu_stream_t stream) {
    return api(Call::cudaMallocAsync,
               [&] { return alloc_checked(ptr, size, stream, false, nullptr, "cudaMallocAsync"); });
}

int malloc_from_pool_async(void** ptr, size_t size, pygpu_mem_pool_t pool, pygpu_stream_t stream) {
    return api(Call::cudaMallocFromPoolAsync,
               [&] { return alloc_checked(ptr, size, stream, true, pool, "cudaMallocFromPoolAsync"); });
}

// cudaFreeAsync: memory from a pool goes back to it in stream order; memory
// from cudaMalloc is released when the stream reaches the free (CUDA allows
// both). Anything else is cudaErrorInvalidValue, as for cudaFree.
int free_async(void* ptr, pygpu_stream_t stream) {
    return api(Call::cudaFreeAsync, [&] {
        if (ptr == nullptr) return fail(err::cudaErrorInvalidValue, "devPtr is NULL; pass memory from cudaMallocAsync");
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        Stream* s = nullptr;
        if (int e = resolve_stream(st, stream, &s)) return e;
        const uintptr_t a = reinterpret_cast<uintptr_t>(ptr);
        const Allocation* al = st.memory.containing(a);
        if (al == nullptr) {
            if (const FreedRange* f = st.memory.freed_containing(a)) {
                return fail(err::cudaErrorInvalidValue, "devPtr %p %s: it is in %s, released by %s", ptr,
                            f->was.base == a ? "was already freed (double free)" : "is inside memory that was freed",
                            describe(f->was).c_str(), f->how);
            }
            return fail(err::cudaErrorInvalidValue,
                        "devPtr %p was not returned by cudaMallocAsync or cudaMalloc (no allocation contains it)", ptr);
        }
        if (al->kind != MemKind::device) {
            return fail(err::cudaErrorInvalidValue, "devPtr %p is %s; cudaFreeAsync frees device memory only", ptr,
                        describe(*al).c_str());
        }
        if (al->base != a) {
            return fail(err::cudaErrorInvalidValue, "devPtr %p points %zu bytes into %s; pass the address returned",
                        ptr, static_cast<size_t>(a - al->base), describe(*al).c_str());
        }
        if (al->pool != nullptr) {
            // CUDA orders the free after what the stream's next item would wait for; beyond the stream's
            // own queue (the legacy stream's implicit order) that takes an item of its own on the stream.
            CompletionPtr done;
            if (implicit_order_pending(st, *s)) {
                done = enqueue(st, s->shared_from_this(), work_info("cudaFreeAsync"), nullptr, {}, nullptr);
            }
            pool_free(st, a, s, "cudaFreeAsync", std::move(done));
            return err::cudaSuccess;
        }
        // cudaMalloc memory: out of the table now, back to the host when the stream gets there.
        const Allocation taken = st.memory.detach(a, "cudaFreeAsync");
        st.devices[static_cast<size_t>(taken.device)]->used -= taken.charged;
        st.stats.freed(taken);
        State* stp = &st;
        enqueue(st, s->shared_from_this(), work_info("cudaFreeAsync"), nullptr, {},
                [stp, a] { release(*stp, {Released{a}}); });
        return err::cudaSuccess;
    });
}

int mem_pool_create(pygpu_mem_pool_t* pool, const pygpu_mem_pool_props* props) {
    return api(Call::cudaMemPoolCreate, [&] {
        if (pool == nullptr) return fail(err::cudaErrorInvalidValue, "memPool is NULL; pass the address of a cudaMemPool_t");
        if (props == nullptr) return fail(err::cudaErrorInvalidValue, "poolProps is NULL; pass a cudaMemPoolProps");
        if (props->alloc_type != PYGPU_MEM_ALLOCATION_TYPE_PINNED) {
            return fail(err::cudaErrorInvalidValue, "poolProps.allocType is %d; the only type is "
                        "cudaMemAllocationTypePinned (1)", props->alloc_type);
        }
        if (props->location.type != PYGPU_MEM_LOCATION_TYPE_DEVICE) {
            return fail(err::cudaErrorInvalidValue, "poolProps.location.type is %d; the simulated device's pools "
                        "live on a device (cudaMemLocationTypeDevice, 1)", props->location.type);
        }
        if (props->handle_types != PYGPU_MEM_HANDLE_TYPE_NONE) {
            return fail(err::cudaErrorNotSupported, "poolProps.handleTypes is 0x%x; the simulated device has no "
                        "interprocess handles (use cudaMemHandleTypeNone, 0)", static_cast<unsigned>(props->handle_types));
        }
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        const int dev = props->location.id;
        if (dev < 0 || dev >= static_cast<int>(st.devices.size())) {
            return fail(err::cudaErrorInvalidValue, "poolProps.location.id is %d, not a device ordinal (0..%zu)", dev,
                        st.devices.size() - 1);
        }
        grow_tables(st);
        *pool = reinterpret_cast<pygpu_mem_pool_t>(new_pool(st, dev, false, props->max_size)->handle);
        return err::cudaSuccess;
    });
}

// CUDA: destroying a pool with allocations still live returns at once; the
// pool's memory goes once they are freed. The default pool cannot be destroyed.
int mem_pool_destroy(pygpu_mem_pool_t handle) {
    return api(Call::cudaMemPoolDestroy, [&] {
        State& st = state();
        std::vector<HostMemory> released;
        {
            std::lock_guard<std::mutex> lock(st.mu);
            MemPool* pool = nullptr;
            if (int e = resolve_pool(st, handle, &pool)) return e;
            if (pool->is_default) {
                return fail(err::cudaErrorInvalidValue, "memPool %p is device %d's default pool, which cannot be "
                            "destroyed", handle, pool->device);
            }
            auto it = st.pools.pools.find(pool->handle);
            std::unique_ptr<MemPool> owned = std::move(it->second);
            st.pools.pools.erase(it);
            grow_tables(st);
            // A device whose current pool it was goes back to its default.
            for (MemPool*& c : st.pools.current) {
                if (c == pool) c = nullptr;
            }
            pool->destroyed = true;
            st.pools.draining.push_back(std::move(owned));
            drop_if_drained(st, pool, &released);
        }
        give_back_all(released);
        return err::cudaSuccess;
    });
}

int device_get_default_mem_pool(pygpu_mem_pool_t* pool, int device) {
    return api(Call::cudaDeviceGetDefaultMemPool, [&] {
        if (pool == nullptr) return fail(err::cudaErrorInvalidValue, "memPool is NULL; pass the address of a cudaMemPool_t");
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        if (int e = check_device(st, device, "device")) return e;
        *pool = reinterpret_cast<pygpu_mem_pool_t>(default_pool(st, device)->handle);
        return err::cudaSuccess;
    });
}

int device_get_mem_pool(pygpu_mem_pool_t* pool, int device) {
    return api(Call::cudaDeviceGetMemPool, [&] {
        if (pool == nullptr) return fail(err::cudaErrorInvalidValue, "memPool is NULL; pass the address of a cudaMemPool_t");
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        if (int e = check_device(st, device, "device")) return e;
        *pool = reinterpret_cast<pygpu_mem_pool_t>(current_pool(st, device)->handle);
        return err::cudaSuccess;
    });
}

int device_set_mem_pool(int device, pygpu_mem_pool_t handle) {
    return api(Call::cudaDeviceSetMemPool, [&] {
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        if (int e = check_device(st, device, "device")) return e;
        MemPool* pool = nullptr;
        if (int e = resolve_pool(st, handle, &pool)) return e;
        if (pool->device != device) {
            return fail(err::cudaErrorInvalidValue, "memPool %p belongs to device %d, not device %d; a device's "
                        "current pool must be local to it", handle, pool->device, device);
        }
        grow_tables(st);
        st.pools.current[static_cast<size_t>(device)] = pool;
        return err::cudaSuccess;
    });
}

int mem_pool_set_attribute(pygpu_mem_pool_t handle, int attr, void* value) {
    return api(Call::cudaMemPoolSetAttribute, [&] {
        const char* name = attr_name(attr);
        if (name == nullptr) return fail(err::cudaErrorInvalidValue, "attr %d is not a cudaMemPoolAttr (1..8)", attr);
        if (value == nullptr) return fail(err::cudaErrorInvalidValue, "value is NULL; pass a pointer to the value");
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        MemPool* pool = nullptr;
        if (int e = resolve_pool(st, handle, &pool)) return e;
        uint64_t v64 = 0;
        int v32 = 0;
        switch (attr) {
            case PYGPU_MEM_POOL_REUSE_FOLLOW_EVENT_DEPENDENCIES:
            case PYGPU_MEM_POOL_REUSE_ALLOW_OPPORTUNISTIC:
            case PYGPU_MEM_POOL_REUSE_ALLOW_INTERNAL_DEPENDENCIES:
                std::memcpy(&v32, value, sizeof v32);
                (attr == PYGPU_MEM_POOL_REUSE_FOLLOW_EVENT_DEPENDENCIES ? pool->follow_event_dependencies
                 : attr == PYGPU_MEM_POOL_REUSE_ALLOW_OPPORTUNISTIC      ? pool->allow_opportunistic
                                                                         : pool->allow_internal_dependencies) =
                    v32 != 0 ? 1 : 0;
                return err::cudaSuccess;
            case PYGPU_MEM_POOL_ATTR_RELEASE_THRESHOLD:
                std::memcpy(&v64, value, sizeof v64);
                pool->release_threshold = v64;
                return err::cudaSuccess;
            case PYGPU_MEM_POOL_ATTR_RESERVED_MEM_HIGH:
            case PYGPU_MEM_POOL_ATTR_USED_MEM_HIGH:
                // CUDA: the high-water marks can only be reset, to the current value.
                std::memcpy(&v64, value, sizeof v64);
                if (v64 != 0) {
                    return fail(err::cudaErrorInvalidValue, "%s can only be set to 0 (which resets it to the current "
                                "value), not %llu", name, static_cast<unsigned long long>(v64));
                }
                if (attr == PYGPU_MEM_POOL_ATTR_RESERVED_MEM_HIGH) {
                    pool->reserved_high = pool->reserved;
                } else {
                    pool->used_high = pool->used;
                }
                return err::cudaSuccess;
            default:
                return fail(err::cudaErrorInvalidValue, "%s is read-only", name);
        }
    });
}

int mem_pool_get_attribute(pygpu_mem_pool_t handle, int attr, void* value) {
    return api(Call::cudaMemPoolGetAttribute, [&] {
        if (attr_name(attr) == nullptr) return fail(err::cudaErrorInvalidValue, "attr %d is not a cudaMemPoolAttr (1..8)", attr);
        if (value == nullptr) return fail(err::cudaErrorInvalidValue, "value is NULL; pass a pointer for the value");
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        MemPool* pool = nullptr;
        if (int e = resolve_pool(st, handle, &pool)) return e;
        uint64_t v64 = 0;
        switch (attr) {
            case PYGPU_MEM_POOL_REUSE_FOLLOW_EVENT_DEPENDENCIES:
                std::memcpy(value, &pool->follow_event_dependencies, sizeof(int));
                return err::cudaSuccess;
            case PYGPU_MEM_POOL_REUSE_ALLOW_OPPORTUNISTIC:
                std::memcpy(value, &pool->allow_opportunistic, sizeof(int));
                return err::cudaSuccess;
            case PYGPU_MEM_POOL_REUSE_ALLOW_INTERNAL_DEPENDENCIES:
                std::memcpy(value, &pool->allow_internal_dependencies, sizeof(int));
                return err::cudaSuccess;
            case PYGPU_MEM_POOL_ATTR_RELEASE_THRESHOLD:
                v64 = pool->release_threshold;
                break;
            case PYGPU_MEM_POOL_ATTR_RESERVED_MEM_CURRENT:
                v64 = pool->reserved;
                break;
            case PYGPU_MEM_POOL_ATTR_RESERVED_MEM_HIGH:
                v64 = pool->reserved_high;
                break;
            case PYGPU_MEM_POOL_ATTR_USED_MEM_CURRENT:
                v64 = pool->used;
                break;
            default:
                v64 = pool->used_high;
                break;
        }
        std::memcpy(value, &v64, sizeof v64);
        return err::cudaSuccess;
    });
}

int mem_pool_trim_to(pygpu_mem_pool_t handle, size_t min_bytes_to_keep) {
    return api(Call::cudaMemPoolTrimTo, [&] {
        State& st = state();
        std::vector<HostMemory> released;
        {
            std::lock_guard<std::mutex> lock(st.mu);
            MemPool* pool = nullptr;
            if (int e = resolve_pool(st, handle, &pool)) return e;
            // CUDA: releases memory until the pool holds fewer than
            // minBytesToKeep reserved bytes, or nothing more can be released
            // safely (blocks in use, and frees that have not completed).
            trim(st, *pool, min_bytes_to_keep, &released);
        }
        give_back_all(released);
        return err::cudaSuccess;
    });
}

}  // namespace sim
}  // namespace pygpu
