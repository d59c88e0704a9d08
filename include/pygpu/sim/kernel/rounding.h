/* Kernel language, simulated device: one operation under an IEEE rounding
 * mode (the _rn/_rz/_ru/_rd intrinsics of math_functions.h and
 * conversions.h). The operation runs between volatile accesses, so the
 * compiler can neither fold it nor move it out of the mode's scope. */
#ifndef PYGPU_SIM_KERNEL_ROUNDING_H
#define PYGPU_SIM_KERNEL_ROUNDING_H

#include <fenv.h>

namespace pygpu_sim_k {

template <class F>
inline auto rounded(int mode, F f) -> decltype(f()) {
    const int old = fegetround();
    fesetround(mode);
    const volatile decltype(f()) result = f();
    fesetround(old);
    return result;
}

template <class T>
inline T opaque(T v) {
    const volatile T copy = v;
    return copy;
}

}  // namespace pygpu_sim_k

/* X(suffix, mode): CUDA's four rounding suffixes. */
#define PYGPU_SIM_ROUNDING_MODES(X) X(rn, FE_TONEAREST) X(rz, FE_TOWARDZERO) X(ru, FE_UPWARD) X(rd, FE_DOWNWARD)

#endif /* PYGPU_SIM_KERNEL_ROUNDING_H */
