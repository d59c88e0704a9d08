/* Kernels on the simulated device: how compiled kernel code registers itself
 * with libpygpu_sim, and what a kernel's code sees while it runs.
 *
 * The compiler driver's generated code (and, until it exists, hand-written
 * kernels) registers each kernel once, keyed by the address of its host
 * stub, the function host code names in cudaLaunchKernel:
 *
 *     static void vadd(const float* a, const float* b, float* c, int n) {}  // the host stub
 *     static const size_t sizes[] = {sizeof(float*), sizeof(float*), sizeof(float*), sizeof(int)};
 *     pygpu_sim_kernel_desc d = {PYGPU_SIM_KERNEL_ABI_VERSION, "vadd", vadd_block, NULL, 0, 4, sizes,
 *                                PYGPU_SIM_KERNEL_ABI_TAG};
 *     pygpu_sim_register_kernel((const void*)&vadd, &d);
 *     void* args[] = {&a, &b, &c, &n};
 *     cudaLaunchKernel((const void*)&vadd, grid, block, args, 0, stream);
 *
 * A kernel has ONE entry (docs/architecture.md, "Kernels: the engine"):
 *  - run_block runs every thread of a block in one call, as a loop, keeping
 *    thread->thread_idx current as it goes (so that an error names the right
 *    thread); only for kernels with no barrier and no warp operation;
 *  - run_thread runs one thread; the block's threads run as fibers switched
 *    at pygpu_sim_block_barrier().
 * Kernel arguments are block->args[i], pointing at copies of the values the
 * launch was given (taken when cudaLaunchKernel returns, as on CUDA).
 *
 * Kernel code reaches the engine through the functions below (barriers, warp
 * exchanges, shared memory, printf, errors); pygpu_sim_current_thread() is
 * the running thread's context.
 *
 * Kernel code must not own resources that need a destructor across a call
 * that can end the launch (pygpu_sim_kernel_error, the assert, a barrier):
 * the thread is abandoned without unwinding.
 *
 * Plain C and C++. The layouts are the engine's (checked by static_asserts in
 * the library); PYGPU_SIM_KERNEL_ABI_VERSION changes whenever they do.
 */
#ifndef PYGPU_SIM_KERNEL_ABI_H
#define PYGPU_SIM_KERNEL_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "../sim_library.h" /* PYGPU_SIM_EXPORT */

#define PYGPU_SIM_KERNEL_ABI_VERSION 2

/* The exported data symbol of this ABI version (its value is the version).
 * Code built against this header references it (a kernel's desc holds its
 * address, PYGPU_SIM_KERNEL_ABI_TAG), so a library built for another version
 * fails to load with "undefined symbol: pygpu_sim_kernel_abi_vN" instead of
 * misreading the engine's structures. */
#define PYGPU_SIM_KERNEL_ABI_SYMBOL pygpu_sim_kernel_abi_v2
#define PYGPU_SIM_KERNEL_ABI_TAG (&PYGPU_SIM_KERNEL_ABI_SYMBOL)

#if defined(__GNUC__)
#define PYGPU_SIM_NORETURN __attribute__((noreturn))
#else
#define PYGPU_SIM_NORETURN
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pygpu_sim_dim3 {
    unsigned int x, y, z;
} pygpu_sim_dim3;

PYGPU_SIM_EXPORT extern const unsigned int PYGPU_SIM_KERNEL_ABI_SYMBOL;

/* What every thread of one block sees. */
typedef struct pygpu_sim_block_context {
    pygpu_sim_dim3 block_idx;
    pygpu_sim_dim3 block_dim;
    pygpu_sim_dim3 grid_dim;
    void* shared;        /* the block's dynamic shared memory (extern __shared__), 16-byte aligned; */
    size_t shared_bytes; /* its size, from the launch (pygpu_sim_shared_dynamic answers the same) */
    void* const* args;   /* the kernel's arguments: args[i] points at parameter i */
    unsigned int worker; /* the engine's worker running the block */
    const void* user;    /* the library's (the registered kernel) */
} pygpu_sim_block_context;

/* What one thread sees. */
typedef struct pygpu_sim_thread_context {
    pygpu_sim_dim3 thread_idx;
    const pygpu_sim_block_context* block;
} pygpu_sim_thread_context;

typedef void (*pygpu_sim_kernel_fn)(pygpu_sim_thread_context* thread);

typedef struct pygpu_sim_kernel_desc {
    unsigned int abi_version;        /* PYGPU_SIM_KERNEL_ABI_VERSION */
    const char* name;                /* for messages; copied */
    pygpu_sim_kernel_fn run_block;   /* exactly one of run_block and run_thread */
    pygpu_sim_kernel_fn run_thread;
    size_t static_shared_bytes;      /* static shared bytes known before the kernel runs (0 when
                                        not known): counted by the launch's check and by
                                        cudaFuncGetAttributes; the storage itself comes from
                                        pygpu_sim_shared_static() */
    unsigned int param_count;
    const size_t* param_sizes;       /* param_count sizes, in bytes; copied */
    const unsigned int* abi_tag;     /* PYGPU_SIM_KERNEL_ABI_TAG */
} pygpu_sim_kernel_desc;

/* Registers (or re-registers) the kernel whose host stub is `host_stub`.
 * cudaErrorInvalidValue (and the last error) for a null stub or desc, another
 * ABI version (abi_version or abi_tag), no name, not exactly one entry, or
 * missing/zero param sizes. */
PYGPU_SIM_EXPORT int pygpu_sim_register_kernel(const void* host_stub, const pygpu_sim_kernel_desc* desc);

/* Where a barrier is in the source: one static object per call site. */
typedef struct pygpu_sim_sync_site {
    const char* what; /* "__syncthreads", ... */
    const char* file;
    int line;
} pygpu_sim_sync_site;

/* __syncthreads_count: how many threads of the block passed a nonzero
 * predicate. Only in run_thread kernels: reached by a run_block kernel it
 * ends the launch with cudaErrorLaunchFailure ("kernel 'K' was compiled to
 * run its threads as a loop (no barrier found) but reached __syncthreads at
 * file:line; compile it with --sim-fibers"). */
PYGPU_SIM_EXPORT int pygpu_sim_block_barrier(const pygpu_sim_sync_site* site, int predicate);

/* The warp barrier of the lanes in `mask` (bit i = lane i; bits of lanes
 * beyond the warp's size are ignored), exchanging one value per lane: the
 * primitive of __shfl*_sync, __ballot_sync, __any_sync, __all_sync,
 * __match_any_sync, __reduce_*_sync and __syncwarp. Only the masked lanes
 * wait. Returns the 32 values indexed by lane (those of lanes outside the
 * mask are unspecified), valid until the caller's next exchange; `*lanes`
 * (when not NULL) is the warp's lane count (32, or fewer in a block's last
 * warp). A lane whose mask does not contain itself, lanes of one exchange
 * naming different masks, or a masked lane that exits or waits elsewhere
 * end the launch with cudaErrorLaunchFailure and a message naming the site,
 * like a divergent barrier; so does reaching it in a run_block kernel. */
PYGPU_SIM_EXPORT const uint64_t* pygpu_sim_warp_exchange(const pygpu_sim_sync_site* site, uint64_t value,
                                                         unsigned mask, unsigned* lanes);

/* __activemask(): the lanes of the caller's warp that exist and have not
 * exited (bit i = lane i). 0 outside kernel code. */
PYGPU_SIM_EXPORT unsigned pygpu_sim_active_mask(void);

/* Static __shared__ storage: the first call for `key` (one static object per
 * variable) in a block allocates `size` bytes, aligned to `align` (at least
 * 16), from the block's shared memory; every thread of the block gets the
 * same address, uninitialised (poisoned under PYGPU_SIM_CHAOS). Layout: the
 * dynamic region ends at the end of the block's shared buffer, statics are
 * carved downward below it in the order of their first use. Static +
 * dynamic bytes over the kernel's limit (the device's sharedMemPerBlock, or
 * its sharedMemPerBlockOptin, 166912 bytes, once cudaFuncSetAttribute raised
 * the kernel's cudaFuncAttributeMaxDynamicSharedMemorySize) end the launch with cudaErrorInvalidValue naming the kernel. NULL outside
 * kernel code (and the calling thread's last error is cudaErrorInvalidValue). */
PYGPU_SIM_EXPORT void* pygpu_sim_shared_static(const void* key, size_t size, size_t align);

/* The extern __shared__ region: 16-byte aligned, its size (the launch's
 * dynamic shared bytes) in `*bytes` when `bytes` is not NULL. NULL (and 0)
 * outside kernel code. */
PYGPU_SIM_EXPORT void* pygpu_sim_shared_dynamic(size_t* bytes);

/* Kernel printf output: `n` bytes of `text`, buffered per launch and written
 * to stdout (fwrite + fflush, under a lock) in one piece when the launch
 * completes, before its stream work item finishes (so it is out by the next
 * synchronisation). Called outside kernel code it writes at once. */
PYGPU_SIM_EXPORT void pygpu_sim_print(const char* text, size_t n);

/* The calling kernel thread's context; NULL outside kernel code. */
PYGPU_SIM_EXPORT pygpu_sim_thread_context* pygpu_sim_current_thread(void);

/* __device__ and __constant__ variables: generated code registers each at
 * load (a static constructor) and unregisters it at unload (a destructor).
 * A registered global is device memory for every pointer check of the
 * simulator (cudaMemcpy to or from it works, cudaPointerGetAttributes says
 * device), is never reported as a leak, and cannot be cudaFree'd
 * (cudaErrorInvalidValue). Symbols are keyed by `addr`, the variable's host
 * address (what cudaMemcpyToSymbol and cudaGetSymbolAddress take); there is
 * one copy for all devices, and registered globals survive cudaDeviceReset
 * like code does. cudaErrorInvalidValue for a NULL address, size 0 or
 * NULL name, or a range overlapping another global or a device allocation;
 * registering the same (addr, size) again replaces the name. Unregistering
 * an address that is not registered is cudaErrorInvalidSymbol. */
PYGPU_SIM_EXPORT int pygpu_sim_register_global(const void* addr, size_t size, const char* name);
PYGPU_SIM_EXPORT int pygpu_sim_unregister_global(const void* addr);

/* Ends the launch with `code` (cudaErrorIllegalAddress, cudaErrorLaunchFailure,
 * ...); the message names the kernel, block and thread. */
PYGPU_SIM_EXPORT PYGPU_SIM_NORETURN void pygpu_sim_kernel_error(int code, const char* detail);
/* A failed assert: cudaErrorAssert. */
PYGPU_SIM_EXPORT PYGPU_SIM_NORETURN void pygpu_sim_kernel_assert_failed(const char* expr, const char* file, int line);

#ifdef __cplusplus
}
#endif

#endif /* PYGPU_SIM_KERNEL_ABI_H */
