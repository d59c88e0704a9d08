// Devices: count, selection, properties, synchronisation, reset, memory info,
// versions and peer access.
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
}

}  // namespace bind_device

}  // namespace pygpu
