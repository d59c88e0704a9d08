"""The import hook behind ``python -m PyGPU.pycuda`` and the pytest plugin.

A meta-path finder answers every ``pycuda`` and ``pycuda.*`` import: the
package ``pycuda`` itself is a small module of its own (so PyGPU's private
modules never appear under PyCUDA's name), and each PyCUDA module in
``ROUTES`` is PyGPU's module of the same role, the very same module object
(``pycuda.driver is PyGPU.driver``). A PyCUDA module that PyGPU does not offer
(yet) is an ImportError that names it and points to the compatibility
table, never Python's bare "No module named".
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Sequence

# PyCUDA's module -> PyGPU's module of the same role. Entries whose PyGPU module
# does not exist in this installation are refused with NOT_OFFERED at import.
ROUTES: dict[str, str] = {
    "pycuda.driver": "PyGPU.driver",
    "pycuda.gpuarray": "PyGPU.gpuarray",
    "pycuda.autoinit": "PyGPU.autoinit",
    "pycuda.autoprimaryctx": "PyGPU.autoinit",  # PyGPU's contexts are the primary ones
    "pycuda.compiler": "PyGPU.compiler",
    "pycuda.elementwise": "PyGPU.elementwise",
    "pycuda.reduction": "PyGPU.reduction",
    "pycuda.scan": "PyGPU.scan",
    "pycuda.cumath": "PyGPU.cumath",
    "pycuda.tools": "PyGPU.tools",
    "pycuda.curandom": "PyGPU.curandom",
}

TABLE = "the compatibility table in PyGPU's docs (docs/gpuarray.md, 'Running PyCUDA code unchanged')"
NOT_OFFERED = "PyGPU does not offer {name} yet (this run routes pycuda to PyGPU); see " + TABLE


def _offered(target: str) -> bool:
    """Whether this installation of PyGPU has the module `target`."""
    return importlib.util.find_spec(target) is not None


class _PackageLoader(importlib.abc.Loader):
    """Makes the package ``pycuda``: an empty namespace whose submodules this finder answers."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        module.__doc__ = "PyCUDA's names, answered by PyGPU for this run (PyGPU.pycuda)."


class _RouteLoader(importlib.abc.Loader):
    """Puts PyGPU's module in ``sys.modules`` under PyCUDA's name (importlib returns what is there)."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        __import__(self.target)
        sys.modules[module.__name__] = sys.modules[self.target]


class Finder(importlib.abc.MetaPathFinder):
    """The meta-path finder that routes ``pycuda`` imports to PyGPU."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname == "pycuda":
            return importlib.machinery.ModuleSpec(fullname, _PackageLoader(), is_package=True)
        if not fullname.startswith("pycuda."):
            return None
        routed = ROUTES.get(fullname)
        if routed is None or not _offered(routed):
            # ImportError, not ModuleNotFoundError: `from pycuda import compiler` would swallow the latter
            # and say only "cannot import name".
            raise ImportError(NOT_OFFERED.format(name=fullname), name=fullname)
        return importlib.machinery.ModuleSpec(fullname, _RouteLoader(routed))


def _answered_here(module: types.ModuleType) -> bool:
    """Whether `module` under a pycuda name came from this finder (PyGPU's module, or the package)."""
    return (getattr(module, "__name__", "").startswith("PyGPU.")
            or isinstance(getattr(module, "__loader__", None), _PackageLoader))


def installed() -> Finder | None:
    """The finder in ``sys.meta_path``, if any."""
    return next((f for f in sys.meta_path if isinstance(f, Finder)), None)


def install() -> None:
    """Put the finder first in ``sys.meta_path`` (once); refuses when a real pycuda is already imported."""
    if installed() is not None:
        return
    real = sorted(name for name, module in list(sys.modules.items())
                  if (name == "pycuda" or name.startswith("pycuda.")) and module is not None
                  and not _answered_here(module))
    if real:
        raise RuntimeError(f"PyGPU.pycuda: {', '.join(real)} was imported before the routing was installed; "
                           "install it before anything imports pycuda")
    sys.meta_path.insert(0, Finder())


def uninstall() -> None:
    """Remove the finder and forget the modules it answered (PyGPU's own modules stay imported)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, Finder)]
    for name in [n for n in sys.modules if n == "pycuda" or n.startswith("pycuda.")]:
        del sys.modules[name]
