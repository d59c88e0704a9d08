/* Kernel language, simulated device: CUDA's math API.
 *
 * The functions CUDA shares with C (sinf, exp, fmaf, lgamma, ...) are the
 * host's libm through <math.h>, with C++'s float overloads (sin(float)), so
 * their error is libm's (within CUDA's documented bounds). Added here: CUDA's
 * own functions (rsqrtf, sinpif, normcdff, erfinvf, norm3df, ...), the fast
 * intrinsics (__expf ... computed exactly as the full functions, which is
 * within their bounds), the arithmetic intrinsics with a rounding mode
 * (__fadd_rz, __dmul_ru, __fmaf_rd, ...), and CUDA's min/max overloads.
 */
#ifndef PYGPU_SIM_KERNEL_MATH_FUNCTIONS_H
#define PYGPU_SIM_KERNEL_MATH_FUNCTIONS_H

#include <math.h>

#include "rounding.h"

/* --- CUDA's functions that C does not have --------------------------------- */

inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float rsqrtf(float x) { return static_cast<float>(1.0 / sqrt(static_cast<double>(x))); }
inline double rcbrt(double x) { return 1.0 / cbrt(x); }
inline float rcbrtf(float x) { return static_cast<float>(1.0 / cbrt(static_cast<double>(x))); }

namespace pygpu_sim_k {
// sin(pi x) and cos(pi x) with the argument reduced exactly: x = n/2 + r.
inline void sincospi(double x, double* s, double* c) {
    if (!isfinite(x)) {
        *s = *c = x - x;  // NaN
        return;
    }
    const double n = rint(2.0 * x);
    const double r = x - 0.5 * n;  // exact, |r| <= 1/4
    const double sr = sin(M_PI * r), cr = cos(M_PI * r);
    const long q = static_cast<long>(fmod(n, 4.0) + 4.0) % 4;
    switch (q) {
        case 0: *s = sr; *c = cr; break;
        case 1: *s = cr; *c = -sr; break;
        case 2: *s = -sr; *c = -cr; break;
        default: *s = -cr; *c = sr; break;
    }
    if (*s == 0.0) *s = copysign(0.0, x);  // sinpi(-n) is -0, as C23's sinpi
    if (*c == 0.0) *c = 0.0;
}
// erfinv by Newton's method on erf from a close start (Giles, 2010).
inline double erfinv(double y) {
    if (!(y > -1.0 && y < 1.0)) return y == 1.0 ? HUGE_VAL : y == -1.0 ? -HUGE_VAL : NAN;
    double w = -log((1.0 - y) * (1.0 + y)), x;
    if (w < 5.0) {
        w -= 2.5;
        x = 2.81022636e-08;
        x = 3.43273939e-07 + x * w; x = -3.5233877e-06 + x * w; x = -4.39150654e-06 + x * w;
        x = 0.00021858087 + x * w; x = -0.00125372503 + x * w; x = -0.00417768164 + x * w;
        x = 0.246640727 + x * w; x = 1.50140941 + x * w;
    } else {
        w = sqrt(w) - 3.0;
        x = -0.000200214257;
        x = 0.000100950558 + x * w; x = 0.00134934322 + x * w; x = -0.00367342844 + x * w;
        x = 0.00573950773 + x * w; x = -0.0076224613 + x * w; x = 0.00943887047 + x * w;
        x = 1.00167406 + x * w; x = 2.83297682 + x * w;
    }
    x *= y;
    for (int i = 0; i < 3; ++i) x -= (erf(x) - y) / (M_2_SQRTPI * exp(-x * x));
    return x;
}
// erfcinv(y) = erfinv(1 - y), refined on erfc so that small y keep their digits.
inline double erfcinv(double y) {
    if (!(y > 0.0 && y < 2.0)) return y == 0.0 ? HUGE_VAL : y == 2.0 ? -HUGE_VAL : NAN;
    double x = y < 1e-300 ? sqrt(-log(y)) : erfinv(1.0 - y);
    if (!isfinite(x)) x = sqrt(-log(y < 1.0 ? y : 2.0 - y)) * (y < 1.0 ? 1.0 : -1.0);
    for (int i = 0; i < 4; ++i) x += (erfc(x) - y) / (M_2_SQRTPI * exp(-x * x));
    return x;
}
// exp(x^2) erfc(x): the continued fraction where erfc underflows.
inline double erfcx(double x) {
    if (x < 25.0) return exp(x * x) * erfc(x);
    const double x2 = x * x;
    return (1.0 - 0.5 / x2 + 0.75 / (x2 * x2) - 1.875 / (x2 * x2 * x2)) / (x * 1.7724538509055160273);
}
inline double cyl_bessel_i(int order, double x) {
    // The power series: converges for every x, in about |x| + 20 terms.
    const double h = 0.5 * x;
    double term = order == 0 ? 1.0 : h, sum = term;
    for (int k = 1; k < 500 && fabs(term) > 1e-17 * fabs(sum); ++k) {
        term *= h * h / (k * (k + order));
        sum += term;
    }
    return sum;
}
}  // namespace pygpu_sim_k

inline void sincospi(double x, double* s, double* c) { pygpu_sim_k::sincospi(x, s, c); }
/* glibc 2.41 declares C23's sinpi and cospi itself. */
#if !(defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 41)))
inline double sinpi(double x) { double s, c; pygpu_sim_k::sincospi(x, &s, &c); return s; }
inline double cospi(double x) { double s, c; pygpu_sim_k::sincospi(x, &s, &c); return c; }
inline float sinpif(float x) { return static_cast<float>(sinpi(x)); }
inline float cospif(float x) { return static_cast<float>(cospi(x)); }
#endif
inline void sincospif(float x, float* s, float* c) {
    double ds, dc;
    pygpu_sim_k::sincospi(x, &ds, &dc);
    *s = static_cast<float>(ds);
    *c = static_cast<float>(dc);
}
inline double erfinv(double y) { return pygpu_sim_k::erfinv(y); }
inline float erfinvf(float y) { return static_cast<float>(pygpu_sim_k::erfinv(y)); }
inline double erfcinv(double y) { return pygpu_sim_k::erfcinv(y); }
inline float erfcinvf(float y) { return static_cast<float>(pygpu_sim_k::erfcinv(y)); }
inline double erfcx(double x) { return pygpu_sim_k::erfcx(x); }
inline float erfcxf(float x) { return static_cast<float>(pygpu_sim_k::erfcx(x)); }
inline double normcdf(double x) { return 0.5 * erfc(-x * M_SQRT1_2); }
inline float normcdff(float x) { return static_cast<float>(normcdf(x)); }
inline double normcdfinv(double p) { return -M_SQRT2 * pygpu_sim_k::erfcinv(2.0 * p); }
inline float normcdfinvf(float p) { return static_cast<float>(normcdfinv(p)); }
inline double cyl_bessel_i0(double x) { return pygpu_sim_k::cyl_bessel_i(0, x); }
inline float cyl_bessel_i0f(float x) { return static_cast<float>(pygpu_sim_k::cyl_bessel_i(0, x)); }
inline double cyl_bessel_i1(double x) { return pygpu_sim_k::cyl_bessel_i(1, x); }
inline float cyl_bessel_i1f(float x) { return static_cast<float>(pygpu_sim_k::cyl_bessel_i(1, x)); }
inline double rhypot(double x, double y) { return 1.0 / hypot(x, y); }
inline float rhypotf(float x, float y) { return static_cast<float>(1.0 / hypot(static_cast<double>(x), y)); }
inline double norm3d(double a, double b, double c) { return hypot(hypot(a, b), c); }
inline float norm3df(float a, float b, float c) { return static_cast<float>(sqrt(static_cast<double>(a) * a + static_cast<double>(b) * b + static_cast<double>(c) * c)); }
inline double rnorm3d(double a, double b, double c) { return 1.0 / norm3d(a, b, c); }
inline float rnorm3df(float a, float b, float c) { return static_cast<float>(1.0 / norm3d(a, b, c)); }
inline double norm4d(double a, double b, double c, double d) { return hypot(hypot(a, b), hypot(c, d)); }
inline float norm4df(float a, float b, float c, float d) { return static_cast<float>(norm4d(a, b, c, d)); }
inline double rnorm4d(double a, double b, double c, double d) { return 1.0 / norm4d(a, b, c, d); }
inline float rnorm4df(float a, float b, float c, float d) { return static_cast<float>(1.0 / norm4d(a, b, c, d)); }
inline double norm(int dim, const double* p) {
    double s = 0.0;
    for (int i = 0; i < dim; ++i) s = hypot(s, p[i]);
    return s;
}
inline float normf(int dim, const float* p) {
    double s = 0.0;
    for (int i = 0; i < dim; ++i) s = hypot(s, static_cast<double>(p[i]));
    return static_cast<float>(s);
}
inline double rnorm(int dim, const double* p) { return 1.0 / norm(dim, p); }
inline float rnormf(int dim, const float* p) { return 1.0f / normf(dim, p); }
inline float fdividef(float a, float b) { return a / b; }

/* --- fast intrinsics: the full functions (more accurate than CUDA's) ------ */

inline float __expf(float x) { return expf(x); }
inline float __exp10f(float x) { return exp10f(x); }
inline float __logf(float x) { return logf(x); }
inline float __log2f(float x) { return log2f(x); }
inline float __log10f(float x) { return log10f(x); }
inline float __sinf(float x) { return sinf(x); }
inline float __cosf(float x) { return cosf(x); }
inline float __tanf(float x) { return tanf(x); }
inline void __sincosf(float x, float* s, float* c) { sincosf(x, s, c); }
inline float __powf(float x, float y) { return powf(x, y); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __saturatef(float x) { return x >= 1.0f ? 1.0f : x > 0.0f ? x : 0.0f; }  // NaN -> 0

/* --- arithmetic with a rounding mode -------------------------------------- */

#define PYGPU_SIM_ROUNDED_ARITHMETIC_(r, mode)                                                                     \
    inline float __fadd_##r(float a, float b) { return pygpu_sim_k::rounded(mode, [&] { return pygpu_sim_k::opaque(a) + b; }); } \
    inline float __fsub_##r(float a, float b) { return pygpu_sim_k::rounded(mode, [&] { return pygpu_sim_k::opaque(a) - b; }); } \
    inline float __fmul_##r(float a, float b) { return pygpu_sim_k::rounded(mode, [&] { return pygpu_sim_k::opaque(a) * b; }); } \
    inline float __fdiv_##r(float a, float b) { return pygpu_sim_k::rounded(mode, [&] { return pygpu_sim_k::opaque(a) / b; }); } \
    inline float __frcp_##r(float a) { return pygpu_sim_k::rounded(mode, [&] { return 1.0f / pygpu_sim_k::opaque(a); }); }     \
    inline float __fsqrt_##r(float a) { return pygpu_sim_k::rounded(mode, [&] { return sqrtf(pygpu_sim_k::opaque(a)); }); }    \
    inline float __fmaf_##r(float a, float b, float c) {                                                           \
        return pygpu_sim_k::rounded(mode, [&] { return fmaf(pygpu_sim_k::opaque(a), b, c); });                     \
    }                                                                                                              \
    inline double __dadd_##r(double a, double b) { return pygpu_sim_k::rounded(mode, [&] { return pygpu_sim_k::opaque(a) + b; }); } \
    inline double __dsub_##r(double a, double b) { return pygpu_sim_k::rounded(mode, [&] { return pygpu_sim_k::opaque(a) - b; }); } \
    inline double __dmul_##r(double a, double b) { return pygpu_sim_k::rounded(mode, [&] { return pygpu_sim_k::opaque(a) * b; }); } \
    inline double __ddiv_##r(double a, double b) { return pygpu_sim_k::rounded(mode, [&] { return pygpu_sim_k::opaque(a) / b; }); } \
    inline double __drcp_##r(double a) { return pygpu_sim_k::rounded(mode, [&] { return 1.0 / pygpu_sim_k::opaque(a); }); }     \
    inline double __dsqrt_##r(double a) { return pygpu_sim_k::rounded(mode, [&] { return sqrt(pygpu_sim_k::opaque(a)); }); }    \
    inline double __fma_##r(double a, double b, double c) {                                                        \
        return pygpu_sim_k::rounded(mode, [&] { return fma(pygpu_sim_k::opaque(a), b, c); });                      \
    }
PYGPU_SIM_ROUNDING_MODES(PYGPU_SIM_ROUNDED_ARITHMETIC_)
#undef PYGPU_SIM_ROUNDED_ARITHMETIC_
inline float __frsqrt_rn(float x) { return rsqrtf(x); }

/* --- min and max: CUDA's overloads (mixed signedness compares unsigned) -- */

#define PYGPU_SIM_MIN_MAX_TYPES(X)                                                                                 \
    X(int, int, int) X(unsigned int, unsigned int, unsigned int) X(int, unsigned int, unsigned int)               \
    X(unsigned int, int, unsigned int) X(long, long, long) X(unsigned long, unsigned long, unsigned long)         \
    X(long, unsigned long, unsigned long) X(unsigned long, long, unsigned long) X(long long, long long, long long) \
    X(unsigned long long, unsigned long long, unsigned long long)                                                 \
    X(long long, unsigned long long, unsigned long long) X(unsigned long long, long long, unsigned long long)     \
    X(float, float, float) X(double, double, double) X(float, double, double) X(double, float, double)
#define PYGPU_SIM_MIN_MAX_(A, B, R)                                                                                \
    inline R min(A a, B b) { return pygpu_sim_k::min_of(static_cast<R>(a), static_cast<R>(b)); }                  \
    inline R max(A a, B b) { return pygpu_sim_k::max_of(static_cast<R>(a), static_cast<R>(b)); }
/* fminf and fmaxf inline: GCC calls libm's for them (the x86 min/max instructions treat NaN otherwise), a call
 * per element, which made a float32 max reduction ten times slower than numpy's. C's results: a NaN operand
 * gives the other operand. A later #include <cmath> undefines the macros: libm's again, the same results. */
namespace pygpu_sim_k {
inline float fminf_inline(float a, float b) { return b != b ? a : (a < b ? a : b); }
inline float fmaxf_inline(float a, float b) { return b != b ? a : (a > b ? a : b); }
}  // namespace pygpu_sim_k
#define fminf(a, b) ::pygpu_sim_k::fminf_inline((a), (b))
#define fmaxf(a, b) ::pygpu_sim_k::fmaxf_inline((a), (b))

namespace pygpu_sim_k {
template <class T> inline T min_of(T a, T b) { return b < a ? b : a; }
template <class T> inline T max_of(T a, T b) { return a < b ? b : a; }
inline float min_of(float a, float b) { return fminf(a, b); }
inline float max_of(float a, float b) { return fmaxf(a, b); }
inline double min_of(double a, double b) { return fmin(a, b); }
inline double max_of(double a, double b) { return fmax(a, b); }
}  // namespace pygpu_sim_k
PYGPU_SIM_MIN_MAX_TYPES(PYGPU_SIM_MIN_MAX_)
#undef PYGPU_SIM_MIN_MAX_
inline unsigned int umin(unsigned int a, unsigned int b) { return min(a, b); }
inline unsigned int umax(unsigned int a, unsigned int b) { return max(a, b); }
inline long long llmin(long long a, long long b) { return min(a, b); }
inline long long llmax(long long a, long long b) { return max(a, b); }
inline unsigned long long ullmin(unsigned long long a, unsigned long long b) { return min(a, b); }
inline unsigned long long ullmax(unsigned long long a, unsigned long long b) { return max(a, b); }

#endif /* PYGPU_SIM_KERNEL_MATH_FUNCTIONS_H */
