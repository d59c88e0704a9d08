// cudaStream_t objects, the stream runtime calls, and host callbacks.
#include <mutex>
#include <vector>

#include "address_arg.h"
#include "error.h"
#include "event.h"
#include "runtime_doc.h"
#include "stream.h"

namespace pygpu {

namespace bind_stream {
namespace {

// Record `code` as the stream's last status and return its error object.
py::object recorded(Stream& s, int code, const char* call) {
    s.last_status = code;
    return error_object(code, call);
}

Stream& stream_object(py::handle obj, const char* call) {
    if (!py::isinstance<Stream>(obj))
        throw py::type_error(std::string(call) + ": expected a cudaStream_t, got " +
                             type_name(obj));
    return obj.cast<Stream&>();
}

std::unique_ptr<Stream> create(unsigned int flags, int priority, int& code) {
    pygpu_stream_t handle = nullptr;
    code = backend().stream_create_with_priority(&handle, flags, priority);
    if (code != success()) return nullptr;
    auto s = std::make_unique<Stream>();
    s->handle = handle;
    s->owned = true;
    backend().get_device(&s->device);
    live_objects<Stream>().insert(s.get());
    return s;
}

py::tuple create_call(unsigned int flags, int priority, const char* call) {
    int code = 0;
    std::unique_ptr<Stream> s = create(flags, priority, code);
    return value_and_error(s ? py::cast(std::move(s)) : py::none(), code, call);
}

py::object destroy(Stream& s, const char* call) {
    if (!s.owned) return invalid_handle(call, "the default stream cannot be destroyed");
    if (s.destroyed) return invalid_handle(call, "the stream was already destroyed");
    int code = backend().stream_destroy(s.handle);
    if (code == success()) {
        s.destroyed = true;
        live_objects<Stream>().erase(&s);
    }
    return recorded(s, code, call);
}

template <class F>
py::object on_stream(py::handle obj, const char* call, F&& f) {
    pygpu_stream_t handle = nullptr;
    std::string why;
    if (!stream_arg(obj, handle, why)) return invalid_handle(call, why);
    int code = f(handle);
    if (py::isinstance<Stream>(obj)) return recorded(obj.cast<Stream&>(), code, call);
    return error_object(code, call);
}

int synchronize_stream(pygpu_stream_t h) {
    py::gil_scoped_release release;  // may wait long, and host callbacks need the GIL
    return backend().stream_synchronize(h);
}

// A Python callable queued with cudaLaunchHostFunc. The worker that runs it
// takes the GIL; an exception is reported through sys.unraisablehook.
struct HostCall {
    PyObject* fn;
    PyObject* data;
};

// A host function reached once the interpreter is finalizing can neither run
// nor drop its references: it is parked in a list that lives as long as the
// process, so that it stays reachable (LeakSanitizer reports only blocks
// nothing points to) instead of being dropped on the floor.
void park(HostCall* call) {
    static auto* mu = new std::mutex();                      // never destroyed: workers
    static auto* parked = new std::vector<HostCall*>();      // may park at exit
    std::lock_guard<std::mutex> lock(*mu);
    parked->push_back(call);
}

void run_host_call(void* user_data) {
    auto* call = static_cast<HostCall*>(user_data);
    if (!Py_IsInitialized() || interpreter_finalizing()) {  // too late to run Python
        park(call);
        return;
    }
    PyGILState_STATE state = PyGILState_Ensure();
    PyObject* result = PyObject_CallFunctionObjArgs(call->fn, call->data, nullptr);
    if (result == nullptr)
        PyErr_WriteUnraisable(call->fn);
    else
        Py_DECREF(result);
    Py_DECREF(call->fn);
    Py_DECREF(call->data);
    delete call;
    PyGILState_Release(state);
}

}  // namespace
}  // namespace bind_stream

Stream::~Stream() {
    forget_object(this);
    if (!owned || destroyed || g_backend == nullptr) return;
    warn_if_destroy_failed(g_backend->stream_destroy(handle), "cudaStream_t");
}

bool stream_arg(py::handle obj, pygpu_stream_t& out, std::string& why) {
    if (obj.is_none()) {
        out = nullptr;
        return true;
    }
    if (py::isinstance<Stream>(obj)) {
        const Stream& s = obj.cast<const Stream&>();
        if (s.destroyed) {
            why = "the stream was destroyed";
            return false;
        }
        out = s.handle;
        return true;
    }
    if (PyIndex_Check(obj.ptr()) && !PyBool_Check(obj.ptr())) {
        out = reinterpret_cast<pygpu_stream_t>(static_cast<std::uintptr_t>(size_arg(obj, "stream")));
        return true;
    }
    throw py::type_error("stream: expected a cudaStream_t, None or an int handle, got " +
                         type_name(obj));
}

namespace bind_stream {

void bind(py::module_& m) {
    py::class_<Stream>(m, "cudaStream_t", R"doc(
A stream, owning its handle (destroyed when the object goes; a failure to
destroy is a RuntimeWarning). ``int(s)`` is the raw handle, for kernels
launched by user code. ``cudaStream_t(flags=0, priority=0)`` creates one and
raises PyGPU.CudaError on failure; ``cudaStreamCreate*`` return (stream, err).)doc")
        .def(py::init([](unsigned int flags, int priority) {
                 int code = 0;
                 std::unique_ptr<Stream> s = create(flags, priority, code);
                 if (!s) throw_cuda_error(code, "cudaStreamCreateWithPriority");
                 return s;
             }), py::arg("flags") = 0, py::arg("priority") = 0)
        .def_property_readonly("handle", [](const Stream& s) { return reinterpret_cast<std::uintptr_t>(s.handle); },
                               "The raw handle as an int (0 for the legacy default stream).")
        .def_property_readonly("destroyed", [](const Stream& s) { return s.destroyed; },
                               "True once the stream was destroyed.")
        .def("__int__", [](const Stream& s) { return reinterpret_cast<std::uintptr_t>(s.handle); })
        .def("synchronize", [](py::handle self) { return on_stream(self, "cudaStreamSynchronize", synchronize_stream); },
             "Wait for the stream's queued work: cudaError_t.")
        .def("query", [](py::handle self) {
                return on_stream(self, "cudaStreamQuery", [](pygpu_stream_t h) { return backend().stream_query(h); });
            }, "cudaSuccess when the stream's work is done, cudaErrorNotReady while pending.")
        .def("destroy", [](Stream& s) { return destroy(s, "cudaStreamDestroy"); }, "Destroy the stream now.")
        .def("last_status", [](const Stream& s) { return error_object(s.last_status, "", ""); },
             "The status of the last call made on this stream object.")
        .def("__eq__", [](const Stream& s, py::handle other) -> py::object {
                if (!py::isinstance<Stream>(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
                return py::bool_(s.handle == other.cast<const Stream&>().handle);
            }, py::is_operator())
        .def("__hash__", [](const Stream& s) { return py::hash(py::int_(reinterpret_cast<std::uintptr_t>(s.handle))); })
        .def("__repr__", [](const Stream& s) {
                std::string state = s.destroyed ? " destroyed" : (s.owned ? "" : " default");
                return "<cudaStream_t " + hex_address(s.handle) + state + ">";
            });

    auto legacy = std::make_unique<Stream>();
    m.attr("cudaStreamLegacy") = py::cast(std::move(legacy));
    auto per_thread = std::make_unique<Stream>();
    per_thread->handle = reinterpret_cast<pygpu_stream_t>(std::uintptr_t{2});
    m.attr("cudaStreamPerThread") = py::cast(std::move(per_thread));

    def_runtime(m, "cudaStreamCreate", [] { return create_call(0, 0, "cudaStreamCreate"); }, "Create a stream: (stream, err).");
    def_runtime(m, "cudaStreamCreateWithFlags", [](unsigned int flags) { return create_call(flags, 0, "cudaStreamCreateWithFlags"); },
          py::arg("flags"), "Create a stream with cudaStream* flags: (stream, err).");
    def_runtime(m, "cudaStreamCreateWithPriority", [](unsigned int flags, int priority) {
            return create_call(flags, priority, "cudaStreamCreateWithPriority");
        }, py::arg("flags"), py::arg("priority"), "Create a stream with flags and a priority: (stream, err).");
    def_runtime(m, "cudaStreamDestroy", [](py::handle s) { return destroy(stream_object(s, "cudaStreamDestroy"), "cudaStreamDestroy"); },
          py::arg("stream"), "Destroy a stream; work already queued on it still completes.");
    def_runtime(m, "cudaStreamSynchronize", [](py::handle s) { return on_stream(s, "cudaStreamSynchronize", synchronize_stream); },
          py::arg("stream") = py::none(), "Wait for the stream's queued work.");
    def_runtime(m, "cudaStreamQuery", [](py::handle s) {
            return on_stream(s, "cudaStreamQuery", [](pygpu_stream_t h) { return backend().stream_query(h); });
        }, py::arg("stream") = py::none(), "cudaSuccess when the stream's work is done, cudaErrorNotReady while pending.");
    def_runtime(m, "cudaStreamWaitEvent", [](py::handle s, py::handle e, unsigned int flags) {
            pygpu_event_t event = nullptr;
            std::string why;
            if (!event_arg(e, event, why)) return invalid_handle("cudaStreamWaitEvent", why);
            return on_stream(s, "cudaStreamWaitEvent", [&](pygpu_stream_t h) {
                return backend().stream_wait_event(h, event, flags);
            });
        }, py::arg("stream"), py::arg("event"), py::arg("flags") = 0,
        "Make later work on the stream wait for the event's most recent record.");
    def_runtime(m, "cudaStreamGetFlags", [](py::handle s) {
            unsigned int flags = 0;
            py::object err = on_stream(s, "cudaStreamGetFlags", [&](pygpu_stream_t h) {
                return backend().stream_get_flags(h, &flags);
            });
            return py::make_tuple(err.cast<const Error&>().code == success() ? py::object(py::int_(flags)) : py::none(), err);
        }, py::arg("stream"), "The stream's flags: (flags, err).");
    def_runtime(m, "cudaStreamGetPriority", [](py::handle s) {
            int priority = 0;
            py::object err = on_stream(s, "cudaStreamGetPriority", [&](pygpu_stream_t h) {
                return backend().stream_get_priority(h, &priority);
            });
            return py::make_tuple(err.cast<const Error&>().code == success() ? py::object(py::int_(priority)) : py::none(), err);
        }, py::arg("stream"), "The stream's priority: (priority, err).");
    def_runtime(m, "cudaDeviceGetStreamPriorityRange", [] {
            int least = 0, greatest = 0;
            int code = backend().device_get_stream_priority_range(&least, &greatest);
            return value_and_error(py::make_tuple(least, greatest), code, "cudaDeviceGetStreamPriorityRange");
        }, "The stream priorities of the current device: ((least, greatest), err).");
    def_runtime(m, "cudaLaunchHostFunc", [](py::handle s, py::object fn, py::object data) {
            if (!PyCallable_Check(fn.ptr()))
                throw py::type_error("cudaLaunchHostFunc: fn must be callable, got " +
                                     type_name(fn));
            auto* call = new HostCall{fn.release().ptr(), data.release().ptr()};
            py::object err = on_stream(s, "cudaLaunchHostFunc", [&](pygpu_stream_t h) {
                return backend().launch_host_func(h, run_host_call, call);
            });
            if (err.cast<const Error&>().code != success()) {  // never queued: drop it here
                Py_DECREF(call->fn);
                Py_DECREF(call->data);
                delete call;
            }
            return err;
        }, py::arg("stream"), py::arg("fn"), py::arg("userData") = py::none(),
        "Queue fn(userData) on the stream; it runs in stream order on a runtime thread, with the GIL. "
        "An exception it raises is reported through sys.unraisablehook.");

    m.attr("cudaStreamDefault") = static_cast<int>(PYGPU_STREAM_DEFAULT);
    m.attr("cudaStreamNonBlocking") = static_cast<int>(PYGPU_STREAM_NON_BLOCKING);
}

}  // namespace bind_stream

}  // namespace pygpu
