"""PyGPU.compiler (SourceModule, compile, DEFAULT_NVCC_FLAGS, DynamicModule) and the modules of PyGPU.driver
(Module, ModuleGlobal, module_from_buffer, module_from_file): on the simulated device everything runs and is
checked against numpy; on CUDA and HIP (in a child process, where they are built) NVRTC and hiprtc compile and
loading answers the runtime's own code for a machine without a device."""

from __future__ import annotations

import gc
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest

import PyGPU
import PyGPU.driver as cuda
import PyGPU.sim
from helpers.processes import preload_removed, run_python
from PyGPU import compiler

pytestmark = pytest.mark.skipif(PyGPU.backend != "sim", reason="the simulated device is not the active backend")

SOURCE = r"""
__global__ void fill(int* p, int value) { p[threadIdx.x] = value; }
__global__ void add_coeff(float* x) { x[threadIdx.x] += coeff[threadIdx.x % 4]; atomicAdd(&counter, 1); }
"""
GLOBALS = "__constant__ float coeff[4];\n__device__ int counter;\n"


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One compile cache for the module's tests (the sources compile once)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def compiling(cache, monkeypatch):
    """The module's cache, and no LD_PRELOAD while the host compiler runs (the sanitizer run)."""
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(cache))
    with preload_removed():
        yield cache


@pytest.fixture
def mod(compiling):
    return compiler.SourceModule(GLOBALS + SOURCE)


def elf_machine(image: bytes) -> int:
    assert image[:4] == b"\x7fELF"
    return struct.unpack_from("<H", image, 18)[0]


# ------------------------------------------------------------------ SourceModule ---

def test_source_module_kernel_matches_numpy(mod):
    p = cuda.mem_alloc(8 * 4)
    mod.get_function("fill")(p, np.int32(-7), block=(8, 1, 1))
    np.testing.assert_array_equal(cuda.from_device(p, 8, np.int32), np.full(8, -7))
    assert isinstance(mod.module, cuda.Module)
    assert mod.get_function("fill") is mod.module.get_function("fill")


def test_globals_are_device_memory_of_the_module(mod):
    coeff, size = mod.get_global("coeff")
    counter, counter_size = mod.get_global("counter")
    assert (size, counter_size) == (16, 4) and isinstance(coeff, cuda.PointerHolderBase)
    cuda.memcpy_htod(coeff, np.array([1, 2, 3, 4], np.float32))
    cuda.memset_d32(counter, 0, 1)
    x = np.zeros(8, np.float32)
    mod.get_function("add_coeff")(cuda.InOut(x), block=(8, 1, 1))
    np.testing.assert_array_equal(x, [1, 2, 3, 4, 1, 2, 3, 4])
    assert cuda.from_device(counter, 1, np.int32)[0] == 8
    assert int(coeff) == coeff.get_pointer() != 0 and "ModuleGlobal" in repr(coeff)


def test_unknown_names_list_the_modules_names(mod):
    with pytest.raises(cuda.Error) as info:
        mod.get_function("fil")
    assert info.value.name == "cudaErrorSymbolNotFound" and "its kernels: add_coeff, fill" in str(info.value)
    with pytest.raises(cuda.Error) as info:
        mod.get_global("coef")
    assert info.value.name == "cudaErrorSymbolNotFound" and "its globals: coeff, counter" in str(info.value)
    with pytest.raises(TypeError, match="name must be a str"):
        mod.get_function(b"fill")
    with pytest.raises(TypeError, match="name must be a str"):
        mod.get_global(3)


def test_texrefs_and_surfrefs_are_not_offered(mod):
    for get in (mod.get_texref, mod.get_surfref):
        with pytest.raises(cuda.NotOfferedError, match="texture and surface references"):
            get("tex")
    assert not hasattr(mod.module, "get_texref")


def test_extern_c_wrapping_and_no_extern_c(compiling):
    plain = compiler.SourceModule("__global__ void k(int* p) { *p = 1; }")
    assert plain.get_function("k").name == "k"
    cpp = compiler.SourceModule('extern "C" __global__ void k2(int* p) { *p = 2; }\n'
                                "template <int N> __global__ void t(int* p) { *p = N; }\n"
                                "template __global__ void t<3>(int*);", no_extern_c=True)
    p = cuda.mem_alloc(4)
    cpp.get_function("k2")(p, block=(1, 1, 1))
    assert cuda.from_device(p, 1, np.int32)[0] == 2


def test_options_and_include_dirs_reach_the_compiler(compiling, tmp_path):
    (tmp_path / "value.h").write_text("#define VALUE 41\n")
    mod = compiler.SourceModule('#include "value.h"\n__global__ void k(int* p) { *p = VALUE + EXTRA; }',
                                options=["-DEXTRA=1"], include_dirs=[str(tmp_path)])
    p = cuda.mem_alloc(4)
    mod.get_function("k")(p, block=(1, 1, 1))
    assert cuda.from_device(p, 1, np.int32)[0] == 42
    with pytest.raises(TypeError, match="include_dirs must be a list"):
        compiler.SourceModule("__global__ void k() {}", include_dirs="/usr/include")


def test_default_nvcc_flags_are_used_when_options_is_none(compiling, monkeypatch):
    monkeypatch.setattr(compiler, "DEFAULT_NVCC_FLAGS", ["-DFROM_DEFAULTS=5"])
    mod = compiler.SourceModule("__global__ void k(int* p) { *p = FROM_DEFAULTS; }")
    p = cuda.mem_alloc(4)
    mod.get_function("k")(p, block=(1, 1, 1))
    assert cuda.from_device(p, 1, np.int32)[0] == 5
    with pytest.raises(PyGPU.CompileError):  # options=[] replaces the defaults
        compiler.SourceModule("__global__ void k(int* p) { *p = FROM_DEFAULTS; }", options=[])


def test_compile_error_carries_the_log_on_the_users_line(compiling):
    with pytest.raises(PyGPU.CompileError) as info:
        compiler.SourceModule("__global__ void k(int* p) {\n    *p = not_declared;\n}")
    lines = [line for line in (str(info.value) + info.value.log).splitlines() if "not_declared" in line]
    assert lines and ".cu:2:" in lines[0], lines  # line 2 of the source given, despite the extern "C" line
    with pytest.raises(TypeError, match="source must be a str"):
        compiler.SourceModule(b"__global__ void k() {}")


def test_cache_dir_moves_the_cache_and_false_disables_it(compiling, tmp_path):
    source = "__global__ void cached_here(int* p) { *p = 9; }"
    compiler.SourceModule(source, cache_dir=str(tmp_path / "mine"))
    assert any((tmp_path / "mine").rglob("*.so"))
    before = sorted(p.name for p in compiling.rglob("*"))
    mod = compiler.SourceModule(source + "\n// uncached", cache_dir=False)
    assert mod.get_function("cached_here").name == "cached_here"
    assert sorted(p.name for p in compiling.rglob("*")) == before
    with pytest.raises(TypeError, match="cache_dir must be a path"):
        compiler.SourceModule(source, cache_dir=3)


def test_keep_keeps_the_build_files_and_says_where(compiling, capsys):
    compiler.SourceModule("__global__ void kept(int* p) { *p = 1; }", keep=True)
    out = capsys.readouterr().out
    assert out.startswith("*** compiler output in ")
    where = Path(out.split("*** compiler output in ", 1)[1].strip())
    assert 'extern "C" {' in (where / "kernel.cu").read_text()
    assert elf_machine((where / "kernel.so").read_bytes()) in (62, 183)


def test_compile_returns_the_image_that_module_from_buffer_loads(compiling):
    image = compiler.compile("__global__ void k(int* p) { *p = 6; }")
    assert isinstance(image, bytes) and elf_machine(image) in (62, 183)
    mod = cuda.module_from_buffer(image)
    p = cuda.mem_alloc(4)
    mod.get_function("k")(p, block=(1, 1, 1))
    assert cuda.from_device(p, 1, np.int32)[0] == 6
    with pytest.raises(ValueError, match="target must be"):
        compiler.compile("__global__ void k() {}", target="sass")


def test_dynamic_modules_are_not_offered():
    for cls in (compiler.DynamicModule, compiler.DynamicSourceModule):
        with pytest.raises(cuda.NotOfferedError, match=f"pycuda.compiler.{cls.__name__} is not offered"):
            cls()
    assert set(compiler.__all__) == {"DEFAULT_NVCC_FLAGS", "DynamicModule", "DynamicSourceModule", "SourceModule",
                                     "compile"}


def test_pycuda_compiler_routes_to_pygpu_compiler():
    result = run_python("import PyGPU.pycuda\nPyGPU.pycuda.install()\nimport pycuda.compiler, PyGPU.compiler\n"
                        "print(pycuda.compiler is PyGPU.compiler, pycuda.compiler.SourceModule.__module__)",
                        PYGPU_BACKEND="sim")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "PyGPU.compiler"]


# ------------------------------------------------------------ module_from_* ---

def test_module_from_file_and_its_errors(compiling, tmp_path):
    path = tmp_path / "k.so"
    path.write_bytes(compiler.compile("__global__ void k(int* p) { *p = 8; }"))
    mod = cuda.module_from_file(path)
    p = cuda.mem_alloc(4)
    mod.get_function("k")(p, block=(1, 1, 1))
    assert cuda.from_device(p, 1, np.int32)[0] == 8
    with pytest.raises(cuda.Error) as info:
        cuda.module_from_file(tmp_path / "missing.so")
    assert info.value.name == "cudaErrorInvalidValue" and "cannot open" in str(info.value)
    with pytest.raises(TypeError):
        cuda.module_from_file(3)


CUBIN = b"\x7fELF\x02\x01\x01" + bytes(11) + struct.pack("<H", 190) + bytes(100)
HSACO = b"\x7fELF\x02\x01\x01" + bytes(11) + struct.pack("<H", 224) + bytes(100)
PTX = "//\n// Generated by NVIDIA NVVM Compiler\n.version 8.0\n.target sm_80\n.address_size 64\n"
FATBIN = struct.pack("<I", 0xBA55ED50) + bytes(60)


@pytest.mark.parametrize(("image", "what"), [
    (CUBIN, "a CUDA cubin"), (HSACO, "an AMD GPU code object"), (PTX, "PTX text"), (FATBIN, "a CUDA fatbin"),
    (b"__CLANG_OFFLOAD_BUNDLE__" + bytes(40), "a clang offload bundle"),
])
def test_an_image_for_another_backend_is_a_clear_error(image, what, tmp_path):
    with pytest.raises(cuda.Error) as info:
        cuda.module_from_buffer(image)
    e = info.value
    assert e.name == "cudaErrorInvalidKernelImage" and e.call == "cudaLibraryLoadData"
    assert f"the image is {what}" in e.message and "the sim backend does not load" in e.message
    assert "simulated-device kernel library" in e.message
    path = tmp_path / "image.bin"
    path.write_bytes(image.encode() if isinstance(image, str) else image)
    with pytest.raises(cuda.Error, match=f"the image is {what}"):
        cuda.module_from_file(path)


def test_an_unknown_image_gets_the_runtimes_answer():
    with pytest.raises(cuda.Error) as info:
        cuda.module_from_buffer(b"not an image at all")
    assert info.value.name == "cudaErrorInvalidKernelImage" and "no ELF header" in info.value.message


SIM_LIBRARY = b"\x7fELF\x02\x01\x01" + bytes(11) + struct.pack("<H", 62) + bytes(100)


@pytest.mark.parametrize(("backend", "loads"), [
    ("cuda", {"cubin", "ptx", "fatbin"}), ("hip", {"hsaco", "bundle"}), ("sim", {"library"}),
])
def test_which_images_each_backend_is_refused(monkeypatch, backend, loads):
    """The recognition alone, for each backend (the active one answers _backend_name)."""
    from PyGPU import _core, _image

    monkeypatch.setattr(_core, "_backend_name", lambda: backend)
    images = {"cubin": CUBIN, "ptx": PTX.encode(), "fatbin": FATBIN, "hsaco": HSACO,
              "bundle": b"__CLANG_OFFLOAD_BUNDLE__" + bytes(40), "library": SIM_LIBRARY}
    for name, image in images.items():
        if name in loads:
            assert _image.refuse_foreign(image, "cudaLibraryLoadData") is None, name
        else:
            with pytest.raises(cuda.Error, match=f"which the {backend} backend does not load"):
                _image.refuse_foreign(image, "cudaLibraryLoadData")
    assert _image.refuse_foreign(b"unknown bytes", "cudaLibraryLoadData") is None  # the runtime answers


def test_unknown_names_on_a_gpu_backend_list_the_sources_kernels(mod, monkeypatch):
    from PyGPU import _core

    monkeypatch.setattr(_core, "_backend_name", lambda: "cuda")
    with pytest.raises(cuda.Error) as info:
        mod.get_function("nope")
    assert info.value.name == "cudaErrorSymbolNotFound"
    assert info.value.message == "no kernel 'nope' in the module; its kernels: add_coeff, fill"
    with pytest.raises(cuda.Error) as info:
        mod.get_global("nope")
    assert info.value.message == "no global 'nope' in the module; the cuda runtime does not list a module's globals"


def test_module_from_buffer_options():
    with pytest.raises(ValueError, match="JIT options are not offered"):
        cuda.module_from_buffer(b"x", options=[(1, 2)])
    with pytest.raises(TypeError, match="message_handler must be callable"):
        cuda.module_from_buffer(b"x", message_handler=3)


# ------------------------------------------------------------------ lifetime ---

def test_explicit_unload_and_launches_after_it(compiling):
    mod = compiler.SourceModule("__global__ void k(int* p) { *p = 1; }")
    f = mod.get_function("k")
    mod.module.unload()
    for call in (lambda: f(cuda.mem_alloc(4), block=(1, 1, 1)), lambda: mod.get_function("k"),
                 lambda: mod.get_global("x"), mod.module.unload, lambda: f.num_regs,
                 lambda: f.prepare("P").prepared_call((1, 1), (1, 1, 1), 0)):
        with pytest.raises(cuda.Error) as info:
            call()
        assert info.value.name == "cudaErrorInvalidResourceHandle" and "the module was unloaded" in str(info.value)
    assert "unloaded" in repr(mod.module)


def test_unloaded_on_garbage_collection(compiling):
    mod = compiler.SourceModule("__global__ void gc_me(int* p) { *p = 1; }")
    handle = mod.module._handle
    f = mod.get_function("gc_me")
    del mod
    gc.collect()
    assert PyGPU.cudaLibraryGetKernel(handle, "gc_me")[1] == PyGPU.cudaSuccess  # the Function keeps it loaded
    del f
    gc.collect()
    assert PyGPU.cudaLibraryGetKernel(handle, "gc_me")[1] == PyGPU.cudaErrorInvalidResourceHandle


@pytest.mark.parametrize("reset", ["cudaDeviceReset", "sim.reset"])
def test_modules_survive_a_reset_and_go_without_a_warning(compiling, reset):
    mod = compiler.SourceModule("__global__ void k(int* p) { *p = 4; }")
    f = mod.get_function("k")
    if reset == "sim.reset":
        PyGPU.sim.reset()
    else:
        assert PyGPU.cudaDeviceReset() == PyGPU.cudaSuccess
    p = cuda.mem_alloc(4)
    f(p, block=(1, 1, 1))
    assert cuda.from_device(p, 1, np.int32)[0] == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        del mod, f
        gc.collect()


def test_a_handle_unloaded_behind_the_modules_back_goes_silently(compiling):
    mod = compiler.SourceModule("__global__ void k(int* p) { *p = 4; }").module
    assert PyGPU.cudaLibraryUnload(mod._handle) == PyGPU.cudaSuccess
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        del mod
        gc.collect()


# ------------------------------------------------------- CUDA and HIP, no device ---

CUDA_CHECK = """
import struct
import PyGPU, PyGPU.compiler as C, PyGPU.driver as cuda
src = "__global__ void saxpy(int n, float a, float* x) { x[threadIdx.x] *= a; }"
cubin = C.compile(src, arch="sm_80")
ptx = C.compile(src, arch="sm_80", target="ptx")
print("cubin", cubin[:4] == b"\\x7fELF", struct.unpack_from("<H", cubin, 18)[0])
print("ptx", b".entry saxpy" in ptx, b".target sm_80" in ptx)
for image in (cubin, ptx):
    try:
        cuda.module_from_buffer(image)
    except cuda.Error as e:
        print("load", e.code, e.name)
try:
    cuda.module_from_buffer(b"\\x7fELF\\x02\\x01\\x01" + bytes(11) + struct.pack("<H", 62) + bytes(100))
except cuda.Error as e:
    print("host", e.name, "the image is a host shared library" in e.message)
try:
    C.compile(src, arch="sm_80", target="fatbin")
except ValueError as e:
    print("fatbin", "not offered" in str(e))
try:
    C.compile("__global__ void k(int* p) {\\n    *p = nope;\\n}", arch="sm_80")
except PyGPU.CompileError as e:
    print("line", "kernel.cu(2)" in e.log)
"""


def _run_on(backend: str, rtc: str, missing: str, code: str, tmp_path: Path) -> list[str]:
    """The lines `code` prints in a child on `backend`, whose compiler module `rtc` must be installed; skips
    where the backend was not built, the compiler is missing, or a device is present (these checks are of a
    machine without one)."""
    if backend not in PyGPU.built_backends:
        pytest.skip(f"backend {backend} was not built")
    import importlib

    from PyGPU._compile import rtclib

    try:
        importlib.import_module(f"PyGPU._compile.{rtc}").library()
    except rtclib.RtcMissingError:
        pytest.skip(missing)
    # A Python child keeps LD_PRELOAD (the sanitizer run's ASan runtime must come first in it).
    result = run_python("import PyGPU\nprint(PyGPU.cudaGetDeviceCount()[0])\n" + code,
                        PYGPU_BACKEND=backend, PYGPU_CACHE_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    if lines[0] != "None":
        pytest.skip("a device is present: this test is for machines without one")
    return lines[1:]


@pytest.mark.build
def test_cuda_compiles_with_nvrtc_and_loading_answers_the_runtimes_code(tmp_path):
    lines = _run_on("cuda", "nvrtc", "NVRTC is not installed (pip install PyGPU[nvrtc])", CUDA_CHECK, tmp_path)
    assert lines[:2] == ["cubin True 190", "ptx True True"]
    # no driver: cudaErrorInsufficientDriver; a driver without a device: cudaErrorNoDevice
    assert lines[2:4] in (["load 35 cudaErrorInsufficientDriver"] * 2, ["load 100 cudaErrorNoDevice"] * 2), lines
    assert lines[4:] == ["host cudaErrorInvalidKernelImage True", "fatbin True", "line True"]


HIP_CHECK = """
import PyGPU.compiler as C, PyGPU.driver as cuda
image = C.compile("__global__ void k(float* x) { x[threadIdx.x] = 1; }", arch="gfx90a")
import struct
print("hsaco", struct.unpack_from("<H", image, 18)[0])
try:
    cuda.module_from_buffer(image)
except cuda.Error as e:
    print("load", e.name)
try:
    cuda.module_from_buffer(b"\\x7fELF\\x02\\x01\\x01" + bytes(11) + struct.pack("<H", 190) + bytes(100))
except cuda.Error as e:
    print("cubin", e.name, "the image is a CUDA cubin" in e.message)
try:
    C.SourceModule("__global__ void k() {}")
except ValueError as e:
    print("no arch", "needs arch=" in str(e))
"""


@pytest.mark.build
def test_hip_compiles_with_hiprtc_and_loading_answers_the_runtimes_code(tmp_path):
    lines = _run_on("hip", "hiprtc", "hiprtc (libamdhip64) is not installed", HIP_CHECK, tmp_path)
    assert lines[0] == "hsaco 224"
    # HIP 5.2's module calls answer hipErrorInvalidDevice without a device (tests/test_modules.py)
    assert lines[1] in ("load hipErrorInvalidDevice", "load hipErrorNoDevice"), lines
    assert lines[2:] == ["cubin hipErrorInvalidImage True", "no arch True"], lines
