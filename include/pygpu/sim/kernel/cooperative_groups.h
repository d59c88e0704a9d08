/* Kernel language, simulated device: cooperative groups (the part without
 * grid synchronisation): this_thread_block(), thread_block,
 * tiled_partition<N>() / thread_block_tile<N> (N a power of two up to 32),
 * tiled_partition(g, n) at run time (a thread_group), sync(g), and
 * cg::reduce with plus, less, greater, bit_and, bit_or, bit_xor.
 *
 * A tile is the lanes of its warp at [meta_group_rank * N, + N): its
 * operations are warp exchanges with the tile's mask. The sites of the
 * members are this header's (one per member), so a divergence error names
 * the member, not the caller's line.
 */
#ifndef PYGPU_SIM_KERNEL_COOPERATIVE_GROUPS_H
#define PYGPU_SIM_KERNEL_COOPERATIVE_GROUPS_H

#include "../cuda_runtime_api.h"
#include "sync.h"
#include "warp.h"

namespace cooperative_groups {

class thread_block {
public:
    void sync() const { __syncthreads(); }
    static unsigned long long thread_rank() { return pygpu_sim_k::linear_thread(); }
    static unsigned long long size() { return pygpu_sim_k::block_threads(); }
    static unsigned long long num_threads() { return pygpu_sim_k::block_threads(); }
    static dim3 group_index() { return blockIdx; }
    static dim3 thread_index() { return threadIdx; }
    static dim3 group_dim() { return blockDim; }
    static dim3 dim_threads() { return blockDim; }
};

inline thread_block this_thread_block() { return thread_block(); }

// A group of threads whose size is known at run time (tiled_partition(g, n)).
class thread_group {
public:
    explicit thread_group(unsigned tile) : tile_(tile) {}
    void sync() const {
        if (tile_ > 32) {
            __syncthreads();
        } else {
            __syncwarp(mask());
        }
    }
    unsigned long long thread_rank() const {
        return tile_ > 32 ? pygpu_sim_k::linear_thread() : pygpu_sim_k::lane() & (tile_ - 1);
    }
    unsigned long long size() const { return tile_ > 32 ? pygpu_sim_k::block_threads() : tile_; }
    unsigned long long num_threads() const { return size(); }
    unsigned long long meta_group_rank() const { return pygpu_sim_k::linear_thread() / tile_; }
    unsigned long long meta_group_size() const {
        return (pygpu_sim_k::block_threads() + tile_ - 1) / tile_;
    }

private:
    unsigned mask() const {
        const unsigned base = pygpu_sim_k::lane() & ~(tile_ - 1);
        return (tile_ == 32 ? 0xffffffffu : (1u << tile_) - 1u) << base;
    }
    unsigned tile_;
};

template <unsigned N>
class thread_block_tile {
    static_assert(N == 1 || N == 2 || N == 4 || N == 8 || N == 16 || N == 32,
                  "thread_block_tile<N>: N is a power of two up to 32 on the simulated device");

public:
    static constexpr unsigned num_threads_ = N;
    static unsigned mask() {
        const unsigned base = pygpu_sim_k::lane() & ~(N - 1);
        return (N == 32 ? 0xffffffffu : (1u << N) - 1u) << base;
    }
    void sync() const { __syncwarp(mask()); }
    static unsigned long long thread_rank() { return pygpu_sim_k::lane() & (N - 1); }
    static constexpr unsigned long long size() { return N; }
    static constexpr unsigned long long num_threads() { return N; }
    static unsigned long long meta_group_rank() { return pygpu_sim_k::linear_thread() / N; }
    static unsigned long long meta_group_size() { return (pygpu_sim_k::block_threads() + N - 1) / N; }
    template <class T>
    T shfl(T var, int src) const { return __shfl_sync(mask(), var, src, N); }
    template <class T>
    T shfl_up(T var, unsigned delta) const { return __shfl_up_sync(mask(), var, delta, N); }
    template <class T>
    T shfl_down(T var, unsigned delta) const { return __shfl_down_sync(mask(), var, delta, N); }
    template <class T>
    T shfl_xor(T var, unsigned lane_mask) const { return __shfl_xor_sync(mask(), var, lane_mask, N); }
    unsigned ballot(int predicate) const { return __ballot_sync(mask(), predicate) >> (pygpu_sim_k::lane() & ~(N - 1)); }
    int any(int predicate) const { return __any_sync(mask(), predicate); }
    int all(int predicate) const { return __all_sync(mask(), predicate); }
    template <class T>
    unsigned match_any(T value) const { return __match_any_sync(mask(), value) >> (pygpu_sim_k::lane() & ~(N - 1)); }
    operator thread_group() const { return thread_group(N); }
};

template <unsigned N, class Parent>
inline thread_block_tile<N> tiled_partition(const Parent&) { return thread_block_tile<N>(); }
inline thread_group tiled_partition(const thread_block&, unsigned tile) {
    if (tile == 0 || (tile & (tile - 1)) != 0 || (tile > 32 && tile != pygpu_sim_k::block_threads())) {
        pygpu_sim_kernel_error(cudaErrorLaunchFailure,
                               "tiled_partition(block, n): n is a power of two up to 32 (or the block's size) on "
                               "the simulated device");
    }
    return thread_group(tile);
}
inline thread_group tiled_partition(const thread_group& parent, unsigned tile) {
    if (tile == 0 || (tile & (tile - 1)) != 0 || tile > parent.size()) {
        pygpu_sim_kernel_error(cudaErrorLaunchFailure, "tiled_partition(group, n): n is a power of two up to the "
                                                       "group's size");
    }
    return thread_group(tile);
}

template <class Group>
inline void sync(const Group& g) { g.sync(); }
template <class Group>
inline unsigned long long thread_rank(const Group& g) { return g.thread_rank(); }
template <class Group>
inline unsigned long long group_size(const Group& g) { return g.size(); }

}  // namespace cooperative_groups

#endif /* PYGPU_SIM_KERNEL_COOPERATIVE_GROUPS_H */
