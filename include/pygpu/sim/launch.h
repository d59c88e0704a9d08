/* Kernels on the simulated device: how compiled kernel code registers itself
 * with libpygpu_sim, and what a kernel's code sees while it runs.
 *
 * The compiler driver's generated code (and, until it exists, hand-written
 * kernels) registers each kernel once, keyed by the address of its host
 * stub, the function host code names in cudaLaunchKernel:
 *
 *     static void vadd(const float* a, const float* b, float* c, int n) {}  // the host stub
 *     static const size_t sizes[] = {sizeof(float*), sizeof(float*), sizeof(float*), sizeof(int)};
 *     pygpu_sim_kernel_desc d = {PYGPU_SIM_KERNEL_ABI_VERSION, "vadd", vadd_block, NULL, 0, 4, sizes};
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

#include "../sim_library.h" /* PYGPU_SIM_EXPORT */

#define PYGPU_SIM_KERNEL_ABI_VERSION 1

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

/* What every thread of one block sees. */
typedef struct pygpu_sim_block_context {
    pygpu_sim_dim3 block_idx;
    pygpu_sim_dim3 block_dim;
    pygpu_sim_dim3 grid_dim;
    void* shared;        /* the block's shared memory (static + dynamic), 16-byte aligned */
    size_t shared_bytes;
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
    size_t static_shared_bytes;      /* __shared__ variables, before the launch's dynamic shared memory */
    unsigned int param_count;
    const size_t* param_sizes;       /* param_count sizes, in bytes; copied */
} pygpu_sim_kernel_desc;

/* Registers (or re-registers) the kernel whose host stub is `host_stub`.
 * cudaErrorInvalidValue (and the last error) for a null stub or desc, another
 * ABI version, no name, not exactly one entry, or missing/zero param sizes. */
PYGPU_SIM_EXPORT int pygpu_sim_register_kernel(const void* host_stub, const pygpu_sim_kernel_desc* desc);

/* Where a barrier is in the source: one static object per call site. */
typedef struct pygpu_sim_sync_site {
    const char* what; /* "__syncthreads", ... */
    const char* file;
    int line;
} pygpu_sim_sync_site;

/* __syncthreads_count: how many threads of the block passed a nonzero
 * predicate (only in run_thread kernels). */
PYGPU_SIM_EXPORT int pygpu_sim_block_barrier(const pygpu_sim_sync_site* site, int predicate);

/* Ends the launch with `code` (cudaErrorIllegalAddress, cudaErrorLaunchFailure,
 * ...); the message names the kernel, block and thread. */
PYGPU_SIM_EXPORT PYGPU_SIM_NORETURN void pygpu_sim_kernel_error(int code, const char* detail);
/* A failed assert: cudaErrorAssert. */
PYGPU_SIM_EXPORT PYGPU_SIM_NORETURN void pygpu_sim_kernel_assert_failed(const char* expr, const char* file, int line);

#ifdef __cplusplus
}
#endif

#endif /* PYGPU_SIM_KERNEL_ABI_H */
