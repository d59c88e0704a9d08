#include "PyGPU/sim/memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <limits>

#include "PyGPU/common/block_cache.h"
#include "PyGPU/sim/fault.h"
#include "PyGPU/sim/mempool.h"
#include "PyGPU/sim/reset.h"
#include "PyGPU/sim/state.h"
#include "PyGPU/sim/symbols.h"

namespace pygpu {
namespace sim {

namespace {

// cudaMalloc returns memory aligned to at least 256 bytes, and the simulator
// charges each allocation its size rounded up to that granularity.
constexpr size_t kDeviceAlignment = 256;
// Pinned memory is page-locked: whole pages, page-aligned.
constexpr size_t kHostAlignment = 4096;

// Freed ranges remembered for messages, and how much freed memory is kept
// back from the host allocator so that a stale pointer is always recognised.
constexpr size_t kHistoryEntries = 4096;
constexpr size_t kQuarantineBytes = size_t(64) << 20;
constexpr size_t kQuarantineLargest = size_t(16) << 20;

// Large device allocations are backed by blocks of whole 2 MiB huge pages
// (transparent huge pages where the host allows them: numpy asks the same for
// its large arrays, so copies between the two run at the same speed), and a
// freed one leaving the quarantine is kept warm, already faulted in, for the
// next allocation of the same extent: as a real device's memory, it costs no
// page faults when reused. The cache is bounded and gives the oldest back.
constexpr size_t kHugePage = BlockCache::kHugePage;
constexpr size_t kWarmBytes = size_t(256) << 20;
constexpr size_t kWarmBlocks = 1024;

// Set when a freed device block waits for MemoryTable::guard_freed (a grid
// start checks it without the lock).
std::atomic<bool> g_guard_pending{false};

size_t page_size() {
    static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return page;
}

// A new device block of `extent` bytes (a multiple of the page size, or of
// kHugePage for a large one, then on a huge-page boundary with the advice to
// back it by huge pages) between two PROT_NONE guard pages; NULL when the
// host refuses (no memory, or no mapping left: vm.max_map_count). Two system
// calls (mmap, mprotect), three for a large block.
void* map_device_block(size_t extent) {
    const size_t page = page_size();
    const size_t align = extent >= kHugePage ? kHugePage : page;
    if (extent > std::numeric_limits<size_t>::max() - align - 2 * page) return nullptr;
    const size_t total = extent + 2 * page + (align - page);
    void* raw = mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return nullptr;
    const uintptr_t first = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t start = (first + page + align - 1) / align * align;  // the data, after the leading guard
    if (start - page > first) munmap(raw, start - page - first);
    const uintptr_t end = start + extent + page;
    if (first + total > end) munmap(addr(end), first + total - end);
    void* mem = addr(start);
    if (mprotect(mem, extent, PROT_READ | PROT_WRITE) != 0) {
        munmap(addr(start - page), extent + 2 * page);
        return nullptr;
    }
#if defined(MADV_HUGEPAGE)
    if (extent >= kHugePage) madvise(mem, extent, MADV_HUGEPAGE);  // advice only
#endif
    return mem;
}

// Where an allocation of `charged` bytes starts in a device block. A small
// one ends flush against the block's trailing guard page. A large one keeps
// the start of its huge-page-aligned block (copies run as fast as numpy's own
// large arrays), and the whole pages of the block after its end become
// PROT_NONE: an access faults once it passes its size rounded up to a page.
uintptr_t guard_allocation(void* mem, size_t extent, size_t charged) {
    const uintptr_t start = reinterpret_cast<uintptr_t>(mem);
    if (extent < kHugePage) return start + extent - charged;
    const size_t used = (charged + page_size() - 1) / page_size() * page_size();
    if (used < extent) mprotect(addr(start + used), extent - used, PROT_NONE);  // a guard only: failure is harmless
    return start;
}

void give_back(const HostMemory& m) {
    if (m.mapped) {
        munmap(static_cast<char*>(m.mem) - page_size(), m.extent + 2 * page_size());
    } else {
        std::free(m.mem);
    }
}

bool round_up(size_t n, size_t to, size_t* out) {
    if (n > std::numeric_limits<size_t>::max() - (to - 1)) return false;
    *out = (n + to - 1) / to * to;
    return true;
}

// --- labels ------------------------------------------------------------------

// The calling thread's label for its next allocation. A label set before a
// reset (another thread's included) is stale: the epoch tells.
struct NextLabel {
    std::string text;
    uint64_t epoch = 0;
};
thread_local NextLabel tl_label;
std::atomic<uint64_t> g_label_epoch{0};
// Set whenever tl_label.text is not empty: every allocation asks, and this
// one (trivial, initial-exec) answers the usual "no label" without touching
// tl_label, whose std::string makes every access a call into the TLS runtime.
PYGPU_SIM_HOT_TLS thread_local bool tl_label_pending = false;

// The label for an allocation that has just succeeded; clears it.
std::string take_next_label() {
    if (!tl_label_pending) return std::string();
    tl_label_pending = false;
    std::string out;
    if (!tl_label.text.empty() && tl_label.epoch == g_label_epoch.load(std::memory_order_acquire)) {
        out.swap(tl_label.text);
    }
    tl_label.text.clear();
    return out;
}


// Takes a live allocation out of the table (memory still held): uncharges
// its device and counts the free.
Allocation take_allocation(State& st, uintptr_t base, const char* how) {
    const Allocation a = st.memory.detach(base, how);
    if (on_device_block(a.kind)) st.devices[static_cast<size_t>(a.device)]->used -= a.charged;
    st.stats.freed(a);
    return a;
}

// Reports the queued, unfinished operations that use `a`, which `who` is
// about to wait for before releasing it (mu held). CUDA synchronises these
// frees implicitly, so nothing races; but a program that relies on it
// stalls the host, and usually meant to synchronise (or free later) itself.
// `who()` names the waiting call; it is formatted only when there is a report.
template <class Who>
void report_waits(State& st, const Allocation& a, const Who& who) {
    const std::vector<std::string> users = pending_work_using(st, a.base, a.size);
    if (users.empty()) return;
    std::string list;
    constexpr size_t kListed = 5;
    for (size_t i = 0; i < users.size() && i < kListed; ++i) {
        if (i != 0) list += "; ";
        list += users[i];
    }
    if (users.size() > kListed) list += format("; and %zu more", users.size() - kListed);
    st.stats.report(format("%s had to wait for queued work that uses %s: %s. The simulator waited, as CUDA's "
                           "implicit synchronisation does, so nothing raced; synchronise the stream before "
                           "releasing memory to make the order explicit",
                           who().c_str(), describe(a).c_str(), list.c_str()));
}

// Takes a live range out of the table (and its charge off its device), waits
// for everything already queued, then releases it. CUDA: cudaFree and
// cudaFreeHost synchronise implicitly, so work queued before the free never
// runs on released memory. The wait covers every device, because under
// unified addressing work queued on any device may touch the range.
int detach_wait_release(State& st, std::unique_lock<std::mutex>& lock, uintptr_t base, const char* how) {
    if (const Allocation* live = st.memory.containing(base)) {
        report_waits(st, *live, [&] { return format("%s(%p)", how, addr(base)); });
    }
    take_allocation(st, base, how);
    std::vector<CompletionPtr> pending = pending_everywhere(st);
    lock.unlock();
    wait_all(pending);
    release(st, {Released{base}});
    return err::cudaSuccess;
}

std::string describe_freed(const FreedRange& f) {
    if (f.was.pool != nullptr) {
        return format("%s, released by %s into its memory pool (it is not an allocation until the pool hands it "
                      "out again)", describe(f.was).c_str(), f.how);
    }
    return format("%s, released by %s%s", describe(f.was).c_str(), f.how,
                  f.held != nullptr ? "" : " (its addresses may since have been reused by the host)");
}

}  // namespace

// A newly made allocation: its label, and the statistics.
void insert_allocation(State& st, Allocation a) {
    a.label = take_next_label();
    st.stats.allocated(a);
    st.memory.insert(std::move(a));
}

bool device_charge(size_t size, size_t* charged) { return round_up(size, kDeviceAlignment, charged); }
uintptr_t place_in_block(void* mem, size_t extent, size_t charged) { return guard_allocation(mem, extent, charged); }
void unmap_device_block(void* mem, size_t extent) { give_back(HostMemory{mem, extent, true}); }
void request_guard() { g_guard_pending.store(true, std::memory_order_release); }

// --- the table -------------------------------------------------------------

const Allocation* MemoryTable::containing(uintptr_t p) const {
    auto it = live_.upper_bound(p);
    if (it == live_.begin()) return nullptr;
    --it;
    return p < it->second.end() ? &it->second : nullptr;
}

const Allocation* MemoryTable::overlapping(uintptr_t p, size_t n) const {
    auto it = live_.upper_bound(p);
    if (it != live_.begin()) {
        auto prev = std::prev(it);
        if (prev->second.end() > p) return &prev->second;
    }
    if (it != live_.end() && it->first < p + n) return &it->second;
    return nullptr;
}

static size_t held_extent(const FreedRange& f) { return f.was.extent; }

const FreedRange* MemoryTable::quarantined(uintptr_t p, size_t n) const {
    // Only the last held (or warm) range starting before p + n can reach back to p.
    auto it = held_.lower_bound(p + n);
    if (it != held_.begin()) {
        --it;
        if (it->first + held_extent(*it->second) > p) return it->second;
    }
    auto w = warm_.lower_bound(p + n);
    if (w != warm_.begin()) {
        --w;
        if (w->first + held_extent(w->second.freed) > p) return &w->second.freed;
    }
    return nullptr;
}

void MemoryTable::drop_held(FreedRange& f, std::vector<HostMemory>* out) {
    if (f.held == nullptr) return;
    if (f.settled) quarantine_bytes_ -= held_extent(f);
    held_.erase(reinterpret_cast<uintptr_t>(f.held));
    if (on_device_block(f.was.kind)) {
        keep_warm(f, out);
    } else {
        out->push_back(HostMemory{f.held, held_extent(f), false});
    }
    f.held = nullptr;
}

void MemoryTable::keep_warm(const FreedRange& f, std::vector<HostMemory>* out) {
    const size_t extent = held_extent(f);
    if (extent > kWarmBytes) {
        out->push_back(HostMemory{f.held, extent, true});
        return;
    }
    while (!warm_by_age_.empty() && (warm_bytes_ + extent > kWarmBytes || warm_.size() >= kWarmBlocks)) {
        auto oldest = warm_.find(warm_by_age_.begin()->second);
        const size_t bytes = held_extent(oldest->second.freed);
        for (auto e = warm_by_extent_.lower_bound(bytes); e != warm_by_extent_.end() && e->first == bytes; ++e) {
            if (e->second == oldest->first) {
                warm_by_extent_.erase(e);
                break;
            }
        }
        warm_bytes_ -= bytes;
        out->push_back(HostMemory{oldest->second.freed.held, bytes, true});
        warm_by_age_.erase(warm_by_age_.begin());
        warm_.erase(oldest);
    }
    const uintptr_t at = reinterpret_cast<uintptr_t>(f.held);
    warm_bytes_ += extent;
    warm_[at] = Warm{f, warm_order_};
    warm_by_age_[warm_order_++] = at;
    warm_by_extent_.emplace(extent, at);
}

// A warm block of `extent` bytes made accessible again, or NULL.
void* MemoryTable::take_warm(size_t extent) {
    auto e = warm_by_extent_.find(extent);
    if (e == warm_by_extent_.end()) return nullptr;
    auto it = warm_.find(e->second);
    void* mem = it->second.freed.held;
    const bool guarded = it->second.freed.guarded;
    warm_by_age_.erase(it->second.order);
    warm_by_extent_.erase(e);
    warm_.erase(it);
    warm_bytes_ -= extent;
    // A large block also has its last allocation's tail guard (guard_allocation).
    if ((guarded || extent >= kHugePage) && mprotect(mem, extent, PROT_READ | PROT_WRITE) != 0) {
        give_back(HostMemory{mem, extent, true});
        return nullptr;
    }
    return mem;
}

// Whole pages below kHugePage, whole huge pages from there; 0 when rounding overflows.
static size_t block_extent(size_t charged) {
    if (charged >= kHugePage) return BlockCache::extent_for(charged);
    return (charged + page_size() - 1) / page_size() * page_size();
}

void* MemoryTable::take_block(size_t charged, size_t* extent) {
    *extent = block_extent(charged);
    if (*extent < charged) return nullptr;  // rounding overflowed
    if (void* warm = take_warm(*extent)) return warm;
    return map_device_block(*extent);
}

FreedRange* MemoryTable::unguarded(uintptr_t at) {
    FreedRange* f = nullptr;
    auto h = held_.find(at);
    if (h != held_.end()) {
        // Not settled: the address was reused and freed again while queued work still uses it (a warm block);
        // the guard asked for by its previous settle() must wait for this one's.
        if (!h->second->settled) return nullptr;
        f = h->second;
    } else {
        auto w = warm_.find(at);
        if (w != warm_.end()) f = &w->second.freed;
    }
    // Gone (reused, or back to the host) or guarded already: nothing to do.
    return f != nullptr && !f->guarded ? f : nullptr;
}

void MemoryTable::guard_freed() {
    for (uintptr_t at : to_guard_) {
        if (FreedRange* f = unguarded(at)) {
            mprotect(f->held, held_extent(*f), PROT_NONE);  // a guard only: failure is harmless
            f->guarded = true;
        }
    }
    to_guard_.clear();
}

void MemoryTable::wait_to_guard(uintptr_t at) {
    to_guard_.push_back(at);
    // Without grids nothing clears the list: keep it to the blocks still
    // held or warm (a few thousand), each once.
    if (to_guard_.size() < 4 * (kHistoryEntries + kWarmBlocks)) return;
    std::sort(to_guard_.begin(), to_guard_.end());
    to_guard_.erase(std::unique(to_guard_.begin(), to_guard_.end()), to_guard_.end());
    to_guard_.erase(std::remove_if(to_guard_.begin(), to_guard_.end(), [&](uintptr_t a) { return unguarded(a) == nullptr; }),
                    to_guard_.end());
}

void MemoryTable::nearest(uintptr_t p, const Allocation** below, const Allocation** above) const {
    auto it = live_.upper_bound(p);
    *above = it != live_.end() ? &it->second : nullptr;
    *below = nullptr;
    if (it != live_.begin()) {
        --it;
        if (it->second.end() <= p) *below = &it->second;
    }
}

const FreedRange* MemoryTable::freed_containing(uintptr_t p) const {
    for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
        if (it->was.base <= p && p < it->was.end()) return &*it;
    }
    return nullptr;
}

Allocation MemoryTable::detach(uintptr_t base, const char* how) {
    auto it = live_.find(base);
    Allocation a = std::move(it->second);
    live_.erase(it);
    history_.emplace_back();
    FreedRange& f = history_.back();
    f.was = a;
    f.how = how;
    f.held = a.owned;
    f.settled = a.owned == nullptr;
    if (f.held != nullptr) held_[reinterpret_cast<uintptr_t>(f.held)] = &f;
    return a;
}

std::vector<HostMemory> MemoryTable::settle(uintptr_t base) {
    std::vector<HostMemory> out;
    for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
        if (it->was.base != base || it->settled) continue;
        // Nothing queued uses it any more: the next grid makes it PROT_NONE.
        if (it->held != nullptr && on_device_block(it->was.kind)) {
            wait_to_guard(reinterpret_cast<uintptr_t>(it->held));
            g_guard_pending.store(true, std::memory_order_release);
        }
        if (it->held != nullptr && held_extent(*it) > kQuarantineLargest) {
            drop_held(*it, &out);  // too large to keep back from the host
        }
        it->settled = true;
        if (it->held != nullptr) quarantine_bytes_ += held_extent(*it);
        break;
    }
    std::vector<HostMemory> evicted = evict();
    out.insert(out.end(), evicted.begin(), evicted.end());
    return out;
}

std::vector<HostMemory> MemoryTable::evict() {
    std::vector<HostMemory> out;
    // Oldest quarantined memory goes back to the host allocator first.
    for (auto it = history_.begin(); it != history_.end() && quarantine_bytes_ > kQuarantineBytes; ++it) {
        if (it->settled) drop_held(*it, &out);
    }
    // A range still waiting for queued work is never forgotten.
    while (history_.size() > kHistoryEntries && history_.front().settled) {
        drop_held(history_.front(), &out);
        history_.pop_front();
    }
    return out;
}

void MemoryTable::trim_history() {
    if (history_.size() <= kHistoryEntries) return;
    // Rarely anything to give back (quarantined memory at the front): a few system calls under the lock.
    for (const HostMemory& m : evict()) give_back(m);
}

// --- messages --------------------------------------------------------------

const char* kind_name(MemKind k) {
    switch (k) {
        case MemKind::device:
            return "device allocation";
        case MemKind::pinned:
            return "pinned host allocation";
        case MemKind::registered:
            return "registered host range";
        case MemKind::managed:
            return "managed allocation";
    }
    return "allocation";
}

std::string describe(const Allocation& a) {
    // The origin, and the label when there is one: "(cudaMalloc, label "weights")".
    const std::string from = a.label.empty() ? std::string(a.origin) : format("%s, label \"%s\"", a.origin, a.label.c_str());
    if (on_device_block(a.kind)) {
        return format("%s %p of %zu bytes on device %d (%s)", kind_name(a.kind), addr(a.base), a.size, a.device,
                      from.c_str());
    }
    return format("%s %p of %zu bytes (%s)", kind_name(a.kind), addr(a.base), a.size, from.c_str());
}

// --- pointer checks ----------------------------------------------------------

int check_device_range(State& st, const char* role, const void* p, size_t n, int device, const char* context) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    if (p == nullptr) return fail(err::cudaErrorInvalidValue, "%s is NULL (%s)", role, context);
    if (n > std::numeric_limits<uintptr_t>::max() - a) {
        return fail(err::cudaErrorInvalidValue, "%s %p + %zu bytes wraps around the address space", role, p, n);
    }
    const Allocation* al = st.memory.containing(a);
    if (al != nullptr && on_device_block(al->kind)) {
        // Managed memory is reachable from every device (unified memory).
        if (device >= 0 && al->kind == MemKind::device && al->device != device) {
            return fail(err::cudaErrorInvalidValue, "%s %p is in %s, not on device %d", role, p, describe(*al).c_str(),
                        device);
        }
        if (a + n > al->end()) {
            return fail(err::cudaErrorInvalidValue, "%s %p: %zu bytes from offset %zu of %s run %zu bytes past its end",
                        role, p, n, static_cast<size_t>(a - al->base), describe(*al).c_str(),
                        static_cast<size_t>(a + n - al->end()));
        }
        return err::cudaSuccess;
    }
    if (al != nullptr) {
        return fail(err::cudaErrorInvalidValue, "%s %p is host memory (in %s), but %s", role, p, describe(*al).c_str(),
                    context);
    }
    GlobalSymbol g;
    if (global_containing(a, &g)) {  // a __device__ variable: device memory of every device
        if (a + n > g.base + g.size) {
            return fail(err::cudaErrorInvalidValue,
                        "%s %p: %zu bytes from offset %zu of the __device__ variable '%s' (%zu bytes) run %zu bytes "
                        "past its end",
                        role, p, n, static_cast<size_t>(a - g.base), g.name.c_str(), g.size,
                        static_cast<size_t>(a + n - g.base - g.size));
        }
        return err::cudaSuccess;
    }
    if (const FreedRange* f = st.memory.freed_containing(a)) {
        if (on_device_block(f->was.kind)) {
            return fail(err::cudaErrorInvalidValue, "%s %p was freed: it is in %s", role, p, describe_freed(*f).c_str());
        }
    }
    return fail(err::cudaErrorInvalidValue, "%s %p is not device memory: no live cudaMalloc allocation contains it (%s)",
                role, p, context);
}

int check_host_range(State& st, const char* role, const void* p, size_t n, bool* pinned, const char* context) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    *pinned = false;
    if (p == nullptr) return fail(err::cudaErrorInvalidValue, "%s is NULL", role);
    if (n > std::numeric_limits<uintptr_t>::max() - a) {
        return fail(err::cudaErrorInvalidValue, "%s %p + %zu bytes wraps around the address space", role, p, n);
    }
    const Allocation* al = st.memory.containing(a);
    if (al != nullptr && al->kind == MemKind::device) {
        // Undefined behaviour in CUDA; always a bug, so the simulator says so.
        return fail(err::cudaErrorInvalidValue,
                    "%s %p is device memory (in %s), but %s; pass the kind that matches the pointers, or "
                    "cudaMemcpyDefault",
                    role, p, describe(*al).c_str(), context);
    }
    if (al != nullptr) {
        if (a + n > al->end()) {
            return fail(err::cudaErrorInvalidValue, "%s %p: %zu bytes from offset %zu of %s run %zu bytes past its end",
                        role, p, n, static_cast<size_t>(a - al->base), describe(*al).c_str(),
                        static_cast<size_t>(a + n - al->end()));
        }
        *pinned = true;
        return err::cudaSuccess;
    }
    GlobalSymbol g;
    if (global_containing(a, &g)) {
        return fail(err::cudaErrorInvalidValue,
                    "%s %p is device memory (in the __device__ variable '%s'), but %s; pass the kind that matches the "
                    "pointers, or cudaMemcpyDefault",
                    role, p, g.name.c_str(), context);
    }
    if (const FreedRange* f = st.memory.quarantined(a, n)) {
        return fail(err::cudaErrorInvalidValue, "%s %p (%zu bytes) uses freed memory: %s", role, p, n,
                    describe_freed(*f).c_str());
    }
    // A pageable buffer is the caller's own heap block; it cannot run into
    // memory the runtime allocated (registered ranges are the caller's own).
    const Allocation* ov = st.memory.overlapping(a, n);
    if (ov != nullptr && ov->kind != MemKind::registered) {
        return fail(err::cudaErrorInvalidValue,
                    "%s %p: the %zu bytes from there run into %s; the count is larger than the host buffer", role, p, n,
                    describe(*ov).c_str());
    }
    return err::cudaSuccess;
}

int device_of(State& st, const void* p) {
    const Allocation* al = st.memory.containing(reinterpret_cast<uintptr_t>(p));
    if (al != nullptr) return on_device_block(al->kind) ? al->device : -1;
    GlobalSymbol g;
    return global_containing(reinterpret_cast<uintptr_t>(p), &g) ? current_device() : -1;
}

std::string describe_fault_address(uintptr_t p) {
    // Farther than this from every allocation, the pointer is not an overrun of one.
    constexpr size_t kNear = size_t(64) << 20;
    State& st = state();
    std::lock_guard<std::mutex> lock(st.mu);
    if (const FreedRange* f = st.memory.quarantined(p, 1)) {
        if (p >= f->was.base && p < f->was.end()) {
            return format("use after free: offset %zu of %s", static_cast<size_t>(p - f->was.base),
                          describe_freed(*f).c_str());
        }
        return format("in freed memory, %zu bytes %s %s", p < f->was.base ? static_cast<size_t>(f->was.base - p)
                                                                        : static_cast<size_t>(p - f->was.end()),
                      p < f->was.base ? "before the start of" : "past the end of", describe_freed(*f).c_str());
    }
    if (const Allocation* al = st.memory.containing(p)) {
        return format("offset %zu of %s", static_cast<size_t>(p - al->base), describe(*al).c_str());
    }
    const Allocation* below = nullptr;
    const Allocation* above = nullptr;
    st.memory.nearest(p, &below, &above);
    const size_t past = below != nullptr ? static_cast<size_t>(p - below->end()) : SIZE_MAX;
    const size_t before = above != nullptr ? static_cast<size_t>(above->base - p) : SIZE_MAX;
    if (past <= before && past < kNear) {
        return format("%zu bytes past the end of %s", past, describe(*below).c_str());
    }
    if (before < kNear) return format("%zu bytes before the start of %s", before, describe(*above).c_str());
    if (const FreedRange* f = st.memory.freed_containing(p)) {
        return format("in memory that was freed: offset %zu of %s", static_cast<size_t>(p - f->was.base),
                      describe_freed(*f).c_str());
    }
    if (p < 4096) return "a null pointer (no allocation is near it)";
    return "no allocation within 64 MiB of it (a wild or uninitialised pointer?)";
}

namespace {
// Kernel fault reports name the allocation an address was near (fault.h).
void guard_freed_memory() {
    if (!g_guard_pending.load(std::memory_order_acquire)) return;
    State& st = state();
    std::lock_guard<std::mutex> lock(st.mu);
    g_guard_pending.store(false, std::memory_order_relaxed);
    st.memory.guard_freed();
    guard_idle_pools(st);
}

[[maybe_unused]] const bool g_fault_hooks_set = [] {
    FaultHooks hooks;
    hooks.describe = describe_fault_address;
    hooks.before_grid = guard_freed_memory;
    set_fault_hooks(hooks);
    return true;
}();
}  // namespace

void reset_memory(State& st, const ResetScope& scope, ResetBatch& batch) {
    std::vector<uintptr_t> bases;
    st.memory.for_each_live([&](const Allocation& a) {
        if (scope.covers(a.device)) bases.push_back(a.base);
    });
    const char* how = scope.whole() ? "PyGPU.sim reset" : "cudaDeviceReset";
    const std::string who = scope.whole() ? std::string() : format("cudaDeviceReset of device %d", scope.device);
    for (uintptr_t b : bases) {
        if (!scope.whole()) report_waits(st, *st.memory.containing(b), [&] { return who; });
        take_allocation(st, b, how);
        batch.released.push_back(Released{b});
    }
}

void release(State& st, const std::vector<Released>& ranges) {
    std::vector<HostMemory> memory;
    {
        std::lock_guard<std::mutex> lock(st.mu);
        for (const Released& r : ranges) {
            std::vector<HostMemory> m = st.memory.settle(r.base);
            memory.insert(memory.end(), m.begin(), m.end());
        }
    }
    for (const HostMemory& m : memory) give_back(m);
}

// --- labels ------------------------------------------------------------------

void set_next_label(const char* label) {
    tl_label.text = label != nullptr ? label : "";
    tl_label.epoch = g_label_epoch.load(std::memory_order_acquire);
    tl_label_pending = !tl_label.text.empty();
}

void forget_labels() {
    g_label_epoch.fetch_add(1, std::memory_order_acq_rel);
    tl_label.text.clear();
}

// --- device memory -----------------------------------------------------------

namespace {

// A new device block of `size` bytes for cudaMalloc or cudaMallocManaged,
// charged to the current device; mu not held.
int alloc_device_block(void** ptr, size_t size, MemKind kind, unsigned flags, const char* origin) {
    State& st = state();
    std::lock_guard<std::mutex> lock(st.mu);
    const int dev = current_device();
    Device& d = *st.devices[static_cast<size_t>(dev)];
    size_t charged = 0;
    if (!round_up(size, kDeviceAlignment, &charged) || charged > d.capacity - d.used) {
        return fail(err::cudaErrorMemoryAllocation,
                    "cannot allocate %zu bytes on device %d: %zu of its %zu bytes are free (each allocation takes "
                    "its size rounded up to 256 bytes)",
                    size, dev, d.capacity - d.used, d.capacity);
    }
    size_t extent = 0;
    void* mem = st.memory.take_block(charged, &extent);
    if (mem == nullptr) {
        return fail(err::cudaErrorMemoryAllocation,
                    "the host could not provide %zu bytes to back a device allocation on device %d (out of memory, "
                    "or of memory mappings: each live allocation takes two of vm.max_map_count)",
                    charged, dev);
    }
    Allocation a;
    a.base = guard_allocation(mem, extent, charged);
    a.size = size;
    a.charged = charged;
    a.device = dev;
    a.kind = kind;
    a.flags = flags;
    a.owned = mem;
    a.extent = extent;
    a.origin = origin;
    insert_allocation(st, a);
    d.used += charged;
    *ptr = addr(a.base);
    return err::cudaSuccess;
}

}  // namespace

int malloc_device(void** ptr, size_t size) {
    return api(Call::cudaMalloc, [&] {
        if (ptr == nullptr) return fail(err::cudaErrorInvalidValue, "devPtr is NULL; pass the address of a pointer");
        // The CUDA runtime answers cudaMalloc(&p, 0) with cudaSuccess and p = NULL
        // (only the driver's cuMemAlloc rejects 0); cudaFree(NULL) is then a no-op.
        if (size == 0) {
            take_next_label();  // consumed by the call, although nothing was allocated
            *ptr = nullptr;
            return err::cudaSuccess;
        }
        return alloc_device_block(ptr, size, MemKind::device, 0, "cudaMalloc");
    });
}

// cudaMallocManaged (CUDA Runtime API reference): `flags` must be one of
// cudaMemAttachGlobal (1) and cudaMemAttachHost (2); a size of 0 is
// cudaErrorInvalidValue (unlike cudaMalloc). On the simulated device the
// memory is a device block (charged to the current device, counted with its
// allocations) that host code may also use in place; it is released by
// cudaFree (cudaFreeHost refuses it) and by a reset of its device.
int malloc_managed(void** ptr, size_t size, unsigned int flags) {
    return api(Call::cudaMallocManaged, [&] {
        if (ptr == nullptr) return fail(err::cudaErrorInvalidValue, "devPtr is NULL; pass the address of a pointer");
        if (flags != PYGPU_MEM_ATTACH_GLOBAL && flags != PYGPU_MEM_ATTACH_HOST) {
            return fail(err::cudaErrorInvalidValue,
                        "flags is 0x%x; cudaMallocManaged takes cudaMemAttachGlobal (1) or cudaMemAttachHost (2)",
                        flags);
        }
        if (size == 0) {
            return fail(err::cudaErrorInvalidValue, "size is 0; cudaMallocManaged needs at least one byte");
        }
        return alloc_device_block(ptr, size, MemKind::managed, flags, "cudaMallocManaged");
    });
}

// The call that releases an allocation of kind `k`.
static const char* releaser(MemKind k) {
    if (on_device_block(k)) return "cudaFree";
    return k == MemKind::pinned ? "cudaFreeHost" : "cudaHostUnregister";
}

// cudaFree and cudaFreeHost: `ptr` must be the base of a live allocation of
// `kind` (CUDA: memory from the matching allocator; freeing twice is an
// error, reported as cudaErrorInvalidValue). NULL is a no-op, as documented.
static int free_allocation(void* ptr, MemKind kind, const char* call, const char* arg, const char* allocators) {
    return api(kind == MemKind::device ? Call::cudaFree : Call::cudaFreeHost, [&] {
        if (ptr == nullptr) return err::cudaSuccess;
        State& st = state();
        std::unique_lock<std::mutex> lock(st.mu);
        const uintptr_t a = reinterpret_cast<uintptr_t>(ptr);
        const Allocation* al = st.memory.containing(a);
        GlobalSymbol g;
        if (al == nullptr && global_containing(a, &g)) {
            return fail(err::cudaErrorInvalidValue,
                        "%s %p is the __device__ variable '%s' (%zu bytes), not memory from %s; it cannot be freed",
                        arg, ptr, g.name.c_str(), g.size, allocators);
        }
        if (al == nullptr) {
            if (const FreedRange* f = st.memory.freed_containing(a)) {
                return fail(err::cudaErrorInvalidValue, "%s %p %s: %s", arg, ptr,
                            f->was.base == a ? "was already freed (double free)" : "is inside memory that was freed",
                            describe_freed(*f).c_str());
            }
            return fail(err::cudaErrorInvalidValue, "%s %p was not returned by %s (no allocation contains it)", arg,
                        ptr, allocators);
        }
        // cudaFree releases device and managed memory.
        if (al->kind != kind && !(kind == MemKind::device && al->kind == MemKind::managed)) {
            return fail(err::cudaErrorInvalidValue, "%s %p is %s, not %s; release it with %s", arg, ptr,
                        describe(*al).c_str(), kind_name(kind), releaser(al->kind));
        }
        if (al->base != a) {
            return fail(err::cudaErrorInvalidValue, "%s %p points %zu bytes into %s; %s needs the address %s returned",
                        arg, ptr, static_cast<size_t>(a - al->base), describe(*al).c_str(), call, allocators);
        }
        if (al->pool != nullptr) return free_pool_allocation_sync(st, lock, a);
        return detach_wait_release(st, lock, a, call);
    });
}

int free_device(void* ptr) {
    return free_allocation(ptr, MemKind::device, "cudaFree", "devPtr",
                           "cudaMalloc, cudaMallocManaged or cudaMallocAsync");
}

// --- pinned and registered host memory ---------------------------------------

namespace {

int alloc_pinned(void** ptr, size_t size, unsigned flags, const char* origin) {
    if (ptr == nullptr) return fail(err::cudaErrorInvalidValue, "pHost is NULL; pass the address of a pointer");
    // As for cudaMalloc: a zero-byte request succeeds with NULL.
    if (size == 0) {
        take_next_label();
        *ptr = nullptr;
        return err::cudaSuccess;
    }
    size_t extent = 0;
    void* mem = round_up(size, kHostAlignment, &extent) ? std::aligned_alloc(kHostAlignment, extent) : nullptr;
    if (mem == nullptr) {
        return fail(err::cudaErrorMemoryAllocation, "cannot allocate %zu bytes of pinned host memory", size);
    }
    State& st = state();
    std::lock_guard<std::mutex> lock(st.mu);
    Allocation a;
    a.base = reinterpret_cast<uintptr_t>(mem);
    a.size = size;
    a.device = current_device();
    a.kind = MemKind::pinned;
    a.flags = flags;
    a.owned = mem;
    a.extent = extent;
    a.origin = origin;
    // Pinned memory is host memory: it is not charged to the device.
    insert_allocation(st, a);
    *ptr = mem;
    return err::cudaSuccess;
}

}  // namespace

int malloc_host(void** ptr, size_t size) {
    return api(Call::cudaMallocHost, [&] { return alloc_pinned(ptr, size, 0, "cudaMallocHost"); });
}

int host_alloc(void** ptr, size_t size, unsigned int flags) {
    return api(Call::cudaHostAlloc, [&] {
        // cudaHostAllocPortable | cudaHostAllocMapped | cudaHostAllocWriteCombined.
        if ((flags & ~0x7u) != 0) {
            return fail(err::cudaErrorInvalidValue,
                        "flags 0x%x has unknown bits 0x%x; cudaHostAlloc accepts Portable (1), Mapped (2) and "
                        "WriteCombined (4)",
                        flags, flags & ~0x7u);
        }
        return alloc_pinned(ptr, size, flags, "cudaHostAlloc");
    });
}

int free_host(void* ptr) {
    return free_allocation(ptr, MemKind::pinned, "cudaFreeHost", "ptr", "cudaMallocHost or cudaHostAlloc");
}

int host_register(void* ptr, size_t size, unsigned int flags) {
    return api(Call::cudaHostRegister, [&] {
        // cudaHostRegisterPortable | Mapped | IoMemory | ReadOnly.
        if ((flags & ~0xFu) != 0) {
            return fail(err::cudaErrorInvalidValue,
                        "flags 0x%x has unknown bits 0x%x; cudaHostRegister accepts Portable (1), Mapped (2), "
                        "IoMemory (4) and ReadOnly (8)",
                        flags, flags & ~0xFu);
        }
        if (ptr == nullptr) return fail(err::cudaErrorInvalidValue, "ptr is NULL; pass the host range to register");
        if (size == 0) return fail(err::cudaErrorInvalidValue, "size is 0; a registered range needs at least one byte");
        const uintptr_t a = reinterpret_cast<uintptr_t>(ptr);
        if (size > std::numeric_limits<uintptr_t>::max() - a) {
            return fail(err::cudaErrorInvalidValue, "ptr %p + %zu bytes wraps around the address space", ptr, size);
        }
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        if (const Allocation* ov = st.memory.overlapping(a, size)) {
            if (on_device_block(ov->kind)) {
                return fail(err::cudaErrorInvalidValue, "the range %p + %zu bytes overlaps %s; only host memory can be registered",
                            ptr, size, describe(*ov).c_str());
            }
            // CUDA: cudaErrorHostMemoryAlreadyRegistered when part or all of the
            // range is already registered (pinned allocations are page-locked too).
            return fail(err::cudaErrorHostMemoryAlreadyRegistered, "the range %p + %zu bytes overlaps %s", ptr, size,
                        describe(*ov).c_str());
        }
        if (const FreedRange* f = st.memory.quarantined(a, size)) {
            return fail(err::cudaErrorInvalidValue, "the range %p + %zu bytes uses freed memory: %s", ptr, size,
                        describe_freed(*f).c_str());
        }
        Allocation al;
        al.base = a;
        al.size = size;
        al.device = current_device();
        al.kind = MemKind::registered;
        al.flags = flags;
        al.origin = "cudaHostRegister";
        insert_allocation(st, al);
        return err::cudaSuccess;
    });
}

int host_unregister(void* ptr) {
    return api(Call::cudaHostUnregister, [&] {
        if (ptr == nullptr) return fail(err::cudaErrorInvalidValue, "ptr is NULL; pass the address given to cudaHostRegister");
        State& st = state();
        std::unique_lock<std::mutex> lock(st.mu);
        const uintptr_t a = reinterpret_cast<uintptr_t>(ptr);
        const Allocation* al = st.memory.containing(a);
        // CUDA: cudaErrorHostMemoryNotRegistered when ptr does not correspond to
        // a registered memory region.
        if (al == nullptr) {
            const FreedRange* f = st.memory.freed_containing(a);
            if (f != nullptr && f->was.kind == MemKind::registered) {
                return fail(err::cudaErrorHostMemoryNotRegistered, "ptr %p is not registered any more: %s", ptr,
                            describe_freed(*f).c_str());
            }
            return fail(err::cudaErrorHostMemoryNotRegistered, "ptr %p was never registered with cudaHostRegister", ptr);
        }
        if (al->kind != MemKind::registered) {
            return fail(err::cudaErrorHostMemoryNotRegistered, "ptr %p is %s, not a registered range; release it with %s",
                        ptr, describe(*al).c_str(), releaser(al->kind));
        }
        if (al->base != a) {
            return fail(err::cudaErrorHostMemoryNotRegistered,
                        "ptr %p points %zu bytes into %s; pass the address given to cudaHostRegister", ptr,
                        static_cast<size_t>(a - al->base), describe(*al).c_str());
        }
        return detach_wait_release(st, lock, a, "cudaHostUnregister");
    });
}

int pointer_get_attributes(pygpu_pointer_attributes* attributes, const void* ptr) {
    return api(Call::cudaPointerGetAttributes, [&] {
        if (attributes == nullptr) {
            return fail(err::cudaErrorInvalidValue, "attributes is NULL; pass a pointer to a pygpu_pointer_attributes");
        }
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        const Allocation* al = st.memory.containing(reinterpret_cast<uintptr_t>(ptr));
        void* p = const_cast<void*>(ptr);
        GlobalSymbol g;
        if (al == nullptr && global_containing(reinterpret_cast<uintptr_t>(ptr), &g)) {
            // A __device__ variable: device memory of every device, seen from the current one.
            *attributes = pygpu_pointer_attributes{PYGPU_MEMORY_DEVICE, current_device(), p, nullptr};
        } else if (al == nullptr) {
            // CUDA 11+: memory unknown to the runtime is cudaMemoryTypeUnregistered
            // with cudaSuccess (older runtimes returned cudaErrorInvalidValue).
            *attributes = pygpu_pointer_attributes{PYGPU_MEMORY_UNREGISTERED, -1, nullptr, nullptr};
        } else if (al->kind == MemKind::device) {
            *attributes = pygpu_pointer_attributes{PYGPU_MEMORY_DEVICE, al->device, p, nullptr};
        } else if (al->kind == MemKind::managed) {
            // One address for the host and every device.
            *attributes = pygpu_pointer_attributes{PYGPU_MEMORY_MANAGED, al->device, p, p};
        } else {
            // Page-locked host memory is mapped at the same address on the device
            // (unified addressing), so both pointers are the pointer itself.
            *attributes = pygpu_pointer_attributes{PYGPU_MEMORY_HOST, al->device, p, p};
        }
        return err::cudaSuccess;
    });
}

}  // namespace sim
}  // namespace pygpu
