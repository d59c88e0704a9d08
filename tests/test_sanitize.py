"""The sanitizer build (-C cmake.define.PYGPU_SANITIZE=ON): the option
instruments every module, and the run in .ci/run really is instrumented
(PYGPU_EXPECT_SANITIZED=1 there), so it cannot pass by running a plain build."""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import PyGPU as g
from helpers import without_preload

ROOT = Path(__file__).resolve().parents[1]
SANITIZE_FLAGS = ("-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer")
EXPECT_SANITIZED = os.environ.get("PYGPU_EXPECT_SANITIZED") == "1"


def _module_files() -> dict:
    """{module name: path} of _core, every built backend and the simulated device's library, as installed."""
    import importlib.util

    import PyGPU.sim

    names = ["_core", *(f"_backend_{b}" for b in g.built_backends)]
    files = {name: Path(importlib.util.find_spec(f"PyGPU.{name}").origin) for name in names}
    files["libpygpu_sim"] = Path(PyGPU.sim.library_path())
    return files


@pytest.mark.build
def test_sanitize_option_instruments_every_module(tmp_path):
    pybind11 = pytest.importorskip("pybind11")
    cmake = shutil.which("cmake")
    if cmake is None or shutil.which("make") is None or not (ROOT / "CMakeLists.txt").exists():
        pytest.skip("cmake, make or the source tree is not available")
    build = tmp_path / "build"
    result = subprocess.run(
        [cmake, "-S", str(ROOT), "-B", str(build), "-G", "Unix Makefiles",
         "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "-DPYGPU_SANITIZE=ON",
         f"-Dpybind11_DIR={pybind11.get_cmake_dir()}"],
        capture_output=True, text=True, timeout=300, env=without_preload(), check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PyGPU: sanitizer build (ASan + UBSan, RelWithDebInfo -O1, no LTO)" in result.stdout
    backends = re.search(r"PyGPU: backends built: (\S+)\n", result.stdout).group(1).split(";")
    assert "sim" in backends
    commands = json.loads((build / "compile_commands.json").read_text())
    for target in ["_core", "pygpu_sim", *(f"_backend_{b}" for b in backends)]:
        compiles = [c["command"] for c in commands if f"CMakeFiles/{target}.dir/" in c["command"]]
        assert compiles, f"no sources of {target}"
        for command in compiles:
            assert all(flag in command for flag in SANITIZE_FLAGS), command
            assert "-flto" not in command and " -g" in command, command
        link = (build / "CMakeFiles" / f"{target}.dir" / "link.txt").read_text()
        assert SANITIZE_FLAGS[0] in link and "-flto" not in link, link
        # pybind11 strips Release modules: a stripped module's reports would have no function names.
        assert "strip" not in (build / "CMakeFiles" / f"{target}.dir" / "build.make").read_text()


@pytest.mark.skipif(not EXPECT_SANITIZED, reason="only in the sanitizer run (PYGPU_EXPECT_SANITIZED=1, .ci/run)")
def test_the_sanitizer_run_is_instrumented():
    """Every module references the ASan and UBSan runtimes, and the ASan runtime is live here."""
    files = _module_files()
    assert set(files) >= {"_core", "_backend_sim", "libpygpu_sim"}
    for name, path in files.items():
        data = path.read_bytes()
        assert b"__asan_init" in data, f"{name} ({path}) is not built with AddressSanitizer"
        assert b"__ubsan_handle_" in data, f"{name} ({path}) is not built with UndefinedBehaviorSanitizer"
        assert b".debug_info" in data, f"{name} ({path}) is stripped: reports would have no function names"
    assert hasattr(ctypes.CDLL(None), "__asan_init"), "the ASan runtime is not loaded (LD_PRELOAD)"
    assert os.environ.get("PYTHONMALLOC") == "malloc", "Python's allocations would bypass ASan"


@pytest.mark.skipif(not EXPECT_SANITIZED, reason="only in the sanitizer run (PYGPU_EXPECT_SANITIZED=1, .ci/run)")
def test_the_sanitizer_run_reports_an_overflow():
    """A heap overflow (by memcpy, which ASan intercepts) in a child with this run's settings is reported."""
    code = ("import ctypes\nlibc = ctypes.CDLL(None)\nlibc.malloc.restype = ctypes.c_void_p\n"
            "p = libc.malloc(8)\nctypes.string_at(p, 9)\n")
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":log_path=stderr")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode != 0
    assert "ERROR: AddressSanitizer: heap-buffer-overflow" in result.stderr, result.stderr
