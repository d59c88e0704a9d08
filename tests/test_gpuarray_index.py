"""Gathers and scatters (take, multi_take, multi_put, multi_take_put), integer GPUArray indexing, broadcasting
assignment and cumsum, against numpy; PyCUDA's errors; every generated source compiled by NVRTC and hiprtc."""

from __future__ import annotations

import re

import numpy as np
import pytest

import PyGPU as g
import PyGPU.driver as cuda
from helpers import needs_hiprtc, needs_nvrtc, run_python, sample
from PyGPU import elementwise
from PyGPU._compile import compile_for

DTYPES = [np.dtype(d) for d in g.dtypes]
INDEX_DTYPES = [np.dtype(d) for d in (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64,
                                      np.uint64)]


def indices_for(n: int, count: int, dtype=np.int64, seed: int = 0) -> np.ndarray:
    """`count` valid indices into `n` elements (repeats included), of `dtype`."""
    return np.random.default_rng(seed).integers(0, n, count).astype(dtype)


def same(result: np.ndarray, expected: np.ndarray) -> None:
    assert result.dtype == expected.dtype and result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)


# ------------------------------------------------------------------------------------------------------ take

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_take_every_dtype(dtype):
    h = sample(100, dtype)
    idx = indices_for(100, 57)
    out = g.take(g.to_gpu(h), g.to_gpu(idx))
    assert isinstance(out, g.GPUArray) and out.shape == (57,)
    same(out.get(), np.take(h, idx))


@pytest.mark.parametrize("idx_dtype", INDEX_DTYPES, ids=str)
def test_take_every_index_dtype(idx_dtype):
    h = sample(120, np.float32, seed=1)
    idx = indices_for(120, 300, idx_dtype, seed=2)
    same(g.take(g.to_gpu(h), g.to_gpu(idx)).get(), h[idx])


def test_take_memory_order_out_stream_and_empty():
    h = sample((6, 7), np.int32)
    idx = indices_for(42, 20)
    same(g.take(g.to_gpu(h), g.to_gpu(idx)).get(), h.ravel()[idx])  # flat, C order
    f = np.asfortranarray(h)
    same(g.take(g.to_gpu(f), g.to_gpu(idx)).get(), h.ravel(order="F")[idx])  # memory order, as PyCUDA
    strided = sample((40,), np.int32)[::3]
    same(g.take(g.to_gpu(sample((40,), np.int32))[::3], g.to_gpu(idx % 14)).get(), strided[idx % 14])
    out = g.zeros(30, np.int32)
    stream = cuda.Stream()
    assert g.take(g.to_gpu(h), g.to_gpu(idx), out=out, stream=stream) is out
    stream.synchronize()
    same(out.get()[:20], h.ravel()[idx])
    assert (out.get()[20:] == 0).all()  # only indices.size elements are written
    same(g.take(g.to_gpu(h), g.to_gpu(np.zeros(0, np.int32))).get(), np.zeros(0, np.int32))
    same(g.take(g.to_gpu(h), g.to_gpu(idx)[::2]).get(), h.ravel()[idx[::2]])  # strided indices


def test_take_errors():
    a, idx = g.zeros(5, np.float32), g.to_gpu(np.array([1, 2]))
    with pytest.raises(TypeError, match="a must be a GPUArray"):
        g.take(np.zeros(5), idx)
    with pytest.raises(TypeError, match="indices must be a GPUArray"):
        g.take(a, np.array([1, 2]))
    with pytest.raises(TypeError, match="integer dtype, not float64"):
        g.take(a, g.to_gpu(np.array([1.0])))
    with pytest.raises(ValueError, match="indices must be 1D"):
        g.take(a, g.zeros((2, 2), np.int32))
    with pytest.raises(g.DtypeMismatchError, match="same dtype"):
        g.take(a, idx, out=g.zeros(2, np.float64))
    with pytest.raises(ValueError, match="holds 1 elements, fewer than the 2"):
        g.take(a, idx, out=g.zeros(1, np.float32))
    with pytest.raises(RuntimeError, match="out must be contiguous"):
        g.take(a, idx, out=g.zeros(4, np.float32)[::2])


# ------------------------------------------------------------------------------------------------------ multi_*

@pytest.mark.parametrize("count", [1, 3, 20, 25])  # 25: two launches of PyCUDA's 20-array chunks
def test_multi_take(count):
    hosts = [sample(50, np.float64, seed=k) for k in range(count)]
    idx = indices_for(50, 33, np.int32)
    outs = g.multi_take([g.to_gpu(h) for h in hosts], g.to_gpu(idx))
    assert len(outs) == count
    for o, h in zip(outs, hosts):
        same(o.get(), h[idx])


@pytest.mark.parametrize("dtype", [np.int8, np.uint64, np.float32, np.complex128, np.bool_], ids=str)
@pytest.mark.parametrize("count", [1, 12])  # 12: two launches of PyCUDA's 10-array chunks
def test_multi_put(dtype, count):
    hosts = [sample(40, dtype, seed=k) for k in range(count)]
    dest = np.random.default_rng(3).permutation(64)[:40]  # distinct: numpy's last-write-wins is not a GPU's
    outs = g.multi_put([g.to_gpu(h) for h in hosts], g.to_gpu(dest), out=[g.zeros(64, dtype) for _ in hosts])
    for o, h in zip(outs, hosts):
        expected = np.zeros(64, dtype)
        expected[dest] = h
        same(o.get(), expected)
    new = g.multi_put([g.to_gpu(hosts[0])], g.to_gpu(dest), dest_shape=(8, 8))
    assert new[0].shape == (8, 8)
    same(new[0].get().ravel()[dest], hosts[0])


@pytest.mark.parametrize("with_offsets", [False, True])
@pytest.mark.parametrize("count", [1, 11, 21])
def test_multi_take_put(with_offsets, count):
    hosts = [sample(100, np.int16, seed=k) for k in range(count)]
    dest = np.random.default_rng(4).permutation(30)[:25].astype(np.int32)
    src = indices_for(60, 25, np.int32, seed=5)
    offsets = [k % 7 * 5 for k in range(count)] if with_offsets else None
    outs = g.multi_take_put([g.to_gpu(h) for h in hosts], g.to_gpu(dest), g.to_gpu(src), dest_shape=30,
                            out=[g.zeros(30, np.int16) for _ in hosts], src_offsets=offsets)
    for k, (o, h) in enumerate(zip(outs, hosts)):
        expected = np.zeros(30, np.int16)
        expected[dest] = h[src + (offsets[k] if offsets else 0)]
        same(o.get(), expected)


def test_multi_errors():
    a, b = g.zeros(5, np.float32), g.zeros(5, np.float64)
    idx = g.to_gpu(np.array([0, 1], np.int32))
    assert g.multi_take([], idx) == [] and g.multi_put([], idx) == [] and g.multi_take_put([], idx, idx) == []
    with pytest.raises(ValueError, match="same dtype"):
        g.multi_take([a, b], idx)
    with pytest.raises(ValueError, match="out and arrays must have the same length"):
        g.multi_take([a, a], idx, out=[g.zeros(2, np.float32)])
    with pytest.raises(TypeError, match="out must hold GPUArrays"):
        g.multi_take([a], idx, out=[np.zeros(2, np.float32)])
    with pytest.raises(TypeError, match="arrays and out must have the same dtype"):
        g.multi_put([a], idx, out=[g.zeros(5, np.float64)])
    with pytest.raises(ValueError, match="dest_shape is required"):
        g.multi_put([a], idx)
    with pytest.raises(ValueError, match="dest_indices must be 1D"):
        g.multi_put([a], g.zeros((1, 2), np.int32), dest_shape=5)
    with pytest.raises(ValueError, match="arrays holds 1 elements, fewer than the 2"):
        g.multi_put([g.zeros(1, np.float32)], idx, dest_shape=5)
    with pytest.raises(TypeError, match="src_indices and dest_indices must have the same dtype"):
        g.multi_take_put([a], idx, g.to_gpu(np.array([0, 1], np.int64)), dest_shape=5)
    with pytest.raises(ValueError, match="src_indices and dest_indices must have the same shape"):
        g.multi_take_put([a], idx, idx[:1], dest_shape=5)
    with pytest.raises(ValueError, match="src_indices must be 1D"):
        g.multi_take_put([a], idx.reshape(1, 2), idx.reshape(1, 2), dest_shape=5)
    with pytest.raises(ValueError, match="src_offsets must have the same length"):
        g.multi_take_put([a, a], idx, idx, dest_shape=5, src_offsets=[1])
    with pytest.raises(TypeError, match="must be of an integer dtype"):
        g.multi_take_put([a], a, a, dest_shape=5)


OUT_OF_RANGE = r"""
import numpy as np
import PyGPU as g, PyGPU.sim as sim
a = g.to_gpu(np.arange(1024, dtype=np.float32))  # 4 KiB: flush against the allocation's guard
idx = g.to_gpu(np.array([0, 1, 1024 + 3], np.int64))
try:
    g.take(a, idx).get()
    print("no error")
except g.CudaError as e:
    print(e.code, e.name)
print(sim.last_message())
sim.reset()
a = g.to_gpu(np.arange(8, dtype=np.float32))
print(g.take(a, g.to_gpu(np.array([7, 0]))).get().tolist())
"""


def test_take_out_of_range_is_a_device_error_not_a_crash():
    """PyCUDA reads garbage; the simulated device's guard catches the read: cudaErrorIllegalAddress naming the
    take kernel, raised by the next synchronising call, and the process goes on after PyGPU.sim.reset()."""
    if g.backend != "sim":
        pytest.skip("the simulated device is not the active backend")
    result = run_python(OUT_OF_RANGE)
    assert result.returncode == 0, result.stdout + result.stderr
    error, message, after = result.stdout.splitlines()
    assert error == "700 cudaErrorIllegalAddress"
    assert "kernel 'take'" in message and "read of 0x" in message and "past the end of device allocation" in \
        message, message
    assert after == "[7.0, 0.0]"


# ------------------------------------------------------------------------------------------------ GPUArray[...]

@pytest.mark.parametrize("dtype", [np.int32, np.float64, np.complex64, np.uint8], ids=str)
def test_getitem_with_an_index_array(dtype):
    h = sample(30, dtype)
    for idx in (np.array([3, -1, 0, -30, 29]), np.array([[1, 2], [-3, 4]], np.int16), np.array([5], np.uint32),
                np.zeros((0, 2), np.int64)):
        same(g.to_gpu(h)[g.to_gpu(idx)].get(), h[idx])


def test_getitem_with_an_index_array_errors():
    a = g.to_gpu(np.arange(10.0))
    with pytest.raises(IndexError, match="index 10 is out of bounds for axis 0 with size 10"):
        a[g.to_gpu(np.array([0, 10]))]
    with pytest.raises(IndexError, match="index -11 is out of bounds for axis 0 with size 10"):
        a[g.to_gpu(np.array([-11]))]
    with pytest.raises(IndexError, match="must be of integer type, not bool"):
        a[g.to_gpu(np.array([True, False]))]
    with pytest.raises(IndexError, match="1-D array only"):
        g.zeros((2, 2))[g.to_gpu(np.array([0]))]
    for index in ((g.to_gpu(np.array([0])), ...), np.array([0]), [0, 1]):
        with pytest.raises(IndexError, match="an integer index array must be a GPUArray, alone, on a 1-D array"):
            a[index]


def test_setitem_with_an_index_array():
    h = np.arange(20.0)
    a = g.to_gpu(h)
    idx = np.array([2, -1, 5])
    h[idx] = 7.5
    a[g.to_gpu(idx)] = 7.5
    same(a.get(), h)
    h[idx] = [1.0, 2.0, 3.0]
    a[g.to_gpu(idx)] = np.array([1.0, 2.0, 3.0])
    same(a.get(), h)
    h[idx] = -1.0
    a[g.to_gpu(idx)] = g.to_gpu(np.array([-1.0]))  # broadcast
    same(a.get(), h)
    strided_host = np.arange(30, dtype=np.int32)
    strided = g.to_gpu(strided_host)
    view = strided[::3]
    view[g.to_gpu(np.array([[0, 9], [4, 5]]))] = np.array([[100, 200], [300, 400]], np.int32)
    strided_host[::3][np.array([[0, 9], [4, 5]])] = [[100, 200], [300, 400]]
    same(strided.get(), strided_host)  # written through the view, the gaps untouched
    with pytest.raises(g.DtypeMismatchError, match="dtype mismatch"):
        a[g.to_gpu(idx)] = g.to_gpu(np.array([1, 2, 3], np.int32))
    with pytest.raises(ValueError, match="could not broadcast input array from shape"):
        a[g.to_gpu(idx)] = np.array([1.0, 2.0])
    with pytest.raises(IndexError, match="out of bounds"):
        a[g.to_gpu(np.array([20]))] = 1.0
    with pytest.raises(TypeError, match="cannot assign a list"):
        a[g.to_gpu(idx)] = [1.0, 2.0, 3.0]


def test_setitem_broadcasts_as_numpy():
    h = np.zeros((3, 4, 5), np.float32)
    a = g.to_gpu(h)
    row = sample(5, np.float32)
    a[1] = g.to_gpu(row)
    h[1] = row
    same(a.get(), h)
    col = sample((3, 1, 1), np.float32, seed=1)
    a[:, ::2, 1:4] = g.to_gpu(col)
    h[:, ::2, 1:4] = col
    same(a.get(), h)
    a[0, :, 0] = np.array([[1.0, 2.0, 3.0, 4.0]], np.float32)  # a leading axis of length 1 is dropped
    h[0, :, 0] = np.array([[1.0, 2.0, 3.0, 4.0]], np.float32)
    same(a.get(), h)
    a[2] = np.arange(5, dtype=np.float32)
    h[2] = np.arange(5)
    same(a.get(), h)
    with pytest.raises(ValueError, match=re.escape("could not broadcast input array from shape (4,) into shape "
                                                   "(3, 4, 5)")):
        a[...] = g.zeros(4, np.float32)
    with pytest.raises(ValueError, match="could not broadcast"):
        a[0] = np.zeros((2, 4, 5), np.float32)
    with pytest.raises(g.DtypeMismatchError):
        a[0] = g.zeros(5, np.float64)


# ------------------------------------------------------------------------------------------------------ cumsum

@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int32, np.uint64, np.float32, np.float64, np.bool_],
                         ids=str)
def test_cumsum_like_numpy(dtype):
    h = (np.arange(3000) % 7).astype(dtype).reshape(30, 100)
    result = g.cumsum(g.to_gpu(h)[:, ::3]).get()
    expected = np.cumsum(h[:, ::3])
    assert result.dtype == expected.dtype
    np.testing.assert_allclose(result, expected, rtol=1e-6)


def test_cumsum_dtype_and_errors():
    same(g.cumsum(g.to_gpu(np.arange(4, dtype=np.int64)), dtype=np.float32).get(),
         np.cumsum(np.arange(4), dtype=np.float32))
    same(g.cumsum(g.zeros(0, np.int32)).get(), np.zeros(0, np.int64))
    with pytest.raises(TypeError, match="takes a GPUArray"):
        g.cumsum(np.arange(3))
    with pytest.raises(TypeError, match="float16"):
        g.cumsum(g.zeros(3, np.float16))
    z = (np.arange(5) + 1j * np.arange(5)[::-1]).astype(np.complex64)
    np.testing.assert_allclose(g.cumsum(g.to_gpu(z)).get(), np.cumsum(z), rtol=1e-6)


# ------------------------------------------------------------------------------------------ generated sources

def index_specs():
    """Every gather/scatter kernel spec, for every dtype (and the index dtypes, offsets, chunk sizes)."""
    e = elementwise
    specs = []
    for dt in [*DTYPES, g.vec.float3, g.vec.double2, g.vec.char4]:
        specs += [e._take_spec(dt, np.int32), e._put_spec(dt, np.int64), e._take_put_spec(dt, np.uint32, True)]
    for it in INDEX_DTYPES:
        specs += [e._take_spec(np.float32, it, 20), e._take_put_spec(np.float32, it, False, 20),
                  e._take_put_spec(np.float32, it, True, 10), e._put_spec(np.float32, it, 10)]
    return specs


def test_the_index_specs_cover_every_generator():
    assert {spec[2] for spec in index_specs()} == {"take", "take_put", "put"}
    with pytest.raises(TypeError, match="integer dtype"):
        elementwise._take_spec(np.float32, np.float32)


def _batched():
    from test_elementwise import batched_source

    return batched_source(index_specs())


@needs_nvrtc
def test_every_index_kernel_compiles_with_nvrtc(tmp_path, monkeypatch):
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(tmp_path))
    source, count = _batched()
    ptx, _ = compile_for("cuda", source, arch="compute_80", cache=False)
    assert len(re.findall(rb"\.entry ", ptx)) == count


@needs_hiprtc
def test_every_index_kernel_compiles_with_hiprtc(tmp_path, monkeypatch):
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(tmp_path))
    source, count = _batched()
    image, _ = compile_for("hip", source, arch="gfx90a", cache=False)
    assert image[:4] == b"\x7fELF"
    assert image.count(b".kd\0") >= count
