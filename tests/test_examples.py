"""The worked examples of examples/: each runs on the simulated device and is
checked against numpy; the CUDA builds compile (and link) with nvcc, and run
on the cuda backend: against numpy when it has a device, else up to the
driver's error. Each example runs in a fresh interpreter, as a user runs it."""

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

from helpers import preload_removed, without_preload

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
def host_lib(tmp_path_factory) -> Path:
    """The ctypes example's library, host build, for the simulated device."""
    if _builder().find_cxx() is None:
        pytest.skip("no C++ compiler")
    with preload_removed():
        return _builder().build("host", tmp_path_factory.mktemp("ctypes_host"))


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

def test_ctypes_host_build_matches_numpy(host_lib):
    out = ok(run([sys.executable, CTYPES / "demo.py", host_lib], cwd=CTYPES))
    assert "ok: saxpy and stencil match numpy (host build, backend sim)" in out


def test_ctypes_glue_refuses_the_wrong_backend(host_lib):
    if not _cuda_backend_built():
        pytest.skip("the cuda backend was not built")
    code = f"from saxpy_glue import SaxpyLibrary\nSaxpyLibrary({str(host_lib)!r})"
    result = run([sys.executable, "-c", code], cwd=CTYPES, backend="cuda")
    assert result.returncode != 0
    assert "is the host build and needs PyGPU's 'sim' backend, but PyGPU.backend is 'cuda'" in result.stderr


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
    ok(run([cmake, "-S", PYBIND11, "-B", build, *generator, "-DCMAKE_BUILD_TYPE=Release",
            f"-DPyGPU_DIR={PyGPU.get_cmake_dir()}", f"-Dpybind11_DIR={pybind11.get_cmake_dir()}",
            f"-DPython_EXECUTABLE={sys.executable}", *defines]))
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
    assert "ok: saxpy_ext (host build) matches numpy on backend sim" in out


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

def test_replace_pycuda_script_runs(host_lib):
    out = ok(run([sys.executable, EXAMPLES / "replace_pycuda" / "rows.py", host_lib]))
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


# --- 4. testing against the simulated device ----------------------------------------

def test_testing_with_sim_example_passes(tmp_path):
    example = EXAMPLES / "testing_with_sim"
    env = {}
    cxx = _builder().find_cxx()
    if "LD_PRELOAD" in os.environ and cxx is not None:
        # The sanitizer run: this pytest (Python, keeps the ASan preload) compiles the
        # example's library itself; its compiler must not inherit the preload.
        wrapper = tmp_path / "cxx"
        wrapper.write_text(f'#!/bin/sh\nunset LD_PRELOAD\nexec "{shutil.which(cxx) or cxx}" "$@"\n')
        wrapper.chmod(0o755)
        env["CXX"] = str(wrapper)
    out = ok(run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", example], cwd=example, **env))
    summary = out.strip().splitlines()[-1]
    assert re.match(r"\d+ passed in", summary), summary  # nothing skipped, failed or erroring


# --- all ------------------------------------------------------------------------------

def test_each_example_has_a_readme():
    examples = [p for p in EXAMPLES.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))]
    assert {p.name for p in examples} >= {"ctypes_saxpy", "pybind11_ext", "replace_pycuda", "testing_with_sim"}
    for example in examples:
        assert (example / "README.md").is_file(), example
