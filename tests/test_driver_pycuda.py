"""The rest of pycuda.driver that scripts reach for: pitched copies, memsets, registered memory, to/from_device,
PointerHolderBase and the error for a PyCUDA name PyGPU lacks; checked against numpy on the simulated device."""

from __future__ import annotations

import numpy as np
import pytest

import PyGPU
import PyGPU.driver as cuda
from PyGPU import _memset


def err_name(excinfo: pytest.ExceptionInfo[PyGPU.CudaError]) -> str:
    return excinfo.value.name


# -- to_device / from_device / from_device_like / PointerHolderBase ------------------------------------------

def test_to_device_from_device_round_trip() -> None:
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    d = cuda.to_device(a)
    assert cuda.from_device(d, (3, 4), np.float64).tolist() == a.tolist()
    f = cuda.from_device(d, (4, 3), np.float64, order="F")
    assert f.flags.f_contiguous and (f == a.ravel().reshape(4, 3, order="F")).all()
    like = cuda.from_device_like(d, np.empty((2, 6), np.float64))
    assert like.shape == (2, 6) and (like.ravel() == a.ravel()).all()


def test_to_device_copies_a_non_contiguous_array_in_c_order() -> None:
    a = np.arange(16, dtype=np.int32).reshape(4, 4)[:, ::2]
    assert (cuda.from_device(cuda.to_device(a), (4, 2), np.int32) == a).all()


def test_to_device_and_from_device_refuse_the_wrong_memory() -> None:
    with pytest.raises(TypeError):
        cuda.to_device(cuda.mem_alloc(8))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cuda.to_device(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cuda.from_device(np.zeros(4), 4, np.float64)
    with pytest.raises(PyGPU.CudaError) as e:
        cuda.from_device(cuda.mem_alloc(8), 4, np.float64)  # 32 bytes from 8
    assert err_name(e) == "cudaErrorInvalidValue"


class Holder(cuda.PointerHolderBase):
    def __init__(self, nbytes: int) -> None:
        super().__init__()
        self.alloc = cuda.mem_alloc(nbytes)

    def get_pointer(self) -> int:
        return int(self.alloc)


def test_pointer_holder_is_device_memory_everywhere() -> None:
    h = Holder(64)
    assert int(h) == int(h.alloc)
    a = np.arange(16, dtype=np.int32)
    cuda.memcpy_htod(h, a)
    assert (cuda.from_device(h, 16, np.int32) == a).all()
    cuda.memset_d32(h, 9, 16)
    assert (cuda.from_device_like(h, a) == 9).all()
    c = cuda.Memcpy2D()
    c.set_src_device(h)
    out = np.zeros(4, np.int32)
    c.set_dst_host(out)
    c.src_pitch = c.dst_pitch = c.width_in_bytes = 16
    c.height = 1
    c()
    assert out.tolist() == [9, 9, 9, 9]


def test_pointer_holder_base_needs_get_pointer() -> None:
    with pytest.raises(NotImplementedError, match="get_pointer"):
        int(cuda.PointerHolderBase())


# -- Memcpy2D / Memcpy3D / mem_alloc_pitch ---------------------------------------------------------------------

def test_mem_alloc_pitch() -> None:
    d, pitch = cuda.mem_alloc_pitch(100, 3, 4)
    assert pitch == 512 and isinstance(d, cuda.DeviceAllocation)
    assert cuda.mem_alloc_pitch(513, 1, 16)[1] == 1024
    for args in ((100, 3, 2), (0, 3, 4), (100, 0, 8)):
        with pytest.raises(PyGPU.CudaError) as e:
            cuda.mem_alloc_pitch(*args)
        assert err_name(e) == "cudaErrorInvalidValue"
    with pytest.raises(TypeError):
        cuda.mem_alloc_pitch(1.5, 3, 4)  # type: ignore[arg-type]


@pytest.mark.parametrize("use_stream", [False, True])
def test_memcpy2d_through_pitched_memory(use_stream: bool) -> None:
    a = np.arange(5 * 7, dtype=np.float32).reshape(5, 7)
    d, pitch = cuda.mem_alloc_pitch(a.strides[0], 5, 4)
    stream = cuda.Stream() if use_stream else None
    up = cuda.Memcpy2D()
    up.set_src_host(a)
    up.set_dst_device(d)
    up.src_pitch, up.dst_pitch, up.width_in_bytes, up.height = a.strides[0], pitch, a.strides[0], 5
    if stream is None:
        up(aligned=True)
    else:
        up(stream)
    # a sub-rectangle back: rows 1..3, columns 2..5
    out = np.zeros((3, 4), np.float32)
    down = cuda.Memcpy2D()
    down.set_src_device(d)
    down.set_dst_host(out)
    down.src_pitch, down.dst_pitch = pitch, out.strides[0]
    down.src_x_in_bytes, down.src_y = 2 * 4, 1
    down.width_in_bytes, down.height = 4 * 4, 3
    if stream is None:
        down()
    else:
        down(stream)
        stream.synchronize()
    assert (out == a[1:4, 2:6]).all()


def test_memcpy2d_offsets_into_the_destination_and_device_to_device() -> None:
    a = np.arange(6, dtype=np.uint8).reshape(2, 3)
    d1, d2 = cuda.to_device(a), cuda.to_device(np.zeros((4, 5), np.uint8))
    c = cuda.Memcpy2D()
    c.set_src_device(d1)
    c.set_dst_device(d2)
    c.src_pitch, c.dst_pitch, c.width_in_bytes, c.height = 3, 5, 3, 2
    c.dst_x_in_bytes, c.dst_y = 1, 2
    c()
    expected = np.zeros((4, 5), np.uint8)
    expected[2:4, 1:4] = a
    assert (cuda.from_device(d2, (4, 5), np.uint8) == expected).all()


def test_memcpy2d_host_to_host() -> None:
    a = np.arange(8, dtype=np.uint8).reshape(2, 4)
    out = np.zeros((2, 2), np.uint8)
    c = cuda.Memcpy2D()
    c.set_src_host(a)
    c.set_dst_host(out)
    c.src_pitch, c.dst_pitch, c.width_in_bytes, c.height, c.src_x_in_bytes = 4, 2, 2, 2, 2
    c()
    assert (out == a[:, 2:]).all()


def test_memcpy2d_errors() -> None:
    c = cuda.Memcpy2D()
    with pytest.raises(PyGPU.CudaError) as e:
        c()
    assert err_name(e) == "cudaErrorInvalidValue" and "never set" in str(e.value)
    c.set_src_host(np.zeros(16, np.uint8))
    c.set_dst_device(cuda.mem_alloc(16))
    c.src_pitch, c.dst_pitch, c.width_in_bytes, c.height = 4, 4, 8, 2
    with pytest.raises(PyGPU.CudaError) as e:
        c()  # width larger than the pitches
    assert err_name(e) == "cudaErrorInvalidPitchValue"
    c.src_pitch = c.dst_pitch = 8
    c.height = 3  # 24 bytes from a 16-byte buffer
    with pytest.raises(PyGPU.CudaError) as e:
        c()
    assert err_name(e) == "cudaErrorInvalidValue"
    c.height = -1
    with pytest.raises(ValueError, match="height must be >= 0"):
        c()
    with pytest.raises(TypeError):
        c.set_src_host(cuda.mem_alloc(4))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c.set_dst_device(np.zeros(4))
    with pytest.raises(TypeError):
        c.set_src_host(np.zeros((4, 4))[:, ::2])


@pytest.mark.parametrize("use_stream", [False, True])
def test_memcpy3d_sub_box(use_stream: bool) -> None:
    a = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)
    d = cuda.to_device(a)
    out = np.zeros((2, 3, 4), np.int16)
    c = cuda.Memcpy3D()
    c.set_src_device(d)
    c.set_dst_host(out)
    c.src_pitch, c.src_height = 6 * 2, 5
    c.dst_pitch, c.dst_height = 4 * 2, 3
    c.src_x_in_bytes, c.src_y, c.src_z = 1 * 2, 2, 1
    c.width_in_bytes, c.height, c.depth = 4 * 2, 3, 2
    if use_stream:
        s = cuda.Stream()
        c(s)
        s.synchronize()
    else:
        c()
    assert (out == a[1:3, 2:5, 1:5]).all()


def test_memcpy3d_errors() -> None:
    c = cuda.Memcpy3D()
    c.set_src_host(np.zeros(64, np.uint8))
    c.set_dst_host(np.zeros(64, np.uint8))
    c.src_pitch = c.dst_pitch = c.width_in_bytes = 4
    c.height, c.depth, c.src_height, c.dst_height = 4, 2, 2, 4
    with pytest.raises(PyGPU.CudaError) as e:
        c()  # 4 rows in slices of 2
    assert err_name(e) == "cudaErrorInvalidValue"
    c.src_height, c.src_lod = 4, 1
    with pytest.raises(PyGPU.CudaError) as e:
        c()
    assert err_name(e) == "cudaErrorInvalidValue"
    c.src_lod, c.depth = 0, 5  # 5 slices of 16 bytes from 64
    with pytest.raises(PyGPU.CudaError) as e:
        c()
    assert err_name(e) == "cudaErrorInvalidValue"


# -- memsets ---------------------------------------------------------------------------------------------------

SIZES = [0, 1, 3, _memset.SEED_ELEMENTS - 1, _memset.SEED_ELEMENTS, _memset.SEED_ELEMENTS + 1, 3 * 4096 + 5]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("name", "dtype", "value"), [
    ("d8", np.uint8, 0xA5), ("d16", np.uint16, 0x1234), ("d16", np.uint16, 0x7777),
    ("d32", np.uint32, 0xDEADBEEF), ("d32", np.uint32, 0), ("d32", np.uint32, 0x01010101)])
@pytest.mark.parametrize("use_async", [False, True])
def test_memset_fills_exactly_the_range(n: int, name: str, dtype: type[np.unsignedinteger], value: int,
                                        use_async: bool) -> None:
    total = n * np.dtype(dtype).itemsize + 16
    d = cuda.to_device(np.full(total, 0x5A, np.uint8))
    target = int(d) + 8
    if use_async:
        s = cuda.Stream()
        getattr(cuda, f"memset_{name}_async")(target, value, n, s)
        s.synchronize()
    else:
        getattr(cuda, f"memset_{name}")(target, value, n)
    raw = cuda.from_device(d, total, np.uint8)
    assert (raw[:8] == 0x5A).all() and (raw[-8:] == 0x5A).all()
    assert (raw[8:-8].view(dtype) == value).all()


def test_memset_async_is_ordered_on_its_stream() -> None:
    s = cuda.Stream()
    host = cuda.pagelocked_empty(1000, np.uint32)
    d = cuda.mem_alloc(host.nbytes)
    cuda.memset_d32_async(d, 1, 1000, s)
    cuda.memset_d32_async(d, 0x12345678, 500, s)
    cuda.memcpy_dtoh_async(host, d, s)
    s.synchronize()
    assert (host[:500] == 0x12345678).all() and (host[500:] == 1).all()


def test_memset_errors() -> None:
    d = cuda.mem_alloc(16)
    with pytest.raises(OverflowError):
        cuda.memset_d8(d, 256, 1)
    with pytest.raises(OverflowError):
        cuda.memset_d16(d, -1, 1)
    with pytest.raises(OverflowError):
        cuda.memset_d32(d, 1 << 32, 1)
    with pytest.raises(TypeError):
        cuda.memset_d32(d, 1.5, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="size must be >= 0"):
        cuda.memset_d16(d, 1, -1)
    with pytest.raises(TypeError):
        cuda.memset_d8(np.zeros(4), 1, 1)
    before = cuda.from_device(d, 16, np.uint8)
    for fn, value, count in ((cuda.memset_d8, 0x12, 17), (cuda.memset_d16, 0x0102, 9),
                             (cuda.memset_d32, 0x01020304, 5)):
        with pytest.raises(PyGPU.CudaError) as e:
            fn(d, value, count)  # past the end: nothing written
        assert err_name(e) == "cudaErrorInvalidValue"
    assert (cuda.from_device(d, 16, np.uint8) == before).all()
    handle, err = PyGPU.cudaStreamCreate()
    assert int(err) == 0 and handle is not None
    assert int(PyGPU.cudaStreamDestroy(handle)) == 0
    with pytest.raises(PyGPU.CudaError) as e:
        cuda.memset_d16_async(d, 0x0102, 2, handle)
    assert err_name(e) == "cudaErrorInvalidResourceHandle"
    d.free()
    with pytest.raises(PyGPU.CudaError) as e:
        cuda.memset_d32(d, 5, 1)
    assert err_name(e) == "cudaErrorInvalidValue"


# -- register_host_memory ----------------------------------------------------------------------------------------

def test_register_host_memory() -> None:
    a = np.arange(256, dtype=np.float32)
    r = cuda.register_host_memory(a, cuda.mem_host_register_flags.PORTABLE)
    assert isinstance(r.base, cuda.RegisteredHostMemory) and r.base.base is a
    assert r.ctypes.data == a.ctypes.data and r.shape == a.shape and r.dtype == a.dtype
    attrs, err = PyGPU.cudaPointerGetAttributes(a)
    assert int(err) == 0 and attrs is not None and int(attrs.type) == int(PyGPU.cudaMemoryTypeHost)
    d = cuda.mem_alloc(a.nbytes)
    s = cuda.Stream()
    cuda.memcpy_htod_async(d, r, s)
    s.synchronize()
    assert (cuda.from_device_like(d, a) == a).all()
    with pytest.raises(PyGPU.CudaError) as e:
        cuda.register_host_memory(a)  # already registered
    assert err_name(e) == "cudaErrorHostMemoryAlreadyRegistered"
    r.base.unregister()
    with pytest.raises(PyGPU.CudaError) as e:
        r.base.unregister()
    assert err_name(e) == "cudaErrorHostMemoryNotRegistered"
    r2 = cuda.register_host_memory(a)  # registrable again once unregistered
    del r2  # the last view unregisters
    cuda.register_host_memory(a).base.unregister()


def test_register_host_memory_errors() -> None:
    with pytest.raises(TypeError, match="register_host_memory"):
        cuda.RegisteredHostMemory(np.zeros(4))
    for bad in (b"abcd", np.zeros((4, 4))[:, ::2]):
        with pytest.raises(PyGPU.CudaError) as e:
            cuda.register_host_memory(bad)  # type: ignore[arg-type]
        assert err_name(e) == "cudaErrorInvalidValue"
    with pytest.raises(TypeError):
        cuda.register_host_memory(np.zeros(4), "x")  # type: ignore[arg-type]
    with pytest.raises(PyGPU.CudaError) as e:
        cuda.register_host_memory(np.zeros(4), 1 << 20)
    assert err_name(e) == "cudaErrorInvalidValue"
    with pytest.raises(PyGPU.CudaError) as e:
        cuda.register_host_memory(cuda.pagelocked_zeros(4, np.float32))
    assert err_name(e) == "cudaErrorHostMemoryAlreadyRegistered"


# -- PyCUDA names PyGPU lacks --------------------------------------------------------------------------------

def test_a_missing_pycuda_name_says_so_and_points_to_the_table() -> None:
    with pytest.raises(cuda.NotOfferedError, match=r"pycuda\.driver\.TextureReference is not offered.*"
                                                   r"compatibility table"):
        cuda.TextureReference  # noqa: B018
    assert not hasattr(cuda, "memset_d2d8")
    assert isinstance(cuda.NotOfferedError("x"), AttributeError)
    with pytest.raises(AttributeError) as e:
        cuda.no_such_name_anywhere  # noqa: B018
    assert not isinstance(e.value, cuda.NotOfferedError) and "no_such_name_anywhere" in str(e.value)


def test_the_names_now_offered_are_real_attributes() -> None:
    from PyGPU._pycuda_names import PYCUDA_DRIVER_NAMES
    offered = {"Memcpy2D", "Memcpy3D", "mem_alloc_pitch", "memset_d8", "memset_d16", "memset_d32",
               "memset_d8_async", "memset_d16_async", "memset_d32_async", "register_host_memory",
               "RegisteredHostMemory", "to_device", "from_device", "from_device_like", "PointerHolderBase",
               "memory_type", "mem_host_register_flags", "managed_empty", "managed_zeros", "managed_empty_like",
               "managed_zeros_like", "ManagedAllocation", "mem_attach_flags", "limit"}
    assert offered <= PYCUDA_DRIVER_NAMES
    for name in offered:
        assert name in vars(cuda), name


def test_context_limits_are_offered_and_what_is_not_says_so() -> None:
    for name in ("set_limit", "get_limit"):
        assert callable(getattr(cuda.Context, name)), name
    assert cuda.Context.get_limit(cuda.limit.STACK_SIZE) > 0  # tests/test_limits.py has the rest
    for name in ("memset_d2d32_async", "Memcpy3DPeer"):
        with pytest.raises(cuda.NotOfferedError, match=name):
            getattr(cuda, name)


def test_context_methods_scripts_call() -> None:
    ctx = cuda.Device(0).make_context()
    assert cuda.Context.get_current() == ctx
    assert cuda.Context.get_device() == cuda.Device(0)
    d = cuda.to_device(np.arange(4, dtype=np.int32))
    cuda.memset_d32_async(d, 7, 4)
    cuda.Context.synchronize()
    assert cuda.from_device(d, 4, np.int32).tolist() == [7, 7, 7, 7]
    ctx.pop()
    ctx.push()
    ctx.pop()


def test_memcpy2d_device_attributes_and_array_interface_sides() -> None:
    a = np.arange(8, dtype=np.uint8)
    src, dst = cuda.to_device(a), cuda.mem_alloc(8)

    class Interface:
        def __init__(self) -> None:
            self.__cuda_array_interface__ = {"shape": (8,), "typestr": "|u1", "data": (int(dst), False),
                                             "version": 3}

    c = cuda.Memcpy2D()
    assert c.src_device == 0 and c.dst_device == 0
    c.src_device = src
    c.set_dst_device(Interface())
    assert c.src_device == int(src) and c.dst_device == int(dst)
    assert c.src_memory_type == cuda.memory_type.DEVICE
    c.src_pitch = c.dst_pitch = 4
    c.width_in_bytes, c.height, c.src_x_in_bytes, c.dst_y = 2, 1, 2, 1  # bytes 2..3 to 4..5
    c()
    assert cuda.from_device(dst, 8, np.uint8)[4:6].tolist() == [2, 3]
    c.set_src_host(a)
    assert c.src_device == 0 and c.src_memory_type == cuda.memory_type.HOST


@pytest.mark.parametrize("name", ["set_src_array", "set_dst_array", "set_src_unified", "set_dst_unified"])
def test_memcpy_sides_pygpu_lacks_say_so(name: str) -> None:
    for cls in (cuda.Memcpy2D, cuda.Memcpy3D):
        assert not hasattr(cls(), name)
        with pytest.raises(cuda.NotOfferedError, match=rf"{cls.__name__}\.{name} is not offered"):
            getattr(cls(), name)
