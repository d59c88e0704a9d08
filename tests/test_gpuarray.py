"""GPUArray (PyCUDA's ``pycuda.gpuarray`` API): construction, attributes,
lifetimes, host<->device copies (synchronous and stream-ordered), module
functions, the kernel-backed operations that raise, and the original PyGPU
extras. numpy is the reference for every value; PyCUDA for the API.

Views, indexing, reshaping and strided copies are in test_gpuarray_views.py.
"""

from __future__ import annotations

import gc
import inspect
import pickle
import re
import weakref

import numpy as np
import pytest

import PyGPU as g
import PyGPU.driver as drv
from helpers import free_bytes, sample

DTYPES = list(g.dtypes)
PUBLIC = ["GPUArray", "to_gpu", "to_gpu_async", "empty", "zeros", "ones", "empty_like", "zeros_like", "ones_like",
          "concatenate", "stack", "transpose", "reshape"]




def other_dtype(name: str) -> str:
    return DTYPES[(DTYPES.index(name) + 1) % len(DTYPES)]


def same(gpu_result: np.ndarray, expected: np.ndarray) -> None:
    """Equal values, dtype and shape."""
    assert isinstance(gpu_result, np.ndarray)
    assert gpu_result.dtype == expected.dtype and gpu_result.shape == expected.shape
    assert np.array_equal(gpu_result, expected)


class Recorder:
    """A custom allocator that records the sizes asked for; returns objects with int()."""

    class Block:
        def __init__(self, ptr) -> None:
            self.ptr = ptr

        def __int__(self) -> int:
            return int(self.ptr)

    def __init__(self, dev_alloc) -> None:
        self.dev_alloc = dev_alloc
        self.calls = []
        self.blocks = []

    def __call__(self, nbytes):
        self.calls.append(nbytes)
        self.blocks.append(self.Block(self.dev_alloc(nbytes)))
        return self.blocks[-1]


# ------------------------------------------------------------------- imports

@pytest.mark.parametrize("name", PUBLIC)
def test_both_imports_expose_the_pycuda_api(name):
    import PyGPU as gpuarray_pkg
    import PyGPU.gpuarray as gpuarray_mod

    assert getattr(gpuarray_pkg, name) is getattr(gpuarray_mod, name)
    assert name in gpuarray_mod.__all__ and name in gpuarray_pkg.__all__


def test_public_names_carry_the_public_module():
    """Creation functions (_creation), the original API (_seed_api) and the operator table (_operators) live in
    private files; their public names say PyGPU.gpuarray (reprs, pickles, docs, doctests)."""
    for name in g.gpuarray.__all__:
        assert getattr(g.gpuarray, name).__module__ == "PyGPU.gpuarray", name
    for method in (g.GPUArray.to_device, g.GPUArray.host_data, g.GPUArray.__add__, g.GPUArray.sum):
        assert method.__module__ == "PyGPU.gpuarray", method
    assert pickle.loads(pickle.dumps(g.to_gpu)) is g.to_gpu
    assert pickle.loads(pickle.dumps(g.GPUArray.to_device)) is g.GPUArray.to_device
    clone = pickle.loads(pickle.dumps(g.to_gpu(np.arange(3, dtype=np.int16))))
    same(clone.get(), np.arange(3, dtype=np.int16))


def test_empty_is_the_constructor():
    assert g.empty is g.GPUArray


def test_signatures_match_pycuda():
    def params(fn):
        return list(inspect.signature(fn).parameters)

    assert params(g.GPUArray.__init__) == ["self", "shape", "dtype", "allocator", "base", "gpudata", "strides", "order"]
    assert inspect.signature(g.GPUArray.__init__).parameters["order"].default == "C"
    assert params(g.GPUArray.get)[:5] == ["self", "ary", "pagelocked", "async_", "stream"]
    assert params(g.GPUArray.set)[:4] == ["self", "ary", "async_", "stream"]
    assert params(g.GPUArray.get_async)[:3] == ["self", "stream", "ary"]
    assert params(g.GPUArray.set_async)[:3] == ["self", "ary", "stream"]
    assert params(g.to_gpu)[:2] == ["ary", "allocator"]
    assert params(g.to_gpu_async)[:3] == ["ary", "allocator", "stream"]
    assert params(g.zeros)[:4] == ["shape", "dtype", "allocator", "order"]
    assert params(g.empty_like)[:3] == ["other_ary", "dtype", "order"]


# -------------------------------------------------------------- construction

@pytest.mark.parametrize(("shape", "expected"), [
    (5, (5,)),
    (np.int64(5), (5,)),
    (np.uint8(5), (5,)),
    (np.array(5), (5,)),
    ([2, 3], (2, 3)),
    ((2, 3, 4), (2, 3, 4)),
    ((), ()),
    ((n for n in (4, 1, 2)), (4, 1, 2)),
    (np.array([2, 3]), (2, 3)),
    ((np.int32(2), 3), (2, 3)),
    ((0,), (0,)),
    ((3, 0), (3, 0)),
])
def test_shape_forms(shape, expected):
    a = g.GPUArray(shape, np.float32)
    assert a.shape == expected and all(type(n) is int for n in a.shape)
    assert a.size == int(np.prod(expected)) and a.ndim == len(expected)


@pytest.mark.parametrize("shape", [-1, (2, -3), [0, -1], np.int64(-2)])
def test_negative_dimensions(shape):
    with pytest.raises(ValueError, match="negative dimensions"):
        g.GPUArray(shape, np.float32)


@pytest.mark.parametrize("shape", [2.5, (2, 3.0), "3", None, (2, None), object()])
def test_non_integer_shapes(shape):
    with pytest.raises(TypeError, match="shape must"):
        g.GPUArray(shape, np.float32)


@pytest.mark.parametrize("name", DTYPES)
def test_every_supported_dtype_by_name_dtype_and_type(name):
    dt = np.dtype(name)
    for spelling in (name, dt, dt.type, dt.str):
        a = g.GPUArray((2, 3), spelling)
        assert a.dtype == dt and isinstance(a.dtype, np.dtype)
        assert a.itemsize == dt.itemsize and a.nbytes == 6 * dt.itemsize


def _unsupported():
    out = [object, "U", "S4", "datetime64[s]", "timedelta64", np.dtype([("x", "f4"), ("y", "i4")]), "V8"]
    if np.dtype(np.longdouble).itemsize > 8:
        out += [np.longdouble, np.clongdouble]
    return out


@pytest.mark.parametrize("dtype", _unsupported(), ids=str)
def test_unsupported_dtypes_are_named(dtype):
    with pytest.raises(TypeError, match=re.escape(str(np.dtype(dtype)))):
        g.GPUArray(3, dtype)
    with pytest.raises(TypeError, match="not supported"):
        g.zeros(3, dtype)


def test_unknown_dtype_spelling():
    with pytest.raises(TypeError, match="not-a-dtype"):
        g.GPUArray(3, "not-a-dtype")


def test_custom_allocator_gets_the_byte_count(dev_alloc):
    rec = Recorder(dev_alloc)
    a = g.GPUArray((3, 5), np.float64, allocator=rec)
    assert rec.calls == [3 * 5 * 8]
    assert a.gpudata is rec.blocks[0] and a.allocator is rec
    assert a.ptr == int(rec.blocks[0].ptr)
    host = sample((3, 5), np.float64)
    a.set(host)
    same(a.get(), host)
    # everything that allocates for this array uses its allocator
    b = a.copy()
    assert rec.calls == [120, 120] and b.ptr == int(rec.blocks[1])
    g.zeros_like(a)
    assert rec.calls == [120, 120, 120]
    g.to_gpu(host, allocator=rec)
    g.zeros(4, np.int8, allocator=rec)
    assert rec.calls[3:] == [120, 4]


def test_size_zero_allocates_nothing(dev_alloc):
    rec = Recorder(dev_alloc)
    a = g.GPUArray((3, 0), np.float32, allocator=rec)
    assert rec.calls == [] and a.gpudata is None and a.ptr == 0 and a.nbytes == 0


def test_allocator_errors_propagate():
    def broken(nbytes):
        raise MemoryError(f"no room for {nbytes}")

    with pytest.raises(MemoryError, match="no room for 40"):
        g.GPUArray(10, np.int32, allocator=broken)


def test_default_allocator_out_of_memory():
    with pytest.raises(drv.MemoryError) as info:  # what PyCUDA code catches
        g.GPUArray(1 << 28, np.float64)  # 2 GiB on a 1 GiB device
    assert isinstance(info.value, g.CudaError) and info.value.name == "cudaErrorMemoryAllocation"
    g.cudaGetLastError()


def test_default_allocator_is_the_drivers():
    a = g.GPUArray(4, np.float32)
    assert isinstance(a.gpudata, drv.DeviceAllocation)
    attrs, err = g.cudaPointerGetAttributes(a.ptr)
    assert err == g.cudaSuccess and attrs.type == g.cudaMemoryTypeDevice


def test_gpudata_is_adopted_without_allocating(dev_alloc):
    rec = Recorder(dev_alloc)
    mem = dev_alloc(64)
    a = g.GPUArray((4, 2), np.float64, allocator=rec, gpudata=mem)
    assert rec.calls == [] and a.gpudata is mem and a.ptr == int(mem)
    host = sample((4, 2), np.float64)
    a.set(host)
    out = np.empty_like(host)
    assert g.cudaMemcpy(out, mem, 64, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
    same(out, host)


@pytest.mark.parametrize("gpudata", [object(), "0x1000", "4096", 4096.0], ids=["object", "hex str", "str", "float"])
def test_gpudata_must_be_an_address(gpudata):
    with pytest.raises(TypeError):
        g.GPUArray(4, np.float32, gpudata=gpudata)


def test_base_is_kept_alive(dev_alloc):
    class Owner:
        pass

    owner = Owner()
    ref = weakref.ref(owner)
    a = g.GPUArray(8, np.int32, base=owner, gpudata=dev_alloc(32))
    assert a.base is owner
    del owner
    gc.collect()
    assert ref() is not None
    del a
    gc.collect()
    assert ref() is None


def test_base_without_gpudata_is_refused():
    with pytest.raises(ValueError, match="gpudata"):
        g.GPUArray(4, np.float32, base=object())


def test_strides_with_gaps_allocate_what_they_reach(dev_alloc):
    rec = Recorder(dev_alloc)
    a = g.GPUArray((3, 4), np.float32, allocator=rec, strides=(32, 4))
    assert rec.calls == [2 * 32 + 4 * 4]  # 76 bytes, more than nbytes (48)
    assert a.strides == (32, 4) and a.nbytes == 48 and not a.flags.forc
    host = sample((3, 4), np.float32)
    a.set(host)
    same(a.get(), host)


def test_negative_strides_allocate_below_element_zero(dev_alloc):
    rec = Recorder(dev_alloc)
    a = g.GPUArray((3, 2), np.int16, allocator=rec, strides=(-4, 2))
    assert rec.calls == [12]
    assert a.ptr == int(rec.blocks[0]) + 8  # element 0 is the last row
    host = sample((3, 2), np.int16)
    a.set(host)
    same(a.get(), host)


def test_strides_must_match_the_shape():
    with pytest.raises(ValueError, match="strides"):
        g.GPUArray((3, 4), np.float32, strides=(4,))


@pytest.mark.parametrize("order", ["X", "c", "A", "K", None])
def test_bad_order(order):
    with pytest.raises(ValueError, match="invalid order"):
        g.GPUArray((3, 4), np.float32, order=order)


# ------------------------------------------------------------------ attributes

@pytest.mark.parametrize(("shape", "order"),
                         [((3, 4, 5), "C"), ((3, 4, 5), "F"), ((7,), "C"), ((), "C"), ((0, 3), "F")])
def test_metadata_matches_numpy(shape, order):
    a = g.GPUArray(shape, np.complex64, order=order)
    ref = np.empty(shape, np.complex64, order=order)
    assert a.shape == ref.shape and a.dtype == ref.dtype and a.size == ref.size
    assert a.nbytes == ref.nbytes and a.itemsize == ref.itemsize and a.ndim == ref.ndim
    if a.size:  # numpy 2 gives new empty arrays all-zero strides; any strides fit an empty array
        assert a.strides == ref.strides
    assert a.flags.c_contiguous == ref.flags.c_contiguous and a.flags.f_contiguous == ref.flags.f_contiguous
    assert a.mem_size == a.size  # as PyCUDA: elements, not bytes


FLAG_CASES = {
    "C": (lambda x: x, "C"),
    "F": (lambda x: x, "F"),
    "1-D": (lambda x: x[:, 0, 0], "C"),
    "0-d": (lambda x: x[1, 2, 3], "C"),
    "sliced": (lambda x: x[:, 1:3], "C"),
    "stepped": (lambda x: x[..., ::2], "C"),
    "outer slice": (lambda x: x[1:3], "C"),
    "transposed": (lambda x: x.T, "C"),
    "transposed F": (lambda x: x.T, "F"),
    "length-1 axes": (lambda x: x[:, :1, :1], "C"),
    "newaxis": (lambda x: x[:, None], "C"),
    "reversed": (lambda x: x[::-1], "C"),
    "empty": (lambda x: x[:, 3:1], "C"),
}


@pytest.mark.parametrize("case", list(FLAG_CASES))
def test_flags_match_numpy(case):
    fn, order = FLAG_CASES[case]
    host = np.asarray(sample((4, 3, 5), np.float32), order=order)
    a = g.to_gpu(host)
    view, ref = fn(a), fn(host)
    assert view.shape == ref.shape and view.strides == ref.strides
    assert view.flags.c_contiguous == ref.flags.c_contiguous
    assert view.flags.f_contiguous == ref.flags.f_contiguous
    assert view.flags.forc == (ref.flags.c_contiguous or ref.flags.f_contiguous)


def test_ptr_and_gpudata():
    a = g.zeros(10, np.float32)
    assert isinstance(a.ptr, int) and a.ptr == int(a.gpudata) != 0
    assert a[3:].ptr == a.ptr + 12
    attrs, err = g.cudaPointerGetAttributes(a.ptr)
    assert err == g.cudaSuccess and attrs.type == g.cudaMemoryTypeDevice


def test_base_and_allocator_attributes():
    a = g.zeros((4, 4))
    assert a.base is None and a.allocator is not None
    v = a[1:]
    assert v.base is a and v.allocator is a.allocator


def test_T_is_the_transpose():
    host = sample((2, 3, 4), np.int32)
    a = g.to_gpu(host)
    assert a.T.shape == host.T.shape and a.T.strides == host.T.strides
    same(a.T.get(), host.T)


def test_memory_is_freed_with_the_last_owner():
    before = free_bytes()
    a = g.zeros(1 << 20, np.uint8)
    assert free_bytes() <= before - (1 << 20)
    del a
    assert free_bytes() == before


def test_memory_outlives_the_base_name_while_a_view_lives():
    before = free_bytes()
    host = sample((256, 256), np.float64)
    a = g.to_gpu(host)
    used = before - free_bytes()
    assert used >= host.nbytes
    views = [a[10:20, ::3], a.T, a.reshape(-1), a.view(np.uint8), a[5]]
    del a
    assert free_bytes() == before - used
    same(views[0].get(), host[10:20, ::3])
    same(views[1].get(), host.T)
    same(views[4].get(), host[5])
    views.pop(0)
    assert free_bytes() == before - used
    del views
    assert free_bytes() == before


def test_copies_own_their_memory():
    before = free_bytes()
    a = g.to_gpu(sample((1000,), np.float32))
    b = a.copy()
    del a
    after_copy = free_bytes()
    assert after_copy < before
    same(b.get(), sample((1000,), np.float32))
    del b
    assert free_bytes() == before


def test_gpudata_free_returns_memory_at_once():
    before = free_bytes()
    a = g.zeros(1 << 16, np.float64)
    assert free_bytes() < before
    a.gpudata.free()
    assert free_bytes() == before
    del a  # freeing again when the array goes is a no-op, without a warning
    assert free_bytes() == before


class TestCudaArrayInterface:
    def test_is_a_property_with_explicit_strides(self):
        assert isinstance(inspect.getattr_static(g.GPUArray, "__cuda_array_interface__"), property)
        host = sample((3, 4), np.float32)
        a = g.to_gpu(host)
        cai = a.__cuda_array_interface__
        assert cai["version"] == 3
        assert cai["shape"] == (3, 4) and cai["strides"] == (16, 4)
        assert cai["typestr"] == "<f4" == a.dtype.str
        assert cai["data"] == (a.ptr, False)

    def test_stream_is_documented_as_the_legacy_stream(self):
        assert g.to_gpu(np.zeros(3)).__cuda_array_interface__["stream"] == 1
        doc = g.GPUArray.__cuda_array_interface__.__doc__
        assert "stream" in doc and "1" in doc

    @pytest.mark.parametrize("name", DTYPES)
    def test_typestr_is_the_dtype_str(self, name):
        assert g.zeros(2, name).__cuda_array_interface__["typestr"] == np.dtype(name).str

    def test_views(self):
        host = sample((6, 8), np.int64)
        a = g.to_gpu(host)
        v = a[1:5:2, ::-3]
        cai = v.__cuda_array_interface__
        ref = host[1:5:2, ::-3]
        assert cai["shape"] == ref.shape and cai["strides"] == ref.strides
        assert cai["data"] == (a.ptr + ref.ctypes.data - host.ctypes.data, False)
        assert a.T.__cuda_array_interface__["strides"] == host.T.strides

    def test_empty_array_has_a_null_pointer(self):
        cai = g.GPUArray((0, 4), np.float32).__cuda_array_interface__
        assert cai["data"] == (0, False) and cai["shape"] == (0, 4)


# ------------------------------------------------------------- get and set

@pytest.mark.parametrize("name", DTYPES)
def test_round_trip_every_dtype(name):
    host = sample((5, 7), name)
    a = g.to_gpu(host)
    assert a.dtype == host.dtype and a.shape == host.shape
    same(a.get(), host)
    new = sample((5, 7), name, seed=1)
    a.set(new)
    same(a.get(), new)


@pytest.mark.parametrize("name", DTYPES)
def test_to_gpu_async_and_get_async_without_a_stream(name):
    host = sample((33,), name)
    a = g.to_gpu_async(host)
    same(a.get_async(), host)


def test_to_gpu_keeps_the_layout():
    host = sample((4, 5, 6), np.float64)
    c = g.to_gpu(host)
    assert c.flags.c_contiguous and c.strides == host.strides
    assert c.get().flags.c_contiguous
    f = g.to_gpu(np.asfortranarray(host))
    assert f.flags.f_contiguous and not f.flags.c_contiguous
    assert f.strides == np.asfortranarray(host).strides
    out = f.get()
    assert out.flags.f_contiguous
    same(out, host)


def test_to_gpu_of_a_strided_host_array_is_compact():
    host = sample((8, 10), np.int32)
    view = host[::2, 1::3]
    a = g.to_gpu(view)
    assert a.flags.c_contiguous and a.strides == (12, 4)
    same(a.get(), view)
    t = g.to_gpu(host.T[::3])
    assert t.flags.f_contiguous
    same(t.get(), host.T[::3])


@pytest.mark.parametrize("host", [np.array(["a"]), np.array([object()]), np.zeros(2, np.longdouble),
                                  np.zeros(2, "datetime64[s]")], ids=lambda h: str(h.dtype))
def test_to_gpu_of_unsupported_dtypes(host):
    if host.dtype == np.float64:  # longdouble is double on this platform
        pytest.skip("longdouble is float64 here")
    with pytest.raises(TypeError, match=re.escape(str(host.dtype))):
        g.to_gpu(host)


def test_to_gpu_accepts_sequences_and_scalars():
    same(g.to_gpu([[1, 2], [3, 4]]).get(), np.array([[1, 2], [3, 4]]))
    z = g.to_gpu(np.float32(2.5))
    assert z.shape == ()
    same(z.get(), np.array(2.5, np.float32))


@pytest.mark.parametrize("order", ["C", "F"])
def test_get_into_a_provided_array(order):
    host = sample((6, 4), np.complex128)
    a = g.to_gpu(host)
    out = np.zeros((6, 4), np.complex128, order=order)
    assert a.get(out) is out
    same(out, host)
    out2 = np.zeros((6, 4), np.complex128, order=order)
    assert a.get(ary=out2, pagelocked=False) is out2
    same(out2, host)


def test_get_into_a_strided_provided_array():
    host = sample((6, 4), np.int16)
    a = g.to_gpu(host)
    big = np.zeros((12, 8), np.int16)
    a.get(ary=big[::2, ::2])
    same(big[::2, ::2], host)
    assert not big[1::2].any() and not big[:, 1::2].any()


def test_get_pagelocked_returns_pinned_memory():
    host = sample((16, 3), np.float32)
    a = g.to_gpu(host)
    out = a.get(pagelocked=True)
    same(out, host)
    attrs, err = g.cudaPointerGetAttributes(out)
    assert err == g.cudaSuccess and attrs.type == g.cudaMemoryTypeHost
    plain = a.get()
    assert g.cudaPointerGetAttributes(plain)[0].type != g.cudaMemoryTypeHost
    t = a.T.get(pagelocked=True)  # keeps the view's axis order too
    assert t.flags.f_contiguous and g.cudaPointerGetAttributes(t)[0].type == g.cudaMemoryTypeHost
    same(t, host.T)


def test_set_size_mismatch():
    a = g.zeros((3, 4), np.float32)
    with pytest.raises(ValueError, match="same size"):
        a.set(np.zeros(13, np.float32))
    with pytest.raises(ValueError, match="same size"):
        a.set_async(np.zeros((4, 4), np.float32))


def test_get_size_mismatch():
    a = g.zeros((3, 4), np.float32)
    with pytest.raises(ValueError, match="same size"):
        a.get(np.zeros(11, np.float32))
    with pytest.raises(ValueError, match="same size"):
        a.get_async(ary=np.zeros((4, 4), np.float32))


@pytest.mark.parametrize("name", DTYPES)
def test_set_dtype_mismatch_is_a_value_error(name):
    a = g.zeros(4, name)
    wrong = np.zeros(4, other_dtype(name))
    with pytest.raises(ValueError, match="same dtype") as info:  # what PyCUDA code catches
        a.set(wrong)
    assert isinstance(info.value, g.DtypeMismatchError) and isinstance(info.value, TypeError)
    assert np.dtype(name).name in str(info.value) and np.dtype(other_dtype(name)).name in str(info.value)


@pytest.mark.parametrize("name", DTYPES)
def test_get_dtype_mismatch_is_a_type_error(name):
    a = g.zeros(4, name)
    with pytest.raises(TypeError, match="same dtype") as info:  # what PyCUDA code catches
        a.get(np.zeros(4, other_dtype(name)))
    assert isinstance(info.value, g.DtypeMismatchError) and isinstance(info.value, ValueError)


def test_dtype_mismatch_error_is_both_kinds():
    assert issubclass(g.DtypeMismatchError, TypeError) and issubclass(g.DtypeMismatchError, ValueError)


def test_set_with_another_shape_warns_and_reshapes():
    host = sample((12,), np.int32)
    a = g.zeros((3, 4), np.int32)
    with pytest.warns(UserWarning, match="different shape"):
        a.set(host)
    same(a.get(), host.reshape(3, 4))


def test_get_into_another_shape_is_deprecated():
    host = sample((3, 4), np.int32)
    a = g.to_gpu(host)
    out = np.zeros(12, np.int32)
    with pytest.warns(DeprecationWarning, match="different shape"):
        result = a.get(out)
    same(result, host)
    same(out, host.ravel())  # the data landed in the caller's array
    assert np.shares_memory(result, out)


def test_get_into_a_read_only_array():
    a = g.zeros(4, np.float32)
    out = np.zeros(4, np.float32)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        a.get(out)
    assert not out.any()


def test_get_into_something_else():
    a = g.zeros(4, np.float32)
    with pytest.raises(TypeError, match="ndarray"):
        a.get([0.0] * 4)


def test_set_from_a_sequence_converts_like_numpy():
    a = g.zeros(3, np.int64)
    a.set([1, 2, 3])
    same(a.get(), np.array([1, 2, 3], np.int64))
    with pytest.raises(g.DtypeMismatchError):
        g.zeros(3, np.float32).set([1.0, 2.0, 3.0])  # numpy makes float64 of these


@pytest.mark.parametrize("order", ["C", "F"])
def test_set_from_other_host_layouts(order):
    host = sample((5, 6), np.float32)
    a = g.GPUArray((5, 6), np.float32, order=order)
    for src in (host, np.asfortranarray(host), host[::-1, ::-1].copy()[::-1, ::-1], host.T.copy().T):
        a.fill(0)
        a.set(src)
        same(a.get(), host)


# ------------------------------------------------------------- stream-ordered

@pytest.fixture
def held(gate):
    """held(stream) -> a gate on `stream`, with garbage collection paused.

    Freeing device memory synchronises the device (cudaFree, as CUDA), so a
    collection that frees an earlier test's array while the gate holds the
    stream would wait for the gate: collect first, then pause the collector
    until the test ends.
    """
    gc.collect()
    gc.disable()
    try:
        yield lambda stream: gate(stream._stream if isinstance(stream, drv.Stream) else stream)
    finally:
        gc.enable()


def test_get_into_pinned_memory_waits_for_the_stream(held):
    host = sample((64, 64), np.float32)
    a = g.to_gpu(host)
    s = drv.Stream()
    pinned = drv.pagelocked_empty(host.shape, host.dtype)
    pinned[...] = 0
    gt = held(s)
    assert a.get(ary=pinned, async_=True, stream=s) is pinned
    assert not pinned.any()  # queued behind the gate: nothing copied yet
    gt.open()
    s.synchronize()
    same(pinned, host)


def test_get_async_with_a_runtime_stream(held):
    host = sample((1000,), np.int64)
    a = g.to_gpu(host)
    stream, err = g.cudaStreamCreate()
    assert err == g.cudaSuccess
    try:
        pinned = drv.pagelocked_empty(host.shape, host.dtype)
        pinned[...] = -1
        gt = held(stream)
        a.get_async(stream, pinned)
        assert (pinned == -1).all()
        gt.open()
        assert g.cudaStreamSynchronize(stream) == g.cudaSuccess
        same(pinned, host)
    finally:
        g.cudaStreamSynchronize(stream)
        g.cudaStreamDestroy(stream)


def test_get_pagelocked_async(held):
    host = sample((8, 9), np.complex64)
    a = g.to_gpu(host)
    s = drv.Stream()
    gt = held(s)
    out = a.get(pagelocked=True, async_=True, stream=s)
    assert g.cudaPointerGetAttributes(out)[0].type == g.cudaMemoryTypeHost
    gt.open()
    s.synchronize()
    same(out, host)


def test_set_async_from_pinned_memory_is_truly_asynchronous(held):
    """The copy reads the pinned buffer when it runs on the stream, not when
    set_async is called: changing the buffer before the stream reaches the
    copy changes what the device gets (as on hardware, so callers must not
    touch the buffer until the stream is synchronised)."""
    a = g.zeros(256, np.float64)
    s = drv.Stream()
    pinned = drv.pagelocked_empty(256, np.float64)
    pinned[...] = 1.0
    gt = held(s)
    a.set_async(pinned, stream=s)
    pinned[...] = 2.0
    gt.open()
    s.synchronize()
    same(a.get(), np.full(256, 2.0))


def test_set_async_from_pageable_memory_is_staged_at_call_time(held):
    """From pageable memory the data is staged when set_async returns (CUDA's
    rule), so later changes to the host buffer do not reach the device."""
    a = g.zeros(256, np.float64)
    s = drv.Stream()
    host = np.full(256, 1.0)
    gt = held(s)
    a.set(host, async_=True, stream=s)
    host[...] = 2.0
    gt.open()
    s.synchronize()
    same(a.get(), np.full(256, 1.0))


def test_set_async_on_a_runtime_stream_is_ordered(held):
    stream, err = g.cudaStreamCreate()
    assert err == g.cudaSuccess
    try:
        a = g.zeros(100, np.int32)
        pinned = drv.pagelocked_empty(100, np.int32)
        pinned[...] = np.arange(100)
        gt = held(stream)
        a.set_async(pinned, stream=stream)
        gt.open()
        assert g.cudaStreamSynchronize(stream) == g.cudaSuccess
        same(a.get(), np.arange(100, dtype=np.int32))
    finally:
        g.cudaStreamSynchronize(stream)
        g.cudaStreamDestroy(stream)


def test_to_gpu_async_on_a_stream(held):
    s = drv.Stream()
    pinned = drv.pagelocked_empty((10, 10), np.float32)
    pinned[...] = sample((10, 10), np.float32)
    expected = pinned.copy()
    gt = held(s)
    a = g.to_gpu_async(pinned, stream=s)
    assert a.shape == (10, 10) and a.dtype == np.float32
    gt.open()
    s.synchronize()
    same(a.get(), expected)


def test_stream_ordered_strided_copies(held):
    host = sample((6, 8), np.float32)
    a = g.to_gpu(host)
    s = drv.Stream()
    b = g.zeros((6, 4), np.float32)
    b.set(host[:, ::2], async_=True, stream=s)
    s.synchronize()
    same(b.get(), host[:, ::2])
    pinned = drv.pagelocked_empty((3, 8), np.float32)
    a[::2].get(ary=pinned, async_=True, stream=s)
    s.synchronize()
    same(pinned, host[::2])


def test_copy_on_a_stream(held):
    host = sample((20, 30), np.float32)
    a = g.to_gpu(host)
    s = drv.Stream()
    gt = held(s)
    c = a.copy(stream=s)
    t = a[::2, ::-3].copy(stream=s)
    gt.open()
    s.synchronize()
    same(c.get(), host)
    same(t.get(), host[::2, ::-3])


def test_bad_stream_argument():
    a = g.zeros(4)
    with pytest.raises(TypeError):
        a.get(stream="not a stream")
    with pytest.raises(TypeError):
        a.set(np.zeros(4), async_=True, stream=3.5)


# ------------------------------------------------------------------- fill

FILL_VALUES = [0, 1, -1, 2.5, 1 + 2j, True, 300, -129, np.float32(0.25)]


def _numpy_fill(shape, dtype, value):
    """(array, None) or (None, exception type): what numpy's fill does, warnings as errors."""
    import warnings

    ref = np.zeros(shape, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            ref.fill(value)
        except Exception as exc:
            return None, type(exc)
    return ref, None


@pytest.mark.parametrize("value", FILL_VALUES, ids=repr)
@pytest.mark.parametrize("name", DTYPES)
def test_fill_every_dtype_like_numpy(name, value):
    a = g.to_gpu(sample((4, 5), name))
    expected, exc = _numpy_fill((4, 5), name, value)
    if exc is not None:
        with pytest.raises(exc):
            a.fill(value)
        return
    assert a.fill(value) is a
    same(a.get(), expected)


@pytest.mark.parametrize("name", DTYPES)
def test_fill_strided_views(name):
    host = sample((6, 7), name)
    a = g.to_gpu(host)
    one = np.ones((), name)[()]
    for index in [(slice(None), slice(None, None, 2)), (slice(None, None, -2),), (2,), (slice(1, 4), 3)]:
        a[index].fill(one)
        host[index] = one
        same(a.get(), host)
    a.T[1:3].fill(0)
    host.T[1:3] = 0
    same(a.get(), host)


@pytest.mark.parametrize(("value", "memset"), [(0, True), (-1, True), (0x0101, True), (1, False), (2.5, False)])
def test_fill_uses_memset_when_all_bytes_are_equal(monkeypatch, value, memset):
    calls = []
    real = g.gpuarray._core.cudaMemset

    def spy(ptr, byte, count):
        calls.append((ptr, byte, count))
        return real(ptr, byte, count)

    monkeypatch.setattr(g.gpuarray._core, "cudaMemset", spy)
    dtype = np.int16 if isinstance(value, int) else np.float32
    a = g.to_gpu(sample(100, dtype))
    a.fill(value)
    same(a.get(), np.full(100, value, dtype))
    assert bool(calls) == memset
    if memset:
        assert calls == [(a.ptr, np.array(value, dtype).tobytes()[0], 200)]
    calls.clear()
    a[::2].fill(0)  # not contiguous: staged
    assert calls == []
    same(a.get()[::2], np.zeros(50, dtype))


def test_fill_on_a_stream(held):
    a = g.to_gpu(np.arange(50, dtype=np.int32))
    s = drv.Stream()
    gt = held(s)
    a.fill(0, stream=s)
    a[10:20].fill(7, stream=s)
    gt.open()
    s.synchronize()
    expected = np.zeros(50, np.int32)
    expected[10:20] = 7
    same(a.get(), expected)


def test_fill_rejects_arrays_and_non_numbers():
    a = g.zeros(3)
    with pytest.raises((TypeError, ValueError)):
        a.fill("x")
    with pytest.raises((TypeError, ValueError)):
        a.fill(np.ones(3))


# ----------------------------------------------------------- 0-d and size 0

def test_zero_dimensional_arrays():
    a = g.to_gpu(np.array(3.5, np.float32))
    assert a.shape == () and a.size == 1 and a.strides == () and a.ndim == 0
    same(a.get(), np.array(3.5, np.float32))
    a.set(np.array(-1.0, np.float32))
    same(a.get(), np.array(-1.0, np.float32))
    a.fill(7)
    same(a.get(), np.array(7.0, np.float32))
    b = a.copy()
    assert b.ptr != a.ptr and b.shape == ()
    same(b.get(), np.array(7.0, np.float32))
    same(a[()].get(), np.array(7.0, np.float32))
    same(a[...].get(), np.array(7.0, np.float32))
    same(a[None].get(), np.array([7.0], np.float32))
    assert a.flags.c_contiguous and a.flags.f_contiguous
    out = np.zeros((), np.float32)
    assert a.get(out) is out and out == 7


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4, 2)])
def test_size_zero_arrays(shape):
    host = np.zeros(shape, np.float64)
    a = g.to_gpu(host)
    assert a.size == 0 and a.nbytes == 0 and a.ptr == 0
    same(a.get(), host)
    same(a.get(pagelocked=True), host)
    a.set(host)
    assert a.fill(1) is a
    same(a.copy().get(), host)
    same(a.T.get(), host.T)
    same(a[..., :0].get(), host[..., :0])
    out = np.empty(shape)
    assert a.get(out) is out
    with pytest.raises(ValueError, match="same size"):
        a.set(np.zeros(1))
    same(g.zeros(shape).get(), host)
    same(g.ones(shape, np.int8).get(), np.ones(shape, np.int8))


# --------------------------------------------------------- Python protocol

def test_len():
    assert len(g.zeros((4, 3))) == 4
    assert len(g.zeros(0)) == 0
    with pytest.raises(TypeError, match="unsized"):
        len(g.zeros(()))


@pytest.mark.parametrize(("host", "truth"), [
    (np.array(0.0), False), (np.array(2), True), (np.array([0]), False), (np.array([[5]]), True),
    (np.array(True), True), (np.array(0j), False), (np.array([1e-30], np.float32), True),
])
def test_bool_of_one_element(host, truth):
    assert bool(g.to_gpu(host)) is truth


@pytest.mark.parametrize("shape", [(2,), (0,), (2, 2), (1, 0)])
def test_bool_of_other_sizes_is_ambiguous(shape):
    with pytest.raises(ValueError, match="ambiguous"):
        bool(g.zeros(shape))


def test_not_hashable():
    with pytest.raises(TypeError, match="not hashable"):
        hash(g.zeros(3))
    with pytest.raises(TypeError):
        {g.zeros(3)}


@pytest.mark.parametrize("host", [
    np.arange(6, dtype=np.float32).reshape(2, 3), np.array(3 + 4j), np.zeros((0, 2), np.int8),
    np.array([True, False]), np.arange(2000, dtype=np.int64),
], ids=["2-D", "0-d", "empty", "bool", "long"])
def test_repr_and_str_match_numpy(host):
    a = g.to_gpu(host)
    assert repr(a) == repr(host) and str(a) == str(host)
    assert repr(a.T) == repr(host.T)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("name", DTYPES)
def test_pickle_round_trip(name, order):
    host = np.asarray(sample((3, 4), name), order=order)
    a = g.to_gpu(host)
    b = pickle.loads(pickle.dumps(a))
    assert isinstance(b, g.GPUArray) and b.ptr != a.ptr
    assert b.shape == a.shape and b.dtype == a.dtype
    same(b.get(), a.get())


@pytest.mark.parametrize("host", [np.array(2.5), np.zeros((0, 3), np.int16)], ids=["0-d", "empty"])
def test_pickle_of_small_arrays(host):
    same(pickle.loads(pickle.dumps(g.to_gpu(host))).get(), host)


def test_pickle_of_a_view():
    host = sample((6, 6), np.int32)
    v = g.to_gpu(host)[1::2, ::-1]
    same(pickle.loads(pickle.dumps(v)).get(), host[1::2, ::-1])


# ------------------------------------------------------------ module functions

def test_empty_zeros_ones():
    e = g.empty((2, 3), np.int16)
    assert isinstance(e, g.GPUArray) and e.shape == (2, 3) and e.dtype == np.int16
    z = g.zeros((2, 3))
    assert z.dtype == np.float64  # PyCUDA's default
    same(z.get(), np.zeros((2, 3)))
    o = g.ones(5)
    same(o.get(), np.ones(5))
    f = g.ones((2, 3), np.complex64, order="F")
    assert f.flags.f_contiguous and f.strides == np.ones((2, 3), np.complex64, order="F").strides
    same(f.get(), np.ones((2, 3), np.complex64))
    with pytest.raises(ValueError, match="invalid order"):
        g.zeros(3, order="Q")


@pytest.mark.parametrize("name", DTYPES)
def test_zeros_and_ones_every_dtype(name):
    same(g.zeros((3, 2), name).get(), np.zeros((3, 2), name))
    same(g.ones((3, 2), name).get(), np.ones((3, 2), name))


LIKE_SOURCES = {  # (view applied to numpy and GPUArray alike, order of the base array)
    "C": (lambda x: x, "C"),
    "F": (lambda x: x, "F"),
    "sliced": (lambda x: x[:, ::2], "C"),
    "transposed sliced": (lambda x: x.transpose((1, 2, 0))[::2], "C"),
    "F sliced": (lambda x: x[1:3, :, 1:], "F"),
    "reversed": (lambda x: x[::-1, :, ::-1], "C"),
    "1-D strided": (lambda x: x[:, 0, 0], "C"),
    "length-1 axis": (lambda x: x[:, :1], "F"),
}


@pytest.mark.parametrize("dtype", [None, np.int8, np.complex128])
@pytest.mark.parametrize("order", ["K", "A", "C", "F"])
@pytest.mark.parametrize("source", list(LIKE_SOURCES))
def test_like_functions_follow_numpy(source, order, dtype):
    fn_view, base_order = LIKE_SOURCES[source]
    host = np.asarray(sample((4, 6, 5), np.float32), order=base_order)
    ref, view = fn_view(host), fn_view(g.to_gpu(host))
    assert view.strides == ref.strides
    expect_dtype = ref.dtype if dtype is None else np.dtype(dtype)
    for fn, npfn, value in ((g.empty_like, np.empty_like, None), (g.zeros_like, np.zeros_like, 0),
                            (g.ones_like, np.ones_like, 1)):
        out = fn(view, dtype=dtype, order=order)
        expected = npfn(ref, dtype=dtype, order=order)
        assert out.dtype == expect_dtype and out.shape == ref.shape
        assert out.strides == expected.strides, (fn.__name__, out.strides, expected.strides)
        assert out.flags.c_contiguous == expected.flags.c_contiguous
        assert out.flags.f_contiguous == expected.flags.f_contiguous
        if value is not None:
            same(out.get(), expected)


def test_like_functions_default_to_order_k_and_the_source_allocator(dev_alloc):
    rec = Recorder(dev_alloc)
    a = g.GPUArray((3, 4), np.float64, allocator=rec, order="F")
    for fn in (g.empty_like, g.zeros_like, g.ones_like):
        out = fn(a)
        assert out.flags.f_contiguous and not out.flags.c_contiguous and out.allocator is rec
    assert rec.calls == [96] * 4


def test_like_functions_bad_order():
    for fn in (g.empty_like, g.zeros_like, g.ones_like):
        with pytest.raises(ValueError, match="invalid order"):
            fn(g.zeros(3), order="X")
    with pytest.raises(TypeError, match="not supported"):
        g.zeros_like(g.zeros(3), dtype=object)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_concatenate_like_numpy(axis):
    hosts = [sample((2, 3, 4), np.int32, seed=i) for i in range(3)]
    arrays = [g.to_gpu(h) for h in hosts]
    out = g.concatenate(arrays, axis=axis)
    assert isinstance(out, g.GPUArray)
    same(out.get(), np.concatenate(hosts, axis=axis))


def test_concatenate_different_lengths_and_layouts():
    h1, h2 = sample((2, 5), np.float32), sample((4, 5), np.float32, seed=1)
    f2 = g.to_gpu(np.asfortranarray(h2))
    strided = g.to_gpu(sample((6, 10), np.float32, seed=2))[::2, ::2]
    out = g.concatenate((g.to_gpu(h1), f2, strided))  # a tuple, F order and a strided view
    same(out.get(), np.concatenate([h1, h2, sample((6, 10), np.float32, seed=2)[::2, ::2]]))
    same(g.concatenate([g.to_gpu(h1)]).get(), h1)
    same(g.concatenate(g.to_gpu(h) for h in (h1, h2)).get(), np.concatenate([h1, h2]))


def test_concatenate_errors():
    a, b = g.zeros((2, 3)), g.zeros((2, 4))
    with pytest.raises(ValueError, match="do not match"):
        g.concatenate([a, b])
    with pytest.raises(ValueError, match="do not match"):
        g.concatenate([a, g.zeros((2, 3, 1))])
    same(g.concatenate([a, b], axis=1).get(), np.zeros((2, 7)))
    with pytest.raises(g.DtypeMismatchError, match="dtype"):
        g.concatenate([a, g.zeros((2, 3), np.float32)])
    with pytest.raises(ValueError, match="at least one"):
        g.concatenate([])
    with pytest.raises(ValueError, match="out of bounds"):
        g.concatenate([a, a], axis=2)
    with pytest.raises(ValueError, match="zero-dimensional"):
        g.concatenate([g.zeros(()), g.zeros(())])
    with pytest.raises(TypeError, match="GPUArray"):
        g.concatenate([a, np.zeros((2, 3))])


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack_like_numpy(axis):
    hosts = [sample((3, 4), np.complex64, seed=i) for i in range(4)]
    out = g.stack([g.to_gpu(h) for h in hosts], axis=axis)
    same(out.get(), np.stack(hosts, axis=axis))


def test_stack_errors():
    with pytest.raises(ValueError, match="same shape"):
        g.stack([g.zeros(3), g.zeros(4)])
    with pytest.raises(ValueError, match="at least one"):
        g.stack([])
    with pytest.raises(ValueError, match="out of bounds"):
        g.stack([g.zeros(3), g.zeros(3)], axis=2)
    with pytest.raises(g.DtypeMismatchError):
        g.stack([g.zeros(3), g.zeros(3, np.int64)])


def test_module_transpose_and_reshape():
    host = sample((2, 3, 4), np.uint16)
    a = g.to_gpu(host)
    same(g.transpose(a).get(), np.transpose(host))
    same(g.transpose(a, (1, 0, 2)).get(), np.transpose(host, (1, 0, 2)))
    same(g.reshape(a, (4, 6)).get(), host.reshape(4, 6))
    same(g.reshape(a, (4, -1), order="F").get(), host.reshape((4, -1), order="F"))


# ------------------------------------------------- operations needing kernels

KERNEL_OPS = {  # the operations of later slices (take, arange): still NotImplementedError
    "take": g.take,
}


@pytest.mark.parametrize("op", list(KERNEL_OPS))
def test_kernel_operations_raise(op):
    a, b = g.ones(3), g.ones(3)
    with pytest.raises(NotImplementedError, match="kernel"):
        KERNEL_OPS[op](a, b)


def test_astype_to_the_same_dtype_is_a_copy():
    host = sample((3, 4), np.float32)
    a = g.to_gpu(host)
    b = a.astype(np.float32)
    assert b is not a and b.ptr != a.ptr and b.dtype == np.float32
    same(b.get(), host)
    b.fill(0)
    same(a.get(), host)
    with pytest.raises(TypeError, match="not supported"):
        a.astype(object)


def test_real_conj_and_imag_of_real_arrays_need_no_kernel():
    """PyCUDA: ``real`` and ``conj()`` of a real array are the array itself,
    ``imag`` is ``zeros_like``; none of them launches a kernel."""
    host = sample((3, 2), np.float32)
    a = g.to_gpu(host)
    assert a.real is a
    same(a.conj().get(), host)
    same(a.conjugate().get(), host)
    imag = a.imag
    same(imag.get(), np.zeros((3, 2), np.float32))


# --------------------------------------------------- the original PyGPU extras

def test_allocate_returns_success():
    a = g.zeros(4)
    err = a.allocate()
    assert err == g.cudaSuccess and isinstance(err, g.cudaError_t)


def test_last_status_starts_as_success():
    assert g.zeros(4).last_status() == g.cudaSuccess


def test_to_device_and_to_host_use_the_associated_host_array():
    host = sample(10, np.float32)
    a = g.to_gpu(host)
    host[:] = 5.0  # the associated host array is the caller's
    assert a.to_device() == g.cudaSuccess and a.last_status() == g.cudaSuccess
    a.fill(-1)
    assert a.to_host() == g.cudaSuccess and a.last_status() == g.cudaSuccess
    same(host, np.full(10, -1.0, np.float32))


def test_the_associated_host_array_is_the_last_one_set():
    a = g.to_gpu(np.zeros(4, np.int32))
    mine = np.arange(4, dtype=np.int32)
    a.set(mine)
    a.fill(3)
    assert a.to_host() == g.cudaSuccess
    same(mine, np.full(4, 3, np.int32))
    got = a.get()  # a get() result is the caller's, never the associated host array
    got[:] = 9
    assert a.to_device() == g.cudaSuccess  # sends `mine`
    same(a.get(), np.full(4, 3, np.int32))


@pytest.mark.parametrize("n", [16, (1 << 20) // 4 + 1])  # a fresh array, and a recycled host block
def test_get_does_not_keep_its_result_alive(n):
    a = g.to_gpu(np.arange(n, dtype=np.float32))
    result = a.get()
    ref = weakref.ref(result)
    del result
    gc.collect()
    assert ref() is None
    assert a.to_device() == g.cudaSuccess  # the host side is to_gpu's array, alive with `a`


def test_a_later_get_does_not_alias_an_earlier_one():
    a = g.zeros(8, np.int32)
    first = a.get()
    first[:] = 7
    second = a.get()
    assert not np.shares_memory(first, second)
    same(second, np.zeros(8, np.int32))
    same(first, np.full(8, 7, np.int32))
    assert a.to_device() == g.cudaErrorInvalidValue  # no host side: get() made none


def test_the_seed_host_side_is_made_by_to_host_and_kept():
    a = g.zeros(4, np.int32).fill(2)
    assert a.to_host() == g.cudaSuccess
    ptr = a.host_data()
    assert [ptr[i] for i in range(4)] == [2] * 4
    host = a._host
    a.fill(5)
    assert a.to_host() == g.cudaSuccess and a._host is host  # the same host side, refilled
    assert [ptr[i] for i in range(4)] == [5] * 4
    host[:] = 8
    assert a.to_device() == g.cudaSuccess
    same(a.get(), np.full(4, 8, np.int32))
    assert not np.shares_memory(a.get(), host)


def test_to_host_without_a_host_array_makes_one():
    a = g.zeros((2, 3), np.int32)
    a.fill(4)
    assert a.to_host() == g.cudaSuccess
    ptr = a.host_data()
    assert ptr.is_safe() and not ptr.is_device()
    assert [ptr[i] for i in range(6)] == [4] * 6


def test_host_data_points_at_the_host_array():
    host = sample(6, np.int64)
    a = g.to_gpu(host)
    ptr = a.host_data()
    assert int(ptr) == host.ctypes.data and ptr.is_safe()
    assert ptr[2] == host[2]


def test_device_data_points_at_element_zero():
    a = g.to_gpu(sample((4, 4), np.float64))
    ptr = a.device_data()
    assert int(ptr) == a.ptr and ptr.is_device() and not ptr.is_safe()
    assert isinstance(ptr, g.pointer_wrapper_float64)
    view_ptr = a[1:, 2].device_data()
    assert int(view_ptr) == a.ptr + 4 * 8 + 2 * 8 and isinstance(view_ptr, g.pointer_wrapper_float64)


def test_to_device_without_a_host_array_fails():
    a = g.GPUArray(4, np.float32)
    err = a.to_device()
    assert err == g.cudaErrorInvalidValue
    assert a.last_status() == g.cudaErrorInvalidValue  # the status of the last to_device()


def test_to_host_failure_is_returned_and_kept():
    raw, err = g.cudaMalloc(16)
    assert err == g.cudaSuccess
    a = g.GPUArray(4, np.float32, gpudata=int(raw))
    a.set(np.zeros(4, np.float32))
    assert g.cudaFree(raw) == g.cudaSuccess
    err = a.to_host()
    assert err == g.cudaErrorInvalidValue
    assert a.last_status() == g.cudaErrorInvalidValue
    g.cudaGetLastError()


# --- layouts too large or malformed (issue 14) ----------------------------------------


@pytest.mark.parametrize("shape", [(2**62, 4), (0, 2**62), (2**40, 2**40)])
def test_shape_too_large_for_memory_is_refused(shape):
    """numpy's rule, as DeviceArray_<dtype>: a broadcast (2**40, 2**40) with
    zero strides claimed 2**80 elements."""
    text = re.escape(str(shape))
    with pytest.raises(ValueError, match=rf"^shape {text} of 4-byte elements is too large: more than 2\*\*63 - 1 byte"):
        g.GPUArray(shape, np.float32, strides=(0,) * len(shape))
    with pytest.raises(ValueError, match=rf"^shape {text} of 4-byte elements is too large"):
        g.empty(shape, np.float32)


@pytest.mark.parametrize(("strides", "error", "message"), [
    ([4.7], TypeError, r"^strides must hold ints, got float$"),
    (np.zeros(1), TypeError, r"^strides must hold ints, got float64$"),
    ([True], TypeError, r"^strides must hold ints, got bool$"),
    (4, TypeError, r"^strides must be an iterable of ints, got int$"),
    ([2**63], ValueError, r"^stride 9223372036854775808 is out of range"),
    ([4, 4], ValueError, r"^strides \(4, 4\) do not match the 1-dimensional shape$"),
])
def test_malformed_strides_are_refused(strides, error, message):
    """A float stride was truncated by int() (4.7 -> 4)."""
    with pytest.raises(error, match=message):
        g.GPUArray((2,), np.float32, strides=strides)


def test_deprecated_numpy_alias_is_refused_as_a_dtype():
    """numpy 2 deprecates the alias 'a' (for 'S'); with warnings as errors (as this suite runs) its
    DeprecationWarning escaped from the constructor instead of the TypeError any unsupported dtype gets."""
    with pytest.raises(TypeError, match=r"^b'a' is not a dtype GPUArray supports: Data type alias 'a' was deprecated"):
        g.GPUArray((2,), b"a")
    with pytest.raises(TypeError, match=r"^b'a' is not a dtype GPUArray supports"):
        g.zeros(2, b"a")


def test_dtype_string_numpy_cannot_parse_is_a_type_error():
    """numpy.dtype(b",") raises SyntaxError from its comma-string parser (found by the hostile suite)."""
    with pytest.raises(TypeError, match=r"^b',' is not a dtype GPUArray supports: "):
        g.GPUArray((2,), b",")
