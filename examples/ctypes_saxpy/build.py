"""Build the example library: ``python build.py host|cuda [OUT_DIR]``.

host: saxpy_host.cpp with the C++ compiler (``$CXX``, else c++/g++/clang++),
      for PyGPU's simulated device.
cuda: saxpy.cu with nvcc (on PATH, else ``$CUDA_HOME/bin/nvcc`` or
      /usr/local/cuda/bin/nvcc), for a CUDA GPU.

Prints the path of the shared library it wrote.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def find_cxx() -> str | None:
    """The C++ compiler: $CXX, else c++, g++ or clang++ on PATH."""
    if os.environ.get("CXX"):
        return os.environ["CXX"]
    return next((path for name in ("c++", "g++", "clang++") if (path := shutil.which(name))), None)


def find_nvcc() -> str | None:
    """nvcc on PATH, else under $CUDA_HOME or /usr/local/cuda."""
    if path := shutil.which("nvcc"):
        return path
    for root in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
        if root and (Path(root) / "bin" / "nvcc").is_file():
            return str(Path(root) / "bin" / "nvcc")
    return None


def build(kind: str, out_dir: str | os.PathLike = HERE) -> Path:
    """Compile the `kind` ("host" or "cuda") library into `out_dir`; return its path."""
    out = Path(out_dir) / f"libsaxpy_{kind}.so"
    if kind == "host":
        compiler = find_cxx()
        if compiler is None:
            raise RuntimeError("no C++ compiler found (set CXX)")
        command = [compiler, "-std=c++17", "-O2", "-Wall", "-Wextra", "-shared", "-fPIC",
                   "-o", str(out), str(HERE / "saxpy_host.cpp")]
    elif kind == "cuda":
        compiler = find_nvcc()
        if compiler is None:
            raise RuntimeError("nvcc not found (put it on PATH or set CUDA_HOME)")
        command = [compiler, "-O2", "-shared", "-Xcompiler", "-fPIC", "-o", str(out), str(HERE / "saxpy.cu")]
    else:
        raise ValueError(f"kind must be 'host' or 'cuda', got {kind!r}")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return out


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    print(build(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else HERE))
