// Recycled host blocks for the large numpy arrays that GPUArray.get() returns.
//
// A fresh large array costs its page faults: the kernel zeroes every page on
// first touch, which takes about as long as the copy itself. get() in a loop
// would pay that on every call, so large results come from blocks kept here
// after their array is gone, already faulted in (and backed by transparent
// huge pages where the host allows them, as numpy asks for its own large
// arrays). The cache is bounded; what does not fit goes back to the host.
//
// The array's base is a capsule that returns the block when numpy releases
// the array: it works like any ndarray, except that it does not own its data
// (`flags.owndata` is False, so `ndarray.resize` refuses, as for any view).
#include <pybind11/numpy.h>

#include <cstdlib>
#include <limits>
#include <mutex>
#include <new>
#include <vector>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "core.h"

namespace pygpu {

namespace {

constexpr std::size_t kHugePage = std::size_t(2) << 20;
constexpr std::size_t kSmallest = std::size_t(1) << 20;  // below: numpy's own allocation is as good
constexpr std::size_t kCachedBytes = std::size_t(256) << 20;

struct Block {
    void* mem;
    std::size_t extent;
};

class BlockCache {
public:
    // A block of exactly `extent` bytes: a cached one, else a new one (NULL when the host has none).
    void* take(std::size_t extent) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            for (auto it = blocks_.begin(); it != blocks_.end(); ++it) {
                if (it->extent == extent) {
                    void* mem = it->mem;
                    bytes_ -= extent;
                    blocks_.erase(it);
                    return mem;
                }
            }
        }
        void* mem = std::aligned_alloc(kHugePage, extent);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (mem != nullptr) madvise(mem, extent, MADV_HUGEPAGE);  // advice only
#endif
        return mem;
    }

    // Keeps a block for the next take of its extent; the oldest go back to the host first.
    void give(void* mem, std::size_t extent) {
        std::vector<void*> surplus;
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (extent > kCachedBytes) {
                surplus.push_back(mem);
            } else {
                while (bytes_ + extent > kCachedBytes) {
                    surplus.push_back(blocks_.front().mem);
                    bytes_ -= blocks_.front().extent;
                    blocks_.erase(blocks_.begin());
                }
                blocks_.push_back(Block{mem, extent});
                bytes_ += extent;
            }
        }
        for (void* m : surplus) std::free(m);
    }

private:
    std::mutex mu_;
    std::vector<Block> blocks_;  // oldest first; a few entries at most (each >= 1 MiB)
    std::size_t bytes_ = 0;
};

// Never destroyed: arrays released during interpreter shutdown still give
// their blocks back (the blocks stay reachable, so it is no leak).
BlockCache& cache() {
    static BlockCache* c = new BlockCache;
    return *c;
}

// An uninitialised array of `shape`/`strides` (a contiguous layout of
// `nbytes` bytes) in a recycled block.
py::array host_array(const py::dtype& dtype, const py::tuple& shape_arg, const py::tuple& strides_arg,
                     std::size_t nbytes) {
    if (shape_arg.size() != strides_arg.size()) throw py::value_error("shape and strides differ in length");
    std::vector<py::ssize_t> shape, strides;
    for (std::size_t i = 0; i < shape_arg.size(); ++i) {
        shape.push_back(shape_arg[i].cast<py::ssize_t>());
        strides.push_back(strides_arg[i].cast<py::ssize_t>());
    }
    // Every element must lie inside the block: no negative extents, no overflow.
    std::size_t reach = static_cast<std::size_t>(dtype.itemsize());
    bool empty = false;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] < 0 || strides[i] < 0) throw py::value_error("shape and strides must not be negative");
        if (shape[i] == 0) empty = true;
        std::size_t step = 0;
        if (shape[i] > 0 && (__builtin_mul_overflow(static_cast<std::size_t>(shape[i] - 1),
                                                    static_cast<std::size_t>(strides[i]), &step) ||
                             __builtin_add_overflow(reach, step, &reach)))
            throw py::value_error("shape and strides reach past the address space");
    }
    if (!empty && reach > nbytes) throw py::value_error("shape and strides reach past nbytes");
    if (nbytes < kSmallest) throw py::value_error("recycled host blocks are for arrays of 1 MiB or more");
    if (nbytes > std::numeric_limits<std::size_t>::max() - kHugePage) throw std::bad_alloc();
    const std::size_t extent = (nbytes + kHugePage - 1) / kHugePage * kHugePage;
    void* mem = cache().take(extent);
    if (mem == nullptr) throw std::bad_alloc();
    // The capsule (the array's base) gives the block back when numpy lets go of it.
    auto* block = new Block{mem, extent};
    py::capsule owner(block, [](void* p) {
        auto* b = static_cast<Block*>(p);
        cache().give(b->mem, b->extent);
        delete b;
    });
    return py::array(dtype, shape, strides, mem, owner);
}

}  // namespace

void bind_host_blocks(py::module_& m) {
    m.def("_host_array", &host_array, py::arg("dtype"), py::arg("shape"), py::arg("strides"), py::arg("nbytes"),
          "An uninitialised host array of at least 1 MiB in a recycled, already faulted-in block (GPUArray.get()).");
}

}  // namespace pygpu
