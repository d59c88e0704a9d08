// _core._DeviceAllocationBase: the C base of PyGPU.driver.DeviceAllocation,
// which frees its device memory when the last reference goes, and the hot
// paths of GPUArray's whole-array copies.
//
// Freeing on drop is a C destructor, not a Python __del__: a GPUArray made and
// dropped in a loop pays no Python frame for its memory. What is freed, and
// how, follows the class's `_release` attribute, read when an instance is
// made:
//   - _core.cudaFree (DeviceAllocation): cudaFree, with the GIL released (it
//     waits for queued work, which may be a Python host function);
//   - _core.cudaFreeAsync (StreamOrderedAllocation): cudaFreeAsync on the
//     legacy default stream;
//   - None: nothing (a subclass that gives its memory back itself, as
//     PyGPU.tools.PooledDeviceAllocation does in its __del__);
//   - any other callable: called with the pointer object, as the Python
//     destructor did.
// Nothing is freed when the pointer was already freed (its liveness token is
// dead) or while the interpreter finalizes (freeing would wait for queued
// work, which may never finish). A failed free becomes a RuntimeWarning
// "freeing a <class> failed: <error name>: <message>": destructors never raise.
#include <pybind11/numpy.h>

#include <new>
#include <string>

#include "error.h"
#include "pointer.h"

namespace pygpu {

namespace bind_device_allocation {
namespace {

enum class Release { none, free, free_async, python };

// `_ptr` is made on first use when the C paths below made the allocation:
// GPUArray's round trip never needs the pointer object.
struct Allocation {
    PyObject_HEAD
    PyObject* ptr;           // the pointer object (`_ptr`), or null (none yet, or none at all)
    std::uintptr_t address;  // the memory, when `owns`
    std::size_t extent;      // its bytes (0: unknown)
    LivenessToken token;     // its liveness (empty: untracked, taken as alive)
    bool owns;               // there is memory to free: ptr is (or will be) a device pointer object
    Release release;
};

PyTypeObject* g_base = nullptr;      // _DeviceAllocationBase (owned by the module)
PyObject* g_cuda_free = nullptr;      // _core.cudaFree
PyObject* g_cuda_free_async = nullptr;  // _core.cudaFreeAsync

Release release_of(PyTypeObject* type) {
    PyObject* f = PyObject_GetAttrString(reinterpret_cast<PyObject*>(type), "_release");
    if (f == nullptr) {
        PyErr_Clear();
        return Release::none;
    }
    Release r = f == Py_None ? Release::none
                : f == g_cuda_free ? Release::free
                : f == g_cuda_free_async ? Release::free_async
                : Release::python;
    Py_DECREF(f);
    return r;
}

// Point `self` at `value` (a pointer object, None, or anything else, which
// owns nothing).
void set_ptr(Allocation* self, PyObject* value) {
    static PyTypeObject* const pointer_type = reinterpret_cast<PyTypeObject*>(py::type::of<PointerBase>().ptr());
    PyObject* old = self->ptr;
    self->owns = false;
    self->token.reset();
    self->address = 0;
    self->extent = 0;
    if (value != nullptr && PyObject_TypeCheck(value, pointer_type)) {
        const auto& p = py::handle(value).cast<const PointerBase&>();
        self->address = p.address;
        self->extent = p.extent;
        self->token = p.token;
        self->owns = true;
    }
    Py_XINCREF(value);
    self->ptr = value;
    Py_XDECREF(old);
}

// The pointer object of the memory (made now for memory the C paths allocated).
PyObject* pointer_of(Allocation* self) {
    if (self->ptr == nullptr && self->owns) {
        PointerBase w;
        w.address = self->address;
        w.extent = self->extent;
        w.device = true;
        w.token = self->token;
        self->ptr = pointer_object(w).release().ptr();
    }
    return self->ptr;
}

Allocation* make(PyTypeObject* type, Release release) {
    auto* self = reinterpret_cast<Allocation*>(type->tp_alloc(type, 0));
    if (self == nullptr) return nullptr;
    new (&self->token) LivenessToken();
    self->ptr = nullptr;
    self->address = 0;
    self->extent = 0;
    self->owns = false;
    self->release = release;
    return self;
}

PyObject* alloc_new(PyTypeObject* type, PyObject*, PyObject*) {
    return reinterpret_cast<PyObject*>(make(type, release_of(type)));
}

void warn_failed(PyObject* self, const std::string& detail) {
    std::string cls = "DeviceAllocation";
    if (PyObject* name = PyObject_GetAttrString(reinterpret_cast<PyObject*>(Py_TYPE(self)), "__name__")) {
        if (const char* s = PyUnicode_AsUTF8(name)) cls = s;
        Py_DECREF(name);
    }
    PyErr_Clear();
    const std::string text = "freeing a " + cls + " failed: " + detail;
    // The object is being destroyed (no reference may be taken to it): no context for an unraisable error.
    if (PyErr_WarnEx(PyExc_RuntimeWarning, text.c_str(), 1) != 0) PyErr_WriteUnraisable(nullptr);
}

// "<name>: <message or description>" of a cudaError_t object.
std::string describe(py::handle err) {
    py::object message = err.attr("message");
    if (!PyObject_IsTrue(message.ptr())) message = err.attr("description");
    return std::string(py::str(err.attr("name"))) + ": " + std::string(py::str(message));
}

void free_now(Allocation* self) {
    void* p = reinterpret_cast<void*>(self->address);
    int code = 0;
    const char* call = nullptr;
    switch (self->release) {
    case Release::none:
        return;
    case Release::free:
        call = "cudaFree";
        code = nogil([&] { return backend().free(p); });
        break;
    case Release::free_async:
        call = "cudaFreeAsync";
        code = backend().free_async(p, nullptr);
        break;
    case Release::python: {
        PyObject* f = PyObject_GetAttrString(reinterpret_cast<PyObject*>(Py_TYPE(self)), "_release");
        PyObject* ptr = f != nullptr ? pointer_of(self) : nullptr;
        PyObject* err = ptr != nullptr ? PyObject_CallOneArg(f, ptr) : nullptr;
        Py_XDECREF(f);
        if (err == nullptr) {
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            std::string why = value != nullptr ? std::string(py::str(value)) : "unknown error";
            Py_XDECREF(type), Py_XDECREF(value), Py_XDECREF(tb);
            warn_failed(reinterpret_cast<PyObject*>(self), why);
            return;
        }
        int truth = PyObject_IsTrue(err);
        if (truth != 0) warn_failed(reinterpret_cast<PyObject*>(self), truth > 0 ? describe(err) : "unknown error");
        Py_DECREF(err);
        return;
    }
    }
    if (code == success()) {
        untrack_allocation(self->address, call);
    } else {
        warn_failed(reinterpret_cast<PyObject*>(self), describe(error_object(code, call)));
    }
}

void alloc_dealloc(PyObject* obj) {
    auto* self = reinterpret_cast<Allocation*>(obj);
    PyTypeObject* type = Py_TYPE(obj);
    if (self->owns && (!self->token || self->token->alive) && !interpreter_finalizing()) {
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);  // a drop during an exception keeps it
        try {
            free_now(self);
        } catch (py::error_already_set& e) {
            e.discard_as_unraisable("freeing a DeviceAllocation");
        } catch (const std::exception& e) {
            warn_failed(obj, e.what());
        }
        PyErr_Restore(et, ev, tb);
    }
    Py_CLEAR(self->ptr);
    self->token.~LivenessToken();
    type->tp_free(obj);
    Py_DECREF(type);
}

PyObject* get_ptr(PyObject* obj, void*) {
    try {
        PyObject* ptr = pointer_of(reinterpret_cast<Allocation*>(obj));
        if (ptr == nullptr) {
            PyErr_SetString(PyExc_AttributeError, "_ptr");
            return nullptr;
        }
        Py_INCREF(ptr);
        return ptr;
    } catch (py::error_already_set& e) {
        e.restore();
    }
    return nullptr;
}

int put_ptr(PyObject* obj, PyObject* value, void*) {
    try {
        set_ptr(reinterpret_cast<Allocation*>(obj), value);
    } catch (py::error_already_set& e) {
        e.restore();
        return -1;
    }
    return 0;
}

PyGetSetDef g_getset[] = {
    {"_ptr", get_ptr, put_ptr, "The pointer object of the memory (refused by the copy calls once freed).", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot g_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(alloc_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(alloc_dealloc)},
    {Py_tp_getset, g_getset},
    {Py_tp_doc, const_cast<char*>("Device memory freed when the last reference goes (PyGPU.driver.DeviceAllocation "
                                  "derives from it; the class's _release says how).")},
    {0, nullptr},
};

PyType_Spec g_spec = {"PyGPU._core._DeviceAllocationBase", sizeof(Allocation), 0,
                      Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, g_slots};

// --- GPUArray's hot paths (METH_FASTCALL: no argument parsing beyond this) ---

// Run a METH_FASTCALL body, turning C++ exceptions into Python ones.
template <class F>
PyObject* guarded(F&& body) {
    try {
        return body();
    } catch (py::error_already_set& e) {
        e.restore();
    } catch (const py::builtin_exception& e) {
        e.set_error();
    } catch (const std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
    }
    return nullptr;
}

// An instance of `cls` (a subclass of the base) owning `p`, `n` bytes from
// cudaMallocAsync on the legacy stream; frees `p` again if that fails.
PyObject* adopt_ordered(PyTypeObject* cls, void* p, std::size_t n) {
    Allocation* self = make(cls, Release::free_async);
    if (self == nullptr) {
        backend().free_async(p, nullptr);
        return nullptr;
    }
    int device = -1;
    if (backend().get_device(&device) != success()) device = -1;
    self->address = reinterpret_cast<std::uintptr_t>(p);
    self->extent = n;
    self->token = track_allocation(self->address, true, device);
    self->owns = true;
    return reinterpret_cast<PyObject*>(self);
}

bool allocation_class(PyObject* cls) {
    if (PyType_Check(cls) && PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(cls), g_base)) return true;
    PyErr_SetString(PyExc_TypeError, "expected a subclass of _DeviceAllocationBase");
    return false;
}

// _ordered_alloc(cls, nbytes): `nbytes` (> 0) from the current device's
// stream-ordered pool on the legacy stream, as an instance of `cls`, or the
// cudaError_t of the failed cudaMallocAsync.
PyObject* ordered_alloc(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    return guarded([&]() -> PyObject* {
        if (nargs != 2) throw py::type_error("_ordered_alloc(cls, nbytes)");
        if (!allocation_class(args[0])) return nullptr;
        const std::size_t n = size_arg(args[1], "nbytes");
        void* p = nullptr;
        const int code = backend().malloc_async(&p, n, nullptr);
        if (code != success()) return error_object(code, "cudaMallocAsync").release().ptr();
        return adopt_ordered(reinterpret_cast<PyTypeObject*>(args[0]), p, n);
    });
}

// A dense (C or F contiguous) numpy array: its data and bytes; TypeError else.
char* dense_array(PyObject* obj, bool writable, std::size_t& nbytes) {
    const auto& api = py::detail::npy_api::get();
    if (!api.PyArray_Check_(obj)) throw py::type_error("expected a numpy.ndarray, got " + type_name(obj));
    const int flags = py::detail::array_proxy(obj)->flags;
    if ((flags & (py::detail::npy_api::NPY_ARRAY_C_CONTIGUOUS_ | py::detail::npy_api::NPY_ARRAY_F_CONTIGUOUS_)) == 0)
        throw py::value_error("the array is not contiguous");
    if (writable && (flags & py::detail::npy_api::NPY_ARRAY_WRITEABLE_) == 0)
        throw py::value_error("the array is read-only");
    nbytes = static_cast<std::size_t>(py::reinterpret_borrow<py::array>(obj).nbytes());
    return py::detail::array_proxy(obj)->data;
}

// _upload(cls, ary): a new stream-ordered allocation (an instance of `cls`)
// holding a copy of the dense array `ary` (cudaMemcpy from the host), or the
// cudaError_t of the failed cudaMallocAsync (nothing allocated) or cudaMemcpy
// (the memory freed again). `ary` must not be empty.
PyObject* upload(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    return guarded([&]() -> PyObject* {
        if (nargs != 2) throw py::type_error("_upload(cls, ary)");
        if (!allocation_class(args[0])) return nullptr;
        std::size_t n = 0;
        const char* src = dense_array(args[1], false, n);
        void* p = nullptr;
        int code = backend().malloc_async(&p, n, nullptr);
        if (code != success()) return error_object(code, "cudaMallocAsync").release().ptr();
        code = nogil([&] { return backend().memcpy(p, src, n, PYGPU_MEMCPY_HOST_TO_DEVICE); });
        if (code != success()) {
            py::object err = error_object(code, "cudaMemcpy");
            backend().free_async(p, nullptr);
            return err.release().ptr();
        }
        return adopt_ordered(reinterpret_cast<PyTypeObject*>(args[0]), p, n);
    });
}

// _download(gpudata, shape, dtype, fortran): a new numpy array of `shape`
// and `dtype` (C order, or F when `fortran` is true) holding a copy of the
// first bytes of `gpudata` (cudaMemcpy), or the cudaError_t of the failure
// (cudaErrorInvalidValue for freed or too small memory);
// NotImplemented when `gpudata` is not an allocation holding memory.
PyObject* download(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    return guarded([&]() -> PyObject* {
        if (nargs != 4) throw py::type_error("_download(gpudata, shape, dtype, fortran)");
        if (!PyObject_TypeCheck(args[0], g_base) || !reinterpret_cast<Allocation*>(args[0])->owns)
            return py::reinterpret_borrow<py::object>(Py_NotImplemented).release().ptr();
        const auto* src = reinterpret_cast<Allocation*>(args[0]);
        if (!PyTuple_Check(args[1])) throw py::type_error("shape must be a tuple");
        const auto& api = py::detail::npy_api::get();
        if (!api.PyArrayDescr_Check_(args[2])) throw py::type_error("dtype must be a numpy.dtype");
        const Py_ssize_t nd = PyTuple_GET_SIZE(args[1]);
        if (nd > 64) throw py::value_error("too many dimensions");
        Py_intptr_t dims[64];
        for (Py_ssize_t i = 0; i < nd; ++i) {
            dims[i] = PyLong_AsSsize_t(PyTuple_GET_ITEM(args[1], i));
            if (dims[i] == -1 && PyErr_Occurred()) throw py::error_already_set();
        }
        const int truth = PyObject_IsTrue(args[3]);
        if (truth < 0) throw py::error_already_set();
        Py_INCREF(args[2]);  // PyArray_NewFromDescr steals it
        auto out = py::reinterpret_steal<py::object>(api.PyArray_NewFromDescr_(
            api.PyArray_Type_, args[2], static_cast<int>(nd), dims, nullptr, nullptr,
            truth != 0 ? py::detail::npy_api::NPY_ARRAY_F_CONTIGUOUS_ : 0, nullptr));
        if (!out) throw py::error_already_set();
        std::size_t n = 0;
        char* dst = dense_array(out.ptr(), true, n);
        if (src->token && !src->token->alive) {
            return invalid_value("cudaMemcpy", "src " + hex_address(reinterpret_cast<void*>(src->address)) +
                                                   " was already freed" +
                                                   (src->token->freed_by ? std::string(" by ") + src->token->freed_by : ""))
                .release().ptr();
        }
        if (src->extent != 0 && n > src->extent) {
            return invalid_value("cudaMemcpy", "src at " + hex_address(reinterpret_cast<void*>(src->address)) +
                                                   " holds " + std::to_string(src->extent) +
                                                   " bytes but the call needs " + std::to_string(n))
                .release().ptr();
        }
        const void* from = reinterpret_cast<const void*>(src->address);
        const int code = nogil([&] { return backend().memcpy(dst, from, n, PYGPU_MEMCPY_DEVICE_TO_HOST); });
        if (code != success()) return error_object(code, "cudaMemcpy").release().ptr();
        return out.release().ptr();
    });
}

PyMethodDef g_methods[] = {
    {"_ordered_alloc", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(ordered_alloc)), METH_FASTCALL,
     "_ordered_alloc(cls, nbytes, /)\n--\n\n`nbytes` of device memory from cudaMallocAsync on the legacy stream as a cls "
     "(freed with cudaFreeAsync when dropped), or the cudaError_t of the failure."},
    {"_upload", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(upload)), METH_FASTCALL,
     "_upload(cls, ary, /)\n--\n\nA copy of the dense numpy array ary in new stream-ordered device memory (a cls), or the "
     "cudaError_t of the failed allocation or copy."},
    {"_download", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(download)), METH_FASTCALL,
     "_download(gpudata, shape, dtype, fortran, /)\n--\n\nA new numpy array copied from the start of gpudata (cudaMemcpy), "
     "the cudaError_t of the failure, or NotImplemented when gpudata holds no memory of its own."},
    {nullptr, nullptr, 0, nullptr},
};

}  // namespace

void bind(py::module_& m) {
    g_cuda_free = m.attr("cudaFree").ptr();  // the module keeps them alive
    g_cuda_free_async = m.attr("cudaFreeAsync").ptr();
    PyObject* type = PyType_FromSpec(&g_spec);
    if (type == nullptr) throw py::error_already_set();
    g_base = reinterpret_cast<PyTypeObject*>(type);
    m.add_object("_DeviceAllocationBase", py::reinterpret_steal<py::object>(type));
    if (PyModule_AddFunctions(m.ptr(), g_methods) != 0) throw py::error_already_set();
}

}  // namespace bind_device_allocation

}  // namespace pygpu
