"""hiprtc for the HIP backend, loaded at run time: HIP source -> an AMDGPU code object.

hiprtc lives in ``libamdhip64`` (ROCm, or Debian's ``libamdhip64-dev``), which compiles for a given
``--offload-arch`` without a GPU. Found, first found wins: ``PYGPU_HIPRTC`` (a library file, or a directory
to look in, and nothing else); ``ROCM_PATH``/``HIP_PATH``, ``/opt/rocm``; the dynamic loader's cache.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence

from PyGPU._errors import CompileError

from .rtclib import RtcLibrary, RtcMissingError, find_library, include_options, load_first

__all__ = ["compile", "library", "target_options"]

OVERRIDE_VAR = "PYGPU_HIPRTC"
INSTALL_HINT = ("install ROCm's HIP runtime (libamdhip64: `apt-get install libamdhip64-dev` on Debian and "
                "Ubuntu, or ROCm from AMD), or set PYGPU_HIPRTC to the library")
_SCRATCH_RE = re.compile(r"\S*/input/CompileSource")
_ARCH_RE = re.compile(r"^gfx[0-9a-f]+(?::[\w+-]+)*$")


@functools.cache
def _load(override: str | None) -> RtcLibrary:
    del override  # part of the cache's key only
    homes = [os.environ.get(v) for v in ("ROCM_PATH", "HIP_PATH")] + ["/opt/rocm"]
    dirs = [os.path.join(h, "lib") for h in homes if h]
    candidates, looked = find_library("libhiprtc", OVERRIDE_VAR, dirs)
    more, _ = find_library("libamdhip64", OVERRIDE_VAR, dirs)
    return load_first([*candidates, *more], looked, "hiprtc", "hiprtc (libhiprtc.so or libamdhip64.so)", INSTALL_HINT)


def library() -> RtcLibrary:
    """The hiprtc library (loaded once); ``RtcMissingError`` says how to install it."""
    return _load(os.environ.get(OVERRIDE_VAR))


def target_options(arch: str) -> list[str]:
    """``--offload-arch`` for `arch` (``gfx90a``, ``gfx90a:xnack-``)."""
    text = str(arch).strip()
    if not _ARCH_RE.match(text):
        raise ValueError(f"arch {arch!r}: give an AMDGPU architecture such as 'gfx90a' or 'gfx1100'")
    return [f"--offload-arch={text}"]


def compile(source: str, arch: str, options: Sequence[str] = (), name_expressions: Sequence[str] = (),
            name: str = "kernel.hip") -> tuple[bytes, dict[str, str], str]:
    """Compiles HIP `source` to a code object for `arch`; (image, lowered names, log). CompileError on
    failure."""
    opts = [*target_options(arch), *options, *include_options()]
    try:
        return library().compile(source, name, opts, "Code", name_expressions)
    except RtcMissingError:
        raise
    except CompileError as e:
        # comgr names the source after its scratch file: give the user's name back (the lines are the user's)
        log = _SCRATCH_RE.sub(name, e.log)
        raise CompileError(_SCRATCH_RE.sub(name, str(e)), log=log, returncode=e.returncode,
                           options=e.options) from None
