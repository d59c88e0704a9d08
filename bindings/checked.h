// Checked conversions of Python ints for the bindings: a value that does not
// fit the C++ type is a ValueError naming the argument, never a wrapped
// number or pybind11's RuntimeError "Unable to cast". The arithmetic on the
// converted values is in pygpu/checked.h.
#ifndef PYGPU_BINDINGS_CHECKED_H
#define PYGPU_BINDINGS_CHECKED_H

#include <pybind11/pybind11.h>

#include <cstddef>
#include <string>

#include "pygpu/checked.h"

namespace pygpu {

// A signed int argument (numpy integers and other __index__ objects too):
// TypeError for anything else or a bool, ValueError beyond ptrdiff_t. The
// converted int is owned here, so the argument may be a temporary item.
inline std::ptrdiff_t signed_arg(pybind11::handle obj, const std::string& name) {
    namespace py = pybind11;
    if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr()))
        throw py::type_error(name + " must be an int, got " + Py_TYPE(obj.ptr())->tp_name);
    py::int_ value = py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr()));
    if (!value) throw py::error_already_set();
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow != 0 || v < PTRDIFF_MIN || v > PTRDIFF_MAX)
        throw py::value_error(name + " is out of range: " + std::string(py::str(value)));
    return static_cast<std::ptrdiff_t>(v);
}

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_CHECKED_H
