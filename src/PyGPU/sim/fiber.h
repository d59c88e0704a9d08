// User-space fibers for the kernel engine (grid.h): the threads of a block
// that uses barriers run as fibers on one worker thread, switched only at
// barriers and warp operations.
//
// The switch is hand-written assembly (fiber.cpp, x86-64 and aarch64): it
// saves the callee-saved registers on the current stack, swaps the stack
// pointer and restores the other context's registers, a few nanoseconds.
// ucontext's swapcontext would also save the signal mask, a system call per
// switch. The floating-point control state (MXCSR, x87 control word, FPCR)
// is not switched: every fiber of the simulator runs with the worker's.
//
// Stacks come from a per-worker StackPool: mmap'ed once, reused from block
// to block, each with a PROT_NONE guard page below it, so a kernel that
// overflows its stack faults instead of writing into its neighbour's.
//
// Under AddressSanitizer every switch is announced to the sanitizer
// (__sanitizer_start_switch_fiber / __sanitizer_finish_switch_fiber), which
// otherwise takes the new stack for a wild overflow of the old one; a stack
// is unpoisoned before reuse, since a fiber abandoned by a kernel error
// leaves the poisoned red zones of its frames behind.
#ifndef PYGPU_SIM_FIBER_H
#define PYGPU_SIM_FIBER_H

#include <cstddef>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define PYGPU_SIM_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PYGPU_SIM_FIBER_ASAN 1
#endif
#endif

namespace pygpu {
namespace sim {

// One execution context: a saved stack pointer (and, under ASan, what the
// sanitizer needs to know about its stack).
struct Fiber {
    void* sp = nullptr;
    const void* stack_bottom = nullptr;  // lowest address of its stack
    size_t stack_size = 0;
#ifdef PYGPU_SIM_FIBER_ASAN
    void* fake_stack = nullptr;  // ASan's stack-use-after-return frames
#endif
};

// The context of the calling OS thread, to switch away from and back to.
// Fills the stack bounds (needed under ASan) from the thread's attributes.
void fiber_init_thread(Fiber& self);

// Prepares `f` on the stack [bottom, bottom + size) so that the first switch
// to it calls entry(arg) on that stack. `entry` must never return: it ends
// with fiber_exit(). Whatever ran on the stack before is forgotten (under
// ASan, the part of the stack `f` used last is unpoisoned: pass the same `f`
// for the same stack each time, as StackPool users do).
using FiberEntry = void (*)(void* arg);
void fiber_prepare(Fiber& f, void* bottom, size_t size, FiberEntry entry, void* arg);

// Suspends `from` (the running context) and resumes `to`. Returns when some
// context switches back to `from`.
void fiber_switch(Fiber& from, Fiber& to);

// Leaves the running fiber for good and resumes `to`: used when a fiber's
// entry has finished or a kernel error abandons it.
[[noreturn]] void fiber_exit(Fiber& from, Fiber& to);

// Called first thing by a fiber entry (finishes the switch that started it).
void fiber_entered();

// Stacks for the fibers of one worker, reused from block to block. Stack i
// stays at one address for the pool's life.
class StackPool {
public:
    explicit StackPool(size_t stack_bytes);
    ~StackPool();
    StackPool(const StackPool&) = delete;
    StackPool& operator=(const StackPool&) = delete;

    // Makes at least n stacks available; false (and nothing changed) when
    // the system refuses the memory.
    bool reserve(size_t n);
    void* bottom(size_t i) const { return stacks_[i]; }
    // The bytes of stack i a fiber may use: the tops are staggered by a cache
    // line per stack (64 colours), since stacks a page-multiple apart would
    // otherwise put every fiber's top frame in the same L1 set and every
    // switch would miss the cache.
    size_t usable_bytes(size_t i) const { return stack_bytes_ - (i % 64) * 64; }
    size_t stack_bytes() const { return stack_bytes_; }
    size_t size() const { return stacks_.size(); }

private:
    struct Region {
        void* base;
        size_t bytes;
    };
    size_t stack_bytes_;
    std::vector<Region> regions_;
    std::vector<void*> stacks_;
};

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_FIBER_H
