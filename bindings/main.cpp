// PyGPU._core's entry point (PYBIND11_MODULE): assembles the bindings, one
// bind() per file of bindings/, and activates one backend.
//
// PyGPU/_backend.py picks the backend (PYGPU_BACKEND), imports its module
// `PyGPU._backend_<name>` and hands its table capsule to `_activate`. Every
// runtime call goes through that table afterwards. The binding rules:
// backend_access.h.
#include <string>
#include <utility>
#include <vector>

#include "backend_access.h"

namespace pygpu {

// Each file of bindings/ binds its concept in its own namespace (backend_access.h).
namespace bind_error { void bind(py::module_& m); }
namespace bind_pointer { void bind(py::module_& m); }
namespace bind_device_array { void bind(py::module_& m); }
namespace bind_allocator { void bind(py::module_& m); }
namespace bind_dlpack { void bind(py::module_& m); }
namespace bind_sim { void bind(py::module_& m); }
namespace bind_host_blocks { void bind(py::module_& m); }
namespace bind_device { void bind(py::module_& m); }
namespace bind_memory { void bind(py::module_& m); }
namespace bind_mempool { void bind(py::module_& m); }
namespace bind_device_allocation { void bind(py::module_& m); }
namespace bind_stream { void bind(py::module_& m); }
namespace bind_event { void bind(py::module_& m); }
namespace bind_module { void bind(py::module_& m); }

const pygpu_backend* g_backend = nullptr;

namespace bind_main {
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
    {"cudaLibraryLoadData", "hipModuleLoadData"},
    {"cudaLibraryLoadFromFile", "hipModuleLoad"},
    {"cudaLibraryUnload", "hipModuleUnload"},
    {"cudaLibraryGetKernel", "hipModuleGetFunction"},
    {"cudaLibraryGetGlobal", "hipModuleGetGlobal"},
    {"cudaFuncAttributes", "hipFuncAttributes"},
    {"cudaLaunchKernel", "hipModuleLaunchKernel"},
    {"cudaOccupancyMaxActiveBlocksPerMultiprocessor", "hipModuleOccupancyMaxActiveBlocksPerMultiprocessor"},
    {"cudaOccupancyMaxPotentialBlockSize", "hipModuleOccupancyMaxPotentialBlockSize"},
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
}  // namespace bind_main

}  // namespace pygpu

PYBIND11_MODULE(_core, m) {
    using namespace pygpu;
    using namespace pygpu::bind_main;
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

    bind_error::bind(m);
    bind_pointer::bind(m);
    bind_device_array::bind(m);
    bind_allocator::bind(m);
    bind_dlpack::bind(m);
    bind_sim::bind(m);
    bind_host_blocks::bind(m);
    bind_device::bind(m);
    bind_mempool::bind(m);
    bind_memory::bind(m);
    bind_device_allocation::bind(m);  // after memory: reads cudaFree and cudaFreeAsync
    bind_stream::bind(m);
    bind_event::bind(m);
    bind_module::bind(m);
    add_hip_aliases(m);
}
