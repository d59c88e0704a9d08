"""NVRTC and hiprtc for the compile-only tests: markers that skip where the compiler's library is missing."""

from __future__ import annotations

from typing import Any

import pytest

from PyGPU._compile import hiprtc, nvrtc, rtclib


def available(module: Any) -> bool:
    """Whether the runtime compiler `module` (``nvrtc``, ``hiprtc``) finds its library."""
    try:
        module.library()
    except rtclib.RtcMissingError:
        return False
    return True


def _compiles_with(module: Any, reason: str) -> Any:
    """Marks a test that compiles (tier build), skipped where the compiler's library is not installed."""
    skip = pytest.mark.skipif(not available(module), reason=reason)
    return lambda test: pytest.mark.build(skip(test))


needs_nvrtc = _compiles_with(nvrtc, "NVRTC is not installed (pip install PyGPU[nvrtc])")
needs_hiprtc = _compiles_with(hiprtc, "hiprtc (libamdhip64) is not installed")
