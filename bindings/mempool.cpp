// Stream-ordered memory pools: cudaMemPool_t, cudaMemPoolProps and
// cudaMemLocation, the cudaMemPool* calls and their constants. The
// allocations themselves (cudaMallocAsync, cudaFreeAsync,
// cudaMallocFromPoolAsync) are memory.cpp's.
#include <climits>
#include <cstdint>
#include <cstring>

#include "address_arg.h"
#include "error.h"
#include "mempool.h"
#include "runtime_doc.h"

namespace pygpu {

bool mem_pool_arg(py::handle obj, pygpu_mem_pool_t& out, std::string& why) {
    if (py::isinstance<MemPoolHandle>(obj)) {
        out = obj.cast<const MemPoolHandle&>().handle;
        return true;
    }
    if (!PyBool_Check(obj.ptr()) && PyLong_Check(obj.ptr())) {
        const unsigned long long v = PyLong_AsUnsignedLongLong(obj.ptr());
        if (v == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
            PyErr_Clear();
            why = "memPool " + std::string(py::str(obj)) + " is not a handle (an address from 0 to 2**64 - 1)";
            return false;
        }
        out = reinterpret_cast<pygpu_mem_pool_t>(static_cast<std::uintptr_t>(v));
        return true;
    }
    throw py::type_error("memPool must be a cudaMemPool_t or an int handle, got " + type_name(obj));
}

namespace bind_mempool {
namespace {

py::object pool_object(pygpu_mem_pool_t p) { return py::cast(MemPoolHandle{p}); }

// A cudaMemPoolAttr: an int (not a bool) within C's int; the backend answers
// an int that is not an attribute.
int attr_arg(py::handle attr) {
    if (PyBool_Check(attr.ptr()) || !PyIndex_Check(attr.ptr()))
        throw py::type_error("attr must be an int (a cudaMemPoolAttr), got " + type_name(attr));
    // Not const: pybind11 2.13 finds py::str(const py::int_&) ambiguous.
    py::int_ value = py::reinterpret_steal<py::int_>(PyNumber_Index(attr.ptr()));
    if (!value) throw py::error_already_set();
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow != 0 || v < INT_MIN || v > INT_MAX)
        throw py::value_error("attr must be a cudaMemPoolAttr (cudaMemPoolReuseFollowEventDependencies ... "
                              "cudaMemPoolAttrUsedMemHigh), got " + std::string(py::str(value)));
    return static_cast<int>(v);
}

// The reuse policies hold an int, the other attributes a uint64_t (CUDA).
bool int_valued(int attr) {
    return attr >= PYGPU_MEM_POOL_REUSE_FOLLOW_EVENT_DEPENDENCIES &&
           attr <= PYGPU_MEM_POOL_REUSE_ALLOW_INTERNAL_DEPENDENCIES;
}

// Parses a pool argument or returns the error object `call` answers.
bool pool_or_error(py::handle obj, const char* call, pygpu_mem_pool_t& out, py::object& error) {
    std::string why;
    if (mem_pool_arg(obj, out, why)) return true;
    error = invalid_value(call, why);
    return false;
}

}  // namespace

void bind(py::module_& m) {
    py::class_<MemPoolHandle>(m, "cudaMemPool_t",
                              "A stream-ordered memory pool (cudaMemPoolCreate, cudaDeviceGetDefaultMemPool); "
                              "int() is its handle.")
        .def(py::init([](py::handle value) {
                 pygpu_mem_pool_t p = nullptr;
                 std::string why;
                 if (!mem_pool_arg(value, p, why)) throw py::value_error(why);
                 return MemPoolHandle{p};
             }),
             py::arg("handle") = 0, "A pool from its int handle (0: NULL).")
        .def("__int__", [](const MemPoolHandle& h) { return reinterpret_cast<std::uintptr_t>(h.handle); })
        .def("__index__", [](const MemPoolHandle& h) { return reinterpret_cast<std::uintptr_t>(h.handle); })
        .def("__hash__", [](const MemPoolHandle& h) { return std::hash<const void*>()(h.handle); })
        .def("__eq__", [](const MemPoolHandle& a, py::handle b) {
                 pygpu_mem_pool_t other = nullptr;
                 std::string why;
                 if (!py::isinstance<MemPoolHandle>(b) && !(PyLong_Check(b.ptr()) && !PyBool_Check(b.ptr())))
                     return false;
                 return mem_pool_arg(b, other, why) && other == a.handle;
             })
        .def("__repr__", [](const MemPoolHandle& h) { return "<cudaMemPool_t " + hex_address(h.handle) + ">"; });

    py::class_<pygpu_mem_location>(m, "cudaMemLocation", "Where a pool's memory lives: `type` (a "
                                   "cudaMemLocationType) and `id` (the device).")
        .def(py::init([](int type, int id) { return pygpu_mem_location{type, id}; }), py::arg("type") = 0,
             py::arg("id") = 0, "A location (cudaMemLocationTypeInvalid, device 0, by default).")
        .def_readwrite("type", &pygpu_mem_location::type, "A cudaMemLocationType: cudaMemLocationTypeDevice (1).")
        .def_readwrite("id", &pygpu_mem_location::id, "The device ordinal.")
        .def("__repr__", [](const pygpu_mem_location& l) {
            return "<cudaMemLocation type=" + std::to_string(l.type) + " id=" + std::to_string(l.id) + ">";
        });

    py::class_<pygpu_mem_pool_props>(m, "cudaMemPoolProps",
                                     "The properties of a new pool (cudaMemPoolCreate), CUDA's fields; all 0 "
                                     "when made, as cuda-python's.")
        .def(py::init([]() {
                 pygpu_mem_pool_props p;
                 std::memset(&p, 0, sizeof p);
                 return p;
             }), "Properties with every field 0.")
        .def_readwrite("allocType", &pygpu_mem_pool_props::alloc_type,
                       "A cudaMemAllocationType: cudaMemAllocationTypePinned (1).")
        .def_readwrite("handleTypes", &pygpu_mem_pool_props::handle_types,
                       "cudaMemAllocationHandleType bits: cudaMemHandleTypeNone (0).")
        .def_readwrite("location", &pygpu_mem_pool_props::location, "The cudaMemLocation of the pool's memory.")
        .def_readwrite("maxSize", &pygpu_mem_pool_props::max_size, "Largest size of the pool in bytes; 0: no limit.")
        .def("__repr__", [](const pygpu_mem_pool_props& p) {
            return "<cudaMemPoolProps allocType=" + std::to_string(p.alloc_type) + " handleTypes=" +
                   std::to_string(p.handle_types) + " location=(" + std::to_string(p.location.type) + ", " +
                   std::to_string(p.location.id) + ") maxSize=" + std::to_string(p.max_size) + ">";
        });

    def_runtime(m, "cudaMemPoolCreate", [](const pygpu_mem_pool_props& props) {
            pygpu_mem_pool_t p = nullptr;
            const int code = backend().mem_pool_create(&p, &props);
            return value_and_error(code == success() ? pool_object(p) : py::none(), code, "cudaMemPoolCreate");
        }, py::arg("poolProps"), "Create a memory pool with the properties `poolProps`: (cudaMemPool_t, err).");
    def_runtime(m, "cudaMemPoolDestroy", [](py::handle pool) {
            pygpu_mem_pool_t p = nullptr;
            py::object error;
            if (!pool_or_error(pool, "cudaMemPoolDestroy", p, error)) return error;
            return error_object(nogil([&] { return backend().mem_pool_destroy(p); }), "cudaMemPoolDestroy");
        }, py::arg("memPool"), "Destroy a memory pool (its memory goes once its allocations are freed).");
    def_runtime(m, "cudaDeviceGetDefaultMemPool", [](int device) {
            pygpu_mem_pool_t p = nullptr;
            const int code = backend().device_get_default_mem_pool(&p, device);
            return value_and_error(code == success() ? pool_object(p) : py::none(), code,
                                   "cudaDeviceGetDefaultMemPool");
        }, py::arg("device"), "The default memory pool of `device`: (cudaMemPool_t, err).");
    def_runtime(m, "cudaDeviceGetMemPool", [](int device) {
            pygpu_mem_pool_t p = nullptr;
            const int code = backend().device_get_mem_pool(&p, device);
            return value_and_error(code == success() ? pool_object(p) : py::none(), code, "cudaDeviceGetMemPool");
        }, py::arg("device"), "The current memory pool of `device` (cudaMallocAsync's): (cudaMemPool_t, err).");
    def_runtime(m, "cudaDeviceSetMemPool", [](int device, py::handle pool) {
            pygpu_mem_pool_t p = nullptr;
            py::object error;
            if (!pool_or_error(pool, "cudaDeviceSetMemPool", p, error)) return error;
            return error_object(backend().device_set_mem_pool(device, p), "cudaDeviceSetMemPool");
        }, py::arg("device"), py::arg("memPool"), "Make `memPool` the current memory pool of `device`.");
    def_runtime(m, "cudaMemPoolSetAttribute", [](py::handle pool, py::handle attr, py::handle value) {
            const int a = attr_arg(attr);
            pygpu_mem_pool_t p = nullptr;
            py::object error;
            if (!pool_or_error(pool, "cudaMemPoolSetAttribute", p, error)) return error;
            std::uint64_t v64 = 0;
            int v32 = 0;
            if (int_valued(a)) {
                if (!PyIndex_Check(value.ptr())) throw py::type_error("value must be an int or a bool, got " + type_name(value));
                v32 = PyObject_IsTrue(value.ptr()) == 1 ? 1 : 0;
            } else {
                v64 = size_arg(value, "value");
            }
            void* v = int_valued(a) ? static_cast<void*>(&v32) : static_cast<void*>(&v64);
            return error_object(backend().mem_pool_set_attribute(p, a, v), "cudaMemPoolSetAttribute");
        }, py::arg("memPool"), py::arg("attr"), py::arg("value"),
        "Set a cudaMemPoolAttr of `memPool`: a reuse policy (true/false), the release threshold in bytes, or a "
        "high-water mark back to the current value (0).");
    def_runtime(m, "cudaMemPoolGetAttribute", [](py::handle pool, py::handle attr) {
            const int a = attr_arg(attr);
            pygpu_mem_pool_t p = nullptr;
            py::object error;
            if (!pool_or_error(pool, "cudaMemPoolGetAttribute", p, error)) {
                return py::tuple(py::make_tuple(py::none(), error));
            }
            std::uint64_t v64 = 0;
            int v32 = 0;
            void* v = int_valued(a) ? static_cast<void*>(&v32) : static_cast<void*>(&v64);
            const int code = backend().mem_pool_get_attribute(p, a, v);
            py::object value = int_valued(a) ? py::object(py::int_(v32)) : py::object(py::int_(v64));
            return value_and_error(code == success() ? value : py::none(), code, "cudaMemPoolGetAttribute");
        }, py::arg("memPool"), py::arg("attr"), "A cudaMemPoolAttr of `memPool`: (int, err).");
    def_runtime(m, "cudaMemPoolTrimTo", [](py::handle pool, py::handle min_bytes) {
            const std::size_t keep = size_arg(min_bytes, "minBytesToKeep");
            pygpu_mem_pool_t p = nullptr;
            py::object error;
            if (!pool_or_error(pool, "cudaMemPoolTrimTo", p, error)) return error;
            return error_object(nogil([&] { return backend().mem_pool_trim_to(p, keep); }), "cudaMemPoolTrimTo");
        }, py::arg("memPool"), py::arg("minBytesToKeep"),
        "Give memory `memPool` holds unused back to the system, keeping at least `minBytesToKeep` bytes reserved.");

    m.attr("cudaMemPoolReuseFollowEventDependencies") = static_cast<int>(PYGPU_MEM_POOL_REUSE_FOLLOW_EVENT_DEPENDENCIES);
    m.attr("cudaMemPoolReuseAllowOpportunistic") = static_cast<int>(PYGPU_MEM_POOL_REUSE_ALLOW_OPPORTUNISTIC);
    m.attr("cudaMemPoolReuseAllowInternalDependencies") =
        static_cast<int>(PYGPU_MEM_POOL_REUSE_ALLOW_INTERNAL_DEPENDENCIES);
    m.attr("cudaMemPoolAttrReleaseThreshold") = static_cast<int>(PYGPU_MEM_POOL_ATTR_RELEASE_THRESHOLD);
    m.attr("cudaMemPoolAttrReservedMemCurrent") = static_cast<int>(PYGPU_MEM_POOL_ATTR_RESERVED_MEM_CURRENT);
    m.attr("cudaMemPoolAttrReservedMemHigh") = static_cast<int>(PYGPU_MEM_POOL_ATTR_RESERVED_MEM_HIGH);
    m.attr("cudaMemPoolAttrUsedMemCurrent") = static_cast<int>(PYGPU_MEM_POOL_ATTR_USED_MEM_CURRENT);
    m.attr("cudaMemPoolAttrUsedMemHigh") = static_cast<int>(PYGPU_MEM_POOL_ATTR_USED_MEM_HIGH);
    m.attr("cudaMemAllocationTypeInvalid") = static_cast<int>(PYGPU_MEM_ALLOCATION_TYPE_INVALID);
    m.attr("cudaMemAllocationTypePinned") = static_cast<int>(PYGPU_MEM_ALLOCATION_TYPE_PINNED);
    m.attr("cudaMemHandleTypeNone") = static_cast<int>(PYGPU_MEM_HANDLE_TYPE_NONE);
    m.attr("cudaMemHandleTypePosixFileDescriptor") = static_cast<int>(PYGPU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR);
    m.attr("cudaMemLocationTypeInvalid") = static_cast<int>(PYGPU_MEM_LOCATION_TYPE_INVALID);
    m.attr("cudaMemLocationTypeDevice") = static_cast<int>(PYGPU_MEM_LOCATION_TYPE_DEVICE);
}

}  // namespace bind_mempool

}  // namespace pygpu
