"""Child processes: a fresh interpreter, and the environment for compilers and CMake."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with extra environment variables."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=120,
                          check=False)


def without_preload(env=None) -> dict:
    """`env` (default: os.environ) without LD_PRELOAD: the environment for compilers and CMake.

    The sanitizer run of .ci/run preloads the ASan runtime into Python (the
    instrumented _core needs it loaded first). Python subprocesses keep it; a
    compiler, CMake or shell must not inherit it: LeakSanitizer would report
    the memory GCC never frees and fail the build.
    """
    env = dict(os.environ if env is None else env)
    env.pop("LD_PRELOAD", None)
    return env


@contextlib.contextmanager
def preload_removed():
    """os.environ without LD_PRELOAD inside the block, for code that runs compilers itself."""
    saved = os.environ.pop("LD_PRELOAD", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["LD_PRELOAD"] = saved
