/* CUDA's built-in vector types (char1 ... double4), uint3 and dim3, with
 * CUDA's sizes and alignments. Plain C and C++ (the host runtime API
 * includes it for dim3); the make_* functions are in vector_functions.h.
 *
 * One table: PYGPU_SIM_VECTOR_TYPES(X) lists X(element, name, align1,
 * align2, align3, align4), from CUDA's vector_types.h.
 */
#ifndef PYGPU_SIM_KERNEL_VECTOR_TYPES_H
#define PYGPU_SIM_KERNEL_VECTOR_TYPES_H

#define PYGPU_SIM_VECTOR_TYPES(X)                     \
    X(signed char, char, 1, 2, 1, 4)                  \
    X(unsigned char, uchar, 1, 2, 1, 4)               \
    X(short, short, 2, 4, 2, 8)                       \
    X(unsigned short, ushort, 2, 4, 2, 8)             \
    X(int, int, 4, 8, 4, 16)                          \
    X(unsigned int, uint, 4, 8, 4, 16)                \
    X(long, long, sizeof(long), 2 * sizeof(long), sizeof(long), 16) \
    X(unsigned long, ulong, sizeof(long), 2 * sizeof(long), sizeof(long), 16) \
    X(long long, longlong, 8, 16, 8, 16)              \
    X(unsigned long long, ulonglong, 8, 16, 8, 16)    \
    X(float, float, 4, 8, 4, 16)                      \
    X(double, double, 8, 16, 8, 16)

#define PYGPU_SIM_VECTOR_STRUCTS_(T, name, a1, a2, a3, a4)                                      \
    typedef struct __attribute__((aligned(a1))) name##1 { T x; } name##1;                       \
    typedef struct __attribute__((aligned(a2))) name##2 { T x, y; } name##2;                    \
    typedef struct __attribute__((aligned(a3))) name##3 { T x, y, z; } name##3;                 \
    typedef struct __attribute__((aligned(a4))) name##4 { T x, y, z, w; } name##4;
PYGPU_SIM_VECTOR_TYPES(PYGPU_SIM_VECTOR_STRUCTS_)
#undef PYGPU_SIM_VECTOR_STRUCTS_

/* CUDA's dim3: in C++ each dimension defaults to 1, and it converts to and
 * from uint3. */
struct dim3 {
    unsigned int x, y, z;
#ifdef __cplusplus
    constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
    constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
    constexpr operator uint3() const { return uint3{x, y, z}; }
#endif
};
typedef struct dim3 dim3;

#endif /* PYGPU_SIM_KERNEL_VECTOR_TYPES_H */
