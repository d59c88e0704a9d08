// Defines the tiny Python extension module that ships one backend table.
//
// Each backend is a module `PyGPU._backend_<name>` with one attribute, `table`:
// a PyCapsule named PYGPU_BACKEND_CAPSULE_NAME that points at the backend's
// static `pygpu_backend`. Only the Python C API is used here (no pybind11), so
// a backend builds in seconds and carries no C++ binding code of its own.
#ifndef PYGPU_COMMON_BACKEND_MODULE_H
#define PYGPU_COMMON_BACKEND_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "pygpu/backend.h"

// `init_check` runs at import and returns NULL when the backend can load, or
// a message (raised as ImportError) when it cannot, e.g. a bad configuration.
#define PYGPU_DEFINE_BACKEND_MODULE(modname, table_getter, init_check)                       \
    static struct PyModuleDef pygpu_backend_module_def_ = {                                  \
        PyModuleDef_HEAD_INIT, #modname, "PyGPU backend table (see pygpu/backend.h).", -1,   \
        nullptr, nullptr, nullptr, nullptr, nullptr};                                        \
    PyMODINIT_FUNC PyInit_##modname(void) {                                                  \
        const char* pygpu_why_ = (init_check)();                                             \
        if (pygpu_why_ != nullptr) {                                                         \
            PyErr_SetString(PyExc_ImportError, pygpu_why_);                                  \
            return nullptr;                                                                  \
        }                                                                                    \
        PyObject* module = PyModule_Create(&pygpu_backend_module_def_);                      \
        if (module == nullptr) return nullptr;                                               \
        PyObject* capsule = PyCapsule_New(const_cast<pygpu_backend*>(table_getter()),        \
                                          PYGPU_BACKEND_CAPSULE_NAME, nullptr);              \
        if (capsule == nullptr || PyModule_AddObject(module, "table", capsule) < 0) {        \
            Py_XDECREF(capsule);                                                             \
            Py_DECREF(module);                                                               \
            return nullptr;                                                                  \
        }                                                                                    \
        return module;                                                                       \
    }

#endif  // PYGPU_COMMON_BACKEND_MODULE_H
