"""Markers for tests that compile with NVRTC or hiprtc: tier build, skipped where the library is missing."""

from __future__ import annotations

import re

import pytest

from PyGPU._compile import hiprtc, nvrtc, rtclib


def available(module) -> bool:
    """Whether the compiler library of `module` (PyGPU._compile.nvrtc or .hiprtc) loads."""
    try:
        module.library()
    except rtclib.RtcMissingError:
        return False
    return True


def _compiles_with(module, reason: str):
    """Marks a test that compiles (tier build), skipped where the compiler's library is not installed."""
    skip = pytest.mark.skipif(not available(module), reason=reason)
    return lambda test: pytest.mark.build(skip(test))


needs_nvrtc = _compiles_with(nvrtc, "NVRTC is not installed (pip install PyGPU[nvrtc])")
needs_hiprtc = _compiles_with(hiprtc, "hiprtc (libamdhip64) is not installed")


#: The GPU compilers as parameters ("cuda": NVRTC, "hip": hiprtc), each tier build and skipped where missing.
GPU_COMPILERS = [
    pytest.param(backend, id=backend, marks=[pytest.mark.build, pytest.mark.skipif(
        not available(module), reason=f"{module.__name__.rsplit('.', 1)[-1]} is not installed")])
    for backend, module in (("cuda", nvrtc), ("hip", hiprtc))]


#: The architecture each GPU compiler targets in the tests.
GPU_ARCH = {"cuda": "compute_80", "hip": "gfx90a"}


def kernels_compiled(backend: str, source: str) -> int:
    """How many kernels NVRTC (`backend` "cuda": PTX entries) or hiprtc ("hip": named kernel descriptors of the
    code object) makes of `source`, compiled without the disk cache."""
    from PyGPU._compile import compile_for

    if backend == "cuda":
        ptx, _ = compile_for("cuda", source, arch=GPU_ARCH["cuda"], cache=False)
        return len(re.findall(rb"\.entry ", ptx))
    image, _ = compile_for("hip", source, arch=GPU_ARCH["hip"], cache=False)
    assert image[:4] == b"\x7fELF"
    return len(set(re.findall(rb"([A-Za-z_][A-Za-z0-9_]*)\.kd\0", image)))
