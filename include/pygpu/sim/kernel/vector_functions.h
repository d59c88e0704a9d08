/* make_int2(x, y), make_float4(x, y, z, w), ...: one per vector type of
 * vector_types.h's table. Plain C and C++. */
#ifndef PYGPU_SIM_KERNEL_VECTOR_FUNCTIONS_H
#define PYGPU_SIM_KERNEL_VECTOR_FUNCTIONS_H

#include "vector_types.h"

#define PYGPU_SIM_MAKE_VECTORS_(T, name, a1, a2, a3, a4)                                                      \
    static inline name##1 make_##name##1(T x) { name##1 v; v.x = x; return v; }                                \
    static inline name##2 make_##name##2(T x, T y) { name##2 v; v.x = x; v.y = y; return v; }                  \
    static inline name##3 make_##name##3(T x, T y, T z) { name##3 v; v.x = x; v.y = y; v.z = z; return v; }    \
    static inline name##4 make_##name##4(T x, T y, T z, T w) {                                                 \
        name##4 v; v.x = x; v.y = y; v.z = z; v.w = w; return v;                                              \
    }
PYGPU_SIM_VECTOR_TYPES(PYGPU_SIM_MAKE_VECTORS_)
#undef PYGPU_SIM_MAKE_VECTORS_

#endif /* PYGPU_SIM_KERNEL_VECTOR_FUNCTIONS_H */
