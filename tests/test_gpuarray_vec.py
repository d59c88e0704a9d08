"""gpuarray.vec: CUDA's vector types as numpy dtypes (PyCUDA's list and constructors), their C names, sizes that
match vector_types.h on every compiler, and their use as GPUArray dtypes and kernel arguments."""

from __future__ import annotations

import numpy as np
import pytest

import PyGPU as g
from helpers import needs_hiprtc, needs_nvrtc
from PyGPU import tools
from PyGPU._compile import compile_for
from PyGPU._vec import TABLE
from PyGPU.compiler import SourceModule
from PyGPU.elementwise import ElementwiseKernel

#: (name, element dtype, count) of every vector type PyCUDA offers.
TYPES = [(f"{base}{n}", np.dtype(element), n) for base, element, counts in TABLE for n in counts]
FIELDS = "xyzw"


def test_pycudas_list_of_types():
    names = {name for name, _, _ in TYPES}
    assert len(names) == 42  # 8 bases of 1..4, longlong, ulonglong and double of 1..2
    assert {"char1", "uchar4", "short3", "ushort2", "int4", "uint1", "long3", "ulong4", "longlong2", "ulonglong1",
            "float3", "double2"} <= names
    assert "double3" not in names and "longlong3" not in names  # not in PyCUDA's list either
    assert g.gpuarray.vec is g.vec


@pytest.mark.parametrize(("name", "element", "count"), TYPES, ids=[t[0] for t in TYPES])
def test_each_type(name, element, count):
    dt = getattr(g.vec, name)
    assert dt.names == tuple(FIELDS[:count])
    assert all(dt.fields[f][0] == element for f in dt.names)
    assert dt.itemsize == count * element.itemsize  # CUDA's sizeof: no padding in any of these
    assert tools.get_or_register_dtype(name) == dt
    assert tools.dtype_to_ctype(dt) in (name, name.replace("longlong", "long"))  # long1 is longlong1's dtype
    assert tools.parse_c_arg(f"{name} *p") == tools.VectorArg(dt, "p")
    assert tools.parse_c_arg(f"const {name} v") == tools.ScalarArg(dt, "v")
    values = tuple(range(1, count + 1))
    made = getattr(g.vec, f"make_{name}")(*values)
    assert isinstance(made, np.ndarray) and made.shape == () and made.dtype == dt  # PyCUDA's 0-d array
    assert made.item() == tuple(element.type(v) for v in values)
    with pytest.raises(TypeError, match=f"make_{name}\\(\\) takes {count} components"):
        getattr(g.vec, f"make_{name}")(*values, 0)


def sizeof_source() -> str:
    """static_asserts that each dtype's itemsize is the compiler's sizeof, and a kernel writing every sizeof."""
    asserts = "".join(f'static_assert(sizeof({name}) == {getattr(g.vec, name).itemsize}, "{name}");\n'
                      for name, _, _ in TYPES)
    writes = " ".join(f"out[{k}] = (int) sizeof({name});" for k, (name, _, _) in enumerate(TYPES))
    return f'{asserts}extern "C" __global__ void sizes(int *out) {{ {writes} }}\n'


def test_sizes_match_the_simulated_devices_vector_types():
    out = g.zeros(len(TYPES), np.int32)
    SourceModule(sizeof_source(), no_extern_c=True).get_function("sizes")(out, block=(1, 1, 1), grid=(1, 1))
    assert out.get().tolist() == [getattr(g.vec, name).itemsize for name, _, _ in TYPES]


@needs_nvrtc
def test_sizes_match_nvrtc(tmp_path, monkeypatch):
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(tmp_path))
    ptx, _ = compile_for("cuda", sizeof_source(), arch="compute_80", cache=False)
    assert b".entry sizes" in ptx


@needs_hiprtc
def test_sizes_match_hiprtc(tmp_path, monkeypatch):
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(tmp_path))
    image, _ = compile_for("hip", sizeof_source(), arch="gfx90a", cache=False)
    assert image[:4] == b"\x7fELF"


def vectors(dtype: np.dtype, n: int, seed: int = 0) -> np.ndarray:
    """`n` random elements of a vector dtype."""
    rng = np.random.default_rng(seed)
    out = np.zeros(n, dtype)
    for f in dtype.names:
        element = dtype.fields[f][0]
        if element.kind == "f":
            values = rng.standard_normal(n) * 10
        else:
            values = rng.integers(0 if element.kind == "u" else -100, 100, n)
        out[f] = values.astype(element)
    return out


@pytest.mark.parametrize("name", ["float3", "float4", "int2", "uchar3", "double2", "short4"])
def test_gpuarrays_of_vector_types(name):
    dt = getattr(g.vec, name)
    h = vectors(dt, 300)
    a = g.to_gpu(h)
    assert a.dtype == dt and a.itemsize == dt.itemsize
    np.testing.assert_array_equal(a.get(), h)
    np.testing.assert_array_equal(a[::-3].get(), h[::-3])
    np.testing.assert_array_equal(a.copy().get(), h)
    assert (g.zeros(5, dt).get() == np.zeros(5, dt)).all()
    value = getattr(g.vec, f"make_{name}")(*range(2, 2 + len(dt.names)))
    filled = g.empty((2, 3), dt).fill(value)
    np.testing.assert_array_equal(filled.get(), np.full((2, 3), value, dt))
    a[10:20] = value
    h[10:20] = value
    np.testing.assert_array_equal(a.get(), h)
    idx = np.array([5, 299, 0, 12])
    np.testing.assert_array_equal(g.take(a, g.to_gpu(idx)).get(), h[idx])
    big = g.to_gpu(vectors(dt, 1 << 17, seed=1))  # past the size get() takes recycled host blocks for
    np.testing.assert_array_equal(big.get(), vectors(dt, 1 << 17, seed=1))


def test_elementwise_kernel_reads_and_writes_vector_arrays():
    n = 1000
    a3, b4, c2 = vectors(g.vec.float3, n), vectors(g.vec.float4, n, seed=1), vectors(g.vec.int2, n, seed=2)
    kernel = ElementwiseKernel(
        "float3 *a, float4 *b, int2 *c, float4 s, char k, float3 *out3, float4 *out4, int2 *out2",
        "out3[i] = make_float3(a[i].x * s.x + b[i].w, a[i].y + s.y, a[i].z - s.w);"
        "out4[i] = make_float4(b[i].x, b[i].y * k, (float) c[i].x, a[i].z + s.z);"
        "out2[i] = make_int2(c[i].y + k, c[i].x * c[i].y)", "vec_mix")
    s = g.vec.make_float4(2.0, -1.0, 0.5, 3.0)
    out3, out4, out2 = g.empty(n, g.vec.float3), g.empty(n, g.vec.float4), g.empty(n, g.vec.int2)
    kernel(g.to_gpu(a3), g.to_gpu(b4), g.to_gpu(c2), s, np.int8(3), out3, out4, out2)
    f = np.float32
    r3, r4, r2 = out3.get(), out4.get(), out2.get()
    np.testing.assert_allclose(r3["x"], a3["x"] * f(2) + b4["w"], rtol=1e-6)
    np.testing.assert_array_equal(r3["y"], a3["y"] + f(-1))
    np.testing.assert_array_equal(r3["z"], a3["z"] - f(3))
    np.testing.assert_array_equal(r4["x"], b4["x"])
    np.testing.assert_array_equal(r4["y"], b4["y"] * f(3))
    np.testing.assert_array_equal(r4["z"], c2["x"].astype(f))
    np.testing.assert_array_equal(r4["w"], a3["z"] + f(0.5))
    np.testing.assert_array_equal(r2["x"], c2["y"] + 3)
    np.testing.assert_array_equal(r2["y"], c2["x"] * c2["y"])


SOURCE = r"""
extern "C" __global__ void scale(char pad, float4 v, double2 d, short3 s, float4 *out, double2 *dout, short3 *sout)
{
    out[threadIdx.x] = make_float4(v.x * threadIdx.x, v.y + pad, v.z, v.w);
    dout[threadIdx.x] = make_double2(d.x + threadIdx.x, d.y);
    sout[threadIdx.x] = make_short3(s.x, s.y * 2, s.z + pad);
}
"""


@pytest.mark.parametrize("prepared", [False, True])
def test_function_arguments_of_vector_types(prepared):
    """By-value vector arguments after a 1-byte one (CUDA aligns float4 and double2 to 16 bytes, short3 to 2)."""
    func = SourceModule(SOURCE, no_extern_c=True).get_function("scale")
    out, dout, sout = g.empty(8, g.vec.float4), g.empty(8, g.vec.double2), g.empty(8, g.vec.short3)
    v, d, s = g.vec.make_float4(1.5, 2.0, 3.0, 4.0), g.vec.make_double2(0.25, -8.0), g.vec.make_short3(7, -3, 9)
    args = (np.int8(5), v, d, s, out, dout, sout)
    if prepared:
        func.prepare([np.int8, g.vec.float4, g.vec.double2, g.vec.short3, "P", "P", "P"])
        func.prepared_call((1, 1), (8, 1, 1), *args)
    else:
        func(*args, block=(8, 1, 1), grid=(1, 1))
    t = np.arange(8)
    r, rd, rs = out.get(), dout.get(), sout.get()
    np.testing.assert_array_equal(r["x"], (1.5 * t).astype(np.float32))
    assert (r["y"] == 7.0).all() and (r["z"] == 3.0).all() and (r["w"] == 4.0).all()
    np.testing.assert_array_equal(rd["x"], 0.25 + t)
    assert (rd["y"] == -8.0).all()
    assert (rs["x"] == 7).all() and (rs["y"] == -6).all() and (rs["z"] == 14).all()


def test_vector_dtypes_refuse_arithmetic():
    """PyCUDA defines no arithmetic on vector arrays; neither does PyGPU (numpy's TypeError, nothing runs)."""
    a = g.zeros(3, g.vec.float2)
    with pytest.raises(TypeError):
        a + a
    with pytest.raises(TypeError):
        a.astype(np.float32)
