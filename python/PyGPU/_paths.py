"""Where PyGPU's C++ headers and CMake package are, for extension authors."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def _here() -> Path:
    """This package's directory (pathlib is imported on use: `import PyGPU` stays light)."""
    from pathlib import Path

    return Path(__file__).resolve().parent


def get_include() -> str:
    """The directory to put on the include path for ``#include "pygpu/..."``.

    The headers (``pygpu/device_span.h``, ``pygpu/stream_ref.h``,
    ``pygpu/pybind11.h`` with the pybind11 type casters, ...) need no PyGPU
    library and no particular backend.

    Returns
    -------
    str
        The installed ``PyGPU/include``; in a source checkout, its ``include``.

    Raises
    ------
    FileNotFoundError
        When the headers are not installed beside the package.

    Examples
    --------
    >>> import os, PyGPU
    >>> os.path.isfile(os.path.join(PyGPU.get_include(), "pygpu", "pybind11.h"))
    True
    """
    here = _here()
    for candidate in (here / "include", here.parents[1] / "include"):
        if (candidate / "pygpu" / "device_span.h").is_file():
            return str(candidate)
    raise FileNotFoundError(f"PyGPU's headers are not installed beside {here}; reinstall PyGPU (pip install PyGPU)")


def pycuda_include_dir() -> str:
    """The directory of ``pycuda-complex.hpp``, on every kernel compiler's include path (PyCUDA's ``cuda``)."""
    import os

    return os.path.join(get_include(), "pygpu", "pycuda")


def get_cmake_dir() -> str:
    """The directory holding ``PyGPUConfig.cmake``, for ``find_package(PyGPU CONFIG)``.

    Pass it as ``-DPyGPU_DIR=...`` (or put it on ``CMAKE_PREFIX_PATH``); the
    package defines the INTERFACE target ``PyGPU::headers``.

    Returns
    -------
    str
        The installed ``PyGPU/cmake``, also found on ``sys.path`` for an
        editable install.

    Raises
    ------
    FileNotFoundError
        When the CMake package is not installed.

    Examples
    --------
    >>> import os, PyGPU
    >>> os.path.isfile(os.path.join(PyGPU.get_cmake_dir(), "PyGPUConfig.cmake"))
    True
    """
    # An editable install keeps the Python files in the source tree and the
    # installed files under site-packages.
    from pathlib import Path

    here = _here()
    candidates = [here / "cmake"] + [Path(p) / "PyGPU" / "cmake" for p in sys.path if p]
    for candidate in candidates:
        if (candidate / "PyGPUConfig.cmake").is_file():
            return str(candidate)
    raise FileNotFoundError(f"PyGPU's CMake package is not installed beside {here}; reinstall PyGPU "
                            "(pip install PyGPU)")


def sim_library_path() -> str:
    """The simulated device's shared library, ``libpygpu_sim.so`` (``PyGPU.sim.library_path``)."""
    here = _here()
    candidate = here / "lib" / "libpygpu_sim.so"
    if candidate.is_file():
        return str(candidate)
    raise FileNotFoundError(f"the simulated device's library is not installed at {candidate}; reinstall PyGPU "
                            "(pip install PyGPU)")
