/* Kernel language, simulated device: assert in kernel code.
 *
 * Kernel code uses the C library's assert (<assert.h>, NDEBUG removes it as
 * on CUDA). Its failure calls __assert_fail, which the kernel library
 * defines itself (hidden, in device_support.h): in a kernel thread
 * (pygpu_sim_k::current set) a failed assert ends the launch with
 * cudaErrorAssert (710, sticky), the message naming the expression, file,
 * line, kernel, block and thread; elsewhere it is the C library's (the
 * process aborts). pygpu_sim_k::device_assert_fail is the kernel side.
 */
#ifndef PYGPU_SIM_KERNEL_ASSERT_H
#define PYGPU_SIM_KERNEL_ASSERT_H

#include <assert.h>

#include "context.h"

namespace pygpu_sim_k {

[[noreturn]] inline void device_assert_fail(const char* expr, const char* file, unsigned int line) {
    pygpu_sim_kernel_assert_failed(expr, file, static_cast<int>(line));
}

}  // namespace pygpu_sim_k

#endif /* PYGPU_SIM_KERNEL_ASSERT_H */
