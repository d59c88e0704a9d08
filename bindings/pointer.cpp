// pointer_wrapper_void, the liveness registry of allocations made through the
// bindings, and the conversion of memory and size arguments.
#include <map>

#include "core.h"

namespace pygpu {

// ----------------------------------------------------- liveness registry ---
// Accessed with the GIL held only, so it needs no lock of its own.
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

LivenessToken track_allocation(std::uintptr_t base, bool device, int device_ordinal) {
    auto token = std::make_shared<Liveness>();
    auto& r = registry();
    auto it = r.find(base);
    if (it != r.end()) it->second.token->alive = false;  // stale entry: address reused
    r[base] = Tracked{token, device, device_ordinal};
    return token;
}

bool untrack_allocation(std::uintptr_t base, const char* call) {
    auto& r = registry();
    auto it = r.find(base);
    if (it == r.end()) return false;
    it->second.token->alive = false;
    it->second.token->freed_by = call;
    r.erase(it);
    return true;
}

void untrack_device(int device_ordinal) {
    auto& r = registry();
    for (auto it = r.begin(); it != r.end();) {
        if (it->second.device_ordinal == device_ordinal) {
            it->second.token->alive = false;
            it->second.token->freed_by = "cudaDeviceReset";
            it = r.erase(it);
        } else {
            ++it;
        }
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
    if (py::isinstance<PointerBase>(obj)) {
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

// ------------------------------------------------- pointer_wrapper_void ---
static std::string pointer_repr(const PointerBase& p, const char* cls) {
    std::string kind = p.device ? "device" : (p.safe ? "host, safe" : "unsafe");
    if (!p.alive()) kind += ", freed";
    std::string extent = p.extent ? ", " + std::to_string(p.extent) + " bytes" : "";
    return std::string("<") + cls + " " + hex_address(reinterpret_cast<void*>(p.address)) + " (" + kind +
           extent + ")>";
}

void bind_pointers(py::module_& m) {
    py::class_<PointerBase>(m, "pointer_wrapper_void", R"doc(
An untyped address, as returned by cudaMalloc and cudaMallocHost.

``int(p)`` is the raw address (PyCUDA convention). ``p + n`` offsets it by n
bytes within its known extent. Pointers to memory allocated through PyGPU
know when that memory was freed and are then refused by every call.)doc")
        .def(py::init([](py::handle address) {
                 PointerBase p;
                 p.address = static_cast<std::uintptr_t>(size_arg(address, "address"));
                 return p;
             }), py::arg("address"), "Wrap a raw address (unsafe: its extent and kind are unknown).")
        .def("__int__", [](const PointerBase& p) { return p.address; })
        .def("__index__", [](const PointerBase& p) { return p.address; })
        .def("is_safe", [](const PointerBase& p) { return p.safe && p.alive(); },
             "True for host memory owned by this process and still allocated.")
        .def("is_device", [](const PointerBase& p) { return p.device; }, "True for device memory.")
        .def_property_readonly("alive", &PointerBase::alive, "False once the memory was freed through PyGPU.")
        .def_property_readonly("extent", [](const PointerBase& p) { return p.extent; },
                               "Bytes reachable from this address (0 when unknown).")
        .def("print_address", [](const PointerBase& p) {
                py::print(hex_address(reinterpret_cast<void*>(p.address)));
            }, "Print the address (compatibility with the original PyGPU).")
        .def("__add__", [](const PointerBase& p, py::handle n_obj) {
                std::size_t n = size_arg(n_obj, "offset");
                if (p.extent != 0 && n > p.extent)
                    throw py::index_error("offset " + std::to_string(n) + " is past the end of the " +
                                          std::to_string(p.extent) + "-byte extent");
                PointerBase q = p;
                q.address += n;
                if (q.extent != 0) q.extent -= n;
                return q;
            }, py::is_operator())
        .def("__eq__", [](const PointerBase& p, py::handle other) -> py::object {
                if (!py::isinstance<PointerBase>(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
                return py::bool_(p.address == other.cast<const PointerBase&>().address);
            }, py::is_operator())
        .def("__hash__", [](const PointerBase& p) { return py::hash(py::int_(p.address)); })
        .def("__repr__", [](const PointerBase& p) { return pointer_repr(p, "pointer_wrapper_void"); });
}

}  // namespace pygpu
