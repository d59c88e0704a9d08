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


def driver_wrappers(directory) -> tuple[str, dict]:
    """(python, env) for a child that runs PyGPU's compiler driver through CMake or a compiler.

    Outside the sanitizer run: (sys.executable, {}). In it, Python needs the
    ASan preload and the C++ compiler must not have it, while CMake runs
    without it (without_preload): `python` is then a script that puts the
    preload back and runs this interpreter, and env's CXX a script that drops
    it and runs the C++ compiler (pass it to CMake as CMAKE_CXX_COMPILER).
    """
    import shutil
    from pathlib import Path

    preload = os.environ.get("LD_PRELOAD")
    if not preload:
        return sys.executable, {}
    directory = Path(directory)
    cxx = os.environ.get("CXX") or "c++"
    scripts = {"python": f'export LD_PRELOAD="{preload}"\nexec "{sys.executable}" "$@"\n',
               "cxx": f'unset LD_PRELOAD\nexec "{shutil.which(cxx) or cxx}" "$@"\n'}
    for name, body in scripts.items():
        (directory / name).write_text("#!/bin/sh\n" + body)
        (directory / name).chmod(0o755)
    return str(directory / "python"), {"CXX": str(directory / "cxx")}
