#include "PyGPU/sim/fault.h"

#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <string>

#include "PyGPU/sim/errors.h"
#include "PyGPU/sim/fiber.h"
#include "PyGPU/sim/grid.h"

#ifdef PYGPU_SIM_FIBER_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace pygpu {
namespace sim {

namespace {

// The handler's own stack per worker: enough for a sanitizer's handler too,
// when a fault that is not a kernel's is passed on to it; untouched pages
// cost nothing.
constexpr size_t kAltStackBytes = size_t(256) << 10;

enum class FaultAccess : unsigned char { unknown, read, write };

// What the handler saw, for fault_resume(). One per worker thread, made by
// fault_thread_start() and never freed (workers live as long as the process).
struct FaultRecord {
    uintptr_t address = 0;
    FaultAccess access = FaultAccess::unknown;
    bool overflow = false;  // below the fiber's stack: a stack overflow
    FaultScene scene;
    char detail[1024];
};

// The workers' handler stacks and records. The handler finds its worker by
// where its own frame is (on that worker's alternate stack), not through a
// thread-local: a thread-local of a dlopen'ed library may be allocated, with
// malloc, on a thread's first use (any thread may fault), and an
// initial-exec one takes static TLS space a dlopen can run out of.
struct FaultWorker {
    uintptr_t low;  // its alternate stack, [low, high)
    uintptr_t high;
    FaultRecord* record;
};
// More than the engine's pool can have (grid.h's kMaxWorkers).
constexpr size_t kMaxFaultWorkers = 4096;
FaultWorker g_workers[kMaxFaultWorkers];
std::atomic<size_t> g_worker_count{0};
std::mutex g_workers_mu;

// The record of the worker whose alternate stack the handler runs on, or NULL.
__attribute__((noinline)) FaultRecord* this_workers_record() {
    const uintptr_t here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    const size_t n = g_worker_count.load(std::memory_order_acquire);
    for (size_t i = 0; i < n; ++i) {
        if (here >= g_workers[i].low && here < g_workers[i].high) return g_workers[i].record;
    }
    return nullptr;
}

struct sigaction g_previous_segv;
struct sigaction g_previous_bus;
std::once_flag g_install_once;
// Set once at load, before any grid runs.
FaultHooks g_hooks;
size_t g_page = 4096;

// A fault that is not a kernel's: to the handler installed before this one.
void pass_on(int sig, siginfo_t* info, void* context) {
    const struct sigaction& prev = sig == SIGBUS ? g_previous_bus : g_previous_segv;
    if ((prev.sa_flags & SA_SIGINFO) != 0 && prev.sa_sigaction != nullptr) {
        prev.sa_sigaction(sig, info, context);
        return;
    }
    if ((prev.sa_flags & SA_SIGINFO) == 0 && prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
        prev.sa_handler(sig);
        return;
    }
    // The default action: the faulting instruction runs again without a
    // handler and the process ends as it would have; a sent signal is sent again.
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, nullptr);
    if (info->si_code <= 0) raise(sig);
}

uintptr_t context_sp(const ucontext_t* uc) {
#if defined(__x86_64__)
    return static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
#else
    return static_cast<uintptr_t>(uc->uc_mcontext.sp);
#endif
}

[[noreturn]] void fault_resume(FaultRecord* r);

// Builds the report in the record (its strings die with this frame, before
// kernel_error abandons the fiber).
__attribute__((noinline)) void fault_describe(FaultRecord& r) {
    const char* access = r.access == FaultAccess::write ? "write to" : (r.access == FaultAccess::read ? "read of" : "access to");
    std::string text;
    const FaultScene& s = r.scene;
    if (r.overflow) {
        const size_t below = r.address < s.stack_low ? static_cast<size_t>(s.stack_low - r.address) : 0;
        text = format("stack overflow: the kernel thread used up its %zu KiB stack (%s 0x%zx, %zu bytes below it); "
                      "deep recursion or large local arrays do not fit a kernel thread's stack",
                      static_cast<size_t>(s.stack_high - s.stack_low) >> 10, access, static_cast<size_t>(r.address),
                      below);
    } else if (r.address >= s.shared_low && r.address < s.shared_high) {
        const uintptr_t end = s.block_shared + s.block_shared_bytes;
        const long long offset = static_cast<long long>(r.address - s.block_shared);
        text = format("illegal memory access: %s 0x%zx: shared memory, offset %lld of the block's %zu bytes (%s)",
                      access, static_cast<size_t>(r.address), offset, s.block_shared_bytes,
                      r.address >= end ? format("%zu bytes past its end", static_cast<size_t>(r.address - end)).c_str()
                                       : format("%zu bytes before its start",
                                                static_cast<size_t>(s.block_shared - r.address)).c_str());
    } else {
        text = format("illegal memory access: %s 0x%zx", access, static_cast<size_t>(r.address));
        if (g_hooks.describe != nullptr) text += ": " + g_hooks.describe(r.address);
    }
    const size_t n = std::min(text.size(), sizeof r.detail - 1);
    std::memcpy(r.detail, text.data(), n);
    r.detail[n] = '\0';
}

// Where a kernel's fault resumes: ordinary code on the fiber's stack, the
// signal unblocked again.
void fault_resume(FaultRecord* r) {
    fault_describe(*r);
    kernel_error(err::cudaErrorIllegalAddress, r->detail);
}

void on_fault(int sig, siginfo_t* info, void* context) {
    FaultRecord* r = this_workers_record();
    ucontext_t* uc = static_cast<ucontext_t*>(context);
    FaultScene scene;
    // A handler installed over this one (Python's faulthandler enabled after
    // the pool started) saw a kernel's fault first, put this one back and
    // raised the signal again: ignored, the access runs again and faults into
    // this handler.
    if (r != nullptr && info->si_code == SI_TKILL && info->si_pid == getpid() && fault_scene(&scene)) return;
    // A kernel's fault: raised by the hardware on a worker running kernel code on a fiber.
    if (r == nullptr || info->si_code <= 0 || uc == nullptr || !fault_scene(&scene)) {
        pass_on(sig, info, context);
        return;
    }
    const uintptr_t sp = context_sp(uc);
    if (sp > scene.stack_high || sp + kStackOverflowReach < scene.stack_low) {
        pass_on(sig, info, context);  // not on the fiber: the engine's own code
        return;
    }
    r->address = reinterpret_cast<uintptr_t>(info->si_addr);
    r->scene = scene;
    // An overflow: the stack pointer went below the stack, or an access (a
    // call's push) hit the guard page right below it.
    r->overflow = sp < scene.stack_low || (r->address < scene.stack_low && r->address + g_page >= scene.stack_low);
    r->access = FaultAccess::unknown;
#ifdef PYGPU_SIM_FIBER_ASAN
    // The abandoned frames' red zones would be taken for overflows of the new ones.
    ASAN_UNPOISON_MEMORY_REGION(reinterpret_cast<void*>(scene.stack_low), scene.stack_high - scene.stack_low);
#endif
    // Resume in fault_resume() on the top of the fiber's stack, as if called there.
    uintptr_t top = (scene.stack_high - 256) & ~uintptr_t(15);
#if defined(__x86_64__)
    if ((uc->uc_mcontext.gregs[REG_ERR] & 2) != 0) {
        r->access = FaultAccess::write;
    } else {
        r->access = FaultAccess::read;
    }
    top -= sizeof(uintptr_t);
    *reinterpret_cast<uintptr_t*>(top) = 0;  // the return address: none
    uc->uc_mcontext.gregs[REG_RSP] = static_cast<greg_t>(top);
    uc->uc_mcontext.gregs[REG_RBP] = 0;
    uc->uc_mcontext.gregs[REG_RDI] = static_cast<greg_t>(reinterpret_cast<uintptr_t>(r));
    uc->uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(reinterpret_cast<uintptr_t>(&fault_resume));
#else
    uc->uc_mcontext.sp = top;
    uc->uc_mcontext.regs[29] = 0;
    uc->uc_mcontext.regs[30] = 0;
    uc->uc_mcontext.regs[0] = reinterpret_cast<uintptr_t>(r);
    uc->uc_mcontext.pc = reinterpret_cast<uintptr_t>(&fault_resume);
#endif
}

void install_once() {
    g_page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_previous_segv);
    sigaction(SIGBUS, &sa, &g_previous_bus);
}

}  // namespace

void set_fault_hooks(const FaultHooks& hooks) { g_hooks = hooks; }

void fault_before_grid() {
    if (g_hooks.before_grid != nullptr) g_hooks.before_grid();
}

void fault_install() { std::call_once(g_install_once, install_once); }

bool fault_thread_start() {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    // A guard page below the handler's stack.
    void* base = mmap(nullptr, kAltStackBytes + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
    if (base == MAP_FAILED) return false;
    if (mprotect(base, page, PROT_NONE) != 0) {
        munmap(base, kAltStackBytes + page);
        return false;
    }
    stack_t ss;
    std::memset(&ss, 0, sizeof ss);
    ss.ss_sp = static_cast<char*>(base) + page;
    ss.ss_size = kAltStackBytes;
    if (sigaltstack(&ss, nullptr) != 0) {
        munmap(base, kAltStackBytes + page);
        return false;
    }
    std::lock_guard<std::mutex> lock(g_workers_mu);
    const size_t n = g_worker_count.load(std::memory_order_relaxed);
    if (n == kMaxFaultWorkers) return false;
    const uintptr_t low = reinterpret_cast<uintptr_t>(ss.ss_sp);
    g_workers[n] = FaultWorker{low, low + kAltStackBytes, new FaultRecord()};
    g_worker_count.store(n + 1, std::memory_order_release);
    return true;
}

}  // namespace sim
}  // namespace pygpu
