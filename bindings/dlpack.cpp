// DLPack capsules: export of device memory to other array libraries, and
// import of theirs (PyGPU._core._dlpack_export / _dlpack_import).
//
// The structs are written out here from dmlc/dlpack's dlpack.h (version 1.1)
// instead of vendoring the header: the ABI is a handful of plain C structs,
// fixed by the standard, and PyGPU takes no dependency for them. The Python
// side (PyGPU/_dlpack.py) implements the array API's __dlpack__ rules
// (streams, max_version, dl_device, copy) on top of these two functions.
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "checked.h"
#include "error.h"
#include "pygpu/dtypes.h"

namespace pygpu {

namespace bind_dlpack {
namespace {

// ------------------------------------------------------------ the ABI ---
// Field order and types are the ABI; do not reorder.
extern "C" {

struct DLPackVersion {
    std::uint32_t major;
    std::uint32_t minor;
};

struct DLDevice {
    std::int32_t device_type;  // DLDeviceType: an int32 enum in dlpack.h
    std::int32_t device_id;
};

struct DLDataType {
    std::uint8_t code;
    std::uint8_t bits;
    std::uint16_t lanes;
};

struct DLTensor {
    void* data;
    DLDevice device;
    std::int32_t ndim;
    DLDataType dtype;
    std::int64_t* shape;
    std::int64_t* strides;  // in elements; NULL: C-contiguous
    std::uint64_t byte_offset;
};

struct DLManagedTensor {
    DLTensor dl_tensor;
    void* manager_ctx;
    void (*deleter)(DLManagedTensor* self);
};

// A major version change may move everything after `deleter`; the three
// leading fields stay put so that a consumer can always release the tensor.
struct DLManagedTensorVersioned {
    DLPackVersion version;
    void* manager_ctx;
    void (*deleter)(DLManagedTensorVersioned* self);
    std::uint64_t flags;
    DLTensor dl_tensor;
};

}  // extern "C"

constexpr std::uint32_t kDLPackMajor = 1;
constexpr std::uint32_t kDLPackMinor = 1;
constexpr std::uint64_t kFlagReadOnly = 1ull << 0;  // DLPACK_FLAG_BITMASK_READ_ONLY

enum DLDataTypeCode : std::uint8_t {
    kDLInt = 0,
    kDLUInt = 1,
    kDLFloat = 2,
    kDLBfloat = 4,
    kDLComplex = 5,
    kDLBool = 6,
};

// The capsule names: a consumer renames the capsule to the "used_" name when
// it takes ownership, so that the capsule's destructor leaves it alone.
// String literals, because a capsule keeps the name pointer it is given.
template <class M>
struct Names;
template <>
struct Names<DLManagedTensor> {
    static constexpr const char* unused = "dltensor";
    static constexpr const char* used = "used_dltensor";
};
template <>
struct Names<DLManagedTensorVersioned> {
    static constexpr const char* unused = "dltensor_versioned";
    static constexpr const char* used = "used_dltensor_versioned";
};

// ------------------------------------------------------------- dtypes ---
// The DLPack type code of a numpy kind, or -1. Bool has its own code since
// DLPack 0.8; before that producers sent uint8, which imports as uint8.
int code_of_kind(char kind) {
    switch (kind) {
        case 'i': return kDLInt;
        case 'u': return kDLUInt;
        case 'f': return kDLFloat;
        case 'c': return kDLComplex;
        case 'b': return kDLBool;
        default: return -1;
    }
}

char kind_of_code(std::uint8_t code) {
    switch (code) {
        case kDLInt: return 'i';
        case kDLUInt: return 'u';
        case kDLFloat: return 'f';
        case kDLComplex: return 'c';
        case kDLBool: return 'b';
        default: return '\0';
    }
}

// The names of dlpack.h's type codes, so that a refusal names what was sent.
std::string dl_type_name(const DLDataType& t) {
    static const char* const names[] = {"int", "uint", "float", "opaque_handle", "bfloat", "complex", "bool",
                                        "float8_e3m4", "float8_e4m3", "float8_e4m3b11fnuz", "float8_e4m3fn",
                                        "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu",
                                        "float6_e2m3fn", "float6_e3m2fn", "float4_e2m1fn"};
    std::string name = t.code < sizeof(names) / sizeof(names[0]) ? names[t.code] : "unknown type code";
    if (t.code <= kDLBfloat || t.code == kDLComplex) name += std::to_string(t.bits);
    name += " (code " + std::to_string(t.code) + ", " + std::to_string(t.bits) + " bits";
    if (t.lanes != 1) name += ", " + std::to_string(t.lanes) + " lanes";
    return name + ")";
}

std::string supported_dtypes() {
    std::string out;
#define PYGPU_DTYPE_NAME_(name_, type_, format_, kind_) out += std::string(out.empty() ? "" : ", ") + #name_;
    PYGPU_DTYPES(PYGPU_DTYPE_NAME_)
#undef PYGPU_DTYPE_NAME_
    return out;
}

const dtype_info* dtype_by_name(const std::string& name) {
#define PYGPU_DTYPE_BY_NAME_(name_, type_, format_, kind_) \
    if (name == #name_) return &dtype_of<type_>::info();
    PYGPU_DTYPES(PYGPU_DTYPE_BY_NAME_)
#undef PYGPU_DTYPE_BY_NAME_
    return nullptr;
}

// --------------------------------------------------------------- export ---
// What an exported tensor owns: its shape and strides, and a strong
// reference to the Python object whose memory it points to. Holds a raw
// PyObject* (not py::object) because the deleter may run without the GIL.
template <class M>
struct Export {
    M managed{};
    std::vector<std::int64_t> shape;
    std::vector<std::int64_t> strides;
    PyObject* owner = nullptr;
};

// The consumer calls this when it is done, from any thread, with or without
// the GIL, possibly while the interpreter shuts down.
template <class M>
void export_deleter(M* self) {
    if (self == nullptr) return;
    auto* ctx = static_cast<Export<M>*>(self->manager_ctx);
    PyObject* owner = ctx->owner;
    delete ctx;  // plain C++ memory: safe without the GIL
    if (owner == nullptr) return;
    // Too late to run Python (objects are being torn down, and taking the GIL
    // from another thread would hang it): leak the reference instead.
    if (!Py_IsInitialized() || interpreter_finalizing()) return;
    PyGILState_STATE state = PyGILState_Ensure();
    Py_DECREF(owner);  // may free device memory: the owner's own destructor
    PyGILState_Release(state);
}

// Destructor of a capsule that may never have been consumed.
template <class M>
void capsule_destructor(PyObject* capsule) {
    if (!PyCapsule_IsValid(capsule, Names<M>::unused)) return;  // consumed: the consumer owns the tensor
    // A destructor may run while an exception is being raised: keep it.
#if PY_VERSION_HEX >= 0x030C0000
    PyObject* pending = PyErr_GetRaisedException();
#else
    PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
    PyErr_Fetch(&type, &value, &traceback);
#endif
    auto* managed = static_cast<M*>(PyCapsule_GetPointer(capsule, Names<M>::unused));
    if (managed == nullptr)
        PyErr_WriteUnraisable(capsule);
    else if (managed->deleter != nullptr)
        managed->deleter(managed);
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(pending);
#else
    PyErr_Restore(type, value, traceback);
#endif
}

std::vector<std::int64_t> int64_tuple(const py::tuple& values, const char* what) {
    std::vector<std::int64_t> out;
    out.reserve(values.size());
    for (py::handle v : values) {
        if (!PyIndex_Check(v.ptr()) || PyBool_Check(v.ptr()))
            throw py::type_error(std::string("_dlpack_export: ") + what + " must hold ints, got " + type_name(v));
        out.push_back(static_cast<std::int64_t>(signed_arg(v, std::string("_dlpack_export: ") + what)));
    }
    return out;
}

void fill_tensor(DLTensor& t, std::uintptr_t ptr, const dtype_info& dtype, int device_type, int device_id,
                 std::vector<std::int64_t>& shape, std::vector<std::int64_t>& strides) {
    bool empty = false;
    for (std::int64_t n : shape) empty = empty || n == 0;
    t.data = empty ? nullptr : reinterpret_cast<void*>(ptr);  // dlpack.h: NULL for a tensor of size zero
    t.device = DLDevice{device_type, device_id};
    t.ndim = static_cast<std::int32_t>(shape.size());
    t.dtype = DLDataType{static_cast<std::uint8_t>(code_of_kind(dtype.kind)),
                         static_cast<std::uint8_t>(dtype.itemsize * 8), 1};
    // Always explicit strides (numpy and PyTorch export them too), so that no
    // consumer has to infer the layout.
    t.shape = shape.data();
    t.strides = strides.data();
    t.byte_offset = 0;
}

template <class M>
py::capsule make_capsule(std::uintptr_t ptr, std::vector<std::int64_t> shape, std::vector<std::int64_t> strides,
                         const dtype_info& dtype, int device_type, int device_id, py::handle owner, bool read_only) {
    auto* ctx = new Export<M>();
    ctx->shape = std::move(shape);
    ctx->strides = std::move(strides);
    ctx->owner = owner.inc_ref().ptr();
    M& m = ctx->managed;
    m.manager_ctx = ctx;
    m.deleter = &export_deleter<M>;
    if constexpr (std::is_same_v<M, DLManagedTensorVersioned>) {
        m.version = DLPackVersion{kDLPackMajor, kDLPackMinor};
        m.flags = read_only ? kFlagReadOnly : 0;
    }
    fill_tensor(m.dl_tensor, ptr, dtype, device_type, device_id, ctx->shape, ctx->strides);
    PyObject* capsule = PyCapsule_New(&m, Names<M>::unused, &capsule_destructor<M>);
    if (capsule == nullptr) {
        export_deleter(&m);  // with the GIL: releases the owner at once
        throw py::error_already_set();
    }
    return py::reinterpret_steal<py::capsule>(capsule);
}

py::capsule dlpack_export(std::uintptr_t ptr, const py::tuple& shape_arg, const py::tuple& strides_arg,
                          const std::string& dtype_name, int device_type, int device_id, py::handle owner,
                          bool versioned, bool read_only) {
    const dtype_info* dtype = dtype_by_name(dtype_name);
    if (dtype == nullptr)
        throw py::type_error("_dlpack_export: dtype '" + dtype_name + "' has no DLPack export in PyGPU (supported: " +
                             supported_dtypes() + ")");
    std::vector<std::int64_t> shape = int64_tuple(shape_arg, "shape");
    std::vector<std::int64_t> strides = int64_tuple(strides_arg, "strides_bytes");
    if (strides.size() != shape.size())
        throw py::value_error("_dlpack_export: shape has " + std::to_string(shape.size()) +
                              " dimensions but strides_bytes has " + std::to_string(strides.size()));
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] < 0)
            throw py::value_error("_dlpack_export: shape[" + std::to_string(i) + "] is negative (" +
                                  std::to_string(shape[i]) + ")");
        const auto itemsize = static_cast<std::int64_t>(dtype->itemsize);
        // A dimension of extent 0 or 1 never steps, so its stride carries no
        // meaning (numpy gives such dimensions odd strides); any value will do.
        if (strides[i] % itemsize != 0 && shape[i] > 1)
            throw py::value_error("_dlpack_export: strides_bytes[" + std::to_string(i) + "] = " +
                                  std::to_string(strides[i]) + " is not a multiple of the " + dtype_name +
                                  " item size (" + std::to_string(itemsize) +
                                  " bytes): DLPack counts strides in elements, so this layout cannot be "
                                  "exported (make a contiguous copy first)");
        strides[i] /= itemsize;
    }
    if (versioned)
        return make_capsule<DLManagedTensorVersioned>(ptr, std::move(shape), std::move(strides), *dtype, device_type,
                                                      device_id, owner, read_only);
    if (read_only)
        throw py::value_error("_dlpack_export: a legacy 'dltensor' capsule has no read-only flag; "
                              "export a versioned capsule (max_version >= (1, 0)) for read-only memory");
    return make_capsule<DLManagedTensor>(ptr, std::move(shape), std::move(strides), *dtype, device_type, device_id,
                                         owner, false);
}

// --------------------------------------------------------------- import ---
// Owns a consumed managed tensor: the producer's memory stays alive as long
// as this object does (a view's `base`), and the deleter runs when it goes.
class Keepalive {
public:
    Keepalive() = default;
    Keepalive(const Keepalive&) = delete;
    Keepalive& operator=(const Keepalive&) = delete;
    ~Keepalive() { release(); }

    template <class M>
    void adopt(M* managed) {
        managed_ = managed;
        versioned_ = std::is_same_v<M, DLManagedTensorVersioned>;
    }

    bool alive() const { return managed_ != nullptr; }

    // Never throws: the producer's deleter is C and returns nothing.
    void release() noexcept {
        void* m = managed_;
        managed_ = nullptr;
        if (m == nullptr) return;
        if (versioned_) {
            auto* v = static_cast<DLManagedTensorVersioned*>(m);
            if (v->deleter != nullptr) v->deleter(v);
        } else {
            auto* l = static_cast<DLManagedTensor*>(m);
            if (l->deleter != nullptr) l->deleter(l);
        }
    }

private:
    void* managed_ = nullptr;
    bool versioned_ = false;
};

// A product of a producer's sizes or strides, checked: a tensor whose byte
// strides or size would not fit int64 is refused.
std::int64_t checked_product(std::int64_t a, std::int64_t b, const char* what) {
    std::ptrdiff_t r = 0;
    if (!checked::mul(static_cast<std::ptrdiff_t>(a), static_cast<std::ptrdiff_t>(b), r))
        throw py::value_error(std::string("_dlpack_import: the tensor's ") + what +
                              " overflows a 64-bit byte count (a corrupt or impossible tensor)");
    return static_cast<std::int64_t>(r);
}

// C-contiguous byte strides for `shape` (non-negative sizes).
std::vector<std::int64_t> c_strides(const std::int64_t* shape, std::int32_t ndim, std::int64_t itemsize) {
    std::vector<std::int64_t> out(static_cast<std::size_t>(ndim));
    std::int64_t step = itemsize;
    for (std::int32_t i = ndim - 1; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = step;
        step = checked_product(step, shape[i] > 0 ? shape[i] : 1, "shape");
    }
    return out;
}

// Read `t` into the Python tuple _dlpack_import returns (all but keepalive).
// Raises before the capsule is consumed, so a refused capsule stays intact
// and is freed by its own destructor (or handed to another consumer).
py::tuple describe(const DLTensor& t, bool read_only) {
    if (t.dtype.lanes != 1 || t.dtype.bits % 8 != 0)
        throw py::type_error("_dlpack_import: DLPack dtype " + dl_type_name(t.dtype) +
                             " is not supported (PyGPU has no vector or sub-byte types); supported: " +
                             supported_dtypes());
    const dtype_info* dtype = dtype_by_kind(kind_of_code(t.dtype.code), t.dtype.bits / 8);
    if (dtype == nullptr)
        throw py::type_error("_dlpack_import: DLPack dtype " + dl_type_name(t.dtype) +
                             " is not supported; supported: " + supported_dtypes());
    if (t.ndim < 0)
        throw py::value_error("_dlpack_import: the tensor has a negative ndim (" + std::to_string(t.ndim) + ")");
    if (t.ndim > 0 && t.shape == nullptr) throw py::value_error("_dlpack_import: the tensor has ndim > 0 but no shape");
    const auto itemsize = static_cast<std::int64_t>(dtype->itemsize);
    py::tuple shape(static_cast<std::size_t>(t.ndim));
    for (std::int32_t i = 0; i < t.ndim; ++i) {
        if (t.shape[i] < 0)
            throw py::value_error("_dlpack_import: shape[" + std::to_string(i) + "] is negative (" +
                                  std::to_string(t.shape[i]) + ")");
        shape[static_cast<std::size_t>(i)] = py::int_(t.shape[i]);
    }
    const std::vector<std::int64_t> contiguous = c_strides(t.shape, t.ndim, itemsize);
    py::tuple strides(static_cast<std::size_t>(t.ndim));
    for (std::int32_t i = 0; i < t.ndim; ++i)
        strides[static_cast<std::size_t>(i)] =
            py::int_(t.strides != nullptr ? checked_product(t.strides[i], itemsize, "strides")
                                          : contiguous[static_cast<std::size_t>(i)]);
    const auto data = reinterpret_cast<std::uintptr_t>(t.data);
    std::size_t ptr = 0;
    if (!checked::add(data, static_cast<std::size_t>(t.byte_offset), ptr))
        throw py::value_error("_dlpack_import: data + byte_offset (" + std::to_string(t.byte_offset) +
                              ") is past the end of the address space (a corrupt tensor)");
    return py::make_tuple(py::int_(ptr), shape, strides, py::str(dtype->name), t.device.device_type, t.device.device_id,
                          read_only);
}

template <class M>
py::tuple consume(PyObject* capsule, M* managed, bool read_only) {
    py::tuple info = describe(managed->dl_tensor, read_only);
    // Allocate the owner before taking ownership, so that nothing can fail
    // between the rename and the adoption (a failure would free it twice).
    auto keep = std::make_unique<Keepalive>();
    Keepalive* raw = keep.get();
    py::object keepalive = py::cast(std::move(keep));
    if (PyCapsule_SetName(capsule, Names<M>::used) != 0) throw py::error_already_set();
    raw->adopt(managed);
    return py::make_tuple(info[0], info[1], info[2], info[3], info[4], info[5], info[6], keepalive);
}

py::tuple dlpack_import(py::handle capsule) {
    PyObject* c = capsule.ptr();
    if (!PyCapsule_CheckExact(c))
        throw py::type_error("_dlpack_import: expected a DLPack capsule (from obj.__dlpack__()), got " +
                             type_name(capsule));
    const char* name = PyCapsule_GetName(c);
    const std::string n = name != nullptr ? name : "";
    if (n == Names<DLManagedTensor>::used || n == Names<DLManagedTensorVersioned>::used)
        throw py::value_error("_dlpack_import: this DLPack capsule was already consumed (its name is '" + n +
                              "'); a capsule can be imported only once: call __dlpack__() again for a new one");
    if (n == Names<DLManagedTensor>::unused) {
        auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(c, name));
        if (m == nullptr) throw py::error_already_set();
        return consume(c, m, false);
    }
    if (n == Names<DLManagedTensorVersioned>::unused) {
        auto* m = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(c, name));
        if (m == nullptr) throw py::error_already_set();
        if (m->version.major != kDLPackMajor) {
            // dlpack.h: on a major mismatch nothing past `deleter` may be read,
            // and the consumer must call the deleter (the capsule is done for).
            const std::string version = std::to_string(m->version.major) + "." + std::to_string(m->version.minor);
            PyCapsule_SetName(c, Names<DLManagedTensorVersioned>::used);
            if (m->deleter != nullptr) m->deleter(m);
            throw py::buffer_error("_dlpack_import: the capsule holds DLPack " + version + ", but PyGPU reads DLPack " +
                                   std::to_string(kDLPackMajor) + ".x; ask the producer for max_version=(1, 0)");
        }
        return consume(c, m, (m->flags & kFlagReadOnly) != 0);
    }
    throw py::value_error("_dlpack_import: not a DLPack capsule (its name is '" + n +
                          "', expected 'dltensor' or 'dltensor_versioned')");
}

}  // namespace

void bind(py::module_& m) {
    py::class_<Keepalive>(m, "_DLPackKeepalive", R"doc(
Owns a consumed DLPack tensor: the producer's memory stays valid while this
object lives (it is the `base` of the imported view), and the producer's
deleter runs when it is collected.)doc")
        // A lambda, not &Keepalive::alive: pybind11 gives a member function pointer
        // a `const T*` self, which None converts to (a null dereference).
        .def_property_readonly("alive", [](const Keepalive& k) { return k.alive(); },
                               "True until the tensor was released.")
        .def("__repr__", [](const Keepalive& k) {
            return std::string("<_DLPackKeepalive ") + (k.alive() ? "holding a DLPack tensor>" : "released>");
        });

    m.def("_dlpack_export", &dlpack_export, py::arg("ptr"), py::arg("shape"), py::arg("strides_bytes"),
          py::arg("dtype"), py::arg("device_type"), py::arg("device_id"), py::arg("owner"), py::arg("versioned"),
          py::arg("read_only"),
          R"doc(
A DLPack capsule ('dltensor_versioned' when `versioned`, else 'dltensor') for
device memory at `ptr` with `shape`, byte strides `strides_bytes` (multiples of
the item size) and the PyGPU `dtype` name. It holds a reference to `owner`
until the consumer calls the deleter, or until the capsule is collected
unconsumed.)doc");
    m.def("_dlpack_import", &dlpack_import, py::arg("capsule"), R"doc(
Consume a DLPack capsule: (ptr, shape, strides_bytes, dtype, device_type,
device_id, read_only, keepalive). `keepalive` releases the tensor when
collected. ValueError for a capsule already consumed, TypeError for a dtype
PyGPU does not have (the capsule is then left unconsumed).)doc");
}

}  // namespace bind_dlpack

}  // namespace pygpu
