// Checked size arithmetic: products and sums of sizes, extents and strides
// that report overflow instead of wrapping (size_t) or being undefined
// (ptrdiff_t). Used wherever a shape, a stride or a count from Python becomes
// a byte count.
//
// Self-contained: the standard library only.
#ifndef PYGPU_CHECKED_H
#define PYGPU_CHECKED_H

#include <cstddef>
#include <cstdint>
#include <limits>

namespace pygpu {
namespace checked {

// a * b into `out`; false (out untouched) when it does not fit size_t.
inline bool mul(std::size_t a, std::size_t b, std::size_t& out) {
    if (b != 0 && a > std::numeric_limits<std::size_t>::max() / b) return false;
    out = a * b;
    return true;
}

// a + b into `out`; false when it does not fit size_t.
inline bool add(std::size_t a, std::size_t b, std::size_t& out) {
    if (a > std::numeric_limits<std::size_t>::max() - b) return false;
    out = a + b;
    return true;
}

// a * b into `out` for signed values (strides times indices); false when it
// does not fit ptrdiff_t.
inline bool mul(std::ptrdiff_t a, std::ptrdiff_t b, std::ptrdiff_t& out) {
#if defined(__GNUC__) || defined(__clang__)
    std::ptrdiff_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) return false;
    out = r;
    return true;
#else
    using L = std::numeric_limits<std::ptrdiff_t>;
    if (a == 0 || b == 0) {
        out = 0;
        return true;
    }
    if ((a == -1 && b == L::min()) || (b == -1 && a == L::min())) return false;
    if (a > 0 ? (b > 0 ? a > L::max() / b : b < L::min() / a) : (b > 0 ? a < L::min() / b : a < L::max() / b))
        return false;
    out = a * b;
    return true;
#endif
}

// The layout rule numpy applies: `itemsize` times the product of the extents,
// an extent of 0 counted as 1, must fit ptrdiff_t, so that every contiguous
// stride and every byte count of the array fits. Returns false for a
// negative extent or a shape that breaks the rule; otherwise sets the number
// of elements and of bytes (the true product, 0 when an extent is 0).
inline bool shape_bytes(const std::ptrdiff_t* shape, std::size_t ndim, std::size_t itemsize, std::size_t& elements,
                        std::size_t& bytes) {
    const auto limit = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max());
    std::size_t reach = itemsize, count = 1;
    for (std::size_t k = 0; k < ndim; ++k) {
        if (shape[k] < 0) return false;
        const auto n = static_cast<std::size_t>(shape[k]);
        if (!mul(reach, n > 0 ? n : 1, reach) || reach > limit) return false;
        count *= n;  // <= reach / itemsize: cannot wrap
    }
    if (reach > limit) return false;
    elements = count;
    bytes = count * itemsize;
    return true;
}

}  // namespace checked
}  // namespace pygpu

#endif  // PYGPU_CHECKED_H
