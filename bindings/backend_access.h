// Internal headers of PyGPU._core (bindings/): one per concept, each included
// by the binding files that use it. This one is the active backend and the
// GIL; the others are error.h (cudaError_t objects, messages), dtype_family.h
// (the per-dtype classes), family_init.h (the pybind11 internals behind their
// constructors), pointer.h (liveness of allocations, pointer objects),
// address_arg.h (memory and size arguments), stream.h, event.h and
// live_objects.h (the streams and events a reset destroys). main.cpp is the
// module's entry point.
//
// Binding rules (written once, followed by every file in bindings/):
//  - Names follow the CUDA runtime (cudaMalloc, cudaMemcpy, ...); main.cpp
//    adds a hip* alias for every cuda* name at the end of module creation.
//  - A call that returns nothing returns a cudaError_t object; a call that
//    returns values returns (value, err). Values are None when err fails.
//  - The runtime is reached only through the backend table (pygpu/backend.h).
//  - The GIL is released around every call that can wait for queued work
//    (synchronisation, copies, frees); calls that only enqueue or query keep it.
//  - Argument types are checked by pybind11 or here: a wrong type is a
//    TypeError, a negative size a ValueError, and a value the runtime would
//    reject (a too-small buffer, a freed pointer, a destroyed stream) an error
//    object with a message, produced without calling the runtime.
//  - The files are compiled as one translation unit (CMakeLists.txt: a unity
//    build). Each file keeps its own helpers in a namespace named after it
//    (pygpu::bind_<file>, e.g. bind_stream for stream.cpp) and its bind_*
//    function brings them in with `using namespace`; only what a header
//    declares lives in pygpu itself. So helpers of different files may share
//    a name, and a new file needs no renaming.
#ifndef PYGPU_BINDINGS_BACKEND_ACCESS_H
#define PYGPU_BINDINGS_BACKEND_ACCESS_H

#include <pybind11/pybind11.h>

#include <stdexcept>

#include "pygpu/backend.h"

namespace py = pybind11;

namespace pygpu {

// Set by PyGPU._core._activate (main.cpp).
extern const pygpu_backend* g_backend;

// The active backend; raises RuntimeError when none was activated.
inline const pygpu_backend& backend() {
    if (g_backend == nullptr) [[unlikely]]
        throw std::runtime_error("PyGPU: no backend is active (import PyGPU, not PyGPU._core)");
    return *g_backend;
}

inline int success() { return backend().codes.success; }

// True once the interpreter is shutting down: code on runtime threads (host
// functions, DLPack deleters) must not take the GIL any more.
inline bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
    return Py_IsFinalizing();
#else
    return _Py_IsFinalizing();
#endif
}

// Runs a runtime call with the GIL released: for calls that may wait for
// queued work, which may itself need the GIL (host functions in Python).
template <class F>
int nogil(F&& f) {
    py::gil_scoped_release release;
    return f();
}

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_BACKEND_ACCESS_H
