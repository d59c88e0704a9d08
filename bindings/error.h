// cudaError_t objects as the bindings make them (error.cpp), and the helpers
// that write error messages.
#ifndef PYGPU_BINDINGS_ERROR_H
#define PYGPU_BINDINGS_ERROR_H

#include <string>
#include <utility>

#include "backend_access.h"

namespace pygpu {

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

// For destructors, which never raise: a failed destroy becomes a RuntimeWarning.
void warn_if_destroy_failed(int code, const char* what);

// An address as 0x..., for messages.
std::string hex_address(const void* p);

// The name of an object's type, for messages.
inline std::string type_name(py::handle obj) { return py::str(py::type::handle_of(obj).attr("__name__")); }

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_ERROR_H
