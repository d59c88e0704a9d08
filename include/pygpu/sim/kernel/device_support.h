/* Kernel language, simulated device: the definitions every kernel library
 * links once, so that printf and assert work in kernel code whatever the
 * include order or the macros of the user's source.
 *
 * The compiler driver compiles one translation unit
 *
 *     #include <pygpu/sim/kernel/device_support.h>
 *
 * into every library (or a source defines PYGPU_SIM_DEVICE_SUPPORT before
 * including cuda_runtime.h). It defines printf, vprintf, puts, putchar (what
 * GCC turns some printf calls into), glibc's fortified __printf_chk and
 * __vprintf_chk, and __assert_fail (glibc's assert target), all hidden and
 * weak: calls from the library bind to them, nothing outside sees them, and
 * a second copy (in another translation unit) is harmless. Each routes at
 * run time: in a kernel thread (pygpu_sim_k::current set) to the simulated
 * device (printf.h, assert.h), elsewhere to the C library. Compile the
 * kernel sources with -fno-builtin-printf so that GCC keeps printf a call.
 */
#ifndef PYGPU_SIM_KERNEL_DEVICE_SUPPORT_H
#define PYGPU_SIM_KERNEL_DEVICE_SUPPORT_H

#include <dlfcn.h>
#include <stdlib.h>

#include "assert.h"
#include "printf.h"

#define PYGPU_SIM_SUPPORT_ __attribute__((weak, visibility("hidden")))

extern "C" {

PYGPU_SIM_SUPPORT_ int vprintf(const char* format, va_list args) {
    return pygpu_sim_k::current != nullptr ? pygpu_sim_k::device_vprintf(format, args) : vfprintf(stdout, format, args);
}
PYGPU_SIM_SUPPORT_ int printf(const char* format, ...) {
    va_list args;
    va_start(args, format);
    const int n = vprintf(format, args);
    va_end(args);
    return n;
}
PYGPU_SIM_SUPPORT_ int __vprintf_chk(int, const char* format, va_list args) { return vprintf(format, args); }
PYGPU_SIM_SUPPORT_ int __printf_chk(int, const char* format, ...) {
    va_list args;
    va_start(args, format);
    const int n = vprintf(format, args);
    va_end(args);
    return n;
}
PYGPU_SIM_SUPPORT_ int puts(const char* text) {
    if (pygpu_sim_k::current == nullptr) return fputs(text, stdout) < 0 ? EOF : fputc('\n', stdout);
    return pygpu_sim_k::device_printf("%s\n", text);
}
PYGPU_SIM_SUPPORT_ int putchar(int c) {
    if (pygpu_sim_k::current == nullptr) return fputc(c, stdout);
    const char ch = static_cast<char>(c);
    pygpu_sim_print(&ch, 1);
    return static_cast<unsigned char>(ch);
}
PYGPU_SIM_SUPPORT_ void __assert_fail(const char* expr, const char* file, unsigned int line,
                                      const char* function) noexcept {
    if (pygpu_sim_k::current != nullptr) pygpu_sim_k::device_assert_fail(expr, file, line);
    using assert_fail_fn = void (*)(const char*, const char*, unsigned int, const char*);
    const auto real = reinterpret_cast<assert_fail_fn>(dlsym(RTLD_NEXT, "__assert_fail"));
    if (real != nullptr) real(expr, file, line, function);
    abort();
}

}  // extern "C"

#undef PYGPU_SIM_SUPPORT_

#endif /* PYGPU_SIM_KERNEL_DEVICE_SUPPORT_H */
