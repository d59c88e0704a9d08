"""NVRTC for the CUDA backend, loaded at run time: CUDA source -> PTX or CUBIN.

Found, first found wins: ``PYGPU_NVRTC`` (a library file, or a directory to look in, and nothing else);
the toolkit (``CUDA_HOME``, ``CUDA_PATH``, ``/usr/local/cuda``); the dynamic loader's cache; the
``nvidia-cuda-nvrtc`` wheel (``pip install PyGPU[nvrtc]``), whose library is in ``nvidia/cu13/lib``
(CUDA 13 wheels) or ``nvidia/cuda_nvrtc/lib`` (CUDA 12 and older).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import importlib.util
import os
import re
from collections.abc import Sequence

from .rtclib import RtcLibrary, find_library, include_options, load_first

__all__ = ["OUTPUTS", "compile", "library", "target_options"]

OVERRIDE_VAR = "PYGPU_NVRTC"
INSTALL_HINT = "pip install PyGPU[nvrtc] (the nvidia-cuda-nvrtc wheel), or install the CUDA toolkit"
OUTPUTS = {"ptx": "PTX", "cubin": "CUBIN"}
_ARCH_RE = re.compile(r"^(sm|compute)_(\d+[a-z]?)$")


def _wheel_dirs() -> list[str]:
    """The lib directories of an installed ``nvidia-cuda-nvrtc`` wheel (both layouts)."""
    try:
        spec = importlib.util.find_spec("nvidia")
    except (ImportError, ValueError):
        return []
    roots = list(spec.submodule_search_locations or []) if spec is not None else []
    return [os.path.join(r, sub, "lib") for r in roots for sub in ("cu13", "cuda_nvrtc")]


def _toolkit_dirs() -> list[str]:
    homes = [os.environ.get(v) for v in ("CUDA_HOME", "CUDA_PATH")] + ["/usr/local/cuda"]
    return [os.path.join(h, sub) for h in homes if h for sub in ("lib64", "lib")]


def _preload_builtins(directory: str) -> None:
    """Loads ``libnvrtc-builtins.so*`` beside libnvrtc first: NVRTC opens it by soname, relying on its own
    RUNPATH, which a dlopen interposer (ASan's LD_PRELOAD) hides; a loaded soname is found whatever the
    path. Best effort: NVRTC says itself when the library is missing."""
    for path in glob.glob(os.path.join(directory, "libnvrtc-builtins.so*")):
        with contextlib.suppress(OSError):
            ctypes.CDLL(path)


@functools.cache
def _load(override: str | None) -> RtcLibrary:
    del override  # part of the cache's key only: a test that points PYGPU_NVRTC elsewhere loads again
    candidates, looked = find_library("libnvrtc", OVERRIDE_VAR, [*_toolkit_dirs(), *_wheel_dirs()])
    for path in candidates:
        _preload_builtins(os.path.dirname(path))
    return load_first(candidates, looked, "nvrtc", "NVRTC (libnvrtc.so)", INSTALL_HINT)


def library() -> RtcLibrary:
    """The NVRTC library (loaded once); ``RtcMissingError`` says how to install it."""
    return _load(os.environ.get(OVERRIDE_VAR))


def target_options(arch: str, output: str) -> list[str]:
    """``--gpu-architecture`` for `arch` (``sm_80``, ``compute_80`` or ``80``): a virtual architecture for PTX
    (NVRTC makes PTX only for ``compute_*``), a real one for CUBIN."""
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {sorted(OUTPUTS)} for NVRTC, got {output!r}")
    text = str(arch).strip()
    if text.isdigit():
        text = f"sm_{text}"
    m = _ARCH_RE.match(text)
    if m is None:
        raise ValueError(f"arch {arch!r}: give a CUDA architecture such as 'sm_80', 'compute_80' or '80'")
    return [f"--gpu-architecture={'compute' if output == 'ptx' else 'sm'}_{m.group(2)}"]


def compile(source: str, arch: str, options: Sequence[str] = (), name_expressions: Sequence[str] = (),
            output: str = "ptx", name: str = "kernel.cu") -> tuple[bytes, dict[str, str], str]:
    """Compiles CUDA `source` to PTX or CUBIN for `arch`; (image, lowered names, log). CompileError on failure
    (the log's line numbers are the source's own)."""
    opts = [*target_options(arch, output), *options, *include_options()]
    return library().compile(source, name, opts, OUTPUTS[output], name_expressions)
