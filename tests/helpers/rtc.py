"""Markers for tests that compile with NVRTC or hiprtc: tier build, skipped where the library is missing."""

from __future__ import annotations

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
