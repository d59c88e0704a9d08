// Waiting for another thread of the simulator: spin a little, then sleep.
//
// CUDA's default schedule (cudaDeviceScheduleAuto, with fewer active contexts
// than cores) spins while it waits for the GPU rather than sleeping, because a
// thread put to sleep takes tens of microseconds to wake. The simulated
// device's hand-offs (a call to its stream's worker, the worker to the kernel
// engine's pool and back, the worker to a synchronising caller) would each pay
// that wake-up: on a virtual machine whose other cores are idle, four of them
// made an empty kernel launch plus cudaStreamSynchronize take 40 to 100 us.
// So every such wait first polls its condition for up to kSpinWait, pausing
// the core between polls and yielding it now and then (another runnable
// thread, possibly the one being waited for, gets the core), and only then
// blocks on its condition variable as before. A wait that ends within the
// window costs no system call on either side; a longer one costs the window
// once, in CPU time only.
#ifndef PYGPU_SIM_SPIN_H
#define PYGPU_SIM_SPIN_H

#include <chrono>
#include <thread>

namespace pygpu {
namespace sim {

constexpr std::chrono::microseconds kSpinWait{50};

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
}

// True as soon as ready() is; false when it was still not after kSpinWait
// (the caller then blocks). ready() must be cheap and lock-free (an atomic load).
template <class Ready>
bool spin_until(Ready ready) {
    if (ready()) return true;
    const auto deadline = std::chrono::steady_clock::now() + kSpinWait;
    for (unsigned n = 1;; ++n) {
        if (ready()) return true;
        if ((n & 63) == 0) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            std::this_thread::yield();
        } else {
            cpu_relax();
        }
    }
}

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_SPIN_H
