// DtypeFamily: the per-dtype Python classes of a bound class (dtype_family.h).
#include "dtype_family.h"

namespace pygpu {

py::object stateless_subclass(py::handle base, const std::string& name, const std::string& doc) {
    // The base's metaclass (pybind11's) makes the class, as a `class`
    // statement deriving from the base would.
    py::handle metaclass = reinterpret_cast<PyObject*>(Py_TYPE(base.ptr()));
    py::dict body;
    body["__slots__"] = py::tuple();  // nothing of its own: the C++ object is the base's
    body["__module__"] = base.attr("__module__");
    body["__doc__"] = doc;
    return metaclass(name, py::make_tuple(base), body);
}

void DtypeFamily::create(py::module_& m, py::handle base, const std::string& prefix, const std::string& lead) {
    const std::string base_name = py::str(base.attr("__name__"));
    auto add = [&](const dtype_info& dt) {
        std::string name = prefix + dt.name;
        py::object cls = stateless_subclass(base, name, lead + " " + dt.name + " elements (see " + base_name + ").");
        classes_.emplace_back(reinterpret_cast<PyTypeObject*>(cls.ptr()), &dt);
        m.attr(name.c_str()) = cls;  // the module keeps the class alive
    };
#define PYGPU_FAMILY_CLASS_(name_, type_, format_, kind_) add(::pygpu::dtype_of<type_>::info());
    PYGPU_DTYPES(PYGPU_FAMILY_CLASS_)
#undef PYGPU_FAMILY_CLASS_
}

const dtype_info* DtypeFamily::dtype_of(PyTypeObject* type) const {
    PyObject* mro = type->tp_mro;  // the class itself first, then its bases
    if (mro == nullptr) return nullptr;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); ++i)
        for (const auto& [cls, dt] : classes_)
            if (reinterpret_cast<PyObject*>(cls) == PyTuple_GET_ITEM(mro, i)) return dt;
    return nullptr;
}

py::handle DtypeFamily::type_for(const dtype_info& dtype) const {
    for (const auto& [cls, dt] : classes_)
        if (dt == &dtype) return reinterpret_cast<PyObject*>(cls);
    throw std::logic_error(std::string("PyGPU: no class for dtype ") + dtype.name);
}

}  // namespace pygpu
