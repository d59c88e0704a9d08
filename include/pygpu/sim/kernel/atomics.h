/* Kernel language, simulated device: CUDA's atomic functions.
 *
 * Every atomic of CUDA's list (atomicAdd, Sub, Exch, Min, Max, Inc, Dec, CAS,
 * And, Or, Xor) with CUDA's overloads, and the _block and _system forms
 * (the same operation: every thread of the simulated device shares the
 * host's memory). Relaxed order, as on CUDA (use __threadfence for order).
 * Float and double add, and atomicInc/atomicDec, are compare-and-swap loops;
 * atomicInc wraps to 0 past `val`, atomicDec to `val` at 0 or above `val`.
 * Half-precision adds are in half.h.
 *
 * One table: PYGPU_SIM_ATOMIC_OPS(X) lists X(name, operation, types...).
 */
#ifndef PYGPU_SIM_KERNEL_ATOMICS_H
#define PYGPU_SIM_KERNEL_ATOMICS_H

namespace pygpu_sim_k {

// X(operation, GCC builtin): the read-modify-writes the host has.
#define PYGPU_SIM_ATOMIC_BUILTINS(X)                                                                   \
    X(atomic_fetch_add, __atomic_fetch_add) X(atomic_fetch_sub, __atomic_fetch_sub)                   \
    X(atomic_exchange, __atomic_exchange_n) X(atomic_fetch_and, __atomic_fetch_and)                   \
    X(atomic_fetch_or, __atomic_fetch_or) X(atomic_fetch_xor, __atomic_fetch_xor)
#define PYGPU_SIM_ATOMIC_BUILTIN_(name, builtin) \
    template <class T>                           \
    inline T name(T* p, T v) {                   \
        return builtin(p, v, __ATOMIC_RELAXED);  \
    }
PYGPU_SIM_ATOMIC_BUILTINS(PYGPU_SIM_ATOMIC_BUILTIN_)
#undef PYGPU_SIM_ATOMIC_BUILTIN_
template <class T>
inline T atomic_cas(T* p, T compare, T v) {
    __atomic_compare_exchange_n(p, &compare, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    return compare;  // the old value either way
}

// A compare-and-swap loop applying `f(old)` to *p, for the operations the
// hardware of the host has no instruction for. Bits are the storage type.
template <class Bits, class T, class F>
inline T atomic_update(T* p, F f) {
    static_assert(sizeof(Bits) == sizeof(T), "storage type of the atomic");
    Bits* bits = reinterpret_cast<Bits*>(p);
    Bits old = __atomic_load_n(bits, __ATOMIC_RELAXED);
    for (;;) {
        T value;
        __builtin_memcpy(&value, &old, sizeof(T));
        const T updated = f(value);
        Bits next;
        __builtin_memcpy(&next, &updated, sizeof(T));
        if (__atomic_compare_exchange_n(bits, &old, next, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) return value;
    }
}
template <class T>
inline T atomic_fetch_min(T* p, T v) {
    return atomic_update<T>(p, [v](T old) { return v < old ? v : old; });
}
template <class T>
inline T atomic_fetch_max(T* p, T v) {
    return atomic_update<T>(p, [v](T old) { return old < v ? v : old; });
}
inline float atomic_fetch_add(float* p, float v) {
    return atomic_update<unsigned>(p, [v](float old) { return old + v; });
}
inline double atomic_fetch_add(double* p, double v) {
    return atomic_update<unsigned long long>(p, [v](double old) { return old + v; });
}
inline float atomic_exchange(float* p, float v) {
    return atomic_update<unsigned>(p, [v](float) { return v; });
}
inline unsigned atomic_inc(unsigned* p, unsigned limit) {
    return atomic_update<unsigned>(p, [limit](unsigned old) { return old >= limit ? 0u : old + 1u; });
}
inline unsigned atomic_dec(unsigned* p, unsigned limit) {
    return atomic_update<unsigned>(p, [limit](unsigned old) { return old == 0u || old > limit ? limit : old - 1u; });
}

}  // namespace pygpu_sim_k

/* X(cuda name, pygpu_sim_k operation, type): one overload per row, in the
 * three scopes. */
#define PYGPU_SIM_ATOMIC_OPS(X)                                   \
    X(atomicAdd, atomic_fetch_add, int)                           \
    X(atomicAdd, atomic_fetch_add, unsigned int)                  \
    X(atomicAdd, atomic_fetch_add, unsigned long long)            \
    X(atomicAdd, atomic_fetch_add, float)                         \
    X(atomicAdd, atomic_fetch_add, double)                        \
    X(atomicSub, atomic_fetch_sub, int)                           \
    X(atomicSub, atomic_fetch_sub, unsigned int)                  \
    X(atomicExch, atomic_exchange, int)                           \
    X(atomicExch, atomic_exchange, unsigned int)                  \
    X(atomicExch, atomic_exchange, unsigned long long)            \
    X(atomicExch, atomic_exchange, float)                         \
    X(atomicMin, atomic_fetch_min, int)                           \
    X(atomicMin, atomic_fetch_min, unsigned int)                  \
    X(atomicMin, atomic_fetch_min, long long)                     \
    X(atomicMin, atomic_fetch_min, unsigned long long)            \
    X(atomicMax, atomic_fetch_max, int)                           \
    X(atomicMax, atomic_fetch_max, unsigned int)                  \
    X(atomicMax, atomic_fetch_max, long long)                     \
    X(atomicMax, atomic_fetch_max, unsigned long long)            \
    X(atomicInc, atomic_inc, unsigned int)                        \
    X(atomicDec, atomic_dec, unsigned int)                        \
    X(atomicAnd, atomic_fetch_and, int)                           \
    X(atomicAnd, atomic_fetch_and, unsigned int)                  \
    X(atomicAnd, atomic_fetch_and, unsigned long long)            \
    X(atomicOr, atomic_fetch_or, int)                             \
    X(atomicOr, atomic_fetch_or, unsigned int)                    \
    X(atomicOr, atomic_fetch_or, unsigned long long)              \
    X(atomicXor, atomic_fetch_xor, int)                           \
    X(atomicXor, atomic_fetch_xor, unsigned int)                  \
    X(atomicXor, atomic_fetch_xor, unsigned long long)

#define PYGPU_SIM_ATOMIC_SCOPES_(name, op, T)                                                     \
    inline T name(T* address, T val) { return ::pygpu_sim_k::op(address, val); }                 \
    inline T name##_block(T* address, T val) { return ::pygpu_sim_k::op(address, val); }         \
    inline T name##_system(T* address, T val) { return ::pygpu_sim_k::op(address, val); }
PYGPU_SIM_ATOMIC_OPS(PYGPU_SIM_ATOMIC_SCOPES_)
#undef PYGPU_SIM_ATOMIC_SCOPES_

#define PYGPU_SIM_ATOMIC_CAS_TYPES(X) X(int) X(unsigned int) X(unsigned long long) X(unsigned short)
#define PYGPU_SIM_ATOMIC_CAS_(T)                                                                                    \
    inline T atomicCAS(T* address, T compare, T val) { return ::pygpu_sim_k::atomic_cas(address, compare, val); }  \
    inline T atomicCAS_block(T* address, T compare, T val) {                                                       \
        return ::pygpu_sim_k::atomic_cas(address, compare, val);                                                  \
    }                                                                                                              \
    inline T atomicCAS_system(T* address, T compare, T val) {                                                      \
        return ::pygpu_sim_k::atomic_cas(address, compare, val);                                                  \
    }
PYGPU_SIM_ATOMIC_CAS_TYPES(PYGPU_SIM_ATOMIC_CAS_)
#undef PYGPU_SIM_ATOMIC_CAS_

#endif /* PYGPU_SIM_KERNEL_ATOMICS_H */
