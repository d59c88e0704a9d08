"""Fixtures for the glue's tests: the library, built once per session.

PyGPU's fixtures ``pygpu_sim`` and ``pygpu_chaos`` come from PyGPU.testing,
enabled below with ``pytest_plugins`` (opt-in, so installing PyGPU does not
import it into every pytest run). Run on the simulated device with
``PYGPU_BACKEND=sim python -m pytest``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest_plugins = ["PyGPU.testing"]

# The glue under test, and how to build its library (../ctypes_saxpy).
EXAMPLE = Path(__file__).resolve().parent.parent / "ctypes_saxpy"
sys.path.insert(0, str(EXAMPLE))

from build import build  # noqa: E402
from saxpy_glue import SaxpyLibrary  # noqa: E402


@pytest.fixture(scope="session")
def lib(tmp_path_factory) -> SaxpyLibrary:
    """saxpy.cu built for the simulated device (``python -m PyGPU.cc``): the kernels the GPU runs."""
    return SaxpyLibrary(build("sim", tmp_path_factory.mktemp("lib")))
