// Faults in kernel code: a kernel's bad memory access on the simulated device
// ends its launch with cudaErrorIllegalAddress (700), sticky as every kernel
// error, never a crash of the process.
//
// A SIGSEGV/SIGBUS handler is installed when the engine's worker pool starts;
// each worker runs it on its own alternate signal stack (a fiber that has
// overflowed its stack has none left). A fault is a kernel's when the
// faulting thread runs kernel code (grid.cpp's fault_scene) on a fiber stack
// and the signal came from the hardware; any other fault goes to the handler
// that was there before (Python's faulthandler, a sanitizer's, or the default
// action), as if this one were not installed.
//
// For a kernel's fault the handler only records what it saw (address, access,
// stack pointer) in the thread's fault record and rewrites the interrupted
// context to resume in fault_resume() on the top of the fiber's own stack
// (the fiber is abandoned anyway). Returning from the handler restores the
// signal mask, so the report is built by ordinary code with the signal
// unblocked: no allocation or lock in the handler itself. fault_resume()
// names the access (describe_fault_address in memory.cpp: the nearest
// allocation, its label, how far past its end; shared memory and its offset;
// a stack overflow) and ends the thread through kernel_error().
//
// What makes a bad access fault: device allocations end flush against a
// PROT_NONE guard page and are PROT_NONE while quarantined after cudaFree
// (memory.cpp); each worker's shared-memory buffer lies between guard pages
// (grid.cpp); each fiber stack has a guard page below it (fiber.cpp).
#ifndef PYGPU_SIM_FAULT_H
#define PYGPU_SIM_FAULT_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace pygpu {
namespace sim {

// Installs the handler for SIGSEGV and SIGBUS (once per process; later calls
// do nothing). Called when the worker pool starts.
void fault_install();

// Gives the calling worker thread its alternate signal stack and its fault
// record. Once per worker (at most 4096), before it runs kernel code;
// false when the host refuses the memory (a fault on that thread is then not
// caught).
bool fault_thread_start();

// What the rest of the simulator adds, registered by memory.cpp at load (the
// engine linked alone, in tests/engine, has neither and says less):
//  - describe: what an address outside shared memory and the stacks is near,
//    for the report (memory.cpp's describe_fault_address);
//  - before_grid: called as each grid starts, before any of its kernel code
//    runs (memory.cpp makes freed device blocks PROT_NONE there, see memory.h).
struct FaultHooks {
    std::string (*describe)(uintptr_t address) = nullptr;
    void (*before_grid)() = nullptr;
};
void set_fault_hooks(const FaultHooks& hooks);
// Runs the before_grid hook (grid.cpp, at the start of run_grid).
void fault_before_grid();

// What the engine knows about the kernel thread running on the calling OS
// thread, for the handler: filled by grid.cpp, from the thread's state only
// (no lock, no allocation: it runs in the signal handler).
struct FaultScene {
    uintptr_t stack_low = 0;   // the fiber's stack, [stack_low, stack_high)
    uintptr_t stack_high = 0;
    uintptr_t shared_low = 0;  // the worker's shared buffer with its guard pages, [shared_low, shared_high)
    uintptr_t shared_high = 0;
    uintptr_t block_shared = 0;  // the running block's shared memory (BlockContext::shared)
    size_t block_shared_bytes = 0;
};
// False when the calling thread runs no kernel code (grid.cpp).
bool fault_scene(FaultScene* out);

// How far below a fiber's stack the stack pointer of a kernel's fault may be
// (a frame larger than the guard page jumps it: the fault is then further down).
constexpr size_t kStackOverflowReach = size_t(64) << 10;

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_FAULT_H
