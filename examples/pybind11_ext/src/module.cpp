// The Python module: PyGPU's casters turn GPUArrays (or any
// __cuda_array_interface__ object, or a DeviceArray_float32) into device
// spans and streams into stream_refs, checking dtype and layout.
#include <pybind11/pybind11.h>

#include <string>

#include "pygpu/pybind11.h"
#include "saxpy.h"

namespace py = pybind11;

namespace {

// The launchers queue the kernel on `stream` (on a GPU or on the simulated
// device alike) and return a cudaError_t value, which check_status raises.
void saxpy(float a, pygpu::device_span<const float> x, pygpu::device_span<float> y, pygpu::stream_ref stream) {
    if (x.ndim() != 1 || y.ndim() != 1 || x.size() != y.size())
        throw py::value_error("saxpy needs two 1-D arrays of one length");
    pygpu::check_status(saxpy_launch(a, x, y, stream));
}

void scal(float a, pygpu::device_span<float, pygpu::contiguous> x, pygpu::stream_ref stream) {
    pygpu::check_status(scal_launch(a, x, stream));
}

}  // namespace

PYBIND11_MODULE(_saxpy, m) {
    m.doc() = "saxpy and scal on float32 device arrays, queued on a stream";
#ifdef SAXPY_EXT_CUDA
    m.attr("build") = "cuda";
#else
    m.attr("build") = "sim";
#endif
    m.def("saxpy", &saxpy, py::arg("a"), py::arg("x"), py::arg("y"), py::arg("stream") = py::none(),
          "y = a * x + y for 1-D float32 device arrays of one length (any strides), queued on `stream`.");
    m.def("scal", &scal, py::arg("a"), py::arg("x"), py::arg("stream") = py::none(),
          "x = a * x for a C-contiguous float32 device array of any shape, queued on `stream`.");
}
