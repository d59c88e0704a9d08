#include "PyGPU/sim/grid.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "PyGPU/sim/config.h"
#include <sys/mman.h>
#include <unistd.h>

#include "PyGPU/sim/errors.h"
#include "PyGPU/sim/fault.h"
#include "PyGPU/sim/spin.h"
#include "PyGPU/sim/fiber.h"

namespace pygpu {
namespace sim {

namespace {

// Per kernel thread. CUDA's default is 1 KiB (cudaLimitStackSize), host code
// needs more (and much more under ASan); untouched pages cost nothing.
constexpr size_t kFiberStackBytes = 256 * 1024;
// The block's shared memory ends flush against the guard page above the
// worker's buffer, to this alignment (so an overflow of the dynamic region,
// which abi's layout puts last, faults at once).
constexpr size_t kSharedAlign = 16;

enum class GridWait : unsigned char { running, block, warp, exited };

struct GridBlock;

struct GridThread : ThreadContext {
    Fiber fiber;
    GridBlock* owner = nullptr;
    unsigned index = 0;  // linear thread index in the block
    GridWait wait = GridWait::running;
    const SyncSite* site = nullptr;  // where it waits
    unsigned mask = 0;               // the lanes of the warp exchange it waits at
    const uint64_t* result = nullptr;  // the values of its last warp exchange, by lane
    // Its fiber finished a thread and waits to run the same thread index of
    // a later block (fibers are reused: no new stack frame, and under ASan
    // no new fake stack, per block).
    bool parked = false;
};

// Who waits at a barrier this round: how many, at which site the first
// arrived, and whether any other arrived at another site.
struct GridArrivals {
    unsigned count = 0;
    const SyncSite* site = nullptr;
    bool mismatch = false;

    void clear() { *this = GridArrivals(); }
    // Thread `t` starts waiting at `site`.
    void arrive(GridThread& t, GridWait kind, const SyncSite& at) {
        t.wait = kind;
        t.site = &at;
        if (count == 0) {
            site = &at;
        } else if (site != &at) {
            mismatch = true;
        }
        ++count;
    }
    bool all(unsigned n) const { return count == n && !mismatch; }
};

// A bit per lane.
constexpr unsigned lanes_mask(unsigned lanes) { return lanes >= kWarpSize ? 0xFFFFFFFFu : (1u << lanes) - 1; }

struct GridWarp {
    unsigned first = 0;  // thread index of lane 0
    unsigned lanes = 0;
    int next = -1;  // the warp that runs after this one in a round; -1: back to the worker
    unsigned run = 0;      // the lanes that run in this pass over the warp
    unsigned waiting = 0;  // lanes waiting at a warp exchange
    unsigned at_active_mask = 0;  // waiting lanes that called active_mask()
    unsigned generation = 0;  // picks the result buffer (see warp_release)
    uint64_t pending[kWarpSize];  // the waiting lanes' values
    // The values of the exchanges released at the end of a pass, read by
    // their lanes during the next pass; two, since a lane released at one
    // pass end may wait again before another lane has read its values.
    uint64_t out[2][kWarpSize];
};

struct GridJob;

// The block a worker is running; reused from block to block.
struct GridBlock {
    const GridDesc* desc = nullptr;
    BlockContext ctx;
    Fiber main;  // the worker thread's own context
    // Never reallocated: a parked fiber keeps a reference to its slot.
    std::unique_ptr<GridThread[]> threads{new GridThread[kMaxThreadsPerBlock]};
    std::vector<GridWarp> warps;
    int first_warp = 0;
    // Block barrier of the current round.
    GridArrivals arrived;
    unsigned exited = 0;
    int pending_count = 0;   // nonzero predicates of this round's arrivals
    int released_count = 0;  // the released barrier's result
    // The block's error (the first one).
    int error = 0;
    std::string message;
    GridJob* job = nullptr;
    // Shared memory: [floor, end) may be used, the dynamic region starts at
    // ctx.shared, statics are below `top`.
    unsigned char* shared_floor = nullptr;
    unsigned char* shared_top = nullptr;
    struct Static {
        const void* key;
        void* at;
    };
    std::vector<Static> statics;  // this block's static variables, by key
    // The worker's shared buffer with its guard pages (for fault reports).
    uintptr_t shared_low = 0;
    uintptr_t shared_high = 0;

    void fail(int code, std::string text) {
        if (error != 0) return;
        error = code;
        message = std::move(text);
    }
};

thread_local ThreadContext* t_thread = nullptr;
thread_local unsigned t_worker_plus_one = 0;  // 0: not a pool worker

std::string dim_text(const Dim3& d) { return format("(%u,%u,%u)", d.x, d.y, d.z); }

Dim3 unflatten(uint64_t i, const Dim3& dim) {
    if (dim.y == 1 && dim.z == 1) return Dim3{static_cast<unsigned>(i), 0, 0};
    Dim3 d;
    d.x = static_cast<unsigned>(i % dim.x);
    d.y = static_cast<unsigned>((i / dim.x) % dim.y);
    d.z = static_cast<unsigned>(i / (static_cast<uint64_t>(dim.x) * dim.y));
    return d;
}

std::string where(const GridBlock& b, const Dim3& thread) {
    return format("kernel '%s': block %s, thread %s", b.desc->kernel, dim_text(b.ctx.block_idx).c_str(),
                  dim_text(thread).c_str());
}

std::string site_text(const SyncSite* s) { return format("%s (%s:%d)", s->what, s->file, s->line); }

// What a thread is doing at a divergence, for the message.
std::string doing(const GridThread& t) {
    if (t.wait == GridWait::exited) return format("thread %s has exited", dim_text(t.thread_idx).c_str());
    if (t.wait == GridWait::warp) {
        return format("thread %s waits at %s with mask 0x%08x", dim_text(t.thread_idx).c_str(),
                      site_text(t.site).c_str(), t.mask);
    }
    return format("thread %s waits at %s", dim_text(t.thread_idx).c_str(), site_text(t.site).c_str());
}

// "thread A waits at S, but thread B <does something else>": the first of
// threads [first, first + count) waiting at `site` and the first that is not.
std::string divergence(const GridBlock& b, unsigned first, unsigned count, GridWait kind, const SyncSite* site) {
    const GridThread* waiting = nullptr;
    const GridThread* other = nullptr;
    for (unsigned i = first; i < first + count; ++i) {
        const GridThread& t = b.threads[i];
        if (t.wait == kind && t.site == site) {
            if (waiting == nullptr) waiting = &t;
        } else if (other == nullptr) {
            other = &t;
        }
    }
    if (waiting == nullptr || other == nullptr) return "the threads did not all reach it";  // not reached
    return doing(*waiting) + ", but " + doing(*other);
}

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// A seeded bijection of [0, n) without a table (grids may have billions of
// blocks): invertible steps on the next power of two (multiply by an odd
// number, xor with a right shift, add), then cycle-walking into [0, n).
struct GridOrder {
    uint64_t n = 0;
    bool shuffled = false;
    uint64_t mask = 0;
    unsigned shift = 1;
    uint64_t mul[3] = {1, 1, 1};
    uint64_t add[3] = {0, 0, 0};

    GridOrder(uint64_t count, const GridChaos& chaos) : n(count), shuffled(chaos.enabled && count > 1) {
        if (!shuffled) return;
        unsigned bits = 1;
        while (bits < 64 && (uint64_t(1) << bits) < n) ++bits;
        mask = bits == 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1;
        shift = bits / 2 + 1;
        uint64_t state = chaos.seed;
        for (int r = 0; r < 3; ++r) {
            mul[r] = splitmix64(state) | 1;
            add[r] = splitmix64(state);
        }
    }

    uint64_t at(uint64_t i) const {
        if (!shuffled) return i;
        uint64_t x = i;
        do {
            for (int r = 0; r < 3; ++r) {
                x = (x * mul[r]) & mask;
                x ^= x >> shift;
                x = (x + add[r]) & mask;
            }
        } while (x >= n);
        return x;
    }
};

struct GridJob {
    const GridDesc* desc;
    uint64_t total;
    GridOrder order;
    std::atomic<uint64_t> next{0};
    std::atomic<bool> failed{false};
    // Under the pool's lock:
    uint64_t finished = 0;
    unsigned users = 0;
    std::condition_variable done;
    std::atomic<bool> complete{false};  // finished == total && users == 0, for the caller's spin
    int code = 0;
    std::string message;
    // Kernel printf output, in the order it was printed.
    std::mutex print_mu;
    std::string printed;

    GridJob(const GridDesc& d, uint64_t count) : desc(&d), total(count), order(count, d.chaos) {}
};

struct GridPool;

struct GridWorker {
    GridPool* pool = nullptr;
    unsigned id = 0;
    StackPool stacks{kFiberStackBytes};
    GridBlock block;
    // The shared buffer: [guard page][shared_capacity bytes][guard page], one mapping.
    unsigned char* shared_map = nullptr;
    size_t shared_capacity = 0;

    struct SharedBuffer {
        unsigned char* base;  // nullptr when the host refused the memory
        size_t bytes;
    };
    SharedBuffer shared_buffer(size_t bytes);

    // The loop kernel's job being run on the loop fiber (run_loop_job).
    GridJob* loop_job = nullptr;
    uint64_t loop_seen = 0;

    ~GridWorker() {
        if (shared_map != nullptr) munmap(shared_map, shared_capacity + 2 * page_bytes());
    }
    static size_t page_bytes() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }
    unsigned char* shared_memory(size_t bytes);
    void run_job(GridJob& job);
    bool claim(GridJob& job, uint64_t* linear, uint64_t* seen);
    int begin_block(GridJob& job, uint64_t linear);
    void run_loop_job(GridJob& job);
    void run_fibers(GridBlock& b, const GridJob& job, uint64_t linear);
};

struct GridPool {
    std::mutex mu;
    std::condition_variable work;
    std::deque<GridJob*> jobs;
    std::atomic<size_t> queued{0};  // jobs.size(), written under mu, read by the workers' spin
    std::vector<std::unique_ptr<GridWorker>> workers;
    std::string error;  // an invalid configuration (config.h): the pool has no worker

    void serve(GridWorker* w);
    void record(GridJob& job, int code, std::string& message);
    void finish(GridJob& job, uint64_t seen);
};

// ---- fiber side: what runs on the kernel threads' stacks ------------------

// The lanes of warp exchanges that can be released at the end of a pass:
// every lane named by a waiting lane's mask waits at the same site with the
// same mask. Two lanes at one site, one naming the other with another mask
// than its own, are a divergence: *mismatch is set to the first of them.
unsigned warp_releasable(const GridBlock& b, const GridWarp& w, const GridThread** mismatch) {
    unsigned released = 0;
    for (unsigned rest = w.waiting & ~w.at_active_mask; rest != 0; rest &= rest - 1) {
        const unsigned lane = static_cast<unsigned>(__builtin_ctz(rest));
        if ((released >> lane) & 1) continue;
        const GridThread& t = b.threads[w.first + lane];
        bool complete = (t.mask & w.waiting & ~w.at_active_mask) == t.mask;
        for (unsigned m = t.mask; m != 0; m &= m - 1) {
            const GridThread& o = b.threads[w.first + static_cast<unsigned>(__builtin_ctz(m))];
            if (o.wait != GridWait::warp || o.site != t.site) {
                complete = false;
            } else if (o.mask != t.mask) {
                *mismatch = &t;
                return 0;
            }
        }
        if (complete) released |= t.mask;
    }
    return released;
}

// Releases the lanes `released` from their warp exchanges: their values,
// gathered by lane, are what each of them gets back.
void warp_release(GridBlock& b, GridWarp& w, unsigned released) {
    uint64_t* out = w.out[++w.generation & 1];
    for (unsigned m = released; m != 0; m &= m - 1) {
        const unsigned lane = static_cast<unsigned>(__builtin_ctz(m));
        out[lane] = w.pending[lane];
        b.threads[w.first + lane].result = out;
    }
    w.waiting &= ~released;
    w.run = released;
}

// Why no warp exchange of warp `w` can complete, for the message: a waiting
// lane (`first` or after it, when given) and a lane of its mask that does
// something else.
std::string warp_divergence(const GridBlock& b, const GridWarp& w, const GridThread* first) {
    const unsigned from = first != nullptr ? first->index - w.first : 0;
    for (unsigned rest = w.waiting & ~((1u << from) - 1u); rest != 0; rest &= rest - 1) {
        const GridThread& t = b.threads[w.first + static_cast<unsigned>(__builtin_ctz(rest))];
        for (unsigned m = t.mask; m != 0; m &= m - 1) {
            const GridThread& o = b.threads[w.first + static_cast<unsigned>(__builtin_ctz(m))];
            if (o.wait != GridWait::warp || o.mask != t.mask || o.site != t.site) return doing(t) + ", but " + doing(o);
        }
    }
    return "the lanes did not all reach it";  // not reached
}

// Passes the round on from `t`, which has just started waiting or finished:
// to the next lane of this pass over its warp; after the pass's last lane,
// to the lanes of the warp exchanges that are complete (a new pass, in lock
// step), else to the next warp when no lane waits at a warp exchange, else
// to the worker, with a divergent warp operation.
void grid_pass_on(GridThread& t) {
    GridBlock& b = *t.owner;
    GridWarp& w = b.warps[t.index / kWarpSize];
    const unsigned lane = t.index - w.first;
    const unsigned later = w.run & ~((2u << lane) - 1u);  // 2u << 31 wraps to 0: no later lane
    GridThread* next = nullptr;
    const GridThread* mismatch = nullptr;
    if (later != 0) {
        next = &b.threads[w.first + static_cast<unsigned>(__builtin_ctz(later))];
    } else if (w.waiting == 0) {
        if (w.next >= 0) next = &b.threads[b.warps[w.next].first];
    } else if (const unsigned released = warp_releasable(b, w, &mismatch)) {
        warp_release(b, w, released);
        next = &b.threads[w.first + static_cast<unsigned>(__builtin_ctz(released))];
    } else if (const unsigned converged = mismatch == nullptr ? w.at_active_mask : 0) {
        // No exchange can complete: the lanes at active_mask() go on together.
        for (unsigned m = converged; m != 0; m &= m - 1) {
            b.threads[w.first + static_cast<unsigned>(__builtin_ctz(m))].mask = converged;
        }
        w.waiting &= ~converged;
        w.at_active_mask = 0;
        w.run = converged;
        next = &b.threads[w.first + static_cast<unsigned>(__builtin_ctz(converged))];
    } else {
        // Some lanes wait at a warp exchange that others never reach.
        b.fail(err::cudaErrorLaunchFailure,
               format("kernel '%s': block %s: divergent warp operation in warp %u: %s (every lane named in the "
                      "mask must reach the same warp operation with the same mask)",
                      b.desc->kernel, dim_text(b.ctx.block_idx).c_str(), t.index / kWarpSize,
                      warp_divergence(b, w, mismatch).c_str()));
    }
    Fiber& to = next != nullptr ? next->fiber : b.main;
    t_thread = next;
    if (next == &t) return;  // a one-lane warp released itself
    fiber_switch(t.fiber, to);
}

void grid_thread_entry(void* arg) {
    fiber_entered();
    GridThread& t = *static_cast<GridThread*>(arg);
    for (;;) {
        GridBlock& b = *t.owner;
        b.desc->run_thread(t);
        t.wait = GridWait::exited;
        t.parked = true;
        ++b.exited;
        grid_pass_on(t);  // resumes for thread t.index of a later block
    }
}

GridThread& current_grid_thread(const char* what) {
    if (t_thread == nullptr) {
        std::fprintf(stderr, "PyGPU simulator: %s called outside kernel code\n", what);
        std::abort();
    }
    return static_cast<GridThread&>(*t_thread);
}

// Leaves a thread whose block has failed (GridBlock::fail): its fiber is
// abandoned, never unwound. Callers build the message in a scope closed
// before this call, so no string is left alive on the abandoned stack.
[[noreturn]] void grid_abandon(GridThread& t) {
    t_thread = nullptr;
    fiber_exit(t.fiber, t.owner->main);
}

// A barrier in a kernel that runs as a loop: the kernel was classified wrong.
[[noreturn]] __attribute__((noinline)) void refuse_in_loop(GridThread& t, const SyncSite& site) {
    {
        GridBlock& b = *t.owner;
        b.fail(err::cudaErrorLaunchFailure,
               format("kernel '%s' was compiled to run its threads as a loop (no barrier found) but reached %s at "
                      "%s:%d; compile it with --sim-fibers (block %s, thread %s)",
                      b.desc->kernel, site.what, site.file, site.line, dim_text(b.ctx.block_idx).c_str(),
                      dim_text(t.thread_idx).c_str()));
    }
    grid_abandon(t);
}

// A warp exchange whose mask does not name the calling lane.
[[noreturn]] __attribute__((noinline)) void refuse_mask(GridThread& t, const SyncSite& site, unsigned mask) {
    {
        GridBlock& b = *t.owner;
        b.fail(err::cudaErrorLaunchFailure,
               where(b, t.thread_idx) + ": " + site_text(&site) +
                   format(" with mask 0x%08x, which does not contain the calling lane %u (a lane must name itself "
                          "in the mask of a warp operation it calls)",
                          mask, t.index % kWarpSize));
    }
    grid_abandon(t);
}

// ---- worker side ----------------------------------------------------------

// A loop kernel's blocks all run on one fiber per worker, one call of
// run_block per block with no switch between blocks: the fiber is there so
// that kernel_error() can abandon a block. Returns to the worker when no
// block is left or a block failed.
void grid_loop_entry(void* arg) {
    fiber_entered();
    GridWorker& w = *static_cast<GridWorker*>(arg);
    GridJob& job = *w.loop_job;
    GridBlock& b = w.block;
    GridThread& t = b.threads[0];
    uint64_t linear = 0;
    while (w.claim(job, &linear, &w.loop_seen)) {
        if (w.begin_block(job, linear) != 0) break;
        t.thread_idx = Dim3{0, 0, 0};
        t_thread = &t;
        job.desc->run_block(t);
    }
    t_thread = nullptr;
    fiber_exit(t.fiber, b.main);
}

void GridWorker::run_fibers(GridBlock& b, const GridJob& job, uint64_t linear) {
    const Dim3& dim = b.ctx.block_dim;
    const unsigned n = dim.x * dim.y * dim.z;
    for (unsigned i = 0; i < n; ++i) {
        GridThread& t = b.threads[i];
        t.thread_idx = unflatten(i, dim);
        t.block = &b.ctx;
        t.owner = &b;
        t.index = i;
        t.wait = GridWait::running;
        t.site = nullptr;
        if (!t.parked) fiber_prepare(t.fiber, stacks.bottom(i), stacks.usable_bytes(i), grid_thread_entry, &t);
        t.parked = false;
    }
    const unsigned warp_count = (n + kWarpSize - 1) / kWarpSize;
    b.warps.resize(warp_count);
    int order[kMaxThreadsPerBlock / kWarpSize];
    for (unsigned w = 0; w < warp_count; ++w) {
        GridWarp& warp = b.warps[w];
        warp.first = w * kWarpSize;
        warp.lanes = std::min(kWarpSize, n - warp.first);
        warp.generation = 0;
        order[w] = static_cast<int>(w);
    }
    if (job.desc->chaos.enabled) {
        uint64_t state = job.desc->chaos.seed ^ (linear * 0xD1B54A32D192ED03ull);
        for (unsigned w = warp_count; w > 1; --w) std::swap(order[w - 1], order[splitmix64(state) % w]);
    }
    for (unsigned w = 0; w < warp_count; ++w) b.warps[order[w]].next = w + 1 < warp_count ? order[w + 1] : -1;
    b.first_warp = order[0];
    b.pending_count = 0;
    b.released_count = 0;

    for (;;) {
        // A round starts with every thread alive (a round in which some
        // exited ends the block), each warp's lanes all to run.
        b.arrived.clear();
        b.exited = 0;
        for (unsigned w = 0; w < warp_count; ++w) {
            GridWarp& warp = b.warps[w];
            warp.run = lanes_mask(warp.lanes);
            warp.waiting = 0;
            warp.at_active_mask = 0;
        }
        GridThread& first = b.threads[b.warps[b.first_warp].first];
        t_thread = &first;
        fiber_switch(b.main, first.fiber);
        t_thread = nullptr;
        if (b.error != 0 || b.exited == n) return;
        if (b.exited == 0 && b.arrived.all(n)) {
            b.released_count = b.pending_count;
            b.pending_count = 0;
            continue;
        }
        b.fail(err::cudaErrorLaunchFailure,
               format("kernel '%s': block %s: divergent barrier: %s (every thread of the block must reach the same "
                      "barrier)",
                      b.desc->kernel, dim_text(b.ctx.block_idx).c_str(),
                      divergence(b, 0, n, GridWait::block, b.arrived.site).c_str()));
        return;
    }
}

// The next block of `job` for this worker (false when none is left); a
// block claimed after the grid failed is counted but not run.
bool GridWorker::claim(GridJob& job, uint64_t* linear, uint64_t* seen) {
    for (;;) {
        const uint64_t i = job.next.fetch_add(1, std::memory_order_relaxed);
        if (i >= job.total) return false;
        ++*seen;
        if (job.failed.load(std::memory_order_relaxed)) continue;  // an error ends the grid
        *linear = job.order.at(i);
        return true;
    }
}

// The worker's shared memory buffer, at least `bytes` long; a block uses
// its end (the dynamic region ends flush with it).
size_t round_up_to(size_t n, size_t to) { return (n + to - 1) / to * to; }

GridWorker::SharedBuffer GridWorker::shared_buffer(size_t bytes) {
    // Guarded (shared_memory): the buffer ends flush against a guard page.
    unsigned char* base = shared_memory(bytes);
    if (base == nullptr) return SharedBuffer{nullptr, 0};
    return SharedBuffer{base, round_up_to(bytes, kSharedAlign)};
}


// Sets up the block context, shared memory and stacks for block `linear`.
int GridWorker::begin_block(GridJob& job, uint64_t linear) {
    const GridDesc& d = *job.desc;
    GridBlock& b = block;
    b.desc = &d;
    b.job = &job;
    b.error = 0;
    b.message.clear();
    b.ctx.block_idx = unflatten(linear, d.grid);
    b.ctx.block_dim = d.block;
    b.ctx.grid_dim = d.grid;
    b.ctx.args = d.args;
    b.ctx.user = d.user;
    b.ctx.worker = id;
    // run_grid checked that the dynamic and reserved static bytes fit the
    // limit; the up to 15 bytes that align the dynamic region's start are
    // not counted against it.
    const SharedBuffer buffer = shared_buffer(d.shared_limit + kSharedMinAlign);
    if (buffer.base == nullptr) {
        b.fail(err::cudaErrorLaunchOutOfResources,
               format("kernel '%s': %zu bytes of shared memory per block are more than the host can give",
                      d.kernel, d.shared_limit));
        return b.error;
    }
    unsigned char* const end = buffer.base + buffer.bytes;
    const size_t dynamic = round_up_to(d.shared_bytes, kSharedMinAlign);
    b.ctx.shared = end - dynamic;
    b.ctx.shared_bytes = d.shared_bytes;
    b.shared_floor = end - d.shared_limit - (dynamic - d.shared_bytes);
    b.shared_top = end - dynamic - d.static_shared;
    b.statics.clear();
    if (d.chaos.enabled && dynamic > 0) std::memset(end - dynamic, kSharedPoison, dynamic);
    return 0;
}

// The block's shared memory: `bytes` ending flush (to kSharedAlign) against
// the guard page above the worker's buffer, which grows (a new mapping) when
// a block needs more; NULL when the host refuses the memory. Out-of-block
// accesses reach a guard page and fault (fault.h).
unsigned char* GridWorker::shared_memory(size_t bytes) {
    const size_t page = page_bytes();
    if (bytes > std::numeric_limits<size_t>::max() - 3 * page) return nullptr;
    const size_t rounded = (bytes + kSharedAlign - 1) / kSharedAlign * kSharedAlign;
    if (shared_map == nullptr || rounded > shared_capacity) {
        const size_t capacity = std::max(page, (rounded + page - 1) / page * page);
        void* map = mmap(nullptr, capacity + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (map == MAP_FAILED) return nullptr;
        if (mprotect(static_cast<unsigned char*>(map) + page, capacity, PROT_READ | PROT_WRITE) != 0) {
            munmap(map, capacity + 2 * page);
            return nullptr;
        }
        if (shared_map != nullptr) munmap(shared_map, shared_capacity + 2 * page);
        shared_map = static_cast<unsigned char*>(map);
        shared_capacity = capacity;
        block.shared_low = reinterpret_cast<uintptr_t>(shared_map);
        block.shared_high = block.shared_low + shared_capacity + 2 * page;
    }
    return shared_map + page + shared_capacity - rounded;
}

void GridWorker::run_loop_job(GridJob& job) {
    GridBlock& b = block;
    b.desc = job.desc;
    b.job = &job;
    b.error = 0;
    GridThread& t = b.threads[0];
    t.block = &b.ctx;
    t.owner = &b;
    t.index = 0;
    t.parked = false;
    loop_job = &job;
    loop_seen = 0;
    fiber_prepare(t.fiber, stacks.bottom(0), stacks.usable_bytes(0), grid_loop_entry, this);
    fiber_switch(b.main, t.fiber);
    loop_job = nullptr;
}

void GridWorker::run_job(GridJob& job) {
    const GridDesc& d = *job.desc;
    const unsigned n = d.block.x * d.block.y * d.block.z;
    uint64_t seen = 0;
    uint64_t linear = 0;
    if (!stacks.reserve(d.run_block != nullptr ? 1 : n)) {
        std::string message = format("kernel '%s': the host refused the memory for %u fiber stacks of %zu bytes",
                                     d.kernel, n, stacks.stack_bytes());
        pool->record(job, err::cudaErrorLaunchOutOfResources, message);
    } else if (d.run_block != nullptr) {
        // Until no block is left: the loop fiber returns after a failed block too.
        do {
            run_loop_job(job);
            seen += loop_seen;
            if (block.error != 0) pool->record(job, block.error, block.message);
        } while (block.error != 0);
    } else {
        while (claim(job, &linear, &seen)) {
            if (begin_block(job, linear) == 0) run_fibers(block, job, linear);
            if (block.error != 0) pool->record(job, block.error, block.message);
        }
    }
    pool->finish(job, seen);
}

void GridPool::record(GridJob& job, int code, std::string& message) {
    std::lock_guard<std::mutex> lock(mu);
    if (job.code == 0) {
        job.code = code;
        job.message.swap(message);
    }
    job.failed.store(true, std::memory_order_relaxed);
}

// A worker is done with `job` (it found no block left): the job leaves the
// queue, and its caller wakes when every block is accounted for and no
// worker still holds it.
void GridPool::finish(GridJob& job, uint64_t seen) {
    std::lock_guard<std::mutex> lock(mu);
    if (!jobs.empty() && jobs.front() == &job) jobs.pop_front();
    queued.store(jobs.size(), std::memory_order_release);
    job.finished += seen;
    --job.users;
    if (job.finished == job.total && job.users == 0) {
        job.complete.store(true, std::memory_order_release);
        job.done.notify_all();
    }
}

void GridPool::serve(GridWorker* w) {
    t_worker_plus_one = w->id + 1;
    fault_thread_start();  // without its signal stack, a fault on this worker is not caught
    fiber_init_thread(w->block.main);
    for (;;) {
        GridJob* job = nullptr;
        // Launches often follow each other within microseconds: spin first (spin.h).
        spin_until([&] { return queued.load(std::memory_order_acquire) != 0; });
        {
            std::unique_lock<std::mutex> lock(mu);
            work.wait(lock, [&] { return !jobs.empty(); });
            job = jobs.front();
            ++job->users;
        }
        w->run_job(*job);
    }
}

GridPool* g_pool = nullptr;
std::once_flag g_pool_once;

// Never destroyed: workers may still be blocked on it at exit.
GridPool& grid_pool() {
    std::call_once(g_pool_once, [] {
        fault_install();
        GridPool* p = new GridPool();
        unsigned count = config().workers;  // PYGPU_SIM_WORKERS, parsed with the other variables
        if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
        if (const char* why = config_error()) {
            p->error = why;
            count = 0;
        }
        for (unsigned i = 0; i < count; ++i) {
            p->workers.push_back(std::make_unique<GridWorker>());
            p->workers.back()->id = i;
            p->workers.back()->pool = p;
        }
        for (unsigned i = 0; i < count; ++i) {
            std::thread(&GridPool::serve, p, p->workers[i].get()).detach();
        }
        g_pool = p;
    });
    return *g_pool;
}

bool valid_dims(const Dim3& d) { return d.x != 0 && d.y != 0 && d.z != 0; }

// Kernel printf output, in one piece: output of two grids never interleaves.
void write_stdout(const char* text, size_t n) {
    static std::mutex* mu = new std::mutex();  // never destroyed: workers may print at exit
    std::lock_guard<std::mutex> lock(*mu);
    std::fwrite(text, 1, n, stdout);
    std::fflush(stdout);
}

// The first use of a static __shared__ variable in a block: carved below the
// statics so far (kernel_error when the block's limit is passed).
__attribute__((noinline)) void* allocate_static(GridThread& t, const void* key, size_t size, size_t align) {
    GridBlock& b = *t.owner;
    const GridDesc& d = *b.desc;
    if (align < kSharedMinAlign) align = kSharedMinAlign;
    const uintptr_t top = reinterpret_cast<uintptr_t>(b.shared_top);
    const uintptr_t floor = reinterpret_cast<uintptr_t>(b.shared_floor);
    const bool power_of_two = (align & (align - 1)) == 0;
    if (!power_of_two || size > top - floor || ((top - size) & ~(uintptr_t(align) - 1)) < floor) {
        char detail[256];
        const size_t dynamic = b.ctx.shared_bytes;
        const size_t statics = static_cast<size_t>(reinterpret_cast<unsigned char*>(b.ctx.shared) - b.shared_top);
        if (!power_of_two) {
            std::snprintf(detail, sizeof detail, "a static __shared__ variable asks for alignment %zu (not a power of two)",
                          align);
        } else {
            std::snprintf(detail, sizeof detail,
                          "a static __shared__ variable of %zu bytes does not fit: %zu bytes of static and %zu of "
                          "dynamic shared memory are in use, the block's limit is %zu bytes",
                          size, statics, dynamic, d.shared_limit);
        }
        kernel_error(err::cudaErrorInvalidValue, detail);
    }
    unsigned char* at = reinterpret_cast<unsigned char*>((top - size) & ~(uintptr_t(align) - 1));
    b.shared_top = at;
    if (d.chaos.enabled) std::memset(at, kSharedPoison, size);
    b.statics.push_back(GridBlock::Static{key, at});
    if (d.static_seen != nullptr) {
        raise_to(*d.static_seen, static_cast<size_t>(static_cast<unsigned char*>(b.ctx.shared) - at));
    }
    return at;
}

}  // namespace

unsigned worker_count() { return static_cast<unsigned>(grid_pool().workers.size()); }

GridResult run_grid(const GridDesc& d) {
    GridResult result;
    if (d.kernel == nullptr) {
        result.code = err::cudaErrorInvalidValue;
        result.message = "a grid needs the kernel's name (GridDesc::kernel)";
        return result;
    }
    if ((d.run_block == nullptr) == (d.run_thread == nullptr)) {
        result.code = err::cudaErrorInvalidValue;
        result.message = format("kernel '%s': a grid needs exactly one of run_block (a loop kernel) and run_thread "
                                "(a fiber kernel)", d.kernel);
        return result;
    }
    const uint64_t threads = uint64_t(d.block.x) * d.block.y * d.block.z;
    if (!valid_dims(d.grid) || !valid_dims(d.block) || threads > kMaxThreadsPerBlock || d.block.z > 64 ||
        d.grid.x > 0x7FFFFFFFu || d.grid.y > 65535 || d.grid.z > 65535) {
        result.code = err::cudaErrorInvalidConfiguration;
        result.message = format("kernel '%s': grid %s of blocks %s: every dimension must be at least 1, a block "
                                "at most %u threads (z at most 64), a grid at most (2^31-1, 65535, 65535)",
                                d.kernel, dim_text(d.grid).c_str(), dim_text(d.block).c_str(),
                                kMaxThreadsPerBlock);
        return result;
    }
    if (d.shared_limit > kSharedMemPerBlockOptin || d.shared_bytes > d.shared_limit ||
        d.static_shared > d.shared_limit - d.shared_bytes) {
        result.code = err::cudaErrorInvalidValue;
        result.message = format("kernel '%s': %zu bytes of dynamic and %zu of static shared memory are more than a "
                                "block's limit of %zu bytes (at most %zu)",
                                d.kernel, d.shared_bytes, d.static_shared, d.shared_limit, kSharedMemPerBlockOptin);
        return result;
    }
    if (t_worker_plus_one != 0 || t_thread != nullptr) {
        result.code = err::cudaErrorNotSupported;
        result.message = format("kernel '%s': launched from kernel code (dynamic parallelism is not supported "
                                "by the simulated device)", d.kernel);
        return result;
    }
    fault_before_grid();
    GridPool& pool = grid_pool();
    if (pool.workers.empty()) {
        result.code = err::cudaErrorInvalidValue;
        result.message = pool.error;
        return result;
    }
    GridJob job(d, uint64_t(d.grid.x) * d.grid.y * d.grid.z);
    std::unique_lock<std::mutex> lock(pool.mu);
    pool.jobs.push_back(&job);
    pool.queued.store(pool.jobs.size(), std::memory_order_release);
    // Wake only as many workers as there are blocks: a one-block grid (the
    // common small launch) wakes one thread, not the whole pool.
    if (job.total >= pool.workers.size()) {
        pool.work.notify_all();
    } else {
        for (uint64_t i = 0; i < job.total; ++i) pool.work.notify_one();
    }
    lock.unlock();
    // A small grid is done within microseconds: spin first (spin.h).
    if (!spin_until([&] { return job.complete.load(std::memory_order_acquire); })) {
        lock.lock();
        job.done.wait(lock, [&] { return job.finished == job.total && job.users == 0; });
        lock.unlock();
    }
    // The last worker set `complete` under the pool's lock and no worker holds
    // the job any more; taking the lock once orders its last writes before
    // the job (on this stack) goes away.
    { std::lock_guard<std::mutex> sync(pool.mu); }
    if (!job.printed.empty()) write_stdout(job.printed.data(), job.printed.size());
    result.code = job.code;
    result.message = std::move(job.message);
    return result;
}

ThreadContext* current_thread() { return t_thread; }

unsigned active_mask() {
    if (t_thread == nullptr) return 0;
    GridThread& t = static_cast<GridThread&>(*t_thread);
    GridBlock& b = *t.owner;
    if (b.desc->run_block == nullptr) {
        // The lanes run one after the other: the caller waits until every
        // lane of its warp has exited, waits elsewhere, or calls this too
        // (after the warp exchanges that can complete have), and gets the
        // lanes that called it.
        static const SyncSite site{"__activemask", "", 0};
        GridWarp& w = b.warps[t.index / kWarpSize];
        const unsigned bit = 1u << (t.index - w.first);
        w.waiting |= bit;
        w.at_active_mask |= bit;
        t.wait = GridWait::warp;
        t.site = &site;
        t.mask = 0;
        grid_pass_on(t);
        t.wait = GridWait::running;
        return t.mask;
    }
    // A loop kernel: its threads run one after the other, none has exited
    // while another runs; the lanes of the current thread's warp.
    const Dim3& dim = b.ctx.block_dim;
    const unsigned n = dim.x * dim.y * dim.z;
    const unsigned index = t.thread_idx.x + dim.x * (t.thread_idx.y + dim.y * t.thread_idx.z);
    const unsigned first = index / kWarpSize * kWarpSize;
    return lanes_mask(std::min(kWarpSize, n - first));
}

void* shared_static(const void* key, size_t size, size_t align) {
    if (t_thread == nullptr) return nullptr;
    GridThread& t = static_cast<GridThread&>(*t_thread);
    GridBlock& b = *t.owner;
    for (const GridBlock::Static& s : b.statics) {
        if (s.key == key) return s.at;
    }
    return allocate_static(t, key, size, align);
}

void* shared_dynamic(size_t* bytes) {
    if (t_thread == nullptr) {
        if (bytes != nullptr) *bytes = 0;
        return nullptr;
    }
    const BlockContext& ctx = *t_thread->block;
    if (bytes != nullptr) *bytes = ctx.shared_bytes;
    return ctx.shared;
}

void kernel_print(const char* text, size_t n) {
    if (n == 0 || text == nullptr) return;
    if (t_thread == nullptr) {
        write_stdout(text, n);
        return;
    }
    GridJob& job = *static_cast<GridThread&>(*t_thread).owner->job;
    std::lock_guard<std::mutex> lock(job.print_mu);
    job.printed.append(text, n);
}

bool fault_scene(FaultScene* out) {
    if (t_worker_plus_one == 0 || t_thread == nullptr) return false;
    const GridThread& t = static_cast<const GridThread&>(*t_thread);
    const GridBlock& b = *t.owner;
    out->stack_low = reinterpret_cast<uintptr_t>(t.fiber.stack_bottom);
    out->stack_high = out->stack_low + t.fiber.stack_size;
    out->shared_low = b.shared_low;
    out->shared_high = b.shared_high;
    // The block's shared memory in use: its statics (carved below the
    // dynamic region) and the dynamic region.
    const unsigned char* low = b.shared_top != nullptr ? b.shared_top : static_cast<unsigned char*>(b.ctx.shared);
    out->block_shared = reinterpret_cast<uintptr_t>(low);
    out->block_shared_bytes = static_cast<size_t>(static_cast<unsigned char*>(b.ctx.shared) + b.ctx.shared_bytes - low);
    return true;
}

unsigned lane_id() { return current_grid_thread("lane_id").index % kWarpSize; }

int block_barrier(const SyncSite& site, int predicate) {
    GridThread& t = current_grid_thread(site.what);
    if (__builtin_expect(t.owner->desc->run_block != nullptr, 0)) refuse_in_loop(t, site);
    GridBlock& b = *t.owner;
    b.arrived.arrive(t, GridWait::block, site);
    b.pending_count += predicate != 0;
    grid_pass_on(t);
    t.wait = GridWait::running;
    return b.released_count;
}

WarpValues warp_exchange(const SyncSite& site, uint64_t value, unsigned mask) {
    GridThread& t = current_grid_thread(site.what);
    if (__builtin_expect(t.owner->desc->run_block != nullptr, 0)) refuse_in_loop(t, site);
    GridBlock& b = *t.owner;
    GridWarp& w = b.warps[t.index / kWarpSize];
    const unsigned lane = t.index - w.first;
    const unsigned named = mask & lanes_mask(w.lanes);
    if (__builtin_expect(((named >> lane) & 1) == 0, 0)) refuse_mask(t, site, mask);
    w.pending[lane] = value;
    w.waiting |= 1u << lane;
    t.wait = GridWait::warp;
    t.site = &site;
    t.mask = named;
    grid_pass_on(t);
    t.wait = GridWait::running;
    return WarpValues{t.result, w.lanes};
}

void kernel_error(int code, const char* detail) {
    GridThread& t = current_grid_thread("kernel_error");
    t.owner->fail(code, where(*t.owner, t.thread_idx) + ": " + detail);
    grid_abandon(t);
}

void kernel_assert_failed(const char* expr, const char* file, int line) {
    GridThread& t = current_grid_thread("kernel_assert_failed");
    t.owner->fail(err::cudaErrorAssert, format("%s:%d: %s: Assertion `%s` failed.", file, line,
                                               where(*t.owner, t.thread_idx).c_str(), expr));
    grid_abandon(t);
}

}  // namespace sim
}  // namespace pygpu
