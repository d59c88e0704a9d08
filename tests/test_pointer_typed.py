"""pointer_wrapper_<dtype>: typed addresses. Safe ones (host memory owned by
this process) give bounds-checked element access; unsafe ones never touch
memory on the host."""

from __future__ import annotations

import numpy as np
import pytest

import PyGPU as g
from helpers import dtype_sample as sample
from helpers import from_device

H2D, H2H = g.cudaMemcpyHostToDevice, g.cudaMemcpyHostToHost

DTYPES = list(g.dtypes)  # the one dtype table
INT_DTYPES = [n for n in DTYPES if np.dtype(n).kind in "iu"]
NBYTES = 64  # of every test allocation: 4 to 64 elements



def P(name: str):
    return getattr(g, f"pointer_wrapper_{name}")




@pytest.fixture
def pinned():
    """pinned(name) -> (typed safe pointer, the numpy values it holds): NBYTES of
    cudaMallocHost memory, freed at the end of the test."""
    ptrs = []

    def make(name: str):
        ptr, err = g.cudaMallocHost(NBYTES)
        assert err == g.cudaSuccess
        ptrs.append(ptr)
        values = sample(name, NBYTES // np.dtype(name).itemsize)
        assert g.cudaMemcpy(ptr, values, NBYTES, H2H) == g.cudaSuccess
        return P(name)(ptr), values

    yield make
    for ptr in ptrs:
        if ptr.alive:
            g.cudaFreeHost(ptr)


def read_back(p, like: np.ndarray) -> np.ndarray:
    out = np.zeros_like(like)
    assert g.cudaMemcpy(out, p, out.nbytes, H2H) == g.cudaSuccess
    return out


# ---------------------------------------------------------------- classes

@pytest.mark.parametrize("name", DTYPES)
def test_class_per_dtype(name):
    assert issubclass(P(name), g.pointer_wrapper_void) and P(name) is not g.pointer_wrapper_void
    p = P(name)(0x1000)
    assert isinstance(p, g.pointer_wrapper_void)
    assert isinstance(p.dtype, np.dtype) and p.dtype == np.dtype(name)
    assert len({P(n) for n in DTYPES}) == len(DTYPES)


# ------------------------------------------------------------ construction

@pytest.mark.parametrize("name", DTYPES)
def test_raw_address_is_unsafe(name):
    p = P(name)(0x1000)
    assert int(p) == 0x1000 and not p.is_safe() and p.alive
    assert name in repr(p) and hex(0x1000) in repr(p) and "unsafe" in repr(p)
    with pytest.raises(ValueError, match="address must be >= 0"):
        P(name)(-1)
    with pytest.raises(TypeError):
        P(name)("0x1000")


@pytest.mark.parametrize("name", DTYPES)
def test_retyped_device_pointer(name, dev_alloc):
    ptr = dev_alloc(NBYTES)
    p = P(name)(ptr)
    assert int(p) == int(ptr) and p.extent == NBYTES and p.alive
    assert not p.is_safe() and p.is_device()
    assert name in repr(p) and hex(int(p)) in repr(p) and "device" in repr(p)
    g.cudaFree(ptr)
    assert not p.alive  # liveness is shared with the original


@pytest.mark.parametrize("name", DTYPES)
def test_retyped_pinned_pointer_is_safe(name, pinned):
    p, values = pinned(name)
    assert p.is_safe() and not p.is_device() and p.extent == NBYTES and p.alive
    r = repr(p)
    assert name in r and hex(int(p)) in r and "safe" in r and "unsafe" not in r
    assert all(p[i] == values[i] for i in range(len(values)))


@pytest.mark.parametrize("name", DTYPES)
def test_retype_between_typed_pointers(name, pinned):
    p, _ = pinned("uint8")
    q = P(name)(p)
    assert type(q) is P(name)
    assert (int(q), q.extent, q.is_safe(), q.alive) == (int(p), NBYTES, True, True)
    count = NBYTES // np.dtype(name).itemsize
    q[count - 1]
    with pytest.raises(IndexError):
        q[count]


# ---------------------------------------------------------- element access

@pytest.mark.parametrize("name", DTYPES)
def test_safe_pointer_reads_match_numpy(name, pinned):
    p, values = pinned(name)
    for i in range(len(values)):
        assert p[i] == values[i] and p.get(i) == values[i]
    assert p.get() == values[0] and p.get(i=2) == values[2]


@pytest.mark.parametrize("name", DTYPES)
def test_safe_pointer_writes(name, pinned):
    p, values = pinned(name)
    other = sample(name, len(values), start=40)
    for i in range(len(values)):
        if i % 2:
            p[i] = other[i].item()
        else:
            p.set(i, other[i].item())
    assert np.array_equal(read_back(p, values), other)
    assert all(p[i] == other[i] for i in range(len(values)))


@pytest.mark.parametrize("name", DTYPES)
def test_bounds_are_checked(name, pinned):
    p, values = pinned(name)
    count = len(values)
    for bad in (count, count + 10, -1, -count):
        with pytest.raises(IndexError):
            p[bad]
        with pytest.raises(IndexError):
            p.get(bad)
        with pytest.raises(IndexError):
            p.set(bad, values[0].item())
        with pytest.raises(IndexError):
            p[bad] = values[0].item()
    assert np.array_equal(read_back(p, values), values)  # nothing was written


FLOAT_VALUES = [0.1, 1 / 3, -2.5, 65504.0, 1e-8, 6e-8, 2049.0, 3]


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "complex64", "complex128"])
def test_float_conversion_is_numpys(name, pinned):
    p, _ = pinned(name)
    ref = np.zeros(1, dtype=np.dtype(name))
    for v in FLOAT_VALUES + ([1 / 3 + 0.1j, -2j, 2049 + 1e-8j] if np.dtype(name).kind == "c" else []):
        p[0] = v
        ref[0] = v
        assert p[0] == ref[0], (v, p[0], ref[0])
        p.set(1, v)
        assert p.get(1) == ref[0]


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "complex64", "complex128"])
def test_float16_and_complex_values_read_back_exactly(name, pinned):
    p, _ = pinned(name)
    values = np.array([0.0999755859375, -65504.0, 6e-8, 1.5], dtype=np.dtype(name))
    if values.dtype.kind == "c":
        values = values - 1j * values[::-1]
    assert g.cudaMemcpy(p, values, values.nbytes, H2H) == g.cudaSuccess
    for i in range(len(values)):
        assert p[i] == values[i]


def test_bool_values():
    alloc_ptr, _ = g.cudaMallocHost(4)
    try:
        p = g.pointer_wrapper_bool(alloc_ptr)
        p[0], p[1] = True, False
        p.set(2, True)
        p.set(3, np.True_)
        assert [p[i] for i in range(4)] == [True, False, True, True]
        assert np.array_equal(read_back(p, np.zeros(4, dtype=bool)), [True, False, True, True])
    finally:
        g.cudaFreeHost(alloc_ptr)


@pytest.mark.parametrize("name", INT_DTYPES)
def test_int_conversion_refuses_overflow_and_floats(name, pinned):
    p, values = pinned(name)
    info = np.iinfo(np.dtype(name))
    p[0] = int(info.max)
    p[1] = int(info.min)
    p.set(2, np.int8(5))  # a numpy integer is an int
    assert (p[0], p[1], p[2]) == (info.max, info.min, 5)
    for bad in (int(info.max) + 1, int(info.min) - 1, 2**70, -(2**70)):
        with pytest.raises(OverflowError):
            p[3] = bad
        with pytest.raises(OverflowError):
            p.set(3, bad)
    for bad in (2.5, 1.0, np.float32(1)):
        with pytest.raises(TypeError):
            p[3] = bad
        with pytest.raises(TypeError):
            p.set(3, bad)
    assert p[3] == values[3]  # unchanged by the refused writes


# --------------------------------------------------------- unsafe pointers

@pytest.mark.parametrize("name", DTYPES)
def test_unsafe_pointers_refuse_element_access(name, dev_alloc):
    for p in (P(name)(dev_alloc(NBYTES)), P(name)(0x1000), P(name)(np.zeros(8).ctypes.data)):
        with pytest.raises(ValueError, match="unsafe pointer"):
            p[0]
        with pytest.raises(ValueError, match="unsafe pointer"):
            p.get()
        with pytest.raises(ValueError, match="unsafe pointer"):
            p.get(0)
        with pytest.raises(ValueError, match="unsafe pointer"):
            p.set(0, 1)
        with pytest.raises(ValueError, match="unsafe pointer"):
            p[0] = 1


@pytest.mark.parametrize("name", DTYPES)
def test_freed_pointer_refuses_access(name, pinned):
    p, values = pinned(name)
    q = p + 1
    assert g.cudaFreeHost(p) == g.cudaSuccess  # a typed pointer is a pointer argument too
    assert not p.alive and not q.alive and not p.is_safe()
    for ptr in (p, q):
        with pytest.raises(ValueError, match="freed"):
            ptr[0]
        with pytest.raises(ValueError, match="freed"):
            ptr.get()
        with pytest.raises(ValueError, match="freed"):
            ptr.set(0, values[0].item())
        with pytest.raises(ValueError, match="freed"):
            ptr[0] = values[0].item()


# --------------------------------------------------------------- arithmetic

@pytest.mark.parametrize("name", DTYPES)
def test_arithmetic_counts_elements(name, pinned):
    p, values = pinned(name)
    itemsize, count = np.dtype(name).itemsize, len(values)
    q = p + 3
    assert type(q) is P(name) and q.is_safe()
    assert int(q) == int(p) + 3 * itemsize and q.extent == NBYTES - 3 * itemsize
    assert q[0] == values[3] and q.get(count - 4) == values[count - 1]
    with pytest.raises(IndexError):
        q[count - 3]
    q[0] = values[0].item()
    assert p[3] == values[0]
    end = p + count
    assert end.extent == 0
    with pytest.raises(IndexError):
        end[0]
    with pytest.raises(IndexError):
        p + (count + 1)
    with pytest.raises(TypeError):
        p + 1.5


@pytest.mark.parametrize("name", DTYPES)
def test_arithmetic_on_unsafe_pointers(name, dev_alloc):
    itemsize = np.dtype(name).itemsize
    ptr = dev_alloc(NBYTES)
    d = P(name)(ptr)
    q = d + 2
    assert type(q) is P(name) and not q.is_safe() and q.is_device()
    assert int(q) == int(ptr) + 2 * itemsize and q.extent == NBYTES - 2 * itemsize
    with pytest.raises(IndexError):
        d + (NBYTES // itemsize + 1)
    raw = P(name)(0x1000)
    assert int(raw + 5) == 0x1000 + 5 * itemsize and not (raw + 5).is_safe()
    # an element offset reaches the right place in device memory
    values = sample(name, NBYTES // itemsize)
    assert g.cudaMemcpy(d, values, NBYTES, H2D) == g.cudaSuccess
    tail = np.zeros(len(values) - 2, dtype=values.dtype)
    assert g.cudaMemcpy(tail, q, tail.nbytes, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
    assert np.array_equal(tail, values[2:])
    assert np.array_equal(from_device(ptr, values), values)


# ------------------------------------------------ identity and printing

@pytest.mark.parametrize("name", DTYPES)
def test_equality_and_hash_by_address(name, pinned):
    p, _ = pinned(name)
    same = P(name)(int(p))
    assert p == same and hash(p) == hash(same)
    assert p == g.pointer_wrapper_void(int(p))
    assert p != p + 1 and (p + 1) == P(name)(int(p) + np.dtype(name).itemsize)
    assert len({p, same, p + 1}) == 2


@pytest.mark.parametrize("name", DTYPES)
def test_print_address(name, capsys, pinned):
    p, _ = pinned(name)
    p.print_address()
    assert capsys.readouterr().out.strip() == hex(int(p))
