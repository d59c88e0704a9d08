// cudaEvent_t objects and the event runtime calls.
#include "error.h"
#include "event.h"
#include "runtime_doc.h"
#include "stream.h"

namespace pygpu {

namespace bind_event {
namespace {

std::unique_ptr<Event> create(unsigned int flags, int& code) {
    pygpu_event_t handle = nullptr;
    code = backend().event_create_with_flags(&handle, flags);
    if (code != success()) return nullptr;
    auto e = std::make_unique<Event>();
    e->handle = handle;
    backend().get_device(&e->device);
    live_objects<Event>().insert(e.get());
    return e;
}

py::tuple create_call(unsigned int flags, const char* call) {
    int code = 0;
    std::unique_ptr<Event> e = create(flags, code);
    return value_and_error(e ? py::cast(std::move(e)) : py::none(), code, call);
}

Event& event_object(py::handle obj, const char* call) {
    if (!py::isinstance<Event>(obj))
        throw py::type_error(std::string(call) + ": expected a cudaEvent_t, got " +
                             type_name(obj));
    return obj.cast<Event&>();
}

// Run f(handle) on a live event, recording the status on the object.
template <class F>
py::object on_event(py::handle obj, const char* call, F&& f) {
    Event& e = event_object(obj, call);
    if (e.destroyed) return invalid_handle(call, "the event was destroyed");
    e.last_status = f(e.handle);
    return error_object(e.last_status, call);
}

py::object destroy(py::handle obj) {
    return on_event(obj, "cudaEventDestroy", [&](pygpu_event_t h) {
        int code = backend().event_destroy(h);
        if (code == success()) {
            Event& e = obj.cast<Event&>();
            e.destroyed = true;
            live_objects<Event>().erase(&e);
        }
        return code;
    });
}

py::object record(py::handle obj, py::handle stream) {
    pygpu_stream_t s = nullptr;
    std::string why;
    if (!stream_arg(stream, s, why)) return invalid_handle("cudaEventRecord", why);
    return on_event(obj, "cudaEventRecord", [&](pygpu_event_t h) { return backend().event_record(h, s); });
}

int query(pygpu_event_t h) { return backend().event_query(h); }

int synchronize_event(pygpu_event_t h) {
    py::gil_scoped_release release;  // may wait long, and host callbacks need the GIL
    return backend().event_synchronize(h);
}

py::tuple elapsed(py::handle start, py::handle end) {
    Event& e = event_object(end, "cudaEventElapsedTime");
    if (e.destroyed) return py::make_tuple(py::none(), invalid_handle("cudaEventElapsedTime", "the end event was destroyed"));
    float ms = 0.0f;
    py::object err = on_event(start, "cudaEventElapsedTime", [&](pygpu_event_t h) {
        return backend().event_elapsed_time(&ms, h, e.handle);
    });
    return py::make_tuple(err.cast<const Error&>().code == success() ? py::object(py::float_(ms)) : py::none(), err);
}

}  // namespace
}  // namespace bind_event

Event::~Event() {
    forget_object(this);
    if (destroyed || g_backend == nullptr) return;
    warn_if_destroy_failed(g_backend->event_destroy(handle), "cudaEvent_t");
}

bool event_arg(py::handle obj, pygpu_event_t& out, std::string& why) {
    const Event& e = bind_event::event_object(obj, "event");
    if (e.destroyed) {
        why = "the event was destroyed";
        return false;
    }
    out = e.handle;
    return true;
}

namespace bind_event {

void bind(py::module_& m) {
    py::class_<Event>(m, "cudaEvent_t", R"doc(
An event, owning its handle (destroyed when the object goes; a failure to
destroy is a RuntimeWarning). ``cudaEvent_t(flags=0)`` creates one and raises
PyGPU.CudaError on failure; ``cudaEventCreate*`` return (event, err).)doc")
        .def(py::init([](unsigned int flags) {
                 int code = 0;
                 std::unique_ptr<Event> e = create(flags, code);
                 if (!e) throw_cuda_error(code, "cudaEventCreateWithFlags");
                 return e;
             }), py::arg("flags") = 0)
        .def_property_readonly("handle", [](const Event& e) { return reinterpret_cast<std::uintptr_t>(e.handle); },
                               "The raw handle as an int.")
        .def_property_readonly("destroyed", [](const Event& e) { return e.destroyed; }, "True once destroyed.")
        .def("__int__", [](const Event& e) { return reinterpret_cast<std::uintptr_t>(e.handle); })
        .def("record", &record, py::arg("stream") = py::none(), "Record the event in stream order: cudaError_t.")
        .def("query", [](py::handle self) { return on_event(self, "cudaEventQuery", query); },
             "cudaSuccess once the recorded work is done (or never recorded), cudaErrorNotReady before.")
        .def("synchronize", [](py::handle self) { return on_event(self, "cudaEventSynchronize", synchronize_event); },
             "Wait for the event's recorded work: cudaError_t.")
        .def("elapsed_time", [](py::handle self, py::handle end) { return elapsed(self, end); }, py::arg("end"),
             "Milliseconds from this event to `end`: (ms, err).")
        .def("destroy", &destroy, "Destroy the event now.")
        .def("last_status", [](const Event& e) { return error_object(e.last_status, "", ""); },
             "The status of the last call made on this event object.")
        .def("__repr__", [](const Event& e) {
                return "<cudaEvent_t " + hex_address(e.handle) + (e.destroyed ? " destroyed>" : ">");
            });

    def_runtime(m, "cudaEventCreate", [] { return create_call(0, "cudaEventCreate"); }, "Create an event: (event, err).");
    def_runtime(m, "cudaEventCreateWithFlags", [](unsigned int flags) { return create_call(flags, "cudaEventCreateWithFlags"); },
          py::arg("flags"), "Create an event with cudaEvent* flags: (event, err).");
    def_runtime(m, "cudaEventDestroy", &destroy, py::arg("event"), "Destroy an event.");
    def_runtime(m, "cudaEventRecord", &record, py::arg("event"), py::arg("stream") = py::none(),
          "Record the event in stream order.");
    def_runtime(m, "cudaEventQuery", [](py::handle e) { return on_event(e, "cudaEventQuery", query); }, py::arg("event"),
          "cudaSuccess once the recorded work is done (or never recorded), cudaErrorNotReady before.");
    def_runtime(m, "cudaEventSynchronize", [](py::handle e) { return on_event(e, "cudaEventSynchronize", synchronize_event); },
          py::arg("event"), "Wait for the event's recorded work.");
    def_runtime(m, "cudaEventElapsedTime", &elapsed, py::arg("start"), py::arg("end"),
          "Milliseconds between two completed, timed events: (ms, err).");

    m.attr("cudaEventDefault") = static_cast<int>(PYGPU_EVENT_DEFAULT);
    m.attr("cudaEventBlockingSync") = static_cast<int>(PYGPU_EVENT_BLOCKING_SYNC);
    m.attr("cudaEventDisableTiming") = static_cast<int>(PYGPU_EVENT_DISABLE_TIMING);
    m.attr("cudaEventInterprocess") = static_cast<int>(PYGPU_EVENT_INTERPROCESS);
}

}  // namespace bind_event

}  // namespace pygpu
