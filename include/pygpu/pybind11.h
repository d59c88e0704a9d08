// pybind11 type casters for PyGPU's extension-author types, so that a user's
// own bound function can take device arrays and streams from Python:
//
//   #include <pybind11/pybind11.h>
//   #include "pygpu/pybind11.h"
//
//   void saxpy(float a, pygpu::device_span<const float, pygpu::contiguous> x,
//              pygpu::device_span<float, pygpu::contiguous> y, pygpu::stream_ref stream) {
//       saxpy_kernel<<<blocks, threads, 0, stream.as<cudaStream_t>()>>>(...);
//   }
//   m.def("saxpy", &saxpy, py::arg("a"), py::arg("x"), py::arg("y"), py::arg("stream") = py::none());
//
// pygpu::device_span<T, Layout> accepts
//   - any object with `__cuda_array_interface__` (PyGPU's GPUArray, CuPy,
//     Numba, PyTorch...): pointer, shape, strides, typestr, read-only flag and
//     stream are read from it;
//   - a `PyGPU.DeviceArray_<dtype>`: its device side (which must be allocated);
//   - an object exposing only DLPack on a CUDA/ROCm device, imported through
//     `PyGPU.from_dlpack`.
// It refuses, with a message saying what was wrong and how to fix it:
//   TypeError   wrong dtype (naming the expected and received dtypes), host
//               memory (a numpy array, a buffer, a DLPack tensor on the CPU),
//               a read-only array for a span of non-const T, anything else;
//   ValueError  an unusable layout (not C-contiguous where Layout is
//               pygpu::contiguous, too many axes, misaligned data) or a
//               DeviceArray whose device side is not allocated.
//
// pygpu::stream_ref accepts None (the legacy default stream, handle 0), an int
// handle, a `PyGPU.cudaStream_t` or `PyGPU.driver.Stream` (their `handle`), or
// an object with `__cuda_stream__`; anything else is a TypeError, a destroyed
// stream a ValueError.
//
// Overloads: when a function has several overloads, pybind11 first tries them
// all without conversions; a caster here then declines quietly, so overloads
// on the dtype (device_span<float> and device_span<double>) pick the right
// one. On the second pass (and for a function with one overload) a mismatch
// raises the error above at once.
//
// The casters live in the headers only: they need no PyGPU library, no
// vendor header and no active backend (the extension may be built with
// nvcc, hipcc or the plain C++ compiler). The span owns nothing; the caller
// keeps the array alive while work on it is queued, as with a raw pointer.
//
// Helpers for extension code that calls the runtime PyGPU runs on (the
// simulated device's host builds): pygpu::active_backend(),
// pygpu::launch_host_func(stream, f) and pygpu::check_status(status).
//
// Without pybind11 on the include path this header declares only
// device_span and stream_ref.
#ifndef PYGPU_PYBIND11_H
#define PYGPU_PYBIND11_H

#include "pygpu/device_span.h"
#include "pygpu/stream_ref.h"

#if defined(__has_include)
#if __has_include(<pybind11/pybind11.h>)
#define PYGPU_HAVE_PYBIND11 1
#endif
#endif

#ifdef PYGPU_HAVE_PYBIND11

#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "pygpu/backend.h"
#include "pygpu/checked.h"
#include "pygpu/device_array.h"
#include "pygpu/dtypes.h"

// Hidden like pybind11's own namespace: the helpers hold Python objects.
#if defined(__GNUC__) && !defined(_WIN32)
#define PYGPU_PYBIND11_HIDDEN __attribute__((visibility("hidden")))
#else
#define PYGPU_PYBIND11_HIDDEN
#endif

namespace pygpu {
namespace pybind11_detail PYGPU_PYBIND11_HIDDEN {

namespace py = pybind11;

// A conversion that failed: the exception type and the message.
struct refusal {
    enum kind_t { none, type, value } kind = none;
    std::string message;
    explicit operator bool() const { return kind != none; }
};

inline refusal type_refusal(std::string m) { return {refusal::type, std::move(m)}; }
inline refusal value_refusal(std::string m) { return {refusal::value, std::move(m)}; }

// Raise it (second pass) or decline quietly (first pass): see "Overloads" above.
inline bool refuse(const refusal& r, bool convert) {
    if (!convert) return false;
    if (r.kind == refusal::value) throw py::value_error(r.message);
    throw py::type_error(r.message);
}

inline std::string type_name(py::handle obj) {
    py::handle type = reinterpret_cast<PyObject*>(Py_TYPE(obj.ptr()));
    std::string module = py::hasattr(type, "__module__") ? py::str(type.attr("__module__")).cast<std::string>() : "";
    std::string name = py::str(type.attr("__qualname__")).cast<std::string>();
    return module.empty() || module == "builtins" ? name : module + "." + name;
}

// A Python integer (numpy integers included; negative ones when allowed;
// above 2**63 only when `allow_unsigned`: addresses), else a refusal.
inline bool to_integer(py::handle obj, long long& out, bool allow_negative, const std::string& what, refusal& why,
                       bool allow_unsigned = true) {
    if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr())) {
        why = type_refusal(what + ": expected an int, got " + type_name(obj));
        return false;
    }
    py::int_ value = py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr()));
    if (!value) {  // a numpy array of several elements, for example
        PyErr_Clear();
        why = type_refusal(what + ": expected an int, got " + type_name(obj));
        return false;
    }
    int overflow = 0;
    out = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow < 0 || (overflow > 0 && !allow_unsigned) || (!allow_negative && out < 0)) {
        why = value_refusal(what + ": " + std::string(py::str(value)) +
                            (overflow != 0 ? " is out of range" : " is negative"));
        return false;
    }
    if (overflow > 0) {  // an address above 2**63
        unsigned long long u = PyLong_AsUnsignedLongLong(value.ptr());
        if (PyErr_Occurred()) throw py::error_already_set();
        out = static_cast<long long>(u);
    }
    return true;
}

// What the caster reads from an array object, before it is checked against T.
struct array_view {
    std::uintptr_t address = 0;
    bool readonly = false;
    std::vector<std::ptrdiff_t> shape, strides;  // strides in bytes, empty: C order
    std::string typestr;                          // numpy array-interface typestr: "<f4"
    std::uintptr_t stream = 0;                    // CAI "stream", 0 when none
    py::object owner;                             // kept alive for the call
};

inline bool read_tuple(py::handle obj, std::vector<std::ptrdiff_t>& out, bool allow_negative, const char* what,
                       refusal& why) {
    if (!py::isinstance<py::tuple>(obj) && !py::isinstance<py::list>(obj)) {
        why = type_refusal(std::string("__cuda_array_interface__: '") + what + "' must be a tuple, got " +
                           type_name(obj));
        return false;
    }
    for (py::handle item : obj) {
        long long v = 0;
        if (!to_integer(item, v, allow_negative, std::string("__cuda_array_interface__: '") + what + "'", why,
                        false))
            return false;
        out.push_back(static_cast<std::ptrdiff_t>(v));
    }
    return true;
}

// The __cuda_array_interface__ (versions 0 to 3) of `obj`.
inline bool from_cai(py::handle obj, py::handle cai_obj, array_view& v, refusal& why) {
    if (!py::isinstance<py::dict>(cai_obj)) {
        why = type_refusal("__cuda_array_interface__ of " + type_name(obj) + " is not a dict");
        return false;
    }
    py::dict cai = py::reinterpret_borrow<py::dict>(cai_obj);
    for (const char* key : {"shape", "typestr", "data"}) {
        if (!cai.contains(key)) {
            why = type_refusal(std::string("__cuda_array_interface__ of ") + type_name(obj) + " has no '" + key + "'");
            return false;
        }
    }
    if (cai.contains("mask") && !cai["mask"].is_none()) {
        why = value_refusal("masked arrays are not supported (__cuda_array_interface__ 'mask' is set)");
        return false;
    }
    if (!read_tuple(cai["shape"], v.shape, false, "shape", why)) return false;
    if (cai.contains("strides") && !cai["strides"].is_none()) {
        if (!read_tuple(cai["strides"], v.strides, true, "strides", why)) return false;
        if (v.strides.size() != v.shape.size()) {
            why = type_refusal("__cuda_array_interface__: 'strides' and 'shape' differ in length");
            return false;
        }
    }
    v.typestr = py::str(cai["typestr"]).cast<std::string>();
    py::object data = cai["data"];
    if (!py::isinstance<py::tuple>(data) || py::len(data) != 2) {
        why = type_refusal("__cuda_array_interface__: 'data' must be a tuple (address, read_only)");
        return false;
    }
    long long address = 0;
    if (!to_integer(data[py::int_(0)], address, false, "__cuda_array_interface__: data address", why)) return false;
    v.address = static_cast<std::uintptr_t>(address);
    v.readonly = py::bool_(data[py::int_(1)]).cast<bool>();
    if (cai.contains("stream") && !cai["stream"].is_none()) {
        long long stream = 0;
        if (!to_integer(cai["stream"], stream, false, "__cuda_array_interface__: 'stream'", why)) return false;
        v.stream = static_cast<std::uintptr_t>(stream);
    }
    v.owner = py::reinterpret_borrow<py::object>(obj);
    return true;
}

// The device side of a PyGPU DeviceArray_<dtype>: dense, with the host
// side's strides when that is C- or F-contiguous and in C order otherwise
// (pygpu/device_array.h).
inline bool from_device_array(py::handle obj, array_view& v, refusal& why) {
    if (!obj.attr("allocated")().cast<bool>()) {
        why = value_refusal("the device side of this " + type_name(obj) +
                            " is not allocated; call allocate() (and to_device()) first");
        return false;
    }
    py::object pointer = obj.attr("device_data")();
    if (py::hasattr(pointer, "alive") && !pointer.attr("alive").cast<bool>()) {
        why = value_refusal("the device side of this " + type_name(obj) + " was freed");
        return false;
    }
    v.address = py::int_(pointer).cast<std::uintptr_t>();
    for (py::handle n : obj.attr("shape")()) v.shape.push_back(n.cast<std::ptrdiff_t>());
    std::vector<std::ptrdiff_t> host_strides;
    for (py::handle s : obj.attr("strides")()) host_strides.push_back(s.cast<std::ptrdiff_t>());
    py::object dtype = obj.attr("dtype");
    v.typestr = py::str(dtype.attr("str")).cast<std::string>();
    const std::size_t itemsize = dtype.attr("itemsize").cast<std::size_t>();
    std::size_t size = 0, bytes = 0;
    if (!checked::shape_bytes(v.shape.data(), v.shape.size(), itemsize, size, bytes)) {
        why = value_refusal("the shape of this " + type_name(obj) + " is too large");
        return false;
    }
    const bool dense = size <= 1 || host_strides == detail::contiguous_strides(v.shape, itemsize, false) ||
                       host_strides == detail::contiguous_strides(v.shape, itemsize, true);
    v.strides = dense ? host_strides : detail::contiguous_strides(v.shape, itemsize, false);
    v.owner = py::reinterpret_borrow<py::object>(obj);
    return true;
}

inline bool is_device_array(py::handle obj) {
    // Only PyGPU's own module can have made one; if it is not loaded, it is not one.
    py::dict modules = py::module_::import("sys").attr("modules");
    if (!modules.contains("PyGPU._core")) return false;
    py::object core = modules["PyGPU._core"];
    return py::hasattr(core, "DeviceArray") && py::isinstance(obj, core.attr("DeviceArray"));
}

inline std::string host_memory_message(py::handle obj, const std::string& where) {
    return "device memory is required, got " + type_name(obj) + " in host memory" + where +
           "; copy it to the device first, e.g. with PyGPU.to_gpu()";
}

// Everything a span can come from, or why not.
inline bool read_array(py::handle obj, array_view& v, refusal& why) {
    static const char* accepted = "a GPUArray, a DeviceArray_<dtype> or an object with __cuda_array_interface__";
    if (obj.is_none()) {
        why = type_refusal(std::string("expected device memory (") + accepted + "), got None");
        return false;
    }
    // One look-up (the interface is often a property that builds a dict);
    // an error other than AttributeError inside it propagates.
    if (PyObject* cai = PyObject_GetAttrString(obj.ptr(), "__cuda_array_interface__"))
        return from_cai(obj, py::reinterpret_steal<py::object>(cai), v, why);
    if (!PyErr_ExceptionMatches(PyExc_AttributeError)) throw py::error_already_set();
    PyErr_Clear();
    if (is_device_array(obj)) return from_device_array(obj, v, why);
    if (py::hasattr(obj, "__dlpack_device__")) {
        py::tuple device = obj.attr("__dlpack_device__")();
        const int type = device[0].cast<int>();
        // DLPack device types: 1 CPU, 3 CUDA pinned host, 11 ROCm pinned host;
        // 2 CUDA, 10 ROCm, 13 CUDA managed.
        if (type == 1 || type == 3 || type == 11) {
            why = type_refusal(host_memory_message(obj, type == 1 ? "" : " (pinned host memory)"));
            return false;
        }
        if (type == 2 || type == 10 || type == 13) {
            py::object imported = py::module_::import("PyGPU").attr("from_dlpack")(obj);
            if (!from_cai(imported, imported.attr("__cuda_array_interface__"), v, why)) return false;
            v.owner = imported;  // the view keeps `obj` alive
            return true;
        }
        why = type_refusal("device memory on a CUDA or ROCm device is required, got " + type_name(obj) +
                           " on DLPack device type " + std::to_string(type));
        return false;
    }
    if (PyObject_CheckBuffer(obj.ptr())) {
        why = type_refusal(host_memory_message(obj, " (a buffer)"));
        return false;
    }
    why = type_refusal(std::string("expected device memory (") + accepted + "), got " + type_name(obj));
    return false;
}

// The dtype name of a numpy typestr ("<f4" -> "float32"), or the typestr itself.
inline std::string typestr_name(const std::string& typestr) {
    if (typestr.size() >= 3) {
        const char order = typestr[0];
        const std::uint16_t probe = 1;
        const bool little = *reinterpret_cast<const unsigned char*>(&probe) == 1;
        const bool native = order == '|' || order == '=' || (order == '<') == little;
        const std::size_t itemsize = std::strtoul(typestr.c_str() + 2, nullptr, 10);
        if (native && (order == '<' || order == '>' || order == '|' || order == '=')) {
            if (const dtype_info* d = dtype_by_kind(typestr[1], itemsize)) return d->name;
        }
        if (!native) return typestr + " (non-native byte order)";
    }
    return typestr;
}

template <class T, class Layout>
bool make_span(const array_view& v, device_span<T, Layout>& out, refusal& why) {
    using value_type = typename std::remove_cv<T>::type;
    const dtype_info& expected = dtype_of<value_type>::info();
    const std::string received = typestr_name(v.typestr);
    if (received != expected.name) {
        why = type_refusal(std::string("expected a device array of dtype ") + expected.name + ", got dtype " +
                           received);
        return false;
    }
    if (v.readonly && !std::is_const<T>::value) {
        why = type_refusal(std::string("the device array is read-only; take a device_span<const ") + expected.name +
                           "> to accept it");
        return false;
    }
    if (v.address % alignof(value_type) != 0) {
        why = value_refusal("the device array's address is not aligned to its " + std::to_string(alignof(value_type)) +
                            "-byte element type");
        return false;
    }
    try {
        out = device_span<T, Layout>(reinterpret_cast<T*>(v.address), static_cast<int>(v.shape.size()),
                                     v.shape.data(), v.strides.empty() ? nullptr : v.strides.data(), v.stream);
    } catch (const std::invalid_argument& e) {
        std::string m = e.what();
        const std::string prefix = "device_span: ";
        why = value_refusal(m.compare(0, prefix.size(), prefix) == 0 ? m.substr(prefix.size()) : m);
        return false;
    }
    return true;
}

// A stream handle from the accepted forms, or why not.
inline bool read_stream(py::handle obj, std::uintptr_t& out, refusal& why) {
    static const char* accepted =
        "expected a stream (PyGPU.cudaStream_t, PyGPU.driver.Stream, an object with __cuda_stream__, "
        "an int handle or None), got ";
    long long value = 0;
    if (obj.is_none()) {
        out = 0;
        return true;
    }
    if (PyBool_Check(obj.ptr())) {
        why = type_refusal(std::string(accepted) + "bool");
        return false;
    }
    if (PyIndex_Check(obj.ptr())) {
        if (to_integer(obj, value, false, "stream handle", why)) {
            out = static_cast<std::uintptr_t>(value);
            return true;
        }
        if (why.kind == refusal::value) return false;  // a negative handle
    }
    if (py::hasattr(obj, "destroyed") && py::bool_(obj.attr("destroyed")).cast<bool>()) {
        why = value_refusal("the stream was destroyed");
        return false;
    }
    if (py::hasattr(obj, "__cuda_stream__")) {
        py::object info = obj.attr("__cuda_stream__")();
        if (!py::isinstance<py::tuple>(info) || py::len(info) != 2) {
            why = type_refusal("__cuda_stream__ of " + type_name(obj) + " must return (version, handle)");
            return false;
        }
        if (!to_integer(info[py::int_(1)], value, false, "__cuda_stream__ handle", why)) return false;
        out = static_cast<std::uintptr_t>(value);
        return true;
    }
    if (py::hasattr(obj, "handle")) {
        py::object handle = obj.attr("handle");
        if (PyIndex_Check(handle.ptr()) && !PyBool_Check(handle.ptr())) {
            if (!to_integer(handle, value, false, "stream handle", why)) return false;
            out = static_cast<std::uintptr_t>(value);
            return true;
        }
    }
    why = type_refusal(std::string(accepted) + type_name(obj));
    return false;
}

}  // namespace pybind11_detail
}  // namespace pygpu

namespace pygpu {

// The table (pygpu/backend.h) of the backend PyGPU is running on, from
// `PyGPU.backend` and the capsule of `PyGPU._backend_<name>`. Imports PyGPU;
// needs the GIL. For extension code that must call the same runtime as
// PyGPU: the casters above never do.
inline const pygpu_backend& active_backend() {
    namespace py = pybind11;
    static const pygpu_backend* table = nullptr;  // the backend is chosen once, at PyGPU's import
    if (table == nullptr) {
        const std::string name = py::module_::import("PyGPU").attr("backend").cast<std::string>();
        py::object capsule = py::module_::import(("PyGPU._backend_" + name).c_str()).attr("table");
        void* pointer = PyCapsule_GetPointer(capsule.ptr(), PYGPU_BACKEND_CAPSULE_NAME);
        if (pointer == nullptr) throw py::error_already_set();
        const auto* found = static_cast<const pygpu_backend*>(pointer);
        if (found->abi_version != PYGPU_BACKEND_ABI_VERSION)
            throw std::runtime_error("PyGPU backend '" + name + "' has ABI version " +
                                     std::to_string(found->abi_version) + ", these headers expect " +
                                     std::to_string(PYGPU_BACKEND_ABI_VERSION) + "; rebuild the extension");
        table = found;
    }
    return *table;
}

// Queue `f` on `stream` with the active backend's cudaLaunchHostFunc: it runs
// in stream order, on a runtime thread, without the GIL (so it must not touch
// Python objects, and must not throw). This is how a host build of a kernel
// runs like a launch on the simulated device. Returns the native status.
template <class F>
int launch_host_func(stream_ref stream, F f) {
    const pygpu_backend& backend = active_backend();
    auto* task = new F(std::move(f));
    pygpu_host_fn run = [](void* p) {
        std::unique_ptr<F> owned(static_cast<F*>(p));
        (*owned)();
    };
    const int code = backend.launch_host_func(static_cast<pygpu_stream_t>(stream.handle()), run, task);
    if (code != backend.codes.success) delete task;
    return code;
}

// Raise PyGPU.CudaError for a failed native status (the CUDA runtime's
// cudaError_t value in a CUDA build, the active backend's code otherwise).
inline void check_status(int status) {
    if (status != 0) pybind11::module_::import("PyGPU").attr("cudaError_t")(status).attr("check")();
}

}  // namespace pygpu

namespace pybind11 {
namespace detail {

template <class T, class Layout>
struct type_caster<pygpu::device_span<T, Layout>> {
    using span_type = pygpu::device_span<T, Layout>;
    PYBIND11_TYPE_CASTER(span_type, const_name("pygpu.device_span"));

    bool load(handle src, bool convert) {
        namespace d = pygpu::pybind11_detail;
        d::array_view view;
        d::refusal why;
        if (!d::read_array(src, view, why) || !d::make_span(view, value, why)) return d::refuse(why, convert);
        owner_ = std::move(view.owner);
        return true;
    }

    // A span owns nothing, so it cannot become a Python object.
    template <class U = T>
    static handle cast(const pygpu::device_span<U, Layout>&, return_value_policy, handle) {
        static_assert(sizeof(U) == 0, "a pygpu::device_span cannot be returned to Python: it does not own its "
                                      "memory; return the array object instead");
        return {};
    }

private:
    object owner_;  // the array (or its DLPack import) stays alive during the call
};

template <>
struct type_caster<pygpu::stream_ref> {
    PYBIND11_TYPE_CASTER(pygpu::stream_ref, const_name("pygpu.stream_ref"));

    bool load(handle src, bool convert) {
        namespace d = pygpu::pybind11_detail;
        std::uintptr_t handle_value = 0;
        d::refusal why;
        if (!d::read_stream(src, handle_value, why)) return d::refuse(why, convert);
        value = pygpu::stream_ref(handle_value);
        return true;
    }

    // Returned to Python as the int handle.
    static handle cast(pygpu::stream_ref s, return_value_policy, handle) {
        return PyLong_FromSize_t(static_cast<std::size_t>(s.value()));
    }
};

}  // namespace detail
}  // namespace pybind11

#endif  // PYGPU_HAVE_PYBIND11

#endif  // PYGPU_PYBIND11_H
