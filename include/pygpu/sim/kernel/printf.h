/* Kernel language, simulated device: printf in kernel code.
 *
 * Kernel code calls the C library's printf (std::printf and ::printf are
 * one function). The kernel library gets its own hidden definition of
 * printf (and vprintf, puts, putchar, which GCC may turn a printf into), in
 * device_support.h: in a kernel thread (pygpu_sim_k::current set) the text
 * is formatted and handed to pygpu_sim_print, which buffers it per launch and
 * writes it to stdout when the launch completes, in order; elsewhere it is
 * the C library's. pygpu_sim_k::device_printf is the kernel side.
 */
#ifndef PYGPU_SIM_KERNEL_PRINTF_H
#define PYGPU_SIM_KERNEL_PRINTF_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "context.h"

namespace pygpu_sim_k {

// Formats into a buffer (on the stack for short lines) and prints it as one
// piece, so the lines of concurrent threads never interleave.
inline int device_vprintf(const char* format, va_list args) {
    char local[512];
    va_list again;
    va_copy(again, args);
    const int n = vsnprintf(local, sizeof local, format, args);
    if (n < 0) {
        va_end(again);
        return n;
    }
    if (static_cast<size_t>(n) < sizeof local) {
        pygpu_sim_print(local, static_cast<size_t>(n));
    } else {
        char* big = static_cast<char*>(malloc(static_cast<size_t>(n) + 1));  // fiber stacks are small
        if (big == nullptr) {
            va_end(again);
            return -1;
        }
        vsnprintf(big, static_cast<size_t>(n) + 1, format, again);
        pygpu_sim_print(big, static_cast<size_t>(n));
        free(big);
    }
    va_end(again);
    return n;
}

__attribute__((format(printf, 1, 2))) inline int device_printf(const char* format, ...) {
    va_list args;
    va_start(args, format);
    const int n = device_vprintf(format, args);
    va_end(args);
    return n;
}

}  // namespace pygpu_sim_k

#endif /* PYGPU_SIM_KERNEL_PRINTF_H */
