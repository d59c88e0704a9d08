// The per-dtype classes <family>_<dtype> (pointer_wrapper_int8,
// DeviceArray_float32, HostAllocator_uint8, PagelockedAllocator_bool, ...) are
// not one bound C++ type each. A family is one bound class holding the dtype
// as data; its per-dtype classes are made at import as Python subclasses of it
// with no state of their own (`__slots__ = ()`), and an instance's dtype
// follows from its class. One set of pybind11 instantiations so serves every
// dtype of the table: bound one C++ type each, the 4 x 14 classes were a third
// of _core's machine code and of its build time (docs/performance.md).
// Constructors and instances from C++: family_init.h.
#ifndef PYGPU_BINDINGS_DTYPE_FAMILY_H
#define PYGPU_BINDINGS_DTYPE_FAMILY_H

#include <string>
#include <utility>
#include <vector>

#include "backend_access.h"
#include "pygpu/dtypes.h"

namespace pygpu {

class DtypeFamily {
public:
    // Make <prefix><dtype> for every dtype of the table, subclasses of `base`
    // with the docstring "<lead> <dtype> elements (see <base>).", and set them
    // on `m`.
    void create(py::module_& m, py::handle base, const std::string& prefix, const std::string& lead);
    // The dtype of the family's class `type` is, or derives from (a user's
    // subclass works too); nullptr when it is none of them.
    const dtype_info* dtype_of(PyTypeObject* type) const;
    // The family's class for `dtype`.
    py::handle type_for(const dtype_info& dtype) const;

private:
    std::vector<std::pair<PyTypeObject*, const dtype_info*>> classes_;
};

// A Python subclass of the bound class `base` with no state of its own.
py::object stateless_subclass(py::handle base, const std::string& name, const std::string& doc);

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_DTYPE_FAMILY_H
