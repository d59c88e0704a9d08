// Memory and size arguments of the runtime calls (defined in pointer.cpp).
#ifndef PYGPU_BINDINGS_ADDRESS_ARG_H
#define PYGPU_BINDINGS_ADDRESS_ARG_H

#include <cstddef>
#include <cstdint>
#include <string>

#include "backend_access.h"

namespace pygpu {

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

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_ADDRESS_ARG_H
