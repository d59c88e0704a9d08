/* Kernel language, simulated device: CUDA's type conversion intrinsics.
 *
 * __float2int_rn ... __double2ull_rd round in the named mode and saturate as
 * PTX's cvt does (a value past the range gives the nearest bound, NaN gives
 * 0); __int2float_rz ... __double2float_ru round in the named mode; the
 * reinterpretations (__float_as_int, __double2hiint, ...) copy bits.
 *
 * One table: PYGPU_SIM_FLOAT_TO_INT(X) lists X(float type, its name, integer
 * type, its name, lowest value as float, bound past the highest as float).
 */
#ifndef PYGPU_SIM_KERNEL_CONVERSIONS_H
#define PYGPU_SIM_KERNEL_CONVERSIONS_H

#include "rounding.h"

namespace pygpu_sim_k {

template <class To, class From>
inline To bit_cast(From from) {
    static_assert(sizeof(To) == sizeof(From), "same size");
    To to;
    __builtin_memcpy(&to, &from, sizeof(To));
    return to;
}

inline float round_integral(float x, int mode) {
    switch (mode) {
        case FE_TOWARDZERO: return __builtin_truncf(x);
        case FE_UPWARD: return __builtin_ceilf(x);
        case FE_DOWNWARD: return __builtin_floorf(x);
        default: return __builtin_roundevenf(x);
    }
}
inline double round_integral(double x, int mode) {
    switch (mode) {
        case FE_TOWARDZERO: return __builtin_trunc(x);
        case FE_UPWARD: return __builtin_ceil(x);
        case FE_DOWNWARD: return __builtin_floor(x);
        default: return __builtin_roundeven(x);
    }
}
// Round in `mode`, then saturate to [lo, hi) (hi: the first value past the
// type's range, a power of two and so exact), NaN to 0.
template <class I, class F>
inline I saturate(F x, int mode, F lo, F hi, I lowest, I highest) {
    const F r = round_integral(x, mode);
    if (r != r) return 0;
    if (r <= lo) return lowest;
    if (r >= hi) return highest;
    return static_cast<I>(r);
}

}  // namespace pygpu_sim_k

#define PYGPU_SIM_FLOAT_TO_INT(X)                                                                      \
    X(float, float, int, int, -2147483648.0f, 2147483648.0f, (-2147483647 - 1), 2147483647)            \
    X(float, float, unsigned int, uint, 0.0f, 4294967296.0f, 0u, 4294967295u)                          \
    X(float, float, long long, ll, -9223372036854775808.0f, 9223372036854775808.0f,                    \
      (-9223372036854775807LL - 1), 9223372036854775807LL)                                             \
    X(float, float, unsigned long long, ull, 0.0f, 18446744073709551616.0f, 0ull, 18446744073709551615ull) \
    X(double, double, int, int, -2147483648.0, 2147483648.0, (-2147483647 - 1), 2147483647)            \
    X(double, double, unsigned int, uint, 0.0, 4294967296.0, 0u, 4294967295u)                          \
    X(double, double, long long, ll, -9223372036854775808.0, 9223372036854775808.0,                    \
      (-9223372036854775807LL - 1), 9223372036854775807LL)                                             \
    X(double, double, unsigned long long, ull, 0.0, 18446744073709551616.0, 0ull, 18446744073709551615ull)

#define PYGPU_SIM_FLOAT_TO_INT_MODE_(r, mode, F, f, I, i, lo, hi, lowest, highest)                     \
    inline I __##f##2##i##_##r(F x) { return pygpu_sim_k::saturate<I, F>(x, mode, lo, hi, lowest, highest); }
#define PYGPU_SIM_FLOAT_TO_INT_(F, f, I, i, lo, hi, lowest, highest)                                   \
    PYGPU_SIM_FLOAT_TO_INT_MODE_(rn, FE_TONEAREST, F, f, I, i, lo, hi, lowest, highest)                \
    PYGPU_SIM_FLOAT_TO_INT_MODE_(rz, FE_TOWARDZERO, F, f, I, i, lo, hi, lowest, highest)               \
    PYGPU_SIM_FLOAT_TO_INT_MODE_(ru, FE_UPWARD, F, f, I, i, lo, hi, lowest, highest)                   \
    PYGPU_SIM_FLOAT_TO_INT_MODE_(rd, FE_DOWNWARD, F, f, I, i, lo, hi, lowest, highest)
PYGPU_SIM_FLOAT_TO_INT(PYGPU_SIM_FLOAT_TO_INT_)
#undef PYGPU_SIM_FLOAT_TO_INT_
#undef PYGPU_SIM_FLOAT_TO_INT_MODE_

/* Integer (and double) to floating point, in each mode: X(from type, its
 * name, to type, its name). */
#define PYGPU_SIM_TO_FLOAT(X)                                                                          \
    X(int, int, float, float) X(unsigned int, uint, float, float) X(long long, ll, float, float)       \
    X(unsigned long long, ull, float, float) X(long long, ll, double, double)                           \
    X(unsigned long long, ull, double, double) X(double, double, float, float)
#define PYGPU_SIM_TO_FLOAT_MODE_(r, mode, A, a, B, b)                                                  \
    inline B __##a##2##b##_##r(A x) {                                                                  \
        return pygpu_sim_k::rounded(mode, [&] { return static_cast<B>(pygpu_sim_k::opaque(x)); });     \
    }
#define PYGPU_SIM_TO_FLOAT_(A, a, B, b)                                                                \
    PYGPU_SIM_TO_FLOAT_MODE_(rn, FE_TONEAREST, A, a, B, b)                                             \
    PYGPU_SIM_TO_FLOAT_MODE_(rz, FE_TOWARDZERO, A, a, B, b)                                            \
    PYGPU_SIM_TO_FLOAT_MODE_(ru, FE_UPWARD, A, a, B, b)                                                \
    PYGPU_SIM_TO_FLOAT_MODE_(rd, FE_DOWNWARD, A, a, B, b)
PYGPU_SIM_TO_FLOAT(PYGPU_SIM_TO_FLOAT_)
#undef PYGPU_SIM_TO_FLOAT_
#undef PYGPU_SIM_TO_FLOAT_MODE_
/* Exact conversions: CUDA names only the _rn form. */
inline double __int2double_rn(int x) { return x; }
inline double __uint2double_rn(unsigned int x) { return x; }

/* Reinterpretations. */
inline int __float_as_int(float x) { return pygpu_sim_k::bit_cast<int>(x); }
inline float __int_as_float(int x) { return pygpu_sim_k::bit_cast<float>(x); }
inline unsigned int __float_as_uint(float x) { return pygpu_sim_k::bit_cast<unsigned int>(x); }
inline float __uint_as_float(unsigned int x) { return pygpu_sim_k::bit_cast<float>(x); }
inline long long __double_as_longlong(double x) { return pygpu_sim_k::bit_cast<long long>(x); }
inline double __longlong_as_double(long long x) { return pygpu_sim_k::bit_cast<double>(x); }
inline int __double2hiint(double x) { return static_cast<int>(pygpu_sim_k::bit_cast<unsigned long long>(x) >> 32); }
inline int __double2loint(double x) { return static_cast<int>(pygpu_sim_k::bit_cast<unsigned long long>(x) & 0xffffffffu); }
inline double __hiloint2double(int hi, int lo) {
    return pygpu_sim_k::bit_cast<double>(static_cast<unsigned long long>(static_cast<unsigned int>(hi)) << 32 |
                                         static_cast<unsigned int>(lo));
}

#endif /* PYGPU_SIM_KERNEL_CONVERSIONS_H */
