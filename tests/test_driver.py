"""PyGPU.driver and PyGPU.autoinit: the pycuda.driver drop-in (devices, context,
streams, events, device allocations, copies, pinned arrays, argument wrappers)."""

from __future__ import annotations

import doctest
import gc
import operator
import pickle
import re
import threading
import time
from typing import ClassVar

import numpy as np
import pytest

import PyGPU as g
import PyGPU.driver as cuda
from helpers import SIM_MEMORY, free_bytes, run_python
from PyGPU._memory import device_pointer, pointer_of
from PyGPU._stream import stream_handle


def pinned_copy(host: np.ndarray) -> np.ndarray:
    out = cuda.pagelocked_empty_like(host)
    out[...] = host
    return out


# ------------------------------------------------------------ module, errors

def test_public_names_exist_and_have_examples():
    for name in cuda.__all__:
        obj = getattr(cuda, name)
        if callable(obj) and name not in ("Error", "LogicError", "LaunchError", "CudaError"):
            assert obj.__doc__ and "Examples" in obj.__doc__, name
    assert cuda.__doc__ and "Examples" in cuda.__doc__


def test_public_names_carry_the_public_module():
    """The concept modules (_device, _stream...) are private: reprs, pickles and the docs say PyGPU.driver."""
    for name in cuda.__all__:
        obj = getattr(cuda, name)
        if name not in ("Error", "LogicError", "LaunchError", "CudaError"):
            assert obj.__module__ == "PyGPU.driver", name
    assert cuda.Device.get_attribute.__module__ == "PyGPU.driver"  # methods too: doctest finds them there
    dev = pickle.loads(pickle.dumps(cuda.Device(1)))
    assert dev == cuda.Device(1)
    raw = pickle.dumps(cuda.device_attribute.WARP_SIZE)
    assert b"PyGPU.driver" in raw and pickle.loads(raw) is cuda.device_attribute.WARP_SIZE


def test_error_aliases():
    assert cuda.Error is g.CudaError
    assert cuda.LogicError is cuda.LaunchError is cuda.Error
    assert cuda.MemoryError is cuda.Error and cuda.RuntimeError is cuda.Error
    namespace: dict = {}
    exec("from PyGPU.driver import *", namespace)
    assert "MemoryError" not in namespace and "RuntimeError" not in namespace  # builtins stay builtins
    assert namespace["Error"] is g.CudaError


def test_docstring_examples_run():
    import PyGPU.autoinit

    for module in (cuda, PyGPU.autoinit):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_versions():
    runtime, _ = g.cudaRuntimeGetVersion()
    assert cuda.get_version() == (runtime // 1000, (runtime % 1000) // 10, runtime % 10)
    assert all(isinstance(v, int) for v in cuda.get_version())
    assert cuda.get_driver_version() == g.cudaDriverGetVersion()[0]
    assert cuda.init() is None and cuda.init(0) is None


# -------------------------------------------------------------------- devices

def test_device_count_and_properties():
    assert cuda.Device.count() == 2
    for n in range(2):
        dev = cuda.Device(n)
        prop, _ = g.cudaGetDeviceProperties(n)
        assert dev.name() == prop.name == "PyGPU Simulated Device"
        assert dev.compute_capability() == (prop.major, prop.minor) == (8, 0)
        assert dev.total_memory() == SIM_MEMORY
        assert int(dev) == n


@pytest.mark.parametrize("ordinal", [-1, 2, 1000, 2**70])
def test_invalid_ordinal(ordinal):
    with pytest.raises(cuda.Error, match="cudaErrorInvalidDevice") as info:
        cuda.Device(ordinal)
    assert info.value.code == g.cudaErrorInvalidDevice and "2 device(s)" in str(info.value)


@pytest.mark.parametrize("bad", [1.5, None, [0]])
def test_device_wrong_types(bad):
    with pytest.raises(TypeError, match="Device"):
        cuda.Device(bad)


def test_pci_bus_id():
    ids = [cuda.Device(n).pci_bus_id() for n in range(2)]
    for n, bus_id in enumerate(ids):
        prop, _ = g.cudaGetDeviceProperties(n)
        assert re.fullmatch(r"[0-9A-F]{4}:[0-9A-F]{2}:[0-9A-F]{2}\.0", bus_id)
        assert int(bus_id[5:7], 16) == prop.pciBusID and int(bus_id[:4], 16) == prop.pciDomainID
    assert ids[0] != ids[1]
    assert cuda.Device(ids[1]) == cuda.Device(1)
    assert cuda.Device(ids[1].lower()) == cuda.Device(1)
    with pytest.raises(cuda.Error, match=r"cudaErrorInvalidDevice.*no device has PCI bus id"):
        cuda.Device("0000:99:00.0")


ATTRIBUTES = {  # PyCUDA name: (CUdevice_attribute number, cudaDeviceProp field or (field, index))
    "MAX_THREADS_PER_BLOCK": (1, "maxThreadsPerBlock"), "MAX_BLOCK_DIM_X": (2, ("maxThreadsDim", 0)),
    "MAX_BLOCK_DIM_Y": (3, ("maxThreadsDim", 1)), "MAX_BLOCK_DIM_Z": (4, ("maxThreadsDim", 2)),
    "MAX_GRID_DIM_X": (5, ("maxGridSize", 0)), "MAX_GRID_DIM_Y": (6, ("maxGridSize", 1)),
    "MAX_GRID_DIM_Z": (7, ("maxGridSize", 2)), "MAX_SHARED_MEMORY_PER_BLOCK": (8, "sharedMemPerBlock"),
    "TOTAL_CONSTANT_MEMORY": (9, "totalConstMem"), "WARP_SIZE": (10, "warpSize"), "MAX_PITCH": (11, "memPitch"),
    "MAX_REGISTERS_PER_BLOCK": (12, "regsPerBlock"), "TEXTURE_ALIGNMENT": (14, "textureAlignment"),
    "MULTIPROCESSOR_COUNT": (16, "multiProcessorCount"), "INTEGRATED": (18, "integrated"),
    "CAN_MAP_HOST_MEMORY": (19, "canMapHostMemory"), "CONCURRENT_KERNELS": (31, "concurrentKernels"),
    "ECC_ENABLED": (32, "ECCEnabled"), "PCI_BUS_ID": (33, "pciBusID"), "PCI_DEVICE_ID": (34, "pciDeviceID"),
    "GLOBAL_MEMORY_BUS_WIDTH": (37, "memoryBusWidth"), "L2_CACHE_SIZE": (38, "l2CacheSize"),
    "MAX_THREADS_PER_MULTIPROCESSOR": (39, "maxThreadsPerMultiProcessor"), "PCI_DOMAIN_ID": (50, "pciDomainID"),
    "COMPUTE_CAPABILITY_MAJOR": (75, "major"), "COMPUTE_CAPABILITY_MINOR": (76, "minor"),
    "MANAGED_MEMORY": (83, "managedMemory"), "MULTI_GPU_BOARD": (84, "isMultiGpuBoard"),
    "COOPERATIVE_LAUNCH": (95, "cooperativeLaunch"),
}


def expected_value(prop, field):
    if isinstance(field, tuple):
        return getattr(prop, field[0])[field[1]]
    return getattr(prop, field)


@pytest.mark.parametrize("ordinal", [0, 1])
def test_attributes_match_the_properties(ordinal):
    dev = cuda.Device(ordinal)
    prop, _ = g.cudaGetDeviceProperties(ordinal)
    attrs = dev.get_attributes()
    assert {a.name for a in attrs} == set(ATTRIBUTES)
    for name, (number, field) in ATTRIBUTES.items():
        attr = cuda.device_attribute[name]
        assert int(attr) == number and str(attr) == name
        value = expected_value(prop, field)
        assert attrs[attr] == value and type(attrs[attr]) is int
        assert dev.get_attribute(attr) == value
        assert dev.get_attribute(number) == value
        assert getattr(dev, name) == value
        if not hasattr(cuda.Device, name.lower()):  # dev.pci_bus_id is the method, as in PyCUDA
            assert getattr(dev, name.lower()) == value
    assert dev.MAX_THREADS_PER_BLOCK == 1024 and dev.WARP_SIZE == 32
    assert cuda.device_attribute.SHARED_MEMORY_PER_BLOCK is cuda.device_attribute.MAX_SHARED_MEMORY_PER_BLOCK


def test_attribute_errors():
    dev = cuda.Device(0)
    with pytest.raises(cuda.Error, match=r"cudaErrorInvalidValue.*attribute 13 is not available") as info:
        dev.get_attribute(13)  # CLOCK_RATE: not among the runtime's properties
    assert info.value.code == g.cudaErrorInvalidValue
    for bad in ("WARP_SIZE", 10.0, None):
        with pytest.raises(TypeError, match="device_attribute"):
            dev.get_attribute(bad)
    with pytest.raises(AttributeError, match="NOT_AN_ATTRIBUTE"):
        _ = dev.NOT_AN_ATTRIBUTE
    assert not hasattr(dev, "clock_rate") and not hasattr(dev, "_private")


def test_device_equality_and_hash():
    assert cuda.Device(0) == cuda.Device(0) and cuda.Device(0) != cuda.Device(1)
    assert cuda.Device(1) != 1
    assert len({cuda.Device(0), cuda.Device(0), cuda.Device(1)}) == 2
    assert "Device 1" in repr(cuda.Device(1))


def test_can_access_peer():
    expected, _ = g.cudaDeviceCanAccessPeer(0, 1)
    assert cuda.Device(0).can_access_peer(cuda.Device(1)) is bool(expected)
    assert cuda.Device(0).can_access_peer(cuda.Device(0)) is False
    with pytest.raises(TypeError):
        cuda.Device(0).can_access_peer(1)


# -------------------------------------------------------------------- context

def test_make_context_push_pop():
    assert cuda.Context.get_device() == cuda.Device(0)
    ctx = cuda.Device(1).make_context()
    assert g.cudaGetDevice()[0] == 1 and cuda.Context.get_device() == cuda.Device(1)
    assert cuda.Context.get_current() == ctx
    ptr = cuda.mem_alloc(256)
    assert g.cudaPointerGetAttributes(ptr._ptr)[0].device == 1  # allocations go to the pushed device
    ctx.pop()
    assert g.cudaGetDevice()[0] == 0
    ctx.push()
    assert g.cudaGetDevice()[0] == 1
    cuda.Context.pop()
    assert g.cudaGetDevice()[0] == 0
    ctx.detach()
    assert g.cudaGetDevice()[0] == 0


def test_pop_with_nothing_pushed_is_harmless():
    seen = []

    def work():  # a fresh thread: nothing pushed yet
        cuda.Context.pop()
        seen.append(g.cudaGetDevice()[0])

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen == [0]


def test_retain_primary_context_does_not_switch():
    ctx = cuda.Device(1).retain_primary_context()
    assert g.cudaGetDevice()[0] == 0 and ctx != cuda.Context.get_current()
    with pytest.raises(TypeError):
        cuda.Context(1)


def test_context_synchronize_waits_for_streams(gate):
    s = cuda.Stream()
    gt = gate(s._stream)
    assert not s.is_done()
    threading.Timer(0.2, gt.open).start()
    start = time.monotonic()
    assert cuda.Context.synchronize() is None
    assert time.monotonic() - start >= 0.15 and s.is_done()


# -------------------------------------------------------------------- streams

def test_stream_basics():
    s = cuda.Stream()
    assert isinstance(s._stream, g.cudaStream_t)
    assert s.handle == int(s) == int(s._stream) == s.handle_int != 0
    assert g.cudaStreamGetFlags(s._stream)[0] == g.cudaStreamDefault
    nb = cuda.Stream(g.cudaStreamNonBlocking)
    assert g.cudaStreamGetFlags(nb._stream)[0] == g.cudaStreamNonBlocking
    assert s.synchronize() is None and s.is_done() is True
    with pytest.raises(cuda.Error, match="cudaErrorInvalidValue"):
        cuda.Stream(0x10)


def test_stream_is_done_follows_queued_work(gate):
    s = cuda.Stream()
    gt = gate(s._stream)
    assert s.is_done() is False
    gt.open()
    s.synchronize()
    assert s.is_done() is True


def test_destroyed_stream_raises():
    s = cuda.Stream()
    s._stream.destroy()
    with pytest.raises(cuda.Error, match="cudaErrorInvalidResourceHandle"):
        s.is_done()
    with pytest.raises(cuda.Error, match="cudaErrorInvalidResourceHandle"):
        s.synchronize()


def test_stream_handle_conversion():
    s = cuda.Stream()
    raw = g.cudaStream_t()
    assert stream_handle(None) is None
    assert stream_handle(s) is s._stream
    assert stream_handle(raw) is raw
    assert stream_handle(0) == 0 and type(stream_handle(np.int64(2))) is int
    for bad in ("stream", 1.5, [s]):
        with pytest.raises(TypeError, match="expected a stream"):
            stream_handle(bad)
    # what it returns is accepted by the low-level API
    for form in (None, s, raw, 0):
        assert g.cudaStreamQuery(stream_handle(form)) == g.cudaSuccess


def test_device_pointer_and_pointer_of():
    d = cuda.mem_alloc(16)
    assert device_pointer(d) is pointer_of(d) is d._ptr  # the pointer object: a freed allocation is refused
    assert device_pointer(int(d)) == int(d) and pointer_of(int(d)) is None
    with pytest.raises(TypeError, match="got a host buffer"):
        device_pointer(np.zeros(2))
    d.free()
    with pytest.raises(cuda.Error, match="cudaErrorInvalidValue"):
        cuda.memcpy_htod(d, np.zeros(2))


def test_stream_wait_for_event(gate):
    s1, s2 = cuda.Stream(g.cudaStreamNonBlocking), cuda.Stream(g.cudaStreamNonBlocking)
    e = cuda.Event()
    gt = gate(s1._stream)
    e.record(s1)
    s2.wait_for_event(e)
    done = threading.Event()
    g.cudaLaunchHostFunc(s2._stream, lambda _: done.set(), None)
    assert not done.wait(0.2) and not s2.is_done()
    gt.open()
    assert done.wait(5)
    s2.synchronize()
    with pytest.raises(TypeError, match="Event"):
        s2.wait_for_event(None)


# --------------------------------------------------------------------- events

def test_event_flags():
    assert g.cudaEventDefault == cuda.event_flags.DEFAULT
    assert g.cudaEventBlockingSync == cuda.event_flags.BLOCKING_SYNC
    assert g.cudaEventDisableTiming == cuda.event_flags.DISABLE_TIMING
    assert g.cudaEventInterprocess == cuda.event_flags.INTERPROCESS
    e = cuda.Event(cuda.event_flags.DISABLE_TIMING | cuda.event_flags.INTERPROCESS)
    assert e.handle == int(e) == int(e._event) != 0
    with pytest.raises(cuda.Error, match="cudaErrorInvalidValue"):
        cuda.Event(cuda.event_flags.INTERPROCESS)  # needs DISABLE_TIMING
    with pytest.raises(cuda.Error, match="cudaErrorInvalidValue"):
        cuda.Event(0x40)


def test_event_record_query_synchronize(gate):
    s = cuda.Stream()
    e = cuda.Event()
    assert e.query() is True  # never recorded
    gt = gate(s._stream)
    assert e.record(s) is e
    assert e.query() is False
    gt.open()
    assert e.synchronize() is e and e.query() is True


@pytest.mark.parametrize("form", ["Stream", "cudaStream_t", "None", "int"])
def test_event_record_stream_forms(form):
    s = cuda.Stream()
    stream = {"Stream": s, "cudaStream_t": s._stream, "None": None, "int": 0}[form]
    e = cuda.Event().record(stream).synchronize()
    assert e.query()


def test_event_record_wrong_stream():
    with pytest.raises(TypeError, match="expected a stream"):
        cuda.Event().record("stream")
    s = cuda.Stream()
    s._stream.destroy()
    with pytest.raises(cuda.Error, match="cudaErrorInvalidResourceHandle"):
        cuda.Event().record(s)


def test_event_timing_around_a_sleeping_host_function():
    stream = cuda.Stream()
    start, end = cuda.Event(), cuda.Event()
    start.record(stream)
    assert g.cudaLaunchHostFunc(stream._stream, lambda _: time.sleep(0.05), None) == g.cudaSuccess
    end.record(stream)
    end.synchronize()
    ms = start.time_till(end)
    assert 40.0 <= ms < 5000.0
    assert end.time_since(start) == ms
    assert start.time_since(end) == pytest.approx(-ms)
    assert start.time_till(end._event) == ms  # a low-level event is accepted too


def test_event_timing_errors(gate):
    s = cuda.Stream()
    start, end = cuda.Event(), cuda.Event()
    with pytest.raises(cuda.Error, match="cudaErrorInvalidResourceHandle"):
        start.time_till(end)  # never recorded
    start.record(s)
    gt = gate(s._stream)
    end.record(s)
    with pytest.raises(cuda.Error, match="cudaErrorNotReady"):
        start.time_till(end)
    gt.open()
    end.synchronize()
    untimed = cuda.Event(cuda.event_flags.DISABLE_TIMING).record(s).synchronize()
    with pytest.raises(cuda.Error, match="cudaErrorInvalidResourceHandle"):
        start.time_till(untimed)
    for bad in (None, 3, s):
        with pytest.raises(TypeError, match="Event"):
            start.time_till(bad)
        with pytest.raises(TypeError, match="Event"):
            start.time_since(bad)


# --------------------------------------------------------------- device memory

def test_mem_alloc_and_free_restore_memory_exactly():
    free0, total = cuda.mem_get_info()
    assert (free0, total) == tuple(g.cudaMemGetInfo()[0]) and total == SIM_MEMORY
    d = cuda.mem_alloc(1 << 20)
    assert isinstance(d, cuda.DeviceAllocation)
    assert int(d) % 256 == 0 and int(d) != 0 and operator.index(d) == int(d)
    assert cuda.mem_get_info()[0] == free0 - (1 << 20)
    assert d.free() is None
    assert cuda.mem_get_info()[0] == free0
    assert "freed" in repr(d)


def test_dropped_allocation_is_freed():
    free0 = free_bytes()
    d = cuda.mem_alloc(4096)
    ptr = d._ptr
    assert free_bytes() == free0 - 4096 and ptr.alive
    del d
    gc.collect()
    assert free_bytes() == free0 and not ptr.alive


def test_allocations_on_device_one_are_freed_from_device_zero():
    g.cudaSetDevice(1)
    free1 = free_bytes()
    d = cuda.mem_alloc(8192)
    g.cudaSetDevice(0)
    del d
    gc.collect()
    g.cudaSetDevice(1)
    assert free_bytes() == free1


def test_double_free_raises_and_never_frees_twice():
    free0 = free_bytes()
    d = cuda.mem_alloc(1024)
    d.free()
    other = cuda.mem_alloc(1024)  # may reuse the address
    with pytest.raises(cuda.Error, match=r"cudaErrorInvalidValue.*freed"):
        d.free()
    assert free_bytes() == free0 - 1024  # `other` is untouched
    del d
    gc.collect()
    assert free_bytes() == free0 - 1024
    other.free()


def test_freed_elsewhere_is_not_freed_again():
    d = cuda.mem_alloc(512)
    assert g.cudaFree(d._ptr) == g.cudaSuccess
    free0 = free_bytes()
    del d  # no warning (warnings are errors here), no second free
    gc.collect()
    assert free_bytes() == free0


def test_use_after_free_is_an_error():
    d = cuda.mem_alloc(64)
    d.free()
    with pytest.raises(cuda.Error, match="freed"):
        cuda.memcpy_htod(d, np.zeros(16, dtype=np.float32))


def test_mem_alloc_errors():
    with pytest.raises(cuda.MemoryError, match="cudaErrorMemoryAllocation") as info:
        cuda.mem_alloc(SIM_MEMORY + 1)
    assert info.value.code == g.cudaErrorMemoryAllocation
    with pytest.raises(ValueError, match="size must be >= 0"):
        cuda.mem_alloc(-1)
    with pytest.raises(TypeError):
        cuda.mem_alloc(1.5)


def test_mem_alloc_like():
    a = np.zeros((3, 5), dtype=np.float64)
    free0 = free_bytes()
    d = cuda.mem_alloc_like(a)
    assert free0 - free_bytes() >= a.nbytes
    assert d._ptr.extent == a.nbytes
    with pytest.raises(AttributeError):
        cuda.mem_alloc_like([1, 2, 3])


def test_free_failure_on_drop_is_a_warning():
    # Dropping the last reference inside a host function: the runtime refuses
    # the free there, which must become a RuntimeWarning, not an exception.
    holder = [cuda.mem_alloc(256)]
    ptr = holder[0]._ptr
    s = cuda.Stream()

    def drop_it_in_a_host_function():
        g.cudaLaunchHostFunc(s._stream, lambda _: holder.clear(), None)
        s.synchronize()

    with pytest.warns(RuntimeWarning, match="freeing a DeviceAllocation failed: cudaErrorNotPermitted"):
        drop_it_in_a_host_function()
    assert holder == [] and ptr.alive
    assert g.cudaFree(ptr) == g.cudaSuccess


# ---------------------------------------------------------------------- copies

@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float32, np.float64, np.complex128])
def test_round_trip(dtype):
    a = (np.arange(1000) * 3 - 7).astype(dtype)
    d = cuda.mem_alloc(a.nbytes)
    cuda.memcpy_htod(d, a)
    out = np.zeros_like(a)
    cuda.memcpy_dtoh(out, d)
    np.testing.assert_array_equal(out, a)


def test_dtod_full_and_partial():
    a = np.arange(64, dtype=np.float32)
    src, dst = cuda.mem_alloc(a.nbytes), cuda.mem_alloc(a.nbytes)
    cuda.memcpy_htod(src, a)
    cuda.memcpy_htod(dst, np.zeros_like(a))
    cuda.memcpy_dtod(dst, src, 16 * 4)
    cuda.memcpy_dtod(int(dst) + 32 * 4, int(src) + 8 * 4, np.int64(8 * 4))
    out = np.empty_like(a)
    cuda.memcpy_dtoh(out, dst)
    expected = np.zeros_like(a)
    expected[:16] = a[:16]
    expected[32:40] = a[8:16]
    np.testing.assert_array_equal(out, expected)


def test_device_side_forms():
    a = np.arange(16, dtype=np.int32)
    d = cuda.mem_alloc(a.nbytes)

    class Holder:  # PyCUDA's PointerHolderBase protocol
        def get_pointer(self):
            return int(d)

    class Interface:
        __cuda_array_interface__: ClassVar[dict[str, object]] = {
            "data": (int(d), False), "shape": (16,), "typestr": "<i4", "version": 3}

    for dest in (d, int(d), np.uint64(int(d)), d._ptr, Holder(), Interface()):
        cuda.memcpy_htod(dest, a)
        out = np.zeros_like(a)
        cuda.memcpy_dtoh(out, dest)
        np.testing.assert_array_equal(out, a)
        a = a + 1


def test_host_side_forms():
    d = cuda.mem_alloc(4)
    cuda.memcpy_htod(d, b"\x01\x02\x03\x04")
    out = bytearray(4)
    cuda.memcpy_dtoh(out, d)
    assert out == b"\x01\x02\x03\x04"
    cuda.memcpy_htod(d, memoryview(np.array([9], dtype=np.int32)))
    out = np.zeros(1, dtype=np.int32)
    cuda.memcpy_dtoh(out, d)
    assert out[0] == 9


def test_copy_past_an_allocation():
    d = cuda.mem_alloc(100)
    with pytest.raises(cuda.Error, match=r"cudaErrorInvalidValue.*100 bytes too many") as info:
        cuda.memcpy_htod(d, np.zeros(200, dtype=np.uint8))
    assert info.value.code == g.cudaErrorInvalidValue
    with pytest.raises(cuda.Error, match="cudaErrorInvalidValue"):
        cuda.memcpy_htod(int(d), np.zeros(200, dtype=np.uint8))  # a raw address: the device checks
    with pytest.raises(cuda.Error, match="cudaErrorInvalidValue"):
        cuda.memcpy_dtoh(np.zeros(101, dtype=np.uint8), d)
    other = cuda.mem_alloc(100)
    with pytest.raises(cuda.Error, match="cudaErrorInvalidValue"):
        cuda.memcpy_dtod(other, d, 101)
    with pytest.raises(cuda.Error, match="cudaErrorInvalidValue"):
        cuda.memcpy_dtod(int(other) + 50, d, 60)


def test_copy_to_unknown_address_and_bad_host_buffers():
    with pytest.raises(cuda.Error, match="cudaErrorInvalidValue"):
        cuda.memcpy_htod(0x10000, np.zeros(4, dtype=np.uint8))
    d = cuda.mem_alloc(64)
    ro = np.zeros(16, dtype=np.float32)
    ro.setflags(write=False)
    with pytest.raises(cuda.Error, match="read-only"):
        cuda.memcpy_dtoh(ro, d)
    with pytest.raises(cuda.Error, match="contiguous"):
        cuda.memcpy_htod(d, np.zeros((4, 8), dtype=np.float32)[:, ::2])


def test_copy_wrong_types():
    d = cuda.mem_alloc(64)
    host = np.zeros(16, dtype=np.float32)
    with pytest.raises(TypeError, match="expected device memory, got a host buffer"):
        cuda.memcpy_htod(host, host)
    with pytest.raises(TypeError, match="expected device memory"):
        cuda.memcpy_dtoh(host, 1.5)
    with pytest.raises(TypeError, match="expected device memory"):
        cuda.memcpy_htod("0x1000", host)
    with pytest.raises(TypeError, match="src must be a host buffer"):
        cuda.memcpy_htod(d, "data")
    with pytest.raises(TypeError, match="src must be a host buffer"):
        cuda.memcpy_htod(d, 5)
    with pytest.raises(TypeError, match=r"dest must be a host buffer.*device memory"):
        cuda.memcpy_dtoh(d, d)
    with pytest.raises(TypeError, match="size must be an int"):
        cuda.memcpy_dtod(d, d, 4.0)
    with pytest.raises(ValueError, match="size must be >= 0"):
        cuda.memcpy_dtod(d, d, -1)
    with pytest.raises(TypeError, match="expected device memory"):
        cuda.memcpy_dtod(d, None, 4)


def test_async_copies_are_pending_until_synchronised(gate):
    a = np.arange(1024, dtype=np.float32)
    src = pinned_copy(a)
    out = cuda.pagelocked_zeros_like(a)
    d1, d2 = cuda.mem_alloc(a.nbytes), cuda.mem_alloc(a.nbytes)
    stream = cuda.Stream()
    gt = gate(stream._stream)
    cuda.memcpy_htod_async(d1, src, stream)
    cuda.memcpy_dtod_async(d2, d1, a.nbytes, stream)
    cuda.memcpy_dtoh_async(out, d2, stream)
    time.sleep(0.05)
    assert not stream.is_done() and not out.any()  # nothing has run yet
    gt.open()
    stream.synchronize()
    assert stream.is_done()
    np.testing.assert_array_equal(out, a)


@pytest.mark.parametrize("form", ["Stream", "cudaStream_t", "None", "int"])
def test_async_copy_stream_forms(form):
    s = cuda.Stream()
    stream = {"Stream": s, "cudaStream_t": s._stream, "None": None, "int": 0}[form]
    a = pinned_copy(np.arange(32, dtype=np.int64))
    out = cuda.pagelocked_zeros_like(a)
    d = cuda.mem_alloc(a.nbytes)
    cuda.memcpy_htod_async(d, a, stream)
    cuda.memcpy_dtoh_async(out, d, stream)
    g.cudaStreamSynchronize(stream_handle(stream))
    np.testing.assert_array_equal(out, a)


def test_async_copy_errors():
    d = cuda.mem_alloc(64)
    host = cuda.pagelocked_zeros(65, np.uint8)
    s = cuda.Stream()
    with pytest.raises(cuda.Error, match="cudaErrorInvalidValue"):
        cuda.memcpy_htod_async(d, host, s)
    with pytest.raises(cuda.Error, match="cudaErrorInvalidValue"):
        cuda.memcpy_dtoh_async(host, d, s)
    with pytest.raises(cuda.Error, match="cudaErrorInvalidValue"):
        cuda.memcpy_dtod_async(d, d, 65, s)
    with pytest.raises(TypeError, match="expected a stream"):
        cuda.memcpy_htod_async(d, host[:64], "stream")
    with pytest.raises(TypeError, match="expected device memory"):
        cuda.memcpy_dtoh_async(host, host, s)
    s._stream.destroy()
    with pytest.raises(cuda.Error, match="cudaErrorInvalidResourceHandle"):
        cuda.memcpy_htod_async(d, host[:64], s)


# --------------------------------------------------------- pinned host arrays

@pytest.mark.parametrize("name", list(g.dtypes))
@pytest.mark.parametrize("order", ["C", "F"])
def test_pagelocked_empty(name, order):
    a = cuda.pagelocked_empty((3, 4), name, order=order)
    assert a.shape == (3, 4) and a.dtype == np.dtype(name)
    assert a.flags.c_contiguous if order == "C" else a.flags.f_contiguous
    assert a.flags.writeable
    attrs, err = g.cudaPointerGetAttributes(a)
    assert err == g.cudaSuccess and attrs.type == g.cudaMemoryTypeHost
    z = cuda.pagelocked_zeros((2, 5), name, order)
    assert z.shape == (2, 5) and not z.any()


def test_pagelocked_shapes_and_likes():
    assert cuda.pagelocked_empty(7, np.float32).shape == (7,)
    assert cuda.pagelocked_empty((), np.float32).shape == ()
    assert cuda.pagelocked_empty((0, 3), np.int8).shape == (0, 3)
    assert cuda.pagelocked_empty((np.int64(2), 3), np.int8).shape == (2, 3)
    c = np.ones((3, 2), dtype=np.int16)
    f = np.asfortranarray(np.ones((3, 2), dtype=np.complex64))
    for src in (c, f):
        for like in (cuda.pagelocked_empty_like(src), cuda.pagelocked_zeros_like(src)):
            assert like.shape == src.shape and like.dtype == src.dtype
            assert like.flags.c_contiguous == src.flags.c_contiguous
            assert like.flags.f_contiguous == src.flags.f_contiguous
            assert g.cudaPointerGetAttributes(like)[0].type == g.cudaMemoryTypeHost
    assert not cuda.pagelocked_zeros_like(c).any()
    with pytest.raises(ValueError, match="could not detect array order"):
        cuda.pagelocked_empty_like(np.ones((4, 4))[:, ::2])


@pytest.mark.parametrize("dtype", ["U4", object, ">f8" if np.little_endian else "<f8", [("a", "i4")], "M8[s]"])
def test_pagelocked_unsupported_dtype(dtype):
    with pytest.raises(TypeError, match=re.escape(str(np.dtype(dtype)))):
        cuda.pagelocked_empty(4, dtype)


def test_pagelocked_bad_arguments():
    with pytest.raises(ValueError, match="order"):
        cuda.pagelocked_empty(4, np.float32, order="K")
    with pytest.raises(ValueError, match="negative"):
        cuda.pagelocked_empty((2, -1), np.float32)
    with pytest.raises(TypeError):
        cuda.pagelocked_empty(2.5, np.float32)
    flags_ = cuda.host_alloc_flags
    for flags in (0, flags_.PORTABLE, flags_.DEVICEMAP | flags_.WRITECOMBINED):
        assert cuda.pagelocked_empty(4, np.float32, mem_flags=flags).shape == (4,)
    with pytest.raises(cuda.Error, match=r"cudaErrorInvalidValue.*mem_flags"):
        cuda.pagelocked_empty(4, np.float32, mem_flags=8)
    with pytest.raises(TypeError, match="mem_flags"):
        cuda.pagelocked_empty(4, np.float32, mem_flags="portable")


def test_pagelocked_memory_lives_with_its_views():
    free0 = free_bytes()
    a = cuda.pagelocked_empty(1024, np.float64)
    assert free_bytes() == free0  # pinned host memory uses no device memory
    a[...] = np.arange(1024)
    address = a.ctypes.data
    view = a[10:20]
    del a
    gc.collect()
    assert g.cudaPointerGetAttributes(address)[0].type == g.cudaMemoryTypeHost
    np.testing.assert_array_equal(view, np.arange(10, 20))
    del view
    gc.collect()
    assert g.cudaPointerGetAttributes(address)[0].type == g.cudaMemoryTypeUnregistered


# ---------------------------------------------------------- argument wrappers

def test_in_copies_before_the_call():
    a = np.arange(10, dtype=np.float32)
    arg = cuda.In(a)
    assert arg.array is a and isinstance(arg, cuda.ArgumentHandler)
    assert not hasattr(arg, "post_call")  # as in PyCUDA: launchers only sync for outputs
    arg.pre_call(None)
    alloc = arg.get_device_alloc()
    assert alloc is arg.get_device_alloc() and alloc._ptr.extent == a.nbytes
    out = np.zeros_like(a)
    cuda.memcpy_dtoh(out, alloc)
    np.testing.assert_array_equal(out, a)


def test_out_copies_after_the_call():
    a = np.zeros(10, dtype=np.int32)
    arg = cuda.Out(a)
    arg.pre_call(None)  # nothing copied in
    cuda.memcpy_htod(arg.get_device_alloc(), np.arange(10, dtype=np.int32))  # "the kernel"
    arg.post_call(None)
    np.testing.assert_array_equal(a, np.arange(10))


def test_inout_round_trip_on_a_stream(gate):
    a = np.arange(8, dtype=np.float64)
    arg = cuda.InOut(a)
    s = cuda.Stream()
    arg.pre_call(s)
    tmp = cuda.mem_alloc(a.nbytes)
    cuda.memcpy_htod(tmp, a * 2)
    gt = gate(s._stream)
    cuda.memcpy_dtod_async(arg.get_device_alloc(), tmp, a.nbytes, s)  # "the kernel", held by the gate
    threading.Timer(0.1, gt.open).start()
    arg.post_call(s)  # waits for the stream: the array is ready on return
    np.testing.assert_array_equal(a, np.arange(8) * 2.0)


def test_argument_handler_errors():
    with pytest.raises(TypeError, match="could not determine array length"):
        cuda.In([1, 2, 3]).get_device_alloc()
    with pytest.raises(TypeError, match="expected a stream"):
        cuda.In(np.zeros(2)).pre_call("stream")


# -------------------------------------------------------------------- autoinit

def test_autoinit_in_process():
    from PyGPU import autoinit

    assert autoinit.device == cuda.Device(0)
    assert isinstance(autoinit.context, cuda.Context)
    assert autoinit.context == cuda.Context.get_current()


def test_autoinit_honours_cuda_device():
    code = ("import PyGPU, PyGPU.autoinit as a, PyGPU.driver as cuda;"
            "print(PyGPU.backend, int(a.device), PyGPU.cudaGetDevice()[0], cuda.Context.get_device() == a.device)")
    result = run_python(code, PYGPU_BACKEND="sim", PYGPU_SIM_DEVICES="2", CUDA_DEVICE="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sim", "1", "1", "True"]
    result = run_python("import PyGPU.autoinit", PYGPU_BACKEND="sim", PYGPU_SIM_DEVICES="2", CUDA_DEVICE="5")
    assert result.returncode != 0 and "cudaErrorInvalidDevice" in result.stderr


PYCUDA_STYLE = """
import numpy as np
import PyGPU.autoinit
import PyGPU.driver as cuda

a = np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32)
a_gpu = cuda.mem_alloc(a.nbytes)
cuda.memcpy_htod(a_gpu, a)
b_gpu = cuda.mem_alloc(a.nbytes)
cuda.memcpy_dtod(b_gpu, a_gpu, a.nbytes)

stream = cuda.Stream()
start, end = cuda.Event(), cuda.Event()
start.record(stream)
result = cuda.pagelocked_empty_like(a)
cuda.memcpy_dtoh_async(result, b_gpu, stream)
end.record(stream)
end.synchronize()
assert stream.is_done()
print("equal", bool(np.array_equal(result, a)))
print("timed", start.time_till(end) >= 0.0)
back = np.empty_like(a)
cuda.memcpy_dtoh(back, a_gpu)
print("sync", bool(np.array_equal(back, a)))
free, total = cuda.mem_get_info()
print("device", cuda.Device(0).name(), cuda.Device(0).compute_capability(), free <= total)
"""


def test_pycuda_style_snippet_in_a_fresh_interpreter():
    result = run_python(PYCUDA_STYLE, PYGPU_BACKEND="sim")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "equal True", "timed True", "sync True", "device PyGPU Simulated Device (8, 0) True"]


def test_pycuda_style_snippet_in_process(capsys):
    exec(compile(PYCUDA_STYLE, "<pycuda-style>", "exec"), {})
    assert "equal True" in capsys.readouterr().out


@pytest.mark.parametrize("junk", [1.5, (1, 2), None, 4096])
def test_device_allocation_wraps_only_pointers(junk):
    """Anything was accepted, and the destructor then raised on it (unraisable AttributeError)."""
    with pytest.raises(TypeError, match=r"^DeviceAllocation wraps a pointer from cudaMalloc, got "):
        cuda.DeviceAllocation(junk)
