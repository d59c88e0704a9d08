// Devices: count, selection, properties, synchronisation, reset, memory info,
// versions and peer access.
#include <climits>

#include "address_arg.h"
#include "error.h"
#include "event.h"
#include "pointer.h"
#include "reset_marks.h"
#include "runtime_doc.h"
#include "stream.h"

namespace pygpu {

namespace bind_device {
namespace {

py::tuple int_call(int (*fn)(int*), const char* call) {
    int value = 0;
    int code = fn(&value);
    return value_and_error(py::int_(value), code, call);
}

// A cudaLimit: an int (not a bool); one past int would otherwise wrap onto a valid limit.
int limit_arg(py::handle limit) {
    if (PyBool_Check(limit.ptr()) || !PyIndex_Check(limit.ptr()))
        throw py::type_error("limit must be an int (a cudaLimit), got " + type_name(limit));
    py::int_ value = py::reinterpret_steal<py::int_>(PyNumber_Index(limit.ptr()));
    if (!value) throw py::error_already_set();
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow != 0 || v < INT_MIN || v > INT_MAX)
        throw py::value_error("limit must be a cudaLimit (cudaLimitStackSize ... cudaLimitPersistingL2CacheSize), got " +
                              std::string(py::str(value)));
    return static_cast<int>(v);
}

}  // namespace

void bind(py::module_& m) {
    auto prop = py::class_<pygpu_device_prop>(m, "cudaDeviceProp",
                                              "Device properties (cudaGetDeviceProperties); field names are CUDA's.");
    prop.def_property_readonly("name", [](const pygpu_device_prop& p) { return std::string(p.name); }, "The device's name.");
#define PYGPU_PROP_SCALAR_(type, field, doc) \
    prop.def_property_readonly(#field, [](const pygpu_device_prop& p) { return p.field; }, doc);
#define PYGPU_PROP_ARRAY_(type, field, n, doc)                                   \
    prop.def_property_readonly(#field, [](const pygpu_device_prop& p) {          \
        py::tuple t(n);                                                          \
        for (int i = 0; i < (n); ++i) t[static_cast<std::size_t>(i)] = p.field[i]; \
        return t;                                                                \
    }, doc);
    PYGPU_DEVICE_PROP_SCALARS(PYGPU_PROP_SCALAR_)
    PYGPU_DEVICE_PROP_ARRAYS(PYGPU_PROP_ARRAY_)
#undef PYGPU_PROP_SCALAR_
#undef PYGPU_PROP_ARRAY_
    prop.def("_asdict", [](py::handle self) {
            py::dict d;
            d["name"] = self.attr("name");
#define PYGPU_PROP_ITEM_(type, field, ...) d[#field] = self.attr(#field);
            PYGPU_DEVICE_PROP_SCALARS(PYGPU_PROP_ITEM_)
            PYGPU_DEVICE_PROP_ARRAYS(PYGPU_PROP_ITEM_)
#undef PYGPU_PROP_ITEM_
            return d;
        }, "All fields as a dict.");
    prop.def("__repr__", [](const pygpu_device_prop& p) {
        return "<cudaDeviceProp '" + std::string(p.name) + "' cc " + std::to_string(p.major) + "." +
               std::to_string(p.minor) + ", " + std::to_string(p.totalGlobalMem) + " bytes, " +
               std::to_string(p.multiProcessorCount) + " SMs>";
    });

    def_runtime(m, "cudaGetDeviceCount", [] { return int_call(backend().get_device_count, "cudaGetDeviceCount"); },
          "The number of devices: (count, err).");
    def_runtime(m, "cudaGetDevice", [] { return int_call(backend().get_device, "cudaGetDevice"); },
          "The calling thread's current device: (device, err).");
    def_runtime(m, "cudaSetDevice", [](int device) { return error_object(backend().set_device(device), "cudaSetDevice"); },
          py::arg("device"), "Make `device` current for the calling thread.");
    def_runtime(m, "cudaDeviceSynchronize", [] {
            return error_object(nogil([] { return backend().device_synchronize(); }), "cudaDeviceSynchronize");
        }, "Wait for all work queued on the current device.");
    def_runtime(m, "cudaDeviceReset", [] {
            int device = -1;
            backend().get_device(&device);
            ResetMarks marks(device, "cudaDeviceReset");  // its allocations, streams and events go
            int code = nogil([] { return backend().device_reset(); });
            marks.finish(code == success());
            return error_object(code, "cudaDeviceReset");
        }, "Destroy all allocations, streams and events of the current device and reset its state.");
    def_runtime(m, "cudaGetDeviceProperties", [](int device) {
            pygpu_device_prop p{};
            int code = backend().get_device_properties(&p, device);
            return value_and_error(py::cast(p), code, "cudaGetDeviceProperties");
        }, py::arg("device"), "The properties of `device`: (cudaDeviceProp, err).");
    def_runtime(m, "cudaMemGetInfo", [] {
            std::size_t free_bytes = 0, total_bytes = 0;
            int code = backend().mem_get_info(&free_bytes, &total_bytes);
            return value_and_error(py::make_tuple(free_bytes, total_bytes), code, "cudaMemGetInfo");
        }, "Free and total memory of the current device: ((free, total), err).");
    def_runtime(m, "cudaDriverGetVersion", [] { return int_call(backend().driver_get_version, "cudaDriverGetVersion"); },
          "The driver's version (1000 * major + 10 * minor; 0 when no driver): (version, err).");
    def_runtime(m, "cudaRuntimeGetVersion", [] { return int_call(backend().runtime_get_version, "cudaRuntimeGetVersion"); },
          "The runtime's version (1000 * major + 10 * minor): (version, err).");
    def_runtime(m, "cudaDeviceCanAccessPeer", [](int device, int peer) {
            int can = 0;
            int code = backend().device_can_access_peer(&can, device, peer);
            return value_and_error(py::int_(can), code, "cudaDeviceCanAccessPeer");
        }, py::arg("device"), py::arg("peerDevice"), "Whether `device` can access `peerDevice`'s memory: (0 or 1, err).");
    def_runtime(m, "cudaDeviceEnablePeerAccess", [](int peer, unsigned int flags) {
            return error_object(backend().device_enable_peer_access(peer, flags), "cudaDeviceEnablePeerAccess");
        }, py::arg("peerDevice"), py::arg("flags") = 0, "Let the current device access `peerDevice`'s memory.");
    def_runtime(m, "cudaDeviceDisablePeerAccess", [](int peer) {
            return error_object(backend().device_disable_peer_access(peer), "cudaDeviceDisablePeerAccess");
        }, py::arg("peerDevice"), "Stop the current device accessing `peerDevice`'s memory.");
    def_runtime(m, "cudaDeviceSetLimit", [](py::handle limit, py::handle value) {
            const int l = limit_arg(limit);
            const std::size_t v = size_arg(value, "value");
            return error_object(nogil([&] { return backend().device_set_limit(l, v); }), "cudaDeviceSetLimit");
        }, py::arg("limit"), py::arg("value"), "Set a cudaLimit of the current device to `value`.");
    def_runtime(m, "cudaDeviceGetLimit", [](py::handle limit) {
            const int l = limit_arg(limit);
            std::size_t value = 0;
            int code = backend().device_get_limit(&value, l);
            return value_and_error(py::int_(value), code, "cudaDeviceGetLimit");
        }, py::arg("limit"), "A cudaLimit of the current device: (value, err).");
    m.attr("cudaLimitStackSize") = static_cast<int>(PYGPU_LIMIT_STACK_SIZE);
    m.attr("cudaLimitPrintfFifoSize") = static_cast<int>(PYGPU_LIMIT_PRINTF_FIFO_SIZE);
    m.attr("cudaLimitMallocHeapSize") = static_cast<int>(PYGPU_LIMIT_MALLOC_HEAP_SIZE);
    m.attr("cudaLimitDevRuntimeSyncDepth") = static_cast<int>(PYGPU_LIMIT_DEV_RUNTIME_SYNC_DEPTH);
    m.attr("cudaLimitDevRuntimePendingLaunchCount") = static_cast<int>(PYGPU_LIMIT_DEV_RUNTIME_PENDING_LAUNCH_COUNT);
    m.attr("cudaLimitMaxL2FetchGranularity") = static_cast<int>(PYGPU_LIMIT_MAX_L2_FETCH_GRANULARITY);
    m.attr("cudaLimitPersistingL2CacheSize") = static_cast<int>(PYGPU_LIMIT_PERSISTING_L2_CACHE_SIZE);
}

}  // namespace bind_device

}  // namespace pygpu
