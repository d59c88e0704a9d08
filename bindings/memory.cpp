// Device and pinned host memory, copies, memsets and pointer attributes.
#include <climits>
#include <map>

#include "address_arg.h"
#include "error.h"
#include "mempool.h"
#include "pointer.h"
#include "runtime_doc.h"
#include "stream.h"
#include "pygpu/checked.h"
#include "pygpu/sim_api.h"

namespace pygpu {

namespace bind_memory {
namespace {

int current_device() {
    int device = -1;
    if (backend().get_device(&device) != backend().codes.success) device = -1;
    return device;
}

py::object new_pointer(void* p, std::size_t size, bool device, bool safe) {
    PointerBase w;
    w.address = reinterpret_cast<std::uintptr_t>(p);
    w.extent = size;
    w.device = device;
    w.safe = safe;
    if (p != nullptr) w.token = track_allocation(w.address, device, current_device());
    return pointer_object(w);
}

// Both ends of a copy, parsed and checked against what the copy touches.
struct CopyEnds {
    AddressArg dst, src;
    std::string why;  // non-empty: rejected before reaching the runtime

    CopyEnds(py::handle d, std::size_t dst_bytes, py::handle s, std::size_t src_bytes) {
        why = dst.parse(d, true, "dst");
        if (why.empty()) why = src.parse(s, false, "src");
        if (why.empty()) why = dst.check_extent(dst_bytes, "dst");
        if (why.empty()) why = src.check_extent(src_bytes, "src");
    }
};

// A cudaMemcpyKind; a value past int would otherwise wrap onto a valid kind.
int kind_arg(py::handle kind) {
    std::size_t k = size_arg(kind, "kind");
    if (k > static_cast<std::size_t>(INT_MAX))
        throw py::value_error("kind must be a cudaMemcpyKind (cudaMemcpyHostToHost ... cudaMemcpyDefault), got " +
                              std::to_string(k));
    return static_cast<int>(k);
}

// Bytes a pitched 2-D region touches: (height - 1) rows of `pitch` plus `width`.
bool region_bytes(std::size_t pitch, std::size_t width, std::size_t height, std::size_t& out) {
    std::size_t rows = 0;
    if (height == 0) return out = 0, true;
    return checked::mul(height - 1, pitch, rows) && checked::add(rows, width, out);
}

// Both ends of a 2-D copy: the bytes each touches, or why they cannot be
// counted (a region past the end of the address space, which would wrap).
std::string region_sizes(std::size_t dpitch, std::size_t spitch, std::size_t width, std::size_t height,
                         std::size_t& dst_bytes, std::size_t& src_bytes) {
    if (region_bytes(dpitch, width, height, dst_bytes) && region_bytes(spitch, width, height, src_bytes)) return {};
    return "the region of " + std::to_string(height) + " rows of " + std::to_string(width) +
           " bytes with pitches " + std::to_string(dpitch) + " (dst) and " + std::to_string(spitch) +
           " (src) reaches past the end of the address space";
}

// `label=` of the allocators: on the simulated device it names the next
// allocation (PyGPU.sim); other backends have no labels and ignore it.
class NextLabel {
public:
    explicit NextLabel(py::handle label) {
        if (label.is_none()) return;
        if (!PyUnicode_Check(label.ptr())) throw py::type_error("label must be a str or None, got " + type_name(label));
        const auto* api = static_cast<const pygpu_sim_api*>(
            backend().extension != nullptr ? backend().extension(PYGPU_SIM_API_NAME) : nullptr);
        if (api == nullptr) return;
        api_ = api;
        api_->set_next_label(label.cast<std::string>().c_str());
    }
    // A failed allocation does not consume the label; it must not fall to the next one.
    void done(int code) {
        if (api_ != nullptr && code != backend().codes.success) api_->set_next_label(nullptr);
    }

private:
    const pygpu_sim_api* api_ = nullptr;
};

// Registered host buffers stay exported (so numpy cannot resize or free them)
// until cudaHostUnregister. Accessed with the GIL held.
std::map<std::uintptr_t, std::unique_ptr<AddressArg>>& registered_buffers() {
    static auto* r = new std::map<std::uintptr_t, std::unique_ptr<AddressArg>>();
    return *r;
}

}  // namespace

void bind(py::module_& m) {
    py::class_<pygpu_pointer_attributes>(m, "cudaPointerAttributes",
                                         "What the runtime knows about an address (cudaPointerGetAttributes).")
        .def_property_readonly("type", [](const pygpu_pointer_attributes& a) { return a.type; },
                               "A cudaMemoryType: unregistered 0, host 1, device 2, managed 3.")
        .def_property_readonly("device", [](const pygpu_pointer_attributes& a) { return a.device; },
                               "The device the memory belongs to (-1 when none).")
        .def_property_readonly("devicePointer", [](const pygpu_pointer_attributes& a) {
                return reinterpret_cast<std::uintptr_t>(a.device_pointer); }, "Address usable on the device (0 when none).")
        .def_property_readonly("hostPointer", [](const pygpu_pointer_attributes& a) {
                return reinterpret_cast<std::uintptr_t>(a.host_pointer); }, "Address usable on the host (0 when none).")
        .def("__repr__", [](const pygpu_pointer_attributes& a) {
                return "<cudaPointerAttributes type=" + std::to_string(a.type) + " device=" +
                       std::to_string(a.device) + " devicePointer=" + hex_address(a.device_pointer) +
                       " hostPointer=" + hex_address(a.host_pointer) + ">";
            });

    def_runtime(m, "cudaMalloc", [](py::handle size, py::handle label) {
            std::size_t n = size_arg(size, "size");
            NextLabel next(label);
            void* p = nullptr;
            int code = backend().malloc(&p, n);
            next.done(code);
            if (code != backend().codes.success) return value_and_error(py::none(), code, "cudaMalloc");
            return value_and_error(new_pointer(p, n, true, false), code, "cudaMalloc");
        }, py::arg("size"), py::arg("label") = py::none(),
        "Allocate `size` bytes of device memory: (pointer, err). `label` names the allocation on the "
        "simulated device (PyGPU.sim); other backends ignore it.");
    def_runtime(m, "cudaFree", [](py::handle ptr) {
            AddressArg p;
            std::string why = p.parse(ptr, false, "ptr");
            if (!why.empty()) return invalid_value("cudaFree", why);
            int code = nogil([&] { return backend().free(p.ptr()); });
            if (code == backend().codes.success) untrack_allocation(p.address(), "cudaFree");
            return error_object(code, "cudaFree");
        }, py::arg("ptr"), "Free device memory (waits for queued work that may use it).");

    def_runtime(m, "cudaMallocAsync", [](py::handle size, py::handle stream, py::handle label) {
            std::size_t n = size_arg(size, "size");
            pygpu_stream_t s = nullptr;
            std::string why;
            if (!stream_arg(stream, s, why)) {
                return py::tuple(py::make_tuple(py::none(), invalid_handle("cudaMallocAsync", why)));
            }
            NextLabel next(label);
            void* p = nullptr;
            int code = backend().malloc_async(&p, n, s);
            next.done(code);
            if (code != backend().codes.success) return value_and_error(py::none(), code, "cudaMallocAsync");
            return value_and_error(new_pointer(p, n, true, false), code, "cudaMallocAsync");
        }, py::arg("size"), py::arg("stream") = py::none(), py::arg("label") = py::none(),
        "Allocate `size` bytes of device memory in stream order from the current memory pool of the stream's "
        "device: (pointer, err). `label` names the allocation on the simulated device (PyGPU.sim).");
    def_runtime(m, "cudaMallocFromPoolAsync", [](py::handle size, py::handle pool, py::handle stream,
                                                 py::handle label) {
            std::size_t n = size_arg(size, "size");
            pygpu_mem_pool_t mp = nullptr;
            pygpu_stream_t s = nullptr;
            std::string why;
            if (!mem_pool_arg(pool, mp, why)) {
                return py::tuple(py::make_tuple(py::none(), invalid_value("cudaMallocFromPoolAsync", why)));
            }
            if (!stream_arg(stream, s, why)) {
                return py::tuple(py::make_tuple(py::none(), invalid_handle("cudaMallocFromPoolAsync", why)));
            }
            NextLabel next(label);
            void* p = nullptr;
            int code = backend().malloc_from_pool_async(&p, n, mp, s);
            next.done(code);
            if (code != backend().codes.success) return value_and_error(py::none(), code, "cudaMallocFromPoolAsync");
            return value_and_error(new_pointer(p, n, true, false), code, "cudaMallocFromPoolAsync");
        }, py::arg("size"), py::arg("memPool"), py::arg("stream") = py::none(), py::arg("label") = py::none(),
        "Allocate `size` bytes of device memory in stream order from `memPool`: (pointer, err).");
    def_runtime(m, "cudaFreeAsync", [](py::handle ptr, py::handle stream) {
            pygpu_stream_t s = nullptr;
            std::string why;
            if (!stream_arg(stream, s, why)) return invalid_handle("cudaFreeAsync", why);
            AddressArg p;
            why = p.parse(ptr, false, "ptr");
            if (!why.empty()) return invalid_value("cudaFreeAsync", why);
            int code = backend().free_async(p.ptr(), s);
            if (code == backend().codes.success) untrack_allocation(p.address(), "cudaFreeAsync");
            return error_object(code, "cudaFreeAsync");
        }, py::arg("ptr"), py::arg("stream") = py::none(),
        "Free device memory in stream order: it goes back to its pool when `stream` reaches the free.");

    def_runtime(m, "cudaMallocManaged", [](py::handle size, unsigned int flags, py::handle label) {
            std::size_t n = size_arg(size, "size");
            NextLabel next(label);
            void* p = nullptr;
            int code = backend().malloc_managed(&p, n, flags);
            next.done(code);
            if (code != backend().codes.success) return value_and_error(py::none(), code, "cudaMallocManaged");
            // One address for the host and the devices: readable from Python (safe) and device memory.
            return value_and_error(new_pointer(p, n, true, true), code, "cudaMallocManaged");
        }, py::arg("size"), py::arg("flags") = static_cast<unsigned int>(PYGPU_MEM_ATTACH_GLOBAL),
        py::arg("label") = py::none(),
        "Allocate `size` bytes of managed memory, usable from the host and every device at one address: "
        "(pointer, err). `flags` is cudaMemAttachGlobal or cudaMemAttachHost; free it with cudaFree. `label` "
        "names the allocation on the simulated device (PyGPU.sim); other backends ignore it.");
    def_runtime(m, "cudaMallocHost", [](py::handle size, py::handle label) {
            std::size_t n = size_arg(size, "size");
            NextLabel next(label);
            void* p = nullptr;
            int code = backend().malloc_host(&p, n);
            next.done(code);
            if (code != backend().codes.success) return value_and_error(py::none(), code, "cudaMallocHost");
            return value_and_error(new_pointer(p, n, false, true), code, "cudaMallocHost");
        }, py::arg("size"), py::arg("label") = py::none(),
        "Allocate `size` bytes of pinned host memory: (pointer, err). `label` names the allocation on the "
        "simulated device (PyGPU.sim); other backends ignore it.");
    def_runtime(m, "cudaHostAlloc", [](py::handle size, unsigned int flags, py::handle label) {
            std::size_t n = size_arg(size, "size");
            NextLabel next(label);
            void* p = nullptr;
            int code = backend().host_alloc(&p, n, flags);
            next.done(code);
            if (code != backend().codes.success) return value_and_error(py::none(), code, "cudaHostAlloc");
            return value_and_error(new_pointer(p, n, false, true), code, "cudaHostAlloc");
        }, py::arg("size"), py::arg("flags") = 0, py::arg("label") = py::none(),
        "Allocate pinned host memory with cudaHostAlloc* flags: (pointer, err). `label` names the allocation "
        "on the simulated device (PyGPU.sim); other backends ignore it.");
    def_runtime(m, "cudaFreeHost", [](py::handle ptr) {
            AddressArg p;
            std::string why = p.parse(ptr, false, "ptr");
            if (!why.empty()) return invalid_value("cudaFreeHost", why);
            int code = nogil([&] { return backend().free_host(p.ptr()); });
            if (code == backend().codes.success) untrack_allocation(p.address(), "cudaFreeHost");
            return error_object(code, "cudaFreeHost");
        }, py::arg("ptr"), "Free pinned host memory from cudaMallocHost or cudaHostAlloc.");
    def_runtime(m, "cudaHostRegister", [](py::handle ptr, py::object size, unsigned int flags) {
            auto p = std::make_unique<AddressArg>();
            std::string why = p->parse(ptr, false, "ptr");
            if (!why.empty()) return invalid_value("cudaHostRegister", why);
            std::size_t n = size.is_none() ? p->extent() : size_arg(size, "size");
            if (size.is_none() && !p->is_buffer())
                throw py::type_error("cudaHostRegister: size is required unless ptr is a buffer");
            why = p->check_extent(n, "ptr");
            if (!why.empty()) return invalid_value("cudaHostRegister", why);
            int code = backend().host_register(p->ptr(), n, flags);
            if (code == backend().codes.success && p->is_buffer()) registered_buffers()[p->address()] = std::move(p);
            return error_object(code, "cudaHostRegister");
        }, py::arg("ptr"), py::arg("size") = py::none(), py::arg("flags") = 0,
        "Page-lock host memory (a buffer, whose size is the default and which is kept alive until "
        "cudaHostUnregister, or an address and a size).");
    def_runtime(m, "cudaHostUnregister", [](py::handle ptr) {
            AddressArg p;
            std::string why = p.parse(ptr, false, "ptr");
            if (!why.empty()) return invalid_value("cudaHostUnregister", why);
            // Waits for queued work that uses the range, which may be a Python host function.
            int code = nogil([&] { return backend().host_unregister(p.ptr()); });
            if (code == backend().codes.success) registered_buffers().erase(p.address());
            return error_object(code, "cudaHostUnregister");
        }, py::arg("ptr"), "Unregister memory registered with cudaHostRegister.");

    def_runtime(m, "cudaMemcpy", [](py::handle dst, py::handle src, py::handle count, py::handle kind) {
            std::size_t n = size_arg(count, "count");
            int k = kind_arg(kind);
            CopyEnds ends(dst, n, src, n);
            if (!ends.why.empty()) return invalid_value("cudaMemcpy", ends.why);
            int code = nogil([&] { return backend().memcpy(ends.dst.ptr(), ends.src.ptr(), n, k); });
            return error_object(code, "cudaMemcpy");
        }, py::arg("dst"), py::arg("src"), py::arg("count"), py::arg("kind"),
        "Copy `count` bytes (synchronous as documented for cudaMemcpy).");
    def_runtime(m, "cudaMemcpyAsync", [](py::handle dst, py::handle src, py::handle count, py::handle kind, py::handle stream) {
            std::size_t n = size_arg(count, "count");
            int k = kind_arg(kind);
            pygpu_stream_t s = nullptr;
            std::string why;
            if (!stream_arg(stream, s, why)) return invalid_handle("cudaMemcpyAsync", why);
            CopyEnds ends(dst, n, src, n);
            if (!ends.why.empty()) return invalid_value("cudaMemcpyAsync", ends.why);
            int code = nogil([&] { return backend().memcpy_async(ends.dst.ptr(), ends.src.ptr(), n, k, s); });
            return error_object(code, "cudaMemcpyAsync");
        }, py::arg("dst"), py::arg("src"), py::arg("count"), py::arg("kind"), py::arg("stream") = py::none(),
        "Copy `count` bytes in stream order.");
    def_runtime(m, "cudaMemcpy2D", [](py::handle dst, py::handle dpitch, py::handle src, py::handle spitch,
                             py::handle width, py::handle height, py::handle kind) {
            std::size_t dp = size_arg(dpitch, "dpitch"), sp = size_arg(spitch, "spitch");
            std::size_t w = size_arg(width, "width"), h = size_arg(height, "height");
            int k = kind_arg(kind);
            std::size_t dst_bytes = 0, src_bytes = 0;
            std::string why = region_sizes(dp, sp, w, h, dst_bytes, src_bytes);
            if (!why.empty()) return invalid_value("cudaMemcpy2D", why);
            CopyEnds ends(dst, dst_bytes, src, src_bytes);
            if (!ends.why.empty()) return invalid_value("cudaMemcpy2D", ends.why);
            int code = nogil([&] { return backend().memcpy_2d(ends.dst.ptr(), dp, ends.src.ptr(), sp, w, h, k); });
            return error_object(code, "cudaMemcpy2D");
        }, py::arg("dst"), py::arg("dpitch"), py::arg("src"), py::arg("spitch"), py::arg("width"),
        py::arg("height"), py::arg("kind"), "Copy a pitched 2-D region of `height` rows of `width` bytes.");
    def_runtime(m, "cudaMemcpy2DAsync", [](py::handle dst, py::handle dpitch, py::handle src, py::handle spitch,
                                  py::handle width, py::handle height, py::handle kind, py::handle stream) {
            std::size_t dp = size_arg(dpitch, "dpitch"), sp = size_arg(spitch, "spitch");
            std::size_t w = size_arg(width, "width"), h = size_arg(height, "height");
            int k = kind_arg(kind);
            pygpu_stream_t s = nullptr;
            std::string why;
            if (!stream_arg(stream, s, why)) return invalid_handle("cudaMemcpy2DAsync", why);
            std::size_t dst_bytes = 0, src_bytes = 0;
            why = region_sizes(dp, sp, w, h, dst_bytes, src_bytes);
            if (!why.empty()) return invalid_value("cudaMemcpy2DAsync", why);
            CopyEnds ends(dst, dst_bytes, src, src_bytes);
            if (!ends.why.empty()) return invalid_value("cudaMemcpy2DAsync", ends.why);
            int code = nogil([&] {
                return backend().memcpy_2d_async(ends.dst.ptr(), dp, ends.src.ptr(), sp, w, h, k, s);
            });
            return error_object(code, "cudaMemcpy2DAsync");
        }, py::arg("dst"), py::arg("dpitch"), py::arg("src"), py::arg("spitch"), py::arg("width"),
        py::arg("height"), py::arg("kind"), py::arg("stream") = py::none(),
        "Copy a pitched 2-D region in stream order.");
    def_runtime(m, "cudaMemcpyPeer", [](py::handle dst, int dst_device, py::handle src, int src_device, py::handle count) {
            std::size_t n = size_arg(count, "count");
            CopyEnds ends(dst, n, src, n);
            if (!ends.why.empty()) return invalid_value("cudaMemcpyPeer", ends.why);
            int code = nogil([&] { return backend().memcpy_peer(ends.dst.ptr(), dst_device, ends.src.ptr(), src_device, n); });
            return error_object(code, "cudaMemcpyPeer");
        }, py::arg("dst"), py::arg("dstDevice"), py::arg("src"), py::arg("srcDevice"), py::arg("count"),
        "Copy `count` bytes between the memory of two devices.");
    def_runtime(m, "cudaMemcpyPeerAsync", [](py::handle dst, int dst_device, py::handle src, int src_device,
                                    py::handle count, py::handle stream) {
            std::size_t n = size_arg(count, "count");
            pygpu_stream_t s = nullptr;
            std::string why;
            if (!stream_arg(stream, s, why)) return invalid_handle("cudaMemcpyPeerAsync", why);
            CopyEnds ends(dst, n, src, n);
            if (!ends.why.empty()) return invalid_value("cudaMemcpyPeerAsync", ends.why);
            int code = nogil([&] {
                return backend().memcpy_peer_async(ends.dst.ptr(), dst_device, ends.src.ptr(), src_device, n, s);
            });
            return error_object(code, "cudaMemcpyPeerAsync");
        }, py::arg("dst"), py::arg("dstDevice"), py::arg("src"), py::arg("srcDevice"), py::arg("count"),
        py::arg("stream") = py::none(), "Copy between the memory of two devices in stream order.");

    def_runtime(m, "cudaMemset", [](py::handle ptr, int value, py::handle count) {
            std::size_t n = size_arg(count, "count");
            AddressArg p;
            std::string why = p.parse(ptr, true, "ptr");
            if (why.empty()) why = p.check_extent(n, "ptr");
            if (!why.empty()) return invalid_value("cudaMemset", why);
            int code = nogil([&] { return backend().memset(p.ptr(), value, n); });
            return error_object(code, "cudaMemset");
        }, py::arg("ptr"), py::arg("value"), py::arg("count"), "Set `count` bytes to the low byte of `value`.");
    def_runtime(m, "cudaMemsetAsync", [](py::handle ptr, int value, py::handle count, py::handle stream) {
            std::size_t n = size_arg(count, "count");
            pygpu_stream_t s = nullptr;
            std::string why;
            if (!stream_arg(stream, s, why)) return invalid_handle("cudaMemsetAsync", why);
            AddressArg p;
            why = p.parse(ptr, true, "ptr");
            if (why.empty()) why = p.check_extent(n, "ptr");
            if (!why.empty()) return invalid_value("cudaMemsetAsync", why);
            int code = nogil([&] { return backend().memset_async(p.ptr(), value, n, s); });
            return error_object(code, "cudaMemsetAsync");
        }, py::arg("ptr"), py::arg("value"), py::arg("count"), py::arg("stream") = py::none(),
        "Set `count` bytes to the low byte of `value` in stream order.");

    def_runtime(m, "cudaPointerGetAttributes", [](py::handle ptr) {
            AddressArg p;
            std::string why = p.parse(ptr, false, "ptr");
            if (!why.empty()) return py::tuple(py::make_tuple(py::none(), invalid_value("cudaPointerGetAttributes", why)));
            pygpu_pointer_attributes attributes{};
            int code = backend().pointer_get_attributes(&attributes, p.ptr());
            return value_and_error(py::cast(attributes), code, "cudaPointerGetAttributes");
        }, py::arg("ptr"), "What the runtime knows about an address: (cudaPointerAttributes, err).");

    m.attr("cudaMemcpyHostToHost") = static_cast<int>(PYGPU_MEMCPY_HOST_TO_HOST);
    m.attr("cudaMemcpyHostToDevice") = static_cast<int>(PYGPU_MEMCPY_HOST_TO_DEVICE);
    m.attr("cudaMemcpyDeviceToHost") = static_cast<int>(PYGPU_MEMCPY_DEVICE_TO_HOST);
    m.attr("cudaMemcpyDeviceToDevice") = static_cast<int>(PYGPU_MEMCPY_DEVICE_TO_DEVICE);
    m.attr("cudaMemcpyDefault") = static_cast<int>(PYGPU_MEMCPY_DEFAULT);
    m.attr("cudaMemoryTypeUnregistered") = static_cast<int>(PYGPU_MEMORY_UNREGISTERED);
    m.attr("cudaMemoryTypeHost") = static_cast<int>(PYGPU_MEMORY_HOST);
    m.attr("cudaMemoryTypeDevice") = static_cast<int>(PYGPU_MEMORY_DEVICE);
    m.attr("cudaMemoryTypeManaged") = static_cast<int>(PYGPU_MEMORY_MANAGED);
    m.attr("cudaHostAllocDefault") = static_cast<int>(PYGPU_HOST_ALLOC_DEFAULT);
    m.attr("cudaHostAllocPortable") = static_cast<int>(PYGPU_HOST_ALLOC_PORTABLE);
    m.attr("cudaHostAllocMapped") = static_cast<int>(PYGPU_HOST_ALLOC_MAPPED);
    m.attr("cudaHostAllocWriteCombined") = static_cast<int>(PYGPU_HOST_ALLOC_WRITE_COMBINED);
    m.attr("cudaHostRegisterDefault") = static_cast<int>(PYGPU_HOST_REGISTER_DEFAULT);
    m.attr("cudaHostRegisterPortable") = static_cast<int>(PYGPU_HOST_REGISTER_PORTABLE);
    m.attr("cudaHostRegisterMapped") = static_cast<int>(PYGPU_HOST_REGISTER_MAPPED);
    m.attr("cudaHostRegisterIoMemory") = static_cast<int>(PYGPU_HOST_REGISTER_IO_MEMORY);
    m.attr("cudaHostRegisterReadOnly") = static_cast<int>(PYGPU_HOST_REGISTER_READ_ONLY);
    m.attr("cudaMemAttachGlobal") = static_cast<int>(PYGPU_MEM_ATTACH_GLOBAL);
    m.attr("cudaMemAttachHost") = static_cast<int>(PYGPU_MEM_ATTACH_HOST);
    m.attr("cudaMemAttachSingle") = static_cast<int>(PYGPU_MEM_ATTACH_SINGLE);
}

}  // namespace bind_memory

}  // namespace pygpu
