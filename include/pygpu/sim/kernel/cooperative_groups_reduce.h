/* Kernel language, simulated device: cooperative_groups::reduce over a
 * thread_block_tile<N> (every lane gets the result of the op over the
 * tile's values, by a butterfly of shfl_xor), and CUDA's operator objects:
 * plus, less (the smaller value), greater (the larger), bit_and, bit_or,
 * bit_xor. */
#ifndef PYGPU_SIM_KERNEL_COOPERATIVE_GROUPS_REDUCE_H
#define PYGPU_SIM_KERNEL_COOPERATIVE_GROUPS_REDUCE_H

#include "cooperative_groups.h"

namespace cooperative_groups {

template <class T = void>
struct plus {
    T operator()(const T& a, const T& b) const { return a + b; }
};
template <class T = void>
struct less {
    T operator()(const T& a, const T& b) const { return b < a ? b : a; }
};
template <class T = void>
struct greater {
    T operator()(const T& a, const T& b) const { return a < b ? b : a; }
};
template <class T = void>
struct bit_and {
    T operator()(const T& a, const T& b) const { return a & b; }
};
template <class T = void>
struct bit_or {
    T operator()(const T& a, const T& b) const { return a | b; }
};
template <class T = void>
struct bit_xor {
    T operator()(const T& a, const T& b) const { return a ^ b; }
};

template <unsigned N, class T, class Op>
inline T reduce(const thread_block_tile<N>& tile, T value, Op op) {
    for (unsigned offset = N / 2; offset > 0; offset /= 2) value = op(value, tile.shfl_xor(value, offset));
    return value;
}

}  // namespace cooperative_groups

#endif /* PYGPU_SIM_KERNEL_COOPERATIVE_GROUPS_REDUCE_H */
