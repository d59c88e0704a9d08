// pycuda-complex.hpp: pycuda::complex<float> and pycuda::complex<double> for kernel code, PyGPU's own header
// with the API of PyCUDA's (#include <pycuda-complex.hpp> in a kernel; ElementwiseKernel and ReductionKernel
// sources include it for you). It compiles with nvcc, NVRTC, hiprtc and the simulated device's host compiler.
//
// Layout: {T re, im}, no padding, the alignment of T: the layout of numpy's complex64 and complex128, so a
// GPUArray of those dtypes is an array of pycuda::complex<float> / <double> in a kernel.
//
// Beyond PyCUDA's header, + - * / == != pow also take any real scalar type on either side (z * 2, 1.0 / z), the
// scalar converted to T first. Unlike it, the default constructor leaves the number uninitialized (below), and
// there are no volatile overloads (PyGPU's reductions synchronise the block instead).

#ifndef PYGPU_PYCUDA_COMPLEX_HPP
#define PYGPU_PYCUDA_COMPLEX_HPP

// The runtime compilers have the math functions built in; every other compiler gets them from the C library.
#if !defined(__CUDACC_RTC__) && !defined(__HIPCC_RTC__)
#include <math.h>
#endif

// __host__ and __device__ are macros wherever they mean something (nvcc, NVRTC, hiprtc, the simulated device).
#if defined(__host__) && defined(__device__)
#define PYCUDA_COMPLEX_FN __host__ __device__ inline
#else
#define PYCUDA_COMPLEX_FN inline
#endif

// C++ linkage even when included inside extern "C" { } (SourceModule wraps a source so unless no_extern_c).
extern "C++" {
namespace pycuda {

template <class T> struct complex;

namespace detail {

template <bool B, class R = int> struct enable_if {};
template <class R> struct enable_if<true, R> { typedef R type; };

// The real scalar types a complex number combines with.
template <class U> struct is_real { static const bool value = false; };
#define PYCUDA_COMPLEX_REAL(U) template <> struct is_real<U> { static const bool value = true; };
PYCUDA_COMPLEX_REAL(bool) PYCUDA_COMPLEX_REAL(char) PYCUDA_COMPLEX_REAL(signed char)
PYCUDA_COMPLEX_REAL(unsigned char) PYCUDA_COMPLEX_REAL(short) PYCUDA_COMPLEX_REAL(unsigned short)
PYCUDA_COMPLEX_REAL(int) PYCUDA_COMPLEX_REAL(unsigned int) PYCUDA_COMPLEX_REAL(long)
PYCUDA_COMPLEX_REAL(unsigned long) PYCUDA_COMPLEX_REAL(long long) PYCUDA_COMPLEX_REAL(unsigned long long)
PYCUDA_COMPLEX_REAL(float) PYCUDA_COMPLEX_REAL(double)
#undef PYCUDA_COMPLEX_REAL

// Whether complex<From> converts to complex<To> without losing precision (then the conversion is implicit).
template <class From, class To> struct widens { static const bool value = false; };
template <> struct widens<float, double> { static const bool value = true; };

// The real functions of T, called by their C names (float: sqrtf...) so that no overload set is needed.
template <class T> struct real_math;
#define PYCUDA_COMPLEX_MATH(T, S)                                                                                    \
  template <> struct real_math<T> {                                                                             \
    static PYCUDA_COMPLEX_FN T sqrt(T x) { return ::sqrt##S(x); }                                               \
    static PYCUDA_COMPLEX_FN T exp(T x) { return ::exp##S(x); }                                                 \
    static PYCUDA_COMPLEX_FN T log(T x) { return ::log##S(x); }                                                 \
    static PYCUDA_COMPLEX_FN T sin(T x) { return ::sin##S(x); }                                                 \
    static PYCUDA_COMPLEX_FN T cos(T x) { return ::cos##S(x); }                                                 \
    static PYCUDA_COMPLEX_FN T sinh(T x) { return ::sinh##S(x); }                                               \
    static PYCUDA_COMPLEX_FN T cosh(T x) { return ::cosh##S(x); }                                               \
    static PYCUDA_COMPLEX_FN T tanh(T x) { return ::tanh##S(x); }                                               \
    static PYCUDA_COMPLEX_FN T fabs(T x) { return ::fabs##S(x); }                                               \
    static PYCUDA_COMPLEX_FN T hypot(T x, T y) { return ::hypot##S(x, y); }                                     \
    static PYCUDA_COMPLEX_FN T atan2(T y, T x) { return ::atan2##S(y, x); }                                     \
    static PYCUDA_COMPLEX_FN T copysign(T x, T y) { return ::copysign##S(x, y); }                               \
  };
PYCUDA_COMPLEX_MATH(float, f)
PYCUDA_COMPLEX_MATH(double, )
#undef PYCUDA_COMPLEX_MATH

}  // namespace detail

template <class T> struct complex {
  typedef T value_type;

  T _M_re;  // PyCUDA's (and STLport's) member names: some kernels read them
  T _M_im;

  // Trivial, so that arrays of complex numbers may be __shared__ (hiprtc refuses a constructor there): like a
  // float, `complex<float> z;` is not initialized, `complex<float> z = 0;` and `complex<float>()` are zero.
  complex() = default;
  PYCUDA_COMPLEX_FN complex(const T& re, const T& im = T()) : _M_re(re), _M_im(im) {}
  template <class U, typename detail::enable_if<detail::widens<U, T>::value>::type = 0>
  PYCUDA_COMPLEX_FN complex(const complex<U>& z) : _M_re(z._M_re), _M_im(z._M_im) {}
  template <class U, typename detail::enable_if<!detail::widens<U, T>::value>::type = 0>
  PYCUDA_COMPLEX_FN explicit complex(const complex<U>& z) : _M_re(T(z._M_re)), _M_im(T(z._M_im)) {}

  PYCUDA_COMPLEX_FN T real() const { return _M_re; }
  PYCUDA_COMPLEX_FN T imag() const { return _M_im; }
  PYCUDA_COMPLEX_FN void real(T re) { _M_re = re; }
  PYCUDA_COMPLEX_FN void imag(T im) { _M_im = im; }
  // Nonzero, for `if (z)`, `z && w`, `!z` (numpy's truth of a complex number); explicit, so never arithmetic.
  PYCUDA_COMPLEX_FN explicit operator bool() const { return _M_re != T() || _M_im != T(); }

  template <class U, typename detail::enable_if<detail::is_real<U>::value>::type = 0>
  PYCUDA_COMPLEX_FN complex& operator=(const U& x) { _M_re = T(x); _M_im = T(); return *this; }

  template <class U, typename detail::enable_if<detail::is_real<U>::value>::type = 0>
  PYCUDA_COMPLEX_FN complex& operator+=(const U& x) { _M_re += T(x); return *this; }
  template <class U, typename detail::enable_if<detail::is_real<U>::value>::type = 0>
  PYCUDA_COMPLEX_FN complex& operator-=(const U& x) { _M_re -= T(x); return *this; }
  template <class U, typename detail::enable_if<detail::is_real<U>::value>::type = 0>
  PYCUDA_COMPLEX_FN complex& operator*=(const U& x) { _M_re *= T(x); _M_im *= T(x); return *this; }
  template <class U, typename detail::enable_if<detail::is_real<U>::value>::type = 0>
  PYCUDA_COMPLEX_FN complex& operator/=(const U& x) { _M_re /= T(x); _M_im /= T(x); return *this; }

  template <class U> PYCUDA_COMPLEX_FN complex& operator+=(const complex<U>& z) {
    _M_re += T(z._M_re); _M_im += T(z._M_im); return *this;
  }
  template <class U> PYCUDA_COMPLEX_FN complex& operator-=(const complex<U>& z) {
    _M_re -= T(z._M_re); _M_im -= T(z._M_im); return *this;
  }
  template <class U> PYCUDA_COMPLEX_FN complex& operator*=(const complex<U>& z) {
    return *this = multiply(*this, complex(z));
  }
  template <class U> PYCUDA_COMPLEX_FN complex& operator/=(const complex<U>& z) {
    return *this = divide(*this, complex(z));
  }

  PYCUDA_COMPLEX_FN static complex multiply(const complex& a, const complex& b) {
    return complex(a._M_re * b._M_re - a._M_im * b._M_im, a._M_re * b._M_im + a._M_im * b._M_re);
  }
  // Smith's algorithm (numpy's too): scale by the larger part of the divisor, so that |b|^2 cannot overflow.
  PYCUDA_COMPLEX_FN static complex divide(const complex& a, const complex& b) {
    typedef detail::real_math<T> m;
    if (m::fabs(b._M_re) >= m::fabs(b._M_im)) {
      if (b._M_re == T() && b._M_im == T())  // numpy's x/0: each part divided by zero
        return complex(a._M_re / m::fabs(b._M_re), a._M_im / m::fabs(b._M_im));
      T r = b._M_im / b._M_re, d = b._M_re + b._M_im * r;
      return complex((a._M_re + a._M_im * r) / d, (a._M_im - a._M_re * r) / d);
    }
    T r = b._M_re / b._M_im, d = b._M_re * r + b._M_im;
    return complex((a._M_re * r + a._M_im) / d, (a._M_im * r - a._M_re) / d);
  }
};

// ---------------------------------------------------------------------------- arithmetic and comparisons

template <class T> PYCUDA_COMPLEX_FN complex<T> operator+(const complex<T>& z) { return z; }
template <class T> PYCUDA_COMPLEX_FN complex<T> operator-(const complex<T>& z) {
  return complex<T>(-z._M_re, -z._M_im);
}

template <class T> PYCUDA_COMPLEX_FN complex<T> operator+(const complex<T>& a, const complex<T>& b) {
  return complex<T>(a._M_re + b._M_re, a._M_im + b._M_im);
}
template <class T> PYCUDA_COMPLEX_FN complex<T> operator-(const complex<T>& a, const complex<T>& b) {
  return complex<T>(a._M_re - b._M_re, a._M_im - b._M_im);
}
template <class T> PYCUDA_COMPLEX_FN complex<T> operator*(const complex<T>& a, const complex<T>& b) {
  return complex<T>::multiply(a, b);
}
template <class T> PYCUDA_COMPLEX_FN complex<T> operator/(const complex<T>& a, const complex<T>& b) {
  return complex<T>::divide(a, b);
}
template <class T> PYCUDA_COMPLEX_FN bool operator==(const complex<T>& a, const complex<T>& b) {
  return a._M_re == b._M_re && a._M_im == b._M_im;
}
template <class T> PYCUDA_COMPLEX_FN bool operator!=(const complex<T>& a, const complex<T>& b) {
  return !(a == b);
}

// With a real scalar on either side: the scalar is the complex number (x, 0) of T.
#define PYCUDA_COMPLEX_MIXED(OP, R, LEFT, RIGHT)                                                                      \
  template <class T, class U, typename detail::enable_if<detail::is_real<U>::value>::type = 0>                     \
  PYCUDA_COMPLEX_FN R operator OP(const complex<T>& z, const U& x) { return RIGHT; }                              \
  template <class T, class U, typename detail::enable_if<detail::is_real<U>::value>::type = 0>                     \
  PYCUDA_COMPLEX_FN R operator OP(const U& x, const complex<T>& z) { return LEFT; }
PYCUDA_COMPLEX_MIXED(+, complex<T>, complex<T>(T(x) + z._M_re, z._M_im), complex<T>(z._M_re + T(x), z._M_im))
PYCUDA_COMPLEX_MIXED(-, complex<T>, complex<T>(T(x) - z._M_re, -z._M_im), complex<T>(z._M_re - T(x), z._M_im))
PYCUDA_COMPLEX_MIXED(*, complex<T>, complex<T>(T(x) * z._M_re, T(x) * z._M_im),
                     complex<T>(z._M_re * T(x), z._M_im * T(x)))
PYCUDA_COMPLEX_MIXED(/, complex<T>, complex<T>::divide(complex<T>(T(x)), z),
                     complex<T>(z._M_re / T(x), z._M_im / T(x)))
PYCUDA_COMPLEX_MIXED(==, bool, z._M_re == T(x) && z._M_im == T(), z._M_re == T(x) && z._M_im == T())
PYCUDA_COMPLEX_MIXED(!=, bool, z._M_re != T(x) || z._M_im != T(), z._M_re != T(x) || z._M_im != T())
#undef PYCUDA_COMPLEX_MIXED

// ---------------------------------------------------------------------------- parts and polar form

template <class T> PYCUDA_COMPLEX_FN T real(const complex<T>& z) { return z._M_re; }
template <class T> PYCUDA_COMPLEX_FN T imag(const complex<T>& z) { return z._M_im; }
template <class T> PYCUDA_COMPLEX_FN T abs(const complex<T>& z) {
  return detail::real_math<T>::hypot(z._M_re, z._M_im);
}
template <class T> PYCUDA_COMPLEX_FN T arg(const complex<T>& z) {
  return detail::real_math<T>::atan2(z._M_im, z._M_re);
}
template <class T> PYCUDA_COMPLEX_FN T norm(const complex<T>& z) { return z._M_re * z._M_re + z._M_im * z._M_im; }
template <class T> PYCUDA_COMPLEX_FN complex<T> conj(const complex<T>& z) { return complex<T>(z._M_re, -z._M_im); }
template <class T> PYCUDA_COMPLEX_FN complex<T> polar(const T& rho, const T& theta = T()) {
  typedef detail::real_math<T> m;
  return complex<T>(rho * m::cos(theta), rho * m::sin(theta));
}

// ---------------------------------------------------------------------------- transcendental functions

template <class T> PYCUDA_COMPLEX_FN complex<T> exp(const complex<T>& z) {
  typedef detail::real_math<T> m;
  T r = m::exp(z._M_re);
  if (z._M_im == T()) return complex<T>(r, z._M_im);  // exact for real arguments, as numpy's
  return complex<T>(r * m::cos(z._M_im), r * m::sin(z._M_im));
}
template <class T> PYCUDA_COMPLEX_FN complex<T> log(const complex<T>& z) {
  typedef detail::real_math<T> m;
  return complex<T>(m::log(abs(z)), arg(z));
}
template <class T> PYCUDA_COMPLEX_FN complex<T> log10(const complex<T>& z) {
  return log(z) * T(0.43429448190325182765112891891660508);  // 1 / ln(10)
}
template <class T> PYCUDA_COMPLEX_FN complex<T> sqrt(const complex<T>& z) {
  typedef detail::real_math<T> m;
  T x = z._M_re, y = z._M_im;
  if (x == T() && y == T()) return complex<T>(T(), y);
  T t = m::sqrt((m::fabs(x) + abs(z)) / T(2));  // the larger part of the root, computed without cancellation
  if (x >= T()) return complex<T>(t, y / (T(2) * t));
  return complex<T>(m::fabs(y) / (T(2) * t), m::copysign(t, y));
}
template <class T> PYCUDA_COMPLEX_FN complex<T> pow(const complex<T>& z, const complex<T>& w) {
  if (w._M_re == T() && w._M_im == T()) return complex<T>(T(1));
  if (z._M_re == T() && z._M_im == T()) {
    if (w._M_re > T() && w._M_im == T()) return complex<T>();
    T nan = T(0) / T(0);  // 0 ** w for w not a positive real: numpy's nan
    return complex<T>(nan, nan);
  }
  return exp(w * log(z));
}
template <class T, class U, typename detail::enable_if<detail::is_real<U>::value>::type = 0>
PYCUDA_COMPLEX_FN complex<T> pow(const complex<T>& z, const U& x) {
  return pow(z, complex<T>(T(x)));
}
template <class T, class U, typename detail::enable_if<detail::is_real<U>::value>::type = 0>
PYCUDA_COMPLEX_FN complex<T> pow(const U& x, const complex<T>& w) {
  return pow(complex<T>(T(x)), w);
}
template <class T> PYCUDA_COMPLEX_FN complex<T> sin(const complex<T>& z) {
  typedef detail::real_math<T> m;
  return complex<T>(m::sin(z._M_re) * m::cosh(z._M_im), m::cos(z._M_re) * m::sinh(z._M_im));
}
template <class T> PYCUDA_COMPLEX_FN complex<T> cos(const complex<T>& z) {
  typedef detail::real_math<T> m;
  return complex<T>(m::cos(z._M_re) * m::cosh(z._M_im), -m::sin(z._M_re) * m::sinh(z._M_im));
}
template <class T> PYCUDA_COMPLEX_FN complex<T> sinh(const complex<T>& z) {
  typedef detail::real_math<T> m;
  return complex<T>(m::sinh(z._M_re) * m::cos(z._M_im), m::cosh(z._M_re) * m::sin(z._M_im));
}
template <class T> PYCUDA_COMPLEX_FN complex<T> cosh(const complex<T>& z) {
  typedef detail::real_math<T> m;
  return complex<T>(m::cosh(z._M_re) * m::cos(z._M_im), m::sinh(z._M_re) * m::sin(z._M_im));
}
template <class T> PYCUDA_COMPLEX_FN complex<T> tanh(const complex<T>& z) {
  typedef detail::real_math<T> m;
  T x = z._M_re, y = z._M_im;
  if (m::fabs(x) > T(20)) {  // cosh(2x) would overflow; tanh is +-1 to the precision of double
    return complex<T>(m::copysign(T(1), x), T(4) * m::sin(y) * m::cos(y) * m::exp(-T(2) * m::fabs(x)));
  }
  T d = m::cosh(T(2) * x) + m::cos(T(2) * y);
  return complex<T>(m::sinh(T(2) * x) / d, m::sin(T(2) * y) / d);
}
template <class T> PYCUDA_COMPLEX_FN complex<T> tan(const complex<T>& z) {  // tan(z) = -i tanh(iz)
  complex<T> t = tanh(complex<T>(-z._M_im, z._M_re));
  return complex<T>(t._M_im, -t._M_re);
}

}  // namespace pycuda
}  // extern "C++"

#undef PYCUDA_COMPLEX_FN

#endif  // PYGPU_PYCUDA_COMPLEX_HPP
