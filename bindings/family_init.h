// Constructors and C++-made instances of the per-dtype classes (dtype_family.h).
//
// The one place in bindings/ that uses pybind11's internals (py::detail::
// value_and_holder, initimpl::construct, get_type_info, instance): include it
// only where a family class is bound (pointer.cpp, device_array.cpp,
// allocator.cpp). pyproject.toml bounds pybind11 to the releases these were
// tested with, and .ci/run builds against the lowest and the highest of them.
#ifndef PYGPU_BINDINGS_FAMILY_INIT_H
#define PYGPU_BINDINGS_FAMILY_INIT_H

#include <memory>
#include <typeinfo>
#include <utility>

#include "backend_access.h"

namespace pygpu {

// Bind an __init__ overload on a family's base class: `make(type, args...)`
// returns the std::unique_ptr<Class> for an instance of Python class `type`
// (the per-dtype class being constructed). pybind11's py::init does the same,
// but its factory cannot see which subclass it constructs. Args are the
// Python arguments' C++ types, given explicitly.
template <class... Args, class Class, class Make, class... Extra>
void def_family_init(py::class_<Class>& cls, Make make, const Extra&... extra) {
    cls.def("__init__", [make](py::detail::value_and_holder& v_h, Args... args) {
            std::unique_ptr<Class> obj = make(Py_TYPE(reinterpret_cast<PyObject*>(v_h.inst)), std::forward<Args>(args)...);
            py::detail::initimpl::construct<py::class_<Class>>(v_h, std::move(obj), false);
        }, py::detail::is_new_style_constructor(), extra...);
}

// A new instance of `type` (Class's bound class or a subclass of it, such as
// a per-dtype class) holding `obj`, made from C++: what the class's __init__
// does, without the Python call (for objects returned by calls).
template <class Class>
py::object family_instance(py::handle type, std::unique_ptr<Class> obj) {
    static py::detail::type_info* const bound = py::detail::get_type_info(typeid(Class), true);
    auto* t = reinterpret_cast<PyTypeObject*>(type.ptr());
    py::object self = py::reinterpret_steal<py::object>(t->tp_new(t, py::tuple().ptr(), nullptr));
    if (!self) throw py::error_already_set();
    auto* inst = reinterpret_cast<py::detail::instance*>(self.ptr());
    py::detail::value_and_holder v_h = inst->get_value_and_holder(bound);
    py::detail::initimpl::construct<py::class_<Class>>(v_h, std::move(obj), false);
    return self;
}

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_FAMILY_INIT_H
