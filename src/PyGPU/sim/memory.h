// Memory of the simulated device: device allocations, pinned and registered
// host memory, the allocation table every pointer is checked against, and the
// history of freed ranges that lets a message say "was freed".
#ifndef PYGPU_SIM_MEMORY_H
#define PYGPU_SIM_MEMORY_H

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pygpu/backend.h"

namespace pygpu {
namespace sim {

struct State;
struct ResetScope;
struct ResetBatch;
struct MemPool;

// An address as a pointer, for messages (%p) and the host allocator.
inline void* addr(uintptr_t a) { return reinterpret_cast<void*>(a); }

// Managed memory (cudaMallocManaged) is a device block like device memory:
// charged to the device current at the call, reached by kernels directly,
// and also host memory that host code may read and write in place.
enum class MemKind { device, pinned, registered, managed };
// Memory the simulator maps as a guarded device block (device and managed).
inline bool on_device_block(MemKind k) { return k == MemKind::device || k == MemKind::managed; }

struct Allocation {
    uintptr_t base = 0;
    size_t size = 0;     // bytes the caller asked for (the usable range)
    size_t charged = 0;  // bytes counted against the device (device memory only)
    int device = -1;     // owning device; for host memory the device current at the call
    MemKind kind = MemKind::device;
    unsigned flags = 0;
    void* owned = nullptr;       // memory the simulator releases; NULL for registered ranges
    size_t extent = 0;           // bytes of the `owned` block (>= size)
    const char* origin = "";     // the call that made it: "cudaMalloc", "cudaHostRegister", ...
    std::string label;           // from PyGPU.sim's set_next_label; "" when none
    // Memory of a stream-ordered pool (mempool.h): the pool and its block
    // (`owned` stays NULL: freeing returns the block to the pool, never to
    // the quarantine); NULL otherwise.
    MemPool* pool = nullptr;
    void* block = nullptr;
    uintptr_t end() const { return base + size; }
};

struct FreedRange {
    Allocation was;
    const char* how = "";  // "cudaFree", "cudaDeviceReset", ...
    // While `held` is set the simulator still owns the memory (quarantine):
    // the host allocator cannot hand the range out again, so any use of an
    // address in it is certainly a use after free.
    void* held = nullptr;
    bool settled = false;  // false while queued work may still use the range
    bool guarded = false;  // a device block made PROT_NONE (MemoryTable::guard_freed)
};

// A range taken out of the table whose memory is released (or quarantined)
// once the work queued before it has finished.
struct Released {
    uintptr_t base;
};

// Memory going back to the host: a device block's mapping (munmap of its
// extent and guard page) or a pinned block (free).
struct HostMemory {
    void* mem;
    size_t extent;
    bool mapped;
};

// Guarded by State::mu.
//
// Device memory (fault.h): each block is its own mapping of whole pages (2 MiB
// huge pages from 2 MiB up) between two PROT_NONE guard pages; a small
// allocation ends flush against the trailing guard (its size rounded to 256
// bytes), so an access past its end faults. A freed block is PROT_NONE
// through the quarantine and while it waits warm for reuse, from the start of
// the first grid after the work queued before the free has finished
// (guard_freed): only kernel code reaches device memory unchecked, and taking
// permissions away costs a TLB shootdown across the process's busy threads
// (several microseconds on a VM), which a free must not pay when no kernel runs.
class MemoryTable {
public:
    const Allocation* containing(uintptr_t p) const;
    const Allocation* overlapping(uintptr_t p, size_t n) const;
    // A freed range overlapping [p, p+n) whose memory the simulator still
    // holds (an address in it cannot be valid memory of anyone else).
    const FreedRange* quarantined(uintptr_t p, size_t n) const;
    // The most recent freed range containing p, for messages only: after the
    // memory went back to the host allocator the address may be valid again.
    const FreedRange* freed_containing(uintptr_t p) const;
    // The live allocations nearest to p below (ending at or before p) and
    // above (starting after p), either NULL; for fault reports.
    void nearest(uintptr_t p, const Allocation** below, const Allocation** above) const;

    void insert(Allocation&& a) {
        const uintptr_t base = a.base;
        live_.insert_or_assign(base, std::move(a));
    }
    // Memory to back a new device allocation of `charged` bytes: a warm block
    // of the same extent when one is cached, else a new mapping (*extent set:
    // the block's bytes before its guard page); NULL when the host refuses.
    void* take_block(size_t charged, size_t* extent);
    // Moves a live allocation to the history (memory still held) and returns it.
    Allocation detach(uintptr_t base, const char* how);
    // Releases or quarantines a detached range once nothing queued can use it;
    // returns memory to hand back to the host allocator.
    std::vector<HostMemory> settle(uintptr_t base);
    // Makes the device blocks freed (and settled) since the last call PROT_NONE.
    void guard_freed();
    // Forgets the oldest settled freed ranges beyond the history's bound (a
    // pool's frees, which never settle through the quarantine).
    void trim_history();
    template <class F>
    void for_each_live(F&& f) const {
        for (const auto& kv : live_) f(kv.second);
    }

private:
    std::vector<HostMemory> evict();
    void drop_held(FreedRange& f, std::vector<HostMemory>* out);
    // A device block leaving the quarantine is kept, already faulted in (and
    // PROT_NONE), for the next allocation of the same extent (bounded in
    // bytes and blocks; oldest out first).
    struct Warm {
        FreedRange freed;  // what it was, for messages
        uint64_t order;
    };
    void keep_warm(const FreedRange& f, std::vector<HostMemory>* out);
    void* take_warm(size_t extent);
    // A settled device block waits for guard_freed; the freed range at `at`
    // when it is still held or warm and not guarded yet.
    void wait_to_guard(uintptr_t at);
    FreedRange* unguarded(uintptr_t at);
    std::map<uintptr_t, Allocation> live_;
    // Held (quarantined) ranges by address; they are disjoint because the
    // simulator still owns their memory. Deque elements stay put on push_back
    // and pop_front, so the pointers stay valid.
    std::map<uintptr_t, FreedRange*> held_;
    std::deque<FreedRange> history_;  // oldest first, bounded
    size_t quarantine_bytes_ = 0;
    std::map<uintptr_t, Warm> warm_;  // by address
    std::map<uint64_t, uintptr_t> warm_by_age_;
    std::multimap<size_t, uintptr_t> warm_by_extent_;
    size_t warm_bytes_ = 0;
    uint64_t warm_order_ = 0;
    std::vector<uintptr_t> to_guard_;  // settled device blocks, by address, not yet PROT_NONE
};

// Human-readable names used in messages.
const char* kind_name(MemKind k);
std::string describe(const Allocation& a);  // "device allocation 0x.. of 256 bytes on device 0 (cudaMalloc)"

// Pointer checks, with State::mu held. Each returns cudaSuccess or fails with
// cudaErrorInvalidValue and a message naming `role` ("destination", ...).
//
// The device side of a copy or memset: [p, p+n) inside one live device
// allocation, of device `device` when device >= 0, or inside one managed
// allocation (of any device).
int check_device_range(State& st, const char* role, const void* p, size_t n, int device, const char* context);
// The host side of a copy: not device memory, not freed memory, and when it
// starts in pinned, registered or managed memory, inside that range
// (*pinned = true: none of them is pageable).
int check_host_range(State& st, const char* role, const void* p, size_t n, bool* pinned, const char* context);
// The device owning the device or managed allocation that contains p, else -1
// (cudaMemcpyDefault takes managed memory as device memory).
int device_of(State& st, const void* p);
// What a faulting kernel's address `p` was near, for its report (fault.h):
// "12 bytes past the end of device allocation 0x.. of 1000 bytes on device 0
// (cudaMalloc, label "x")", freed memory, or no allocation near it. Takes
// State::mu itself.
std::string describe_fault_address(uintptr_t p);

// Reset (reset.h), mu held: takes every allocation of the reset device
// (device memory, and the pinned and registered host memory made while it was
// current), or every allocation, out of the table into `batch`. A device
// reset reports those that queued work still uses; PyGPU.sim.reset() runs
// when nothing is queued.
void reset_memory(State& st, const ResetScope& scope, ResetBatch& batch);
// Releases detached ranges once queued work has finished. Takes State::mu itself.
void release(State& st, const std::vector<Released>& ranges);

// The label of the calling thread's next successful allocation (device,
// pinned or registered); NULL or "" clears it. forget_labels() clears every
// thread's (reset).
void set_next_label(const char* label);
void forget_labels();

// For the memory pools (mempool.h), mu held: the bytes an allocation of
// `size` is charged (false when rounding overflows); where an allocation of
// `charged` bytes starts in a device block (its end flush against the guard);
// a new allocation into the table (its label, the statistics); a device block
// back to the host (mu need not be held); and a request to make freed memory
// PROT_NONE before the next grid (guard_idle_pools then runs too).
bool device_charge(size_t size, size_t* charged);
uintptr_t place_in_block(void* mem, size_t extent, size_t charged);
void insert_allocation(State& st, Allocation a);
void unmap_device_block(void* mem, size_t extent);
void request_guard();

int malloc_device(void** ptr, size_t size);
int free_device(void* ptr);
int malloc_managed(void** ptr, size_t size, unsigned int flags);
int malloc_host(void** ptr, size_t size);
int host_alloc(void** ptr, size_t size, unsigned int flags);
int free_host(void* ptr);
int host_register(void* ptr, size_t size, unsigned int flags);
int host_unregister(void* ptr);
int pointer_get_attributes(pygpu_pointer_attributes* attributes, const void* ptr);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_MEMORY_H
