"""DLPack and __cuda_array_interface__ interchange: GPUArray.__dlpack__,
__dlpack_device__, PyGPU.from_dlpack / asarray, and the capsule layer in
PyGPU._core (_dlpack_export / _dlpack_import).

The capsule contents are read back with ctypes through a transcription of
dlpack.h written here, independently of bindings/dlpack.cpp, so the ABI is
checked and foreign capsules (other dtypes, devices, versions) can be made."""

from __future__ import annotations

import ctypes
import gc
import re
import sys
import threading
import types

import numpy as np
import pytest

import PyGPU as g
from helpers import run_python
from PyGPU import _core, _dlpack, tools
from PyGPU.gpuarray import GPUArray

# --- dlpack.h, for reading and forging capsules ----------------------------------


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32), ("dtype", DLDataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


class DLPackVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class DLManagedTensor(ctypes.Structure):
    pass


DELETER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)  # a CFUNCTYPE call releases the GIL
DLManagedTensor._fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", DELETER)]


class DLManagedTensorVersioned(ctypes.Structure):
    _fields_ = [("version", DLPackVersion), ("manager_ctx", ctypes.c_void_p), ("deleter", DELETER),
                ("flags", ctypes.c_uint64), ("dl_tensor", DLTensor)]


_get_name = ctypes.pythonapi.PyCapsule_GetName
_get_name.restype, _get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
_get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_get_pointer.restype, _get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
_set_name = ctypes.pythonapi.PyCapsule_SetName
_set_name.restype, _set_name.argtypes = ctypes.c_int, [ctypes.py_object, ctypes.c_char_p]
# A capsule keeps the name pointer it is given: these must outlive the capsules.
USED_NAMES = {b"dltensor": ctypes.c_char_p(b"used_dltensor"),
              b"dltensor_versioned": ctypes.c_char_p(b"used_dltensor_versioned")}


def capsule_name(capsule) -> str:
    return _get_name(capsule).decode()


def managed(capsule):
    """The DLManagedTensor(Versioned) inside an unconsumed capsule (valid while the capsule lives)."""
    name = _get_name(capsule)
    struct = DLManagedTensorVersioned if name == b"dltensor_versioned" else DLManagedTensor
    return struct.from_address(_get_pointer(capsule, name))


# --- arrays ------------------------------------------------------------------------

SIM = g.backend == "sim"
DEVICE_TYPE = 10 if g.backend == "hip" else 2


def sample(dtype, shape=(3, 4)) -> np.ndarray:
    n = int(np.prod(shape))
    dt = np.dtype(dtype)
    if dt.kind == "b":
        host = np.arange(n) % 3 == 0
    elif dt.kind == "c":
        host = (np.arange(n) + 1j * (np.arange(n) - 5)).astype(dt)
    elif dt.kind == "i":
        host = (np.arange(n) - n // 2).astype(dt)
    else:
        host = np.arange(n).astype(dt)
    return host.reshape(shape)


def free_memory() -> int:
    tools.default_pool().free_held()  # blocks of dropped arrays wait there for reuse; live ones stay
    (free, _total), err = g.cudaMemGetInfo()
    assert err == g.cudaSuccess
    return free


LAYOUTS = {
    "C": lambda a: a,
    "F": lambda a: g.to_gpu(np.asfortranarray(a.get())),
    "sliced": lambda a: a[1:, ::2],
    "transposed": lambda a: a.T,
    "negative": lambda a: a[::-1, ::-2],
    "row": lambda a: a[1],
    "scalar": lambda a: a[1, 2],
    "empty": lambda a: a[:, 4:],
}


@pytest.fixture
def array():
    return g.to_gpu(sample(np.float32))


# --- __dlpack_device__ ---------------------------------------------------------------


def test_dlpack_device_is_cuda_on_sim(array):
    assert array.__dlpack_device__() == (DEVICE_TYPE, 0)
    assert _dlpack.device(array) == (DEVICE_TYPE, 0)
    if SIM:
        assert array.__dlpack_device__() == (2, 0)


def test_dlpack_device_reports_the_owning_device():
    assert g.cudaSetDevice(1) == g.cudaSuccess
    a = g.to_gpu(sample(np.int32))
    # The upload may still be queued on device 1's legacy stream, which reads
    # made with device 0 current are not ordered after.
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    assert g.cudaSetDevice(0) == g.cudaSuccess
    assert a.__dlpack_device__() == (DEVICE_TYPE, 1)
    v = g.from_dlpack(a)
    assert v.__dlpack_device__() == (DEVICE_TYPE, 1)
    assert np.array_equal(v.get(), a.get())


def test_dlpack_device_of_an_empty_array_is_the_current_device():
    assert g.cudaSetDevice(1) == g.cudaSuccess
    empty = types.SimpleNamespace(ptr=0)
    assert _dlpack.device(empty) == (DEVICE_TYPE, 1)


# --- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize("max_version", [None, (1, 0)], ids=["legacy", "versioned"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_round_trip_keeps_layout_and_data(array, layout, max_version):
    src = LAYOUTS[layout](array)
    capsule = src.__dlpack__(max_version=max_version)
    view = g.from_dlpack(capsule)
    assert isinstance(view, GPUArray)
    assert (view.shape, view.strides, view.dtype) == (src.shape, src.strides, src.dtype)
    assert view.ptr == (src.ptr if src.size else 0)  # dlpack.h: no data pointer for an empty tensor
    assert np.array_equal(view.get(), src.get())


@pytest.mark.parametrize("dtype", g.dtypes)
def test_every_dtype_round_trips(dtype):
    host = sample(dtype)
    a = g.to_gpu(host)
    for max_version in (None, (1, 0)):
        view = g.from_dlpack(a.__dlpack__(max_version=max_version))
        assert view.dtype == np.dtype(dtype)
        assert np.array_equal(view.get(), host)


@pytest.mark.parametrize(("dtype", "code", "bits"), [
    ("int8", 0, 8), ("int64", 0, 64), ("uint16", 1, 16), ("uint64", 1, 64), ("float16", 2, 16),
    ("float32", 2, 32), ("float64", 2, 64), ("complex64", 5, 64), ("complex128", 5, 128), ("bool", 6, 8)])
def test_exported_dtype_codes(dtype, code, bits):
    a = g.to_gpu(sample(dtype))
    capsule = a.__dlpack__(max_version=(1, 0))
    m = managed(capsule)
    assert (m.dl_tensor.dtype.code, m.dl_tensor.dtype.bits, m.dl_tensor.dtype.lanes) == (code, bits, 1)


def test_from_dlpack_accepts_the_producer_object(array):
    view = g.from_dlpack(array)
    assert view.ptr == array.ptr and np.array_equal(view.get(), array.get())
    assert view.base is not array  # the keepalive, which holds the capsule's reference to `array`
    assert isinstance(view.base, _core._DLPackKeepalive) and view.base.alive


def test_writes_through_the_view_reach_the_producer(array):
    view = g.from_dlpack(array)
    view.set(np.full(view.shape, 7, np.float32))
    assert np.array_equal(array.get(), np.full(array.shape, 7, np.float32))


# --- capsules ------------------------------------------------------------------------------


@pytest.mark.parametrize(("max_version", "name"), [
    (None, "dltensor"), ((0, 8), "dltensor"), ((1, 0), "dltensor_versioned"), ((1, 7), "dltensor_versioned"),
    ((2, 0), "dltensor_versioned")])
def test_max_version_selects_the_capsule(array, max_version, name):
    capsule = array.__dlpack__(max_version=max_version)
    assert capsule_name(capsule) == name
    g.from_dlpack(capsule)
    assert capsule_name(capsule) == "used_" + name


def test_versioned_capsule_contents(array):
    src = array[::-1, 1:]
    capsule = src.__dlpack__(max_version=(1, 0))
    m = managed(capsule)
    assert (m.version.major, m.version.minor) == (1, 1)
    assert m.flags == 0
    t = m.dl_tensor
    assert (t.device.device_type, t.device.device_id) == (DEVICE_TYPE, 0)
    assert t.data == src.ptr and t.byte_offset == 0
    assert t.ndim == 2 and [t.shape[i] for i in range(2)] == [3, 3]
    assert [t.strides[i] for i in range(2)] == [-4, 1]  # elements, not bytes


def test_legacy_capsule_contents(array):
    capsule = array.T.__dlpack__()
    m = managed(capsule)
    t = m.dl_tensor
    assert [t.shape[i] for i in range(2)] == [4, 3] and [t.strides[i] for i in range(2)] == [1, 4]
    assert t.data == array.ptr


def test_capsule_used_twice_is_refused(array):
    capsule = array.__dlpack__(max_version=(1, 0))
    view = g.from_dlpack(capsule)
    with pytest.raises(ValueError, match="_dlpack_import: this DLPack capsule was already consumed"):
        g.from_dlpack(capsule)
    with pytest.raises(ValueError, match="_dlpack_import: this DLPack capsule was already consumed"):
        _core._dlpack_import(capsule)
    assert np.array_equal(view.get(), array.get())


@pytest.mark.parametrize("max_version", [None, (1, 0)], ids=["legacy", "versioned"])
def test_unconsumed_capsule_releases_the_owner(array, max_version):
    before = sys.getrefcount(array) - 1
    capsule = array.__dlpack__(max_version=max_version)
    assert sys.getrefcount(array) - 1 == before + 1
    del capsule
    assert sys.getrefcount(array) - 1 == before


def test_keepalive_releases_the_owner_when_the_view_goes(array):
    before = sys.getrefcount(array) - 1
    view = g.from_dlpack(array.__dlpack__(max_version=(1, 0)))
    assert sys.getrefcount(array) - 1 == before + 1
    keep = view.base
    del view
    assert keep.alive and sys.getrefcount(array) - 1 == before + 1
    del keep
    assert sys.getrefcount(array) - 1 == before


def test_producer_memory_lives_until_the_view_goes():
    gc.collect()
    start = free_memory()
    a = g.to_gpu(np.arange(1 << 20, dtype=np.float64))  # 8 MiB
    allocated = start - free_memory()
    assert allocated >= 8 << 20
    view = g.from_dlpack(a)
    del a
    gc.collect()
    assert start - free_memory() == allocated  # still allocated: the view keeps it
    assert np.array_equal(view[:4].get(), np.arange(4, dtype=np.float64))
    del view
    gc.collect()
    assert free_memory() == start


def test_export_rejects_strides_that_are_not_whole_elements():
    with pytest.raises(ValueError,
                       match=r"_dlpack_export: strides_bytes\[0\] = 6 is not a multiple of the float32 item size"):
        _core._dlpack_export(0, (3,), (6,), "float32", 2, 0, None, True, False)
    odd = types.SimpleNamespace(ptr=0, shape=(3, 2), strides=(6, 4), dtype=np.dtype(np.float32))
    with pytest.raises(BufferError, match=r"__dlpack__: strides_bytes\[0\] = 6 is not a multiple"):
        _dlpack.to_capsule(odd)


def test_export_allows_any_stride_on_axes_of_extent_one():
    capsule = _core._dlpack_export(4096, (1, 3), (6, 4), "float32", 2, 0, None, True, False)
    assert [managed(capsule).dl_tensor.strides[i] for i in range(2)][1] == 1


def test_export_rejects_unknown_dtypes_and_mismatched_strides():
    with pytest.raises(TypeError, match="_dlpack_export: dtype 'float128' has no DLPack export in PyGPU"):
        _core._dlpack_export(0, (3,), (16,), "float128", 2, 0, None, True, False)
    with pytest.raises(ValueError, match="_dlpack_export: shape has 2 dimensions but strides_bytes has 1"):
        _core._dlpack_export(0, (3, 1), (4,), "float32", 2, 0, None, True, False)
    with pytest.raises(ValueError, match="_dlpack_export: a legacy 'dltensor' capsule has no read-only flag"):
        _core._dlpack_export(0, (3,), (4,), "float32", 2, 0, None, False, True)


def test_read_only_flag_is_exported_and_imported(array):
    capsule = _core._dlpack_export(array.ptr, array.shape, array.strides, "float32", 2, 0, array, True, True)
    assert managed(capsule).flags & 1
    ptr, shape, strides, dtype, device_type, device_id, read_only, keep = _core._dlpack_import(capsule)
    assert (ptr, shape, strides, dtype, device_type, device_id, read_only) == (
        array.ptr, (3, 4), (16, 4), "float32", 2, 0, True)
    assert isinstance(keep, _core._DLPackKeepalive)


def test_read_only_capsule_imports_writable(array):
    # The standard: a consumer without read-only arrays ignores the flag.
    capsule = _core._dlpack_export(array.ptr, array.shape, array.strides, "float32", DEVICE_TYPE, 0, array, True, True)
    view = g.from_dlpack(capsule)
    assert np.array_equal(view.get(), array.get())


def test_import_of_null_strides_is_c_contiguous(array):
    capsule = array.__dlpack__(max_version=(1, 0))
    managed(capsule).dl_tensor.strides = None
    view = g.from_dlpack(capsule)
    assert view.strides == (16, 4) and np.array_equal(view.get(), array.get())


def test_import_applies_the_byte_offset(array):
    capsule = array.__dlpack__()
    t = managed(capsule).dl_tensor
    t.data -= 64
    t.byte_offset = 64
    view = g.from_dlpack(capsule)
    assert view.ptr == array.ptr and np.array_equal(view.get(), array.get())


@pytest.mark.parametrize(("code", "bits", "lanes", "name"), [
    (4, 16, 1, "bfloat16"), (2, 32, 4, "float32 (code 2, 32 bits, 4 lanes)"), (10, 8, 1, "float8_e4m3fn"),
    (2, 128, 1, "float128"), (3, 64, 1, "opaque_handle")])
def test_unsupported_dtype_is_refused_and_the_capsule_left_intact(array, code, bits, lanes, name):
    before = sys.getrefcount(array) - 1
    capsule = array.__dlpack__(max_version=(1, 0))
    managed(capsule).dl_tensor.dtype = DLDataType(code, bits, lanes)
    with pytest.raises(TypeError, match=r"_dlpack_import: DLPack dtype " + re.escape(name)):
        g.from_dlpack(capsule)
    assert capsule_name(capsule) == "dltensor_versioned"  # not consumed: its destructor frees it
    del capsule
    assert sys.getrefcount(array) - 1 == before


def test_unknown_major_version_is_released_and_refused(array):
    before = sys.getrefcount(array) - 1
    capsule = array.__dlpack__(max_version=(1, 0))
    managed(capsule).version.major = 2
    with pytest.raises(
            BufferError, match=r"^_dlpack_import: the capsule holds DLPack 2\.1, but PyGPU reads DLPack 1\.x"
    ):
        g.from_dlpack(capsule)
    assert capsule_name(capsule) == "used_dltensor_versioned"
    assert sys.getrefcount(array) - 1 == before  # dlpack.h: the consumer calls the deleter


def test_import_rejects_what_is_not_a_dlpack_capsule():
    with pytest.raises(TypeError, match="_dlpack_import: expected a DLPack capsule"):
        _core._dlpack_import(object())
    with pytest.raises(ValueError, match="_dlpack_import: not a DLPack capsule"):
        _core._dlpack_import(_foreign_capsule())


def _foreign_capsule():
    new = ctypes.pythonapi.PyCapsule_New
    new.restype, new.argtypes = ctypes.py_object, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    return new(ctypes.addressof(_FOREIGN), _FOREIGN_NAME, None)


_FOREIGN = ctypes.c_int(0)
_FOREIGN_NAME = ctypes.c_char_p(b"something.else")


@pytest.mark.parametrize("max_version", [None, (1, 0)], ids=["legacy", "versioned"])
def test_deleter_runs_on_another_thread_without_the_gil(array, max_version):
    before = sys.getrefcount(array) - 1
    capsule = array.__dlpack__(max_version=max_version)
    name = _get_name(capsule)
    m = managed(capsule)
    assert _set_name(capsule, USED_NAMES[name]) == 0  # this test is the consumer now
    deleter, address = m.deleter, ctypes.addressof(m)
    thread = threading.Thread(target=deleter, args=(address,))  # ctypes drops the GIL for the call
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    del capsule
    assert sys.getrefcount(array) - 1 == before  # the deleter ran (and returned) on the thread


def test_capsules_and_views_alive_at_interpreter_exit_do_not_crash():
    code = """
import numpy as np, threading, PyGPU as g
a = g.to_gpu(np.arange(8.0))
capsule = a.__dlpack__(max_version=(1, 0))   # never consumed
legacy = a.__dlpack__()                      # never consumed
view = g.from_dlpack(a)                      # consumed, alive at exit
held = g.from_dlpack(g.to_gpu(np.ones(4)))   # only the view holds the producer
threading.Thread(target=lambda: g.from_dlpack(a), daemon=True).start()
print("ok", view.get()[3], held.get()[0])
"""
    result = run_python(code, PYGPU_BACKEND="sim")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "3.0", "1.0"]


# --- __dlpack__ keywords: streams, dl_device, copy ----------------------------------------------


def test_stream_zero_is_refused_for_cuda(array):
    if DEVICE_TYPE != 2:
        pytest.skip("stream 0 is the default stream on ROCm")
    with pytest.raises(ValueError, match="__dlpack__: stream=0 is ambiguous for CUDA"):
        array.__dlpack__(stream=0)


@pytest.mark.parametrize("stream", [None, 1, 2, -1])
def test_default_streams_and_no_sync_are_accepted(array, stream):
    view = g.from_dlpack(array.__dlpack__(stream=stream))
    assert np.array_equal(view.get(), array.get())


@pytest.mark.parametrize(("stream", "error", "message"), [
    (-2, ValueError, "__dlpack__: stream=-2 is not a stream"),
    ("1", TypeError, "__dlpack__: stream must be None or an int stream handle, got str"),
    (True, TypeError, "__dlpack__: stream must be None or an int stream handle, got bool")])
def test_bad_stream_values_are_refused(array, stream, error, message):
    with pytest.raises(error, match=message):
        array.__dlpack__(stream=stream)


def test_consumer_stream_waits_for_the_legacy_stream(array, gate):
    stream = g.cudaStream_t(g.cudaStreamNonBlocking)  # no implicit order with the legacy stream
    held = gate(None)  # the legacy default stream is held: PyGPU's "pending copies"
    capsule = array.__dlpack__(stream=stream.handle)
    assert stream.query() == g.cudaErrorNotReady  # the wait is queued, not done
    held.open()
    assert stream.synchronize() == g.cudaSuccess
    assert stream.query() == g.cudaSuccess
    assert np.array_equal(g.from_dlpack(capsule).get(), array.get())


def test_stream_object_is_accepted(array, gate):
    stream = g.cudaStream_t(g.cudaStreamNonBlocking)
    held = gate(None)
    array.__dlpack__(stream=stream)
    assert stream.query() == g.cudaErrorNotReady
    held.open()
    assert stream.synchronize() == g.cudaSuccess
    array.__dlpack__(stream=g.cudaStreamLegacy)  # handle 0, but unambiguous as an object


def test_stream_minus_one_does_not_wait(array, gate):
    stream = g.cudaStream_t(g.cudaStreamNonBlocking)
    gate(None)
    array.__dlpack__(stream=-1)
    assert stream.query() == g.cudaSuccess


def test_unknown_stream_handle_is_a_cuda_error(array):
    with pytest.raises(g.CudaError, match="cudaStreamWaitEvent failed"):
        array.__dlpack__(stream=0x7E57_0000_0000)


def test_dl_device(array):
    g.from_dlpack(array.__dlpack__(dl_device=(DEVICE_TYPE, 0)))
    with pytest.raises(BufferError, match=r"__dlpack__: the array is on DLPack device \(2, 0\) and cannot be "
                                          r"exported to \(1, 0\)"):
        array.__dlpack__(dl_device=(1, 0))
    with pytest.raises(BufferError, match="cannot be exported to"):
        array.__dlpack__(dl_device=(DEVICE_TYPE, 1))
    with pytest.raises(TypeError, match="dl_device must be a"):
        array.__dlpack__(dl_device=2)


def test_copy_keyword(array):
    g.from_dlpack(array.__dlpack__(copy=False))
    g.from_dlpack(array.__dlpack__(copy=None))
    with pytest.raises(BufferError, match=r"__dlpack__\(copy=True\): PyGPU exports zero-copy only"):
        array.__dlpack__(copy=True)


def test_from_dlpack_keywords(array):
    assert g.from_dlpack(array).ptr == array.ptr
    assert _dlpack.from_dlpack(array, device=0, copy=False).ptr == array.ptr
    assert _dlpack.from_dlpack(array, device=(DEVICE_TYPE, 0)).ptr == array.ptr
    with pytest.raises(BufferError, match=r"from_dlpack: the data is on DLPack device \(2, 0\), not \(2, 1\)"):
        _dlpack.from_dlpack(array, device=1)
    with pytest.raises(BufferError, match=r"from_dlpack\(copy=True\): PyGPU imports zero-copy only"):
        _dlpack.from_dlpack(array, copy=True)


# --- other producers -------------------------------------------------------------------------------


def test_numpy_host_arrays_are_refused_clearly():
    host = np.arange(4.0)
    with pytest.raises(BufferError, match=r"from_dlpack: the object's memory is host memory \(kDLCPU\), not device "
                                          r"memory; copy it to the device with PyGPU.to_gpu"):
        g.from_dlpack(host)
    with pytest.raises(BufferError, match="host memory"):
        g.asarray(host)
    with pytest.raises(BufferError, match="host memory"):
        g.from_dlpack(host.__dlpack__())  # a bare capsule: refused after reading it, then released


def test_device_type_the_backend_cannot_address(array):
    capsule = array.__dlpack__(max_version=(1, 0))
    managed(capsule).dl_tensor.device.device_type = 10 if DEVICE_TYPE == 2 else 2
    with pytest.raises(BufferError, match="from_dlpack: the object's memory is on a kDL"):
        g.from_dlpack(capsule)


class OldProducer:
    """A producer from before the 2023.12 standard: no max_version keyword."""

    def __init__(self, array):
        self.array = array
        self.calls = []

    def __dlpack__(self, stream=None):
        self.calls.append(stream)
        return self.array.__dlpack__(stream=stream)

    def __dlpack_device__(self):
        return self.array.__dlpack_device__()


def test_old_producer_gets_the_legacy_call(array):
    producer = OldProducer(array)
    view = g.from_dlpack(producer)
    assert producer.calls == [None] and np.array_equal(view.get(), array.get())


class CAIHolder:
    """A foreign device array that only speaks __cuda_array_interface__."""

    def __init__(self, array, **overrides):
        self.array = array  # owns the memory
        self.__cuda_array_interface__ = {"shape": array.shape, "strides": array.strides, "data": (array.ptr, False),
                                         "typestr": array.dtype.str, "version": 3, "stream": None}
        self.__cuda_array_interface__.update(overrides)


def test_cuda_array_interface_is_wrapped_zero_copy_and_kept_alive():
    gc.collect()
    start = free_memory()
    holder = CAIHolder(g.to_gpu(np.arange(1 << 20, dtype=np.float64))[::2])
    allocated = start - free_memory()
    view = g.asarray(holder)
    assert view.base is holder and view.ptr == holder.array.ptr and view.strides == (16,)
    del holder
    gc.collect()
    assert start - free_memory() == allocated
    assert np.array_equal(view[:3].get(), np.array([0.0, 2.0, 4.0]))
    del view
    gc.collect()
    assert free_memory() == start


def test_cuda_array_interface_without_strides_is_c_contiguous(array):
    view = g.asarray(CAIHolder(array, strides=None, version=2))
    assert view.strides == (16, 4) and np.array_equal(view.get(), array.get())


def test_cuda_array_interface_stream_is_synchronised(array, gate):
    stream = g.cudaStream_t(g.cudaStreamNonBlocking)
    held = gate(stream)
    timer = threading.Timer(0.2, held.open)
    timer.start()
    view = g.asarray(CAIHolder(array, stream=stream.handle))
    assert stream.query() == g.cudaSuccess  # asarray waited for the producer's stream
    timer.join()
    assert np.array_equal(view.get(), array.get())


@pytest.mark.parametrize(("overrides", "error", "message"), [
    ({"stream": 0}, ValueError, "__cuda_array_interface__: stream 0 is disallowed"),
    ({"mask": object()}, BufferError, "from_dlpack: masked arrays"),
    ({"version": 4}, ValueError, "from_dlpack: __cuda_array_interface__ version 4 is not supported"),
    ({"typestr": ">f4"}, TypeError, "__cuda_array_interface__: typestr '>f4' is not in native byte order"),
    ({"typestr": "<f2", "strides": None}, None, None),
    ({"typestr": "<V4"}, TypeError, "__cuda_array_interface__: dtype \\|V4 is not supported by PyGPU")])
def test_cuda_array_interface_refusals(array, overrides, error, message):
    holder = CAIHolder(array, **overrides)
    if error is None:
        assert g.asarray(holder).dtype == np.float16
        return
    with pytest.raises(error, match=message):
        g.asarray(holder)


def test_asarray_returns_a_gpuarray_as_is(array):
    assert g.asarray(array) is array


def test_objects_without_an_interface_are_refused():
    with pytest.raises(TypeError, match="from_dlpack: list exposes neither __dlpack__ nor __cuda_array_interface__"):
        g.asarray([1, 2, 3])


def test_gpuarray_cuda_array_interface_round_trips(array):
    class OnlyCAI:
        __cuda_array_interface__ = array.__cuda_array_interface__

    view = g.asarray(OnlyCAI())
    assert view.ptr == array.ptr and np.array_equal(view.get(), array.get())


# --- sizes a producer or caller gets wrong (issue 14) ----------------------------------------


def test_export_sizes_past_int64_are_value_errors(array):
    """Were pybind11's RuntimeError 'Unable to cast'."""
    with pytest.raises(ValueError, match=r"^_dlpack_export: shape is out of range: 1180591620717411303424$"):
        _core._dlpack_export(int(array.ptr), (2**70,), (4,), "float32", 2, 0, array, True, False)
    with pytest.raises(ValueError, match=r"^_dlpack_export: strides_bytes is out of range: -1180591620717411303424$"):
        _core._dlpack_export(int(array.ptr), (2,), (-(2**70),), "float32", 2, 0, array, True, False)


def test_import_refuses_strides_and_offsets_that_overflow(array):
    """A producer's strides times the item size, its C strides, and data +
    byte_offset were computed unchecked (signed overflow, wrapped addresses)."""
    capsule = array.__dlpack__(max_version=(1, 0))
    managed(capsule).dl_tensor.strides[0] = 2**62
    with pytest.raises(ValueError, match=r"^_dlpack_import: the tensor's strides overflows a 64-bit byte count"):
        g.from_dlpack(capsule)
    assert capsule_name(capsule) == "dltensor_versioned"  # refused before it was consumed
    capsule = array.__dlpack__(max_version=(1, 0))
    t = managed(capsule).dl_tensor
    t.strides = None
    t.shape[0], t.shape[1] = 2**62, 2**62
    with pytest.raises(ValueError, match=r"^_dlpack_import: the tensor's shape overflows a 64-bit byte count"):
        g.from_dlpack(capsule)
    capsule = array.__dlpack__(max_version=(1, 0))
    managed(capsule).dl_tensor.byte_offset = 2**64 - 8
    with pytest.raises(ValueError, match=r"^_dlpack_import: data \+ byte_offset .* is past the end of the address"):
        g.from_dlpack(capsule)


def test_keepalive_getter_refuses_none():
    """Bound as a member function pointer, it took None for a null self."""
    with pytest.raises(TypeError, match=r"incompatible function arguments"):
        _core._DLPackKeepalive.alive.fget(None)
