"""python -m PyGPU: the main job."""

from __future__ import annotations

import subprocess
import sys

import PyGPU as g


def _run(**env):
    import os

    full = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "PyGPU"], env=full, capture_output=True, text=True, timeout=120,
                          check=False)


def test_main_job_passes_on_the_simulated_device():
    result = _run(PYGPU_SIM_DEVICES="2")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"PyGPU {g.__version__}" in out
    assert "active: sim" in out
    assert "device 0: PyGPU Simulated Device" in out and "device 1: PyGPU Simulated Device" in out
    assert "compute capability 8.0" in out
    assert "verdict: PASS" in out
    assert "ms" in out


def test_main_job_fails_clearly_without_a_device():
    if "cuda" not in g.built_backends:
        import pytest

        pytest.skip("CUDA backend not built")
    result = _run(PYGPU_BACKEND="cuda")
    if "verdict: PASS" in result.stdout:
        import pytest

        pytest.skip("a CUDA device is present")
    assert result.returncode == 1
    assert "active: cuda" in result.stdout
    assert "cudaErrorInsufficientDriver" in result.stdout or "cudaErrorNoDevice" in result.stdout
    assert "verdict: FAIL" in result.stdout
