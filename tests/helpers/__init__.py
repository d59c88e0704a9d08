"""Helpers shared by the tests, one module per concept; every test imports
them as ``from helpers import X`` (pytest puts tests/ on sys.path: there is no
tests/__init__.py, so conftest.py and the test files are imported with their
directory prepended)."""

from __future__ import annotations

from .gate import Gate
from .hardware import Hardware
from .memory import SIM_MEMORY, free_bytes, from_device, to_device
from .processes import driver_wrappers, preload_removed, run_python, without_preload
from .rtc import GPU_ARCH, GPU_COMPILERS, kernels_compiled, needs_hiprtc, needs_nvrtc
from .samples import dtype_sample, sample
from .sim_kernels import KERNELS, SIM_INCLUDE, build_against_sim, module_kernels, run_program

__all__ = ["GPU_ARCH", "GPU_COMPILERS", "KERNELS", "SIM_INCLUDE", "SIM_MEMORY", "Gate", "Hardware", "build_against_sim",
           "driver_wrappers", "dtype_sample", "free_bytes", "from_device", "kernels_compiled", "module_kernels",
           "needs_hiprtc", "needs_nvrtc", "preload_removed", "run_program", "run_python", "sample", "to_device",
           "without_preload"]
