// DeviceArray and DeviceArray_<dtype>: the low-level array of a host side and
// a device side (include/pygpu/device_array.h), for every dtype of the table.
//
// One bound class, DeviceArray, holds the untyped device_array_base (the
// dtype is data, not a template argument); the DeviceArray_<dtype> classes are
// its per-dtype classes (dtype_family.h), whose constructors build the array
// with their dtype (family_init.h).
#include "pygpu/device_array.h"

#include "address_arg.h"
#include "checked.h"
#include "dtype_family.h"
#include "error.h"
#include "family_init.h"
#include "pointer.h"
#include "stream.h"

namespace pygpu {

namespace bind_device_array {
namespace {

struct BufferRelease {
    void operator()(Py_buffer* view) const {
        PyBuffer_Release(view);
        delete view;
    }
};

struct PyDeviceArray {
    std::unique_ptr<device_array_base> arr;
    std::unique_ptr<Py_buffer, BufferRelease> source;  // the exported host buffer, held while we live
    LivenessToken host_token;                          // host memory that may be freed elsewhere
    LivenessToken own_token = std::make_shared<Liveness>();  // pointers into this array's host side
    LivenessToken device_token;                        // the device side allocate() made

    PyDeviceArray() = default;
    PyDeviceArray(const PyDeviceArray&) = delete;
    PyDeviceArray& operator=(const PyDeviceArray&) = delete;
    ~PyDeviceArray();

    // Why the host side cannot be used, or "".
    std::string host_problem() const {
        if (host_token && !host_token->alive)
            return std::string("the host memory of this array was freed") +
                   (host_token->freed_by ? std::string(" by ") + host_token->freed_by : "");
        return {};
    }
    // A device side freed behind the array's back (cudaFree on device_data(),
    // cudaDeviceReset) is forgotten, never freed twice; returns who freed it.
    std::string forget_dead_device() {
        if (!arr->allocated() || !device_token || device_token->alive) return {};
        std::string by = device_token->freed_by ? device_token->freed_by : "another call";
        arr->forget_device();
        device_token.reset();
        return by;
    }
    int free_device() {
        void* d = arr->device_data();
        bool owned = arr->owns_device();
        int code = nogil([&] { return arr->free(); });
        if (code == success() && owned && d != nullptr) untrack_allocation(reinterpret_cast<std::uintptr_t>(d), "DeviceArray.free");
        device_token.reset();
        return code;
    }
};

PyDeviceArray::~PyDeviceArray() {
    own_token->alive = false;
    own_token->freed_by = "the DeviceArray's destruction";
    // At interpreter exit the process is ending: freeing would wait for queued
    // work (as cudaFree does), which may never finish. Leave it to the OS.
    if (g_backend == nullptr || !arr || interpreter_finalizing()) return;
    forget_dead_device();
    if (arr->allocated() && arr->owns_device()) warn_if_destroy_failed(free_device(), "DeviceArray's device memory");
}

py::object status(const PyDeviceArray& a, const char* call) {
    const device_array_base& arr = *a.arr;
    if (!arr.last_message().empty()) return error_object(arr.last_status(), call, arr.last_message());
    return error_object(arr.last_status(), call);
}

// A shape argument: a sequence of non-negative ints whose array of `dtype`
// fits in memory (checked::shape_bytes). Each item is held while it is read:
// a sequence such as a numpy array makes its items on the fly.
std::vector<std::ptrdiff_t> shape_arg(py::handle shape, const dtype_info& dtype) {
    if (PyLong_Check(shape.ptr()) || py::isinstance<py::str>(shape) || !PySequence_Check(shape.ptr()))
        throw py::type_error("shape must be a list or tuple of ints, got " + type_name(shape));
    std::vector<std::ptrdiff_t> out;
    for (py::handle n : py::iter(shape)) {  // the iterator owns the current item
        if (PyBool_Check(n.ptr()) || !PyIndex_Check(n.ptr()))
            throw py::type_error("shape must hold ints, got " + type_name(n));
        std::ptrdiff_t v = signed_arg(n, "a size in the shape");
        if (v < 0) throw py::value_error("shape must not hold negative sizes, got " + std::to_string(v));
        out.push_back(v);
    }
    std::size_t elements = 0, bytes = 0;
    if (!checked::shape_bytes(out.data(), out.size(), dtype.itemsize, elements, bytes)) {
        std::string text;
        for (std::ptrdiff_t n : out) text += (text.empty() ? "" : ", ") + std::to_string(n);
        throw py::value_error("shape (" + text + ") of " + dtype.name + " is too large: " +
                              std::to_string(dtype.itemsize) + " bytes times the sizes exceeds " +
                              std::to_string(PTRDIFF_MAX) + " bytes");
    }
    return out;
}

char order_arg(const std::string& order) {
    if (order != "C" && order != "F") throw py::value_error("order must be 'C' or 'F', got '" + order + "'");
    return order[0];
}

// Bytes of a shape that shape_arg accepted (so the product cannot wrap).
std::size_t bytes_of(const std::vector<std::ptrdiff_t>& shape, std::size_t itemsize) {
    std::size_t elements = 0, bytes = 0;
    checked::shape_bytes(shape.data(), shape.size(), itemsize, elements, bytes);
    return bytes;
}

std::string class_name(const dtype_info& dt) { return std::string("DeviceArray_") + dt.name; }

// --- constructors ----------------------------------------------------------

DtypeFamily device_array_classes;  // holds no references: the module owns the classes

// The dtype of the DeviceArray_<dtype> class being constructed.
const dtype_info& dtype_to_construct(PyTypeObject* type) {
    const dtype_info* dt = device_array_classes.dtype_of(type);
    if (dt == nullptr)
        throw py::type_error(std::string(type->tp_name) +
                             " has no dtype: construct a DeviceArray_<dtype> class, e.g. DeviceArray_float32");
    return *dt;
}

std::unique_ptr<PyDeviceArray> from_buffer(PyTypeObject* type, py::buffer buffer) {
    const dtype_info& want = dtype_to_construct(type);
    std::unique_ptr<Py_buffer, BufferRelease> view(new Py_buffer());
    if (PyObject_GetBuffer(buffer.ptr(), view.get(), PyBUF_RECORDS_RO) != 0) {
        view.release();
        throw py::error_already_set();
    }
    const char kind = format_kind(view->format);
    const dtype_info* got = kind != '\0' ? dtype_by_kind(kind, static_cast<std::size_t>(view->itemsize)) : nullptr;
    if (got != &want) {
        std::string what = got != nullptr ? std::string(got->name)
                                          : "format '" + std::string(view->format ? view->format : "B") + "' (" +
                                                std::to_string(view->itemsize) +
                                                "-byte items; non-native byte order and records are not supported)";
        throw py::type_error(class_name(want) + " needs " + want.name + " data, got " + what);
    }
    std::vector<std::ptrdiff_t> shape(view->shape, view->shape + view->ndim);
    std::vector<std::ptrdiff_t> strides(view->strides, view->strides + view->ndim);
    auto out = std::make_unique<PyDeviceArray>();
    out->arr = std::make_unique<device_array_base>(&backend(), want, view->buf, shape, strides, !view->readonly);
    out->source = std::move(view);
    return out;
}

std::unique_ptr<PyDeviceArray> from_shape(PyTypeObject* type, py::handle shape, const std::string& order) {
    const dtype_info& want = dtype_to_construct(type);
    auto out = std::make_unique<PyDeviceArray>();
    out->arr = std::make_unique<device_array_base>(&backend(), want, shape_arg(shape, want), order_arg(order));
    return out;
}

std::unique_ptr<PyDeviceArray> from_pointer(PyTypeObject* type, const PointerBase& host, py::handle shape,
                                            const std::string& order) {
    const dtype_info& want = dtype_to_construct(type);
    if (host.dtype != &want)
        throw py::type_error(class_name(want) + " needs a pointer_wrapper_" + want.name + ", got a pointer_wrapper_" +
                             (host.dtype ? host.dtype->name : "void"));
    if (!host.readable())
        throw py::value_error(class_name(want) + " needs a safe host pointer (host memory owned by this process); got " +
                              (host.device ? "device memory" : host.alive() ? "an unsafe pointer" : "freed memory"));
    std::vector<std::ptrdiff_t> dims = shape_arg(shape, want);
    char o = order_arg(order);
    std::size_t need = bytes_of(dims, want.itemsize);
    if ((host.extent != 0 || host.token) && need > host.extent)
        throw py::value_error("the pointer reaches " + std::to_string(host.extent) + " bytes but the shape needs " +
                              std::to_string(need));
    auto out = std::make_unique<PyDeviceArray>();
    out->arr = std::make_unique<device_array_base>(&backend(), want, reinterpret_cast<void*>(host.address), dims,
                                                   detail::contiguous_strides(dims, want.itemsize, o == 'F'));
    out->host_token = host.token;
    return out;
}

std::unique_ptr<PyDeviceArray> from_addresses(PyTypeObject* type, py::handle host, py::handle device,
                                              py::handle shape, const std::string& order) {
    const dtype_info& want = dtype_to_construct(type);
    std::vector<std::ptrdiff_t> dims = shape_arg(shape, want);
    char o = order_arg(order);
    auto* h = reinterpret_cast<void*>(static_cast<std::uintptr_t>(size_arg(host, "host_address")));
    auto d = static_cast<std::uintptr_t>(size_arg(device, "device_address"));
    auto out = std::make_unique<PyDeviceArray>();
    out->arr = std::make_unique<device_array_base>(&backend(), want, h, dims,
                                                   detail::contiguous_strides(dims, want.itemsize, o == 'F'));
    if (d != 0) out->arr->adopt_device(reinterpret_cast<void*>(d));
    return out;
}

// --- the shared methods -------------------------------------------------------

py::object allocate_device_side(PyDeviceArray& a) {
    a.forget_dead_device();
    bool was = a.arr->allocated();
    int code = a.arr->allocate();
    if (code == success() && !was && a.arr->device_data() != nullptr) {
        int device = -1;
        backend().get_device(&device);
        a.device_token = track_allocation(reinterpret_cast<std::uintptr_t>(a.arr->device_data()), true, device);
    }
    return status(a, "allocate");
}

py::object free_array(PyDeviceArray& a) {
    std::string by = a.forget_dead_device();
    if (!by.empty()) return invalid_value("free", "the device side was already freed by " + by);
    a.free_device();
    return status(a, "free");
}

// to_device / to_host: synchronous without a stream, stream-ordered with one.
template <bool Upload>
py::object transfer(PyDeviceArray& a, py::handle stream) {
    const char* call = Upload ? "to_device" : "to_host";
    std::string why = a.host_problem();
    if (why.empty()) {
        std::string by = a.forget_dead_device();
        if (!by.empty()) why = "the device side was freed by " + by + "; call allocate() again";
    }
    if (!why.empty()) return invalid_value(call, why);
    pygpu_stream_t s = nullptr;
    const bool ordered = !stream.is_none();
    if (ordered && !stream_arg(stream, s, why)) return invalid_handle(call, why);
    device_array_base& arr = *a.arr;
    nogil([&] {
        if (Upload) return ordered ? arr.to_device(s) : arr.to_device();
        return ordered ? arr.to_host(s) : arr.to_host();
    });
    return status(a, call);
}

py::object set_from(PyDeviceArray& a, py::handle src, py::handle stream) {
    AddressArg from;
    std::string why = from.parse(src, false, "src");
    if (why.empty()) {
        std::string by = a.forget_dead_device();
        if (!by.empty()) why = "the device side was freed by " + by;
    }
    if (!why.empty()) return invalid_value("set", why);
    pygpu_stream_t s = nullptr;
    const bool ordered = !stream.is_none();
    if (ordered && !stream_arg(stream, s, why)) return invalid_handle("set", why);
    std::size_t count = from.has_extent() ? from.extent() : a.arr->nbytes();
    nogil([&] { return a.arr->set_device(from.ptr(), count, s, ordered); });
    return status(a, "set");
}

py::object host_pointer(const PyDeviceArray& a) {
    const device_array_base& arr = *a.arr;
    PointerBase p;
    p.address = reinterpret_cast<std::uintptr_t>(arr.host_data());
    p.dtype = &arr.dtype();
    p.safe = p.address != 0 && arr.contiguous();
    p.extent = p.safe ? arr.nbytes() : 0;
    p.token = a.host_token ? a.host_token : a.own_token;
    return pointer_object(p);
}

py::object device_pointer(const PyDeviceArray& a) {
    const device_array_base& arr = *a.arr;
    PointerBase p;
    p.address = reinterpret_cast<std::uintptr_t>(arr.device_data());
    p.dtype = &arr.dtype();
    p.device = true;
    p.extent = arr.allocated() ? arr.nbytes() : 0;
    p.token = a.device_token;
    return pointer_object(p);
}

py::tuple to_tuple(const std::vector<std::ptrdiff_t>& v) {
    py::tuple t(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) t[i] = v[i];
    return t;
}

py::buffer_info host_buffer(PyDeviceArray& a) {
    std::string why = a.host_problem();
    if (!why.empty()) throw py::buffer_error(why);
    const device_array_base& arr = *a.arr;
    static char empty = 0;  // numpy wants an address even for no elements
    void* host = arr.host_data();
    if (host == nullptr) {
        if (arr.size() > 0) throw py::buffer_error("this DeviceArray has no host side");
        host = &empty;
    }
    std::vector<py::ssize_t> shape(arr.shape().begin(), arr.shape().end());
    std::vector<py::ssize_t> strides(arr.strides().begin(), arr.strides().end());
    return py::buffer_info(host, static_cast<py::ssize_t>(arr.itemsize()), arr.dtype().format, arr.ndim(), shape,
                           strides, !arr.host_writable());
}

}  // namespace

void bind(py::module_& m) {
    py::class_<PyDeviceArray> cls(m, "DeviceArray", R"doc(
The low-level array: a host side (a buffer it views, or memory it owns) and a
device side allocated on demand by allocate(). Copies return cudaError_t
objects; with a stream they are stream-ordered. ``numpy.asarray(da)`` is a
zero-copy view of the host side. Concrete classes: DeviceArray_<dtype>.)doc",
                              py::buffer_protocol());
    def_family_init<py::buffer>(cls, &from_buffer, py::arg("buffer"),
        "View a buffer (numpy array) of this dtype as the host side; keeps it alive, keeps its layout.");
    def_family_init<py::handle, const std::string&>(cls, &from_shape, py::arg("shape"), py::arg("order") = "C",
        "A zero-filled host side of this shape, in C or F order.");
    def_family_init<const PointerBase&, py::handle, const std::string&>(cls, &from_pointer, py::arg("host"),
        py::arg("shape"), py::arg("order") = "C",
        "The host memory a safe pointer_wrapper of this dtype points to, with this shape.");
    def_family_init<py::handle, py::handle, py::handle, const std::string&>(cls, &from_addresses,
        py::arg("host_address"), py::arg("device_address"), py::arg("shape"), py::arg("order") = "C",
        "Memory owned elsewhere, both sides (never freed by the array).");
    cls.def_buffer(&host_buffer)
        // numpy swallows a failed buffer export and makes a 0-d object array;
        // it lets an exception from __array__ through, so refuse here too.
        .def("__array__", [](py::handle self, py::object dtype, py::object copy) {
                std::string why = self.cast<PyDeviceArray&>().host_problem();
                if (!why.empty()) throw py::buffer_error(why);
                py::module_ np = py::module_::import("numpy");
                py::object view = np.attr("asarray")(py::memoryview(py::reinterpret_borrow<py::object>(self)));
                if (!dtype.is_none()) view = view.attr("astype")(dtype, py::arg("copy") = false);
                if (!copy.is_none() && copy.cast<bool>()) view = view.attr("copy")();
                return view;
            }, py::arg("dtype") = py::none(), py::arg("copy") = py::none(),
            "The host side as a numpy array (zero-copy unless a dtype or copy asks otherwise).")
        .def("allocate", &allocate_device_side, "Allocate the device side (idempotent): cudaError_t.")
        .def("allocated", [](const PyDeviceArray& a) { return a.arr->allocated(); }, "Whether the device side exists.")
        .def("free", &free_array, "Release the device side now: cudaError_t.")
        .def("to_device", &transfer<true>, py::arg("stream") = py::none(),
             "Copy the host side to the device side (stream-ordered when a stream is given): cudaError_t.")
        .def("to_host", &transfer<false>, py::arg("stream") = py::none(),
             "Copy the device side to the host side (stream-ordered when a stream is given): cudaError_t.")
        .def("set", &set_from, py::arg("src"), py::arg("stream") = py::none(),
             "Copy nbytes() from another host buffer or address to the device side (PyCUDA's set): cudaError_t.")
        .def("host_data", &host_pointer, "A safe pointer wrapper to the host side (contiguous host sides only).")
        .def("device_data", &device_pointer, "An unsafe pointer wrapper to the device side.")
        .def("last_status", [](const PyDeviceArray& a) { return status(a, ""); },
             "The cudaError_t of the last device call.")
        .def("size", [](const PyDeviceArray& a) { return a.arr->size(); }, "Number of elements.")
        .def("nbytes", [](const PyDeviceArray& a) { return a.arr->nbytes(); }, "Bytes of the elements.")
        .def("itemsize", [](const PyDeviceArray& a) { return a.arr->itemsize(); }, "Bytes per element.")
        .def("shape", [](const PyDeviceArray& a) { return to_tuple(a.arr->shape()); }, "The shape (a tuple).")
        .def("strides", [](const PyDeviceArray& a) { return to_tuple(a.arr->strides()); },
             "The host side's strides in bytes (a tuple).")
        .def("ndim", [](const PyDeviceArray& a) { return a.arr->ndim(); }, "Number of dimensions.")
        .def_property_readonly("dtype", [](const PyDeviceArray& a) {
                return py::module_::import("numpy").attr("dtype")(a.arr->dtype().name);
            }, "The element type (a numpy.dtype).")
        .def("__repr__", [](py::handle self) {
                const auto& a = self.cast<const PyDeviceArray&>();
                return "<" + type_name(self) + " shape=" + std::string(py::repr(to_tuple(a.arr->shape()))) +
                       (a.arr->allocated() ? " allocated" : " not allocated") + ">";
            });

    device_array_classes.create(m, cls, "DeviceArray_", "A DeviceArray of");
}

}  // namespace bind_device_array

}  // namespace pygpu
