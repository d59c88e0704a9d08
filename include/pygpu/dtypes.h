// The dtypes PyGPU supports: ONE table that generates the C++ instantiations
// (DeviceArray<T>, pointer_wrapper<T>) and the Python classes
// (DeviceArray_<name>, pointer_wrapper_<name>, HostAllocator_<name>,
// PagelockedAllocator_<name>). Adding a dtype is one line here.
//
// Self-contained: needs only the standard library.
#ifndef PYGPU_DTYPES_H
#define PYGPU_DTYPES_H

#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace pygpu {

// IEEE 754 binary16, as storage only (no arithmetic): the bits numpy's
// float16 and CUDA's __half hold.
struct float16 {
    std::uint16_t bits;
};

// X(name, C++ type, buffer-protocol format, kind) where kind is the numpy
// kind character: i signed, u unsigned, f floating, c complex, b bool.
#define PYGPU_DTYPES(X)                                  \
    X(int8, std::int8_t, "b", 'i')                       \
    X(int16, std::int16_t, "h", 'i')                     \
    X(int32, std::int32_t, "i", 'i')                     \
    X(int64, std::int64_t, "q", 'i')                     \
    X(uint8, std::uint8_t, "B", 'u')                     \
    X(uint16, std::uint16_t, "H", 'u')                   \
    X(uint32, std::uint32_t, "I", 'u')                   \
    X(uint64, std::uint64_t, "Q", 'u')                   \
    X(float16, ::pygpu::float16, "e", 'f')               \
    X(float32, float, "f", 'f')                          \
    X(float64, double, "d", 'f')                         \
    X(complex64, std::complex<float>, "Zf", 'c')         \
    X(complex128, std::complex<double>, "Zd", 'c')       \
    X(bool, bool, "?", 'b')

// A dtype at run time: what the untyped parts of PyGPU need to know.
struct dtype_info {
    const char* name;    // "float32"
    const char* format;  // PEP 3118 format character(s)
    char kind;           // numpy kind: 'i', 'u', 'f', 'c', 'b'
    std::size_t itemsize;
};

template <class T>
struct dtype_of;  // dtype_of<T>::info() for every T of the table

#define PYGPU_DTYPE_OF_(name_, type_, format_, kind_)                               \
    template <>                                                                    \
    struct dtype_of<type_> {                                                       \
        static const dtype_info& info() {                                          \
            static const dtype_info i{#name_, format_, kind_, sizeof(type_)};      \
            return i;                                                              \
        }                                                                          \
    };
PYGPU_DTYPES(PYGPU_DTYPE_OF_)
#undef PYGPU_DTYPE_OF_

// The table's dtype with this numpy kind and item size, or nullptr.
inline const dtype_info* dtype_by_kind(char kind, std::size_t itemsize) {
#define PYGPU_DTYPE_MATCH_(name_, type_, format_, kind_) \
    if (kind == (kind_) && itemsize == sizeof(type_)) return &dtype_of<type_>::info();
    PYGPU_DTYPES(PYGPU_DTYPE_MATCH_)
#undef PYGPU_DTYPE_MATCH_
    return nullptr;
}

// The numpy kind of a PEP 3118 format string ('\0' when not a plain scalar
// in native byte order): "<f" -> 'f', "Zd" -> 'c', "l" -> 'i', ">i" -> '\0'.
inline char format_kind(const char* format) {
    if (format == nullptr || *format == '\0') return 'u';  // "B" is the default
    if (*format == '@' || *format == '=' || *format == '<' || *format == '!' || *format == '>') {
        const std::uint16_t probe = 1;
        char first = 0;
        std::memcpy(&first, &probe, 1);
        const bool little = first == 1;
        if ((*format == '>' || *format == '!') == little) return '\0';  // non-native byte order
        if (*format == '<' && !little) return '\0';
        ++format;
    }
    if (format[0] == 'Z') return (format[1] != '\0' && format[2] == '\0') ? 'c' : '\0';
    if (format[1] != '\0') return '\0';
    switch (format[0]) {
        case 'b': case 'h': case 'i': case 'l': case 'q': case 'n': return 'i';
        case 'B': case 'H': case 'I': case 'L': case 'Q': case 'N': return 'u';
        case 'e': case 'f': case 'd': case 'g': return 'f';
        case '?': return 'b';
        default: return '\0';
    }
}

}  // namespace pygpu

#endif  // PYGPU_DTYPES_H
