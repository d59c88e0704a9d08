"""GPUArray views: indexing, __setitem__, reshape/ravel/view/squeeze/transpose,
copy(), and copies between the host and strided device views. Every view is
checked against the same index applied to a numpy array: shape, strides,
offset and values."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import PyGPU as g
from helpers import free_bytes, sample

DTYPES = list(g.dtypes)




def same(gpu_result: np.ndarray, expected: np.ndarray) -> None:
    assert isinstance(gpu_result, np.ndarray)
    assert gpu_result.dtype == expected.dtype and gpu_result.shape == expected.shape
    assert np.array_equal(gpu_result, expected)


def like_numpy(view: g.GPUArray, base: g.GPUArray, ref: np.ndarray, host: np.ndarray) -> None:
    """`view` (of `base`) is laid out as `ref` (the same index of `host`) and holds its values."""
    assert isinstance(view, g.GPUArray) and isinstance(ref, np.ndarray)
    assert view.shape == ref.shape and view.dtype == ref.dtype
    assert view.size == ref.size and view.nbytes == ref.nbytes
    if ref.size:  # an empty view reaches no memory: numpy normalises its strides, any are right
        assert view.strides == ref.strides
        assert view.ptr - base.ptr == ref.__array_interface__["data"][0] - host.__array_interface__["data"][0]
    same(view.get(), ref)


def axis_order(strides):
    return sorted(range(len(strides)), key=lambda axis: (-abs(strides[axis]), axis))


# Views of a (6, 7, 8, 5) array with 0 to 4 discontiguous axes, transposed,
# reversed, with new axes, and empty.
VIEWS = {
    "whole": lambda x: x[...],
    "1 gap, outer": lambda x: x[::2],
    "1 gap, inner": lambda x: x[:, :, :, ::2],
    "1 gap, middle": lambda x: x[:, 1:6],
    "2 gaps": lambda x: x[:, ::2, :, 1:4],
    "3 gaps": lambda x: x[::2, ::3, ::2],
    "4 gaps": lambda x: x[1::2, ::3, 1::3, ::2],
    "transposed": lambda x: x.T,
    "permuted": lambda x: x.transpose((2, 0, 3, 1)),
    "permuted and sliced": lambda x: x.transpose((3, 1, 0, 2))[1:4, ::2, :, ::3],
    "reversed outer": lambda x: x[::-1],
    "reversed inner": lambda x: x[..., ::-1],
    "reversed and stepped": lambda x: x[:, ::-2, :, ::-1],
    "mixed directions": lambda x: x[::-1, 1::2, ::-3, :],
    "newaxis": lambda x: x[:, None, ::2, None],
    "leading newaxis": lambda x: x[None],
    "int and slices": lambda x: x[2, :, ::2, 3],
    "ints": lambda x: x[5, 6, ::-1],
    "ellipsis": lambda x: x[1, ..., 2],
    "length 1": lambda x: x[:, 3:4, :, 2:3],
    "empty": lambda x: x[:, 5:2],
    "empty reversed": lambda x: x[::2, 2:5:-1],
    "0-d": lambda x: x[1, 2, 3, 4, ...],
}


# ----------------------------------------------------------- strided get/set

@pytest.mark.parametrize("case", list(VIEWS))
@pytest.mark.parametrize("order", ["C", "F"])
def test_get_of_views(case, order):
    host = np.asarray(sample((6, 7, 8, 5), np.float64), order=order)
    a = g.to_gpu(host)
    like_numpy(VIEWS[case](a), a, VIEWS[case](host), host)


@pytest.mark.parametrize("case", list(VIEWS))
@pytest.mark.parametrize("name", ["int16", "complex64"])
def test_set_of_views(case, name):
    host = sample((6, 7, 8, 5), name)
    a = g.to_gpu(host)
    ref = VIEWS[case](host)
    new = sample(ref.shape, name, seed=1)
    VIEWS[case](a).set(new)
    VIEWS[case](host)[...] = new
    same(a.get(), host)


def test_set_of_a_zero_dimensional_view():
    host = sample((6, 7), np.float32)
    a = g.to_gpu(host)
    a[2, 3].set(np.array(1.5, np.float32))
    a[-1, -1].set(np.array([2.5], np.float32).reshape(()))
    host[2, 3], host[-1, -1] = 1.5, 2.5
    same(a.get(), host)


@pytest.mark.parametrize("case", ["3 gaps", "permuted and sliced", "mixed directions", "newaxis"])
@pytest.mark.parametrize("layout", ["F", "reversed", "strided", "transposed"])
def test_set_of_views_from_any_host_layout(case, layout):
    host = sample((6, 7, 8, 5), np.float32)
    a = g.to_gpu(host)
    shape = VIEWS[case](host).shape
    new = sample(shape, np.float32, seed=2)
    src = {
        "F": np.asfortranarray(new),
        "reversed": new[::-1].copy()[::-1],
        "strided": np.repeat(new, 2, axis=-1)[..., ::2],
        "transposed": new.T.copy().T,
    }[layout]
    assert np.array_equal(src, new)
    VIEWS[case](a).set(src)
    VIEWS[case](host)[...] = new
    same(a.get(), host)


@pytest.mark.parametrize("case", ["transposed", "permuted", "permuted and sliced", "3 gaps", "reversed inner"])
def test_get_keeps_the_axis_order_of_the_view(case):
    host = sample((6, 7, 8, 5), np.int32)
    view = VIEWS[case](g.to_gpu(host))
    out = view.get()
    assert axis_order(out.strides) == axis_order(view.strides)
    # dense: the elements fill exactly size * itemsize bytes
    assert max(abs(s) * (n - 1) for s, n in zip(out.strides, out.shape)) < out.nbytes
    assert np.array_equal(out, VIEWS[case](host))


def test_get_of_a_transposed_matrix_is_f_ordered():
    host = sample((5, 9), np.float32)
    out = g.to_gpu(host).T.get()
    assert out.flags.f_contiguous and not out.flags.c_contiguous  # PyCUDA's compact strides
    same(out, host.T)
    back = g.to_gpu(out)
    assert back.flags.f_contiguous
    same(back.get(), host.T)


@pytest.mark.parametrize("case", ["3 gaps", "permuted and sliced", "mixed directions"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_get_of_views_into_a_provided_array(case, order):
    host = sample((6, 7, 8, 5), np.uint8)
    ref = VIEWS[case](host)
    out = np.zeros(ref.shape, np.uint8, order=order)
    assert VIEWS[case](g.to_gpu(host)).get(out) is out
    same(out, ref)


def test_views_share_memory():
    host = sample((4, 6), np.float64)
    a = g.to_gpu(host)
    a[1].fill(7)
    a[:, ::-2].set(np.zeros((4, 3)))
    a.T[0, 2:].set(np.ones(2))
    host[1] = 7
    host[:, ::-2] = 0
    host.T[0, 2:] = 1
    same(a.get(), host)
    v = a[2:]
    same(v.get(), host[2:])  # a view reads what was written through the base


def test_view_keeps_the_base_alive():
    before = free_bytes()
    host = sample((100, 100), np.float32)
    a = g.to_gpu(host)
    held = before - free_bytes()
    ref = weakref.ref(a)
    v = a[10:20, ::-3]
    assert v.base is a
    del a
    gc.collect()
    assert ref() is not None and free_bytes() == before - held
    same(v.get(), host[10:20, ::-3])
    vv = v[1:, None].T  # views of views keep the chain alive
    del v
    same(vv.get(), host[10:20, ::-3][1:, None].T)
    del vv
    assert ref() is None and free_bytes() == before


# --------------------------------------------------------------- __getitem__

INDICES = {
    "int": 3,
    "negative int": -1,
    "np.int64": np.int64(2),
    "two ints": (1, -2),
    "slice": slice(1, 5),
    "step": slice(None, None, 3),
    "start:stop:step": slice(1, 7, 2),
    "negative step": slice(None, None, -1),
    "negative step from": slice(6, 1, -2),
    "negative bounds": slice(-4, -1),
    "past the end": slice(3, 100),
    "a[5:2]": slice(5, 2),
    "a[100:]": slice(100, None),
    "a[2:5:-1]": slice(2, 5, -1),
    "ellipsis": Ellipsis,
    "ellipsis then int": (Ellipsis, 1),
    "int then ellipsis": (2, Ellipsis),
    "ellipsis in the middle": (1, Ellipsis, 3),
    "newaxis": None,
    "newaxis after": (slice(None), None),
    "newaxis and ellipsis": (None, Ellipsis, None),
    "empty tuple": (),
    "slices on both axes": (slice(1, None, 2), slice(None, None, -3)),
}


@pytest.mark.parametrize("name", list(INDICES))
def test_getitem_like_numpy(name):
    host = sample((7, 5), np.int64)
    a = g.to_gpu(host)
    index = INDICES[name]
    ref = host[index]
    if isinstance(ref, np.generic):  # numpy gives a scalar; the same index with ... gives its 0-d view
        ref = host[(*index, Ellipsis)]
    like_numpy(a[index], a, ref, host)


def test_empty_slice_is_empty_unlike_pycuda():
    a = g.to_gpu(np.arange(10.0))
    v = a[5:2]
    assert v.shape == (0,) and v.size == 0
    same(v.get(), np.zeros(0))
    v.set(np.zeros(0))
    v.fill(3)
    same(a.get(), np.arange(10.0))


def test_full_integer_indexing_gives_a_zero_dimensional_array():
    host = sample((3, 4), np.complex128)
    a = g.to_gpu(host)
    e = a[1, 2]
    assert isinstance(e, g.GPUArray) and e.shape == () and e.strides == () and e.size == 1
    assert e.ptr == a.ptr + (1 * 4 + 2) * 16 and e.base is a
    assert e.flags.c_contiguous and e.flags.f_contiguous
    same(e.get(), np.asarray(host[1, 2]))
    e.fill(5 - 1j)
    assert a.get()[1, 2] == 5 - 1j
    assert a[-1][-1].get() == host[-1, -1]


@pytest.mark.parametrize("index", [7, -8, (0, 5), (0, -6), (slice(None), 5), (100,)], ids=repr)
def test_integer_out_of_range(index):
    a = g.zeros((7, 5))
    with pytest.raises(IndexError, match="out of bounds"):
        a[index]


@pytest.mark.parametrize("index", [(1, 2, 3), (Ellipsis, 1, 2, 3), (0, slice(None), 0), (None, 1, 1, 1)], ids=repr)
def test_too_many_indices(index):
    with pytest.raises(IndexError, match="too many indices"):
        g.zeros((7, 5))[index]


def test_too_many_indices_on_zero_dimensional():
    with pytest.raises(IndexError, match="too many indices"):
        g.zeros(())[0]


def test_two_ellipses():
    with pytest.raises(IndexError, match="single ellipsis"):
        g.zeros((7, 5))[..., ...]
    with pytest.raises(IndexError, match="single ellipsis"):
        g.zeros((7, 5))[..., 1, ...]


@pytest.mark.parametrize("index", [
    np.array([True, False, True, False, True, False, True]),
    np.array([0, 2]),
    [0, 2],
    [True, False],
    (slice(None), np.array([1, 2])),
    (slice(None), [1]),
    True,
    np.bool_(False),
], ids=["bool mask", "int array", "int list", "bool list", "int array on axis 1", "list on axis 1", "True",
        "np.False_"])
def test_advanced_indexing_is_refused(index):
    a = g.zeros((7, 5))
    with pytest.raises(IndexError):
        a[index]


def test_gpuarray_as_index_is_refused():
    a = g.zeros((7, 5))
    with pytest.raises(IndexError):
        a[g.zeros(2, np.int64)]


@pytest.mark.parametrize("index", [1.0, "a", 1j, (0, 1.5), object()], ids=["float", "str", "complex", "float 2nd",
                                                                          "object"])
def test_non_integer_index(index):
    with pytest.raises(IndexError, match="invalid index"):
        g.zeros((7, 5))[index]


def test_slice_with_zero_step():
    with pytest.raises(ValueError, match="step cannot be zero"):
        g.zeros(4)[::0]


# --------------------------------------------------------------- __setitem__

def test_setitem_from_a_gpuarray_same_layout():
    host = sample((6, 5), np.float32)
    src = sample((2, 5), np.float32, seed=1)
    a, b = g.to_gpu(host), g.to_gpu(src)
    a[1:3] = b
    host[1:3] = src
    same(a.get(), host)
    same(b.get(), src)


@pytest.mark.parametrize(("target", "src_shape", "source"), [
    ((slice(None), slice(None, None, 2)), (6, 3), lambda s: s),
    ((slice(None, None, -1),), (6, 5), lambda s: s),
    ((Ellipsis,), (5, 6), lambda s: s.T),
    ((slice(1, 5), slice(1, 4)), (4, 6), lambda s: s[::-1, ::2]),
    ((slice(None, None, 2), 0), (3, 4), lambda s: s[:, 1]),
    ((2, slice(None)), (3, 5), lambda s: s[::-1][1]),
    ((slice(None), slice(None)), (5, 6), lambda s: s.T[:, ::-1]),
], ids=["strided target", "reversed target", "transposed source", "reversed strided source", "column",
        "row", "transposed reversed source"])
def test_setitem_from_a_gpuarray_any_layout(target, src_shape, source):
    host = sample((6, 5), np.int32)
    a = g.to_gpu(host)
    src_host = sample(src_shape, np.int32, seed=3)
    b = g.to_gpu(src_host)
    a[target] = source(b)
    host[target] = source(src_host)
    same(a.get(), host)
    same(b.get(), src_host)  # the source is unchanged


def test_setitem_from_a_gpuarray_errors():
    a = g.zeros((4, 4), np.float32)
    with pytest.raises(ValueError, match="shape"):
        a[1:3] = g.zeros((3, 4), np.float32)
    with pytest.raises(g.DtypeMismatchError, match="dtype"):
        a[1:3] = g.zeros((2, 4), np.float64)
    same(a.get(), np.zeros((4, 4), np.float32))


@pytest.mark.parametrize("index", [1, (slice(None), 1), (slice(None, None, 2), slice(None, None, -1)), Ellipsis, ()],
                         ids=repr)
def test_setitem_from_an_ndarray(index):
    host = sample((4, 6), np.uint16)
    a = g.to_gpu(host)
    new = sample(host[index].shape, np.uint16, seed=5)
    a[index] = new
    host[index] = new
    same(a.get(), host)
    a[index] = np.asfortranarray(new[..., ::-1])
    host[index] = new[..., ::-1]
    same(a.get(), host)


def test_setitem_from_an_ndarray_errors():
    a = g.zeros((4, 6), np.float32)
    with pytest.raises(ValueError, match="shape"):
        a[1] = np.zeros(5, np.float32)
    with pytest.raises(ValueError, match="shape"):
        a[:2] = np.zeros(12, np.float32)
    with pytest.raises(ValueError, match="same dtype") as info:
        a[1] = np.zeros(6, np.float64)
    assert isinstance(info.value, g.DtypeMismatchError)
    with pytest.raises(TypeError, match="cannot assign"):
        a[1] = [0.0] * 6
    with pytest.raises(TypeError, match="cannot assign"):
        a[1] = object()
    same(a.get(), np.zeros((4, 6), np.float32))


@pytest.mark.parametrize("name", DTYPES)
def test_setitem_scalar_every_dtype(name):
    host = sample((5, 6), name)
    a = g.to_gpu(host)
    value = np.ones((), name)[()]
    for index in [(slice(1, 3),), (slice(None), slice(None, None, 4)), (2, 3), (slice(None, None, -2), 1),
                  (Ellipsis,)]:
        a[index] = value
        host[index] = value
        same(a.get(), host)
    a[0] = 0
    host[0] = 0
    same(a.get(), host)


def test_setitem_python_scalars():
    a = g.zeros((3, 3), np.float64)
    a[0] = 2.5
    a[1, ::2] = 7
    a[2, 1] = True
    host = np.zeros((3, 3))
    host[0] = 2.5
    host[1, ::2] = 7
    host[2, 1] = True
    same(a.get(), host)
    b = g.zeros(3, np.uint8)
    with pytest.raises(OverflowError):
        b[0] = 256


# --------------------------------------------------- reshape, ravel, view...

def test_reshape_forms():
    host = sample((4, 6), np.float32)
    a = g.to_gpu(host)
    for args, expected in [(((3, 8),), (3, 8)), ((3, 8), (3, 8)), (([2, 12],), (2, 12)), ((24,), (24,)),
                           ((np.int64(24),), (24,)), (((2, -1, 3),), (2, 4, 3)), ((-1, 2), (12, 2)),
                           ((-1,), (24,)), (((1, 24, 1),), (1, 24, 1))]:
        r = a.reshape(*args)
        assert r.shape == expected and r.strides == host.reshape(expected).strides
        assert r.ptr == a.ptr  # a view
        same(r.get(), host.reshape(expected))


def test_reshape_with_minus_one_in_a_list():
    host = sample((4, 6), np.float32)
    a = g.to_gpu(host)
    same(a.reshape([-1, 3]).get(), host.reshape([-1, 3]))
    same(g.reshape(a, [3, -1]).get(), host.reshape([3, -1]))


def test_reshape_to_zero_dimensions():
    a = g.to_gpu(np.array([4.0]))
    r = a.reshape(())
    assert r.shape == ()
    same(r.get(), np.array(4.0))
    same(g.to_gpu(np.array(5)).reshape(1, 1).get(), np.array([[5]]))


def test_reshape_errors():
    a = g.zeros((4, 6))
    with pytest.raises(ValueError, match="one unknown dimension"):
        a.reshape(-1, -1)
    with pytest.raises(ValueError, match="cannot reshape"):
        a.reshape(5, 5)
    with pytest.raises(ValueError, match="cannot reshape"):
        a.reshape(-1, 5)
    with pytest.raises(ValueError, match="cannot reshape"):
        a.reshape(0, -1)
    with pytest.raises(ValueError, match="invalid order"):
        a.reshape(24, order="A")
    with pytest.raises(TypeError):
        a.reshape(2.0, 12)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("source", ["C", "F", "sliced", "transposed", "reversed"])
def test_reshape_values_like_numpy(source, order):
    host = sample((6, 4), np.int32)
    base = host if source != "F" else np.asfortranarray(host)
    a = g.to_gpu(base)
    fn = {"C": lambda x: x, "F": lambda x: x, "sliced": lambda x: x[1:5, ::2], "transposed": lambda x: x.T,
          "reversed": lambda x: x[::-1]}[source]
    view, ref = fn(a), fn(base)
    for shape in [(-1,), (2, -1), (ref.size // 2, 2, 1)]:
        r = view.reshape(shape, order=order)
        same(r.get(), ref.reshape(shape, order=order))
    same(view.get(), ref)  # the source is unchanged


def test_reshape_is_a_view_when_numpy_can_make_one():
    host = sample((6, 4), np.float64)
    a = g.to_gpu(host)
    f = a.T.reshape(24, order="F")  # a.T is F-contiguous
    assert f.ptr == a.ptr
    same(f.get(), host.T.reshape(24, order="F"))
    f.fill(0)
    same(a.get(), np.zeros((6, 4)))


def test_ravel():
    host = sample((3, 4, 5), np.complex64)
    a = g.to_gpu(host)
    r = a.ravel()
    assert r.shape == (60,) and r.ptr == a.ptr
    same(r.get(), host.ravel())
    same(a[:, ::2].ravel().get(), host[:, ::2].ravel())
    same(a.T.ravel().get(), host.T.ravel())
    f = g.to_gpu(np.asfortranarray(host))
    same(f.ravel().get(), host.ravel())
    same(g.zeros(()).ravel().get(), np.zeros(1))


@pytest.mark.parametrize(("old", "new"), [(np.float32, np.int32), (np.float64, np.uint8), (np.int16, np.float64),
                                      (np.complex128, np.float64), (np.uint8, np.complex64), (np.int8, np.bool_),
                                      (np.float16, np.int16)])
def test_view_as_another_dtype(old, new):
    host = sample((4, 8), old)
    if np.dtype(new) == np.bool_:
        host = host.view(np.uint8) % 2
        host = host.view(old)
    a = g.to_gpu(host)
    v = a.view(new)
    ref = host.view(new)
    assert v.shape == ref.shape and v.strides == ref.strides and v.dtype == np.dtype(new)
    assert v.ptr == a.ptr
    same(v.get(), ref)


def test_view_writes_through():
    a = g.zeros(4, np.float32)
    a.view(np.int32).fill(0x3F800000)
    same(a.get(), np.ones(4, np.float32))
    assert a.view().ptr == a.ptr and a.view().dtype == np.float32 and a.view().base is a


def test_view_of_strided_arrays():
    host = sample((4, 8), np.int32)
    a = g.to_gpu(host)
    same(a[::2].view(np.uint8).get(), host[::2].view(np.uint8))
    same(a[:, ::2].view(np.float32).get(), host[:, ::2].view(np.float32))  # same itemsize: any strides


def test_view_errors():
    with pytest.raises(ValueError, match="not a multiple"):
        g.zeros(3, np.float32).view(np.float64)
    with pytest.raises(ValueError, match="contiguous"):
        g.zeros((4, 8), np.int32)[:, ::2].view(np.int64)
    with pytest.raises(ValueError, match="contiguous"):
        g.zeros((4, 8), np.int32).T.view(np.int8)
    with pytest.raises(ValueError, match="contiguous"):
        g.zeros((), np.int32).view(np.int16)
    with pytest.raises(TypeError, match="not supported"):
        g.zeros(4, np.int32).view("U1")


@pytest.mark.parametrize("shape", [(1, 3, 1, 2), (1,), (), (3, 4), (1, 0, 1, 2), (0, 1)])
def test_squeeze_like_numpy(shape):
    host = sample(shape, np.int8)
    a = g.to_gpu(host)
    s = a.squeeze()
    ref = host.squeeze()
    assert s.shape == ref.shape  # keeps length-0 axes, unlike PyCUDA
    if ref.size:
        assert s.strides == ref.strides
    same(s.get(), ref)


@pytest.mark.parametrize("axes", [None, (0, 1, 2), (2, 1, 0), (1, 2, 0), (-1, 0, 1), [0, 2, 1], (2, -2, -3)], ids=repr)
def test_transpose_like_numpy(axes):
    host = sample((2, 3, 4), np.float32)
    a = g.to_gpu(host)
    t = a.transpose(axes)
    ref = host.transpose(axes)
    assert t.shape == ref.shape and t.strides == ref.strides and t.ptr == a.ptr
    same(t.get(), ref)


@pytest.mark.parametrize("axes", [(0, 1), (0, 0, 1), (0, 1, 2, 3), (0, 1, 3), (3, 1, 2), (0, 1, 5), (-4, 1, 2)],
                         ids=repr)
def test_transpose_bad_axes(axes):
    a = g.zeros((2, 3, 4))
    with pytest.raises(ValueError, match=r"ax[ie]s"):
        np.zeros((2, 3, 4)).transpose(axes)  # numpy refuses them too
    with pytest.raises(ValueError, match=r"^axes .* (out of bounds|not a permutation)"):
        a.transpose(axes)


def test_transpose_of_small_arrays():
    same(g.zeros(()).T.get(), np.zeros(()))
    same(g.to_gpu(np.arange(3)).T.get(), np.arange(3))


# -------------------------------------------------------------------- copy

@pytest.mark.parametrize("case", ["whole", "3 gaps", "permuted and sliced", "mixed directions", "newaxis", "empty",
                                  "0-d"])
def test_copy_keeps_strides_and_values(case):
    host = sample((6, 7, 8, 5), np.float64)
    a = g.to_gpu(host)
    view = VIEWS[case](a)
    c = view.copy()
    ref = VIEWS[case](host)
    assert c.shape == view.shape and c.strides == view.strides and c.dtype == view.dtype
    assert c.base is None
    same(c.get(), ref)
    if c.size:
        assert c.ptr != view.ptr
        c.fill(0)  # independent memory
        same(view.get(), ref)
        same(a.get(), host)


def test_copy_of_an_f_array():
    host = np.asfortranarray(sample((3, 5), np.int64))
    a = g.to_gpu(host)
    c = a.copy()
    assert c.flags.f_contiguous and c.strides == a.strides
    same(c.get(), host)


def test_copy_is_independent_of_later_writes_to_the_source():
    host = sample((10,), np.int8)
    a = g.to_gpu(host)
    c = a.copy()
    a.fill(0)
    same(c.get(), host)


# ------------------------------------------------------ overlap and broadcast

OVERLAPS = {
    "shift forward": ((slice(1, None),), (slice(None, -1),)),
    "shift back": ((slice(None, -1),), (slice(1, None),)),
    "reversed onto itself": ((slice(None),), (slice(None, None, -1),)),
    "strided chain": ((slice(2, None, 2),), (slice(None, -2, 2),)),
    "strided chain back": ((slice(None, -2, 2),), (slice(2, None, 2),)),
    "2-D block": ((slice(1, 4), slice(1, 4)), (slice(0, 3), slice(0, 3))),
    "transposed onto itself": ((slice(0, 3), slice(0, 3)), "T"),
}


@pytest.mark.parametrize("case", list(OVERLAPS))
def test_assignment_between_overlapping_views_is_numpys(case):
    """numpy gives `a[t] = a[s]` the result of copying a[s] first; a plain
    device-to-device copy between overlapping areas is undefined on hardware
    (the simulated device refuses it), and an element-by-element copy gives
    a silently wrong result."""
    target, source = OVERLAPS[case]
    ndim = len(target)
    host = sample((8,) * ndim, np.float64)
    a = g.to_gpu(host)
    if source == "T":
        a[target] = a[target].T
        host[target] = host[target].T.copy()
    else:
        a[target] = a[source]
        host[target] = host[source]
    same(a.get(), host)


def test_zero_strides_on_the_device():
    a = g.GPUArray((3, 4), np.float32, strides=(0, 4))  # every row is the same 16 bytes
    row = np.arange(4, dtype=np.float32)
    a[0].set(row)
    same(a.get(), np.broadcast_to(row, (3, 4)))
    same(a[2].get(), row)
    a[1, 2] = 9
    same(a.get()[:, 2], np.full(3, 9, np.float32))


def _count_copies(monkeypatch):
    calls = []
    for name in ("cudaMemcpy", "cudaMemcpy2D", "cudaMemcpyAsync", "cudaMemcpy2DAsync"):
        real = getattr(g._core, name)

        def spy(*args, _real=real, _name=name):
            calls.append(_name)
            return _real(*args)

        monkeypatch.setattr(g._core, name, spy)
    return calls


@pytest.mark.parametrize("host", [
    np.broadcast_to(np.float32(1.5), (20000,)),
    np.broadcast_to(np.arange(4, dtype=np.float32), (5000, 4)),
    np.broadcast_to(np.arange(4, dtype=np.float32)[:, None], (4, 5000)),
], ids=["scalar", "rows", "columns"])
def test_broadcast_host_arrays(monkeypatch, host):
    """A host array with zero strides (np.broadcast_to) is uploaded in a few
    copies, not one runtime call per element."""
    calls = _count_copies(monkeypatch)
    a = g.to_gpu(host)
    upload = len(calls)
    same(a.get(), np.ascontiguousarray(host))
    b = g.zeros(host.shape, np.float32)
    b.set(host)
    same(b.get(), np.ascontiguousarray(host))
    assert upload <= 8, f"{upload} copies to upload {host.size} elements"
