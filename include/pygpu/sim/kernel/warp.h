/* Kernel language, simulated device: warp operations (__shfl*_sync,
 * __ballot_sync, __any_sync, __all_sync, __activemask, __match_*_sync,
 * __reduce_*_sync).
 *
 * Each is one warp exchange of the lanes in `mask` (pygpu_sim_warp_exchange:
 * only they wait; a lane not in its own mask, or lanes naming different
 * masks at one exchange, end the launch with cudaErrorLaunchFailure). The
 * shuffles follow PTX's shfl.sync exactly (source lane, segment of `width`
 * lanes, own value when the source is out of the segment); values of lanes
 * outside the mask are unspecified, as on CUDA. Any trivially copyable type
 * of at most 8 bytes shuffles (CUDA's: int, unsigned, long, long long and
 * their unsigned forms, float, double, __half, __half2).
 *
 * The names are object-like macros for a callable bound to its call site,
 * so default arguments (width) work without variadic macros.
 */
#ifndef PYGPU_SIM_KERNEL_WARP_H
#define PYGPU_SIM_KERNEL_WARP_H

#include "sync.h"

namespace pygpu_sim_k {

template <class T>
inline unsigned long long to_bits(const T& value) {
    static_assert(sizeof(T) <= 8 && __is_trivially_copyable(T), "warp operations exchange values of at most 8 bytes");
    unsigned long long bits = 0;
    __builtin_memcpy(&bits, &value, sizeof(T));
    return bits;
}
template <class T>
inline T from_bits(unsigned long long bits) {
    T value;
    __builtin_memcpy(static_cast<void*>(&value), &bits, sizeof(T));
    return value;
}

enum shfl_mode { shfl_idx, shfl_up, shfl_down, shfl_bfly };

// PTX shfl.sync: the lane a lane reads, given b (source lane, delta or lane
// mask) and c (CUDA's ((32 - width) << 8) | clamp).
inline unsigned shfl_source(shfl_mode mode, unsigned lane_id, unsigned b, int width) {
    const unsigned c = ((32u - static_cast<unsigned>(width)) << 8) | (mode == shfl_up ? 0u : 0x1fu);
    const unsigned bval = b & 31u, cval = c & 31u, segmask = (c >> 8) & 31u;
    const int max_lane = static_cast<int>((lane_id & segmask) | (cval & ~segmask));
    const int min_lane = static_cast<int>(lane_id & segmask);
    int j = 0;
    bool ok = false;
    switch (mode) {
        case shfl_up: j = static_cast<int>(lane_id) - static_cast<int>(bval); ok = j >= max_lane; break;
        case shfl_down: j = static_cast<int>(lane_id + bval); ok = j <= max_lane; break;
        case shfl_bfly: j = static_cast<int>(lane_id ^ bval); ok = j <= max_lane; break;
        case shfl_idx: j = min_lane | static_cast<int>(bval & ~segmask); ok = j <= max_lane; break;
    }
    return ok ? static_cast<unsigned>(j) : lane_id;
}

template <shfl_mode Mode>
struct shfl_at {
    const pygpu_sim_sync_site* site;
    template <class T>
    T operator()(unsigned mask, T var, long long b, int width = 32) const {
        const unsigned long long* values = warp_exchange(site, to_bits(var), mask);
        return from_bits<T>(values[shfl_source(Mode, lane(), static_cast<unsigned>(b), width)]);
    }
};

// The lanes of `mask` that exist (a block's last warp may be partial).
inline unsigned existing(unsigned mask, unsigned lanes) {
    return lanes >= 32 ? mask : mask & ((1u << lanes) - 1u);
}

inline unsigned ballot(const pygpu_sim_sync_site* site, unsigned mask, int predicate) {
    unsigned lanes = 0;
    const unsigned long long* values = warp_exchange(site, predicate != 0, mask, &lanes);
    const unsigned live = existing(mask, lanes);
    unsigned result = 0;
    for (unsigned i = 0; i < 32; ++i) {
        if ((live >> i & 1u) != 0 && values[i] != 0) result |= 1u << i;
    }
    return result;
}

struct ballot_at {
    const pygpu_sim_sync_site* site;
    unsigned operator()(unsigned mask, int predicate) const { return ballot(site, mask, predicate); }
};
struct any_at {
    const pygpu_sim_sync_site* site;
    int operator()(unsigned mask, int predicate) const { return ballot(site, mask, predicate) != 0; }
};
struct all_at {
    const pygpu_sim_sync_site* site;
    int operator()(unsigned mask, int predicate) const {
        unsigned lanes = 0;
        const unsigned long long* values = warp_exchange(site, predicate != 0, mask, &lanes);
        const unsigned live = existing(mask, lanes);
        for (unsigned i = 0; i < 32; ++i) {
            if ((live >> i & 1u) != 0 && values[i] == 0) return 0;
        }
        return 1;
    }
};

struct match_any_at {
    const pygpu_sim_sync_site* site;
    template <class T>
    unsigned operator()(unsigned mask, T value) const {
        unsigned lanes = 0;
        const unsigned long long mine = to_bits(value);
        const unsigned long long* values = warp_exchange(site, mine, mask, &lanes);
        const unsigned live = existing(mask, lanes);
        unsigned result = 0;
        for (unsigned i = 0; i < 32; ++i) {
            if ((live >> i & 1u) != 0 && values[i] == mine) result |= 1u << i;
        }
        return result;
    }
};
struct match_all_at {
    const pygpu_sim_sync_site* site;
    template <class T>
    unsigned operator()(unsigned mask, T value, int* pred) const {
        unsigned lanes = 0;
        const unsigned long long mine = to_bits(value);
        const unsigned long long* values = warp_exchange(site, mine, mask, &lanes);
        const unsigned live = existing(mask, lanes);
        bool same = true;
        for (unsigned i = 0; i < 32; ++i) {
            if ((live >> i & 1u) != 0 && values[i] != mine) same = false;
        }
        *pred = same ? 1 : 0;
        return same ? mask : 0u;
    }
};

// __reduce_<op>_sync: the op over the values of the lanes in mask.
template <class Op>
struct reduce_at {
    const pygpu_sim_sync_site* site;
    template <class T>
    T fold(unsigned mask, T value) const {
        unsigned lanes = 0;
        const unsigned long long* values = warp_exchange(site, to_bits(value), mask, &lanes);
        const unsigned live = existing(mask, lanes);
        bool first = true;
        T result = value;
        for (unsigned i = 0; i < 32; ++i) {
            if ((live >> i & 1u) == 0) continue;
            const T v = from_bits<T>(values[i]);
            result = first ? v : Op{}(result, v);
            first = false;
        }
        return result;
    }
    unsigned operator()(unsigned mask, unsigned value) const { return fold(mask, value); }
    int operator()(unsigned mask, int value) const { return fold(mask, value); }
};
struct op_add {
    template <class T> T operator()(T a, T b) const { return static_cast<T>(static_cast<unsigned>(a) + static_cast<unsigned>(b)); }
};
struct op_min {
    template <class T> T operator()(T a, T b) const { return b < a ? b : a; }
};
struct op_max {
    template <class T> T operator()(T a, T b) const { return a < b ? b : a; }
};
struct op_and {
    template <class T> T operator()(T a, T b) const { return a & b; }
};
struct op_or {
    template <class T> T operator()(T a, T b) const { return a | b; }
};
struct op_xor {
    template <class T> T operator()(T a, T b) const { return a ^ b; }
};

}  // namespace pygpu_sim_k

#define __shfl_sync ::pygpu_sim_k::shfl_at<::pygpu_sim_k::shfl_idx>{PYGPU_SIM_SITE("__shfl_sync")}
#define __shfl_up_sync ::pygpu_sim_k::shfl_at<::pygpu_sim_k::shfl_up>{PYGPU_SIM_SITE("__shfl_up_sync")}
#define __shfl_down_sync ::pygpu_sim_k::shfl_at<::pygpu_sim_k::shfl_down>{PYGPU_SIM_SITE("__shfl_down_sync")}
#define __shfl_xor_sync ::pygpu_sim_k::shfl_at<::pygpu_sim_k::shfl_bfly>{PYGPU_SIM_SITE("__shfl_xor_sync")}
#define __ballot_sync ::pygpu_sim_k::ballot_at{PYGPU_SIM_SITE("__ballot_sync")}
#define __any_sync ::pygpu_sim_k::any_at{PYGPU_SIM_SITE("__any_sync")}
#define __all_sync ::pygpu_sim_k::all_at{PYGPU_SIM_SITE("__all_sync")}
#define __match_any_sync ::pygpu_sim_k::match_any_at{PYGPU_SIM_SITE("__match_any_sync")}
#define __match_all_sync ::pygpu_sim_k::match_all_at{PYGPU_SIM_SITE("__match_all_sync")}
#define __reduce_add_sync ::pygpu_sim_k::reduce_at<::pygpu_sim_k::op_add>{PYGPU_SIM_SITE("__reduce_add_sync")}
#define __reduce_min_sync ::pygpu_sim_k::reduce_at<::pygpu_sim_k::op_min>{PYGPU_SIM_SITE("__reduce_min_sync")}
#define __reduce_max_sync ::pygpu_sim_k::reduce_at<::pygpu_sim_k::op_max>{PYGPU_SIM_SITE("__reduce_max_sync")}
#define __reduce_and_sync ::pygpu_sim_k::reduce_at<::pygpu_sim_k::op_and>{PYGPU_SIM_SITE("__reduce_and_sync")}
#define __reduce_or_sync ::pygpu_sim_k::reduce_at<::pygpu_sim_k::op_or>{PYGPU_SIM_SITE("__reduce_or_sync")}
#define __reduce_xor_sync ::pygpu_sim_k::reduce_at<::pygpu_sim_k::op_xor>{PYGPU_SIM_SITE("__reduce_xor_sync")}

/* The lanes of the caller's warp that exist and have not exited (the engine
 * lets the other lanes run up to a point where they wait or exit: it may
 * switch fibers). */
inline unsigned __activemask() {
    return pygpu_sim_k::switching([] { return pygpu_sim_active_mask(); });
}

#endif /* PYGPU_SIM_KERNEL_WARP_H */
