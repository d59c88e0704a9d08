"""Run PyCUDA code unchanged on PyGPU: ``python -m PyGPU.pycuda SCRIPT [ARGS]``.

For that run, ``import pycuda`` and ``pycuda.driver``, ``pycuda.gpuarray``,
``pycuda.autoinit`` (and ``pycuda.compiler``, ``pycuda.elementwise``,
``pycuda.reduction``, ``pycuda.cumath``, ``pycuda.tools``,
``pycuda.curandom`` where this PyGPU has them) are PyGPU's modules of the
same role: ``pycuda.driver`` *is* :mod:`PyGPU.driver`. A PyCUDA module PyGPU
does not offer is an ``ImportError`` that names it
and points to the compatibility table in the docs.

The script runs as ``python SCRIPT [ARGS]`` would run it: ``sys.argv`` is
``[SCRIPT, *ARGS]``, ``sys.path[0]`` is the script's directory, its code runs
as ``__main__``, its exit code (``sys.exit``) is the run's, and an uncaught
exception prints the script's traceback (without the runner's frames) and
exits with 1. ``python -m PyGPU.pycuda -m MODULE [ARGS]`` runs a module as
``python -m MODULE`` would.

For a test suite, ``pytest -p PyGPU.pycuda`` loads this module as a pytest
plugin: the routing is installed before the suite's ``conftest.py`` files are
imported, and removed when the session ends. Loading it imports PyGPU, which
chooses the backend then: set ``PYGPU_BACKEND`` in the environment, not in a
``conftest.py``.

Examples
--------
>>> import PyGPU.pycuda
>>> PyGPU.pycuda.install()
>>> import pycuda.driver, PyGPU.driver
>>> pycuda.driver is PyGPU.driver
True
>>> PyGPU.pycuda.uninstall()
"""

from __future__ import annotations

import os
import runpy
import sys
import types
from collections.abc import Sequence

from . import _pycuda_shim

__all__ = ["main", "install", "uninstall"]

USAGE = "usage: python -m PyGPU.pycuda SCRIPT [ARGS] | -m MODULE [ARGS]"


def install() -> None:
    """Route ``import pycuda`` and its modules to PyGPU for the rest of the process.

    Installing twice is harmless; :func:`uninstall` undoes it.

    Raises
    ------
    RuntimeError
        When a real ``pycuda`` is already imported: install before anything
        imports it.

    Examples
    --------
    >>> import PyGPU.pycuda
    >>> PyGPU.pycuda.install()
    >>> import pycuda.gpuarray as gpuarray
    >>> gpuarray.__name__
    'PyGPU.gpuarray'
    >>> PyGPU.pycuda.uninstall()
    """
    _pycuda_shim.install()


def uninstall() -> None:
    """Stop routing ``pycuda`` to PyGPU and forget the ``pycuda`` modules it answered.

    Examples
    --------
    >>> import sys, PyGPU.pycuda
    >>> PyGPU.pycuda.install()
    >>> import pycuda.driver
    >>> PyGPU.pycuda.uninstall()
    >>> "pycuda.driver" in sys.modules
    False
    """
    _pycuda_shim.uninstall()


def _run(argv: Sequence[str]) -> None:
    """Run the script or ``-m`` module of `argv` as ``__main__`` (sys.argv and sys.path[0] as python sets them)."""
    if argv[0] == "-m":
        sys.argv = ["-m", *argv[2:]]  # runpy replaces argv[0] with the module's file
        sys.path[0] = os.getcwd()
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(argv)
        sys.path[0] = os.path.dirname(os.path.realpath(argv[0]))
        runpy.run_path(argv[0], run_name="__main__")


def _script_traceback(exc: BaseException) -> types.TracebackType | None:
    """`exc`'s traceback without the frames of this runner and runpy (as ``python SCRIPT`` shows it)."""
    tb = exc.__traceback__
    ours = {os.path.realpath(__file__), os.path.realpath(runpy.__file__), "<frozen runpy>"}
    while tb is not None and (tb.tb_frame.f_code.co_filename in ours
                              or os.path.realpath(tb.tb_frame.f_code.co_filename) in ours):
        tb = tb.tb_next
    return tb


def main(argv: Sequence[str] | None = None) -> int:
    """Run a PyCUDA script or module on PyGPU with ``pycuda`` routed to PyGPU.

    Parameters
    ----------
    argv : sequence of str, optional
        ``[SCRIPT, *ARGS]`` or ``["-m", MODULE, *ARGS]``; default
        ``sys.argv[1:]``.

    Returns
    -------
    int
        0 when the script ends normally, 1 after an uncaught exception (its
        traceback printed through ``sys.excepthook``), 2 for a usage error or
        a script that cannot be opened. A ``sys.exit`` in the script raises
        ``SystemExit`` out of this function, as it ends ``python SCRIPT``.
        ``sys.argv`` and ``sys.path`` are restored afterwards, and the routing
        is removed if this call installed it.

    Examples
    --------
    >>> import os, tempfile
    >>> from PyGPU.pycuda import main
    >>> script = os.path.join(tempfile.mkdtemp(), "double.py")
    >>> with open(script, "w") as f:
    ...     _ = f.write("import sys, numpy as np, pycuda.autoinit, pycuda.gpuarray as gpuarray\\n"
    ...                 "print(gpuarray.to_gpu(np.arange(3.0)).get().tolist(), sys.argv[1:])\\n")
    >>> main([script, "x"])
    [0.0, 1.0, 2.0] ['x']
    0
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0] == "-m" and len(args) < 2):
        print(USAGE, file=sys.stderr)
        return 2
    if args[0] != "-m" and not os.path.isfile(args[0]):
        print(f"python -m PyGPU.pycuda: can't open file {os.path.abspath(args[0])!r}: no such file", file=sys.stderr)
        return 2
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    ours = _pycuda_shim.installed() is None
    install()
    try:
        _run(args)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:  # printed as python prints an uncaught exception
        trimmed = _script_traceback(exc)
        sys.excepthook(type(exc), exc.with_traceback(trimmed), trimmed)
        return 1
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
        if ours:
            uninstall()
    return 0


def pytest_load_initial_conftests(early_config: object) -> None:
    """pytest hook (``pytest -p PyGPU.pycuda``): route pycuda before the conftest files are imported.

    Examples
    --------
    >>> import importlib, PyGPU.pycuda
    >>> PyGPU.pycuda.pytest_load_initial_conftests(early_config=None)  # what pytest calls
    >>> importlib.import_module("pycuda.driver").__name__
    'PyGPU.driver'
    >>> PyGPU.pycuda.pytest_unconfigure(config=None)
    """
    install()


def pytest_unconfigure(config: object) -> None:
    """pytest hook: remove the routing when the session ends.

    Examples
    --------
    >>> import sys, PyGPU.pycuda
    >>> PyGPU.pycuda.install()
    >>> PyGPU.pycuda.pytest_unconfigure(config=None)  # what pytest calls
    >>> any(type(f).__name__ == "Finder" for f in sys.meta_path)
    False
    """
    uninstall()


if __name__ == "__main__":
    sys.exit(main())
