"""Build the example library from saxpy.cu: ``python build.py sim|cuda [OUT_DIR]``.

sim:  with PyGPU's compiler driver (``python -m PyGPU.cc``), for PyGPU's
      simulated device; it runs the C++ compiler (``$CXX``, else c++).
cuda: with nvcc (on PATH, else ``$CUDA_HOME/bin/nvcc`` or
      /usr/local/cuda/bin/nvcc), for a CUDA GPU.

Both take the same command line; only the compiler differs. Prints the path
of the shared library it wrote.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "saxpy.cu"
FLAGS = ("-O2", "-shared", "-Xcompiler", "-fPIC")


def find_cxx() -> str | None:
    """The C++ compiler PyGPU's driver will use: $CXX, else c++, g++ or clang++ on PATH."""
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


def command(kind: str, out: Path) -> list[str]:
    """The command line that builds the `kind` ("sim" or "cuda") library at `out`."""
    if kind == "sim":
        compiler = [sys.executable, "-m", "PyGPU.cc"]
    elif kind == "cuda":
        nvcc = find_nvcc()
        if nvcc is None:
            raise RuntimeError("nvcc not found (put it on PATH or set CUDA_HOME)")
        compiler = [nvcc]
    else:
        raise ValueError(f"kind must be 'sim' or 'cuda', got {kind!r}")
    return [*compiler, *FLAGS, "-o", str(out), str(SOURCE)]


def build(kind: str, out_dir: str | os.PathLike = HERE) -> Path:
    """Compile saxpy.cu into `out_dir`/libsaxpy_`kind`.so; return its path."""
    out = Path(out_dir) / f"libsaxpy_{kind}.so"
    cmd = command(kind, out)
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")
    return out


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    print(build(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else HERE))
