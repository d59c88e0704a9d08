// cudaError_t objects, PyGPU.CudaError, and the error-query runtime calls.
#include <climits>
#include <cstdio>
#include <unordered_map>

#include "error.h"
#include "runtime_doc.h"

namespace pygpu {

namespace bind_error {
namespace {

// Objects kept for the life of the process (never destroyed: their
// destructors would run after the interpreter is gone).
struct ErrorCache {
    py::object success;
    const pygpu_backend* for_backend = nullptr;
    std::unordered_map<std::uint64_t, py::object> failures;  // (code, call) -> object
};
ErrorCache& error_cache() {
    static auto* c = new ErrorCache();
    return *c;
}

py::object make_error(int code, const char* call, std::string message) {
    return py::cast(Error{code, call ? call : "", std::move(message)});
}

const char* name_of(int code) { return backend().get_error_name(code); }
const char* description_of(int code) { return backend().get_error_string(code); }

int code_of(py::handle obj) {
    if (py::isinstance<Error>(obj)) return obj.cast<const Error&>().code;
    if (PyLong_Check(obj.ptr())) {
        int overflow = 0;  // a code past int is no error code, not a failed cast
        long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
        if (overflow != 0 || v < INT_MIN || v > INT_MAX)
            throw py::value_error("error " + std::string(py::str(obj)) + " is not an error code (out of int range)");
        return static_cast<int>(v);
    }
    throw py::type_error("expected a cudaError_t or an int error code, got " +
                         type_name(obj));
}

}  // namespace
}  // namespace bind_error

py::object error_object(int code, const char* call, std::string message) {
    return bind_error::make_error(code, call, std::move(message));
}

py::object error_object(int code, const char* call) {
    using namespace bind_error;
    const pygpu_backend& b = backend();
    ErrorCache& c = error_cache();
    if (c.for_backend != &b) {  // first call, or a new backend was activated
        c.failures.clear();
        c.success = make_error(b.codes.success, "", "");
        c.for_backend = &b;
    }
    if (code == b.codes.success) return c.success;
    // Not-ready answers polling calls and carries no detail (nor a stale one).
    std::string detail = code == b.codes.not_ready ? std::string() : last_message();
    if (!detail.empty()) return make_error(code, call, std::move(detail));
    const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(code)) << 32) ^
                              static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(call));
    auto it = c.failures.find(key);
    if (it != c.failures.end()) return it->second;
    return c.failures.emplace(key, make_error(code, call, "")).first->second;
}

std::string hex_address(const void* p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx",
                  static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(p)));
    return buf;
}

namespace bind_error {

// Raise PyGPU.CudaError for `e`, built by PyGPU._errors.exception: the one
// place a cudaError_t becomes an exception (CudaError is defined in Python, so
// it pickles simply). Only failures get here: success imports nothing.
[[noreturn]] static void raise_error(const Error& e) {
    py::object exc = py::module_::import("PyGPU._errors").attr("exception")(py::cast(e));
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
    throw py::error_already_set();
}

}  // namespace bind_error

[[noreturn]] void throw_cuda_error(int code, const char* call, const std::string& message) {
    bind_error::raise_error(Error{code, call, message.empty() ? last_message() : message});
}

void warn_if_destroy_failed(int code, const char* what) {
    if (code == g_backend->codes.success) return;
    std::string msg = std::string("PyGPU: destroying a ") + what + " failed: " + g_backend->get_error_name(code);
    if (PyErr_WarnEx(PyExc_RuntimeWarning, msg.c_str(), 1) < 0) PyErr_WriteUnraisable(nullptr);
}

namespace bind_error {

void bind(py::module_& m) {
    py::class_<Error>(m, "cudaError_t", R"doc(
The status of a runtime call: the active backend's native error code, its name
and description, and for failures the call that failed and a detail message.

Compares equal to ints and to other cudaError_t objects with the same code;
``bool(err)`` is True for a failure, as the C code is non-zero. ``check()``
raises PyGPU.CudaError when the status is not success.)doc")
        .def(py::init([](int code) { return Error{code, "", ""}; }), py::arg("code") = 0)
        .def_property_readonly("code", [](const Error& e) { return e.code; }, "The native integer code.")
        .def_property_readonly("name", [](const Error& e) { return name_of(e.code); }, "The error's name, e.g. 'cudaErrorInvalidValue'.")
        .def_property_readonly("description", [](const Error& e) { return description_of(e.code); }, "The runtime's description of the code.")
        .def_property_readonly("message", [](const Error& e) { return e.message; }, "What was wrong, when known ('' otherwise).")
        .def_property_readonly("call", [](const Error& e) { return e.call; }, "The call that returned this status ('' when unknown).")
        .def_property_readonly("success", [](const Error& e) { return e.code == backend().codes.success; }, "True for success.")
        .def("check", [](const Error& e) {
                if (e.code != backend().codes.success) raise_error(e);
            }, "Raise PyGPU.CudaError when this status is not success; return None otherwise.")
        .def("__int__", [](const Error& e) { return e.code; })
        .def("__index__", [](const Error& e) { return e.code; })
        .def("__bool__", [](const Error& e) { return e.code != backend().codes.success; })
        .def("__hash__", [](const Error& e) { return py::hash(py::int_(e.code)); })
        .def("__eq__", [](const Error& e, py::handle other) -> py::object {
                if (py::isinstance<Error>(other)) return py::bool_(e.code == other.cast<const Error&>().code);
                if (PyLong_Check(other.ptr()) && !PyBool_Check(other.ptr())) {
                    int overflow = 0;
                    long long v = PyLong_AsLongLongAndOverflow(other.ptr(), &overflow);
                    return py::bool_(overflow == 0 && v == e.code);
                }
                return py::reinterpret_borrow<py::object>(Py_NotImplemented);
            }, py::is_operator())
        .def("__ne__", [](const Error& e, py::handle other) -> py::object {
                py::object eq = py::cast(e).attr("__eq__")(other);
                if (eq.is(py::reinterpret_borrow<py::object>(Py_NotImplemented))) return eq;
                return py::bool_(!eq.cast<bool>());
            }, py::is_operator())
        .def("__repr__", [](const Error& e) {
                return "<cudaError_t: code=" + std::to_string(e.code) + " " + name_of(e.code) + ">";
            })
        .def("__reduce__", [](const Error& e) {
                return py::make_tuple(py::module_::import("PyGPU._core").attr("cudaError_t"),
                                      py::make_tuple(e.code));
            });

    def_runtime(m, "cudaGetLastError", [] {
            const pygpu_backend& b = backend();
            std::string detail = last_message();
            int code = b.get_last_error();
            return code == b.codes.success ? error_object(code, "") : error_object(code, "", detail);
        }, "Return the calling thread's last error and reset it to success.");
    def_runtime(m, "cudaPeekAtLastError", [] {
            const pygpu_backend& b = backend();
            int code = b.peek_at_last_error();
            return code == b.codes.success ? error_object(code, "") : error_object(code, "", last_message());
        }, "Return the calling thread's last error without resetting it.");
    def_runtime(m, "cudaGetErrorName", [](py::handle err) { return name_of(code_of(err)); }, py::arg("error"),
          "The name of an error code (a cudaError_t or an int).");
    def_runtime(m, "cudaGetErrorString", [](py::handle err) { return description_of(code_of(err)); }, py::arg("error"),
          "The description of an error code (a cudaError_t or an int).");
    m.def("_last_message", [] { return last_message(); },
          "The backend's detail message for the calling thread's last failure ('' if none).");

    // CUDA's error codes, from the one table the simulated device uses too.
#define PYGPU_ERROR_CONSTANT_(code, name, description) m.attr(#name) = code;
#include "PyGPU/common/cuda_errors.def"
    PYGPU_CUDA_ERRORS(PYGPU_ERROR_CONSTANT_)
#undef PYGPU_ERROR_CONSTANT_
}

}  // namespace bind_error

}  // namespace pygpu
