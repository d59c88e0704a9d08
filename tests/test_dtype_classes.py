"""The per-dtype classes: pointer_wrapper_<dtype>, DeviceArray_<dtype>,
HostAllocator_<dtype> and PagelockedAllocator_<dtype>.

Each family is one bound class; its per-dtype classes are made at import as
subclasses without state of their own, and an instance's dtype follows from
its class (bindings/dtype_family.h, DtypeFamily). These tests pin down what users see
of that: the class hierarchy, the dtype of every object whether made from
Python or returned by a call, subclasses a user derives, and the bases that
cannot be constructed."""

from __future__ import annotations

import numpy as np
import pytest

import PyGPU as g

DTYPES = list(g.dtypes)  # the one dtype table
FAMILIES = {  # prefix -> the family's base
    "pointer_wrapper_": g.pointer_wrapper_void,
    "DeviceArray_": g.DeviceArray,
    "HostAllocator_": g.HostAllocator,
    "PagelockedAllocator_": g.PagelockedAllocator,
}


def sample_of(cls: type, name: str):
    """An instance of `cls` (a per-dtype class or a subclass of one) for dtype `name`."""
    if issubclass(cls, g.pointer_wrapper_void):
        return cls(0x1000)
    if issubclass(cls, g.DeviceArray):
        return cls(np.zeros(3, dtype=name))
    return cls(3)


@pytest.mark.parametrize("prefix", FAMILIES)
@pytest.mark.parametrize("name", DTYPES)
def test_every_family_has_a_class_per_dtype(prefix, name):
    cls = getattr(g, prefix + name)
    assert cls.__name__ == prefix + name
    assert cls.__module__ == "PyGPU._core"
    assert cls.__bases__ == (FAMILIES[prefix],)
    assert name in cls.__doc__ and FAMILIES[prefix].__name__ in cls.__doc__
    obj = sample_of(cls, name)
    assert type(obj) is cls
    assert obj.dtype == np.dtype(name)
    # No per-instance state beyond the bound C++ object, as before: no __dict__.
    with pytest.raises(AttributeError):
        obj.extra = 1


def test_pagelocked_allocators_are_host_allocators():
    assert issubclass(g.PagelockedAllocator, g.HostAllocator)
    assert g.PagelockedAllocator.__module__ == "PyGPU._core"
    assert "pinned" in g.PagelockedAllocator.__doc__
    for name in DTYPES:
        assert not issubclass(getattr(g, f"PagelockedAllocator_{name}"), getattr(g, f"HostAllocator_{name}"))


@pytest.mark.parametrize("base", [g.DeviceArray, g.HostAllocator, g.PagelockedAllocator])
def test_bases_without_a_dtype_cannot_be_constructed(base):
    args = (np.zeros(3, dtype=np.float32),) if base is g.DeviceArray else (3,)
    with pytest.raises(TypeError, match=rf"{base.__name__} has no dtype: construct a .*{base.__name__}_<dtype>"):
        base(*args)

    class Derived(base):  # a user's subclass of the base itself has no dtype either
        pass

    with pytest.raises(TypeError, match="Derived has no dtype"):
        Derived(*args)


def test_pointer_wrapper_void_is_untyped():
    p = g.pointer_wrapper_void(0x1000)
    assert type(p) is g.pointer_wrapper_void and p.dtype is None
    assert type(p + 4) is g.pointer_wrapper_void and int(p + 4) == 0x1004


@pytest.mark.parametrize("prefix", FAMILIES)
@pytest.mark.parametrize("name", ["int8", "float32", "complex128"])
def test_user_subclasses_keep_the_dtype(prefix, name):
    class Mixin:
        def hello(self) -> str:
            return "hello"

    class Mine(getattr(g, prefix + name)):
        pass

    class Mixed(Mixin, getattr(g, prefix + name)):
        pass

    for cls in (Mine, Mixed):
        obj = sample_of(cls, name)
        assert type(obj) is cls and obj.dtype == np.dtype(name)
    assert sample_of(Mixed, name).hello() == "hello"


@pytest.mark.parametrize("name", DTYPES)
def test_pointers_returned_by_calls_have_the_dtypes_class(name):
    cls = getattr(g, f"pointer_wrapper_{name}")
    host = np.zeros(4, dtype=name)
    arr = getattr(g, f"DeviceArray_{name}")(host)
    assert arr.allocate() == g.cudaSuccess
    for p in (arr.host_data(), arr.device_data(), getattr(g, f"HostAllocator_{name}")(4).ptr(),
              getattr(g, f"PagelockedAllocator_{name}")(4).ptr()):
        assert type(p) is cls and p.dtype == np.dtype(name)
        q = p + 1
        assert type(q) is cls and int(q) == int(p) + np.dtype(name).itemsize
        assert q.extent == p.extent - np.dtype(name).itemsize
        assert type(g.pointer_wrapper_void(p)) is g.pointer_wrapper_void
    # What a returned pointer knows survives: a safe host pointer reads its memory.
    host[2] = 1
    assert arr.host_data()[2] == host[2]
    assert arr.free() == g.cudaSuccess


@pytest.mark.parametrize("name", ["int16", "float64"])
def test_device_array_constructors_check_the_classes_dtype(name):
    cls = getattr(g, f"DeviceArray_{name}")
    other = "int8"
    with pytest.raises(TypeError, match=f"DeviceArray_{name} needs {name} data, got {other}"):
        cls(np.zeros(3, dtype=other))
    ptr = g.HostAllocator_int8(64).ptr()
    with pytest.raises(TypeError, match=f"needs a pointer_wrapper_{name}, got a pointer_wrapper_int8"):
        cls(ptr, (2,))
    typed = getattr(g, f"HostAllocator_{name}")(4)
    arr = cls(typed.ptr(), (2, 2), "F")
    assert arr.shape() == (2, 2) and arr.dtype == np.dtype(name)
    assert arr.strides() == (np.dtype(name).itemsize, 2 * np.dtype(name).itemsize)
    assert cls((2, 3)).nbytes() == 6 * np.dtype(name).itemsize
    assert cls(0, 0, (5,)).nbytes() == 5 * np.dtype(name).itemsize
