"""The pybind11 type casters of include/pygpu/pybind11.h: pygpu::device_span<T>
and pygpu::stream_ref from every accepted Python form, and the errors for the
rest. A small extension is built once per session with the C++ compiler
against the installed headers (PyGPU.get_include()); the headers are also
compiled with nvcc and against the HIP headers."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

import PyGPU as g
import PyGPU.driver as cuda
from helpers import without_preload

pytestmark = pytest.mark.build  # the test extension is compiled once per session

SOURCE = r"""
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <type_traits>

#include "pygpu/pybind11.h"

namespace py = pybind11;
using pygpu::contiguous;
using pygpu::device_span;

static_assert(std::is_trivially_copyable<device_span<float>>::value, "a span is passed to kernels by value");
static_assert(std::is_convertible<device_span<float>, device_span<const float>>::value, "");
static_assert(std::is_convertible<device_span<float, contiguous>, device_span<float>>::value, "");
static_assert(!std::is_convertible<device_span<float>, device_span<float, contiguous>>::value, "");
static_assert(!std::is_convertible<device_span<const float>, device_span<float>>::value, "");

template <class T, class L>
py::dict info(const device_span<T, L>& x) {
    py::list shape, strides;
    for (int k = 0; k < x.ndim(); ++k) {
        shape.append(x.shape(k));
        strides.append(x.stride_bytes(k));
    }
    py::dict d;
    d["ptr"] = reinterpret_cast<std::uintptr_t>(x.data());
    d["size"] = x.size();
    d["shape"] = py::tuple(shape);
    d["strides"] = py::tuple(strides);
    d["c_contiguous"] = x.is_c_contiguous();
    d["f_contiguous"] = x.is_f_contiguous();
    d["producer_stream"] = x.producer_stream();
    return d;
}

PYBIND11_MODULE(_pygpu_caster_test, m) {
    m.def("span", [](device_span<float> x) { return info(x); });
    m.def("span_const", [](device_span<const float> x) { return info(x); });
    m.def("span_contiguous", [](device_span<float, contiguous> x) { return info(x); });
    m.def("span_optional", [](std::optional<device_span<float>> x) -> py::object {
        if (!x) return py::none();
        return info(*x);
    });
    m.def("as_contiguous", [](device_span<float> x) { return info(x.as_contiguous()); });
    m.def("which", [](device_span<float>) { return "float32"; });
    m.def("which", [](device_span<double>) { return "float64"; });
#define PYGPU_TEST_DTYPE_(name_, type_, format_, kind_) \
    m.def("span_" #name_, [](device_span<const type_> x) { return info(x); });
    PYGPU_DTYPES(PYGPU_TEST_DTYPE_)
#undef PYGPU_TEST_DTYPE_

    m.def("stream", [](pygpu::stream_ref s) { return s.value(); }, py::arg("stream") = py::none());
    m.def("stream_roundtrip", [](pygpu::stream_ref s) { return s; });

    // Fill x with `value` in stream order, through the active backend.
    m.def("fill_later", [](device_span<float, contiguous> x, float value, pygpu::stream_ref s) {
        pygpu::check_status(pygpu::launch_host_func(s, [=] {
            for (std::size_t i = 0; i < x.size(); ++i) x[i] = value;
        }));
    });
    m.def("check_status", &pygpu::check_status);
    m.def("backend_name", [] { return std::string(pygpu::active_backend().name); });
}
"""


def _compiler():
    pybind11 = pytest.importorskip("pybind11")
    cxx = shutil.which("c++") or shutil.which("g++")
    if cxx is None:
        pytest.skip("no C++ compiler")
    return cxx, pybind11.get_include()


def _includes(pybind11_include: str):
    return ["-I", g.get_include(), "-I", pybind11_include, "-I", sysconfig.get_paths()["include"]]


@pytest.fixture(scope="session")
def ext(tmp_path_factory):
    """The test extension, built once per session."""
    cxx, pybind11_include = _compiler()
    out_dir = tmp_path_factory.mktemp("casters")
    source = out_dir / "ext.cpp"
    source.write_text(SOURCE)
    target = out_dir / f"_pygpu_caster_test{sysconfig.get_config_var('EXT_SUFFIX')}"
    result = subprocess.run([cxx, "-std=c++17", "-O0", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                             "-fvisibility=hidden", *_includes(pybind11_include), str(source), "-o", str(target)],
                            capture_output=True, text=True, timeout=300, env=without_preload(), check=False)
    assert result.returncode == 0, result.stderr
    sys.path.insert(0, str(out_dir))
    try:
        yield importlib.import_module("_pygpu_caster_test")
    finally:
        sys.path.remove(str(out_dir))


class CAI:
    """An object with only a __cuda_array_interface__ (a foreign library's array)."""

    def __init__(self, **interface):
        self.__cuda_array_interface__ = {"version": 3, **interface}


class DLPackOnly:
    """An object with only DLPack, on the device type given."""

    def __init__(self, array=None, device=(2, 0)):
        self.array, self.device = array, device

    def __dlpack__(self, **kwargs):
        return self.array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self.device


# --- device_span: accepted forms ---------------------------------------------------

def test_gpuarray_gives_pointer_shape_strides(ext):
    a = g.to_gpu(np.arange(12, dtype=np.float32).reshape(3, 4))
    info = ext.span(a)
    assert info["ptr"] == a.ptr and info["size"] == 12
    assert info["shape"] == (3, 4) and info["strides"] == (16, 4)
    assert info["c_contiguous"] and not info["f_contiguous"]
    assert info["producer_stream"] == 1  # GPUArray's CAI: the legacy default stream


@pytest.mark.parametrize("index", [np.s_[:, ::2], np.s_[::-1], np.s_[1:, 1:3], np.s_[:, 2]])
def test_gpuarray_views_keep_their_strides(ext, index):
    a = g.to_gpu(np.arange(12, dtype=np.float32).reshape(3, 4))
    view = a[index]
    info = ext.span(view)
    assert (info["ptr"], info["shape"], info["strides"]) == (view.ptr, view.shape, view.strides)


def test_transpose_is_f_contiguous(ext):
    a = g.to_gpu(np.zeros((3, 4), np.float32)).T
    info = ext.span(a)
    assert info["f_contiguous"] and not info["c_contiguous"]


def test_empty_and_zero_dimensional(ext):
    assert ext.span(g.to_gpu(np.zeros((0, 3), np.float32)))["size"] == 0
    info = ext.span(g.to_gpu(np.array(2.0, np.float32)))
    assert info["size"] == 1 and info["shape"] == ()


@pytest.mark.parametrize("dtype", g.dtypes)
def test_every_dtype_of_the_table(ext, dtype):
    a = g.to_gpu(np.zeros(5, dtype))
    assert getattr(ext, f"span_{np.dtype(dtype).name}")(a)["ptr"] == a.ptr


def test_device_array_gives_its_device_side(ext):
    da = g.DeviceArray_float32(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert da.allocate() == g.cudaSuccess
    info = ext.span(da)
    assert info["ptr"] == int(da.device_data())
    assert info["shape"] == (2, 3) and info["strides"] == (12, 4) and info["producer_stream"] == 0


def test_device_array_layouts(ext):
    fortran = g.DeviceArray_float32(np.asfortranarray(np.zeros((2, 3), np.float32)))
    strided = g.DeviceArray_float32(np.zeros((4, 6), np.float32)[::2, ::3])
    for da in (fortran, strided):
        da.allocate()
    assert ext.span(fortran)["strides"] == (4, 8)  # dense with the host layout
    assert ext.span(strided)["strides"] == (8, 4)  # a strided host side is packed in C order


def test_cuda_array_interface_object(ext, dev_alloc):
    ptr = int(dev_alloc(64))
    info = ext.span(CAI(shape=(2, 8), typestr="<f4", data=(ptr, False)))  # no strides: C order
    assert info["ptr"] == ptr and info["strides"] == (32, 4)
    info = ext.span(CAI(shape=(8,), typestr="<f4", data=(ptr, False), strides=(-4,), stream=7))
    assert info["strides"] == (-4,) and info["producer_stream"] == 7


def test_read_only_arrays_need_a_const_span(ext, dev_alloc):
    ro = CAI(shape=(4,), typestr="<f4", data=(int(dev_alloc(16)), True))
    assert ext.span_const(ro)["size"] == 4
    with pytest.raises(TypeError, match=r"^the device array is read-only; take a device_span<const float32>"):
        ext.span(ro)


def test_dlpack_only_object_on_the_device(ext):
    a = g.to_gpu(np.ones(4, np.float32))
    assert ext.span(DLPackOnly(a))["ptr"] == a.ptr


def test_optional_span_takes_none(ext):
    assert ext.span_optional(None) is None
    assert ext.span_optional(g.zeros(3, np.float32))["size"] == 3


def test_overloads_pick_the_dtype(ext):
    assert ext.which(g.zeros(2, np.float32)) == "float32"
    assert ext.which(g.zeros(2, np.float64)) == "float64"
    with pytest.raises(TypeError, match=r"^expected a device array of dtype float32, got dtype int32"):
        ext.which(g.zeros(2, np.int32))


def test_signature_names_the_types(ext):
    assert "pygpu.device_span" in ext.span.__doc__
    assert "pygpu.stream_ref" in ext.stream.__doc__


# --- device_span: refused forms -------------------------------------------------

@pytest.mark.parametrize(("dtype", "name"), [(np.float64, "float64"), (np.int32, "int32"), (np.complex64, "complex64"),
                                         (np.bool_, "bool")])
def test_wrong_dtype_names_both(ext, dtype, name):
    with pytest.raises(TypeError, match=rf"^expected a device array of dtype float32, got dtype {name}$"):
        ext.span(g.zeros(3, dtype))


def test_wrong_byte_order(ext, dev_alloc):
    with pytest.raises(TypeError, match=r"got dtype >f4 \(non-native byte order\)"):
        ext.span(CAI(shape=(2,), typestr=">f4", data=(int(dev_alloc(8)), False)))


def test_host_numpy_array_is_refused(ext):
    with pytest.raises(TypeError, match=r"^device memory is required, got numpy.ndarray in host memory; copy it to "
                                        r"the device first"):
        ext.span(np.zeros(3, np.float32))


@pytest.mark.parametrize("obj", [b"1234", bytearray(8), memoryview(bytearray(8))])
def test_host_buffers_are_refused(ext, obj):
    with pytest.raises(TypeError, match=r"^device memory is required, got \w+ in host memory \(a buffer\)"):
        ext.span(obj)


@pytest.mark.parametrize(("device", "message"), [((1, 0), r"in host memory;"), ((3, 0), r"\(pinned host memory\)"),
                                             ((4, 0), r"^device memory on a CUDA or ROCm device is required")])
def test_wrong_device_type(ext, device, message):
    with pytest.raises(TypeError, match=message):
        ext.span(DLPackOnly(np.zeros(3, np.float32), device=device))


def test_not_an_array(ext):
    for obj in (None, "x", 3.5, [1.0, 2.0]):
        with pytest.raises(TypeError, match=r"^expected device memory \(a GPUArray, a DeviceArray_<dtype> or an "
                                            r"object with __cuda_array_interface__\), got"):
            ext.span(obj)


def test_unallocated_device_array(ext):
    da = g.DeviceArray_float32((4,))
    with pytest.raises(ValueError, match=r"^the device side of this .*DeviceArray_float32 is not allocated; "
                                         r"call allocate\(\)"):
        ext.span(da)
    da.allocate()
    da.free()
    with pytest.raises(ValueError, match="is not allocated"):
        ext.span(da)


def test_device_array_of_another_dtype(ext):
    da = g.DeviceArray_int16((4,))
    da.allocate()
    with pytest.raises(TypeError, match=r"^expected a device array of dtype float32, got dtype int16$"):
        ext.span(da)


@pytest.mark.parametrize("index", [np.s_[:, ::2], np.s_[::-1], np.s_[:, 1:]])
def test_not_contiguous_where_required(ext, index):
    a = g.to_gpu(np.zeros((3, 4), np.float32))
    assert ext.span_contiguous(a)["c_contiguous"]
    with pytest.raises(ValueError, match=r"^a C-contiguous array is required, got strides .* for shape .*; pass a "
                                         r"contiguous copy"):
        ext.span_contiguous(a[index])


def test_fortran_order_is_not_c_contiguous(ext):
    with pytest.raises(ValueError, match="C-contiguous array is required"):
        ext.span_contiguous(g.to_gpu(np.zeros((3, 4), np.float32)).T)
    with pytest.raises(ValueError, match="C-contiguous array is required"):  # the same check, from C++
        ext.as_contiguous(g.to_gpu(np.zeros((3, 4), np.float32)).T)


def test_layout_errors(ext, dev_alloc):
    ptr = int(dev_alloc(1024))
    with pytest.raises(ValueError, match=r"9 axes, at most 8 are supported"):
        ext.span(CAI(shape=(1,) * 9, typestr="<f4", data=(ptr, False)))
    with pytest.raises(ValueError, match=r"not aligned to its 4-byte element type"):
        ext.span(CAI(shape=(2,), typestr="<f4", data=(ptr + 2, False)))
    with pytest.raises(ValueError, match=r"stride of 6 bytes on axis 0 is not a multiple of the item size"):
        ext.span(CAI(shape=(2,), typestr="<f4", data=(ptr, False), strides=(6,)))


def test_malformed_interfaces(ext, dev_alloc):
    ptr = int(dev_alloc(64))

    class NotADict:
        __cuda_array_interface__ = (1, 2)

    with pytest.raises(TypeError, match="is not a dict"):
        ext.span(NotADict())
    with pytest.raises(TypeError, match="has no 'data'"):
        ext.span(CAI(shape=(2,), typestr="<f4"))
    with pytest.raises(ValueError, match="masked arrays are not supported"):
        ext.span(CAI(shape=(2,), typestr="<f4", data=(ptr, False), mask=CAI()))
    with pytest.raises(TypeError, match="'strides' and 'shape' differ in length"):
        ext.span(CAI(shape=(2,), typestr="<f4", data=(ptr, False), strides=(4, 4)))
    with pytest.raises(ValueError, match="'shape': -2 is negative"):
        ext.span(CAI(shape=(-2,), typestr="<f4", data=(ptr, False)))


# --- stream_ref -------------------------------------------------------------------

def test_stream_from_each_form(ext):
    s = g.cudaStream_t()
    ds = cuda.Stream()

    class Foreign:
        def __cuda_stream__(self):
            return (0, 4242)

    assert ext.stream() == 0 and ext.stream(None) == 0
    assert ext.stream(0) == 0 and ext.stream(7) == 7 and ext.stream(np.int64(9)) == 9
    assert ext.stream(s) == int(s) != 0
    assert ext.stream(ds) == ds.handle != 0
    assert ext.stream(Foreign()) == 4242
    assert ext.stream_roundtrip(s) == int(s)  # returned to Python as the int handle


@pytest.mark.parametrize("bad", ["stream", 1.5, True, object(), np.zeros(2)])
def test_bad_stream_type(ext, bad):
    with pytest.raises(TypeError, match=r"^expected a stream \(PyGPU.cudaStream_t, PyGPU.driver.Stream, an object "
                                        r"with __cuda_stream__, an int handle or None\), got"):
        ext.stream(bad)


def test_bad_stream_values(ext):
    with pytest.raises(ValueError, match="stream handle: -1 is negative"):
        ext.stream(-1)
    s = g.cudaStream_t()
    s.destroy()
    with pytest.raises(ValueError, match="the stream was destroyed"):
        ext.stream(s)


# --- helpers for host builds: the active backend ----------------------------------

def test_launch_host_func_runs_in_stream_order(ext, gate):
    s = g.cudaStream_t(g.cudaStreamNonBlocking)  # so that get() below does not wait for it
    a = g.zeros(1000, np.float32)
    with gate(s):
        ext.fill_later(a, 3.0, s)
        assert g.cudaStreamQuery(s) == g.cudaErrorNotReady
        assert not a.get().any()  # queued behind the gate
    s.synchronize().check()
    assert (a.get() == 3.0).all()
    assert ext.backend_name() == g.backend


def test_check_status_raises_cuda_error(ext):
    ext.check_status(0)
    with pytest.raises(g.CudaError) as info:
        ext.check_status(2)
    assert info.value.code == 2


# --- the headers under other compilers --------------------------------------------

def _find_nvcc():
    path = shutil.which("nvcc")
    if path is None and Path("/usr/local/cuda/bin/nvcc").is_file():
        path = "/usr/local/cuda/bin/nvcc"
    if path is None:
        pytest.skip("nvcc not found")
    return path


NVCC_SOURCE = r"""
#include <cuda_runtime.h>
#include <pybind11/pybind11.h>
#include "pygpu/pybind11.h"

__global__ void saxpy(float a, pygpu::device_span<const float> x, pygpu::device_span<float, pygpu::contiguous> y) {
    const std::ptrdiff_t i = static_cast<std::ptrdiff_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < y.size_signed()) y[i] = a * x(i) + y[i];
}

void launch(float a, pygpu::device_span<const float> x, pygpu::device_span<float, pygpu::contiguous> y,
            pygpu::stream_ref stream) {
    saxpy<<<1, 256, 0, stream.as<cudaStream_t>()>>>(a, x, y);
}

PYBIND11_MODULE(nvcc_casters, m) { m.def("launch", &launch); }
"""


def test_headers_compile_with_nvcc(tmp_path):
    """pygpu/pybind11.h (casters included) and device spans in a kernel, through nvcc."""
    nvcc = _find_nvcc()
    _, pybind11_include = _compiler()
    source = tmp_path / "casters.cu"
    source.write_text(NVCC_SOURCE)
    result = subprocess.run([nvcc, "-std=c++17", "-c", "-Xcompiler", "-fPIC", *_includes(pybind11_include),
                             str(source), "-o", str(tmp_path / "casters.o")], capture_output=True, text=True,
                            timeout=300, env=without_preload(), check=False)
    assert result.returncode == 0, result.stdout + result.stderr


HIP_SOURCE = r"""
#include <hip/hip_runtime_api.h>
#include <pybind11/pybind11.h>
#include "pygpu/pybind11.h"

int clear(pygpu::device_span<float, pygpu::contiguous> x, pygpu::stream_ref stream) {
    return hipMemsetAsync(x.data(), 0, x.nbytes(), stream.as<hipStream_t>());
}

PYBIND11_MODULE(hip_casters, m) { m.def("clear", &clear); }
"""


def test_headers_compile_with_hip_headers(tmp_path):
    """The HIP host API with the C++ compiler, as PyGPU's HIP backend builds."""
    cxx, pybind11_include = _compiler()
    if not Path("/usr/include/hip/hip_runtime_api.h").is_file():
        pytest.skip("the HIP headers are not installed (apt-get install libamdhip64-dev)")
    source = tmp_path / "hip.cpp"
    source.write_text(HIP_SOURCE)
    result = subprocess.run([cxx, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                             "-D__HIP_PLATFORM_AMD__", "-I/usr/include", *_includes(pybind11_include), str(source)],
                            capture_output=True, text=True, timeout=300, env=without_preload(), check=False)
    assert result.returncode == 0, result.stderr


def test_headers_without_pybind11(tmp_path):
    """Without pybind11, pygpu/pybind11.h still gives the plain types."""
    cxx, _ = _compiler()
    source = tmp_path / "plain.cpp"
    source.write_text('#include "pygpu/pybind11.h"\n'
                      "int n(pygpu::device_span<float> x, pygpu::stream_ref s) {\n"
                      "    return static_cast<int>(x.size() + s.value());\n}\n")
    result = subprocess.run([cxx, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-I",
                             g.get_include(), str(source)], capture_output=True, text=True, timeout=120,
                            env=without_preload(), check=False)
    assert result.returncode == 0, result.stderr


def test_paths_docstring_examples():
    import doctest

    import PyGPU._paths

    result = doctest.testmod(PyGPU._paths)
    assert result.failed == 0 and result.attempted > 0


def test_get_include_and_cmake_dir():
    include = Path(g.get_include())
    headers = {p.name for p in (include / "pygpu").iterdir()}
    assert {"device_span.h", "stream_ref.h", "pybind11.h", "backend.h"} <= headers
    cmake_dir = Path(g.get_cmake_dir())
    assert (cmake_dir / "PyGPUConfig.cmake").is_file() and (cmake_dir / "PyGPUConfigVersion.cmake").is_file()
    assert "get_include" in g.__all__ and "get_cmake_dir" in g.__all__


def test_sizes_that_overflow_are_refused(ext, dev_alloc):
    """Shape and strides past 2**63 were read as negative numbers, and the
    product of the shape overflowed (undefined behaviour) (issue 14)."""
    ptr = int(dev_alloc(64))
    with pytest.raises(ValueError, match=r"^__cuda_array_interface__: 'shape': 9223372036854775808 is out of range$"):
        ext.span(CAI(shape=(2**63,), typestr="<f4", data=(ptr, False)))
    with pytest.raises(ValueError, match=r"^__cuda_array_interface__: 'strides': 18446744073709551612 is out of rang"):
        ext.span(CAI(shape=(2,), typestr="<f4", data=(ptr, False), strides=(2**64 - 4,)))
    with pytest.raises(ValueError, match=r"^the shape is too large \(its size in bytes overflows\)$"):
        ext.span(CAI(shape=(2**62, 2**62), typestr="<f4", data=(ptr, False)))
    with pytest.raises(ValueError, match=r"^the shape is too large"):
        ext.span(CAI(shape=(2**61, 0), typestr="<f4", data=(ptr, False), strides=(4, 4)))
