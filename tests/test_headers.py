"""The public C++ headers (include/pygpu/*.h) are self-contained: each compiles
on its own, warning-free, and the templates instantiate for a small program."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import without_preload

pytestmark = pytest.mark.build  # each test runs the C++ compiler

ROOT = Path(__file__).resolve().parents[1]
INCLUDE = ROOT / "include"
HEADERS = sorted(p.name for p in (INCLUDE / "pygpu").glob("*.h"))
CXXFLAGS = ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"]


def compile_source(tmp_path: Path, source: str) -> subprocess.CompletedProcess:
    gxx = shutil.which("g++")
    if gxx is None or not INCLUDE.is_dir():
        pytest.skip("g++ or the source tree is not available")
    path = tmp_path / "use.cpp"
    path.write_text(source)
    return subprocess.run([gxx, *CXXFLAGS, "-I", str(INCLUDE), str(path)],
                          capture_output=True, text=True, timeout=120, env=without_preload(), check=False)


def test_public_headers_are_present():
    if not INCLUDE.is_dir():
        pytest.skip("the source tree is not available")
    assert {"backend.h", "dtypes.h", "pointer_wrapper.h", "device_array.h"} <= set(HEADERS)


@pytest.mark.parametrize("header", HEADERS)
def test_header_compiles_on_its_own(tmp_path, header):
    result = compile_source(tmp_path, f'#include "pygpu/{header}"\n')
    assert result.returncode == 0, result.stderr



@pytest.mark.parametrize("header", ["backend.h", "sim_api.h", "sim_library.h"])
def test_c_interface_compiles_as_c(tmp_path, header):
    """The backend interfaces are plain C: a C compiler takes them, pedantic."""
    gcc = shutil.which("gcc")
    if gcc is None or not INCLUDE.is_dir():
        pytest.skip("gcc or the source tree is not available")
    path = tmp_path / "use.c"
    path.write_text(f'#include "pygpu/{header}"\nint pygpu_use(void) {{ return 0; }}\n')
    result = subprocess.run([gcc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only", "-I",
                             str(INCLUDE), str(path)], capture_output=True, text=True, timeout=120,
                            env=without_preload(), check=False)
    assert result.returncode == 0, result.stderr

PROGRAM = r"""
#include "pygpu/device_array.h"
#include "pygpu/pointer_wrapper.h"

#include <cstddef>
#include <vector>

int use(const pygpu_backend* backend) {
    pygpu::DeviceArray<float> owned(backend, std::vector<std::ptrdiff_t>{2, 3}, 'F');
    float host[6] = {1, 2, 3, 4, 5, 6};
    pygpu::DeviceArray<float> view(backend, host, std::vector<std::ptrdiff_t>{6});
    int err = owned.allocate();
    err |= owned.to_device();
    err |= owned.to_host();
    err |= owned.free();
    err |= owned.last_status();
    std::size_t n = owned.size() + owned.nbytes() + view.shape().size() + view.strides().size();
    float* h = view.host_data();

    double values[4] = {1, 2, 3, 4};
    pygpu::pointer_wrapper<double> p(values, 4, true);
    pygpu::pointer_wrapper<double> q = p + 1;
    double x = q[0] + *p.get() + static_cast<double>(q.count());
    return err + static_cast<int>(n + x + h[0]);
}
"""


def test_small_program_compiles(tmp_path):
    result = compile_source(tmp_path, PROGRAM)
    assert result.returncode == 0, result.stderr
