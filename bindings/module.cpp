// PyGPU._core: assembles the bindings and activates one backend.
//
// PyGPU/__init__.py picks the backend (PYGPU_BACKEND), imports its module
// `PyGPU._backend_<name>` and hands its table capsule to `_activate`. Every
// runtime call goes through that table afterwards.
#include <vector>

#include "core.h"

namespace pygpu {

const pygpu_backend* g_backend = nullptr;

namespace {

const pygpu_backend* table_from_capsule(py::handle capsule) {
    if (!PyCapsule_IsValid(capsule.ptr(), PYGPU_BACKEND_CAPSULE_NAME))
        throw py::import_error("PyGPU: not a backend table (expected a capsule named '" +
                               std::string(PYGPU_BACKEND_CAPSULE_NAME) + "')");
    auto* table = static_cast<const pygpu_backend*>(PyCapsule_GetPointer(capsule.ptr(), PYGPU_BACKEND_CAPSULE_NAME));
    // Read nothing but the two leading fields before the version is known to match.
    if (table->abi_version != PYGPU_BACKEND_ABI_VERSION || table->struct_size != sizeof(pygpu_backend))
        throw py::import_error("PyGPU: the backend implements backend interface version " +
                               std::to_string(table->abi_version) + " (" + std::to_string(table->struct_size) +
                               " bytes), but PyGPU._core expects version " + std::to_string(PYGPU_BACKEND_ABI_VERSION) +
                               " (" + std::to_string(sizeof(pygpu_backend)) +
                               " bytes): the installation is inconsistent, reinstall PyGPU");
    return table;
}

// CUDA names whose HIP counterpart is not simply "hip" + the rest.
const std::vector<std::pair<const char*, const char*>> kHipNames = {
    {"cudaMallocHost", "hipHostMalloc"},
    {"cudaFreeHost", "hipHostFree"},
    {"cudaDeviceProp", "hipDeviceProp_t"},
    {"cudaHostAllocDefault", "hipHostMallocDefault"},
    {"cudaHostAllocPortable", "hipHostMallocPortable"},
    {"cudaHostAllocMapped", "hipHostMallocMapped"},
    {"cudaHostAllocWriteCombined", "hipHostMallocWriteCombined"},
    {"cudaErrorMemoryAllocation", "hipErrorOutOfMemory"},
    {"cudaErrorInvalidResourceHandle", "hipErrorInvalidHandle"},
};

// Every cuda* name is also reachable as hip*, so HIP-style code runs as is.
void add_hip_aliases(py::module_& m) {
    py::dict names = m.attr("__dict__");
    std::vector<std::pair<std::string, py::object>> aliases;
    for (auto item : names) {
        std::string name = py::str(item.first);
        if (name.rfind("cuda", 0) == 0) aliases.emplace_back("hip" + name.substr(4), py::reinterpret_borrow<py::object>(item.second));
    }
    for (const auto& [from, to] : kHipNames) aliases.emplace_back(to, m.attr(from));
    for (auto& [name, value] : aliases)
        if (!py::hasattr(m, name.c_str())) m.attr(name.c_str()) = value;
}

}  // namespace

}  // namespace pygpu

PYBIND11_MODULE(_core, m) {
    using namespace pygpu;
    m.doc() = "PyGPU's runtime bindings (see PyGPU for the public face).";
    m.attr("__version__") = PYGPU_VERSION;
    m.attr("BACKEND_ABI_VERSION") = PYGPU_BACKEND_ABI_VERSION;

    m.def("_activate", [](py::handle capsule) {
            const pygpu_backend* table = table_from_capsule(capsule);
            if (g_backend != nullptr && g_backend != table)
                throw std::runtime_error("PyGPU: backend '" + std::string(g_backend->name) +
                                         "' is already active; one backend per process");
            g_backend = table;
            return std::string(table->name);
        }, py::arg("capsule"), "Make the backend in `capsule` the one every call uses.");
    m.def("_probe", [](py::handle capsule) {
            const pygpu_backend* table = table_from_capsule(capsule);
            int count = 0;
            int code = table->get_device_count(&count);
            if (code != table->codes.success) count = 0;
            return py::make_tuple(count, code, std::string(table->get_error_name(code)));
        }, py::arg("capsule"), "Ask a backend how many devices it sees, without activating it: (count, code, name).");
    m.def("_backend_name", [] { return g_backend ? py::object(py::str(g_backend->name)) : py::object(py::none()); },
          "The name of the active backend, or None.");

    bind_errors(m);
    bind_pointers(m);
    bind_device_arrays(m);
    bind_allocators(m);
    bind_dlpack(m);
    bind_sim(m);
    bind_host_blocks(m);
    bind_devices(m);
    bind_memory(m);
    bind_streams(m);
    bind_events(m);
    add_hip_aliases(m);
}
