/* Kernel language, simulated device: IEEE binary16, CUDA's __half and
 * __half2 (cuda_fp16.h).
 *
 * Conversions from float and double round in software in the named mode
 * (round-to-nearest-even by default), NaN becomes CUDA's canonical 0x7fff;
 * __half to float is exact. Arithmetic is correctly rounded: +, -, *, / and
 * sqrt compute in float and round once more (float has 2*11+2 bits, so the
 * double rounding is innocuous); fma computes in double rounded to odd.
 * Host and kernel code share all of it.
 */
#ifndef PYGPU_SIM_KERNEL_HALF_H
#define PYGPU_SIM_KERNEL_HALF_H

#include <math.h>

#include "atomics.h"
#include "conversions.h"
#include "math_functions.h"
#include "rounding.h"
#include "vector_types.h"

struct __half_raw {
    unsigned short x;
};
struct __half2_raw {
    unsigned short x, y;
};

namespace pygpu_sim_k {

// Rounds sign * m * 2^(e - p) (m < 2^(p+1), its leading bit at p when
// normal) to binary16 in `mode`.
inline unsigned short to_half_bits(unsigned sign, int e, unsigned long long m, int p, int mode) {
    const unsigned short s = static_cast<unsigned short>(sign << 15);
    const unsigned short max_finite = static_cast<unsigned short>(s | 0x7bffu), inf = static_cast<unsigned short>(s | 0x7c00u);
    if (m == 0) return s;
    const bool away_from_zero_up = (mode == FE_UPWARD && sign == 0) || (mode == FE_DOWNWARD && sign != 0);
    if (e >= 16) return mode == FE_TONEAREST || away_from_zero_up ? inf : max_finite;
    // Normal halves keep 10 fraction bits; below 2^-14 the step is 2^-24.
    const int shift = p - 10 + (e < -14 ? -14 - e : 0);
    unsigned long long q, rem, half_way;
    if (shift >= 64) {
        q = 0; rem = m; half_way = ~0ull;  // far below half of the smallest subnormal
    } else {
        q = m >> shift; rem = m & ((1ull << shift) - 1); half_way = 1ull << (shift - 1);
    }
    unsigned h = e < -14 ? static_cast<unsigned>(q) : (static_cast<unsigned>(e + 15) << 10) + static_cast<unsigned>(q - 0x400);
    bool up = false;
    if (rem != 0) {
        if (mode == FE_TONEAREST) up = rem > half_way || (rem == half_way && (h & 1u) != 0);
        else up = away_from_zero_up;
    }
    return static_cast<unsigned short>(s | (h + (up ? 1u : 0u)));
}
inline unsigned short float_to_half(float f, int mode) {
    const unsigned b = bit_cast<unsigned>(f);
    const unsigned sign = b >> 31, exp = b >> 23 & 0xffu, frac = b & 0x7fffffu;
    if (exp == 0xff) return frac != 0 ? 0x7fff : static_cast<unsigned short>(sign << 15 | 0x7c00u);
    if (exp == 0) return to_half_bits(sign, -126, frac, 23, mode);  // subnormal floats: below every half
    return to_half_bits(sign, static_cast<int>(exp) - 127, frac | 0x800000u, 23, mode);
}
inline unsigned short double_to_half(double d, int mode) {
    const unsigned long long b = bit_cast<unsigned long long>(d);
    const unsigned sign = static_cast<unsigned>(b >> 63), exp = static_cast<unsigned>(b >> 52 & 0x7ffu);
    const unsigned long long frac = b & 0xfffffffffffffull;
    if (exp == 0x7ff) return frac != 0 ? 0x7fff : static_cast<unsigned short>(sign << 15 | 0x7c00u);
    if (exp == 0) return to_half_bits(sign, -1022, frac, 52, mode);
    return to_half_bits(sign, static_cast<int>(exp) - 1023, frac | 0x10000000000000ull, 52, mode);
}
inline float half_to_float(unsigned short h) {
    const unsigned sign = static_cast<unsigned>(h >> 15) << 31, exp = h >> 10 & 0x1fu, frac = h & 0x3ffu;
    if (exp == 0x1f) return bit_cast<float>(sign | 0x7f800000u | frac << 13);
    if (exp == 0) {
        const float v = static_cast<float>(frac) * 5.9604644775390625e-8f;  // frac * 2^-24, exact
        return sign != 0 ? -v : v;
    }
    return bit_cast<float>(sign | (exp + 112u) << 23 | frac << 13);
}
// fma in double rounded to odd, then to half: correctly rounded.
inline unsigned short fma_half(float a, float b, float c) {
    const double p = static_cast<double>(a) * b;  // exact
    const double s = p + c;
    const double bb = s - p;
    const double err = (p - (s - bb)) + (c - bb);
    double odd = s;
    if (err != 0.0 && isfinite(s)) {
        unsigned long long bits = bit_cast<unsigned long long>(s);
        if ((err < 0.0) != (s < 0.0)) --bits;  // |s| > |exact|: truncate toward zero
        odd = bit_cast<double>(bits | 1u);
    }
    return double_to_half(odd, FE_TONEAREST);
}

}  // namespace pygpu_sim_k

struct __attribute__((aligned(2))) __half {
    unsigned short __x;
    __half() = default;
    constexpr __half(const __half_raw& r) : __x(r.x) {}
    __half(float f) : __x(pygpu_sim_k::float_to_half(f, FE_TONEAREST)) {}
    __half(double d) : __x(pygpu_sim_k::double_to_half(d, FE_TONEAREST)) {}
    __half(int i) : __half(static_cast<float>(i)) {}
    __half(unsigned int i) : __half(static_cast<float>(i)) {}
    __half(short i) : __half(static_cast<float>(i)) {}
    __half(unsigned short i) : __half(static_cast<float>(i)) {}
    __half(long long i) : __half(static_cast<float>(i)) {}
    __half(unsigned long long i) : __half(static_cast<float>(i)) {}
    __half& operator=(const __half_raw& r) { __x = r.x; return *this; }
    __half& operator=(float f) { return *this = __half(f); }
    __half& operator=(double d) { return *this = __half(d); }
    operator __half_raw() const { return __half_raw{__x}; }
    operator float() const { return pygpu_sim_k::half_to_float(__x); }
};
typedef __half half;

struct __attribute__((aligned(4))) __half2 {
    __half x, y;
    __half2() = default;
    constexpr __half2(const __half& a, const __half& b) : x(a), y(b) {}
    __half2(const __half2_raw& r) : x(__half_raw{r.x}), y(__half_raw{r.y}) {}
    __half2& operator=(const __half2_raw& r) { return *this = __half2(r); }
    operator __half2_raw() const { return __half2_raw{x.__x, y.__x}; }
};
typedef __half2 half2;

/* --- conversions ---------------------------------------------------------- */

#define PYGPU_SIM_HALF_MODES_(r, mode)                                                                             \
    inline __half __float2half_##r(float f) { return __half_raw{pygpu_sim_k::float_to_half(f, mode)}; }           \
    inline __half __double2half_##r(double d) { return __half_raw{pygpu_sim_k::double_to_half(d, mode)}; }
PYGPU_SIM_ROUNDING_MODES(PYGPU_SIM_HALF_MODES_)
#undef PYGPU_SIM_HALF_MODES_
inline __half __float2half(float f) { return __float2half_rn(f); }
inline __half __double2half(double d) { return __double2half_rn(d); }
inline float __half2float(__half h) { return static_cast<float>(h); }
inline __half2 __float2half2_rn(float f) { return __half2(__float2half_rn(f), __float2half_rn(f)); }
inline __half2 __floats2half2_rn(float a, float b) { return __half2(__float2half_rn(a), __float2half_rn(b)); }
inline __half2 __float22half2_rn(float2 f) { return __floats2half2_rn(f.x, f.y); }
inline float2 __half22float2(__half2 h) { return float2{__half2float(h.x), __half2float(h.y)}; }
inline float __low2float(__half2 h) { return __half2float(h.x); }
inline float __high2float(__half2 h) { return __half2float(h.y); }
inline __half __low2half(__half2 h) { return h.x; }
inline __half __high2half(__half2 h) { return h.y; }
inline __half2 __halves2half2(__half a, __half b) { return __half2(a, b); }
inline __half2 __half2half2(__half a) { return __half2(a, a); }
inline __half2 make_half2(__half a, __half b) { return __half2(a, b); }
inline __half2 __low2half2(__half2 h) { return __half2(h.x, h.x); }
inline __half2 __high2half2(__half2 h) { return __half2(h.y, h.y); }
inline __half2 __lows2half2(__half2 a, __half2 b) { return __half2(a.x, b.x); }
inline __half2 __highs2half2(__half2 a, __half2 b) { return __half2(a.y, b.y); }
inline __half2 __lowhigh2highlow(__half2 h) { return __half2(h.y, h.x); }
inline short __half_as_short(__half h) { return static_cast<short>(h.__x); }
inline unsigned short __half_as_ushort(__half h) { return h.__x; }
inline __half __short_as_half(short s) { return __half_raw{static_cast<unsigned short>(s)}; }
inline __half __ushort_as_half(unsigned short s) { return __half_raw{s}; }

/* Integers to half in each mode (through float: exact below 2^24, and every
 * larger integer is past half's range), half to integers saturating.
 * X(integer type, its name, lowest, first value past the highest). */
#define PYGPU_SIM_HALF_INTEGERS(X)                                                                                 \
    X(short, short, -32768.0f, 32768.0f, (-32767 - 1), 32767)                                                     \
    X(unsigned short, ushort, 0.0f, 65536.0f, 0, 65535)                                                           \
    X(int, int, -2147483648.0f, 2147483648.0f, (-2147483647 - 1), 2147483647)                                    \
    X(unsigned int, uint, 0.0f, 4294967296.0f, 0u, 4294967295u)                                                   \
    X(long long, ll, -9223372036854775808.0f, 9223372036854775808.0f, (-9223372036854775807LL - 1),               \
      9223372036854775807LL)                                                                                      \
    X(unsigned long long, ull, 0.0f, 18446744073709551616.0f, 0ull, 18446744073709551615ull)
#define PYGPU_SIM_HALF_INTEGER_MODE_(r, mode, I, i, lo, hi, lowest, highest)                                       \
    inline __half __##i##2half_##r(I v) {                                                                          \
        return __half_raw{pygpu_sim_k::float_to_half(                                                              \
            pygpu_sim_k::rounded(mode, [&] { return static_cast<float>(pygpu_sim_k::opaque(v)); }), mode)};        \
    }                                                                                                              \
    inline I __half2##i##_##r(__half h) {                                                                          \
        return pygpu_sim_k::saturate<I, float>(static_cast<float>(h), mode, lo, hi, lowest, highest);              \
    }
#define PYGPU_SIM_HALF_INTEGER_(I, i, lo, hi, lowest, highest)                                                     \
    PYGPU_SIM_HALF_INTEGER_MODE_(rn, FE_TONEAREST, I, i, lo, hi, lowest, highest)                                  \
    PYGPU_SIM_HALF_INTEGER_MODE_(rz, FE_TOWARDZERO, I, i, lo, hi, lowest, highest)                                 \
    PYGPU_SIM_HALF_INTEGER_MODE_(ru, FE_UPWARD, I, i, lo, hi, lowest, highest)                                     \
    PYGPU_SIM_HALF_INTEGER_MODE_(rd, FE_DOWNWARD, I, i, lo, hi, lowest, highest)
PYGPU_SIM_HALF_INTEGERS(PYGPU_SIM_HALF_INTEGER_)
#undef PYGPU_SIM_HALF_INTEGER_
#undef PYGPU_SIM_HALF_INTEGER_MODE_

/* --- arithmetic and comparisons ------------------------------------------- */

inline __half __hadd(__half a, __half b) { return __half(static_cast<float>(a) + static_cast<float>(b)); }
inline __half __hsub(__half a, __half b) { return __half(static_cast<float>(a) - static_cast<float>(b)); }
inline __half __hmul(__half a, __half b) { return __half(static_cast<float>(a) * static_cast<float>(b)); }
inline __half __hdiv(__half a, __half b) { return __half(static_cast<float>(a) / static_cast<float>(b)); }
inline __half __hfma(__half a, __half b, __half c) { return __half_raw{pygpu_sim_k::fma_half(a, b, c)}; }
inline __half __hneg(__half a) { return __half_raw{static_cast<unsigned short>(a.__x ^ 0x8000u)}; }
inline __half __habs(__half a) { return __half_raw{static_cast<unsigned short>(a.__x & 0x7fffu)}; }
inline bool __hisnan(__half a) { return (a.__x & 0x7fffu) > 0x7c00u; }
inline int __hisinf(__half a) { return (a.__x & 0x7fffu) == 0x7c00u ? ((a.__x & 0x8000u) != 0 ? -1 : 1) : 0; }
inline __half __hmax(__half a, __half b) {
    if (__hisnan(a)) return __hisnan(b) ? __half(__half_raw{0x7fff}) : b;
    if (__hisnan(b)) return a;
    return static_cast<float>(a) < static_cast<float>(b) ? b : a;
}
inline __half __hmin(__half a, __half b) {
    if (__hisnan(a)) return __hisnan(b) ? __half(__half_raw{0x7fff}) : b;
    if (__hisnan(b)) return a;
    return static_cast<float>(b) < static_cast<float>(a) ? b : a;
}
inline __half __hmax_nan(__half a, __half b) { return __hisnan(a) || __hisnan(b) ? __half(__half_raw{0x7fff}) : __hmax(a, b); }
inline __half __hmin_nan(__half a, __half b) { return __hisnan(a) || __hisnan(b) ? __half(__half_raw{0x7fff}) : __hmin(a, b); }

/* X(name, ordered comparison of floats): __heq ... and their unordered
 * forms (__hequ: true when either is NaN). */
#define PYGPU_SIM_HALF_COMPARISONS(X) X(eq, ==) X(ne, !=) X(lt, <) X(le, <=) X(gt, >) X(ge, >=)
#define PYGPU_SIM_HALF_COMPARE_(name, op)                                                                          \
    inline bool __h##name(__half a, __half b) { return static_cast<float>(a) op static_cast<float>(b); }          \
    inline bool __h##name##u(__half a, __half b) { return __hisnan(a) || __hisnan(b) || __h##name(a, b); }        \
    inline __half2 __h##name##2(__half2 a, __half2 b) {                                                            \
        return __half2(__half(__h##name(a.x, b.x) ? 1.0f : 0.0f), __half(__h##name(a.y, b.y) ? 1.0f : 0.0f));     \
    }                                                                                                              \
    inline __half2 __h##name##u2(__half2 a, __half2 b) {                                                           \
        return __half2(__half(__h##name##u(a.x, b.x) ? 1.0f : 0.0f), __half(__h##name##u(a.y, b.y) ? 1.0f : 0.0f)); \
    }                                                                                                              \
    inline bool __hb##name##2(__half2 a, __half2 b) { return __h##name(a.x, b.x) && __h##name(a.y, b.y); }        \
    inline bool __hb##name##u2(__half2 a, __half2 b) { return __h##name##u(a.x, b.x) && __h##name##u(a.y, b.y); }
PYGPU_SIM_HALF_COMPARISONS(PYGPU_SIM_HALF_COMPARE_)
#undef PYGPU_SIM_HALF_COMPARE_
inline __half2 __hisnan2(__half2 a) {
    return __half2(__half(__hisnan(a.x) ? 1.0f : 0.0f), __half(__hisnan(a.y) ? 1.0f : 0.0f));
}

inline __half2 __hadd2(__half2 a, __half2 b) { return __half2(__hadd(a.x, b.x), __hadd(a.y, b.y)); }
inline __half2 __hsub2(__half2 a, __half2 b) { return __half2(__hsub(a.x, b.x), __hsub(a.y, b.y)); }
inline __half2 __hmul2(__half2 a, __half2 b) { return __half2(__hmul(a.x, b.x), __hmul(a.y, b.y)); }
inline __half2 __h2div(__half2 a, __half2 b) { return __half2(__hdiv(a.x, b.x), __hdiv(a.y, b.y)); }
inline __half2 __hfma2(__half2 a, __half2 b, __half2 c) { return __half2(__hfma(a.x, b.x, c.x), __hfma(a.y, b.y, c.y)); }
inline __half2 __hneg2(__half2 a) { return __half2(__hneg(a.x), __hneg(a.y)); }
inline __half2 __habs2(__half2 a) { return __half2(__habs(a.x), __habs(a.y)); }
inline __half2 __hmax2(__half2 a, __half2 b) { return __half2(__hmax(a.x, b.x), __hmax(a.y, b.y)); }
inline __half2 __hmin2(__half2 a, __half2 b) { return __half2(__hmin(a.x, b.x), __hmin(a.y, b.y)); }

/* _sat forms clamp to [0, 1] (NaN to 0). */
#define PYGPU_SIM_HALF_SATURATED(X) X(__hadd) X(__hsub) X(__hmul)
#define PYGPU_SIM_HALF_SAT_(name)                                                                                  \
    inline __half name##_sat(__half a, __half b) { return __half(__saturatef(static_cast<float>(name(a, b)))); }  \
    inline __half2 name##2_sat(__half2 a, __half2 b) { return __half2(name##_sat(a.x, b.x), name##_sat(a.y, b.y)); }
PYGPU_SIM_HALF_SATURATED(PYGPU_SIM_HALF_SAT_)
#undef PYGPU_SIM_HALF_SAT_
inline __half __hfma_sat(__half a, __half b, __half c) { return __half(__saturatef(static_cast<float>(__hfma(a, b, c)))); }
inline __half2 __hfma2_sat(__half2 a, __half2 b, __half2 c) { return __half2(__hfma_sat(a.x, b.x, c.x), __hfma_sat(a.y, b.y, c.y)); }

/* Math: X(half name, float function); each also as h2<name> on __half2. */
#define PYGPU_SIM_HALF_MATH(X)                                                                                     \
    X(sqrt, sqrtf) X(rsqrt, rsqrtf) X(rcp, 1.0f /) X(exp, expf) X(exp2, exp2f) X(exp10, exp10f) X(log, logf)       \
    X(log2, log2f) X(log10, log10f) X(sin, sinf) X(cos, cosf) X(ceil, ceilf) X(floor, floorf) X(trunc, truncf)     \
    X(rint, rintf)
#define PYGPU_SIM_HALF_MATH_(name, f)                                                                              \
    inline __half h##name(__half a) { return __half(f(static_cast<float>(a))); }                                   \
    inline __half2 h2##name(__half2 a) { return __half2(h##name(a.x), h##name(a.y)); }
PYGPU_SIM_HALF_MATH(PYGPU_SIM_HALF_MATH_)
#undef PYGPU_SIM_HALF_MATH_

/* --- operators (cuda_fp16.hpp's) ------------------------------------------ */

inline __half operator+(const __half& a, const __half& b) { return __hadd(a, b); }
inline __half operator-(const __half& a, const __half& b) { return __hsub(a, b); }
inline __half operator*(const __half& a, const __half& b) { return __hmul(a, b); }
inline __half operator/(const __half& a, const __half& b) { return __hdiv(a, b); }
inline __half& operator+=(__half& a, const __half& b) { return a = __hadd(a, b); }
inline __half& operator-=(__half& a, const __half& b) { return a = __hsub(a, b); }
inline __half& operator*=(__half& a, const __half& b) { return a = __hmul(a, b); }
inline __half& operator/=(__half& a, const __half& b) { return a = __hdiv(a, b); }
inline __half operator+(const __half& a) { return a; }
inline __half operator-(const __half& a) { return __hneg(a); }
inline __half& operator++(__half& a) { return a = __hadd(a, __half(1.0f)); }
inline __half& operator--(__half& a) { return a = __hsub(a, __half(1.0f)); }
inline __half operator++(__half& a, int) { const __half old = a; ++a; return old; }
inline __half operator--(__half& a, int) { const __half old = a; --a; return old; }
inline bool operator==(const __half& a, const __half& b) { return __heq(a, b); }
inline bool operator!=(const __half& a, const __half& b) { return __hneu(a, b); }
inline bool operator<(const __half& a, const __half& b) { return __hlt(a, b); }
inline bool operator<=(const __half& a, const __half& b) { return __hle(a, b); }
inline bool operator>(const __half& a, const __half& b) { return __hgt(a, b); }
inline bool operator>=(const __half& a, const __half& b) { return __hge(a, b); }

inline __half2 operator+(const __half2& a, const __half2& b) { return __hadd2(a, b); }
inline __half2 operator-(const __half2& a, const __half2& b) { return __hsub2(a, b); }
inline __half2 operator*(const __half2& a, const __half2& b) { return __hmul2(a, b); }
inline __half2 operator/(const __half2& a, const __half2& b) { return __h2div(a, b); }
inline __half2& operator+=(__half2& a, const __half2& b) { return a = __hadd2(a, b); }
inline __half2& operator-=(__half2& a, const __half2& b) { return a = __hsub2(a, b); }
inline __half2& operator*=(__half2& a, const __half2& b) { return a = __hmul2(a, b); }
inline __half2& operator/=(__half2& a, const __half2& b) { return a = __h2div(a, b); }
inline __half2 operator+(const __half2& a) { return a; }
inline __half2 operator-(const __half2& a) { return __hneg2(a); }
inline bool operator==(const __half2& a, const __half2& b) { return __hbeq2(a, b); }
inline bool operator!=(const __half2& a, const __half2& b) { return __hbneu2(a, b); }
inline bool operator<(const __half2& a, const __half2& b) { return __hblt2(a, b); }
inline bool operator<=(const __half2& a, const __half2& b) { return __hble2(a, b); }
inline bool operator>(const __half2& a, const __half2& b) { return __hbgt2(a, b); }
inline bool operator>=(const __half2& a, const __half2& b) { return __hbge2(a, b); }

/* --- atomics -------------------------------------------------------------- */

inline __half atomicAdd(__half* address, __half val) {
    return pygpu_sim_k::atomic_update<unsigned short>(address, [val](__half old) { return __hadd(old, val); });
}
inline __half2 atomicAdd(__half2* address, __half2 val) {
    return pygpu_sim_k::atomic_update<unsigned int>(address, [val](__half2 old) { return __hadd2(old, val); });
}

#endif /* PYGPU_SIM_KERNEL_HALF_H */
