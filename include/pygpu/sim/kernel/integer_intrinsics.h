/* Kernel language, simulated device: CUDA's integer intrinsics (__popc,
 * __clz, __ffs, __fns, __brev, __byte_perm, __funnelshift_*, __mulhi,
 * __mul24, __sad, __hadd, __rhadd, ...), with CUDA's results at the edges
 * (__clz(0) = 32, __ffs(0) = 0, shifts of the funnel clamped or wrapped). */
#ifndef PYGPU_SIM_KERNEL_INTEGER_INTRINSICS_H
#define PYGPU_SIM_KERNEL_INTEGER_INTRINSICS_H

inline int __popc(unsigned int x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned int>(x)); }
inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll(static_cast<unsigned long long>(x)); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __ffsll(long long x) { return __builtin_ffsll(x); }
inline unsigned int __brev(unsigned int x) {
    x = (x >> 1 & 0x55555555u) | (x & 0x55555555u) << 1;
    x = (x >> 2 & 0x33333333u) | (x & 0x33333333u) << 2;
    x = (x >> 4 & 0x0f0f0f0fu) | (x & 0x0f0f0f0fu) << 4;
    return __builtin_bswap32(x);
}
inline unsigned long long __brevll(unsigned long long x) {
    return static_cast<unsigned long long>(__brev(static_cast<unsigned int>(x))) << 32 | __brev(static_cast<unsigned int>(x >> 32));
}
/* Byte i of the result is byte s[i] of the 8-byte value y:x, s[i] = selector nibble i (low 3 bits). */
inline unsigned int __byte_perm(unsigned int x, unsigned int y, unsigned int s) {
    const unsigned long long v = static_cast<unsigned long long>(y) << 32 | x;
    unsigned int r = 0;
    for (int i = 0; i < 4; ++i) r |= static_cast<unsigned int>(v >> (8 * (s >> (4 * i) & 7u)) & 0xffu) << (8 * i);
    return r;
}
/* The position of the n-th set bit of mask from base (PTX fns), 0xffffffff when there is none. */
inline unsigned int __fns(unsigned int mask, unsigned int base, int offset) {
    if (offset == 0) return (mask >> (base & 31u) & 1u) != 0 ? base & 31u : 0xffffffffu;
    int pos = static_cast<int>(base & 31u);
    int left = (offset > 0 ? offset : -offset) - 1;  // base itself counts
    const int step = offset > 0 ? 1 : -1;
    for (; pos >= 0 && pos < 32; pos += step) {
        if ((mask >> pos & 1u) != 0) {
            if (left == 0) return static_cast<unsigned int>(pos);
            --left;
        }
    }
    return 0xffffffffu;
}
inline unsigned int __funnelshift_l(unsigned int lo, unsigned int hi, unsigned int shift) {
    const unsigned long long v = static_cast<unsigned long long>(hi) << 32 | lo;
    return static_cast<unsigned int>(v << (shift & 31u) >> 32);
}
inline unsigned int __funnelshift_lc(unsigned int lo, unsigned int hi, unsigned int shift) {
    const unsigned long long v = static_cast<unsigned long long>(hi) << 32 | lo;
    return static_cast<unsigned int>(v << (shift < 32u ? shift : 32u) >> 32);
}
inline unsigned int __funnelshift_r(unsigned int lo, unsigned int hi, unsigned int shift) {
    const unsigned long long v = static_cast<unsigned long long>(hi) << 32 | lo;
    return static_cast<unsigned int>(v >> (shift & 31u));
}
inline unsigned int __funnelshift_rc(unsigned int lo, unsigned int hi, unsigned int shift) {
    const unsigned long long v = static_cast<unsigned long long>(hi) << 32 | lo;
    return static_cast<unsigned int>(v >> (shift < 32u ? shift : 32u));
}
inline int __mulhi(int x, int y) { return static_cast<int>(static_cast<long long>(x) * y >> 32); }
inline unsigned int __umulhi(unsigned int x, unsigned int y) {
    return static_cast<unsigned int>(static_cast<unsigned long long>(x) * y >> 32);
}
inline long long __mul64hi(long long x, long long y) { return static_cast<long long>(static_cast<__int128>(x) * y >> 64); }
inline unsigned long long __umul64hi(unsigned long long x, unsigned long long y) {
    return static_cast<unsigned long long>(static_cast<unsigned __int128>(x) * y >> 64);
}
/* The low 24 bits of each operand (sign-extended for __mul24), the low 32 bits of the product. */
inline int __mul24(int x, int y) {
    const long long a = static_cast<long long>(static_cast<unsigned int>(x) << 8) << 32 >> 40;
    const long long b = static_cast<long long>(static_cast<unsigned int>(y) << 8) << 32 >> 40;
    return static_cast<int>(static_cast<unsigned int>(a * b));
}
inline unsigned int __umul24(unsigned int x, unsigned int y) { return (x & 0xffffffu) * (y & 0xffffffu); }
inline unsigned int __sad(int x, int y, unsigned int z) {
    return z + static_cast<unsigned int>(x > y ? static_cast<long long>(x) - y : static_cast<long long>(y) - x);
}
inline unsigned int __usad(unsigned int x, unsigned int y, unsigned int z) { return z + (x > y ? x - y : y - x); }
inline int __hadd(int x, int y) { return static_cast<int>((static_cast<long long>(x) + y) >> 1); }
inline int __rhadd(int x, int y) { return static_cast<int>((static_cast<long long>(x) + y + 1) >> 1); }
inline unsigned int __uhadd(unsigned int x, unsigned int y) {
    return static_cast<unsigned int>((static_cast<unsigned long long>(x) + y) >> 1);
}
inline unsigned int __urhadd(unsigned int x, unsigned int y) {
    return static_cast<unsigned int>((static_cast<unsigned long long>(x) + y + 1) >> 1);
}

#endif /* PYGPU_SIM_KERNEL_INTEGER_INTRINSICS_H */
