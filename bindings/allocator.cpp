// HostAllocator_<dtype> (pageable) and PagelockedAllocator_<dtype> (pinned
// through the backend): a block of n elements with a pointer and a zero-copy
// buffer view.
//
// The buffer protocol is written by hand here (not pybind11's def_buffer) so
// that exports are counted: free() and allocate() refuse to release memory
// that a numpy view still uses.
#include <cstdlib>
#include <cstring>

#include "address_arg.h"
#include "dtype_family.h"
#include "error.h"
#include "family_init.h"
#include "pointer.h"
#include "pygpu/checked.h"

namespace pygpu {

namespace bind_allocator {
namespace {

struct PyHostAllocator {
    const dtype_info* dtype = nullptr;
    bool pinned = false;
    void* mem = nullptr;
    std::size_t count = 0;
    LivenessToken token;        // pointers into the current block
    Py_ssize_t exports = 0;     // live buffer views
    Py_ssize_t shape[1] = {0};  // storage for exported views
    Py_ssize_t strides[1] = {0};

    PyHostAllocator() = default;
    PyHostAllocator(const PyHostAllocator&) = delete;
    PyHostAllocator& operator=(const PyHostAllocator&) = delete;
    ~PyHostAllocator() {
        // At interpreter exit, pinned memory is left to the OS: freeing it
        // would wait for queued work that may never finish.
        if (g_backend != nullptr && !(pinned && interpreter_finalizing()))
            warn_if_destroy_failed(release("the allocator's destruction"), "host allocation");
    }

    std::size_t nbytes() const { return count * dtype->itemsize; }

    // Free the block (pinned memory through the backend, unless it was freed
    // elsewhere already, e.g. by cudaFreeHost on ptr()).
    int release(const char* by) {
        int code = g_backend->codes.success;
        if (mem != nullptr) {
            bool freed_elsewhere = !token->alive;
            token->alive = false;
            if (token->freed_by == nullptr) token->freed_by = by;
            if (!pinned) {
                std::free(mem);
            } else if (!freed_elsewhere) {
                code = nogil([&] { return g_backend->free_host(mem); });
                untrack_allocation(reinterpret_cast<std::uintptr_t>(mem), by);
            }
        }
        mem = nullptr;
        count = 0;
        token.reset();
        return code;
    }

    // Why the block cannot be released now, or "".
    std::string in_use() const {
        if (exports == 0) return {};
        return "the memory is still in use by " + std::to_string(exports) +
               " buffer view(s) (numpy arrays); delete them first";
    }
};

// HostAllocator_<dtype> and PagelockedAllocator_<dtype> (dtype_family.h);
// PagelockedAllocator itself is a stateless subclass of HostAllocator.
DtypeFamily pageable_classes;  // hold no references: the module owns the classes
DtypeFamily pinned_classes;

py::object allocate_block(PyHostAllocator& a, py::handle n_obj) {
    std::size_t n = size_arg(n_obj, "n");
    std::size_t bytes = 0;  // checked before the current block is released
    if (!checked::mul(n, a.dtype->itemsize, bytes))
        throw py::value_error("n is too large: " + std::to_string(n) + " elements of " + a.dtype->name +
                              " exceed the address space");
    std::string why = a.in_use();
    if (!why.empty()) return invalid_value("allocate", why);
    int code = a.release("allocate");
    if (code != success()) return error_object(code, "allocate");
    if (!a.pinned) {
        void* p = std::calloc(bytes > 0 ? bytes : 1, 1);
        if (p == nullptr)
            return error_object(backend().codes.memory_allocation, "allocate",
                                "cannot allocate " + std::to_string(bytes) + " bytes of host memory");
        a.mem = p;
        a.token = std::make_shared<Liveness>();
    } else {
        void* p = nullptr;
        code = backend().malloc_host(&p, bytes);
        if (code != success()) return error_object(code, "allocate");
        if (p != nullptr) std::memset(p, 0, bytes);
        int device = -1;
        backend().get_device(&device);
        a.mem = p;
        a.token = p != nullptr ? track_allocation(reinterpret_cast<std::uintptr_t>(p), false, device)
                               : std::make_shared<Liveness>();
    }
    a.count = n;
    return error_object(success(), "allocate");
}

py::object free_block(PyHostAllocator& a) {
    std::string why = a.in_use();
    if (!why.empty()) return invalid_value("free", why);
    return error_object(a.release("free"), "free");
}

py::object block_pointer(const PyHostAllocator& a) {
    PointerBase p;
    p.address = reinterpret_cast<std::uintptr_t>(a.mem);
    p.dtype = a.dtype;
    p.safe = true;
    p.extent = a.nbytes();
    p.token = a.token ? a.token : std::make_shared<Liveness>();
    return pointer_object(p);
}

int get_buffer(PyObject* self, Py_buffer* view, int flags) {
    PyHostAllocator* a = nullptr;
    try {
        a = py::handle(self).cast<PyHostAllocator*>();
    } catch (const std::exception&) {
        PyErr_SetString(PyExc_BufferError, "not an initialised PyGPU allocator");
        return -1;
    }
    static char empty = 0;  // numpy wants an address even for no elements
    a->shape[0] = static_cast<Py_ssize_t>(a->count);
    a->strides[0] = static_cast<Py_ssize_t>(a->dtype->itemsize);
    view->buf = a->mem != nullptr ? a->mem : &empty;
    Py_INCREF(self);
    view->obj = self;
    view->len = static_cast<Py_ssize_t>(a->nbytes());
    view->readonly = 0;
    view->itemsize = static_cast<Py_ssize_t>(a->dtype->itemsize);
    view->format = (flags & PyBUF_FORMAT) ? const_cast<char*>(a->dtype->format) : nullptr;
    view->ndim = 1;
    view->shape = (flags & PyBUF_ND) ? a->shape : nullptr;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? a->strides : nullptr;
    view->suboffsets = nullptr;
    view->internal = nullptr;
    ++a->exports;
    return 0;
}

void release_buffer(PyObject* self, Py_buffer*) {
    try {
        --py::handle(self).cast<PyHostAllocator*>()->exports;
    } catch (const std::exception&) {
    }
}

// Give the class counted buffer exports; subclasses created later inherit them.
void install_buffer_procs(py::handle cls) {
    auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
    auto* heap = reinterpret_cast<PyHeapTypeObject*>(type);
    heap->as_buffer.bf_getbuffer = get_buffer;
    heap->as_buffer.bf_releasebuffer = release_buffer;
    type->tp_as_buffer = &heap->as_buffer;
    PyType_Modified(type);
}

// An empty allocator for the HostAllocator_<dtype> or PagelockedAllocator_<dtype> class `type`.
std::unique_ptr<PyHostAllocator> empty_allocator(PyTypeObject* type) {
    auto a = std::make_unique<PyHostAllocator>();
    a->dtype = pinned_classes.dtype_of(type);
    a->pinned = a->dtype != nullptr;
    if (!a->pinned) a->dtype = pageable_classes.dtype_of(type);
    if (a->dtype == nullptr)
        throw py::type_error(std::string(type->tp_name) + " has no dtype: construct a HostAllocator_<dtype> or "
                             "PagelockedAllocator_<dtype> class, e.g. HostAllocator_float32");
    return a;
}

// An allocator of n zero-filled elements; raises PyGPU.CudaError on failure.
std::unique_ptr<PyHostAllocator> sized_allocator(PyTypeObject* type, py::handle n) {
    auto a = empty_allocator(type);
    py::object err = allocate_block(*a, n);
    if (err.cast<const Error&>().code != success()) err.attr("check")();
    return a;
}

}  // namespace

void bind(py::module_& m) {
    py::class_<PyHostAllocator> host(m, "HostAllocator", R"doc(
A block of pageable host memory of n elements, zero-filled: ``ptr()`` is a
safe pointer wrapper to it, ``numpy.asarray(alloc)`` a zero-copy view. The
memory is freed on destruction or by free(), which (like allocate()) refuses
while a view of it is alive. Concrete classes: HostAllocator_<dtype>.)doc");
    def_family_init<>(host, &empty_allocator, "An empty allocator; allocate(n) gives it memory.");
    def_family_init<py::handle>(host, &sized_allocator, py::arg("n"),
                                "An allocator with n zero-filled elements (raises PyGPU.CudaError on failure).");
    host.def("allocate", &allocate_block, py::arg("n"), "Replace the block with n zero-filled elements: cudaError_t.")
        .def("ptr", &block_pointer, "A safe pointer wrapper to the block.")
        .def("size", [](const PyHostAllocator& a) { return a.count; }, "Number of elements.")
        .def("free", &free_block, "Free the block now: cudaError_t.")
        .def_property_readonly("dtype", [](const PyHostAllocator& a) {
                return py::module_::import("numpy").attr("dtype")(a.dtype->name);
            }, "The element type (a numpy.dtype).")
        .def("__repr__", [](py::handle self) {
                const auto& a = self.cast<const PyHostAllocator&>();
                return "<" + type_name(self) + " " + std::to_string(a.count) + " elements at " + hex_address(a.mem) + ">";
            });
    install_buffer_procs(host);
    py::object pinned = stateless_subclass(host, "PagelockedAllocator", R"doc(
A HostAllocator whose block is pinned (page-locked) host memory from the
runtime (cudaMallocHost), so stream-ordered copies to and from it are fully
asynchronous. Concrete classes: PagelockedAllocator_<dtype>.)doc");
    m.attr("PagelockedAllocator") = pinned;
    pageable_classes.create(m, host, "HostAllocator_", "A block of");
    pinned_classes.create(m, pinned, "PagelockedAllocator_", "A block of");
}

}  // namespace bind_allocator

}  // namespace pygpu
