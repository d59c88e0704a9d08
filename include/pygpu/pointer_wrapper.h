// pointer_wrapper<T>: an address plus what is known about it, so that raw
// pointers can travel through Python safely.
//
//  - `int()` of the Python object is the raw address (the PyCUDA convention);
//  - a *safe* pointer is host memory owned by this process with a known
//    extent: its elements can be read and written, with bounds checks;
//  - an *unsafe* pointer (device memory, or an address of unknown origin) is
//    never dereferenced on the host: element access throws;
//  - memory allocated through PyGPU carries a liveness token that is cleared
//    when the memory is freed, so a wrapper that outlives its allocation
//    refuses access instead of touching freed memory.
//
// Self-contained: needs only the standard library and pygpu/dtypes.h.
#ifndef PYGPU_POINTER_WRAPPER_H
#define PYGPU_POINTER_WRAPPER_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "pygpu/dtypes.h"

namespace pygpu {

// Shared by every wrapper of one allocation; `alive` is cleared when it is freed.
struct liveness {
    bool alive = true;
    const char* freed_by = nullptr;  // the call that freed it, for messages
};
using liveness_token = std::shared_ptr<liveness>;

class pointer_wrapper_base {
public:
    std::uintptr_t address = 0;
    std::size_t extent = 0;        // bytes reachable from address (0: unknown unless tracked)
    bool safe = false;             // host memory owned by this process
    bool device = false;           // device memory
    liveness_token token;          // null: not tracked
    const dtype_info* dtype = nullptr;  // null: untyped (void)

    bool alive() const { return !token || token->alive; }
    bool readable() const { return safe && alive(); }
    std::size_t itemsize() const { return dtype != nullptr ? dtype->itemsize : 1; }
    // Elements reachable from the address.
    std::size_t count() const { return extent / itemsize(); }

    // The address of element i, after the safety and bounds checks: throws
    // std::invalid_argument for memory that may not be read on the host and
    // std::out_of_range past the extent.
    void* element(std::size_t i) const {
        if (!safe) {
            throw std::invalid_argument(std::string("cannot access elements through an unsafe pointer (") +
                                        (device ? "device memory" : "memory of unknown origin") +
                                        "); copy the data to the host first");
        }
        if (!alive()) {
            throw std::invalid_argument(std::string("the memory this pointer points to was freed") +
                                        (token->freed_by ? std::string(" by ") + token->freed_by : std::string()));
        }
        if (i >= count()) {
            throw std::out_of_range("index " + std::to_string(i) + " is out of bounds for " +
                                    std::to_string(count()) + " element(s)");
        }
        return reinterpret_cast<void*>(address + i * itemsize());
    }

    // The pointer `n` elements further, keeping what is known about it.
    pointer_wrapper_base advanced(std::size_t n) const {
        const std::size_t bytes = n * itemsize();
        if (bytes / itemsize() != n || (extent != 0 && bytes > extent) || (token && extent == 0 && n != 0)) {
            throw std::out_of_range("offset of " + std::to_string(n) + " element(s) is past the end of the " +
                                    std::to_string(count()) + "-element extent");
        }
        pointer_wrapper_base q = *this;
        q.address += bytes;
        if (q.extent != 0) q.extent -= bytes;
        return q;
    }
};

template <class T>
class pointer_wrapper : public pointer_wrapper_base {
public:
    pointer_wrapper() { dtype = &dtype_of<T>::info(); }
    // Wrap `count` elements at `p`; `safe`: host memory owned by this process.
    pointer_wrapper(T* p, std::size_t count, bool is_safe, bool is_device = false) : pointer_wrapper() {
        address = reinterpret_cast<std::uintptr_t>(p);
        extent = count * sizeof(T);
        safe = is_safe;
        device = is_device;
    }
    explicit pointer_wrapper(const pointer_wrapper_base& b) : pointer_wrapper_base(b) { dtype = &dtype_of<T>::info(); }

    T* get() const { return reinterpret_cast<T*>(address); }
    T& operator[](std::size_t i) const { return *static_cast<T*>(element(i)); }
    pointer_wrapper operator+(std::size_t n) const { return pointer_wrapper(advanced(n)); }
};

}  // namespace pygpu

#endif  // PYGPU_POINTER_WRAPPER_H
