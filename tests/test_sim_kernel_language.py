"""The kernel language of the simulated device (include/pygpu/sim/kernel/*.h and
the top-level shims cuda_runtime.h, cuda_fp16.h, cooperative_groups.h, ...):
kernels compiled with g++ against the headers, registered by hand-written
trampolines (tests/kernel_language/harness.h, what the compiler driver
generates), launched with cudaLaunchKernel, their results checked against
Python models, numpy and libm. names.cu, which uses every documented name,
compiles with g++ here and with nvcc -c against CUDA's own headers."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from helpers import SIM_INCLUDE, build_against_sim, without_preload

pytestmark = pytest.mark.build  # each test runs the C++ compiler

HERE = Path(__file__).resolve().parent / "kernel_language"
KERNEL_HEADERS = sorted(p.name for p in (SIM_INCLUDE / "kernel").glob("*.h"))
SHIMS = ["cuda_runtime.h", "cuda_fp16.h", "cooperative_groups.h", "cooperative_groups/reduce.h", "math_constants.h",
         "vector_types.h", "vector_functions.h", "device_functions.h", "device_launch_parameters.h",
         "hip/hip_runtime.h"]


def build(tmp_path: Path, name: str, source: str | None = None) -> Path:
    """Compiles tests/kernel_language/<name>.cu (or `source`) with the harness, -Wall -Wextra -Werror."""
    text = source if source is not None else (HERE / f"{name}.cu").read_text()
    return build_against_sim(tmp_path, name, text, "-O2", "-I", str(HERE), "-fno-builtin-printf")


def run(program: Path, *args: str, **env: str) -> tuple[dict[str, int], subprocess.CompletedProcess]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}
    result = subprocess.run([str(program), *args], capture_output=True, text=True, timeout=120,
                            env={**base, "PYGPU_SIM_WORKERS": "4", **env}, check=False)
    values = {}
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            values[parts[0]] = int(parts[1])
    return values, result


def ok(values: dict[str, int], *names: str) -> None:
    for name in names:
        assert values.get(name) == 0, (name, values)


# --- the headers -------------------------------------------------------------

@pytest.mark.parametrize("header", [f"kernel/{h}" for h in KERNEL_HEADERS] + SHIMS)
def test_header_compiles_on_its_own(tmp_path, header):
    gxx = shutil.which(os.environ.get("CXX", "g++")) or pytest.skip("no C++ compiler")
    src = tmp_path / "one.cpp"
    src.write_text(f'#include "{header}"\nint pygpu_use() {{ return 0; }}\n')
    result = subprocess.run([gxx, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-I",
                             str(SIM_INCLUDE), str(src)], capture_output=True, text=True, timeout=120,
                            env=without_preload(), check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("header", ["kernel/vector_types.h", "kernel/vector_functions.h", "vector_types.h"])
def test_vector_types_are_plain_c(tmp_path, header):
    gcc = shutil.which(os.environ.get("CC", "gcc")) or pytest.skip("no C compiler")
    src = tmp_path / "one.c"
    src.write_text(f'#include "{header}"\n_Static_assert(sizeof(float4) == 16 && _Alignof(float4) == 16, "");\n'
                   '_Static_assert(sizeof(char3) == 3 && _Alignof(short2) == 4, "");\n'
                   '_Static_assert(_Alignof(double2) == 16 && sizeof(dim3) == 12, "");\n')
    result = subprocess.run([gcc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-I",
                             str(SIM_INCLUDE), str(src)], capture_output=True, text=True, timeout=120,
                            env=without_preload(), check=False)
    assert result.returncode == 0, result.stderr


def test_every_name_compiles_with_gxx(tmp_path):
    gxx = shutil.which(os.environ.get("CXX", "g++")) or pytest.skip("no C++ compiler")
    result = subprocess.run([gxx, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-O2", "-c", "-x", "c++", "-I",
                             str(SIM_INCLUDE), str(HERE / "names.cu"), "-o", str(tmp_path / "names.o")],
                            capture_output=True, text=True, timeout=120, env=without_preload(), check=False)
    assert result.returncode == 0, result.stderr


def _nvcc() -> str | None:
    return shutil.which("nvcc") or next((str(p) for p in [Path("/usr/local/cuda/bin/nvcc")] if p.exists()), None)


def test_every_name_is_cudas(tmp_path):
    """names.cu compiles with nvcc -c against CUDA's headers: the names and signatures are CUDA's."""
    nvcc = _nvcc()
    if nvcc is None:
        pytest.skip("nvcc is not installed (CI has it)")
    result = subprocess.run([nvcc, "-c", "-std=c++17", "-arch=sm_80", str(HERE / "names.cu"), "-o",
                             str(tmp_path / "names.o")], capture_output=True, text=True, timeout=300,
                            env=without_preload(), check=False)
    assert result.returncode == 0, result.stderr


def test_cuda_runtime_h_parses_quickly(tmp_path):
    """The headers stay lean: a source including cuda_runtime.h parses in well under the driver's 0.5 s
    budget for a one-kernel compile (measured here: ~0.3 s, most of it <cmath>)."""
    gxx = shutil.which(os.environ.get("CXX", "g++")) or pytest.skip("no C++ compiler")
    src = tmp_path / "one.cpp"
    src.write_text("#include <cuda_runtime.h>\n")
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([gxx, "-std=c++17", "-O2", "-fsyntax-only", "-I", str(SIM_INCLUDE), str(src)], check=True,
                       env=without_preload(), timeout=120)
        best = min(best, time.perf_counter() - start)
    assert best < 1.5, f"g++ -fsyntax-only of cuda_runtime.h took {best:.2f} s"


# --- coordinates and barriers --------------------------------------------------

def test_coordinates_in_a_3d_grid(tmp_path):
    program = build(tmp_path, "coordinates")
    out = tmp_path / "out.bin"
    values, result = run(program, str(out))
    ok(values, "register", "loop", "fibers", "sync")
    got = np.fromfile(out, dtype=np.uint32).reshape(2, -1, 16)
    grid, block = (3, 2, 2), (4, 3, 5)
    expected = []
    for bz in range(grid[2]):
        for by in range(grid[1]):
            for bx in range(grid[0]):
                for tz in range(block[2]):
                    for ty in range(block[1]):
                        for tx in range(block[0]):
                            expected.append([tx, ty, tz, bx, by, bz, *block, *grid, 32, 0, 0, 0])
    for mode in range(2):
        np.testing.assert_array_equal(got[mode], np.array(expected, dtype=np.uint32))


def test_barrier_variants(tmp_path):
    program = build(tmp_path, "barriers")
    out = tmp_path / "out.bin"
    values, result = run(program, str(out))
    ok(values, "register", "launch", "sync")
    got = np.fromfile(out, dtype=np.int32).reshape(-1, 8)
    assert got.shape == (4 * 96, 8)
    # count(tid % 3 == 0), count(7), and(all), and(all but one), or(one), or(none), count(0), done
    np.testing.assert_array_equal(got, np.tile([32, 96, 1, 0, 1, 0, 0, 1], (4 * 96, 1)))


# --- atomics ---------------------------------------------------------------------

def test_atomics_under_contention(tmp_path):
    program = build(tmp_path, "atomics")
    values, result = run(program)
    ok(values, "register", "launch", "sync")
    n = 64 * 256
    assert values["add_i"] == n and values["sub_i"] == -2 * n and values["block_i"] == n
    assert values["system_i"] == n
    assert values["min_i"] == 1000 - (n - 1) and values["max_i"] == n - 1 - 1000
    assert values["and_i"] == -(2 ** 31) and values["or_i"] == 2 ** 31 - 1
    # bit b of xor_i toggled once per thread with tid % 31 == b: odd counts for b < n % 31
    assert values["xor_i"] == (1 << (n % 31)) - 1
    assert 0 <= values["exch_i"] < n and 0 <= values["exch_f"] < n
    assert values["cas_i"] == 3 * n and values["cas_us"] == n
    assert values["add_u"] == 2 * n
    assert values["inc_u"] == n % 1000  # atomicInc(p, 999): 0, 1, ..., 999, 0, ...
    assert values["dec_u"] == (-n) % 1000  # atomicDec(p, 999): 0 -> 999 -> 998 ...
    assert values["min_u"] == 5 and values["max_u"] == n + 4 and values["or_u"] == 2 ** 32 - 1
    assert values["add_ull"] == n << 33
    assert values["min_ull"] == 2 ** 40 and values["max_ull"] == 2 ** 40 + n - 1
    assert values["and_ull"] == -(2 ** 63)  # printed as long long: only bit 63 left
    assert values["min_ll"] == -(n - 1) * 10 ** 9 and values["max_ll"] == (n - 1) * 10 ** 9
    assert values["add_f"] == n and values["add_d2"] == n
    assert values["add_h"] == 1024 and values["add_h2x"] == 512 and values["add_h2y"] == 1024
