"""The build: which backends CMake builds, the switches that turn them off, and
the README's example running as written."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import run_python, without_preload

ROOT = Path(__file__).resolve().parents[1]


def _configure(tmp_path, *defines):
    pybind11 = pytest.importorskip("pybind11")
    cmake = shutil.which("cmake")
    if cmake is None or not (ROOT / "CMakeLists.txt").exists():
        pytest.skip("cmake or the source tree is not available")
    result = subprocess.run(
        [cmake, "-S", str(ROOT), "-B", str(tmp_path / "build"),
         f"-Dpybind11_DIR={pybind11.get_cmake_dir()}", *defines],
        capture_output=True, text=True, timeout=300, env=without_preload(), check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.build
def test_switches_turn_backends_off(tmp_path):
    out = _configure(tmp_path, "-DPYGPU_WITH_CUDA=OFF", "-DPYGPU_WITH_HIP=OFF")
    assert "PyGPU: skipping backend 'cuda': switched off (PYGPU_WITH_CUDA=OFF)" in out
    assert "PyGPU: skipping backend 'hip': switched off (PYGPU_WITH_HIP=OFF)" in out
    assert "PyGPU: backends built: sim\n" in out
    info = (tmp_path / "build" / "_build_info.py").read_text()
    assert 'built_backends = ("sim",)' in info


@pytest.mark.build
def test_default_build_reports_each_backend(tmp_path):
    out = _configure(tmp_path)
    for name in ("cuda", "hip"):
        assert re.search(rf"PyGPU: (building|skipping) backend '{name}'", out)
    built = re.search(r"PyGPU: backends built: (.*)", out).group(1).split(";")
    assert built[0] == "sim"


def test_readme_example_runs_as_written():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "README.md has no python example"
    for code in blocks:
        result = run_python(code, PYGPU_BACKEND="sim")
        assert result.returncode == 0, result.stderr
