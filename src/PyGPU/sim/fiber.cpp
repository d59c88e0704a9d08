#include "PyGPU/sim/fiber.h"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#ifdef PYGPU_SIM_FIBER_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

// pygpu_sim_fiber_switch(void** save_sp, void* load_sp): pushes the
// callee-saved registers, stores the stack pointer in *save_sp, loads
// load_sp and pops the other context's registers; its `ret` continues that
// context. pygpu_sim_fiber_start is where a new fiber's first switch
// returns to: it calls entry(arg), both left in callee-saved registers by
// fiber_prepare.
#if defined(__x86_64__)
// Frame (low to high): r15 r14 r13 r12 rbx rbp, return address.
asm(R"(
    .text
    .globl pygpu_sim_fiber_switch
    .hidden pygpu_sim_fiber_switch
    .type pygpu_sim_fiber_switch, @function
    .p2align 4
pygpu_sim_fiber_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size pygpu_sim_fiber_switch, .-pygpu_sim_fiber_switch

    .globl pygpu_sim_fiber_start
    .hidden pygpu_sim_fiber_start
    .type pygpu_sim_fiber_start, @function
    .p2align 4
pygpu_sim_fiber_start:
    movq %r12, %rdi
    callq *%r13
    ud2
    .size pygpu_sim_fiber_start, .-pygpu_sim_fiber_start
)");
#elif defined(__aarch64__)
// Frame (low to high, 176 bytes): x19..x28, x29 x30, d8..d15, 16 spare.
asm(R"(
    .text
    .globl pygpu_sim_fiber_switch
    .hidden pygpu_sim_fiber_switch
    .type pygpu_sim_fiber_switch, %function
    .p2align 4
pygpu_sim_fiber_switch:
    sub sp, sp, #176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mov x2, sp
    str x2, [x0]
    mov sp, x1
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #176
    ret
    .size pygpu_sim_fiber_switch, .-pygpu_sim_fiber_switch

    .globl pygpu_sim_fiber_start
    .hidden pygpu_sim_fiber_start
    .type pygpu_sim_fiber_start, %function
    .p2align 4
pygpu_sim_fiber_start:
    mov x0, x19
    blr x20
    brk #0
    .size pygpu_sim_fiber_start, .-pygpu_sim_fiber_start
)");
#else
#error "the simulated device's fibers support x86-64 and aarch64 only (src/PyGPU/sim/fiber.cpp)"
#endif

extern "C" void pygpu_sim_fiber_switch(void** save_sp, void* load_sp);
extern "C" void pygpu_sim_fiber_start();

namespace pygpu {
namespace sim {

void fiber_init_thread(Fiber& self) {
    self.sp = nullptr;
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void* addr = nullptr;
        size_t size = 0;
        if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
            self.stack_bottom = addr;
            self.stack_size = size;
        }
        pthread_attr_destroy(&attr);
    }
}

void fiber_prepare(Fiber& f, void* bottom, size_t size, FiberEntry entry, void* arg) {
#ifdef PYGPU_SIM_FIBER_ASAN
    // Whatever ran here last left the red zones of its live frames poisoned
    // (a fiber abandoned by a kernel error never unwinds): clear what it
    // used, [its last stack pointer, top), or the whole stack when unknown.
    char* const low = static_cast<char*>(bottom);
    char* const last = static_cast<char*>(f.sp);
    if (f.stack_bottom == bottom && last >= low && last < low + size) {
        ASAN_UNPOISON_MEMORY_REGION(last, static_cast<size_t>(low + size - last));
    } else {
        ASAN_UNPOISON_MEMORY_REGION(bottom, size);
    }
    f.fake_stack = nullptr;
#endif
    f.stack_bottom = bottom;
    f.stack_size = size;
    const uintptr_t top = (reinterpret_cast<uintptr_t>(bottom) + size) & ~uintptr_t(15);
    const uintptr_t start = reinterpret_cast<uintptr_t>(&pygpu_sim_fiber_start);
#if defined(__x86_64__)
    // After the six pops and the ret, rsp = top - 16: 16-byte aligned at
    // pygpu_sim_fiber_start's call, as the ABI wants.
    uintptr_t* frame = reinterpret_cast<uintptr_t*>(top - 72);
    frame[0] = 0;                                     // r15
    frame[1] = 0;                                     // r14
    frame[2] = reinterpret_cast<uintptr_t>(entry);    // r13
    frame[3] = reinterpret_cast<uintptr_t>(arg);      // r12
    frame[4] = 0;                                     // rbx
    frame[5] = 0;                                     // rbp: ends frame-pointer walks
    frame[6] = start;                                 // return address
    frame[7] = 0;
    frame[8] = 0;
#else
    uintptr_t* frame = reinterpret_cast<uintptr_t*>(top - 176);
    for (int i = 0; i < 22; ++i) frame[i] = 0;
    frame[0] = reinterpret_cast<uintptr_t>(arg);    // x19
    frame[1] = reinterpret_cast<uintptr_t>(entry);  // x20
    frame[11] = start;                              // x30 (lr); x29 = 0 ends frame walks
#endif
    f.sp = frame;
}

void fiber_switch(Fiber& from, Fiber& to) {
#ifdef PYGPU_SIM_FIBER_ASAN
    __sanitizer_start_switch_fiber(&from.fake_stack, to.stack_bottom, to.stack_size);
    pygpu_sim_fiber_switch(&from.sp, to.sp);
    __sanitizer_finish_switch_fiber(from.fake_stack, nullptr, nullptr);
#else
    pygpu_sim_fiber_switch(&from.sp, to.sp);
#endif
}

void fiber_exit(Fiber& from, Fiber& to) {
#ifdef PYGPU_SIM_FIBER_ASAN
    // nullptr: this fiber never resumes, ASan may free its fake frames.
    __sanitizer_start_switch_fiber(nullptr, to.stack_bottom, to.stack_size);
#endif
    pygpu_sim_fiber_switch(&from.sp, to.sp);
    std::fprintf(stderr, "PyGPU simulator: a finished fiber was resumed\n");
    std::abort();
}

void fiber_entered() {
#ifdef PYGPU_SIM_FIBER_ASAN
    __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
#endif
}

StackPool::StackPool(size_t stack_bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    stack_bytes_ = (stack_bytes + page - 1) / page * page;
}

StackPool::~StackPool() {
    for (const Region& r : regions_) munmap(r.base, r.bytes);
}

bool StackPool::reserve(size_t n) {
    if (n <= stacks_.size()) return true;
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t count = n - stacks_.size();
    const size_t slot = stack_bytes_ + page;  // guard page below each stack
    const size_t bytes = count * slot;
    void* base = mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) return false;
    char* p = static_cast<char*>(base);
    for (size_t i = 0; i < count; ++i) {
        if (mprotect(p + i * slot + page, stack_bytes_, PROT_READ | PROT_WRITE) != 0) {
            munmap(base, bytes);
            return false;
        }
    }
    try {
        regions_.push_back(Region{base, bytes});
        for (size_t i = 0; i < count; ++i) stacks_.push_back(p + i * slot + page);
    } catch (...) {
        munmap(base, bytes);
        stacks_.resize(n - count);
        if (!regions_.empty() && regions_.back().base == base) regions_.pop_back();
        return false;
    }
    return true;
}

}  // namespace sim
}  // namespace pygpu
