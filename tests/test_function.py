"""PyGPU.driver.Function on the simulated device: PyCUDA's call (every argument kind, In/Out/InOut, streams,
time_kernel), prepare and the prepared calls, the attributes, the TypeError naming a wrong argument, and bad
configurations; values checked against numpy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import PyGPU
import PyGPU.driver as cuda
from helpers.processes import preload_removed
from PyGPU import compiler

pytestmark = pytest.mark.skipif(PyGPU.backend != "sim", reason="the simulated device is not the active backend")

SOURCE = r"""
__global__ void saxpy(int n, float a, const float* x, float* y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a * x[i] + y[i];
}
struct Pair { int a; double b; };
__global__ void take_pair(Pair p, double* out) { *out = p.a + p.b; }
__global__ void take_scalars(signed char c, short s, long long q, unsigned u, double d, float* out) {
    out[0] = c; out[1] = s; out[2] = (float)q; out[3] = (float)u; out[4] = (float)d;
}
__global__ void take_complex(float2 z, double* out) { out[0] = z.x; out[1] = z.y; }
__global__ void shared_sum(const int* in, int* out) {
    extern __shared__ int buf[];
    buf[threadIdx.x] = in[threadIdx.x];
    __syncthreads();
    if (threadIdx.x == 0) { int s = 0; for (int i = 0; i < blockDim.x; ++i) s += buf[i]; *out = s; }
}
__global__ void static_shared(int* out) {
    __shared__ int tile[64]; tile[threadIdx.x] = 1; __syncthreads(); *out = tile[0];
}
__global__ void index_3d(int* out) {
    int b = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    int t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    out[b * blockDim.x * blockDim.y * blockDim.z + t] = b * 1000 + t;
}
"""


@pytest.fixture(scope="module")
def mod(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp, preload_removed():
        mp.setenv("PYGPU_CACHE_DIR", str(cache))
        yield compiler.SourceModule(SOURCE)


@pytest.fixture
def saxpy(mod):
    return mod.get_function("saxpy")


def data(n=100):
    rng = np.random.default_rng(n)
    return rng.random(n, dtype=np.float32), rng.random(n, dtype=np.float32)


# --------------------------------------------------------------------- calls ---

def test_call_with_in_inout_matches_numpy(saxpy):
    x, y = data()
    expected = 3 * x + y
    assert saxpy(np.int32(100), np.float32(3), cuda.In(x), cuda.InOut(y), block=(32, 1, 1), grid=(4, 1)) is None
    np.testing.assert_allclose(y, expected, rtol=1e-6)


def test_out_gets_the_result(mod):
    f32 = np.zeros(5, np.float32)
    mod.get_function("take_scalars")(np.int8(-3), np.int16(300), np.int64(1 << 40), np.uint32(7), np.float64(2.5),
                                     cuda.Out(f32), block=(1, 1, 1))
    np.testing.assert_array_equal(f32, np.array([-3, 300, 1 << 40, 7, 2.5], np.float32))


@pytest.mark.parametrize("kind", ["DeviceAllocation", "GPUArray", "gpudata", "pointer_wrapper", "DeviceArray",
                                  "PointerHolderBase", "cuda_array_interface"])
def test_device_memory_arguments_pass_their_address(saxpy, kind):
    x, y = data(64)
    expected = 2 * x + y
    xs = PyGPU.to_gpu(x)
    if kind == "DeviceAllocation":
        yd = cuda.to_device(y)
    elif kind in ("GPUArray", "gpudata", "cuda_array_interface"):
        ya = PyGPU.to_gpu(y)
        yd = {"GPUArray": ya, "gpudata": ya.gpudata}.get(kind)
        if kind == "cuda_array_interface":
            class Interface:
                __cuda_array_interface__ = ya.__cuda_array_interface__
            yd = Interface()
    elif kind == "pointer_wrapper":
        yd, err = PyGPU.cudaMalloc(y.nbytes)
        assert err == PyGPU.cudaSuccess
        assert PyGPU.cudaMemcpy(yd, y, y.nbytes, PyGPU.cudaMemcpyHostToDevice) == PyGPU.cudaSuccess
    elif kind == "DeviceArray":
        yd = PyGPU.DeviceArray_float32(y.copy())
        assert yd.allocate() == PyGPU.cudaSuccess and yd.to_device() == PyGPU.cudaSuccess
    else:
        alloc = cuda.to_device(y)

        class Holder(cuda.PointerHolderBase):
            def get_pointer(self):
                return int(alloc)
        yd = Holder()
    saxpy(np.int32(64), np.float32(2), xs, yd, block=(64, 1, 1))
    if kind == "DeviceArray":
        assert yd.to_host() == PyGPU.cudaSuccess
        got = np.asarray(yd)
    elif kind == "PointerHolderBase":
        got = cuda.from_device(alloc, 64, np.float32)
    elif kind == "pointer_wrapper":
        got = cuda.from_device(int(yd), 64, np.float32)
    elif kind == "DeviceAllocation":
        got = cuda.from_device(yd, 64, np.float32)
    else:
        got = ya.get()
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_structured_scalar_passes_its_bytes(mod):
    pair = np.dtype([("a", np.int32), ("b", np.float64)], align=True)
    value = np.zeros(1, pair)[0]
    value["a"], value["b"] = 4, 0.25
    out = np.zeros(1)
    mod.get_function("take_pair")(value, cuda.Out(out), block=(1, 1, 1))
    assert out[0] == 4.25


def test_numpy_array_passes_its_bytes_by_value(mod):
    out = np.zeros(2)
    mod.get_function("take_complex")(np.array([1.5, -2.0], np.float32), cuda.Out(out), block=(1, 1, 1))
    assert out.tolist() == [1.5, -2.0]


def test_managed_array_passes_its_address(saxpy):
    """As PyCUDA: a numpy array whose base is a ManagedAllocation is device memory, passed by address."""
    x, y = data()
    mx, my = cuda.managed_empty(100, np.float32), cuda.managed_empty(100, np.float32)
    mx[:], my[:] = x, y
    saxpy(np.int32(100), np.float32(3), mx, my, block=(32, 1, 1), grid=(4, 1))
    cuda.Context.synchronize()
    np.testing.assert_allclose(my, 3 * x + y, rtol=1e-6)
    np.testing.assert_array_equal(mx, x)


@pytest.mark.parametrize("bad", [5, 2.0, True, "x", None, [1, 2]])
def test_python_numbers_and_other_objects_are_refused_as_pycuda_does(saxpy, bad):
    x, y = data(4)
    with pytest.raises(TypeError, match=r"^invalid type on parameter #1 \(0-based\)$"):
        saxpy(np.int32(4), bad, cuda.In(x), cuda.InOut(y), block=(4, 1, 1))


def test_call_keywords(saxpy):
    x, y = data(4)
    with pytest.raises(ValueError, match="must specify block size"):
        saxpy(np.int32(4), np.float32(1), cuda.In(x), cuda.InOut(y))
    with pytest.raises(TypeError):
        saxpy(np.int32(4), np.float32(1), cuda.In(x), cuda.InOut(y), block=(4, 1, 1), blocks=2)
    with pytest.raises(cuda.NotOfferedError, match="texture references"):
        saxpy(np.int32(4), np.float32(1), cuda.In(x), cuda.InOut(y), block=(4, 1, 1), texrefs=[object()])


def test_call_on_a_stream_copies_in_stream_order(saxpy):
    x, y = data(256)
    expected = 0.5 * x + y
    stream = cuda.Stream()
    saxpy(np.int32(256), np.float32(0.5), cuda.In(x), cuda.InOut(y), block=(128, 1, 1), grid=(2, 1), stream=stream)
    stream.synchronize()
    np.testing.assert_allclose(y, expected, rtol=1e-6)


def test_time_kernel_returns_seconds(saxpy):
    x, y = data(8)
    seconds = saxpy(np.int32(8), np.float32(1), cuda.In(x), cuda.InOut(y), block=(8, 1, 1), time_kernel=True)
    assert isinstance(seconds, float) and 0 <= seconds < 10
    np.testing.assert_allclose(y, data(8)[1] + x, rtol=1e-6)
    with pytest.raises(ValueError, match="time_kernel needs a synchronous call"):
        saxpy(np.int32(8), np.float32(1), cuda.In(x), cuda.InOut(y), block=(8, 1, 1), time_kernel=True,
              stream=cuda.Stream())


def test_dynamic_and_static_shared_memory(mod):
    values = np.arange(32, dtype=np.int32)
    out = np.zeros(1, np.int32)
    mod.get_function("shared_sum")(cuda.In(values), cuda.Out(out), block=(32, 1, 1), shared=32 * 4)
    assert out[0] == values.sum()
    f = mod.get_function("static_shared")
    f(cuda.Out(out), block=(64, 1, 1))
    assert out[0] == 1
    assert f.shared_size_bytes == PyGPU.cudaFuncGetAttributes(f.handle)[0].sharedSizeBytes
    with pytest.raises(cuda.Error) as info:  # more dynamic shared memory than a block may have
        mod.get_function("shared_sum")(cuda.In(values), cuda.Out(out), block=(32, 1, 1), shared=1 << 30)
    assert info.value.name == "cudaErrorInvalidValue"


def test_grid_and_block_in_three_dimensions(mod):
    out = np.zeros(2 * 3 * 2 * 4 * 2 * 1, np.int32)
    mod.get_function("index_3d")(cuda.Out(out), block=(4, 2, 1), grid=(2, 3, 2))
    expected = [b * 1000 + t for b in range(12) for t in range(8)]
    assert out.tolist() == expected


@pytest.mark.parametrize(("block", "grid"), [((0, 1, 1), (1, 1)), ((1, 1, 1), (0, 1)), ((2048, 1, 1), (1, 1)),
                                             ((-1, 1, 1), (1, 1)), ((1, 1, 1), (1, 1, 1, 1))])
def test_a_bad_configuration_is_cudas_code(saxpy, block, grid):
    x, y = data(4)
    with pytest.raises(cuda.Error) as info:
        saxpy(np.int32(4), np.float32(1), cuda.In(x), cuda.InOut(y), block=block, grid=grid)
    assert info.value.name == "cudaErrorInvalidConfiguration"
    saxpy.prepare("ifPP")
    with pytest.raises(cuda.Error) as info:
        saxpy.prepared_call(grid, block, 4, 1.0, 0, 0)
    assert info.value.name == "cudaErrorInvalidConfiguration"


# ------------------------------------------- the simulated device's TypeError ---

def test_an_argument_of_the_wrong_size_names_the_parameter(saxpy):
    x, y = data(4)
    with pytest.raises(TypeError) as info:
        saxpy(np.int64(4), np.float32(1), cuda.In(x), cuda.InOut(y), block=(4, 1, 1))
    assert str(info.value) == "parameter 'n' (int, 4 bytes) of kernel 'saxpy' got a numpy.int64 (8 bytes)"
    with pytest.raises(TypeError, match=r"^parameter 'a' \(float, 4 bytes\) of kernel 'saxpy' got a numpy.float64 "
                                        r"\(8 bytes\)$"):
        saxpy(np.int32(4), np.float64(1), cuda.In(x), cuda.InOut(y), block=(4, 1, 1))


def test_a_wrong_argument_count_lists_the_parameters(saxpy):
    x = data(4)[0]
    with pytest.raises(TypeError) as info:
        saxpy(np.int32(4), np.float32(1), cuda.In(x), block=(4, 1, 1))
    assert str(info.value) == ("kernel 'saxpy' takes 4 arguments (int n, float a, const float * x, float * y), "
                               "3 were given")


def test_a_function_from_a_file_names_the_parameter_by_index(tmp_path, mod):
    with preload_removed():
        image = compiler.compile("__global__ void k(int n, double* out) { *out = n; }", cache_dir=str(tmp_path))
    f = cuda.module_from_buffer(image).get_function("k")
    out = np.zeros(1)
    with pytest.raises(TypeError, match=r"^parameter #0 \(4 bytes\) of kernel 'k' got a numpy.int16 \(2 bytes\)$"):
        f(np.int16(3), cuda.Out(out), block=(1, 1, 1))
    with pytest.raises(TypeError, match=r"^kernel 'k' takes 2 arguments, 1 were given$"):
        f(np.int32(3), block=(1, 1, 1))
    f(np.int32(3), cuda.Out(out), block=(1, 1, 1))
    assert out[0] == 3


def test_prepared_calls_name_the_format_item(saxpy):
    saxpy.prepare("qfPP")
    with pytest.raises(TypeError, match=r"^parameter 'n' \(int, 4 bytes\) of kernel 'saxpy' got format 'q' "
                                        r"\(8 bytes\)$"):
        saxpy.prepared_call((1, 1), (1, 1, 1), 4, 1.0, 0, 0)
    saxpy.prepare("ifP")
    with pytest.raises(TypeError, match=r"^kernel 'saxpy' takes 4 arguments \(.*\), 3 were given$"):
        saxpy.prepared_call((1, 1), (1, 1, 1), 4, 1.0, 0)


# ------------------------------------------------------------- prepared calls ---

@pytest.mark.parametrize("arg_types", ["ifPP", "i f P P", [np.int32, np.float32, np.intp, np.intp],
                                       [np.dtype(np.int32), np.dtype(np.float32), None, cuda.DeviceAllocation]])
def test_prepare_formats(saxpy, arg_types):
    assert saxpy.prepare(arg_types) is saxpy
    assert saxpy.arg_format.replace(" ", "") in ("ifPP", "ifll", "ifLL")
    x, y = data(50)
    expected = 1.5 * x + y
    xd, yd = cuda.to_device(x), cuda.to_device(y)
    saxpy.prepared_call((1, 1), (64, 1, 1), 50, 1.5, xd, yd)
    np.testing.assert_allclose(cuda.from_device(yd, 50, np.float32), expected, rtol=1e-6)


def test_prepared_call_takes_device_memory_objects(saxpy):
    x, y = data(16)
    expected = 2 * x + y
    saxpy.prepare("ifPP")
    ga, gb = PyGPU.to_gpu(x), PyGPU.to_gpu(y)
    saxpy.prepared_call((1, 1), (16, 1, 1), 16, 2.0, ga, gb)
    np.testing.assert_allclose(gb.get(), expected, rtol=1e-6)


def test_prepared_async_call_on_a_stream(saxpy):
    x, y = data(300)
    expected = 4 * x + y
    xd, yd = cuda.to_device(x), cuda.to_device(y)
    stream = cuda.Stream()
    saxpy.prepare("ifPP").prepared_async_call((3, 1), (128, 1, 1), stream, 300, 4.0, xd, yd)
    stream.synchronize()
    np.testing.assert_allclose(cuda.from_device(yd, 300, np.float32), expected, rtol=1e-6)
    for s in (None, stream._stream, int(stream)):
        saxpy.prepared_async_call((3, 1), (128, 1, 1), s, 300, 0.0, xd, yd)
    PyGPU.cudaDeviceSynchronize()
    with pytest.raises(TypeError, match="expected a stream"):
        saxpy.prepared_async_call((3, 1), (128, 1, 1), "stream", 300, 0.0, xd, yd)


def test_prepared_timed_call_gives_seconds(saxpy):
    x, y = data(8)
    xd, yd = cuda.to_device(x), cuda.to_device(y)
    seconds = saxpy.prepare("ifPP").prepared_timed_call((1, 1), (8, 1, 1), 8, 1.0, xd, yd)
    value = seconds()
    assert isinstance(value, float) and 0 <= value < 10
    np.testing.assert_allclose(cuda.from_device(yd, 8, np.float32), x + y, rtol=1e-6)


def test_prepared_shared_size(mod):
    f = mod.get_function("shared_sum").prepare("PP")
    values, out = cuda.to_device(np.arange(16, dtype=np.int32)), cuda.mem_alloc(4)
    f.prepared_call((1, 1), (16, 1, 1), values, out, shared_size=64)
    assert cuda.from_device(out, 1, np.int32)[0] == 120


def test_prepared_complex_and_struct_items(mod):
    f = mod.get_function("take_complex").prepare([np.complex64, np.intp])
    out = cuda.mem_alloc(16)
    f.prepared_call((1, 1), (1, 1, 1), 1.5 - 2j, out)
    assert cuda.from_device(out, 2, np.float64).tolist() == [1.5, -2.0]
    pair = np.dtype([("a", np.int32), ("b", np.float64)], align=True)
    g = mod.get_function("take_pair").prepare([pair, np.intp])
    assert g.arg_format == "16sl"
    value = np.zeros(1, pair)[0]
    value["a"], value["b"] = 2, 0.5
    g.prepared_call((1, 1), (1, 1, 1), value, out)
    assert cuda.from_device(out, 1, np.float64)[0] == 2.5


def test_prepare_errors(saxpy, mod):
    fresh = mod.get_function("index_3d")
    fresh._packer = None
    with pytest.raises(TypeError, match="is not prepared"):
        fresh.prepared_call((1, 1), (1, 1, 1), 0)
    with pytest.raises(AttributeError, match="not prepared"):
        _ = fresh.arg_format
    with pytest.raises(ValueError, match="invalid argument format"):
        saxpy.prepare("i!f")
    saxpy.prepare("ifPP")
    with pytest.raises(TypeError, match="takes 4 arguments, 3 were given"):
        saxpy.prepared_call((1, 1), (1, 1, 1), 1, 1.0, 0)
    with pytest.raises(TypeError, match="do not match the prepared format"):
        saxpy.prepared_call((1, 1), (1, 1, 1), "one", 1.0, 0, 0)
    with pytest.raises(cuda.NotOfferedError):
        saxpy.prepare("ifPP", texrefs=[object()])


# ----------------------------------------------------------------- attributes ---

def test_attributes_read_cuda_func_get_attributes(saxpy):
    attrs, err = PyGPU.cudaFuncGetAttributes(saxpy.handle)
    assert err == PyGPU.cudaSuccess
    assert saxpy.max_threads_per_block == attrs.maxThreadsPerBlock == 1024
    assert (saxpy.num_regs, saxpy.shared_size_bytes, saxpy.const_size_bytes, saxpy.local_size_bytes) == (0, 0, 0, 0)
    for attr in cuda.function_attribute:
        assert isinstance(saxpy.get_attribute(attr), int)
    assert saxpy.get_attribute(cuda.function_attribute.MAX_THREADS_PER_BLOCK) == 1024
    with pytest.raises(ValueError, match="unknown function attribute"):
        saxpy.get_attribute(99)


def test_cache_config_and_deprecated_shared_size(mod):
    f = mod.get_function("shared_sum")
    f.set_cache_config(cuda.func_cache.PREFER_SHARED)
    assert f.cache_config is cuda.func_cache.PREFER_SHARED
    with pytest.raises(ValueError, match="unknown cache config"):
        f.set_cache_config(17)
    with pytest.warns(DeprecationWarning, match="set_shared_size is deprecated"):
        f.set_shared_size(16 * 4)
    out = np.zeros(1, np.int32)
    f(cuda.In(np.ones(16, np.int32)), cuda.Out(out), block=(16, 1, 1))  # the shared size set above
    assert out[0] == 16
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(ValueError, match="nbytes must be an int"):
            f.set_shared_size(-1)
        f.set_shared_size(0)


def test_repr_names_the_kernel(saxpy):
    assert repr(saxpy) == "<PyGPU.driver.Function 'saxpy'>"
    assert saxpy.name == "saxpy" and saxpy.module is not None
