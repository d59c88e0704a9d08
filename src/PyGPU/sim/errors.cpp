#include "PyGPU/sim/errors.h"

#include <cstdarg>
#include <cstdio>

namespace pygpu {
namespace sim {

namespace {

// Per-thread, as cudaGetLastError is: one thread's failure must never be
// reported (or cleared) by another thread.
thread_local int tl_last_error = 0;
thread_local std::string tl_last_message;

std::string vformat(const char* fmt, va_list args) {
    va_list copy;
    va_copy(copy, args);
    char small[512];
    const int n = std::vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n < 0) return std::string(fmt);
    if (static_cast<size_t>(n) < sizeof small) return std::string(small, static_cast<size_t>(n));
    std::string out(static_cast<size_t>(n) + 1, '\0');
    std::vsnprintf(&out[0], out.size(), fmt, args);
    out.resize(static_cast<size_t>(n));
    return out;
}

}  // namespace

const char* error_name(int code) {
    switch (code) {
#define PYGPU_SIM_ERROR_NAME_(value, name, description) \
    case value:                                         \
        return #name;
        PYGPU_CUDA_ERRORS(PYGPU_SIM_ERROR_NAME_)
#undef PYGPU_SIM_ERROR_NAME_
        default:
            // cudaGetErrorName returns this for codes it does not know (CUDA 13).
            return "unrecognized error code";
    }
}

const char* error_string(int code) {
    switch (code) {
#define PYGPU_SIM_ERROR_STRING_(value, name, description) \
    case value:                                           \
        return description;
        PYGPU_CUDA_ERRORS(PYGPU_SIM_ERROR_STRING_)
#undef PYGPU_SIM_ERROR_STRING_
        default:
            return "unrecognized error code";
    }
}

std::string format(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    std::string out = vformat(fmt, args);
    va_end(args);
    return out;
}

int fail(int code, const char* fmt, ...) {
    if (code == err::cudaSuccess || code == err::cudaErrorNotReady) return code;
    tl_last_error = code;
    va_list args;
    va_start(args, fmt);
    try {
        std::string message = vformat(fmt, args);
        tl_last_message.swap(message);
    } catch (...) {
        // Out of host memory while describing a failure: keep the code, which
        // is what matters, and never throw through the C table.
        tl_last_message.clear();
    }
    va_end(args);
    return code;
}

int get_last_error() {
    const int code = tl_last_error;
    tl_last_error = err::cudaSuccess;
    return code;
}

int peek_at_last_error() { return tl_last_error; }

void clear_last_error() {
    tl_last_error = err::cudaSuccess;
    tl_last_message.clear();
}

const char* last_message() { return tl_last_message.c_str(); }

}  // namespace sim
}  // namespace pygpu
