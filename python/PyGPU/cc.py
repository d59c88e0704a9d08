"""``pygpu-cc`` / ``python -m PyGPU.cc``: nvcc's command line, building for the simulated device.

Examples
--------
``pygpu-cc -shared -o libsaxpy.so saxpy.cu`` builds a library to load with
ctypes after ``import PyGPU``; ``pygpu-cc -o app main.cu`` an executable that
runs on the simulated device with no Python. docs/compiler_driver.md lists
the flags.

>>> from PyGPU.cc import main
>>> main(["--version"])  # doctest: +ELLIPSIS
pygpu-cc ...
0
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Runs the driver on `argv` (default ``sys.argv[1:]``); returns the exit status.

    Parameters
    ----------
    argv : list of str, optional
        nvcc-style arguments and input files.

    Returns
    -------
    int
        0 on success; 1 for a usage error or a failed translation; the C++
        compiler's status when it failed.

    Examples
    --------
    >>> from PyGPU.cc import main
    >>> main(["-std=c++11", "k.cu"])  # the message, on stderr, says C++17 or later is needed
    1
    """
    from . import _core
    from ._compile import host
    from .sim import KERNEL_ABI_VERSION, CompileError

    args = sys.argv[1:] if argv is None else list(argv)
    try:
        opts = host.parse_args(args)
    except host.UsageError as e:
        print(f"pygpu-cc: error: {e}", file=sys.stderr)
        return 1
    if opts.help or not args:
        print(host.USAGE)
        return 0 if opts.help else 1
    if opts.version:
        print(f"pygpu-cc {_core.__version__} (PyGPU's compiler driver for the simulated device, kernel ABI "
              f"{KERNEL_ABI_VERSION})")
        return 0
    try:
        sources = [(path, _read(path)) for path in opts.sources]
    except OSError as e:
        print(f"pygpu-cc: error: {e.filename}: {e.strerror}", file=sys.stderr)
        return 1
    try:
        build = host.Build(sources, opts)
        host.build(build)
    except host.UsageError as e:
        print(f"pygpu-cc: error: {e}", file=sys.stderr)
        return 1
    except CompileError as e:
        print(e.log or str(e), file=sys.stderr)
        return e.returncode or 1
    for text in build.log:
        print(text, end="", file=sys.stderr)
    return 0


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return f.read()


if __name__ == "__main__":
    sys.exit(main())
