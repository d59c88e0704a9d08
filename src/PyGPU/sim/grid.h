// The kernel engine: runs one grid of a host-compiled kernel.
//
// An internal C++ API of the simulator (no backend-table entry): a launch
// work item calls run_grid() on its stream's worker, which blocks until the
// grid has finished or failed. Rules (docs/architecture.md, "Kernels: the
// engine"):
//
//  - Blocks run on a pool of worker threads, PYGPU_SIM_WORKERS of them
//    (default: the number of cores), one block at a time per worker, so a
//    block's shared memory is its worker's buffer. Several grids (from
//    several streams) may run at once; their blocks share the pool.
//  - The threads of a block run either as a plain loop (GridDesc::run_block:
//    one call runs every thread of the block; for kernels with no barrier and
//    no warp operation) or as fibers (GridDesc::run_thread: one call per
//    thread), switched only at barriers. Threads run in order of their
//    linear index, warp after warp; a warp runs until all its lanes wait at
//    a block barrier or have exited, re-running its lanes in lock-step after
//    each warp exchange.
//  - A barrier that not every thread of the block reaches (some exited, or
//    wait at another barrier) is a divergent barrier: the launch fails with
//    cudaErrorLaunchFailure and a message naming the barrier's site, never a
//    hang. The same for a warp exchange that not all lanes of the warp reach.
//  - Kernel code reports an error with kernel_error() (a failed assert, a
//    trap, an illegal address): the error is recorded, the thread's fiber is
//    abandoned without unwinding (so kernel code must not own resources that
//    need a destructor across such a call; CUDA kernels do not), the block
//    stops, and no further block of the grid starts. The first error wins.
//  - Warp exchanges name the lanes taking part (a mask): only those wait,
//    and each is released when every lane of its mask waits at the same
//    exchange with the same mask. A lane calling with a mask without itself,
//    or an exchange that can never complete (a named lane exited, waits at a
//    block barrier, or at an exchange with another mask or site) is a
//    divergent warp operation, cudaErrorLaunchFailure.
//  - Shared memory: each block gets its worker's buffer (one per worker,
//    grown to the largest limit seen). The dynamic region ends flush at the
//    end of the buffer; static __shared__ variables are carved downward
//    below it on first use (shared_static), so static + dynamic bytes over
//    the grid's shared_limit are an error of the launch
//    (cudaErrorInvalidValue), found when the kernel asks.
//  - Kernel printf output (kernel_print) is buffered per grid and written to
//    stdout in one piece when the grid has finished, before run_grid returns.
//  - A barrier or warp exchange reached by a loop kernel (run_block) ends the
//    launch with cudaErrorLaunchFailure: the kernel was compiled wrong.
//  - Chaos (GridChaos): blocks and the warps of each block run in a random
//    order drawn from the seed, and shared memory (the dynamic region at the
//    start of each block, each static variable at its first use in a block)
//    is filled with kSharedPoison.
#ifndef PYGPU_SIM_GRID_H
#define PYGPU_SIM_GRID_H

#include <cstddef>
#include <atomic>
#include <cstdint>
#include <string>

namespace pygpu {
namespace sim {

struct Dim3 {
    unsigned x = 1, y = 1, z = 1;
};

constexpr unsigned kWarpSize = 32;
constexpr unsigned kMaxThreadsPerBlock = 1024;
// The byte shared memory is filled with under chaos: a float or double of
// such bytes is a NaN, an int is -1.
constexpr unsigned char kSharedPoison = 0xFF;
// The device's sharedMemPerBlock (device.cpp fills the same), the default
// limit of a block's shared memory, and its sharedMemPerBlockOptin, the
// largest a kernel may raise its limit to (cudaFuncSetAttribute), an A100's.
constexpr size_t kSharedMemPerBlock = 49152;
constexpr size_t kSharedMemPerBlockOptin = 166912;
// Static and dynamic shared memory are aligned to at least this.
constexpr size_t kSharedMinAlign = 16;

// What every thread of one block sees.
struct BlockContext {
    Dim3 block_idx;
    Dim3 block_dim;
    Dim3 grid_dim;
    void* shared = nullptr;  // the block's dynamic shared memory (GridDesc::shared_bytes), 16-byte aligned
    size_t shared_bytes = 0;
    void* const* args = nullptr;  // GridDesc::args
    unsigned worker = 0;          // the pool worker running the block, in [0, worker_count())
    const void* user = nullptr;   // GridDesc::user
};

// What one thread sees. A loop kernel (run_block) gets one context for the
// whole block and keeps thread_idx current as it goes, so that an error
// names the right thread.
struct ThreadContext {
    Dim3 thread_idx;
    const BlockContext* block = nullptr;
};

using BlockFn = void (*)(ThreadContext& thread);   // runs every thread of the block
using ThreadFn = void (*)(ThreadContext& thread);  // runs one thread

struct GridChaos {
    bool enabled = false;
    uint64_t seed = 0;
};

struct GridDesc {
    const char* kernel = "kernel";  // its name, for messages (not null)
    Dim3 grid;
    Dim3 block;
    size_t shared_bytes = 0;  // dynamic shared memory per block (extern __shared__)
    size_t static_shared = 0;  // static shared bytes known before the launch: reserved below the dynamic region
    size_t shared_limit = kSharedMemPerBlock;  // static + dynamic shared bytes a block may use
    // Where the engine records the largest static shared total a block of
    // the grid reached (cudaFuncGetAttributes); may be null.
    std::atomic<size_t>* static_seen = nullptr;
    BlockFn run_block = nullptr;  // exactly one of run_block and run_thread
    ThreadFn run_thread = nullptr;
    void* const* args = nullptr;
    GridChaos chaos;
    const void* user = nullptr;  // opaque to the engine, handed to the kernel as BlockContext::user
    // The printf FIFO (cudaLimitPrintfFifoSize): the grid prints the last
    // printf_fifo bytes of its output (CUDA's FIFO is circular: older
    // output is overwritten).
    size_t printf_fifo = size_t(1) << 20;
};

struct GridResult {
    int code = 0;  // cudaSuccess, or the launch's CUDA error code
    std::string message;
    bool printed = false;  // kernel code called printf
};

// Runs the grid to completion on the worker pool and returns its outcome.
// Refused (cudaErrorInvalidConfiguration) for a zero dimension, more than
// kMaxThreadsPerBlock threads or grid dimensions beyond CUDA's limits;
// cudaErrorInvalidValue for a bad PYGPU_SIM_WORKERS, no kernel name,
// neither/both of run_block and run_thread, or static + dynamic shared
// memory over shared_limit (or shared_limit over kSharedMemPerBlockOptin); cudaErrorNotSupported from kernel code (no
// dynamic parallelism).
GridResult run_grid(const GridDesc& desc);

// The pool's size (starts the pool): PYGPU_SIM_WORKERS (config.h), one per
// core by default; 0 when the configuration is invalid.
unsigned worker_count();

// ---- for kernel code (the kernel headers build on these) ------------------

// The calling kernel thread's context; nullptr outside kernel code.
ThreadContext* current_thread();

// Where a barrier or warp operation is in the source: one static object per
// call site (threads waiting at different objects are divergent).
struct SyncSite {
    const char* what;  // "__syncthreads", "__shfl_sync", ...
    const char* file;
    int line;
};

// A block barrier (__syncthreads and its counting variants): returns how
// many threads of the block passed a nonzero predicate (_count; _and is
// count == threads, _or is count != 0).
int block_barrier(const SyncSite& site, int predicate);

// A warp barrier of the lanes in `mask` (bit i = lane i; lanes beyond the
// warp's size ignored), exchanging one value per lane (the primitive of
// __shfl*_sync, __ballot_sync, __any_sync, __all_sync, __syncwarp): returns
// the values of the warp's lanes, indexed by lane (those outside the mask
// unspecified), valid until the calling lane's next barrier or warp
// exchange. `lanes` is the warp's lane count (32, or fewer in a block's last
// warp).
struct WarpValues {
    const uint64_t* values;
    unsigned lanes;
};
WarpValues warp_exchange(const SyncSite& site, uint64_t value, unsigned mask = 0xFFFFFFFFu);
// __activemask(): the lanes of the calling thread's warp that exist and have
// not exited; 0 outside kernel code.
unsigned active_mask();
// The calling thread's lane in its warp (linear thread index % 32).
unsigned lane_id();

// Raises `seen` to `total` when it is lower (the static shared bytes seen).
inline void raise_to(std::atomic<size_t>& seen, size_t total) {
    size_t now = seen.load(std::memory_order_relaxed);
    while (now < total && !seen.compare_exchange_weak(now, total, std::memory_order_relaxed)) {
    }
}

// Static __shared__ storage (pygpu/sim/launch.h, pygpu_sim_shared_static):
// the block's bytes for `key`, allocated on the block's first call.
// nullptr outside kernel code.
void* shared_static(const void* key, size_t size, size_t align);
// The block's dynamic shared memory and its size; nullptr (0) outside kernel code.
void* shared_dynamic(size_t* bytes);

// Kernel printf output: appended to the grid's buffer (written when the
// grid finishes); outside kernel code written to stdout at once.
void kernel_print(const char* text, size_t n);

// Ends the launch with `code` (cudaErrorAssert, cudaErrorLaunchFailure,
// cudaErrorIllegalAddress, ...): the message becomes "kernel 'K': block
// (x,y,z), thread (x,y,z): <detail>". Does not return.
[[noreturn]] void kernel_error(int code, const char* detail);
// A failed assert: cudaErrorAssert with "file:line: Assertion `expr` failed.".
[[noreturn]] void kernel_assert_failed(const char* expr, const char* file, int line);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_GRID_H
