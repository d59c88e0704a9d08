"""The worked examples of examples/: each runs on the simulated device and is
checked against numpy, built from the same .cu as its CUDA build by PyGPU's
compiler driver; the CUDA builds compile (and link) with nvcc, and run on the
cuda backend: against numpy when it has a device, else up to the driver's
error. Each example runs in a fresh interpreter, as a user runs it."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from helpers import driver_wrappers, preload_removed, without_preload

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CTYPES = EXAMPLES / "ctypes_saxpy"
PYBIND11 = EXAMPLES / "pybind11_ext"

pytestmark = [pytest.mark.build,  # the examples are compiled (C++, CMake, nvcc) before they run
              pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the source tree (examples/) is not available")]


def run(args, cwd=None, backend="sim", timeout=300, **env) -> subprocess.CompletedProcess:
    """Run a command with PYGPU_BACKEND=`backend` and no other PYGPU_* setting of the test session.

    Only Python keeps LD_PRELOAD (the sanitizer run's ASan runtime); CMake and compilers do not.
    """
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}
    if str(args[0]) != sys.executable:
        full_env = without_preload(full_env)
    full_env.update(PYGPU_BACKEND=backend, **env)
    return subprocess.run([str(a) for a in args], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def _builder():
    spec = importlib.util.spec_from_file_location("saxpy_example_build", CTYPES / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nvcc() -> str:
    nvcc = _builder().find_nvcc()
    if nvcc is None:
        pytest.skip("nvcc not found (the CUDA builds of the examples need it)")
    return nvcc


@pytest.fixture(scope="module")
def sim_lib(tmp_path_factory) -> Path:
    """The ctypes example's library: saxpy.cu built for the simulated device by ``python -m PyGPU.cc``."""
    if _builder().find_cxx() is None:
        pytest.skip("no C++ compiler")
    tmp = tmp_path_factory.mktemp("ctypes_sim")
    _python, env = driver_wrappers(tmp)  # the driver runs in a child with this process's environment
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        return _builder().build("sim", tmp)


# A check of a CUDA build on the cuda backend: with a device, the example's
# own check against numpy; without one, the launch reports the driver's error.
CUDA_CHECK = r"""
import sys
import PyGPU
count, err = PyGPU.cudaGetDeviceCount()
if err == PyGPU.cudaSuccess and count > 0:
    print("device")
    sys.exit(0)
{launch}
try:
    launch()
except PyGPU.CudaError as e:
    print("error", e.name)
"""


def _cuda_backend_built() -> bool:
    import PyGPU

    return "cuda" in PyGPU.built_backends


# --- 1. ctypes ------------------------------------------------------------------

def test_ctypes_sim_build_matches_numpy(sim_lib):
    out = ok(run([sys.executable, CTYPES / "demo.py", sim_lib], cwd=CTYPES))
    assert "ok: saxpy and stencil match numpy (simulated-device build, backend sim)" in out


def test_ctypes_sim_build_reports_a_kernel_out_of_bounds(sim_lib):
    """The simulated device checks the kernel itself: a launch past the arrays' end is caught, named and sticky."""
    code = f"""
import PyGPU
from saxpy_glue import SaxpyLibrary
lib = SaxpyLibrary({str(sim_lib)!r})
x, y = PyGPU.zeros(1000, "float32"), PyGPU.zeros(1000, "float32")
lib.saxpy_ptr(1000 + 4096, 1.0, x.ptr, y.ptr)  # 4096 elements too many: queued, fails on the device
try:
    PyGPU.cudaDeviceSynchronize().check()
except PyGPU.CudaError as e:
    print(e.name)
    print(str(e).replace(chr(10), " "))
print(PyGPU.cudaMalloc(4)[1].name)  # sticky: every later call returns it
"""
    out = ok(run([sys.executable, "-c", code], cwd=CTYPES))
    name, message, sticky = out.splitlines()
    assert name == sticky == "cudaErrorIllegalAddress"
    assert re.search(r"kernel 'saxpy_kernel': block \(\d+,0,0\), thread \(\d+,0,0\): illegal memory access: "
                     r"(read of|write to) 0x[0-9a-f]+: \d+ bytes past the end of device allocation", message), message


def test_ctypes_glue_refuses_the_wrong_backend(sim_lib):
    if not _cuda_backend_built():
        pytest.skip("the cuda backend was not built")
    code = f"from saxpy_glue import SaxpyLibrary\nSaxpyLibrary({str(sim_lib)!r})"
    result = run([sys.executable, "-c", code], cwd=CTYPES, backend="cuda")
    assert result.returncode != 0
    assert "is the simulated-device build and needs PyGPU's 'sim' backend, but PyGPU.backend is 'cuda'" in \
        result.stderr


def test_ctypes_cuda_build_compiles_and_loads(tmp_path):
    _nvcc()
    with preload_removed():
        lib = _builder().build("cuda", tmp_path)
    assert lib.is_file()
    if not _cuda_backend_built():
        pytest.skip("the cuda backend was not built: compiled and linked only")
    launch = (f"from saxpy_glue import SaxpyLibrary\nlib = SaxpyLibrary({str(lib)!r})\n"
              "def launch():\n    lib.saxpy_ptr(4, 1.0, 1 << 20, 1 << 20)")
    out = ok(run([sys.executable, "-c", CUDA_CHECK.format(launch=launch)], cwd=CTYPES, backend="cuda"))
    if out.startswith("device"):
        out = ok(run([sys.executable, CTYPES / "demo.py", lib], cwd=CTYPES, backend="cuda"))
        assert "ok: saxpy and stencil match numpy (CUDA build, backend cuda)" in out
    else:
        assert re.match(r"error cuda\w+", out), out  # no driver here: the launch reports it


# --- 2. pybind11 extension -------------------------------------------------------

def _cmake_build(tmp_path: Path, *defines: str) -> Path:
    """Configure, build and install the example extension into tmp_path/site; return that."""
    pybind11 = pytest.importorskip("pybind11")
    cmake = shutil.which("cmake")
    if cmake is None:
        pytest.skip("cmake not found")
    import PyGPU

    build = tmp_path / "build"
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    python, env = driver_wrappers(tmp_path)  # the simulated-device build runs python -m PyGPU.cc
    compiler = [f"-DCMAKE_CXX_COMPILER={env['CXX']}"] if "CXX" in env else []
    ok(run([cmake, "-S", PYBIND11, "-B", build, *generator, *compiler, "-DCMAKE_BUILD_TYPE=Release",
            f"-DPyGPU_DIR={PyGPU.get_cmake_dir()}", f"-Dpybind11_DIR={pybind11.get_cmake_dir()}",
            f"-DPython_EXECUTABLE={python}", *defines]))
    ok(run([cmake, "--build", build, "--parallel", "2"]))
    ok(run([cmake, "--install", build, "--prefix", tmp_path / "site"]))
    package = tmp_path / "site" / "saxpy_ext"
    shutil.copy(PYBIND11 / "src" / "saxpy_ext" / "__init__.py", package)
    assert list(package.glob(f"_saxpy*{sysconfig.get_config_var('EXT_SUFFIX')}"))
    return tmp_path / "site"


def test_pybind11_extension_sim_build(tmp_path):
    site = _cmake_build(tmp_path)
    out = ok(run([sys.executable, PYBIND11 / "demo.py"], cwd=tmp_path, PYTHONPATH=site))
    assert "wrong dtype: TypeError: expected a device array of dtype float32, got dtype float64" in out
    assert "host memory: TypeError: device memory is required, got numpy.ndarray in host memory" in out
    assert "not contiguous: ValueError: a C-contiguous array is required" in out
    assert "ok: saxpy_ext (sim build) matches numpy on backend sim" in out
    assert (site / "saxpy_ext" / "libsaxpy_kernels.so").is_file()  # pygpu_add_sim_library's, installed beside


def test_pybind11_extension_cuda_build(tmp_path):
    _nvcc()
    site = _cmake_build(tmp_path, "-DSAXPY_EXT_CUDA=ON")
    if not _cuda_backend_built():
        pytest.skip("the cuda backend was not built: compiled and linked only")
    launch = ("import saxpy_ext\n"
              "class Foreign:\n"
              "    __cuda_array_interface__ = {'shape': (4,), 'typestr': '<f4', 'data': (1 << 20, False), "
              "'version': 3}\n"
              "def launch():\n    saxpy_ext.saxpy(1.0, Foreign(), Foreign())")
    out = ok(run([sys.executable, "-c", CUDA_CHECK.format(launch=launch)], cwd=tmp_path, backend="cuda",
                 PYTHONPATH=site))
    if out.startswith("device"):
        out = ok(run([sys.executable, PYBIND11 / "demo.py"], cwd=tmp_path, backend="cuda", PYTHONPATH=site))
        assert "ok: saxpy_ext (cuda build) matches numpy on backend cuda" in out
    else:
        assert re.match(r"error cuda\w+", out), out


# --- 3. replacing pycuda.gpuarray --------------------------------------------------

def test_replace_pycuda_script_runs(sim_lib):
    out = ok(run([sys.executable, EXAMPLES / "replace_pycuda" / "rows.py", sim_lib]))
    assert re.search(r"49 launches in [\d.]+ ms", out) and "ok: 48 rows match numpy" in out


def test_replace_pycuda_script_differs_only_in_its_imports():
    """PyGPU appears only in the three imports that replaced PyCUDA's, each saying what it was."""
    source = (EXAMPLES / "replace_pycuda" / "rows.py").read_text()
    tree = ast.parse(source)
    imports = [(alias.name, alias.asname) for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names if alias.name.split(".")[0] == "PyGPU"]
    assert imports == [("PyGPU", "gpuarray"), ("PyGPU.driver", "cuda"), ("PyGPU.autoinit", None)]
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and
                (node.module or "").startswith("PyGPU")]
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == "PyGPU"]
    for was in ("import pycuda.gpuarray as gpuarray", "import pycuda.driver as cuda", "import pycuda.autoinit"):
        assert re.search(rf"^import PyGPU.*# .*was: {re.escape(was)}$", source, re.M), was


# --- 3b. PyCUDA's SourceModule, unchanged ---------------------------------------------

def test_sourcemodule_script_runs_unchanged_through_the_runner(tmp_path):
    script = EXAMPLES / "sourcemodule" / "saxpy_pycuda.py"
    out = ok(run([sys.executable, "-m", "PyGPU.pycuda", script], cwd=tmp_path, PYGPU_CACHE_DIR=str(tmp_path)))
    assert "ok: saxpy with In/InOut matches numpy" in out and "ok: prepared_call matches numpy" in out
    assert re.search(r"ok: prepared_timed_call took [\d.]+ ms; prepared_async_call matches numpy", out), out
    source = script.read_text()
    assert "PyGPU" not in source.split('"""', 2)[2]  # a PyCUDA script: only its docstring names PyGPU
    assert "from pycuda.compiler import SourceModule" in source


# --- 4. testing against the simulated device ----------------------------------------

def test_testing_with_sim_example_passes(tmp_path):
    example = EXAMPLES / "testing_with_sim"
    _python, env = driver_wrappers(tmp_path)  # its conftest runs PyGPU's driver, which runs the compiler
    out = ok(run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", example], cwd=example, **env))
    summary = out.strip().splitlines()[-1]
    assert re.match(r"\d+ passed in", summary), summary  # nothing skipped, failed or erroring


# --- all ------------------------------------------------------------------------------

def test_the_examples_keep_one_kernel_source():
    """No host-only copy of a kernel: the simulated device runs the .cu that nvcc builds."""
    sources = {p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*")
               if p.suffix in (".cu", ".cpp", ".cc", ".cxx", ".c", ".hip")}
    assert sources == {"ctypes_saxpy/saxpy.cu", "pybind11_ext/src/saxpy.cu", "pybind11_ext/src/module.cpp"}


def test_each_example_has_a_readme():
    examples = [p for p in EXAMPLES.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))]
    assert {p.name for p in examples} >= {"ctypes_saxpy", "pybind11_ext", "replace_pycuda", "sourcemodule",
                                                "testing_with_sim"}
    for example in examples:
        assert (example / "README.md").is_file(), example
