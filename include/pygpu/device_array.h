// DeviceArray<T>: a host side and a device side of the same array.
//
// The host side is memory the caller provides (any shape and byte strides,
// C-ordered, F-ordered or strided, negative strides included) or that the
// array owns. The device side is allocated on demand by allocate() through a
// PyGPU backend table (pygpu/backend.h) and holds the elements densely: with
// the host layout when the host side is contiguous, in C order otherwise
// (copies of a non-contiguous host side go through a packed staging buffer).
//
// Ownership is RAII: what the array allocated it frees exactly once (in
// free() or the destructor); moves transfer ownership; device memory adopted
// with adopt_device() is never freed. No call throws on a runtime failure: it
// returns the backend's status, remembered by last_status(), with a message
// (last_message()) when the array itself rejected the call.
//
// Self-contained: the standard library, pygpu/backend.h, pygpu/checked.h and
// pygpu/dtypes.h. A shape too large for memory is a std::length_error.
#ifndef PYGPU_DEVICE_ARRAY_H
#define PYGPU_DEVICE_ARRAY_H

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "pygpu/backend.h"
#include "pygpu/checked.h"
#include "pygpu/dtypes.h"

namespace pygpu {

namespace detail {

// The number of elements of `shape`; throws std::length_error when a size is
// negative or the array's bytes do not fit ptrdiff_t (numpy's limit).
inline std::size_t check_shape(const std::vector<std::ptrdiff_t>& shape, std::size_t itemsize) {
    std::size_t elements = 0, bytes = 0;
    if (!checked::shape_bytes(shape.data(), shape.size(), itemsize, elements, bytes))
        throw std::length_error("pygpu::DeviceArray: a negative size in the shape, or an array too large for memory");
    return elements;
}

// Copies between a dense C-ordered buffer and a strided view (to_dense: view
// -> dense). Recursion over the leading axes, a loop over the last one.
inline void strided_copy(char* dense, char* view, const std::ptrdiff_t* shape, const std::ptrdiff_t* strides,
                         int ndim, std::size_t itemsize, bool to_dense, std::size_t* offset) {
    if (ndim == 0) {
        to_dense ? std::memcpy(dense + *offset, view, itemsize) : std::memcpy(view, dense + *offset, itemsize);
        *offset += itemsize;
        return;
    }
    for (std::ptrdiff_t i = 0; i < shape[0]; ++i)
        strided_copy(dense, view + i * strides[0], shape + 1, strides + 1, ndim - 1, itemsize, to_dense, offset);
}

// Throws std::length_error for a shape whose bytes do not fit ptrdiff_t
// (checked::shape_bytes), so that no stride wraps.
inline std::vector<std::ptrdiff_t> contiguous_strides(const std::vector<std::ptrdiff_t>& shape, std::size_t itemsize,
                                                      bool fortran) {
    check_shape(shape, itemsize);
    std::vector<std::ptrdiff_t> strides(shape.size());
    std::ptrdiff_t step = static_cast<std::ptrdiff_t>(itemsize);
    for (std::size_t k = 0; k < shape.size(); ++k) {
        const std::size_t axis = fortran ? k : shape.size() - 1 - k;
        strides[axis] = step;
        step *= shape[axis] > 0 ? shape[axis] : 1;  // <= the checked reach
    }
    return strides;
}

}  // namespace detail

class device_array_base {
public:
    // A view of caller-owned host memory (strides in bytes; empty: C order).
    device_array_base(const pygpu_backend* backend, const dtype_info& dtype, void* host,
                      std::vector<std::ptrdiff_t> shape, std::vector<std::ptrdiff_t> strides = {},
                      bool host_writable = true)
        : backend_(backend), dtype_(&dtype), host_(host), shape_(std::move(shape)), strides_(std::move(strides)),
          host_writable_(host_writable) {
        size_ = detail::check_shape(shape_, dtype.itemsize);
        if (strides_.empty()) strides_ = detail::contiguous_strides(shape_, dtype.itemsize, false);
    }

    // Host memory owned by the array, zero-filled, C ('C') or Fortran ('F') order.
    device_array_base(const pygpu_backend* backend, const dtype_info& dtype, std::vector<std::ptrdiff_t> shape,
                      char order = 'C')
        : device_array_base(backend, dtype, nullptr, shape,
                            detail::contiguous_strides(shape, dtype.itemsize, order == 'F')) {
        // calloc, not new[]: an impossible size is a std::bad_alloc (also
        // under ASan, whose operator new aborts instead), and large blocks
        // are zero pages until touched.
        owned_host_.reset(static_cast<char*>(std::calloc(nbytes() > 0 ? nbytes() : 1, 1)));
        if (!owned_host_) throw std::bad_alloc();
        host_ = owned_host_.get();
    }

    device_array_base(const device_array_base&) = delete;
    device_array_base& operator=(const device_array_base&) = delete;
    device_array_base(device_array_base&& o) noexcept { *this = std::move(o); }
    device_array_base& operator=(device_array_base&& o) noexcept {
        if (this != &o) {
            release_device();
            backend_ = o.backend_;
            dtype_ = o.dtype_;
            host_ = o.host_;
            owned_host_ = std::move(o.owned_host_);
            shape_ = std::move(o.shape_);
            strides_ = std::move(o.strides_);
            size_ = o.size_;
            host_writable_ = o.host_writable_;
            device_ = std::exchange(o.device_, nullptr);
            allocated_ = std::exchange(o.allocated_, false);
            owns_device_ = std::exchange(o.owns_device_, false);
            last_status_ = o.last_status_;
            last_message_ = std::move(o.last_message_);
        }
        return *this;
    }
    virtual ~device_array_base() { release_device(); }

    // --- the device side ---------------------------------------------------
    // Allocate the device side (idempotent).
    int allocate() {
        if (allocated_) return ok();
        void* p = nullptr;
        int code = backend_->malloc(&p, nbytes());
        if (code != backend_->codes.success) return record(code);
        device_ = p;
        allocated_ = owns_device_ = true;
        return ok();
    }
    bool allocated() const { return allocated_; }
    bool owns_device() const { return owns_device_; }

    // Use device memory owned elsewhere (never freed by the array).
    void adopt_device(void* device) {
        release_device();
        device_ = device;
        allocated_ = true;
        owns_device_ = false;
    }

    // Release the device side now (a no-op when not allocated).
    int free() {
        if (!allocated_) return ok();
        int code = owns_device_ ? backend_->free(device_) : backend_->codes.success;
        device_ = nullptr;
        allocated_ = owns_device_ = false;
        return record(code);
    }
    // Forget the device side without freeing it (it was freed elsewhere).
    void forget_device() { device_ = nullptr, allocated_ = owns_device_ = false; }

    // --- copies -----------------------------------------------------------
    // Host side -> device side: synchronous, or in stream order on `stream`.
    int to_device() { return upload(nullptr, false); }
    int to_device(pygpu_stream_t stream) { return upload(stream, true); }
    // Device side -> host side.
    int to_host() { return download(nullptr, false); }
    int to_host(pygpu_stream_t stream) { return download(stream, true); }

    // `count` bytes of dense host memory at `src` -> the device side (PyCUDA's
    // set): `count` must be nbytes().
    int set_device(const void* src, std::size_t count, pygpu_stream_t stream = nullptr, bool async = false) {
        if (int e = check_device("set")) return e;
        if (count != nbytes())
            return fail(backend_->codes.invalid_value, "set() needs a source of exactly " + std::to_string(nbytes()) +
                                                           " bytes, got " + std::to_string(count));
        return copy(device_, src, nbytes(), PYGPU_MEMCPY_HOST_TO_DEVICE, stream, async);
    }

    // --- status and shape --------------------------------------------------
    int last_status() const { return last_status_; }
    const std::string& last_message() const { return last_message_; }

    const dtype_info& dtype() const { return *dtype_; }
    std::size_t itemsize() const { return dtype_->itemsize; }
    std::size_t size() const { return size_; }
    std::size_t nbytes() const { return size_ * dtype_->itemsize; }
    int ndim() const { return static_cast<int>(shape_.size()); }
    const std::vector<std::ptrdiff_t>& shape() const { return shape_; }
    const std::vector<std::ptrdiff_t>& strides() const { return strides_; }
    bool host_writable() const { return host_writable_; }
    bool c_contiguous() const { return size_ <= 1 || strides_ == detail::contiguous_strides(shape_, itemsize(), false); }
    bool f_contiguous() const { return size_ <= 1 || strides_ == detail::contiguous_strides(shape_, itemsize(), true); }
    bool contiguous() const { return c_contiguous() || f_contiguous(); }

    void* host_data() const { return host_; }
    void* device_data() const { return device_; }
    const pygpu_backend* backend() const { return backend_; }

protected:
    int ok() { return record(backend_->codes.success); }
    int record(int code) {
        last_status_ = code;
        last_message_.clear();
        return code;
    }
    int fail(int code, std::string message) {
        last_status_ = code;
        last_message_ = std::move(message);
        return code;
    }

private:
    // Free what the array owns, status ignored (destructor and move).
    void release_device() noexcept {
        if (allocated_ && owns_device_ && backend_ != nullptr) backend_->free(device_);
        device_ = nullptr;
        allocated_ = owns_device_ = false;
    }

    int check_device(const char* what) {
        if (!allocated_)
            return fail(backend_->codes.invalid_value,
                        std::string(what) + ": the device side is not allocated; call allocate() first");
        return backend_->codes.success;
    }
    int check_host(const char* what) {
        if (host_ == nullptr && size_ > 0)
            return fail(backend_->codes.invalid_value, std::string(what) + ": the array has no host side");
        return backend_->codes.success;
    }

    int copy(void* dst, const void* src, std::size_t n, int kind, pygpu_stream_t stream, bool async) {
        return record(async ? backend_->memcpy_async(dst, src, n, kind, stream) : backend_->memcpy(dst, src, n, kind));
    }

    int upload(pygpu_stream_t stream, bool async) {
        if (int e = check_device("to_device")) return e;
        if (int e = check_host("to_device")) return e;
        if (contiguous()) return copy(device_, first_byte(), nbytes(), PYGPU_MEMCPY_HOST_TO_DEVICE, stream, async);
        // CUDA stages pageable host memory before cudaMemcpy(Async) returns,
        // so the packed buffer may go once the call is back.
        std::vector<char> packed(nbytes());
        std::size_t offset = 0;
        detail::strided_copy(packed.data(), static_cast<char*>(host_), shape_.data(), strides_.data(), ndim(),
                             itemsize(), true, &offset);
        return copy(device_, packed.data(), nbytes(), PYGPU_MEMCPY_HOST_TO_DEVICE, stream, async);
    }

    int download(pygpu_stream_t stream, bool async) {
        if (int e = check_device("to_host")) return e;
        if (int e = check_host("to_host")) return e;
        if (!host_writable_)
            return fail(backend_->codes.invalid_value, "to_host: the host side is a read-only buffer");
        if (contiguous()) return copy(first_byte(), device_, nbytes(), PYGPU_MEMCPY_DEVICE_TO_HOST, stream, async);
        // A copy into pageable memory returns once it is complete, even in
        // stream order (CUDA's rule), so the packed buffer is ready to scatter.
        std::vector<char> packed(nbytes());
        int code = copy(packed.data(), device_, nbytes(), PYGPU_MEMCPY_DEVICE_TO_HOST, stream, async);
        if (code != backend_->codes.success) return code;
        std::size_t offset = 0;
        detail::strided_copy(packed.data(), static_cast<char*>(host_), shape_.data(), strides_.data(), ndim(),
                             itemsize(), false, &offset);
        return code;
    }

    // The lowest address of a contiguous host side (the first element for
    // positive strides, which contiguous layouts have).
    void* first_byte() const { return host_; }

    const pygpu_backend* backend_ = nullptr;
    const dtype_info* dtype_ = nullptr;
    void* host_ = nullptr;
    struct free_host {
        void operator()(char* p) const { std::free(p); }
    };
    std::unique_ptr<char, free_host> owned_host_;
    std::vector<std::ptrdiff_t> shape_, strides_;
    std::size_t size_ = 0;
    bool host_writable_ = true;
    void* device_ = nullptr;
    bool allocated_ = false;
    bool owns_device_ = false;
    int last_status_ = 0;
    std::string last_message_;
};

template <class T>
class DeviceArray : public device_array_base {
public:
    DeviceArray(const pygpu_backend* backend, T* host, std::vector<std::ptrdiff_t> shape,
                std::vector<std::ptrdiff_t> strides = {}, bool host_writable = true)
        : device_array_base(backend, dtype_of<T>::info(), host, std::move(shape), std::move(strides), host_writable) {}
    DeviceArray(const pygpu_backend* backend, std::vector<std::ptrdiff_t> shape, char order = 'C')
        : device_array_base(backend, dtype_of<T>::info(), std::move(shape), order) {}

    T* host_data() const { return static_cast<T*>(device_array_base::host_data()); }
    T* device_data() const { return static_cast<T*>(device_array_base::device_data()); }
};

}  // namespace pygpu

#endif  // PYGPU_DEVICE_ARRAY_H
