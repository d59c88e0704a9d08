// Internal header of PyGPU._core: the active backend, error objects, and the
// argument conversions every binding shares.
//
// Binding rules (written once, followed by every file in bindings/):
//  - Names follow the CUDA runtime (cudaMalloc, cudaMemcpy, ...); module.cpp
//    adds a hip* alias for every cuda* name at the end of module creation.
//  - A call that returns nothing returns a cudaError_t object; a call that
//    returns values returns (value, err). Values are None when err fails.
//  - The runtime is reached only through the backend table (pygpu/backend.h).
//  - The GIL is released around every call that can wait for queued work
//    (synchronisation, copies, frees); calls that only enqueue or query keep it.
//  - Argument types are checked by pybind11 or here: a wrong type is a
//    TypeError, a negative size a ValueError, and a value the runtime would
//    reject (a too-small buffer, a freed pointer, a destroyed stream) an error
//    object with a message, produced without calling the runtime.
//  - The files are compiled as one translation unit (CMakeLists.txt: a unity
//    build), so names in their anonymous namespaces must differ across files.
#ifndef PYGPU_BINDINGS_CORE_H
#define PYGPU_BINDINGS_CORE_H

#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "pygpu/backend.h"
#include "pygpu/dtypes.h"
#include "pygpu/pointer_wrapper.h"

namespace py = pybind11;

namespace pygpu {

// ---------------------------------------------------------------- backend ---
extern const pygpu_backend* g_backend;

// The active backend; raises RuntimeError when none was activated.
inline const pygpu_backend& backend() {
    if (g_backend == nullptr) [[unlikely]]
        throw std::runtime_error("PyGPU: no backend is active (import PyGPU, not PyGPU._core)");
    return *g_backend;
}

inline int success() { return backend().codes.success; }

// True once the interpreter is shutting down: code on runtime threads (host
// functions, DLPack deleters) must not take the GIL any more.
inline bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
    return Py_IsFinalizing();
#else
    return _Py_IsFinalizing();
#endif
}

// Runs a runtime call with the GIL released: for calls that may wait for
// queued work, which may itself need the GIL (host functions in Python).
template <class F>
int nogil(F&& f) {
    py::gil_scoped_release release;
    return f();
}

// -------------------------------------------------------------- errors ---
// The backend's detail message for the calling thread's last failure.
inline std::string last_message() {
    const char* m = backend().last_message();
    return m != nullptr ? m : "";
}

// The C++ side of a cudaError_t object: the native code, and for failures the
// call that produced it and the backend's (or the bindings') detail message.
struct Error {
    int code = 0;
    std::string call;
    std::string message;
};

// The error object for `code` returned by `call` (a string literal). Success
// and failures without a detail message come from a cache, so the common path
// allocates nothing. `message` overrides the backend's last_message().
py::object error_object(int code, const char* call);
py::object error_object(int code, const char* call, std::string message);

// An error produced by the bindings themselves (argument rejected before the
// runtime was called): cudaErrorInvalidValue etc. of the active backend.
inline py::object invalid_value(const char* call, std::string message) {
    return error_object(backend().codes.invalid_value, call, std::move(message));
}
inline py::object invalid_handle(const char* call, std::string message) {
    return error_object(backend().codes.invalid_resource_handle, call, std::move(message));
}

// (value, err), with value replaced by None when err is a failure.
inline py::tuple value_and_error(py::object value, int code, const char* call) {
    return py::make_tuple(code == backend().codes.success ? std::move(value) : py::none(),
                          error_object(code, call));
}

// Raise PyGPU.CudaError for a failed status (used by constructors, which
// cannot return an error object).
[[noreturn]] void throw_cuda_error(int code, const char* call, const std::string& message = "");

std::string hex_address(const void* p);

// The name of an object's type, for messages.
inline std::string type_name(py::handle obj) { return py::str(py::type::handle_of(obj).attr("__name__")); }

// --------------------------------------------------- per-dtype classes ---
// The classes <family>_<dtype> (pointer_wrapper_int8, DeviceArray_float32,
// HostAllocator_uint8, PagelockedAllocator_bool, ...) are not one bound C++
// type each. A family is one bound class holding the dtype as data; its
// per-dtype classes are made at import as Python subclasses of it with no
// state of their own (`__slots__ = ()`), and an instance's dtype follows from
// its class. One set of pybind11 instantiations so serves every dtype of the
// table: bound one C++ type each, the 4 x 14 classes were a third of _core's
// machine code and of its build time (docs/performance.md).
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

// ------------------------------------------------------------ pointers ---
// Every allocation made through the bindings carries a liveness token;
// freeing it through the bindings kills the token, so a pointer object that
// outlives its allocation is refused instead of reaching the runtime (or host
// memory). pointer_wrapper_void is pointer_wrapper_base; the typed
// pointer_wrapper_<dtype> classes are its per-dtype classes (DtypeFamily),
// holding the same C++ type with its dtype set.
using Liveness = liveness;
using LivenessToken = liveness_token;
using PointerBase = pointer_wrapper_base;

// A Python pointer_wrapper_<dtype> (or _void when `dtype` is null) for `p`.
py::object pointer_object(const pointer_wrapper_base& p);

// Register an allocation made through the bindings and return its token.
LivenessToken track_allocation(std::uintptr_t base, bool device, int device_ordinal);
// Kill the token of the allocation at `base` (freed by `call`); false if untracked.
bool untrack_allocation(std::uintptr_t base, const char* call);
// Kill every device allocation of `device_ordinal` (cudaDeviceReset).
void untrack_device(int device_ordinal);
// Kill every tracked allocation, freed by `call` (PyGPU.sim reset).
void untrack_all(const char* call);

// -------------------------------------------------------- address args ---
// A memory argument: an int, a pointer object, an object with the buffer
// protocol, or an object with __cuda_array_interface__. Holds the buffer (and
// so the exporting object) for as long as it lives.
class AddressArg {
public:
    AddressArg() = default;
    AddressArg(const AddressArg&) = delete;
    AddressArg& operator=(const AddressArg&) = delete;
    ~AddressArg();

    // Fill from `obj`; `writable`: the call writes through it. Raises
    // TypeError for an object that is no address. Returns an empty string on
    // success, or the reason the argument cannot be used (a freed pointer, a
    // read-only buffer), to be returned as an error object.
    std::string parse(py::handle obj, bool writable, const char* what);

    void* ptr() const { return reinterpret_cast<void*>(address_); }
    std::uintptr_t address() const { return address_; }
    std::size_t extent() const { return extent_; }
    bool has_extent() const { return has_extent_; }
    bool is_buffer() const { return has_buffer_; }

    // The reason `count` bytes do not fit, or an empty string.
    std::string check_extent(std::size_t count, const char* what) const;

private:
    std::uintptr_t address_ = 0;
    std::size_t extent_ = 0;
    bool has_extent_ = false;
    bool has_buffer_ = false;
    Py_buffer view_{};
};

// A size argument: non-negative Python int, else ValueError/TypeError.
std::size_t size_arg(py::handle obj, const char* name);

// ------------------------------------------------------ streams, events ---
struct Stream {
    Stream() = default;
    Stream(const Stream&) = delete;  // owns its handle: never copied
    Stream& operator=(const Stream&) = delete;
    pygpu_stream_t handle = nullptr;
    int device = -1;
    bool owned = false;
    bool destroyed = false;
    int last_status = 0;
    ~Stream();
};

struct Event {
    Event() = default;
    Event(const Event&) = delete;  // owns its handle: never copied
    Event& operator=(const Event&) = delete;
    pygpu_event_t handle = nullptr;
    int device = -1;
    bool destroyed = false;
    int last_status = 0;
    ~Event();
};

// Convert a stream argument: None, 0, a cudaStream_t, or an int handle.
// Returns false (with `why` set) for a destroyed stream object.
bool stream_arg(py::handle obj, pygpu_stream_t& out, std::string& why);
// Convert an event argument: a cudaEvent_t. Returns false for a destroyed one.
bool event_arg(py::handle obj, pygpu_event_t& out, std::string& why);

// Live owned streams or events, so that cudaDeviceReset can mark the ones it
// destroyed. Touched with the GIL held only; never destroyed.
template <class T>
std::unordered_set<T*>& live_objects() {
    static auto* live = new std::unordered_set<T*>();
    return *live;
}

// Mark the streams or events that cudaDeviceReset destroyed on `device`.
template <class T>
void invalidate_of_device(int device) {
    auto& live = live_objects<T>();
    for (auto it = live.begin(); it != live.end();) {
        if ((*it)->device == device) {
            (*it)->destroyed = true;
            it = live.erase(it);
        } else {
            ++it;
        }
    }
}

// For destructors, which never raise: a failed destroy becomes a RuntimeWarning.
void warn_if_destroy_failed(int code, const char* what);

// ------------------------------------------------------------- modules ---
void bind_errors(py::module_& m);
void bind_pointers(py::module_& m);
void bind_device_arrays(py::module_& m);
void bind_allocators(py::module_& m);
void bind_dlpack(py::module_& m);
void bind_devices(py::module_& m);
void bind_memory(py::module_& m);
void bind_streams(py::module_& m);
void bind_events(py::module_& m);
void bind_sim(py::module_& m);
void bind_host_blocks(py::module_& m);

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_CORE_H
