// Recycled host blocks for the large numpy arrays that GPUArray.get() returns.
//
// A fresh large array costs its page faults, about as much as the copy into
// it: get() in a loop would pay that on every call, so large results live in
// blocks of a BlockCache (PyGPU/common/block_cache.h), kept faulted in after
// their array is gone.
//
// The array's base is a capsule that returns the block when numpy releases
// the array: it works like any ndarray, except that it does not own its data
// (`flags.owndata` is False, so `ndarray.resize` refuses, as for any view).
#include <pybind11/numpy.h>

#include <new>
#include <vector>

#include "PyGPU/common/block_cache.h"
#include "backend_access.h"
#include "checked.h"

namespace pygpu {

namespace bind_host_blocks {
namespace {

struct Block {
    void* mem;
    std::size_t extent;
};

// Never destroyed: arrays released during interpreter shutdown still give
// their blocks back (the blocks stay reachable, so it is no leak).
BlockCache& block_cache() {
    static BlockCache* c = new BlockCache(std::size_t(256) << 20);
    return *c;
}

// An uninitialised array of `shape`/`strides` (a contiguous layout of
// `nbytes` bytes) in a recycled block.
py::array host_array(const py::dtype& dtype, const py::tuple& shape_arg, const py::tuple& strides_arg,
                     std::size_t nbytes) {
    if (shape_arg.size() != strides_arg.size()) throw py::value_error("shape and strides differ in length");
    std::vector<py::ssize_t> shape, strides;
    for (std::size_t i = 0; i < shape_arg.size(); ++i) {
        shape.push_back(signed_arg(shape_arg[i], "shape"));
        strides.push_back(signed_arg(strides_arg[i], "strides"));
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
    if (nbytes < BlockCache::kSmallest) throw py::value_error("recycled host blocks are for arrays of 1 MiB or more");
    const std::size_t extent = BlockCache::extent_for(nbytes);
    void* mem = extent != 0 ? block_cache().take(extent) : nullptr;
    if (mem == nullptr) throw std::bad_alloc();
    // The capsule (the array's base) gives the block back when numpy lets go of it.
    auto* block = new Block{mem, extent};
    py::capsule owner(block, [](void* p) {
        auto* b = static_cast<Block*>(p);
        block_cache().give(b->mem, b->extent);
        delete b;
    });
    return py::array(dtype, shape, strides, mem, owner);
}

}  // namespace

void bind(py::module_& m) {
    m.def("_host_array", &host_array, py::arg("dtype"), py::arg("shape"), py::arg("strides"), py::arg("nbytes"),
          "An uninitialised host array of at least 1 MiB in a recycled, already faulted-in block (GPUArray.get()).");
}

}  // namespace bind_host_blocks

}  // namespace pygpu
