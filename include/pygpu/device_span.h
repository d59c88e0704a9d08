// device_span<T, Layout>: a non-owning view of an array in device memory:
// address, shape and strides (in bytes), up to PYGPU_SPAN_MAX_NDIM axes.
//
// It is what a user's launcher takes so that Python can hand it any device
// array: with pybind11, `#include "pygpu/pybind11.h"` converts a PyGPU
// GPUArray, a DeviceArray_<dtype> (its device side) or any object with
// `__cuda_array_interface__`, checking the dtype against T. The span owns
// nothing: the array must outlive the work queued on it, exactly as with a
// raw pointer.
//
//   Layout = pygpu::strided     any strides (the default)
//   Layout = pygpu::contiguous  C-contiguous (row-major, dense) only: the
//                               conversion refuses other layouts, so
//                               data()[i] walks the elements in order
//
// The type is trivially copyable and its accessors are __host__ __device__
// under nvcc and hipcc, so a span can be passed to a kernel by value.
//
// Self-contained: the standard library, pygpu/checked.h and pygpu/stream_ref.h.
#ifndef PYGPU_DEVICE_SPAN_H
#define PYGPU_DEVICE_SPAN_H

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "pygpu/checked.h"
#include "pygpu/stream_ref.h"

#if defined(__CUDACC__) || defined(__HIPCC__)
#define PYGPU_HOST_DEVICE __host__ __device__
#else
#define PYGPU_HOST_DEVICE
#endif

#ifndef PYGPU_SPAN_MAX_NDIM
#define PYGPU_SPAN_MAX_NDIM 8
#endif

namespace pygpu {

struct strided {};     // layout policy: any strides
struct contiguous {};  // layout policy: C-contiguous only

template <class T, class Layout = strided>
class device_span {
    static_assert(std::is_same<Layout, strided>::value || std::is_same<Layout, contiguous>::value,
                  "device_span<T, Layout>: Layout is pygpu::strided or pygpu::contiguous");

public:
    using element_type = T;
    using value_type = typename std::remove_cv<T>::type;
    using layout_type = Layout;
    static constexpr int max_ndim = PYGPU_SPAN_MAX_NDIM;
    static constexpr bool requires_contiguous = std::is_same<Layout, contiguous>::value;

    // An empty 1-D span.
    device_span() = default;

    // `n` dense elements at `data`.
    PYGPU_HOST_DEVICE device_span(T* data, std::size_t n) : data_(data), size_(static_cast<std::ptrdiff_t>(n)), ndim_(1) {
        shape_[0] = static_cast<std::ptrdiff_t>(n);
        strides_[0] = static_cast<std::ptrdiff_t>(sizeof(T));
    }

    // Any shape and byte strides (null strides: C order). Throws
    // std::invalid_argument when the layout does not fit the span: too many
    // axes, strides that are not whole elements, or (Layout = contiguous) a
    // layout that is not C-contiguous.
    device_span(T* data, int ndim, const std::ptrdiff_t* shape, const std::ptrdiff_t* strides = nullptr,
                std::uintptr_t producer_stream = 0)
        : data_(data), ndim_(ndim), producer_stream_(producer_stream) {
        if (ndim < 0 || ndim > max_ndim)
            throw std::invalid_argument("device_span: " + std::to_string(ndim) + " axes, at most " +
                                        std::to_string(max_ndim) + " are supported (PYGPU_SPAN_MAX_NDIM)");
        size_ = 1;
        // Sizes and strides from a foreign interface may be anything: every
        // product is checked, so a huge shape is refused instead of wrapping.
        std::ptrdiff_t reach = static_cast<std::ptrdiff_t>(sizeof(T));  // C strides' next step
        for (int k = ndim - 1; k >= 0; --k) {
            if (shape[k] < 0) throw std::invalid_argument("device_span: negative extent in the shape");
            shape_[k] = shape[k];
            strides_[k] = strides != nullptr ? strides[k] : reach;
            if (strides_[k] % static_cast<std::ptrdiff_t>(sizeof(T)) != 0)
                throw std::invalid_argument("device_span: stride of " + std::to_string(strides_[k]) +
                                            " bytes on axis " + std::to_string(k) +
                                            " is not a multiple of the item size (" + std::to_string(sizeof(T)) + ")");
            if (!checked::mul(size_, shape[k], size_) || !checked::mul(reach, shape[k] > 0 ? shape[k] : 1, reach))
                throw std::invalid_argument("device_span: the shape is too large (its size in bytes overflows)");
        }
        if (requires_contiguous && !is_c_contiguous())
            throw std::invalid_argument("device_span: a C-contiguous array is required, got strides " +
                                        strides_text() + " for shape " + shape_text() +
                                        "; pass a contiguous copy (e.g. GPUArray.copy())");
    }

    // device_span<T> -> device_span<const T>, and contiguous -> strided.
    template <class U, class L,
              typename std::enable_if<std::is_convertible<U (*)[], T (*)[]>::value &&
                                          (std::is_same<L, Layout>::value || std::is_same<Layout, strided>::value),
                                      int>::type = 0>
    PYGPU_HOST_DEVICE device_span(const device_span<U, L>& other)
        : data_(other.data()), size_(other.size_signed()), ndim_(other.ndim()), producer_stream_(other.producer_stream()) {
        for (int k = 0; k < ndim_; ++k) {
            shape_[k] = other.shape(k);
            strides_[k] = other.stride_bytes(k);
        }
    }

    // The same view, checked to be C-contiguous (throws std::invalid_argument otherwise).
    device_span<T, contiguous> as_contiguous() const {
        return device_span<T, contiguous>(data_, ndim_, shape_, strides_, producer_stream_);
    }

    PYGPU_HOST_DEVICE T* data() const { return data_; }
    PYGPU_HOST_DEVICE std::size_t size() const { return static_cast<std::size_t>(size_); }
    PYGPU_HOST_DEVICE std::ptrdiff_t size_signed() const { return size_; }
    PYGPU_HOST_DEVICE std::size_t nbytes() const { return size() * sizeof(T); }
    PYGPU_HOST_DEVICE bool empty() const { return size_ == 0; }
    PYGPU_HOST_DEVICE int ndim() const { return ndim_; }
    PYGPU_HOST_DEVICE std::ptrdiff_t shape(int axis) const { return shape_[axis]; }
    PYGPU_HOST_DEVICE std::ptrdiff_t stride_bytes(int axis) const { return strides_[axis]; }
    // The stride in elements (strides are whole elements by construction).
    PYGPU_HOST_DEVICE std::ptrdiff_t stride(int axis) const {
        return strides_[axis] / static_cast<std::ptrdiff_t>(sizeof(T));
    }

    // The stream the producer's pending work on the memory is ordered on, from
    // `__cuda_array_interface__` ("stream": 1 legacy default, 2 per-thread
    // default, else a handle), 0 when it gave none. Work on another stream
    // must be ordered after it (a blocking stream is, after the legacy one).
    PYGPU_HOST_DEVICE std::uintptr_t producer_stream() const { return producer_stream_; }

    PYGPU_HOST_DEVICE bool is_c_contiguous() const { return dense(false); }
    PYGPU_HOST_DEVICE bool is_f_contiguous() const { return dense(true); }

    // Element i in C order: contiguous spans only.
    PYGPU_HOST_DEVICE T& operator[](std::size_t i) const {
        static_assert(requires_contiguous, "device_span::operator[] needs device_span<T, pygpu::contiguous>; "
                                           "use operator()(i, j, ...) on a strided span");
        return data_[i];
    }

    // Element (i, j, ...) through the strides: one index per axis.
    template <class... I>
    PYGPU_HOST_DEVICE T& operator()(I... index) const {
        const std::ptrdiff_t idx[] = {static_cast<std::ptrdiff_t>(index)...};
        std::ptrdiff_t offset = 0;
        for (std::size_t k = 0; k < sizeof...(I); ++k) offset += idx[k] * strides_[k];
        return *reinterpret_cast<T*>(reinterpret_cast<char*>(const_cast<value_type*>(data_)) + offset);
    }

private:
    PYGPU_HOST_DEVICE bool dense(bool fortran) const {
        if (size_ == 0) return true;
        std::ptrdiff_t expected = static_cast<std::ptrdiff_t>(sizeof(T));
        for (int j = 0; j < ndim_; ++j) {
            const int k = fortran ? j : ndim_ - 1 - j;
            if (shape_[k] == 1) continue;
            if (strides_[k] != expected) return false;
            expected *= shape_[k];
        }
        return true;
    }

    std::string shape_text() const { return tuple_text(shape_); }
    std::string strides_text() const { return tuple_text(strides_); }
    std::string tuple_text(const std::ptrdiff_t* v) const {
        std::string s = "(";
        for (int k = 0; k < ndim_; ++k) s += std::to_string(v[k]) + (k + 1 < ndim_ || ndim_ == 1 ? ", " : "");
        if (ndim_ == 1) s.resize(s.size() - 1);
        return s + ")";
    }

    T* data_ = nullptr;
    std::ptrdiff_t size_ = 0;
    int ndim_ = 1;
    std::ptrdiff_t shape_[PYGPU_SPAN_MAX_NDIM] = {};
    std::ptrdiff_t strides_[PYGPU_SPAN_MAX_NDIM] = {static_cast<std::ptrdiff_t>(sizeof(T))};
    std::uintptr_t producer_stream_ = 0;
};

}  // namespace pygpu

#endif  // PYGPU_DEVICE_SPAN_H
