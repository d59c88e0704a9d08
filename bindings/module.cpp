// Modules and kernel launches (backend ABI version 2): cudaLibraryLoadData,
// cudaLibraryLoadFromFile, cudaLibraryUnload, cudaLibraryGetKernel,
// cudaLibraryGetGlobal, cudaFuncGetAttributes, the occupancy calls and
// cudaLaunchKernel (hipModule* on HIP, main.cpp's kHipNames).
//
// Handles are plain ints (a library, a kernel), as in cuda-python: the
// simulated device checks them (an unknown one is the runtime's error code);
// CUDA and HIP take them as they are. A kernel's arguments are a sequence of
// bytes-like objects or buffers, one per parameter, each giving the
// argument's bytes; the simulated device checks their count and sizes
// against the kernel's parameters. The launch only enqueues: it keeps the GIL
// and does no more than read the buffers. _launch_packed is the fast path of
// PyCUDA's prepared calls (PyGPU._function): one buffer packed by a
// struct.Struct and the layout prepare() computed once, taken as a plain
// METH_FASTCALL function (no pybind11 argument conversion), answering None on
// success so the common path allocates nothing.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "backend_access.h"
#include "error.h"
#include "runtime_doc.h"
#include "stream.h"

namespace pygpu {
namespace bind_module {
namespace {

pygpu_module_t M(std::uintptr_t h) { return reinterpret_cast<pygpu_module_t>(h); }
pygpu_function_t F(std::uintptr_t h) { return reinterpret_cast<pygpu_function_t>(h); }

// A contiguous read-only view of a bytes-like object, released on scope exit.
class Bytes {
public:
    Bytes() = default;
    Bytes(const Bytes&) = delete;
    Bytes& operator=(const Bytes&) = delete;
    ~Bytes() {
        if (held_) PyBuffer_Release(&view_);
    }
    // False (and the Python error cleared) when `obj` has no such buffer.
    bool get(py::handle obj) {
        if (PyObject_GetBuffer(obj.ptr(), &view_, PyBUF_SIMPLE) != 0) {
            PyErr_Clear();
            return false;
        }
        held_ = true;
        return true;
    }
    void* data() const { return view_.buf; }
    std::size_t size() const { return static_cast<std::size_t>(view_.len); }

private:
    Py_buffer view_{};
    bool held_ = false;
};

// A grid or block: an int, or a sequence of one to three ints (the missing
// dimensions are 1). A dimension outside 0 .. 2**32 - 1 is a ValueError; 0
// reaches the runtime, which answers cudaErrorInvalidConfiguration.
pygpu_dim3 dim3_arg(py::handle obj, const char* what) {
    unsigned d[3] = {1, 1, 1};
    auto one = [&](py::handle v, int i) {
        if (!PyLong_Check(v.ptr())) {
            throw py::type_error(std::string(what) + " must be an int or a sequence of up to 3 ints");
        }
        const long long x = PyLong_AsLongLong(v.ptr());
        if ((x == -1 && PyErr_Occurred()) || x < 0 || x > 0xFFFFFFFFll) {
            PyErr_Clear();
            throw py::value_error(std::string(what) + " dimensions are 0 .. 2**32 - 1");
        }
        d[i] = static_cast<unsigned>(x);
    };
    if (PyLong_Check(obj.ptr())) {
        one(obj, 0);
    } else if (PyTuple_Check(obj.ptr()) || PyList_Check(obj.ptr())) {
        const Py_ssize_t n = PySequence_Fast_GET_SIZE(obj.ptr());
        if (n == 0 || n > 3) throw py::value_error(std::string(what) + " has 1 to 3 dimensions");
        PyObject** items = PySequence_Fast_ITEMS(obj.ptr());
        for (Py_ssize_t i = 0; i < n; ++i) one(items[i], static_cast<int>(i));
    } else {
        throw py::type_error(std::string(what) + " must be an int or a sequence of up to 3 ints");
    }
    return pygpu_dim3{d[0], d[1], d[2]};
}

// The launch: the arguments' buffers held until the backend has copied them.
py::object launch(std::uintptr_t func, py::handle grid, py::handle block, py::handle args, std::size_t shared,
                  py::handle stream) {
    const char* call = "cudaLaunchKernel";
    const pygpu_dim3 g = dim3_arg(grid, "gridDim"), b = dim3_arg(block, "blockDim");
    pygpu_stream_t s = nullptr;
    std::string why;
    if (!stream_arg(stream, s, why)) return invalid_handle(call, why);
    if (!PyTuple_Check(args.ptr()) && !PyList_Check(args.ptr())) {
        throw py::type_error("cudaLaunchKernel: args must be a list or tuple of bytes-like objects");
    }
    const py::sequence seq = py::reinterpret_borrow<py::sequence>(args);
    const std::size_t n = seq.size();
    std::vector<Bytes> views(n);
    std::vector<void*> pointers(n);
    std::vector<std::size_t> sizes(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (!views[i].get(seq[i])) {
            throw py::type_error("cudaLaunchKernel: argument " + std::to_string(i) + " is a " +
                                 std::string(Py_TYPE(seq[i].ptr())->tp_name) +
                                 ", not a bytes-like object giving the argument's bytes");
        }
        pointers[i] = views[i].data();
        sizes[i] = views[i].size();
    }
    const int code = backend().launch_kernel(F(func), g, b, pointers.data(), sizes.data(), n, shared, s);
    return error_object(code, call);
}

// _launch_packed(func, grid, block, stream, shared, buffer, layout): `layout` is a bytes object of 2 * n
// native uint64 (n offsets into `buffer`, then n sizes), one pair per argument. None on success, else the
// failed cudaError_t.
py::object launch_packed_impl(PyObject* const* args) {
    const char* call = "cudaLaunchKernel";
    const unsigned long long func = PyLong_AsUnsignedLongLong(args[0]);
    if (PyErr_Occurred()) throw py::error_already_set();
    const pygpu_dim3 g = dim3_arg(args[1], "grid"), b = dim3_arg(args[2], "block");
    pygpu_stream_t s = nullptr;
    std::string why;
    if (!stream_arg(args[3], s, why)) return invalid_handle(call, why);
    const std::size_t shared = PyLong_AsSize_t(args[4]);
    if (PyErr_Occurred()) throw py::error_already_set();
    Bytes buffer;
    if (!buffer.get(args[5])) throw py::type_error("_launch_packed: the argument buffer must be bytes-like");
    if (!PyBytes_Check(args[6]) || PyBytes_GET_SIZE(args[6]) % (2 * sizeof(std::uint64_t)) != 0) {
        throw py::type_error("_launch_packed: layout must be bytes of 2 * n uint64 (offsets, then sizes)");
    }
    const std::size_t n = static_cast<std::size_t>(PyBytes_GET_SIZE(args[6])) / (2 * sizeof(std::uint64_t));
    std::uint64_t layout[2 * 64];
    std::vector<std::uint64_t> big;
    std::uint64_t* lay = layout;
    if (n > 64) {
        big.resize(2 * n);
        lay = big.data();
    }
    std::memcpy(lay, PyBytes_AS_STRING(args[6]), 2 * n * sizeof(std::uint64_t));
    void* small_pointers[64];
    std::size_t small_sizes[64];
    std::vector<void*> big_pointers(n > 64 ? n : 0);
    std::vector<std::size_t> big_sizes(n > 64 ? n : 0);
    void** pointers = n > 64 ? big_pointers.data() : small_pointers;
    std::size_t* sizes = n > 64 ? big_sizes.data() : small_sizes;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t offset = lay[i], size = lay[n + i];
        if (offset > buffer.size() || size > buffer.size() - offset) {
            throw py::value_error("_launch_packed: argument " + std::to_string(i) + " lies outside the buffer");
        }
        pointers[i] = static_cast<char*>(buffer.data()) + offset;
        sizes[i] = static_cast<std::size_t>(size);
    }
    const int code = backend().launch_kernel(F(static_cast<std::uintptr_t>(func)), g, b, pointers, sizes, n, shared, s);
    if (code == success()) return py::none();
    return error_object(code, call);
}

PyObject* launch_packed(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError,
                        "_launch_packed(func, grid, block, stream, shared, buffer, layout) takes 7 arguments");
        return nullptr;
    }
    try {
        return launch_packed_impl(args).release().ptr();
    } catch (py::error_already_set& e) {
        e.restore();
    } catch (py::builtin_exception& e) {
        e.set_error();
    } catch (const std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
    }
    return nullptr;
}

PyMethodDef launch_packed_def = {
    "_launch_packed", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&launch_packed)), METH_FASTCALL,
    "_launch_packed(func, grid, block, stream, shared, buffer, layout, /)\n--\n\n"
    "Launch with one packed argument buffer; layout is bytes of n uint64 offsets then n uint64 sizes. None on "
    "success, else the failed cudaError_t."};

py::tuple load_data(py::handle image) {
    Bytes bytes;
    if (!bytes.get(image)) throw py::type_error("cudaLibraryLoadData: code must be a bytes-like object (the image)");
    pygpu_module_t module = nullptr;
    const int code = nogil([&] { return backend().library_load_data(&module, bytes.data(), bytes.size()); });
    if (code != success()) return value_and_error(py::none(), code, "cudaLibraryLoadData");
    return value_and_error(py::int_(reinterpret_cast<std::uintptr_t>(module)), code, "cudaLibraryLoadData");
}

py::tuple load_from_file(const std::string& path) {
    pygpu_module_t module = nullptr;
    const int code = nogil([&] { return backend().library_load_from_file(&module, path.c_str()); });
    if (code != success()) return value_and_error(py::none(), code, "cudaLibraryLoadFromFile");
    return value_and_error(py::int_(reinterpret_cast<std::uintptr_t>(module)), code, "cudaLibraryLoadFromFile");
}

py::tuple get_kernel(std::uintptr_t library, const std::string& name) {
    pygpu_function_t f = nullptr;
    const int code = backend().library_get_kernel(&f, M(library), name.c_str());
    if (code != success()) return value_and_error(py::none(), code, "cudaLibraryGetKernel");
    return value_and_error(py::int_(reinterpret_cast<std::uintptr_t>(f)), code, "cudaLibraryGetKernel");
}

py::tuple get_global(std::uintptr_t library, const std::string& name) {
    void* p = nullptr;
    std::size_t size = 0;
    const int code = backend().library_get_global(&p, &size, M(library), name.c_str());
    if (code != success()) return value_and_error(py::none(), code, "cudaLibraryGetGlobal");
    return value_and_error(py::make_tuple(reinterpret_cast<std::uintptr_t>(p), size), code, "cudaLibraryGetGlobal");
}

py::tuple func_attributes(std::uintptr_t func) {
    pygpu_func_attributes a{};
    const int code = backend().func_get_attributes(&a, F(func));
    if (code != success()) return value_and_error(py::none(), code, "cudaFuncGetAttributes");
    return value_and_error(py::cast(a), code, "cudaFuncGetAttributes");
}

py::tuple max_active_blocks(std::uintptr_t func, int block_size, std::size_t dynamic_shared) {
    int n = 0;
    const int code = backend().occupancy_max_active_blocks(&n, F(func), block_size, dynamic_shared);
    const char* call = "cudaOccupancyMaxActiveBlocksPerMultiprocessor";
    if (code != success()) return value_and_error(py::none(), code, call);
    return value_and_error(py::int_(n), code, call);
}

py::tuple max_potential_block_size(std::uintptr_t func, std::size_t dynamic_shared, int limit) {
    int min_grid = 0, block = 0;
    const int code = backend().occupancy_max_potential_block_size(&min_grid, &block, F(func), dynamic_shared, limit);
    const char* call = "cudaOccupancyMaxPotentialBlockSize";
    if (code != success()) return value_and_error(py::none(), code, call);
    return value_and_error(py::make_tuple(min_grid, block), code, call);
}

}  // namespace

void bind(py::module_& m) {
    using A = pygpu_func_attributes;
    py::class_<A>(m, "cudaFuncAttributes", "A kernel's attributes (cudaFuncGetAttributes).")
        .def_property_readonly("sharedSizeBytes", [](const A& a) { return a.shared_size_bytes; },
                               "Static shared memory per block, in bytes.")
        .def_property_readonly("constSizeBytes", [](const A& a) { return a.const_size_bytes; },
                               "Constant memory, in bytes (0 on the simulated device).")
        .def_property_readonly("localSizeBytes", [](const A& a) { return a.local_size_bytes; },
                               "Local memory per thread, in bytes (0 on the simulated device).")
        .def_property_readonly("maxThreadsPerBlock", [](const A& a) { return a.max_threads_per_block; },
                               "The most threads a block of this kernel may have.")
        .def_property_readonly("numRegs", [](const A& a) { return a.num_regs; },
                               "Registers per thread (0 on the simulated device).")
        .def_property_readonly("ptxVersion", [](const A& a) { return a.ptx_version; },
                               "PTX version, 10 * major + minor.")
        .def_property_readonly("binaryVersion", [](const A& a) { return a.binary_version; },
                               "Binary architecture version, 10 * major + minor.")
        .def_property_readonly("maxDynamicSharedSizeBytes", [](const A& a) { return a.max_dynamic_shared_size_bytes; },
                               "The most dynamic shared memory a launch may ask for, in bytes.")
        .def("__repr__", [](const A& a) {
            return "<cudaFuncAttributes sharedSizeBytes=" + std::to_string(a.shared_size_bytes) +
                   " maxThreadsPerBlock=" + std::to_string(a.max_threads_per_block) +
                   " numRegs=" + std::to_string(a.num_regs) + ">";
        });

    def_runtime(m, "cudaLibraryLoadData", &load_data, py::arg("code"),
                "Load a module from its image (bytes-like): (library handle, err).");
    def_runtime(m, "cudaLibraryLoadFromFile", &load_from_file, py::arg("fileName"),
                "Load a module from a file: (library handle, err).");
    def_runtime(m, "cudaLibraryUnload", [](std::uintptr_t library) {
            return error_object(nogil([&] { return backend().library_unload(M(library)); }), "cudaLibraryUnload");
        }, py::arg("library"), "Unload a module, after the launches already queued.");
    def_runtime(m, "cudaLibraryGetKernel", &get_kernel, py::arg("library"), py::arg("name"),
                "The kernel `name` of a module: (kernel handle, err).");
    def_runtime(m, "cudaLibraryGetGlobal", &get_global, py::arg("library"), py::arg("name"),
                "The device address and size of the global `name` of a module: ((address, size), err).");
    def_runtime(m, "cudaFuncGetAttributes", &func_attributes, py::arg("func"),
                "A kernel's attributes: (cudaFuncAttributes, err).");
    def_runtime(m, "cudaOccupancyMaxActiveBlocksPerMultiprocessor", &max_active_blocks, py::arg("func"),
                py::arg("blockSize"), py::arg("dynamicSMemSize") = 0,
                "Resident blocks of `blockSize` threads per multiprocessor: (count, err).");
    def_runtime(m, "cudaOccupancyMaxPotentialBlockSize", &max_potential_block_size, py::arg("func"),
                py::arg("dynamicSMemSize") = 0, py::arg("blockSizeLimit") = 0,
                "The block size of the highest occupancy: ((minGridSize, blockSize), err).");
    m.add_object("_launch_packed", py::reinterpret_steal<py::object>(PyCFunction_NewEx(&launch_packed_def, nullptr,
                                                                                          m.attr("__name__").ptr())));
    def_runtime(m, "cudaLaunchKernel", &launch, py::arg("func"), py::arg("gridDim"), py::arg("blockDim"),
                py::arg("args"), py::arg("sharedMem") = 0, py::arg("stream") = py::none(),
                "Launch a module's kernel; `args` gives each argument's bytes.");
}

}  // namespace bind_module
}  // namespace pygpu
