"""The compilers: the simulated device's driver (host.py), NVRTC and hiprtc (nvrtc.py, hiprtc.py), one front
(:func:`compile_for`, runtime.py) and the disk cache (cache.py)."""

from __future__ import annotations

from .runtime import compile_for

__all__ = ["compile_for"]
