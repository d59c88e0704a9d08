// The simulated device's own API (pygpu/sim_api.h), for PyGPU.sim:
// PyGPU._core._sim_*. Each function raises RuntimeError on a backend other
// than "sim"; _sim_available() says which without raising.
#include "pygpu/sim_api.h"

#include <cstdint>
#include <limits>
#include <string>

#include "address_arg.h"
#include "error.h"
#include "event.h"
#include "pointer.h"
#include "reset_marks.h"
#include "stream.h"

namespace pygpu {

namespace bind_sim {
namespace {

// The sim extension of the active backend, or NULL.
const pygpu_sim_api* find_sim() {
    if (g_backend == nullptr || g_backend->extension == nullptr) return nullptr;
    auto* api = static_cast<const pygpu_sim_api*>(g_backend->extension(PYGPU_SIM_API_NAME));
    // Read nothing but the two leading fields before the version is known to match.
    if (api == nullptr || api->version != PYGPU_SIM_API_VERSION || api->struct_size < sizeof(pygpu_sim_api))
        return nullptr;
    return api;
}

const pygpu_sim_api& sim() {
    const pygpu_backend& b = backend();
    const pygpu_sim_api* api = find_sim();
    if (api == nullptr)
        throw std::runtime_error(
            "PyGPU.sim needs the simulated device (PYGPU_BACKEND=sim); the active backend is '" +
            std::string(b.name) + "'");
    return *api;
}

// A JSON text from the API, released once copied into a str.
py::str text(char* json, const char* what) {
    if (json == nullptr) throw std::runtime_error(std::string("PyGPU.sim: out of host memory while writing ") + what);
    struct Release {
        char* p;
        ~Release() { find_sim()->free_text(p); }
    } release{json};
    return py::str(json);
}

// A non-negative int that fits `max`; ValueError/TypeError otherwise.
std::uint64_t unsigned_arg(py::handle obj, const char* name, std::uint64_t max) {
    if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr()))
        throw py::type_error(std::string(name) + " must be an int, got " + type_name(obj));
    py::int_ value = py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr()));
    if (!value) throw py::error_already_set();
    if (PyObject_RichCompareBool(value.ptr(), py::int_(0).ptr(), Py_LT) == 1)
        throw py::value_error(std::string(name) + " must be >= 0, got " + std::string(py::str(value)));
    unsigned long long v = PyLong_AsUnsignedLongLong(value.ptr());
    if (PyErr_Occurred()) {
        PyErr_Clear();
        throw py::value_error(std::string(name) + " must be at most " + std::to_string(max) + ", got " +
                              std::string(py::str(value)));
    }
    if (v > max)
        throw py::value_error(std::string(name) + " must be at most " + std::to_string(max) + ", got " +
                              std::to_string(v));
    return static_cast<std::uint64_t>(v);
}

// An error code: an int or a cudaError_t (both have __index__).
int error_code_arg(py::handle obj) {
    if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr()))
        throw py::type_error("error must be an int or a cudaError_t, got " + type_name(obj));
    py::int_ value = py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr()));
    if (!value) throw py::error_already_set();
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow != 0 || v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
        throw py::value_error("error " + std::string(py::str(value)) + " is not an error code");
    return static_cast<int>(v);
}

}  // namespace

void bind(py::module_& m) {
    m.def("_sim_available", [] { return find_sim() != nullptr; },
          "True when the active backend is the simulated device (never raises).");

    m.def("_sim_configure", [](int devices, py::handle memory) {
            const pygpu_sim_api& api = sim();
            std::size_t bytes = size_arg(memory, "memory");
            const char* why = nullptr;
            {
                py::gil_scoped_release release;
                why = api.configure(devices, bytes);
            }
            if (why != nullptr) throw std::runtime_error(std::string("PyGPU.sim configure: ") + why);
        }, py::arg("devices"), py::arg("memory"),
        "Replace the simulated devices: `devices` devices of `memory` bytes each. Only while nothing exists "
        "(no allocation, stream or event, no queued work); RuntimeError with the reason otherwise.");

    m.def("_sim_chaos", [](bool enabled, py::handle seed, py::handle max_delay_us) {
            const pygpu_sim_api& api = sim();
            std::uint64_t s = unsigned_arg(seed, "seed", std::numeric_limits<std::uint64_t>::max());
            std::uint64_t d = unsigned_arg(max_delay_us, "max_delay_us", std::numeric_limits<std::uint32_t>::max());
            api.set_chaos(enabled ? 1 : 0, s, static_cast<std::uint32_t>(d));
        }, py::arg("enabled"), py::arg("seed") = 0, py::arg("max_delay_us") = 2000,
        "Chaos mode: every work item queued from now on first waits a random delay in [0, max_delay_us] "
        "microseconds, drawn from a generator seeded with `seed`.");

    m.def("_sim_inject", [](const std::string& call, py::handle error, py::handle after, py::handle count) {
            const pygpu_sim_api& api = sim();
            int code = error_code_arg(error);
            std::uint64_t a = unsigned_arg(after, "after", std::numeric_limits<std::uint64_t>::max());
            std::uint64_t n = unsigned_arg(count, "count", std::numeric_limits<std::uint64_t>::max());
            int result = api.inject(call.c_str(), code, a, n);
            if (result == 1)
                throw py::value_error("PyGPU.sim inject: '" + call +
                                      "' is not a runtime call of the simulated device (use a CUDA name such as "
                                      "'cudaMalloc', 'cudaMemcpyAsync' or 'cudaStreamCreate')");
            if (result != 0)
                throw py::value_error("PyGPU.sim inject: error " + std::to_string(code) +
                                      " is cudaSuccess, which is not a failure; pass the failure code to inject");
        }, py::arg("call"), py::arg("error"), py::arg("after") = 0, py::arg("count") = 1,
        "Make the calls of `call` after the first `after` fail with `error`, `count` times (0: for ever).");

    m.def("_sim_clear_injections", [] { sim().clear_injections(); }, "Remove every injected failure.");

    m.def("_sim_set_next_label", [](py::handle label) {
            const pygpu_sim_api& api = sim();
            if (label.is_none()) {
                api.set_next_label(nullptr);
                return;
            }
            if (!PyUnicode_Check(label.ptr())) throw py::type_error("label must be a str or None, got " + type_name(label));
            api.set_next_label(label.cast<std::string>().c_str());
        }, py::arg("label"),
        "Label the calling thread's next successful allocation (device, pinned or registered); None clears it.");

    m.def("_sim_stats", [] { return text(sim().stats_json(), "the statistics"); },
          "Statistics as JSON: calls, bytes by direction, allocations per device and pinned, reports.");
    m.def("_sim_allocations", [] { return text(sim().allocations_json(), "the allocations"); },
          "The live allocations as JSON: address, size, device, kind, label, origin.");
    m.def("_sim_trace_start", [] { sim().trace_start(); },
          "Start recording queued operations (clears what was recorded before).");
    m.def("_sim_trace_stop", [] { return text(sim().trace_stop_json(), "the trace"); },
          "Stop recording and return the trace in Chrome's trace event format (JSON).");

    m.def("_sim_reset", [] {
            const pygpu_sim_api& api = sim();
            // Everything the simulator has goes: the bindings' objects say so from now on.
            ResetMarks marks(-1, "PyGPU.sim.reset");
            int code = 0;
            {
                py::gil_scoped_release release;  // waits for queued work, which may need the GIL
                code = api.reset();
            }
            marks.finish(code == success());
            if (code != success())
                throw std::runtime_error("PyGPU.sim reset failed: " + std::string(backend().get_error_name(code)) +
                                         ": " + last_message());
        },
        "Back to the initial state: wait for queued work, free every allocation, invalidate every stream and "
        "event, clear statistics, reports, injections, labels, peer access, chaos and traces.");
}

}  // namespace bind_sim

}  // namespace pygpu
