"""Packaging: one version from pyproject.toml to ``python -m PyGPU``, complete
metadata, an sdist that builds a working sim-only wheel where CUDA and HIP
cannot be found, and the cibuildwheel configuration."""

from __future__ import annotations

import glob
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import PyGPU
from helpers import without_preload
from PyGPU import _build_info, _core

try:
    import tomllib
except ImportError:  # Python < 3.11: tomli comes with scikit-build-core (the test extra)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def _clean_env(keep_preload: bool = False, **extra: str) -> dict:
    """The environment without PyGPU's settings; without LD_PRELOAD (the
    sanitizer run's ASan runtime) unless the child imports this installation
    of PyGPU, which needs it (builds and other venvs must not inherit it)."""
    base = dict(os.environ) if keep_preload else without_preload()
    env = {k: v for k, v in base.items() if not k.startswith("PYGPU_") and k != "PYTHONPATH"}
    env.update(extra)
    return env


def _run(cmd, cwd, env=None, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=_clean_env() if env is None else env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _pybind11_dir() -> str:
    import pybind11

    return pybind11.get_cmake_dir()


# --- one version --------------------------------------------------------------


def test_version_is_single_sourced():
    version = PROJECT["version"]
    assert importlib.metadata.version("PyGPU") == version
    assert PyGPU.__version__ == version
    assert _core.__version__ == version
    assert _build_info.version == version


def test_main_job_prints_the_version(tmp_path):
    result = _run([sys.executable, "-m", "PyGPU"], cwd=tmp_path, env=_clean_env(keep_preload=True, PYGPU_BACKEND="sim"),
                  timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == f"PyGPU {importlib.metadata.version('PyGPU')}"


def _configure(tmp_path, *defines) -> str:
    cmake = shutil.which("cmake")
    assert cmake, "cmake is in the test extra"
    build = tmp_path / "build"
    result = _run([cmake, "-S", ROOT, "-B", build, f"-Dpybind11_DIR={_pybind11_dir()}",
                   "-DPYGPU_WITH_CUDA=OFF", "-DPYGPU_WITH_HIP=OFF", *defines], cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    info = (build / "_build_info.py").read_text()
    return re.search(r'^version = "(.*)"$', info, re.M).group(1)


@pytest.mark.build
def test_plain_cmake_reads_the_version_from_pyproject(tmp_path):
    assert _configure(tmp_path) == PROJECT["version"]


@pytest.mark.build
def test_a_prerelease_version_reaches_python_as_written(tmp_path):
    # scikit-build-core passes 1.2.3 for project(VERSION) and 1.2.3rc1 as written.
    version = _configure(tmp_path, "-DSKBUILD_PROJECT_VERSION=1.2.3", "-DSKBUILD_PROJECT_VERSION_FULL=1.2.3rc1")
    assert version == "1.2.3rc1"
    config_version = (tmp_path / "build" / "PyGPUConfigVersion.cmake").read_text()
    assert 'set(PACKAGE_VERSION "1.2.3")' in config_version


# --- metadata -----------------------------------------------------------------


def test_installed_metadata_is_complete():
    meta = importlib.metadata.metadata("PyGPU")
    assert meta["Name"] == "PyGPU"
    assert meta["Summary"] == PROJECT["description"]
    assert meta["Requires-Python"] == ">=3.9"
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert meta["Author"] == "the PyGPU developers"
    keywords = meta["Keywords"].split(",")
    assert {"cuda", "hip", "gpu", "pycuda"} <= set(keywords)
    assert meta["Description-Content-Type"] == "text/markdown"
    # The README as the long description (compared by its title: the installed
    # copy is as old as the last `pip install`).
    readme_title = (ROOT / "README.md").read_text().splitlines()[0]
    assert meta.get_payload().lstrip().splitlines()[0] == readme_title == "# PyGPU"
    for url in meta.get_all("Project-URL") or []:  # none yet: the project has no public home
        assert url.split(", ", 1)[1].startswith("https://"), url


def test_classifiers_are_valid_and_say_what_the_package_is():
    import trove_classifiers

    classifiers = importlib.metadata.metadata("PyGPU").get_all("Classifier")
    assert classifiers == PROJECT["classifiers"]
    unknown = [c for c in classifiers if c not in trove_classifiers.classifiers]
    assert not unknown, f"not trove classifiers (PyPI rejects them): {unknown}"
    assert not [c for c in classifiers if c.startswith("License ::")], "the license is the PEP 639 expression"
    for expected in ("Programming Language :: C++", "Operating System :: POSIX :: Linux", "Typing :: Typed",
                     "Environment :: GPU :: NVIDIA CUDA",
                     f"Programming Language :: Python :: {sys.version_info.major}.{sys.version_info.minor}"):
        assert expected in classifiers
    # Every minor version from requires-python's floor up is claimed.
    minors = sorted(int(c.rsplit(".", 1)[1]) for c in classifiers if re.fullmatch(r".*:: Python :: 3\.\d+", c))
    assert minors == list(range(9, minors[-1] + 1))


def test_license_and_typing_marker_are_installed():
    dist = importlib.metadata.distribution("PyGPU")
    files = {str(f).replace(os.sep, "/") for f in dist.files}
    license_file = next(f for f in dist.files if str(f).endswith("licenses/LICENSE"))
    text = license_file.read_text()
    assert text.startswith("MIT License") and "the PyGPU developers" in text
    assert text == (ROOT / "LICENSE").read_text()
    assert "PyGPU/py.typed" in files  # Typing :: Typed


# --- the sdist ----------------------------------------------------------------

SDIST_REQUIRED = ["CMakeLists.txt", "pyproject.toml", "LICENSE", "README.md", "CHANGELOG.md", "cmake/",
                  "include/pygpu/", "src/PyGPU/sim/", "src/PyGPU/gpu/backend.cpp", "bindings/",
                  "python/PyGPU/__init__.py", "python/PyGPU/py.typed", "tests/"]
SDIST_FORBIDDEN = re.compile(r"(^|/)(build|dist|\.venv[^/]*|\.git|\.hypothesis|\.pytest_cache|\.ruff_cache|"
                             r"\.mypy_cache|__pycache__)/|\.so$|\.pyc$")


@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    result = _run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", out, ROOT], cwd=out)
    assert result.returncode == 0, result.stdout + result.stderr
    (path,) = out.glob("*.tar.gz")
    return path


@pytest.mark.build
def test_sdist_has_the_sources_and_nothing_built(sdist):
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
    top = f"pygpu-{PROJECT['version']}/"
    assert all(n == top.rstrip("/") or n.startswith(top) for n in names)
    rel = [n[len(top):] for n in names if n.startswith(top)]
    for required in SDIST_REQUIRED:
        assert any(r == required or r.startswith(required) for r in rel), f"sdist lacks {required}"
    forbidden = [r for r in rel if SDIST_FORBIDDEN.search(r)]
    assert not forbidden, f"build outputs or caches in the sdist: {forbidden[:10]}"


def _gpu_toolkits_hidden(env: dict) -> tuple[dict, list[str]]:
    """`env` and CMake defines under which CMake cannot find CUDA or HIP.

    The toolkits are hidden, not switched off: environment variables that
    point at them are dropped, directories holding nvcc or hipcc leave PATH,
    and every directory where CMake would find nvcc, the HIP header or
    libamdhip64 goes into CMAKE_IGNORE_PATH. The C and C++ compilers are
    given by absolute path so that they survive a PATH without /usr/bin.
    """
    drop = {"CUDA_PATH", "CUDA_HOME", "CUDA_ROOT", "CUDAToolkit_ROOT", "CUDACXX", "CUDAHOSTCXX", "ROCM_PATH",
            "ROCM_HOME", "HIP_PATH", "HIP_PLATFORM", "CMAKE_PREFIX_PATH", "CMAKE_ARGS"}
    env = {k: v for k, v in env.items() if k not in drop and not k.startswith("SKBUILD_")}
    for var, names in (("CC", ("cc", "gcc", "clang")), ("CXX", ("c++", "g++", "clang++"))):
        found = next((shutil.which(n, path=env.get("PATH")) for n in names if shutil.which(n, path=env.get("PATH"))),
                     None)
        if var not in env and found:
            env[var] = found

    def with_real(paths):
        return {q for p in paths for q in (p, os.path.realpath(p))}

    path = env.get("PATH", "").split(os.pathsep)
    prefixes = ["/usr", "/usr/local", "/opt/cuda", "/opt/rocm", *glob.glob("/usr/local/cuda*"),
                *glob.glob("/opt/rocm*")]
    bin_dirs = with_real([*path, *(f"{p}/bin" for p in prefixes)])
    nvcc_dirs = {d for d in bin_dirs if os.path.exists(f"{d}/nvcc") or os.path.exists(f"{d}/hipcc")}
    env["PATH"] = os.pathsep.join(p for p in path if p and p not in nvcc_dirs and os.path.realpath(p) not in nvcc_dirs)
    include_dirs = with_real([f"{p}/include" for p in prefixes] + ["/usr/include/x86_64-linux-gnu"])
    hip_include = {d for d in include_dirs if os.path.exists(f"{d}/hip/hip_runtime_api.h")}
    lib_dirs = with_real([f"{p}/{lib}" for p in prefixes for lib in ("lib", "lib64", "lib/x86_64-linux-gnu")])
    hip_lib = {d for d in lib_dirs if glob.glob(f"{d}/libamdhip64.so*")}
    cuda_bins = with_real([f"{p}/bin" for p in glob.glob("/usr/local/cuda*")])
    ignore = sorted(nvcc_dirs | hip_include | hip_lib | cuda_bins)
    return env, [f"cmake.define.CMAKE_IGNORE_PATH={';'.join(ignore)}"] if ignore else []


@pytest.mark.build
@pytest.mark.packaging_build
def test_sdist_builds_a_sim_only_wheel_where_cuda_and_hip_are_hidden(sdist, tmp_path):
    with tarfile.open(sdist) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.12+ and the security backports
            tar.extractall(tmp_path / "src", filter="data")
        else:
            tar.extractall(tmp_path / "src")  # our own sdist
    (source,) = (tmp_path / "src").iterdir()
    env, config = _gpu_toolkits_hidden(_clean_env())
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
    wheels = tmp_path / "wheels"
    cmd = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", wheels, source]
    cmd += [f"-C{c}" for c in config]
    result = _run(cmd, cwd=tmp_path, env=env, timeout=900)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    # Hidden, not switched off: CMake looked for both and found neither.
    assert "PyGPU: skipping backend 'cuda': find_package(CUDAToolkit) found no CUDA toolkit" in log, log
    assert "PyGPU: skipping backend 'hip': hip/hip_runtime_api.h or libamdhip64 not found" in log, log
    assert "PyGPU: backends built: sim\n" in log, log

    (wheel,) = wheels.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    assert not [n for n in names if "_backend_cuda" in n or "_backend_hip" in n], names
    for needed in ("PyGPU/_core.", "PyGPU/_backend_sim.", "PyGPU/lib/libpygpu_sim.so", "PyGPU/_build_info.py",
                   "PyGPU/py.typed", "PyGPU/include/pygpu/", "PyGPU/include/pygpu/pycuda/pycuda-complex.hpp",
                   "PyGPU/cmake/PyGPUConfig.cmake",
                   "PyGPU/cmake/PyGPUSimLibrary.cmake",
                   ".dist-info/licenses/LICENSE"):
        assert any(needed in n for n in names), f"wheel lacks {needed}"

    venv = tmp_path / "venv"
    result = _run([sys.executable, "-m", "venv", venv], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    python = venv / "bin" / "python"
    result = _run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

    # Run from an empty directory: nothing of the source tree on sys.path.
    work = tmp_path / "work"
    work.mkdir()
    result = _run([python, "-m", "PyGPU"], cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"PyGPU {PROJECT['version']}\n" in result.stdout
    assert "backends built: sim; active: sim\n" in result.stdout
    assert "verdict: PASS" in result.stdout
    result = _run([python, "-c", "import PyGPU; print(PyGPU.__file__); print(PyGPU.built_backends)"], cwd=work)
    assert result.returncode == 0, result.stderr
    where, built = result.stdout.splitlines()
    assert Path(where).is_relative_to(venv) and built == "('sim',)", result.stdout


# --- cibuildwheel ---------------------------------------------------------------


def test_cibuildwheel_configuration():
    cbw = PYPROJECT["tool"]["cibuildwheel"]
    linux = cbw["linux"]
    assert cbw["archs"] == ["x86_64"] and cbw["manylinux-x86_64-image"].startswith("manylinux_")
    assert "*-musllinux_*" in cbw["skip"]
    assert "python -m PyGPU" in cbw["test-command"]
    assert any("('sim', 'cuda')" in c for c in cbw["test-command"]), "the wheels must have the CUDA backend"
    assert any("cuda-cudart-devel" in c and "cuda-nvcc" in c for c in linux["before-all"])
    assert "/bin:" in linux["environment"]["PATH"] and linux["environment"]["CUDAToolkit_ROOT"]
    assert "PYGPU_WITH_CUDA=ON" in linux["environment"]["SKBUILD_CMAKE_DEFINE"]
    assert "--exclude libcuda.so.1" in linux["repair-wheel-command"]
    # CMake links the static runtime: the wheel needs only the driver.
    assert "CUDA::cudart_static" in (ROOT / "CMakeLists.txt").read_text()
    floor = int(re.fullmatch(r">=3\.(\d+)", PROJECT["requires-python"]).group(1))
    assert cbw["build"][0] == f"cp3{floor}-*"


@pytest.mark.skipif(sys.version_info < (3, 11), reason="cibuildwheel needs Python 3.11+ (the test extra has it there)")
def test_cibuildwheel_accepts_the_configuration(tmp_path):
    # cibuildwheel validates every option of the file, and lists what it would build.
    result = _run([sys.executable, "-m", "cibuildwheel", "--print-build-identifiers", "--platform", "linux", ROOT],
                  cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    minors = [int(re.fullmatch(r"cp3(\d+)-\*", b).group(1)) for b in PYPROJECT["tool"]["cibuildwheel"]["build"]]
    assert result.stdout.split() == [f"cp3{m}-manylinux_x86_64" for m in minors]
