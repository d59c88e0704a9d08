// stream_ref: a non-owning reference to a GPU stream, held as its raw handle.
//
// What a user's launcher needs to queue a kernel on the caller's stream,
// without depending on a vendor header or on PyGPU's active backend: the
// handle converts to the runtime's own stream type at the point of use,
// `s.as<cudaStream_t>()` or `s.as<hipStream_t>()`. Handle 0 is the legacy
// default stream (what `None` means on the Python side); 1 and 2 are CUDA's
// `cudaStreamLegacy` and `cudaStreamPerThread`.
//
// With pybind11, `#include "pygpu/pybind11.h"` lets a bound function take a
// stream_ref from a `PyGPU.cudaStream_t`, a `PyGPU.driver.Stream`, an object
// with `__cuda_stream__`, an int handle or None.
//
// Self-contained: needs only the standard library.
#ifndef PYGPU_STREAM_REF_H
#define PYGPU_STREAM_REF_H

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace pygpu {

class stream_ref {
public:
    // The legacy default stream.
    constexpr stream_ref() noexcept = default;
    constexpr stream_ref(std::nullptr_t) noexcept {}  // NOLINT: nullptr is the default stream, as in CUDA
    constexpr explicit stream_ref(std::uintptr_t handle) noexcept : handle_(handle) {}
    // From a runtime stream type (cudaStream_t, hipStream_t: pointers to opaque structs).
    template <class Stream, typename std::enable_if<std::is_pointer<Stream>::value, int>::type = 0>
    explicit stream_ref(Stream stream) noexcept : handle_(reinterpret_cast<std::uintptr_t>(stream)) {}

    // The handle as the runtime's stream type: `as<cudaStream_t>()`.
    template <class Stream>
    Stream as() const noexcept {
        static_assert(std::is_pointer<Stream>::value, "stream_ref::as<S>(): S must be a stream handle type "
                                                      "such as cudaStream_t or hipStream_t");
        return reinterpret_cast<Stream>(handle_);
    }

    void* handle() const noexcept { return reinterpret_cast<void*>(handle_); }
    constexpr std::uintptr_t value() const noexcept { return handle_; }
    constexpr bool is_default() const noexcept { return handle_ == 0; }

    friend constexpr bool operator==(stream_ref a, stream_ref b) noexcept { return a.handle_ == b.handle_; }
    friend constexpr bool operator!=(stream_ref a, stream_ref b) noexcept { return a.handle_ != b.handle_; }

private:
    std::uintptr_t handle_ = 0;
};

}  // namespace pygpu

#endif  // PYGPU_STREAM_REF_H
