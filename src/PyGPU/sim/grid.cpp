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

#include <sys/mman.h>
#include <unistd.h>

#include "PyGPU/sim/errors.h"
#include "PyGPU/sim/fault.h"
#include "PyGPU/sim/fiber.h"

namespace pygpu {
namespace sim {

namespace {

constexpr const char* kWorkersVar = "PYGPU_SIM_WORKERS";
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

struct GridWarp {
    unsigned first = 0;  // thread index of lane 0
    unsigned lanes = 0;
    int next = -1;  // the warp that runs after this one in a round; -1: back to the worker
    GridArrivals arrived;  // lanes waiting at a warp exchange
    unsigned generation = 0;  // picks the value buffer (see warp_exchange)
    uint64_t values[2][kWarpSize];
};

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
    int code = 0;
    std::string message;

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
    int begin_block(const GridJob& job, uint64_t linear);
    void run_loop_job(GridJob& job);
    void run_fibers(GridBlock& b, const GridJob& job, uint64_t linear);
};

struct GridPool {
    std::mutex mu;
    std::condition_variable work;
    std::deque<GridJob*> jobs;
    std::vector<std::unique_ptr<GridWorker>> workers;
    std::string error;  // a bad PYGPU_SIM_WORKERS: the pool has no worker

    void serve(GridWorker* w);
    void record(GridJob& job, int code, std::string& message);
    void finish(GridJob& job, uint64_t seen);
};

// ---- fiber side: what runs on the kernel threads' stacks ------------------

// Passes the round on from `t`, which has just started waiting or finished:
// to the next lane of its warp; from the warp's last lane, back to the
// warp's first lane when every lane waits at the same warp exchange (lock
// step), else to the next warp, else to the worker.
void grid_pass_on(GridThread& t) {
    GridBlock& b = *t.owner;
    GridWarp& w = b.warps[t.index / kWarpSize];
    GridThread* next = nullptr;
    if (t.index - w.first + 1 < w.lanes) {
        next = &b.threads[t.index + 1];
    } else if (w.arrived.all(w.lanes)) {
        w.arrived.clear();
        ++w.generation;
        next = &b.threads[w.first];
    } else if (w.arrived.count == 0) {
        if (w.next >= 0) next = &b.threads[b.warps[w.next].first];
    } else {
        // Some lanes wait at a warp exchange that others never reach.
        b.fail(err::cudaErrorLaunchFailure,
               format("kernel '%s': block %s: divergent warp operation in warp %u: %s (every lane of the warp "
                      "must reach the same warp operation)",
                      b.desc->kernel, dim_text(b.ctx.block_idx).c_str(), t.index / kWarpSize,
                      divergence(b, w.first, w.lanes, GridWait::warp, w.arrived.site).c_str()));
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
               where(b, t.thread_idx) + ": " + site_text(&site) +
                   " in a kernel run as a plain loop (its run_block was given for a kernel with no barrier and no "
                   "warp operation)");
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
        warp.arrived.clear();
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
        b.arrived.clear();
        b.exited = 0;
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

// Sets up the block context, shared memory and stacks for block `linear`.
int GridWorker::begin_block(const GridJob& job, uint64_t linear) {
    const GridDesc& d = *job.desc;
    GridBlock& b = block;
    b.desc = &d;
    b.error = 0;
    b.message.clear();
    b.ctx.block_idx = unflatten(linear, d.grid);
    b.ctx.block_dim = d.block;
    b.ctx.grid_dim = d.grid;
    b.ctx.args = d.args;
    b.ctx.user = d.user;
    b.ctx.worker = id;
    unsigned char* shared = shared_memory(d.shared_bytes);
    if (shared == nullptr) {
        b.fail(err::cudaErrorLaunchOutOfResources,
               format("kernel '%s': %zu bytes of shared memory per block are more than the host can give", d.kernel,
                      d.shared_bytes));
        return b.error;
    }
    b.ctx.shared = shared;
    b.ctx.shared_bytes = d.shared_bytes;
    if (d.chaos.enabled && d.shared_bytes > 0) std::memset(shared, kSharedPoison, d.shared_bytes);
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
    job.finished += seen;
    --job.users;
    if (job.finished == job.total && job.users == 0) job.done.notify_all();
}

void GridPool::serve(GridWorker* w) {
    t_worker_plus_one = w->id + 1;
    fault_thread_start();  // without its signal stack, a fault on this worker is not caught
    fiber_init_thread(w->block.main);
    for (;;) {
        GridJob* job = nullptr;
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
        unsigned count = std::max(1u, std::thread::hardware_concurrency());
        const char* text = std::getenv(kWorkersVar);
        if (text != nullptr && !parse_worker_count(text, &count, &p->error)) count = 0;
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

}  // namespace

bool parse_worker_count(const char* text, unsigned* out, std::string* why) {
    const char* p = text;
    while (*p == ' ' || *p == '\t') ++p;
    if (*p == '\0') return true;  // set but empty: the default
    uint64_t value = 0;
    const char* digits = p;
    while (*p >= '0' && *p <= '9') {
        value = value * 10 + static_cast<uint64_t>(*p - '0');
        if (value > kMaxWorkers) break;
        ++p;
    }
    while (*p == ' ' || *p == '\t') ++p;
    if (p == digits || *p != '\0' || value == 0 || value > kMaxWorkers) {
        *why = format("%s=\"%s\" is not a worker count; set it to the number of threads that run kernel blocks, "
                      "an integer in [1, %u], or leave it unset for one per core",
                      kWorkersVar, text, kMaxWorkers);
        return false;
    }
    *out = static_cast<unsigned>(value);
    return true;
}

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
    // Wake only as many workers as there are blocks: a one-block grid (the
    // common small launch) wakes one thread, not the whole pool.
    if (job.total >= pool.workers.size()) {
        pool.work.notify_all();
    } else {
        for (uint64_t i = 0; i < job.total; ++i) pool.work.notify_one();
    }
    job.done.wait(lock, [&] { return job.finished == job.total && job.users == 0; });
    result.code = job.code;
    result.message = std::move(job.message);
    return result;
}

ThreadContext* current_thread() { return t_thread; }

bool fault_scene(FaultScene* out) {
    if (t_worker_plus_one == 0 || t_thread == nullptr) return false;
    const GridThread& t = static_cast<const GridThread&>(*t_thread);
    const GridBlock& b = *t.owner;
    out->stack_low = reinterpret_cast<uintptr_t>(t.fiber.stack_bottom);
    out->stack_high = out->stack_low + t.fiber.stack_size;
    out->shared_low = b.shared_low;
    out->shared_high = b.shared_high;
    out->block_shared = reinterpret_cast<uintptr_t>(b.ctx.shared);
    out->block_shared_bytes = b.ctx.shared_bytes;
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

WarpValues warp_exchange(const SyncSite& site, uint64_t value) {
    GridThread& t = current_grid_thread(site.what);
    if (__builtin_expect(t.owner->desc->run_block != nullptr, 0)) refuse_in_loop(t, site);
    GridBlock& b = *t.owner;
    GridWarp& w = b.warps[t.index / kWarpSize];
    // Two buffers: a lane released from this exchange may reach the next one
    // (and write its value) before the other lanes have read this one's.
    uint64_t* values = w.values[w.generation & 1];
    values[t.index - w.first] = value;
    w.arrived.arrive(t, GridWait::warp, site);
    grid_pass_on(t);
    t.wait = GridWait::running;
    return WarpValues{values, w.lanes};
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
