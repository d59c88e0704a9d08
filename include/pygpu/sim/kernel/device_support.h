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

/* Each is declared under its own C++ name with the C library's symbol as its
 * assembler name: GCC knows printf, puts, ... as builtins of default
 * visibility and would refuse `hidden` on them. */
#define PYGPU_SIM_SUPPORT_(symbol) __asm__(symbol) __attribute__((weak, visibility("hidden")))

extern "C" {

int pygpu_sim_vprintf_(const char* format, va_list args) PYGPU_SIM_SUPPORT_("vprintf");
int pygpu_sim_printf_(const char* format, ...) PYGPU_SIM_SUPPORT_("printf");
int pygpu_sim_vprintf_chk_(int flag, const char* format, va_list args) PYGPU_SIM_SUPPORT_("__vprintf_chk");
int pygpu_sim_printf_chk_(int flag, const char* format, ...) PYGPU_SIM_SUPPORT_("__printf_chk");
int pygpu_sim_puts_(const char* text) PYGPU_SIM_SUPPORT_("puts");
int pygpu_sim_putchar_(int c) PYGPU_SIM_SUPPORT_("putchar");
void pygpu_sim_assert_fail_(const char* expr, const char* file, unsigned int line, const char* function)
    PYGPU_SIM_SUPPORT_("__assert_fail");

int pygpu_sim_vprintf_(const char* format, va_list args) {
    return pygpu_sim_k::current != nullptr ? pygpu_sim_k::device_vprintf(format, args) : vfprintf(stdout, format, args);
}
int pygpu_sim_printf_(const char* format, ...) {
    va_list args;
    va_start(args, format);
    const int n = pygpu_sim_vprintf_(format, args);
    va_end(args);
    return n;
}
int pygpu_sim_vprintf_chk_(int, const char* format, va_list args) { return pygpu_sim_vprintf_(format, args); }
int pygpu_sim_printf_chk_(int, const char* format, ...) {
    va_list args;
    va_start(args, format);
    const int n = pygpu_sim_vprintf_(format, args);
    va_end(args);
    return n;
}
int pygpu_sim_puts_(const char* text) {
    if (pygpu_sim_k::current == nullptr) return fputs(text, stdout) < 0 ? EOF : fputc('\n', stdout);
    return pygpu_sim_k::device_printf("%s\n", text);
}
int pygpu_sim_putchar_(int c) {
    if (pygpu_sim_k::current == nullptr) return fputc(c, stdout);
    const char ch = static_cast<char>(c);
    pygpu_sim_print(&ch, 1);
    return static_cast<unsigned char>(ch);
}
void pygpu_sim_assert_fail_(const char* expr, const char* file, unsigned int line, const char* function) {
    if (pygpu_sim_k::current != nullptr) pygpu_sim_k::device_assert_fail(expr, file, line);
    using assert_fail_fn = void (*)(const char*, const char*, unsigned int, const char*);
    const auto real = reinterpret_cast<assert_fail_fn>(dlsym(RTLD_NEXT, "__assert_fail"));
    if (real != nullptr) real(expr, file, line, function);
    abort();
}

}  // extern "C"

#undef PYGPU_SIM_SUPPORT_

#endif /* PYGPU_SIM_KERNEL_DEVICE_SUPPORT_H */
