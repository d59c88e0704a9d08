// pointer_wrapper_void and pointer_wrapper_<dtype> (pointer.h), the liveness
// registry of allocations made through the bindings, and the conversion of
// memory and size arguments (address_arg.h).
#include <cstring>
#include <map>

#include "address_arg.h"
#include "dtype_family.h"
#include "error.h"
#include "family_init.h"
#include "pointer.h"

namespace pygpu {

// ----------------------------------------------------- liveness registry ---
// Accessed with the GIL held only, so it needs no lock of its own.
namespace bind_pointer {
namespace {
struct Tracked {
    LivenessToken token;
    bool device;
    int device_ordinal;
};
std::map<std::uintptr_t, Tracked>& registry() {
    static auto* r = new std::map<std::uintptr_t, Tracked>();  // never destroyed
    return *r;
}
}  // namespace
}  // namespace bind_pointer

LivenessToken track_allocation(std::uintptr_t base, bool device, int device_ordinal) {
    auto token = std::make_shared<Liveness>();
    auto& r = bind_pointer::registry();
    auto it = r.find(base);
    if (it != r.end()) it->second.token->alive = false;  // stale entry: address reused
    r[base] = bind_pointer::Tracked{token, device, device_ordinal};
    return token;
}

bool untrack_allocation(std::uintptr_t base, const char* call) {
    auto& r = bind_pointer::registry();
    auto it = r.find(base);
    if (it == r.end()) return false;
    it->second.token->alive = false;
    it->second.token->freed_by = call;
    r.erase(it);
    return true;
}

std::vector<TrackedAllocation> untrack_for_reset(int device_ordinal, const char* call) {
    std::vector<TrackedAllocation> taken;
    auto& r = bind_pointer::registry();
    for (auto it = r.begin(); it != r.end();) {
        if (device_ordinal < 0 || it->second.device_ordinal == device_ordinal) {
            it->second.token->alive = false;
            it->second.token->freed_by = call;
            taken.push_back(TrackedAllocation{it->first, it->second.token, it->second.device,
                                              it->second.device_ordinal});
            it = r.erase(it);
        } else {
            ++it;
        }
    }
    return taken;
}

void retrack(const std::vector<TrackedAllocation>& taken) {
    auto& r = bind_pointer::registry();
    for (const TrackedAllocation& t : taken) {
        if (r.count(t.base) != 0) continue;
        t.token->alive = true;
        t.token->freed_by = nullptr;
        r[t.base] = bind_pointer::Tracked{t.token, t.device, t.device_ordinal};
    }
}

// -------------------------------------------------------------- sizes ---
std::size_t size_arg(py::handle obj, const char* name) {
    if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr()))
        throw py::type_error(std::string(name) + " must be an int, got " +
                             type_name(obj));
    py::int_ value = py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr()));
    if (!value) throw py::error_already_set();
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow > 0) {
        unsigned long long u = PyLong_AsUnsignedLongLong(value.ptr());
        if (PyErr_Occurred()) {
            PyErr_Clear();
            throw py::value_error(std::string(name) + " is too large: " + std::string(py::str(value)));
        }
        return static_cast<std::size_t>(u);
    }
    if (overflow < 0 || v < 0)
        throw py::value_error(std::string(name) + " must be >= 0, got " + std::string(py::str(value)));
    return static_cast<std::size_t>(v);
}

// ---------------------------------------------------------- addresses ---
AddressArg::~AddressArg() {
    if (has_buffer_) PyBuffer_Release(&view_);
}

std::string AddressArg::parse(py::handle obj, bool writable, const char* what) {
    PyObject* o = obj.ptr();
    // Ints first, and the pointer class by a cached type check: the two
    // commonest arguments of the copy calls take no lookups.
    if (PyLong_CheckExact(o)) {
        address_ = static_cast<std::uintptr_t>(size_arg(obj, what));
        return {};
    }
    static PyTypeObject* const pointer_type = reinterpret_cast<PyTypeObject*>(py::type::of<PointerBase>().ptr());
    if (PyObject_TypeCheck(o, pointer_type)) {
        const auto& p = obj.cast<const PointerBase&>();
        if (!p.alive())
            return std::string(what) + " " + hex_address(reinterpret_cast<void*>(p.address)) +
                   " was already freed" + (p.token->freed_by ? std::string(" by ") + p.token->freed_by : "");
        address_ = p.address;
        extent_ = p.extent;
        has_extent_ = p.extent != 0 || p.token != nullptr;
        return {};
    }
    if (PyLong_Check(o) && !PyBool_Check(o)) {
        address_ = static_cast<std::uintptr_t>(size_arg(obj, what));
        return {};
    }
    if (PyObject_CheckBuffer(o)) {
        int flags = PyBUF_ANY_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(o, &view_, flags) != 0) {
            py::error_already_set reason;  // fetches and clears the Python error
            Py_buffer probe;
            if (writable && PyObject_GetBuffer(o, &probe, PyBUF_ANY_CONTIGUOUS) == 0) {
                bool readonly = probe.readonly != 0;
                PyBuffer_Release(&probe);
                if (readonly) return std::string(what) + " is a read-only buffer and the call writes to it";
            } else {
                PyErr_Clear();
            }
            return std::string(what) + " is a buffer that cannot be used as one contiguous block (" +
                   std::string(py::str(reason.value())) + ")";
        }
        has_buffer_ = true;
        address_ = reinterpret_cast<std::uintptr_t>(view_.buf);
        extent_ = static_cast<std::size_t>(view_.len);
        has_extent_ = true;
        return {};
    }
    if (py::hasattr(obj, "__cuda_array_interface__")) {
        py::dict cai = obj.attr("__cuda_array_interface__");
        py::tuple data = cai["data"];
        address_ = static_cast<std::uintptr_t>(size_arg(data[0], what));
        if (writable && data[1].cast<bool>())
            return std::string(what) + " is read-only (__cuda_array_interface__) and the call writes to it";
        return {};
    }
    if (PyIndex_Check(o) && !PyBool_Check(o)) {  // numpy integers, PyCUDA DeviceAllocation, ...
        address_ = static_cast<std::uintptr_t>(size_arg(obj, what));
        return {};
    }
    throw py::type_error(std::string(what) +
                         ": expected an address (int, pointer object, buffer, or object with "
                         "__cuda_array_interface__), got " +
                         type_name(obj));
}

std::string AddressArg::check_extent(std::size_t count, const char* what) const {
    if (!has_extent_ || count <= extent_) return {};
    return std::string(what) + " at " + hex_address(ptr()) + " holds " + std::to_string(extent_) +
           " bytes but the call needs " + std::to_string(count) + " (" +
           std::to_string(count - extent_) + " bytes too many)";
}

// ------------------------------------------------------ pointer wrappers ---
namespace bind_pointer {
namespace {

// numpy does the value conversions, so element reads and writes follow its
// rules exactly (float16 and complex included); PyGPU._convert adds the
// checks numpy's casts skip (overflow, float -> int).
py::object convert_module() {
    static auto* mod = new py::object(py::module_::import("PyGPU._convert"));  // never destroyed
    return *mod;
}

const dtype_info& typed(const PointerBase& p) {
    if (p.dtype == nullptr)
        throw py::type_error("pointer_wrapper_void is untyped: wrap it as pointer_wrapper_<dtype> to access elements");
    return *p.dtype;
}

// Python index -> element index, for the error message keeping the sign.
std::size_t element_index(const PointerBase& p, py::handle i) {
    if (PyBool_Check(i.ptr()) || !PyIndex_Check(i.ptr()))
        throw py::type_error("pointer index must be an int, got " + type_name(i));
    py::int_ value = py::reinterpret_steal<py::int_>(PyNumber_Index(i.ptr()));
    if (!value) throw py::error_already_set();
    int overflow = 0;  // an index past long long is out of bounds, not a failed cast
    long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow != 0 || v < 0)
        throw py::index_error("index " + std::string(py::str(value)) + " is out of bounds for " +
                              std::to_string(p.count()) + " element(s)" +
                              (overflow < 0 || (overflow == 0 && v < 0) ? ": pointers take indices >= 0" : ""));
    return static_cast<std::size_t>(v);
}

py::object get_element(const PointerBase& p, py::handle i) {
    const dtype_info& dt = typed(p);
    void* at = p.element(element_index(p, i));
    py::bytes raw(static_cast<const char*>(at), dt.itemsize);
    return convert_module().attr("from_bytes")(raw, dt.name);
}

void set_element(const PointerBase& p, py::handle i, py::handle value) {
    const dtype_info& dt = typed(p);
    void* at = p.element(element_index(p, i));
    std::string raw = convert_module().attr("to_bytes")(value, dt.name).cast<std::string>();
    std::memcpy(at, raw.data(), dt.itemsize);
}

std::string pointer_repr(py::handle self) {
    const auto& p = self.cast<const PointerBase&>();
    std::string kind = p.device ? "device" : (p.safe ? "host, safe" : "unsafe");
    if (!p.alive()) kind += ", freed";
    std::string extent = p.extent ? ", " + std::to_string(p.extent) + " bytes" : "";
    return "<" + type_name(self) + " " + hex_address(reinterpret_cast<void*>(p.address)) + " (" + kind + extent + ")>";
}

// The typed pointer classes (dtype_family.h).
DtypeFamily pointer_classes;  // holds no references: the module owns the classes

// A pointer from an int (unsafe, unknown extent) or any pointer wrapper
// (same address, extent, safety and liveness), typed as the class `type`
// being constructed: pointer_wrapper_void, or a pointer_wrapper_<dtype>.
std::unique_ptr<PointerBase> pointer_from(PyTypeObject* type, py::handle source) {
    auto p = std::make_unique<PointerBase>();
    if (py::isinstance<PointerBase>(source)) {
        *p = source.cast<const PointerBase&>();
    } else {
        p->address = static_cast<std::uintptr_t>(size_arg(source, "address"));
    }
    p->dtype = pointer_classes.dtype_of(type);
    return p;
}

}  // namespace
}  // namespace bind_pointer

py::object pointer_object(const PointerBase& p) {
    if (p.dtype == nullptr) return py::cast(p);
    return family_instance(bind_pointer::pointer_classes.type_for(*p.dtype), std::make_unique<PointerBase>(p));
}

namespace bind_pointer {

void bind(py::module_& m) {
    py::class_<PointerBase> cls(m, "pointer_wrapper_void", R"doc(
An address, as returned by cudaMalloc and cudaMallocHost; pointer_wrapper_<dtype>
classes derive from it.

``int(p)`` is the raw address (PyCUDA convention). ``p + n`` offsets it by n
elements (bytes for the void pointer) within its known extent. A *safe*
pointer (host memory owned by this process) gives element access with bounds
checks: ``p[i]``, ``p.get(i)``, ``p.set(i, value)``; an unsafe one (device
memory, or an address of unknown origin) raises ValueError instead. Pointers
to memory allocated through PyGPU know when it was freed and are then refused.)doc");
    def_family_init<py::handle>(cls, &pointer_from, py::arg("address"),
        "Wrap a raw address (unsafe: its extent and kind are unknown), or retype another pointer wrapper "
        "(keeps what it knows).");
    cls.def("__int__", [](const PointerBase& p) { return p.address; })
        .def("__index__", [](const PointerBase& p) { return p.address; })
        // Lambdas taking a reference, never member function pointers: pybind11 binds
        // those with a `const T*` self, which None converts to (a null dereference
        // when called unbound as pointer_wrapper_void.count(None)).
        .def("is_safe", [](const PointerBase& p) { return p.readable(); },
             "True for host memory owned by this process and still allocated.")
        .def("is_device", [](const PointerBase& p) { return p.device; }, "True for device memory.")
        .def_property_readonly("alive", [](const PointerBase& p) { return p.alive(); },
                               "False once the memory was freed through PyGPU.")
        .def_property_readonly("extent", [](const PointerBase& p) { return p.extent; },
                               "Bytes reachable from this address (0 when unknown).")
        .def_property_readonly("dtype", [](const PointerBase& p) -> py::object {
                if (p.dtype == nullptr) return py::none();
                return py::module_::import("numpy").attr("dtype")(p.dtype->name);
            }, "The element type (a numpy.dtype), None for pointer_wrapper_void.")
        .def("count", [](const PointerBase& p) { return p.count(); }, "Elements reachable from this address (0 when unknown).")
        .def("get", &get_element, py::arg("i") = 0, "Element i (bounds-checked; safe pointers only).")
        .def("set", &set_element, py::arg("i"), py::arg("value"), "Write element i (bounds-checked; safe pointers only).")
        .def("__getitem__", &get_element)
        .def("__setitem__", &set_element)
        .def("print_address", [](const PointerBase& p) {
                py::print(hex_address(reinterpret_cast<void*>(p.address)));
            }, "Print the address (compatibility with the original PyGPU).")
        .def("__add__", [](const PointerBase& p, py::handle n) { return pointer_object(p.advanced(size_arg(n, "offset"))); },
             py::is_operator())
        .def("__eq__", [](const PointerBase& p, py::handle other) -> py::object {
                if (!py::isinstance<PointerBase>(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
                return py::bool_(p.address == other.cast<const PointerBase&>().address);
            }, py::is_operator())
        .def("__hash__", [](const PointerBase& p) { return py::hash(py::int_(p.address)); })
        .def("__repr__", &pointer_repr);

    pointer_classes.create(m, cls, "pointer_wrapper_", "A typed pointer to");

    py::list names;
#define PYGPU_DTYPE_NAME_(name_, type_, format_, kind_) names.append(#name_);
    PYGPU_DTYPES(PYGPU_DTYPE_NAME_)
#undef PYGPU_DTYPE_NAME_
    m.attr("dtypes") = py::tuple(names);
}

}  // namespace bind_pointer

}  // namespace pygpu
