/* Kernel language, simulated device: loads and stores with cache hints
 * (__ldg, __ldcg, ..., __stcs: plain accesses here), clocks, __nanosleep,
 * __trap. */
#ifndef PYGPU_SIM_KERNEL_DEVICE_FUNCTIONS_H
#define PYGPU_SIM_KERNEL_DEVICE_FUNCTIONS_H

#include <time.h>

#include "../cuda_runtime_api.h"
#include "context.h"

#define PYGPU_SIM_LOADS(X) X(__ldg) X(__ldcg) X(__ldca) X(__ldcs) X(__ldlu) X(__ldcv)
#define PYGPU_SIM_LOAD_(name) \
    template <class T>        \
    inline T name(const T* p) { return *p; }
PYGPU_SIM_LOADS(PYGPU_SIM_LOAD_)
#undef PYGPU_SIM_LOAD_
#define PYGPU_SIM_STORES(X) X(__stwb) X(__stcg) X(__stcs) X(__stwt)
#define PYGPU_SIM_STORE_(name) \
    template <class T>         \
    inline void name(T* p, T value) { *p = value; }
PYGPU_SIM_STORES(PYGPU_SIM_STORE_)
#undef PYGPU_SIM_STORE_

/* clock() is the C library's (processor time, a clock_t as on CUDA);
 * clock64() and __globaltimer() count nanoseconds of the monotonic clock. */
inline long long clock64() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}
inline unsigned long long __globaltimer() { return static_cast<unsigned long long>(clock64()); }
inline void __nanosleep(unsigned int ns) {
    struct timespec ts = {0, static_cast<long>(ns < 1000000u ? ns : 1000000u)};  // CUDA: at most ~1 ms
    nanosleep(&ts, nullptr);
}

/* Ends the launch with cudaErrorLaunchFailure (a trap, as on CUDA). */
[[noreturn]] inline void __trap() { pygpu_sim_kernel_error(cudaErrorLaunchFailure, "__trap() called"); }
[[noreturn]] inline void __brkpt() { pygpu_sim_kernel_error(cudaErrorLaunchFailure, "__brkpt() called"); }

#endif /* PYGPU_SIM_KERNEL_DEVICE_FUNCTIONS_H */
