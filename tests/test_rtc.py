"""Runtime compilation: NVRTC (CUDA), hiprtc (HIP) and the simulated device's driver behind
PyGPU._compile.compile_for, the disk cache, PyGPU.CompileError and a missing compiler library."""

from __future__ import annotations

import hashlib
import struct

import pytest

import PyGPU
import PyGPU.sim
from helpers.processes import preload_removed, run_python
from helpers.rtc import available, needs_hiprtc, needs_nvrtc
from PyGPU._compile import compile_for, nvrtc
from PyGPU._compile.rtclib import include_options

EM_CUDA, EM_AMDGPU = 190, 224
EF_AMDGPU_MACH_GFX90A = 0x3F

TEMPLATED = """\
template <typename T, int N>
__global__ void reduce(const T* in, T* out) { out[blockIdx.x] = in[threadIdx.x] * N; }
extern "C" __global__ void scale(float* a, float s) { a[threadIdx.x] *= s; }
"""
# the error is on line 3 of the user's source
BROKEN = """\
extern "C" __global__ void k(float* a) {
    a[0] = 1.0f;
    a[1] = not_declared_anywhere;
}
"""


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    """A compile cache of the test's own."""
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PYGPU_CACHE", raising=False)
    return tmp_path / "cache"


def elf_header(image: bytes) -> tuple[int, int, int]:
    """(e_machine, e_flags, EI_OSABI) of a 64-bit little-endian ELF."""
    assert image[:4] == b"\x7fELF" and image[4] == 2 and image[5] == 1, image[:8]
    return struct.unpack_from("<H", image, 18)[0], struct.unpack_from("<I", image, 48)[0], image[7]


def elf_symbols(image: bytes) -> set[str]:
    """The names in the ELF's symbol tables (SHT_SYMTAB, SHT_DYNSYM)."""
    shoff, = struct.unpack_from("<Q", image, 40)
    shentsize, shnum = struct.unpack_from("<HH", image, 58)
    sections = [struct.unpack_from("<IIQQQQIIQQ", image, shoff + i * shentsize) for i in range(shnum)]
    names: set[str] = set()
    for _name, kind, _flags, _addr, offset, size, link, _info, _align, entsize in sections:
        if kind not in (2, 11) or entsize == 0:
            continue
        strtab = sections[link]
        for at in range(offset, offset + size, entsize):
            st_name, = struct.unpack_from("<I", image, at)
            start = strtab[4] + st_name
            names.add(image[start:image.index(b"\0", start)].decode())
    return names


def cuda_sm(image: bytes) -> int:
    """The SM version a CUBIN is for (e_flags: bits 8-15 in the ELF ABI of CUDA 13, bits 0-7 before)."""
    machine, flags, osabi = elf_header(image)
    assert machine == EM_CUDA
    return (flags >> 8) & 0xFF if osabi == 0x41 else flags & 0xFF


# ----------------------------------------------------------------------------------- NVRTC ---

@needs_nvrtc
def test_ptx_has_the_entry_and_the_target():
    image, lowered = compile_for("cuda", TEMPLATED, arch="compute_80", name_expressions=["scale"])
    ptx = image.decode()
    assert ".target sm_80" in ptx
    assert ".entry scale(" in ptx
    assert lowered == {"scale": "scale"}


@needs_nvrtc
def test_sm_arch_gives_cubin_and_ptx_output_gives_ptx():
    cubin, _ = compile_for("cuda", TEMPLATED, arch="sm_86")
    assert cuda_sm(cubin) == 86
    assert "scale" in elf_symbols(cubin)
    ptx, _ = compile_for("cuda", TEMPLATED, arch="sm_86", output="ptx")
    assert b".target sm_86" in ptx


@needs_nvrtc
def test_template_by_name_expression_gives_nvrtc_mangled_name():
    image, lowered = compile_for("cuda", TEMPLATED, arch="sm_80", name_expressions=["reduce<float, 256>"])
    assert lowered == {"reduce<float, 256>": "_Z6reduceIfLi256EEvPKT_PS0_"}
    assert "_Z6reduceIfLi256EEvPKT_PS0_" in elf_symbols(image)
    ptx, _ = compile_for("cuda", TEMPLATED, arch="compute_80", name_expressions=["reduce<double, 4>"])
    assert b".entry _Z6reduceIdLi4EEvPKT_PS0_(" in ptx


@needs_nvrtc
def test_options_are_passed_through():
    source = "extern \"C\" __global__ void k(int* p) { p[0] = VALUE; }\n"
    ptx, _ = compile_for("cuda", source, options=["-DVALUE=12345"], arch="compute_80")
    assert b"12345" in ptx
    with pytest.raises(PyGPU.CompileError) as info:
        compile_for("cuda", source, options=["--no-such-option"], arch="compute_80")
    assert "--no-such-option" in info.value.options


@needs_nvrtc
def test_nvrtc_compile_error_carries_the_log_on_the_users_line():
    with pytest.raises(PyGPU.CompileError) as info:
        compile_for("cuda", BROKEN, options=["-lineinfo"], arch="sm_80", name="mine.cu")
    e = info.value
    assert e is not None and isinstance(e, PyGPU.sim.CompileError)
    assert "mine.cu(3): error" in e.log and "not_declared_anywhere" in e.log
    assert e.log in str(e)
    assert e.options == ("--gpu-architecture=sm_80", "-lineinfo", *include_options())
    assert e.returncode == 6  # NVRTC_ERROR_COMPILATION


@needs_nvrtc
def test_bad_arch_and_output_are_value_errors():
    with pytest.raises(ValueError, match="arch 'ampere'"):
        compile_for("cuda", TEMPLATED, arch="ampere")
    with pytest.raises(ValueError, match="output must be one of"):
        compile_for("cuda", TEMPLATED, arch="sm_80", output="fatbin")
    with pytest.raises(ValueError, match="arch is required"):
        compile_for("cuda", TEMPLATED)


# ---------------------------------------------------------------------------------- hiprtc ---

@needs_hiprtc
def test_hiprtc_makes_a_code_object_for_gfx90a():
    image, lowered = compile_for("hip", TEMPLATED, arch="gfx90a", name_expressions=["reduce<float, 256>"])
    machine, flags, _ = elf_header(image)
    assert machine == EM_AMDGPU
    assert flags & 0xFF == EF_AMDGPU_MACH_GFX90A
    assert lowered == {"reduce<float, 256>": "_Z6reduceIfLi256EEvPKT_PS0_"}
    symbols = elf_symbols(image)
    assert {"scale", "scale.kd", "_Z6reduceIfLi256EEvPKT_PS0_"} <= symbols


@needs_hiprtc
def test_hiprtc_compile_error_names_the_users_source_and_line():
    with pytest.raises(PyGPU.CompileError) as info:
        compile_for("hip", BROKEN, arch="gfx90a", name="mine.hip")
    assert "mine.hip:3:" in info.value.log and "not_declared_anywhere" in info.value.log
    assert "CompileSource" not in str(info.value)
    assert info.value.options == ("--offload-arch=gfx90a", *include_options())
    with pytest.raises(ValueError, match="arch 'sm_80'"):
        compile_for("hip", TEMPLATED, arch="sm_80")


# --------------------------------------------------------------------------------- the cache ---

@needs_nvrtc
def test_second_process_hits_the_cache(cache_dir):
    first, lowered = compile_for("cuda", TEMPLATED, arch="sm_80", name_expressions=["reduce<int, 2>"])
    entries = list((cache_dir / "v1").glob("*/*/rtc.bin"))
    assert len(entries) == 1
    code = (
        "import sys, PyGPU._compile.nvrtc as n, PyGPU._compile.rtclib as r\n"
        "from PyGPU._compile import compile_for\n"
        "r.RtcLibrary.compile = None  # a compile would fail: only the cache can answer\n"
        f"image, lowered = compile_for('cuda', {TEMPLATED!r}, arch='sm_80', name_expressions=['reduce<int, 2>'])\n"
        "print(hashlib.sha256(image).hexdigest(), lowered)\n"
    )
    out = run_python("import hashlib\n" + code, PYGPU_CACHE_DIR=str(cache_dir))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split(None, 1) == [hashlib.sha256(first).hexdigest(), f"{lowered}\n"]


@needs_nvrtc
def test_cache_key_covers_options_arch_and_headers(cache_dir, tmp_path):
    (tmp_path / "inc").mkdir()
    header = tmp_path / "inc" / "value.h"
    header.write_text("#define VALUE 111\n")
    source = ('#include "value.h"\n#ifndef EXTRA\n#define EXTRA 0\n#endif\n'
              'extern "C" __global__ void k(int* p) { p[0] = VALUE + EXTRA; }\n')
    opts = [f"-I{tmp_path / 'inc'}"]
    assert b"111" in compile_for("cuda", source, options=opts, arch="compute_80")[0]
    header.write_text("#define VALUE 222\n")
    assert b"222" in compile_for("cuda", source, options=opts, arch="compute_80")[0]
    assert b"1222" in compile_for("cuda", source, options=[*opts, "-DEXTRA=1000"], arch="compute_80")[0]
    assert b".target sm_90" in compile_for("cuda", source, options=opts, arch="compute_90")[0]
    assert len(list((cache_dir / "v1").glob("*/*/rtc.bin"))) == 3  # the edited header replaced its entry


@needs_nvrtc
def test_cache_off_writes_nothing(cache_dir, monkeypatch):
    compile_for("cuda", TEMPLATED, arch="sm_80", cache=False)
    monkeypatch.setenv("PYGPU_CACHE", "0")
    compile_for("cuda", TEMPLATED, arch="sm_80")
    assert not list(cache_dir.glob("v1/*/*/rtc.bin"))


# --------------------------------------------------------------------- a missing library ---

def test_missing_nvrtc_says_pip_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PYGPU_NVRTC", str(tmp_path))  # an empty directory: the only place looked at
    with pytest.raises(PyGPU.CompileError, match=r"NVRTC \(libnvrtc.so\) was not found .*"
                                                 r"pip install PyGPU\[nvrtc\]") as info:
        compile_for("cuda", TEMPLATED, arch="sm_80")
    assert f"PYGPU_NVRTC={tmp_path}" in str(info.value)


def test_missing_hiprtc_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PYGPU_HIPRTC", str(tmp_path))
    with pytest.raises(PyGPU.CompileError, match=r"hiprtc .* was not found .*apt-get install libamdhip64-dev"):
        compile_for("hip", TEMPLATED, arch="gfx90a")


def test_a_library_that_is_not_nvrtc_is_refused(tmp_path, monkeypatch):
    (tmp_path / "libnvrtc.so.99").write_bytes(b"not an ELF file")
    monkeypatch.setenv("PYGPU_NVRTC", str(tmp_path))
    with pytest.raises(PyGPU.CompileError, match=r"libnvrtc.so.99: .*pip install PyGPU\[nvrtc\]"):
        nvrtc.library()


# ------------------------------------------------------------------- the front, bad input ---

def test_bad_arguments():
    with pytest.raises(ValueError, match="backend must be one of cuda, hip, sim"):
        compile_for("opencl", TEMPLATED)
    with pytest.raises(TypeError, match="source must be a str"):
        compile_for("cuda", b"bytes", arch="sm_80")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="options must be a sequence of str"):
        compile_for("cuda", TEMPLATED, options="-DX", arch="sm_80")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="name_expressions must be a sequence of str"):
        compile_for("cuda", TEMPLATED, name_expressions=[1], arch="sm_80")  # type: ignore[list-item]


def test_compile_error_pickles_with_its_log_and_options():
    import pickle

    e = pickle.loads(pickle.dumps(PyGPU.CompileError("failed", log="k.cu(1): error", returncode=6,
                                                     options=["-lineinfo"])))
    assert (str(e), e.log, e.returncode, e.options) == ("failed", "k.cu(1): error", 6, ("-lineinfo",))


needs_sim = pytest.mark.skipif(PyGPU.backend != "sim", reason="the simulated device is not the active backend")

SIM_HOST = """
extern "C" int run(const float* in, float* out) {
    void* args[] = {&in, &out};
    return cudaLaunchKernel(reinterpret_cast<const void*>(&reduce<float, 256>), dim3(1), dim3(4), args, 0, 0)
           ?: cudaDeviceSynchronize();
}
"""


@pytest.mark.build
@needs_sim
def test_sim_gives_the_library_path_and_nvrtc_lowered_names():
    import ctypes

    import numpy as np

    exprs = ["reduce<float, 256>", "scale", " ns::sync<int> "]
    source = TEMPLATED + "namespace ns { template <class T> __global__ void sync(T* a) { __syncthreads(); } }\n"
    with preload_removed():
        path, lowered = compile_for("sim", source + SIM_HOST, name_expressions=exprs)
    assert isinstance(path, str) and path.endswith(".so")
    assert lowered == {"reduce<float, 256>": "_Z6reduceIfLi256EEvPKT_PS0_", "scale": "scale",
                       " ns::sync<int> ": "_ZN2ns4syncIiEEvPT_"}
    if available(nvrtc):
        assert compile_for("cuda", source, arch="sm_80", name_expressions=exprs)[1] == lowered
    # the instance is registered with the simulator under its lowered name: a launch by address reports it
    lib = PyGPU.sim.load_library(path)
    a = PyGPU.to_gpu(np.arange(4, dtype=np.float32))
    out = PyGPU.zeros(1, dtype=np.float32)
    assert lib.run(ctypes.c_void_p(int(a.gpudata)), ctypes.c_void_p(int(out.gpudata))) == 0
    assert out.get()[0] in {0.0, 256.0, 512.0, 768.0}  # one of the four threads' writes wins
    assert PyGPU.sim.stats()["kernels"]["_Z6reduceIfLi256EEvPKT_PS0_"]["launches"] == 1


@pytest.mark.build
@needs_sim
def test_sim_compile_error_is_on_the_users_line():
    with preload_removed(), pytest.raises(PyGPU.CompileError) as info:
        compile_for("sim", BROKEN)
    assert ":3:" in str(info.value) and "not_declared_anywhere" in str(info.value)
